// moatmq pub: publish one message (or one per line of stdin with -l), mosquitto_pub style, optionally
// sealed in an end-to-end encrypted envelope (--encrypt-key).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>

#include "app/client_commands.hpp"
#include "app/exit_codes.hpp"
#include "app/parse_arguments.hpp"
#include "client/cli_options.hpp"
#include "client/client.hpp"
#include "client/console.hpp"
#include "codec/topic.hpp"
#include "security/payload/envelope.hpp"
#include "security/payload/key_file.hpp"

namespace moatmq::app {
namespace {

namespace payload = security::payload;

struct PubArgs {
    client::ConnectionArgs connection;
    std::string topic;
    std::optional<std::string> message;
    std::string file;
    bool from_stdin = false;
    bool per_line = false;
    bool null_message = false;
    int qos = 0;
    bool retain = false;
    std::string encrypt_key;
    std::string encrypt_alg = "aes-256-gcm";
};

int usage_error(const std::string& message)
{
    client::ErrorLine("moatmq pub") << message << "\nRun 'moatmq pub --help' for the options.";
    return kExitUsage;
}

bool read_all(std::istream& in, Bytes& out)
{
    std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    out = to_bytes(text);
    return !in.bad();
}

}  // namespace

int run_pub(int argc, char** argv)
{
    PubArgs args;
    CLI::App app{"Publish a message to an MQTT broker", "moatmq pub"};
    client::add_connection_options(app, args.connection);
    app.add_option("-t,--topic", args.topic, "Topic to publish to")->required();
    auto* message = app.add_option("-m,--message", args.message, "Message payload");
    auto* file = app.add_option("-f,--file", args.file, "Send the contents of FILE as the message");
    auto* stdin_all = app.add_flag("-s,--stdin-file", args.from_stdin, "Send all of stdin as one message");
    auto* stdin_lines =
        app.add_flag("-l,--stdin-line", args.per_line, "Send each line of stdin as a message");
    auto* null_message = app.add_flag("-n,--null-message", args.null_message, "Send an empty message");
    message->excludes(file, stdin_all, stdin_lines, null_message);
    file->excludes(stdin_all, stdin_lines, null_message);
    stdin_all->excludes(stdin_lines, null_message);
    stdin_lines->excludes(null_message);
    app.add_option("-q,--qos", args.qos, "QoS 0, 1 or 2 (default 0)")->check(CLI::Range(0, 2));
    app.add_flag("-r,--retain", args.retain, "Retain the message");
    app.add_option("--encrypt-key", args.encrypt_key,
                   "Seal the payload end to end with this key file (made by 'moatmq certs payload-key')");
    app.add_option("--encrypt-alg", args.encrypt_alg, "aes-256-gcm (default) or chacha20-poly1305");
    if (const auto exit_code = parse_arguments(app, argc, argv)) return *exit_code;
    if (!args.message && args.file.empty() && !args.from_stdin && !args.per_line && !args.null_message) {
        return usage_error("give the message with -m, -f, -s, -l or -n");
    }
    if (codec::validate_topic_name(args.topic)) {
        return usage_error("invalid topic '" + args.topic + "': no '+' or '#', not empty, valid UTF-8");
    }
    const auto algorithm = payload::parse_algorithm(args.encrypt_alg);
    if (!algorithm) return usage_error("--encrypt-alg must be aes-256-gcm or chacha20-poly1305");

    std::string usage;
    const client::PasswordSources passwords{std::getenv("MOATMQ_PASSWORD"),
                                            !args.from_stdin && !args.per_line && ::isatty(STDIN_FILENO) != 0,
                                            &client::prompt_password};
    auto options = client::to_connect_options(args.connection, passwords, usage);
    if (!options) return usage_error(usage);
    if (options->client_id.empty()) options->client_id = client::generate_client_id("moatmq-pub");
    if (args.connection.debug) {
        options->debug = [](std::string_view line) { client::ErrorLine("moatmq pub") << line; };
    }

    std::optional<payload::PayloadKey> key;
    if (!args.encrypt_key.empty()) {
        auto loaded = payload::load_key_file(args.encrypt_key);
        if (!loaded) {
            client::ErrorLine("moatmq pub")
                << "cannot read key file " << args.encrypt_key << ": " << loaded.error().message();
            return kExitFailure;
        }
        if (payload::key_file_too_open(args.encrypt_key)) {
            client::ErrorLine("moatmq pub") << "warning: key file " << args.encrypt_key
                                            << " is readable by group or others; chmod 600 it";
        }
        key.emplace(std::move(*loaded));
    }

    // Messages are read before connecting, so a missing file is reported without touching the broker.
    std::vector<Bytes> messages;
    if (args.message) {
        messages.push_back(to_bytes(*args.message));
    } else if (args.null_message) {
        messages.emplace_back();
    } else if (!args.file.empty()) {
        std::ifstream in(args.file, std::ios::binary);
        Bytes content;
        if (!in || !read_all(in, content)) {
            client::ErrorLine("moatmq pub") << "cannot read " << args.file;
            return kExitFailure;
        }
        messages.push_back(std::move(content));
    } else if (args.from_stdin) {
        Bytes content;
        read_all(std::cin, content);
        messages.push_back(std::move(content));
    }

    client::Client mqtt;
    auto connected = mqtt.connect(*options);
    client::wipe_password(*options);  // the client keeps (and later wipes) its own copy
    if (!connected) {
        client::ErrorLine("moatmq pub") << client::describe_connect_failure(*options, connected.error());
        return kExitFailure;
    }

    auto publish_one = [&](Bytes body) -> bool {
        if (key) {
            auto sealed = payload::seal(*key, *algorithm, args.topic, body,
                                        payload::to_unix_millis(std::chrono::system_clock::now()));
            if (!sealed) {
                client::ErrorLine("moatmq pub") << "cannot encrypt: " << sealed.error().message();
                return false;
            }
            body = std::move(*sealed);
        }
        if (auto ec =
                mqtt.publish(args.topic, std::move(body), static_cast<codec::QoS>(args.qos), args.retain)) {
            client::ErrorLine("moatmq pub") << client::describe_failure("publish failed", ec);
            return false;
        }
        return true;
    };

    bool ok = true;
    if (args.per_line) {
        std::string line;
        while (ok && std::getline(std::cin, line))
            ok = publish_one(to_bytes(line));
    } else {
        for (auto& body : messages) {
            if (!(ok = publish_one(std::move(body)))) break;
        }
    }
    if (auto ec = mqtt.disconnect(); ec && ok) {
        client::ErrorLine("moatmq pub") << client::describe_failure("disconnect failed", ec);
        return kExitFailure;
    }
    return ok ? kExitOk : kExitFailure;
}

}  // namespace moatmq::app
