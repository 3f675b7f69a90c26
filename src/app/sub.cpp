// moatmq sub: subscribe and print messages, mosquitto_sub style. With --encrypt-key, payloads are
// opened as end-to-end encrypted envelopes; anything that fails (wrong key, tampering, another topic,
// stale or replayed) is reported on stderr per message and never printed, and sub keeps running.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "app/client_commands.hpp"
#include "app/exit_codes.hpp"
#include "app/parse_arguments.hpp"
#include "client/cli_options.hpp"
#include "client/client.hpp"
#include "client/console.hpp"
#include "codec/topic.hpp"
#include "security/payload/envelope.hpp"
#include "security/payload/key_file.hpp"
#include "security/payload/payload_error.hpp"

namespace moatmq::app {
namespace {

namespace payload = security::payload;
using Clock = std::chrono::steady_clock;

struct SubArgs {
    client::ConnectionArgs connection;
    std::vector<std::string> filters;
    int qos = 0;
    int count = 0;    // -C: 0 = unlimited
    int timeout = 0;  // -W: 0 = none
    bool verbose = false;
    bool no_retained = false;  // -R
    std::vector<std::string> encrypt_keys;
    // Replay window in seconds; the default (5 minutes) tolerates ordinary clock skew and broker
    // queueing. 0 disables the timestamp check (e.g. for long-lived retained messages).
    int max_age = 300;
};

int usage_error(const std::string& message)
{
    client::ErrorLine("moatmq sub") << message << "\nRun 'moatmq sub --help' for the options.";
    return kExitUsage;
}

// Envelope opening for --encrypt-key: a keyring (several files allowed, for rotation), the replay
// window and a cache of envelopes already accepted inside it.
class Decryptor {
public:
    Decryptor(payload::Keyring keys, int max_age_seconds)
        : keys_(std::move(keys)), max_age_(std::chrono::seconds{max_age_seconds})
    {
    }

    Result<Bytes> open(const std::string& topic, ByteView envelope)
    {
        const auto now = payload::to_unix_millis(std::chrono::system_clock::now());
        auto opened = payload::open(keys_, topic, envelope, payload::OpenOptions{now, max_age_});
        if (!opened) return opened.error();
        if (max_age_.count() > 0 &&
            !replays_.insert(*opened, now, static_cast<std::uint64_t>(max_age_.count()))) {
            return payload::make_error_code(payload::PayloadError::replayed);
        }
        return std::move(opened->plaintext);
    }

private:
    payload::Keyring keys_;
    std::chrono::milliseconds max_age_;
    payload::ReplayCache replays_;
};

}  // namespace

int run_sub(int argc, char** argv)
{
    SubArgs args;
    CLI::App app{"Subscribe to topics on an MQTT broker and print the messages", "moatmq sub"};
    client::add_connection_options(app, args.connection);
    app.add_option("-t,--topic", args.filters, "Topic filter to subscribe to (repeatable)")->required();
    app.add_option("-q,--qos", args.qos, "Maximum QoS 0, 1 or 2 (default 0)")->check(CLI::Range(0, 2));
    app.add_option("-C,--count", args.count, "Exit after COUNT messages")->check(CLI::PositiveNumber);
    app.add_option("-W,--timeout-exit", args.timeout,
                   "Exit after SECONDS (exit code 27 when it expires, as mosquitto_sub)")
        ->check(CLI::PositiveNumber);
    app.add_flag("-v,--verbose", args.verbose, "Print 'topic payload' instead of the payload alone");
    app.add_flag("-R,--no-retained", args.no_retained, "Do not print messages flagged retained");
    app.add_option("--encrypt-key", args.encrypt_keys,
                   "Open end-to-end encrypted payloads with this key file (repeatable, for key rotation)");
    app.add_option("--max-age", args.max_age,
                   "Replay window for encrypted payloads in seconds (default 300; 0 = no limit)")
        ->check(CLI::NonNegativeNumber);
    if (const auto exit_code = parse_arguments(app, argc, argv)) return *exit_code;

    for (const auto& filter : args.filters) {
        if (codec::validate_topic_filter(filter)) return usage_error("invalid topic filter '" + filter + "'");
    }
    std::string usage;
    const client::PasswordSources passwords{std::getenv("MOATMQ_PASSWORD"), ::isatty(STDIN_FILENO) != 0,
                                            &client::prompt_password};
    auto options = client::to_connect_options(args.connection, passwords, usage);
    if (!options) return usage_error(usage);
    if (options->client_id.empty()) options->client_id = client::generate_client_id("moatmq-sub");
    if (args.connection.debug) {
        options->debug = [](std::string_view line) { client::ErrorLine("moatmq sub") << line; };
    }

    std::optional<Decryptor> decryptor;
    if (!args.encrypt_keys.empty()) {
        payload::Keyring keys;
        for (const auto& path : args.encrypt_keys) {
            auto key = payload::load_key_file(path);
            if (!key) {
                client::ErrorLine("moatmq sub")
                    << "cannot read key file " << path << ": " << key.error().message();
                return kExitFailure;
            }
            if (payload::key_file_too_open(path)) {
                client::ErrorLine("moatmq sub")
                    << "warning: key file " << path << " is readable by group or others; chmod 600 it";
            }
            keys.add(std::move(*key));
        }
        decryptor.emplace(std::move(keys), args.max_age);
    }

    client::Client mqtt;
    auto connected = mqtt.connect(*options);
    client::wipe_password(*options);  // the client keeps (and later wipes) its own copy
    if (!connected) {
        client::ErrorLine("moatmq sub") << client::describe_connect_failure(*options, connected.error());
        return kExitFailure;
    }
    // -W counts from the moment the connection is up, as in mosquitto_sub.
    const auto deadline = Clock::now() + std::chrono::seconds{args.timeout};

    std::vector<codec::TopicSubscription> subscriptions;
    for (const auto& filter : args.filters) {
        codec::TopicSubscription s;
        s.filter = filter;
        s.options.qos = static_cast<codec::QoS>(args.qos);
        subscriptions.push_back(std::move(s));
    }
    auto granted = mqtt.subscribe(subscriptions);
    if (!granted) {
        client::ErrorLine("moatmq sub") << client::describe_failure("subscribe failed", granted.error());
        return kExitFailure;
    }
    std::size_t refused = 0;
    for (std::size_t i = 0; i < granted->size() && i < args.filters.size(); ++i) {
        const auto reason = (*granted)[i];
        if (codec::is_error(reason)) {
            ++refused;
            client::ErrorLine("moatmq sub") << "subscription to '" << args.filters[i]
                                            << "' refused: " << client::make_reason_error(reason).message();
        }
    }
    if (refused == args.filters.size()) {
        client::ErrorLine("moatmq sub") << "all subscriptions were refused";
        mqtt.disconnect();
        return kExitFailure;
    }

    int printed = 0;
    for (;;) {
        auto wait = std::chrono::milliseconds{1000};
        if (args.timeout > 0) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
            if (left.count() <= 0) {
                client::write_error_line("Timed out");
                mqtt.disconnect();
                return kExitTimedOut;
            }
            wait = std::min(wait, left);
        }
        auto received = mqtt.receive(wait);
        if (!received) {
            client::ErrorLine("moatmq sub") << client::describe_failure("connection lost", received.error());
            return kExitFailure;
        }
        if (!*received) continue;
        auto& message = **received;
        if (args.no_retained && message.retain) continue;

        Bytes body;
        if (decryptor) {
            auto opened = decryptor->open(message.topic, message.payload);
            if (!opened) {
                client::ErrorLine("moatmq sub")
                    << "message on '" << message.topic << "' rejected: " << opened.error().message();
                continue;
            }
            body = std::move(*opened);
        } else {
            body = std::move(message.payload);
        }
        if (args.verbose) std::cout << message.topic << ' ';
        std::cout << as_chars(body) << '\n';
        std::cout.flush();
        if (args.count > 0 && ++printed >= args.count) break;
    }
    mqtt.disconnect();
    return kExitOk;
}

}  // namespace moatmq::app
