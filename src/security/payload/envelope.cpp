#include "security/payload/envelope.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <climits>
#include <memory>

#include "security/payload/payload_error.hpp"

namespace moatmq::security::payload {
namespace {

constexpr std::size_t kOffsetVersion = 0;
constexpr std::size_t kOffsetAlgorithm = 1;
constexpr std::size_t kOffsetKeyId = 2;
constexpr std::size_t kOffsetNonce = kOffsetKeyId + kKeyIdSize;      // 10
constexpr std::size_t kOffsetTimestamp = kOffsetNonce + kNonceSize;  // 22

struct CipherCtxDeleter {
    void operator()(EVP_CIPHER_CTX* ctx) const noexcept { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

const EVP_CIPHER* cipher_for(Algorithm algorithm) noexcept
{
    switch (algorithm) {
        case Algorithm::aes_256_gcm:
            return EVP_aes_256_gcm();
        case Algorithm::chacha20_poly1305:
            return EVP_chacha20_poly1305();
    }
    return nullptr;
}

bool known_algorithm(std::uint8_t value) noexcept
{
    return value == static_cast<std::uint8_t>(Algorithm::aes_256_gcm) ||
           value == static_cast<std::uint8_t>(Algorithm::chacha20_poly1305);
}

unsigned char* uc(std::byte* p) noexcept
{
    return reinterpret_cast<unsigned char*>(p);
}
const unsigned char* uc(const std::byte* p) noexcept
{
    return reinterpret_cast<const unsigned char*>(p);
}

// Feeds associated data in two parts: the header, then the topic.
bool add_aad(EVP_CIPHER_CTX* ctx, bool encrypt, ByteView header, std::string_view topic) noexcept
{
    int ignored = 0;
    auto update = encrypt ? EVP_EncryptUpdate : EVP_DecryptUpdate;
    if (update(ctx, nullptr, &ignored, uc(header.data()), static_cast<int>(header.size())) != 1) return false;
    if (!topic.empty()) {
        auto t = as_bytes(topic);
        if (update(ctx, nullptr, &ignored, uc(t.data()), static_cast<int>(t.size())) != 1) return false;
    }
    return true;
}

void put_u64(std::byte* out, std::uint64_t v) noexcept
{
    for (int i = 7; i >= 0; --i) {
        out[i] = static_cast<std::byte>(v & 0xff);
        v >>= 8;
    }
}

std::uint64_t get_u64(const std::byte* in) noexcept
{
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i)
        v = (v << 8) | std::to_integer<std::uint64_t>(in[i]);
    return v;
}

}  // namespace

std::string_view to_string(Algorithm algorithm) noexcept
{
    switch (algorithm) {
        case Algorithm::aes_256_gcm:
            return "aes-256-gcm";
        case Algorithm::chacha20_poly1305:
            return "chacha20-poly1305";
    }
    return "unknown";
}

std::optional<Algorithm> parse_algorithm(std::string_view name) noexcept
{
    if (name == "aes-256-gcm") return Algorithm::aes_256_gcm;
    if (name == "chacha20-poly1305") return Algorithm::chacha20_poly1305;
    return std::nullopt;
}

std::uint64_t to_unix_millis(std::chrono::system_clock::time_point t) noexcept
{
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
    return ms < 0 ? 0 : static_cast<std::uint64_t>(ms);
}

Result<Bytes> seal(const PayloadKey& key, Algorithm algorithm, std::string_view topic, ByteView plaintext,
                   std::uint64_t timestamp_ms)
{
    // A random 96-bit nonce per envelope; docs/payload-encryption.md gives the collision bound and the
    // rotation limit that keeps it negligible.
    Nonce nonce{};
    if (RAND_bytes(uc(nonce.data()), static_cast<int>(nonce.size())) != 1) {
        return make_error_code(PayloadError::crypto_failure);
    }
    return seal_with_nonce(key, algorithm, topic, plaintext, timestamp_ms, nonce);
}

Result<Bytes> seal_with_nonce(const PayloadKey& key, Algorithm algorithm, std::string_view topic,
                              ByteView plaintext, std::uint64_t timestamp_ms, const Nonce& nonce)
{
    if (plaintext.size() > kMaxPlaintextSize || topic.size() > INT_MAX) {
        return make_error_code(PayloadError::too_large);
    }
    const EVP_CIPHER* cipher = cipher_for(algorithm);
    if (cipher == nullptr) return make_error_code(PayloadError::unknown_algorithm);

    Bytes out(kEnvelopeOverhead + plaintext.size());
    out[kOffsetVersion] = std::byte{kEnvelopeVersion};
    out[kOffsetAlgorithm] = static_cast<std::byte>(algorithm);
    std::copy(key.id().begin(), key.id().end(), out.begin() + kOffsetKeyId);
    std::copy(nonce.begin(), nonce.end(), out.begin() + kOffsetNonce);
    put_u64(out.data() + kOffsetTimestamp, timestamp_ms);

    CipherCtx ctx{EVP_CIPHER_CTX_new()};
    int written = 0;
    int final_len = 0;
    std::byte* ciphertext = out.data() + kHeaderSize;
    const bool ok =
        ctx && EVP_EncryptInit_ex(ctx.get(), cipher, nullptr, nullptr, nullptr) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_IVLEN, static_cast<int>(kNonceSize), nullptr) == 1 &&
        EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, uc(key.secret().data()), uc(nonce.data())) == 1 &&
        add_aad(ctx.get(), true, ByteView{out.data(), kHeaderSize}, topic) &&
        (plaintext.empty() || EVP_EncryptUpdate(ctx.get(), uc(ciphertext), &written, uc(plaintext.data()),
                                                static_cast<int>(plaintext.size())) == 1) &&
        EVP_EncryptFinal_ex(ctx.get(), uc(ciphertext + written), &final_len) == 1 &&
        static_cast<std::size_t>(written + final_len) == plaintext.size() &&
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kTagSize),
                            out.data() + kHeaderSize + plaintext.size()) == 1;
    if (!ok) return make_error_code(PayloadError::crypto_failure);
    return out;
}

bool is_well_formed_envelope(ByteView payload) noexcept
{
    return payload.size() >= kEnvelopeOverhead &&
           std::to_integer<std::uint8_t>(payload[kOffsetVersion]) == kEnvelopeVersion &&
           known_algorithm(std::to_integer<std::uint8_t>(payload[kOffsetAlgorithm]));
}

Result<Opened> open(const Keyring& keys, std::string_view topic, ByteView envelope,
                    const OpenOptions& options)
{
    if (envelope.size() < kEnvelopeOverhead) return make_error_code(PayloadError::malformed);
    if (std::to_integer<std::uint8_t>(envelope[kOffsetVersion]) != kEnvelopeVersion) {
        return make_error_code(PayloadError::unsupported_version);
    }
    const auto algorithm_byte = std::to_integer<std::uint8_t>(envelope[kOffsetAlgorithm]);
    if (!known_algorithm(algorithm_byte)) return make_error_code(PayloadError::unknown_algorithm);
    if (topic.size() > INT_MAX || envelope.size() - kEnvelopeOverhead > kMaxPlaintextSize) {
        return make_error_code(PayloadError::malformed);
    }

    Opened opened{};
    opened.algorithm = static_cast<Algorithm>(algorithm_byte);
    std::copy_n(envelope.begin() + kOffsetKeyId, kKeyIdSize, opened.key_id.begin());
    std::copy_n(envelope.begin() + kOffsetNonce, kNonceSize, opened.nonce.begin());
    opened.timestamp_ms = get_u64(envelope.data() + kOffsetTimestamp);

    const PayloadKey* key = keys.find(opened.key_id);
    if (key == nullptr) return make_error_code(PayloadError::unknown_key_id);

    const std::size_t text_size = envelope.size() - kEnvelopeOverhead;
    const std::byte* ciphertext = envelope.data() + kHeaderSize;
    // The tag is copied because OpenSSL's set-tag control takes a non-const pointer.
    std::array<std::byte, kTagSize> tag{};
    std::copy_n(ciphertext + text_size, kTagSize, tag.begin());

    opened.plaintext.resize(text_size);
    CipherCtx ctx{EVP_CIPHER_CTX_new()};
    int written = 0;
    int final_len = 0;
    const bool setup =
        ctx && EVP_DecryptInit_ex(ctx.get(), cipher_for(opened.algorithm), nullptr, nullptr, nullptr) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_IVLEN, static_cast<int>(kNonceSize), nullptr) == 1 &&
        EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, uc(key->secret().data()), uc(opened.nonce.data())) ==
            1 &&
        add_aad(ctx.get(), false, envelope.first(kHeaderSize), topic) &&
        (text_size == 0 || EVP_DecryptUpdate(ctx.get(), uc(opened.plaintext.data()), &written, uc(ciphertext),
                                             static_cast<int>(text_size)) == 1) &&
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kTagSize), tag.data()) == 1;
    if (!setup) {
        OPENSSL_cleanse(opened.plaintext.data(), opened.plaintext.size());
        return make_error_code(PayloadError::crypto_failure);
    }
    // Final verifies the tag. Until it succeeds the buffer holds unauthenticated plaintext: wipe it.
    if (EVP_DecryptFinal_ex(ctx.get(), uc(opened.plaintext.data() + written), &final_len) != 1) {
        OPENSSL_cleanse(opened.plaintext.data(), opened.plaintext.size());
        return make_error_code(PayloadError::authentication_failed);
    }

    if (options.max_age.count() > 0) {
        const auto window = static_cast<std::uint64_t>(options.max_age.count());
        if (opened.timestamp_ms + window < options.now_ms) {
            OPENSSL_cleanse(opened.plaintext.data(), opened.plaintext.size());
            return make_error_code(PayloadError::stale);
        }
        if (opened.timestamp_ms > options.now_ms + window) {
            OPENSSL_cleanse(opened.plaintext.data(), opened.plaintext.size());
            return make_error_code(PayloadError::from_the_future);
        }
    }
    return opened;
}

bool ReplayCache::insert(const Opened& opened, std::uint64_t now_ms, std::uint64_t window_ms)
{
    const std::uint64_t horizon = now_ms > window_ms ? now_ms - window_ms : 0;
    while (!order_.empty() && (order_.front().first < horizon || order_.size() >= capacity_)) {
        seen_.erase(order_.front().second);
        order_.pop_front();
    }
    Entry entry{opened.key_id, opened.nonce};
    if (!seen_.insert(entry).second) return false;
    order_.emplace_back(opened.timestamp_ms, entry);
    return true;
}

}  // namespace moatmq::security::payload
