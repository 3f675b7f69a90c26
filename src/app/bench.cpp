// moatmq bench: the load generator's command line. Parses MODE and the options (mosquitto-style
// -h -p -V for the broker), fills in per-mode defaults, runs moatmq::loadgen and prints the human
// summary (stdout; stderr with --json) and, with --json, one JSON object on one line on stdout.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <iostream>

#include "app/client_commands.hpp"
#include "app/exit_codes.hpp"
#include "app/parse_arguments.hpp"
#include "client/cli_options.hpp"
#include "loadgen/load_generator.hpp"

namespace moatmq::app {
namespace {

struct BenchArgs {
    std::string mode;
    std::string host = "127.0.0.1";
    int port = 1883;
    std::string protocol_version = "311";
    std::string topic;  // default: bench/<pid>
    int qos = 0;
    std::optional<std::size_t> payload_size;
    std::optional<unsigned> publishers;
    std::optional<unsigned> subscribers;
    std::optional<double> rate;
    unsigned window = 64;
    double warmup_s = 1;
    double duration_s = 5;
    double drain_s = 5;
    unsigned clients = 1000;
    unsigned concurrency = 16;
    bool tls = false;
    std::string cafile;
    bool insecure = false;
    std::string tls_version;
    unsigned threads = 1;
    std::optional<int> broker_pid;
    bool json = false;
};

std::chrono::milliseconds seconds_to_ms(double seconds)
{
    return std::chrono::milliseconds(static_cast<long long>(std::llround(seconds * 1000)));
}

int usage_error(const std::string& message)
{
    std::cerr << "moatmq bench: " << message << "\nRun 'moatmq bench --help' for the options.\n";
    return kExitUsage;
}

}  // namespace

int run_bench(int argc, char** argv)
{
    BenchArgs a;
    CLI::App app{
        "Load generator for any MQTT broker. MODE: conn | pub | sub | fanin | fanout | latency | idle",
        "moatmq bench"};
    app.set_help_flag("--help", "Print this help and exit");
    app.add_option("mode", a.mode, "conn | pub | sub | fanin | fanout | latency | idle")->required();
    app.add_option("-h,--host", a.host, "Broker host (default 127.0.0.1)");
    app.add_option("-p,--port", a.port, "Broker port (default 1883)")->check(CLI::Range(1, 65535));
    app.add_option("-V,--protocol-version", a.protocol_version, "MQTT version: 311 (default) or 5");
    app.add_option("-t,--topic", a.topic,
                   "Topic prefix: publishers use PREFIX/<i>, subscribers PREFIX/+ (default bench/<pid>)");
    app.add_option("-q,--qos", a.qos, "QoS of publishes and subscriptions: 0 (default), 1 or 2")
        ->check(CLI::Range(0, 2));
    app.add_option("-s,--size", a.payload_size, "Payload bytes (default 16; latency 64, at least 8)");
    app.add_option("-P,--publishers", a.publishers, "Publishers (fanin 8, pub 1)")
        ->check(CLI::Range(1, 100000));
    app.add_option("-S,--subscribers", a.subscribers, "Subscribers (fanin/latency/sub 1, fanout 100)")
        ->check(CLI::Range(1, 100000));
    app.add_option("-r,--rate", a.rate,
                   "Messages/s over all publishers; 0 = flat out (default; latency 10000)")
        ->check(CLI::Range(0.0, 1e9));
    app.add_option("--window", a.window, "QoS 1/2 messages in flight per publisher (default 64)")
        ->check(CLI::Range(1, 65535));
    app.add_option("-w,--warmup", a.warmup_s, "Seconds of warm-up before measuring (default 1)")
        ->check(CLI::Range(0.0, 3600.0));
    app.add_option("-d,--duration", a.duration_s, "Seconds measured; idle: seconds held (default 5)")
        ->check(CLI::Range(0.1, 86400.0));
    app.add_option("--drain", a.drain_s,
                   "Seconds to wait at most for messages still on their way (default 5)")
        ->check(CLI::Range(0.0, 600.0));
    app.add_option("-c,--clients", a.clients, "conn/idle: number of connections (default 1000)")
        ->check(CLI::Range(1, 10000000));
    app.add_option("--concurrency", a.concurrency, "Connections set up at once (default 16)")
        ->check(CLI::Range(1, 100000));
    app.add_flag("--tls", a.tls, "conn: TLS, measuring full handshakes and then resumed sessions");
    app.add_option("--cafile", a.cafile, "TLS: verify the broker against these CA certificates");
    app.add_flag("--insecure", a.insecure, "TLS: do not verify the broker's certificate");
    app.add_option("--tls-version", a.tls_version, "TLS: tlsv1.2 or tlsv1.3 only (default: either)");
    app.add_option("--threads", a.threads, "Generator threads (default 1)")->check(CLI::Range(1, 256));
    app.add_option("--broker-pid", a.broker_pid,
                   "Broker process on this machine: report its CPU time and memory")
        ->check(CLI::Range(1, 1 << 30));
    app.add_flag("--json", a.json, "Also print the results as one JSON line on stdout (summary to stderr)");
    if (const auto exit_code = parse_arguments(app, argc, argv)) return *exit_code;

    loadgen::BenchOptions o;
    const auto mode = loadgen::parse_mode(a.mode);
    if (!mode) return usage_error("unknown mode '" + a.mode + "'");
    o.mode = *mode;
    const auto version = client::parse_protocol_version(a.protocol_version);
    if (!version) return usage_error("-V must be 311 or 5");
    o.version = *version;
    o.host = a.host;
    o.port = static_cast<std::uint16_t>(a.port);
    o.topic = a.topic.empty() ? "bench/" + std::to_string(getpid()) : a.topic;
    if (o.topic.find_first_of("+#") != std::string::npos)
        return usage_error("-t must be a topic prefix without wildcards");
    o.qos = static_cast<codec::QoS>(a.qos);
    const bool latency = o.mode == loadgen::Mode::latency;
    o.payload_size = a.payload_size.value_or(latency ? 64 : 16);
    if (latency && o.payload_size < 8)
        return usage_error("latency needs a payload of at least 8 bytes (the send time)");
    o.publishers = a.publishers.value_or(o.mode == loadgen::Mode::fanin ? 8 : 1);
    o.subscribers = a.subscribers.value_or(o.mode == loadgen::Mode::fanout ? 100 : 1);
    if (o.mode == loadgen::Mode::fanout && a.publishers.value_or(1) != 1)
        return usage_error("fanout has one publisher (use fanin for more)");
    o.rate = a.rate.value_or(latency ? 10000 : 0);
    if (latency && o.rate <= 0) return usage_error("latency needs a fixed rate (-r)");
    o.window = a.window;
    o.warmup = seconds_to_ms(a.warmup_s);
    o.duration = seconds_to_ms(a.duration_s);
    o.drain = seconds_to_ms(a.drain_s);
    o.clients = a.clients;
    o.concurrency = a.concurrency;
    o.tls = a.tls;
    if (o.tls && o.mode != loadgen::Mode::conn)
        return usage_error("--tls is supported by the conn mode only");
    if ((!a.cafile.empty() || a.insecure || !a.tls_version.empty()) && !o.tls)
        return usage_error("--cafile/--insecure/--tls-version need --tls");
    if (!a.tls_version.empty()) {
        const auto tls_version = client::parse_tls_version(a.tls_version);
        if (!tls_version) return usage_error("--tls-version must be tlsv1.2 or tlsv1.3");
        o.tls_version = *tls_version;
    }
    o.cafile = a.cafile;
    o.insecure = a.insecure;
    o.threads = a.threads;
    if (a.broker_pid) o.broker_pid = static_cast<pid_t>(*a.broker_pid);

    try {
        const auto report = loadgen::run_bench(o);
        (a.json ? std::cerr : std::cout) << report.summary << std::flush;
        if (a.json) std::cout << report.json.dump() << std::endl;
        return report.ok ? kExitOk : kExitFailure;
    } catch (const std::invalid_argument& e) {
        return usage_error(e.what());
    } catch (const std::exception& e) {
        std::cerr << "moatmq bench: " << e.what() << '\n';
        return kExitFailure;
    }
}

}  // namespace moatmq::app
