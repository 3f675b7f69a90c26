#pragma once
// The moatmq configuration (DESIGN.md §5) as plain value structs: one struct per TOML table.
//
// How to use it:
//
//   #include "config/loader.hpp"      // load_config_file, load_default_config
//   #include "config/render.hpp"      // render_effective
//
//   auto loaded = path ? config::load_config_file(*path) : config::load_default_config();
//   if (!loaded) {                                          // syntax error, unknown key, wrong type, bad
//   value
//       std::cerr << loaded.error().to_string() << '\n';    // "FILE:LINE: message"
//       return 1;
//   }
//   const config::Config& cfg = *loaded;
//   observe::init_logging(cfg.log);
//   std::cout << config::render_effective(cfg);             // check-config
//
// A loaded Config is valid: every listener has a parsed bind address and a unique name, paths are absolute
// (relative paths in the file are resolved against the file's directory), sizes are bytes, durations are
// std::chrono values, words are enums, and cross-key rules hold (e.g. TLS `identity` needs client
// certificates). Keys of features that are not built yet (TLS, auth, ACL, store) are parsed and validated all
// the same, so that a configuration written today keeps working; the app decides what to do with a feature it
// cannot serve yet. Defaults below are the defaults of the file format; docs/configuration.md documents every
// key.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/bind_address.hpp"
#include "config/duration.hpp"
#include "observe/log_config.hpp"

namespace moatmq::config {

using Path = std::filesystem::path;
using std::chrono::milliseconds;
using std::chrono::seconds;

// ---- [broker] ----
struct BrokerConfig {
    Path data_dir = "moatmq-data";      // store and generated development certificates; absolute once loaded
    std::uint32_t threads = 0;          // I/O threads; 0 = one per core
    milliseconds sys_interval{10'000};  // period of the $SYS/broker/... updates; 0 disables them
    // Response Information for 5.0 clients that request it: this prefix followed by the client id. "" = none.
    std::string response_information_prefix;

    bool operator==(const BrokerConfig&) const = default;
};

// ---- [[listener]] and [listener.tls] ----
enum class ListenerProtocol { mqtt, ws };               // "mqtt" | "ws" (wss = ws with [listener.tls])
enum class ClientCertMode { none, optional, require };  // "none" | "optional" | "require"
enum class CertIdentity { none, cn, san_dns, san_email, san_uri, subject };  // "san-dns" etc. in the file
enum class TlsVersion { v1_2, v1_3 };                                        // "1.2" | "1.3"

// One [[listener.tls.sni]] entry: clients asking for `host` (SNI) get this certificate instead of the
// listener's default `cert`.
struct SniCertConfig {
    std::string host;  // a DNS name ("broker.example.com") or a wildcard for one label ("*.example.com")
    Path cert;         // certificate chain (PEM)
    Path key;  // its private key (PEM; decrypted with the listener's key_passphrase_file if encrypted)

    bool operator==(const SniCertConfig&) const = default;
};

struct TlsConfig {
    std::optional<Path>
        cert;  // server certificate chain (PEM); with `key`. Optional only for PSK-only listeners
    std::optional<Path> key;  // its private key (PEM)
    std::optional<Path> ca;   // trust anchors for client certificates; required when client_cert != none
    ClientCertMode client_cert = ClientCertMode::none;
    CertIdentity identity =
        CertIdentity::none;  // certificate field that becomes the username; needs client_cert
    TlsVersion min_version = TlsVersion::v1_2;
    std::optional<Path> crl;            // revocation list checked for client certificates
    std::optional<Path> psk_file;       // TLS-PSK: lines "identity:hexkey"
    std::uint32_t verify_depth = 4;     // longest client certificate chain accepted below the trust anchor
    std::optional<Path> ocsp_response;  // OCSP stapling: a DER OCSP response for `cert`, re-read on change
    // OpenSSL lists replacing moatmq's defaults; "" = the defaults (docs/tls.md). Checked at start.
    std::string ciphers;                      // TLS 1.2 cipher list ("ECDHE-ECDSA-AES128-GCM-SHA256:...")
    std::string ciphersuites;                 // TLS 1.3 suites ("TLS_AES_128_GCM_SHA256:...")
    std::string groups;                       // key exchange groups ("X25519:P-256")
    std::optional<Path> key_passphrase_file;  // holds the passphrase of an encrypted `key` (first line)
    std::vector<SniCertConfig> sni;           // [[listener.tls.sni]]: more certificates, chosen by SNI

    bool operator==(const TlsConfig&) const = default;
};

struct ListenerConfig {
    std::string name;  // unique; defaults to the bind text. Letters, digits, '-', '_', '.', ':', '[', ']'
    BindAddress bind;
    ListenerProtocol protocol = ListenerProtocol::mqtt;
    std::optional<bool> allow_anonymous;  // overrides [auth].allow_anonymous for this listener
    // Every client must prove a password as well (with a client certificate or PSK: the password of that
    // identity), so a stolen certificate alone does not get in.
    bool require_password = false;
    std::optional<TlsConfig> tls;  // present = TLS (mqtts / wss)

    bool operator==(const ListenerConfig&) const = default;
};

// ---- [auth] ----
enum class ScramMechanism { sha256, sha512 };  // "sha256" | "sha512"

struct AuthConfig {
    std::optional<Path> password_file;
    bool allow_anonymous = false;
    // false: a username/password CONNECT on a listener that is neither TLS nor bound to loopback is refused.
    bool allow_plaintext_passwords = false;
    std::vector<ScramMechanism> scram{ScramMechanism::sha256,
                                      ScramMechanism::sha512};     // offered; [] = no SCRAM
    std::optional<BackoffRange> failure_backoff = BackoffRange{};  // nullopt = "off"
    std::uint32_t ban_after = 20;          // failures within failure_window before a ban; 0 = never ban
    milliseconds failure_window{600'000};  // 10m
    bool rehash_on_login = false;          // rewrite weak ($6$) entries as Argon2id after a successful login

    bool operator==(const AuthConfig&) const = default;
};

// ---- [acl] ----
enum class AclDefault { deny, allow };  // "deny" | "allow"

struct AclConfig {
    std::optional<Path> file;                      // Mosquitto acl_file grammar; unset = no ACL
    AclDefault default_action = AclDefault::deny;  // key "default": what no rule decides, when an ACL is set
    bool strict_subscribe = false;                 // grant only filters wholly covered by read rules
    bool disconnect_on_denied_publish = false;     // QoS 0 / 3.1.1 denied publish: disconnect instead of drop

    bool operator==(const AclConfig&) const = default;
};

// ---- [policy] ----
struct PolicyConfig {
    // Topic filters on which only end-to-end encrypted payload envelopes are accepted. Syntax-checked
    // filters.
    std::vector<std::string> encrypted_topics;

    bool operator==(const PolicyConfig&) const = default;
};

// ---- [store] ----
enum class StoreSync { always, periodic, none };  // "always" | "periodic" | "none"

struct StoreConfig {
    StoreSync sync = StoreSync::always;
    milliseconds sync_interval{1000};  // fsync period for sync = "periodic" (the window of loss)

    bool operator==(const StoreConfig&) const = default;
};

// ---- [log] ----
using observe::LogConfig;
using observe::LogFormat;
using observe::LogLevel;

// ---- [limits] ----
// Session expiry value meaning "never expires" (MQTT 5 0xFFFFFFFF); the file says "never".
inline constexpr seconds kNeverExpire{0xFFFF'FFFFLL};

struct LimitsConfig {
    std::uint32_t max_packet_size = 1024 * 1024;  // bytes, fixed header included; <= 268435455
    std::uint32_t max_connections = 100'000;      // concurrent, all listeners
    std::uint32_t max_queued_messages = 1000;     // per session: offline queue + waiting for the window
    std::uint64_t max_queued_bytes =
        8 * 1024 * 1024;                        // per connection: unwritten bytes before QoS 0 is dropped
    std::uint16_t max_inflight_messages = 100;  // unacknowledged QoS 1/2 we send (3.1.1; 5.0 says its own)
    std::uint16_t receive_maximum = 1024;       // unacknowledged QoS 1/2 we accept (5.0 Receive Maximum)
    std::uint16_t topic_alias_maximum = 64;     // inbound topic aliases (5.0); 0 disables them
    std::uint32_t max_client_id_length = 256;
    milliseconds connect_timeout{10'000};       // CONNECT must complete within this
    seconds max_keep_alive{0};                  // cap on keep alive (5.0 Server Keep Alive); 0 = no cap
    seconds max_session_expiry = kNeverExpire;  // cap on session expiry; also 3.1.1 persistent sessions
    std::uint8_t max_qos = 2;                   // Maximum QoS announced and enforced
    bool retain_available = true;
    bool wildcard_subscription_available = true;
    bool subscription_identifier_available = true;
    bool shared_subscription_available = true;

    bool operator==(const LimitsConfig&) const = default;
};

struct Config {
    BrokerConfig broker;
    std::vector<ListenerConfig> listeners;  // in file order; at least one
    AuthConfig auth;
    AclConfig acl;
    PolicyConfig policy;
    StoreConfig store;
    LogConfig log;
    LimitsConfig limits;

    bool operator==(const Config&) const = default;
};

// Whether anonymous clients may connect on `listener`: its own allow_anonymous, else [auth].allow_anonymous.
bool allow_anonymous(const Config& config, const ListenerConfig& listener);

// The words of the configuration file for each enum value ("san-dns", "1.2", "periodic", ...).
std::string_view to_string(ListenerProtocol value);
std::string_view to_string(ClientCertMode value);
std::string_view to_string(CertIdentity value);
std::string_view to_string(TlsVersion value);
std::string_view to_string(ScramMechanism value);
std::string_view to_string(AclDefault value);
std::string_view to_string(StoreSync value);
using observe::to_string;

}  // namespace moatmq::config
