#include "security/authn/password_hash.hpp"

#include <argon2.h>

#include <charconv>
#include <vector>

#include "security/authn/authn_crypto.hpp"
#include "security/authn/authn_error.hpp"
#include "security/authn/secret.hpp"

namespace moatmq::security::authn {
namespace {

constexpr std::size_t kMosquittoHashSize = 64;  // SHA-512 / PBKDF2-HMAC-SHA512 output
constexpr std::size_t kMaxSaltSize = 1024;
constexpr std::size_t kMinArgon2Salt = 8;  // libargon2's ARGON2_MIN_SALT_LENGTH
constexpr std::size_t kMinArgon2Hash = 4;  // ARGON2_MIN_OUTLEN
constexpr std::size_t kMaxArgon2Hash = 1024;

// "$a$b$c" -> {"a", "b", "c"}; the text must start with '$'.
std::vector<std::string_view> split_fields(std::string_view text)
{
    std::vector<std::string_view> fields;
    if (text.empty() || text.front() != '$') return fields;
    text.remove_prefix(1);
    for (;;) {
        const auto end = text.find('$');
        fields.push_back(text.substr(0, end));
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 1);
    }
    return fields;
}

// Decimal without sign, leading '+' or leading zeros; within [1, max].
bool parse_uint(std::string_view text, std::uint32_t max, std::uint32_t& out) noexcept
{
    if (text.empty() || (text.size() > 1 && text.front() == '0')) return false;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, out);
    return ec == std::errc{} && ptr == end && out >= 1 && out <= max;
}

// "name=value" with the expected name.
bool parse_named(std::string_view text, std::string_view name, std::uint32_t max, std::uint32_t& out) noexcept
{
    if (text.size() <= name.size() + 1 || text.substr(0, name.size()) != name || text[name.size()] != '=')
        return false;
    return parse_uint(text.substr(name.size() + 1), max, out);
}

}  // namespace

Result<PasswordHash> PasswordHash::parse(std::string_view text)
{
    const auto malformed = make_error_code(AuthnError::malformed_hash);
    const auto unsupported = make_error_code(AuthnError::unsupported_hash);
    const auto fields = split_fields(text);
    if (fields.empty()) return malformed;

    PasswordHash h;
    h.text_ = std::string{text};
    if (fields[0] == "argon2id") {
        // argon2id $ v=19 $ m=..,t=..,p=.. $ salt $ hash
        if (fields.size() != 5) return malformed;
        std::uint32_t version = 0;
        if (!parse_named(fields[1], "v", 0xFF, version)) return malformed;
        if (version != ARGON2_VERSION_13) return unsupported;
        const auto params = fields[2];
        const auto c1 = params.find(',');
        const auto c2 = c1 == std::string_view::npos ? c1 : params.find(',', c1 + 1);
        if (c2 == std::string_view::npos) return malformed;
        std::uint32_t m = 0;
        std::uint32_t t = 0;
        std::uint32_t p = 0;
        if (!parse_named(params.substr(0, c1), "m", 0xFFFFFFFF, m) ||
            !parse_named(params.substr(c1 + 1, c2 - c1 - 1), "t", 0xFFFFFFFF, t) ||
            !parse_named(params.substr(c2 + 1), "p", 0xFFFFFFFF, p))
            return malformed;
        if (m > kMaxArgon2MemoryKib || t > kMaxArgon2Iterations || p > kMaxArgon2Parallelism || m < 8 * p)
            return unsupported;
        auto salt = crypto::base64_decode(fields[3]);
        auto hash = crypto::base64_decode(fields[4]);
        if (!salt || !hash) return malformed;
        if (salt->size() < kMinArgon2Salt || salt->size() > kMaxSaltSize || hash->size() < kMinArgon2Hash ||
            hash->size() > kMaxArgon2Hash)
            return unsupported;
        h.kind_ = Kind::argon2id;
        h.memory_kib_ = m;
        h.iterations_ = t;
        h.parallelism_ = p;
        h.salt_ = std::move(*salt);
        h.hash_ = std::move(*hash);
        return h;
    }
    if (fields[0] == "7") {
        if (fields.size() != 4) return malformed;
        std::uint32_t iterations = 0;
        if (!parse_uint(fields[1], 0xFFFFFFFF, iterations)) return malformed;
        if (iterations > kMaxPbkdf2Iterations) return unsupported;
        auto salt = crypto::base64_decode(fields[2]);
        auto hash = crypto::base64_decode(fields[3]);
        if (!salt || !hash || salt->empty() || salt->size() > kMaxSaltSize ||
            hash->size() != kMosquittoHashSize)
            return malformed;
        h.kind_ = Kind::mosquitto_pbkdf2_sha512;
        h.iterations_ = iterations;
        h.salt_ = std::move(*salt);
        h.hash_ = std::move(*hash);
        return h;
    }
    if (fields[0] == "6") {
        if (fields.size() != 3) return malformed;
        auto salt = crypto::base64_decode(fields[1]);
        auto hash = crypto::base64_decode(fields[2]);
        if (!salt || !hash || salt->empty() || salt->size() > kMaxSaltSize ||
            hash->size() != kMosquittoHashSize)
            return malformed;
        h.kind_ = Kind::mosquitto_sha512;
        h.salt_ = std::move(*salt);
        h.hash_ = std::move(*hash);
        return h;
    }
    return malformed;
}

Result<PasswordHash> PasswordHash::make_argon2id(std::string_view password, const Argon2Params& params)
{
    if (params.memory_kib > kMaxArgon2MemoryKib || params.iterations < 1 ||
        params.iterations > kMaxArgon2Iterations || params.parallelism < 1 ||
        params.parallelism > kMaxArgon2Parallelism || params.memory_kib < 8 * params.parallelism ||
        params.salt_size < kMinArgon2Salt || params.salt_size > kMaxSaltSize ||
        params.hash_size < kMinArgon2Hash || params.hash_size > kMaxArgon2Hash)
        return make_error_code(AuthnError::unsupported_hash);
    PasswordHash h;
    h.kind_ = Kind::argon2id;
    h.memory_kib_ = params.memory_kib;
    h.iterations_ = params.iterations;
    h.parallelism_ = params.parallelism;
    h.salt_.resize(params.salt_size);
    h.hash_.resize(params.hash_size);
    if (!crypto::random_bytes(h.salt_)) return make_error_code(AuthnError::crypto_failure);
    if (argon2id_hash_raw(h.iterations_, h.memory_kib_, h.parallelism_, password.data(), password.size(),
                          h.salt_.data(), h.salt_.size(), h.hash_.data(), h.hash_.size()) != ARGON2_OK)
        return make_error_code(AuthnError::crypto_failure);
    h.text_ = "$argon2id$v=19$m=" + std::to_string(h.memory_kib_) + ",t=" + std::to_string(h.iterations_) +
              ",p=" + std::to_string(h.parallelism_) + "$" + crypto::base64_encode(h.salt_, false) + "$" +
              crypto::base64_encode(h.hash_, false);
    return h;
}

bool PasswordHash::verify(std::string_view password) const
{
    Bytes computed(hash_.size());
    bool ok = false;
    switch (kind_) {
        case Kind::argon2id:
            ok = argon2id_hash_raw(iterations_, memory_kib_, parallelism_, password.data(), password.size(),
                                   salt_.data(), salt_.size(), computed.data(), computed.size()) == ARGON2_OK;
            break;
        case Kind::mosquitto_pbkdf2_sha512:
            ok = crypto::pbkdf2(crypto::Digest::sha512, as_bytes(password), salt_, iterations_, computed);
            break;
        case Kind::mosquitto_sha512: {
            // Mosquitto 1.x: SHA-512 over the password followed by the raw salt bytes.
            Bytes input;
            input.reserve(password.size() + salt_.size());
            const auto pw = as_bytes(password);
            input.insert(input.end(), pw.begin(), pw.end());
            input.insert(input.end(), salt_.begin(), salt_.end());
            computed = crypto::hash(crypto::Digest::sha512, input);
            wipe_memory(input);
            ok = computed.size() == hash_.size();
            break;
        }
    }
    const bool match = ok && constant_time_equal(computed, hash_);
    wipe_memory(computed);
    return match;
}

}  // namespace moatmq::security::authn
