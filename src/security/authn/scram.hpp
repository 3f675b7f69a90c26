#pragma once
// SCRAM-SHA-256 / SCRAM-SHA-512 (RFC 5802, RFC 7677) as two sans-I/O state machines: each step takes the
// peer's message and returns the next one to send. MQTT 5 carries the messages as Authentication Data
// (CONNECT -> AUTH 0x18 -> AUTH 0x18 -> CONNACK), but nothing here knows about MQTT or sockets.
//
//   client                                  server
//   client_first()        "n,,n=user,r=C"  ->  client_first(msg)   (looks up user; unknown users get a
//                                                                    stable fake salt, so no enumeration)
//   server_first(msg)  <- "r=CS,s=salt,i=N"
//                         "c=biws,r=CS,p=P" ->  client_final(msg)   (checks nonce and proof)
//   server_final(msg)  <- "v=ServerSignature"                       (client verifies the server too)
//
// Only "n,," is accepted as GS2 header: no channel binding and no authzid. Passwords are used as their
// UTF-8 bytes without SASLprep (docs/authentication.md). The server keeps only StoredKey/ServerKey/salt/
// iterations; the client wipes its password and salted password as soon as they are no longer needed.
// Neither class is thread-safe; one instance serves one exchange.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.hpp"
#include "common/result.hpp"
#include "security/authn/scram_credentials.hpp"
#include "security/authn/secret.hpp"

namespace moatmq::security::authn {

inline constexpr std::size_t kMaxScramMessage = 4096;  // longer messages are malformed
inline constexpr std::size_t kScramNonceBytes = 18;    // 24 base64 characters of randomness per side

class ScramServer {
public:
    // Returns the user's credentials for this server's mechanism, or nullopt for an unknown user.
    using CredentialLookup = std::function<std::optional<ScramCredentials>(std::string_view username)>;

    // `fake_key` (secret, random per process) derives the salt shown to unknown users; `fixed_nonce` is for
    // tests (RFC vectors) only: empty means a fresh random server nonce.
    ScramServer(ScramMechanism mechanism, CredentialLookup lookup, Bytes fake_key,
                std::string fixed_nonce = {});

    // client-first-message -> server-first-message. AuthnError::scram_malformed / scram_channel_binding.
    Result<std::string> client_first(std::string_view message);
    // client-final-message -> server-final-message ("v=..."). scram_nonce_mismatch, scram_invalid_proof
    // (also for unknown users), scram_malformed, scram_out_of_order.
    Result<std::string> client_final(std::string_view message);

    ScramMechanism mechanism() const noexcept { return mechanism_; }
    // The authenticated user name once client_final() succeeded; the claimed one after client_first().
    const std::string& username() const noexcept { return username_; }
    bool done() const noexcept { return state_ == State::done; }

private:
    enum class State { expect_client_first, expect_client_final, done, failed };

    ScramMechanism mechanism_;
    CredentialLookup lookup_;
    Bytes fake_key_;
    std::string fixed_nonce_;
    State state_ = State::expect_client_first;
    std::string username_;
    std::string nonce_;  // client nonce + server nonce
    std::string client_first_bare_;
    std::string server_first_;
    std::optional<ScramCredentials> credentials_;  // nullopt: unknown user, the proof will fail
};

class ScramClient {
public:
    // `fixed_nonce` is for tests only: empty means a fresh random client nonce.
    ScramClient(ScramMechanism mechanism, std::string username, Secret password,
                std::string fixed_nonce = {});

    // The client-first-message: "n,,n=<user>,r=<nonce>".
    Result<std::string> client_first();
    // server-first-message -> client-final-message. Refuses a server nonce that does not extend ours, an
    // iteration count below kMinScramIterations (a downgrade) or above the maximum.
    Result<std::string> server_first(std::string_view message);
    // Verifies the server signature: AuthnError::scram_server_signature when it does not match, or
    // scram_malformed for an "e=" error from the server.
    error_code server_final(std::string_view message);

    ScramMechanism mechanism() const noexcept { return mechanism_; }

private:
    enum class State { start, expect_server_first, expect_server_final, done, failed };

    ScramMechanism mechanism_;
    std::string username_;
    Secret password_;
    std::string nonce_;
    State state_ = State::start;
    std::string client_first_bare_;
    Bytes server_signature_;  // expected
};

// RFC 5802 §5.1 saslname escaping: ',' -> "=2C", '=' -> "=3D"; decoding rejects any other '=' sequence.
std::string scram_escape_username(std::string_view user);
std::optional<std::string> scram_unescape_username(std::string_view name);

}  // namespace moatmq::security::authn
