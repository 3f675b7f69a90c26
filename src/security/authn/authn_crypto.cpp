#include "security/authn/authn_crypto.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <cstdint>
#include <limits>

namespace moatmq::security::authn::crypto {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int sextet(char c) noexcept
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

const EVP_MD* md(Digest digest) noexcept
{
    return digest == Digest::sha256 ? EVP_sha256() : EVP_sha512();
}

}  // namespace

std::size_t digest_size(Digest digest) noexcept
{
    return digest == Digest::sha256 ? 32 : 64;
}

std::string base64_encode(ByteView bytes, bool pad)
{
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const auto v = (std::to_integer<unsigned>(bytes[i]) << 16) |
                       (std::to_integer<unsigned>(bytes[i + 1]) << 8) |
                       std::to_integer<unsigned>(bytes[i + 2]);
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
        out += kAlphabet[v & 63];
    }
    const auto rest = bytes.size() - i;
    if (rest == 1) {
        const auto v = std::to_integer<unsigned>(bytes[i]) << 16;
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        if (pad) out += "==";
    } else if (rest == 2) {
        const auto v =
            (std::to_integer<unsigned>(bytes[i]) << 16) | (std::to_integer<unsigned>(bytes[i + 1]) << 8);
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
        if (pad) out += '=';
    }
    return out;
}

std::optional<Bytes> base64_decode(std::string_view text)
{
    if (text.size() % 4 == 0 && !text.empty()) {
        std::size_t padding = 0;
        while (padding < 2 && !text.empty() && text.back() == '=') {
            text.remove_suffix(1);
            ++padding;
        }
    }
    if (text.size() % 4 == 1) return std::nullopt;
    Bytes out;
    out.reserve(text.size() * 3 / 4);
    unsigned acc = 0;
    int bits = 0;
    for (const char c : text) {
        const int v = sextet(c);
        if (v < 0) return std::nullopt;
        acc = (acc << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<std::byte>((acc >> bits) & 0xFF));
        }
    }
    if ((acc & ((1U << bits) - 1)) != 0) return std::nullopt;  // non-canonical trailing bits
    return out;
}

bool random_bytes(std::span<std::byte> out) noexcept
{
    if (out.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) return false;
    return RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(out.size())) == 1;
}

Bytes hash(Digest digest, ByteView data)
{
    Bytes out(digest_size(digest));
    unsigned int size = 0;
    if (EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &size, md(digest),
                   nullptr) != 1)
        return {};
    return out;
}

Bytes hmac(Digest digest, ByteView key, ByteView data)
{
    Bytes out(digest_size(digest));
    unsigned int size = 0;
    if (key.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) return {};
    if (HMAC(md(digest), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(data.data()), data.size(),
             reinterpret_cast<unsigned char*>(out.data()), &size) == nullptr)
        return {};
    return out;
}

bool pbkdf2(Digest digest, ByteView password, ByteView salt, std::uint32_t iterations,
            std::span<std::byte> out)
{
    constexpr auto kIntMax = static_cast<std::size_t>(std::numeric_limits<int>::max());
    if (iterations == 0 || iterations > kIntMax || password.size() > kIntMax || salt.size() > kIntMax ||
        out.size() > kIntMax)
        return false;
    return PKCS5_PBKDF2_HMAC(reinterpret_cast<const char*>(password.data()),
                             static_cast<int>(password.size()),
                             reinterpret_cast<const unsigned char*>(salt.data()),
                             static_cast<int>(salt.size()), static_cast<int>(iterations), md(digest),
                             static_cast<int>(out.size()), reinterpret_cast<unsigned char*>(out.data())) == 1;
}

}  // namespace moatmq::security::authn::crypto
