#pragma once
// Command-line options shared by `moatmq pub`, `moatmq sub` (and later `moatmq bench`): the
// connection options of mosquitto_pub/mosquitto_sub where they overlap (-h -p -V -i -u -P -k -c -d
// --cafile --cert --key --tls-version --insecure --will-*), turned into ConnectOptions.
//
// Only this header's callers see CLI11 (forward-declared here); the client library proper does not use it.
#include <optional>
#include <string>

#include "client/client.hpp"

namespace CLI {
class App;
}  // namespace CLI

namespace moatmq::client {

// The options as typed; to_connect_options() validates them.
struct ConnectionArgs {
    std::string host = "localhost";
    int port = 0;  // 0: 1883, or 8883 when a TLS option is given
    std::string protocol_version = "311";
    std::string client_id;
    int keep_alive = 60;
    bool no_clean_session = false;  // -c
    std::string username;
    std::optional<std::string> password;  // -P
    std::string scram;                    // --scram sha256|sha512: MQTT 5 enhanced authentication
    std::string cafile;
    std::string certfile;
    std::string keyfile;
    std::string tls_version;
    bool insecure = false;
    bool debug = false;
    std::string will_topic;
    std::string will_payload;
    int will_qos = 0;
    bool will_retain = false;
    int timeout_seconds = 10;
};

void add_connection_options(CLI::App& app, ConnectionArgs& args);

// "311"/"mqttv311" -> 3.1.1, "5"/"mqttv5" -> 5.0; nullopt otherwise.
std::optional<codec::ProtocolVersion> parse_protocol_version(const std::string& text);

// --tls-version: "tlsv1.2" / "tlsv1.3" -> OpenSSL's protocol version number (TLS1_2_VERSION,
// TLS1_3_VERSION); nullopt otherwise.
std::optional<int> parse_tls_version(const std::string& text);

// Where a password comes from when -P is absent: MOATMQ_PASSWORD, else (only when a username is
// given and stdin is a terminal that is not needed for the message) a prompt without echo.
struct PasswordSources {
    const char* environment = nullptr;                 // getenv("MOATMQ_PASSWORD")
    bool can_prompt = false;                           // stdin is a terminal and not the message source
    std::optional<std::string> (*prompt)() = nullptr;  // reads a line from the terminal without echo
};

// The validated connect options; on a usage error, `usage_error` is set (exit code 2) and an error returned.
Result<ConnectOptions> to_connect_options(const ConnectionArgs& args, const PasswordSources& passwords,
                                          std::string& usage_error);

// Overwrites and drops the password held in `options` (OPENSSL_cleanse).
void wipe_password(ConnectOptions& options) noexcept;

// Reads a line from the terminal with echo off; nullopt when there is no terminal.
std::optional<std::string> prompt_password();

// A client id like mosquitto's: "<prefix>-<pid>-<random hex>".
std::string generate_client_id(const std::string& prefix);

// The line printed for a failed operation: "<what>: <reason>", the reason in words with its code.
std::string describe_failure(const std::string& what, const error_code& ec);

// For a failed connect(): "connection refused by the broker: not authorized (0x87)" for a refusal,
// "cannot connect to HOST:PORT: <reason>" for anything else (unreachable, TLS, timeout).
std::string describe_connect_failure(const ConnectOptions& options, const error_code& ec);

}  // namespace moatmq::client
