#include "client/cli_options.hpp"

#include "client/scram_authenticator.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/tls1.h>
#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

namespace moatmq::client {

void add_connection_options(CLI::App& app, ConnectionArgs& args)
{
    // -h is the host, as in mosquitto_pub; help is --help only.
    app.set_help_flag("--help", "Print this help and exit");
    app.add_option("-h,--host", args.host, "Broker host (default localhost)");
    app.add_option("-p,--port", args.port, "Broker port (default 1883, or 8883 with TLS options)");
    app.add_option("-V,--protocol-version", args.protocol_version, "MQTT version: 311 or 5 (default 311)");
    app.add_option("-i,--id", args.client_id, "Client id (default: generated)");
    app.add_option("-k,--keepalive", args.keep_alive, "Keep alive in seconds (default 60, 0 = off)");
    app.add_flag("-c,--disable-clean-session", args.no_clean_session,
                 "Keep the session after disconnecting (needs -i)");
    app.add_option("-u,--username", args.username, "Username");
    app.add_option(
        "-P,--pw", args.password,
        "Password (visible to other users in the process list: prefer MOATMQ_PASSWORD or the prompt)");
    app.add_option("--scram", args.scram,
                   "sha256 or sha512: prove the password with SCRAM (MQTT 5 enhanced authentication) "
                   "instead of sending it; needs -V 5 and -u");
    app.add_option("--cafile", args.cafile, "PEM file of trusted CA certificates: enables TLS");
    app.add_option("--cert", args.certfile, "Client certificate (PEM) for mutual TLS");
    app.add_option("--key", args.keyfile, "Client private key (PEM) for mutual TLS");
    app.add_option("--tls-version", args.tls_version, "tlsv1.2 or tlsv1.3 (default: either)");
    app.add_flag("--insecure", args.insecure, "Do not check the server certificate's host name");
    app.add_flag("-d,--debug", args.debug, "Print every packet sent and received");
    app.add_option("--will-topic", args.will_topic, "Topic of the will message");
    app.add_option("--will-payload", args.will_payload, "Payload of the will message");
    app.add_option("--will-qos", args.will_qos, "QoS of the will message");
    app.add_flag("--will-retain", args.will_retain, "Retain the will message");
    app.add_option("--timeout", args.timeout_seconds, "Seconds to wait for each broker answer (default 10)");
}

std::optional<codec::ProtocolVersion> parse_protocol_version(const std::string& text)
{
    if (text == "311" || text == "mqttv311") return codec::ProtocolVersion::v311;
    if (text == "5" || text == "mqttv5") return codec::ProtocolVersion::v5;
    return std::nullopt;
}

std::optional<int> parse_tls_version(const std::string& text)
{
    if (text == "tlsv1.2") return TLS1_2_VERSION;
    if (text == "tlsv1.3") return TLS1_3_VERSION;
    return std::nullopt;
}

Result<ConnectOptions> to_connect_options(const ConnectionArgs& args, const PasswordSources& passwords,
                                          std::string& usage_error)
{
    auto usage = [&usage_error](std::string message) -> Result<ConnectOptions> {
        usage_error = std::move(message);
        return make_error_code(ClientError::invalid_argument);
    };
    ConnectOptions options;
    const auto version = parse_protocol_version(args.protocol_version);
    if (!version) return usage("-V must be 311 or 5, not '" + args.protocol_version + "'");
    options.version = *version;
    if (args.host.empty()) return usage("-h needs a host name");
    options.host = args.host;
    const bool tls =
        !args.cafile.empty() || !args.certfile.empty() || !args.tls_version.empty() || args.insecure;
    if (args.port < 0 || args.port > 65535) return usage("-p must be a port number (1..65535)");
    options.port = static_cast<std::uint16_t>(args.port != 0 ? args.port : (tls ? 8883 : 1883));
    if (args.keep_alive < 0 || args.keep_alive > 65535) return usage("-k must be 0..65535 seconds");
    options.keep_alive = static_cast<std::uint16_t>(args.keep_alive);
    if (args.timeout_seconds <= 0) return usage("--timeout must be at least 1 second");
    options.timeout = std::chrono::seconds{args.timeout_seconds};
    options.clean_start = !args.no_clean_session;
    if (args.no_clean_session && args.client_id.empty()) return usage("-c needs a client id (-i)");
    if (args.client_id.size() > 65535) return usage("-i is too long");
    options.client_id = args.client_id;

    if (!args.username.empty()) options.username = args.username;
    if (args.password) {
        options.password = *args.password;
    } else if (passwords.environment != nullptr) {
        options.password = std::string{passwords.environment};
    } else if (!args.username.empty() && passwords.can_prompt && passwords.prompt != nullptr) {
        options.password = passwords.prompt();
    }
    if (options.password && !options.username && options.version == codec::ProtocolVersion::v311) {
        return usage("a password needs a username (-u) in MQTT 3.1.1");
    }
    if (!args.scram.empty()) {
        if (args.scram != "sha256" && args.scram != "sha512")
            return usage("--scram must be sha256 or sha512");
        if (options.version != codec::ProtocolVersion::v5) return usage("--scram needs MQTT 5 (-V 5)");
        if (!options.username) return usage("--scram needs a username (-u)");
        if (!options.password) return usage("--scram needs a password (-P, MOATMQ_PASSWORD or the prompt)");
        options.authenticator = make_scram_authenticator(args.scram, *options.username, *options.password);
        wipe_password(options);  // SCRAM proves the password; it is never sent
    }

    if (tls) {
        if (args.certfile.empty() != args.keyfile.empty()) return usage("--cert and --key go together");
        if (!args.tls_version.empty() && !parse_tls_version(args.tls_version)) {
            return usage("--tls-version must be tlsv1.2 or tlsv1.3");
        }
        options.tls = TlsOptions{args.cafile, args.certfile, args.keyfile, args.tls_version, args.insecure};
    } else if (!args.keyfile.empty()) {
        return usage("--key needs --cert");
    }

    if (!args.will_topic.empty()) {
        if (args.will_qos < 0 || args.will_qos > 2) return usage("--will-qos must be 0, 1 or 2");
        codec::Will will;
        will.topic = args.will_topic;
        will.payload = to_bytes(args.will_payload);
        will.qos = static_cast<codec::QoS>(args.will_qos);
        will.retain = args.will_retain;
        options.will = std::move(will);
    } else if (!args.will_payload.empty() || args.will_retain) {
        return usage("--will-payload and --will-retain need --will-topic");
    }
    return options;
}

void wipe_password(ConnectOptions& options) noexcept
{
    if (options.password) {
        OPENSSL_cleanse(options.password->data(), options.password->size());
        options.password.reset();
    }
}

std::optional<std::string> prompt_password()
{
    if (::isatty(STDIN_FILENO) == 0) return std::nullopt;
    termios saved{};
    if (::tcgetattr(STDIN_FILENO, &saved) != 0) return std::nullopt;
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    // Echo off before the prompt appears: whatever is typed once it is visible must be neither echoed
    // nor discarded (TCSAFLUSH drops input not yet read, so it must come before the prompt, as in getpass).
    if (::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0) return std::nullopt;
    std::fputs("Password: ", stderr);
    std::fflush(stderr);
    std::string line;
    std::getline(std::cin, line);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    std::fputs("\n", stderr);
    std::optional<std::string> password{std::move(line)};  // moved: no second copy to wipe
    return password;
}

std::string generate_client_id(const std::string& prefix)
{
    unsigned char random[4] = {};
    RAND_bytes(random, sizeof random);
    char text[16];
    std::snprintf(text, sizeof text, "%02x%02x%02x%02x", random[0], random[1], random[2], random[3]);
    return prefix + "-" + std::to_string(::getpid()) + "-" + text;
}

std::string describe_failure(const std::string& what, const error_code& ec)
{
    return what + ": " + ec.message();
}

std::string describe_connect_failure(const ConnectOptions& options, const error_code& ec)
{
    if (broker_reason(ec)) return describe_failure("connection refused by the broker", ec);
    return describe_failure("cannot connect to " + options.host + ":" + std::to_string(options.port), ec);
}

}  // namespace moatmq::client
