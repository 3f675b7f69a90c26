#pragma once
// What a SCRAM server stores for one user and mechanism (RFC 5802 §3): the salt, the iteration count,
// StoredKey = H(HMAC(SaltedPassword, "Client Key")) and ServerKey = HMAC(SaltedPassword, "Server Key").
// Neither reveals the password nor lets anyone log in as the user without further brute force; StoredKey
// alone is not enough to produce a ClientProof.
//
// In the password file these are extra ':'-separated fields after the hash (docs/authentication.md):
//   scram-sha-256$<iterations>$<salt>$<StoredKey>$<ServerKey>      (padded standard base64)
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.hpp"
#include "common/result.hpp"

namespace moatmq::security::authn {

enum class ScramMechanism { sha256, sha512 };

// "SCRAM-SHA-256" / "SCRAM-SHA-512": the MQTT 5 Authentication Method and the SASL mechanism name.
std::string_view mechanism_name(ScramMechanism mechanism) noexcept;
std::optional<ScramMechanism> mechanism_from_name(std::string_view name) noexcept;

// RFC 7677 §4 asks for at least 4096; each login costs the client (and `moatmq passwd`) this many HMACs.
inline constexpr std::uint32_t kDefaultScramIterations = 4096;
inline constexpr std::uint32_t kMinScramIterations = 4096;
inline constexpr std::uint32_t kMaxScramIterations = 10'000'000;
inline constexpr std::size_t kScramSaltSize = 16;

struct ScramCredentials {
    ScramMechanism mechanism = ScramMechanism::sha256;
    std::uint32_t iterations = kDefaultScramIterations;
    Bytes salt;
    Bytes stored_key;
    Bytes server_key;

    // Derives the keys of `password` (used as its UTF-8 bytes; no SASLprep, see docs/authentication.md).
    static Result<ScramCredentials> derive(ScramMechanism mechanism, std::string_view password,
                                           std::uint32_t iterations, ByteView salt);
    // As derive(), with a fresh random salt of kScramSaltSize bytes.
    static Result<ScramCredentials> generate(ScramMechanism mechanism, std::string_view password,
                                             std::uint32_t iterations = kDefaultScramIterations);

    // "scram-sha-256$4096$<salt>$<StoredKey>$<ServerKey>" and back. AuthnError::malformed_scram_field.
    std::string to_field() const;
    static Result<ScramCredentials> parse_field(std::string_view field);
    // True when `field` starts with a scram-sha-*$ prefix (whether or not the rest parses).
    static bool looks_like_field(std::string_view field) noexcept;

    bool operator==(const ScramCredentials&) const = default;
};

// The RFC 5802 §3 functions both sides need; results are empty on a crypto failure. Callers wipe what
// derives from the password (SaltedPassword, ClientKey).
namespace scram_math {
Bytes salted_password(ScramMechanism mechanism, std::string_view password, ByteView salt,
                      std::uint32_t iterations);
Bytes client_key(ScramMechanism mechanism, ByteView salted_password);
Bytes server_key(ScramMechanism mechanism, ByteView salted_password);
Bytes stored_key(ScramMechanism mechanism, ByteView client_key);
Bytes hmac(ScramMechanism mechanism, ByteView key, std::string_view message);
Bytes hash(ScramMechanism mechanism, ByteView data);
}  // namespace scram_math

}  // namespace moatmq::security::authn
