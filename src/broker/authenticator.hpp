#pragma once
// Authenticator: the one question the broker asks about a CONNECT (and, for SCRAM, its AUTH packets):
// who is this client, or why not? Declared here, in the broker, because the broker is what asks;
// security/authn implements it (PasswordAuthenticator) and the app wires it into BrokerOptions.
//
// ClientConnection fills an AuthRequest from the CONNECT and the ConnectionInfo, runs authenticate() off
// the worker thread (BrokerOptions::run_blocking: a password check costs ~50 ms) unless may_block() says
// the request is cheap, and acts on the AuthDecision back on its own thread:
//
//   accept          CONNACK 0x00 (with decision.auth_data as Authentication Data when non-empty: SCRAM's
//                   server-final). decision.identity is the user name ACLs see ("" for anonymous):
//                   ClientConnection::identity().
//   reject          wait decision.delay (a deadline, not a sleep), then CONNACK decision.reason (5.0, with
//                   decision.reason_string) or its 3.1.1 return code, and close.
//   continue_auth   AUTH 0x18 with decision.auth_data; the client's next AUTH 0x18 data goes to
//                   decision.conversation->step(), which returns the next decision.
//
// Policies (which request gets which decision) and the re-authentication flow: docs/authentication.md.
// Header-only, so that security/authn implements it without linking the broker.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.hpp"
#include "common/clock.hpp"

namespace moatmq::broker {

// MQTT 5 reason codes an authentication decision can carry (CONNACK / AUTH / DISCONNECT); the same values
// as codec::ReasonCode.
enum class AuthReason : std::uint8_t {
    success = 0x00,
    continue_authentication = 0x18,
    bad_username_or_password = 0x86,
    not_authorized = 0x87,
    banned = 0x8A,
    bad_authentication_method = 0x8C,
};

// The MQTT 3.1.1 CONNACK return code for a refusal: 0x86 -> 0x04, everything else -> 0x05.
constexpr std::uint8_t v311_return_code(AuthReason reason) noexcept
{
    if (reason == AuthReason::success) return 0x00;
    return reason == AuthReason::bad_username_or_password ? 0x04 : 0x05;
}

// How the client proved who it is: the "method" field of the audit log.
enum class AuthMethod { anonymous, password, scram, certificate, psk };
constexpr std::string_view to_string(AuthMethod method) noexcept
{
    switch (method) {
        case AuthMethod::anonymous:
            return "anonymous";
        case AuthMethod::password:
            return "password";
        case AuthMethod::scram:
            return "scram";
        case AuthMethod::certificate:
            return "cert";
        case AuthMethod::psk:
            return "psk";
    }
    return "unknown";
}

// Everything the authenticator may look at. It borrows: the strings live for the call only.
struct AuthRequest {
    // --- the connection (transport) ---
    std::string_view listener;        // [[listener]].name
    std::string_view remote_address;  // IP address without port: the throttle's key
    bool listener_tls = false;        // TLS or WSS listener
    bool listener_loopback = false;   // bound to a loopback address (127.0.0.0/8, ::1), not 0.0.0.0
    // Identity the TLS layer established ([listener.tls].identity from the client certificate, or the PSK
    // identity); nullopt without one.
    std::optional<std::string_view> tls_identity;
    bool tls_identity_is_psk = false;
    // --- the CONNECT ---
    std::uint8_t protocol_version = 5;  // 3 (3.1), 4 (3.1.1), 5
    std::string_view client_id;
    std::optional<std::string_view> username;
    // The CONNECT's password bytes; nullopt: no password flag. Secret: never log or keep them; the broker
    // wipes its copy after the call.
    std::optional<ByteView> password;
    std::optional<std::string_view> auth_method;  // 5.0 Authentication Method property
    ByteView auth_data;                           // 5.0 Authentication Data property
};

class AuthConversation;

struct AuthDecision {
    enum class Outcome { accept, reject, continue_auth };

    Outcome outcome = Outcome::reject;
    AuthReason reason = AuthReason::not_authorized;
    AuthMethod method = AuthMethod::anonymous;
    std::string identity;        // accept: the user name for ACLs and $SYS; "" when anonymous
    std::string attempted_user;  // the user name the attempt was for, also on a refusal: for the audit log
    Bytes auth_data;  // continue_auth: AUTH data; accept: CONNACK Authentication Data (may be empty)
    std::string reason_string;    // for the client (5.0 Reason String): says little, never a secret
    std::string log_detail;       // for the audit/security log: says more, never a secret
    bool security_event = false;  // a policy refusal worth a warning (plaintext password, ban)
    Duration delay{};             // reject: answer only after this long (failure throttling)
    std::unique_ptr<AuthConversation> conversation;  // continue_auth: the exchange in progress

    bool accepted() const noexcept { return outcome == Outcome::accept; }
};

// A multi-step exchange (SCRAM) in progress. Owned by the connection; one step at a time.
class AuthConversation {
public:
    virtual ~AuthConversation() = default;
    // The Authentication Method this exchange uses ("SCRAM-SHA-256"): every AUTH packet must carry it.
    virtual std::string_view method_name() const noexcept = 0;
    // The client's next Authentication Data. Cheap (HMACs only, microseconds): called on the worker thread.
    virtual AuthDecision step(ByteView auth_data) = 0;
};

class Authenticator {
public:
    virtual ~Authenticator() = default;
    // Thread-safe; blocking (a password verification costs tens of ms): the broker calls it through
    // BrokerOptions::run_blocking.
    virtual AuthDecision authenticate(const AuthRequest& request) = 0;
    // False when authenticate(request) is cheap and never blocks (no password hash to verify, no file to
    // write): the broker then calls it on the connection's own thread, without the hop to run_blocking's
    // threads and back (two thread wake-ups per CONNECT). The default sends every call there.
    virtual bool may_block(const AuthRequest& request) const
    {
        static_cast<void>(request);
        return true;
    }
};

// One final authentication decision, for the audit log ([log].audit_file). Never holds a secret.
struct AuthAuditRecord {
    std::string_view listener;
    std::string_view remote_address;  // with port
    std::string_view client_id;
    std::string_view username;  // the accepted identity, else the user name the client claimed
    AuthMethod method = AuthMethod::anonymous;
    bool success = false;
    bool reauthentication = false;  // AUTH 0x19 on a live connection
    std::string_view reason;        // decision.log_detail, or the reason code in words
};

}  // namespace moatmq::broker
