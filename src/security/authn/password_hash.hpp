#pragma once
// One password hash as stored in the password file, in one of three forms (DESIGN.md §6):
//
//   $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>   PHC string, unpadded standard base64 (libargon2, and
//                                                    Mosquitto 2.1's own argon2id lines). What moatmq writes.
//   $7$<iterations>$<salt>$<hash>                    Mosquitto 2.x: PBKDF2-HMAC-SHA512, 64-byte output,
//                                                    padded standard base64; 12-byte (2.0) or 64-byte (2.1)
//                                                    salt.
//   $6$<salt>$<hash>                                 Mosquitto 1.x: one SHA-512 of password||salt. Weak: fast
//   to
//                                                    brute-force once the file leaks; kept only so that old
//                                                    files keep working (see rehash_on_login).
//
// Verification recomputes the hash and compares it with CRYPTO_memcmp. A hash is parsed once, when the file
// is loaded, so a malformed field is reported with its line before any client connects. Parameters are
// bounded on parsing so that one hostile entry cannot make a single verification take minutes or gigabytes.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/bytes.hpp"
#include "common/result.hpp"

namespace moatmq::security::authn {

// Argon2id cost. The default costs about 47 ms of one core per verification on the development machine
// (2-core VM, 2026-11; measured with libargon2 20171227: m=19456,t=2,p=1 -> 47 ms, t=1 -> 25 ms,
// m=32768,t=1 -> 44 ms). It is also OWASP's recommended minimum (19 MiB, 2 passes, 1 lane).
struct Argon2Params {
    std::uint32_t memory_kib = 19456;
    std::uint32_t iterations = 2;
    std::uint32_t parallelism = 1;
    std::uint32_t salt_size = 16;
    std::uint32_t hash_size = 32;

    bool operator==(const Argon2Params&) const = default;
};

// Upper bounds accepted from a file (and for generation).
inline constexpr std::uint32_t kMaxArgon2MemoryKib = 1U << 20;  // 1 GiB
inline constexpr std::uint32_t kMaxArgon2Iterations = 64;
inline constexpr std::uint32_t kMaxArgon2Parallelism = 16;
inline constexpr std::uint32_t kMaxPbkdf2Iterations = 10'000'000;

class PasswordHash {
public:
    enum class Kind { argon2id, mosquitto_pbkdf2_sha512, mosquitto_sha512 };

    // AuthnError::malformed_hash for anything that is not one of the three forms;
    // AuthnError::unsupported_hash for a known form with out-of-range parameters.
    static Result<PasswordHash> parse(std::string_view text);

    // A new Argon2id hash with a random salt. Blocking: costs what `params` cost (tens of ms).
    static Result<PasswordHash> make_argon2id(std::string_view password, const Argon2Params& params = {});

    // True when `password` matches. Blocking: an Argon2id entry costs its parameters' time.
    bool verify(std::string_view password) const;

    Kind kind() const noexcept { return kind_; }
    // The stored text, exactly as read or generated.
    const std::string& text() const noexcept { return text_; }
    // True for $6$: a candidate for rehash_on_login.
    bool weak() const noexcept { return kind_ == Kind::mosquitto_sha512; }

private:
    PasswordHash() = default;

    Kind kind_ = Kind::argon2id;
    std::string text_;
    Bytes salt_;
    Bytes hash_;
    std::uint32_t iterations_ = 0;  // argon2 t, or PBKDF2 iterations
    std::uint32_t memory_kib_ = 0;
    std::uint32_t parallelism_ = 0;
};

}  // namespace moatmq::security::authn
