#include "security/authn/secret.hpp"

#include <openssl/crypto.h>

#include <ostream>
#include <utility>

namespace moatmq::security::authn {

void wipe_memory(std::span<std::byte> bytes) noexcept
{
    if (!bytes.empty()) OPENSSL_cleanse(bytes.data(), bytes.size());
}

void wipe_string(std::string& text) noexcept
{
    // The whole capacity: a shrunk string may still hold old bytes past size().
    text.resize(text.capacity());
    if (!text.empty()) OPENSSL_cleanse(text.data(), text.size());
    text.clear();
}

bool constant_time_equal(ByteView a, ByteView b) noexcept
{
    if (a.size() != b.size()) return false;
    if (a.empty()) return true;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Secret::Secret(std::string_view bytes) : bytes_(bytes) {}

Secret::Secret(ByteView bytes) : bytes_(as_chars(bytes)) {}

Secret Secret::adopt(std::string&& bytes)
{
    Secret secret;
    // Reserve first so that the copy lands in one allocation, then wipe the source.
    secret.bytes_.reserve(bytes.size());
    secret.bytes_.assign(bytes);
    wipe_string(bytes);
    return secret;
}

Secret::Secret(Secret&& other) noexcept
{
    // Swapping keeps the bytes in one place for heap strings; the source is wiped either way.
    bytes_.swap(other.bytes_);
    other.wipe();
}

Secret& Secret::operator=(Secret&& other) noexcept
{
    if (this != &other) {
        wipe();
        bytes_.swap(other.bytes_);
        other.wipe();
    }
    return *this;
}

Secret::~Secret()
{
    wipe();
}

void Secret::wipe() noexcept
{
    wipe_string(bytes_);
}

bool operator==(const Secret& a, const Secret& b) noexcept
{
    return constant_time_equal(a.bytes(), b.bytes());
}

std::ostream& operator<<(std::ostream& out, const Secret&)
{
    return out << "***";
}

}  // namespace moatmq::security::authn
