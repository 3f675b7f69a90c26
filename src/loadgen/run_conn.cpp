// conn: connection setup rate. `clients` times: TCP connect, (TLS handshake,) CONNECT, CONNACK,
// DISCONNECT, close; `concurrency` of them in flight. With --tls two phases are measured separately:
// full handshakes (no session offered), then resumed ones (each lane offers the session its previous
// connection got, TLS 1.3 tickets or TLS 1.2 session ids alike) and the number the server really
// resumed (SSL_session_reused) is reported, not assumed.
#include <openssl/ssl.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <cstdio>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>

#include "codec/decoder.hpp"
#include "codec/encoder.hpp"
#include "loadgen/latency_histogram.hpp"
#include "loadgen/load_generator.hpp"
#include "loadgen/mqtt_connection.hpp"
#include "loadgen/process_stats.hpp"
#include "loadgen/worker_pool.hpp"

namespace moatmq::loadgen {
namespace {

using asio::as_tuple;
using asio::awaitable;
using asio::use_awaitable;
namespace ssl = asio::ssl;

struct SessionDeleter {
    void operator()(SSL_SESSION* session) const noexcept { SSL_SESSION_free(session); }
};
using SessionPtr = std::unique_ptr<SSL_SESSION, SessionDeleter>;

// What one phase measured; updated from the worker threads.
struct PhaseResult {
    std::mutex mutex;
    LatencyHistogram setup_ns;  // connect to CONNACK
    std::uint64_t ok = 0;
    std::uint64_t failed = 0;
    std::uint64_t resumed = 0;
    std::set<std::string> protocols;  // TLS versions negotiated ("TLSv1.3", ...)
    error_code first_error;

    void record(const error_code& ec, std::uint64_t ns, bool was_resumed, const char* protocol = nullptr)
    {
        std::lock_guard lock(mutex);
        if (ec) {
            ++failed;
            if (!first_error) first_error = ec;
            return;
        }
        ++ok;
        resumed += was_resumed ? 1 : 0;
        if (protocol != nullptr) protocols.emplace(protocol);
        setup_ns.record(ns);
    }
};

// SNI for host names (not for address literals, RFC 6066 §3). SSL_set_tlsext_host_name is a macro
// with a C cast; this is the call it makes.
void set_server_name(SSL* ssl, const std::string& host)
{
    error_code ec;
    asio::ip::make_address(host, ec);
    if (!ec) return;
    SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(host.c_str()));
}

// Reads until a whole CONNACK has arrived and checks it.
template <class Stream>
awaitable<error_code> read_connack(Stream& stream, codec::ProtocolVersion version)
{
    std::array<std::byte, 512> buffer{};
    std::size_t have = 0;
    codec::DecodeOptions options;
    options.version = version;
    options.sender = codec::Sender::server;
    for (;;) {
        auto [ec, n] = co_await stream.async_read_some(
            asio::buffer(buffer.data() + have, buffer.size() - have), as_tuple(use_awaitable));
        if (ec) co_return ec;
        have += n;
        auto decoded = codec::decode(ByteView{buffer.data(), have}, options);
        if (decoded) co_return check_connack(decoded->packet);
        if (decoded.error() != codec::CodecError::need_more || have == buffer.size())
            co_return decoded.error();
    }
}

template <class Stream>
awaitable<error_code> mqtt_handshake(Stream& stream, const Bytes& connect, const Bytes& disconnect,
                                     codec::ProtocolVersion version)
{
    auto [write_ec, written] =
        co_await asio::async_write(stream, asio::buffer(connect), as_tuple(use_awaitable));
    if (write_ec) co_return write_ec;
    if (auto ec = co_await read_connack(stream, version); ec) co_return ec;
    auto [bye_ec, bye] =
        co_await asio::async_write(stream, asio::buffer(disconnect), as_tuple(use_awaitable));
    co_return bye_ec;
}

struct ConnJob {
    BenchOptions options;
    tcp::endpoint endpoint;
    std::string id_prefix;
    Bytes disconnect;
    ssl::context* tls = nullptr;
    bool resume = false;
    std::atomic<std::uint64_t> next{0};
    PhaseResult result;
};

// One lane of a phase: connections one after another until the phase has made `clients` of them.
awaitable<void> conn_lane(std::shared_ptr<ConnJob> job, std::shared_ptr<Countdown> done)
{
    SessionPtr session;  // the session this lane's previous connection got (resumption phase)
    auto executor = co_await asio::this_coro::executor;
    for (;;) {
        const std::uint64_t index = job->next.fetch_add(1);
        if (index >= job->options.clients) break;
        const auto started = Clock::now();
        SessionSettings settings{job->options.version, job->id_prefix + std::to_string(index), 60};
        const Bytes connect = encode_connect(settings);
        error_code ec;
        bool resumed = false;
        const char* protocol = nullptr;
        if (job->tls == nullptr) {
            tcp::socket socket{executor};
            std::tie(ec) = co_await socket.async_connect(job->endpoint, as_tuple(use_awaitable));
            error_code ignored;
            if (!ec) socket.set_option(tcp::no_delay(true), ignored);
            if (!ec) ec = co_await mqtt_handshake(socket, connect, job->disconnect, settings.version);
        } else {
            ssl::stream<tcp::socket> stream{executor, *job->tls};
            std::tie(ec) = co_await stream.next_layer().async_connect(job->endpoint, as_tuple(use_awaitable));
            if (!ec) {
                error_code ignored;
                stream.next_layer().set_option(tcp::no_delay(true), ignored);
                set_server_name(stream.native_handle(), job->options.host);
                if (job->resume && session) SSL_set_session(stream.native_handle(), session.get());
                std::tie(ec) =
                    co_await stream.async_handshake(ssl::stream_base::client, as_tuple(use_awaitable));
            }
            if (!ec) ec = co_await mqtt_handshake(stream, connect, job->disconnect, settings.version);
            if (!ec) {
                resumed = SSL_session_reused(stream.native_handle()) == 1;
                protocol = SSL_get_version(stream.native_handle());
                // TLS 1.3 tickets arrive after the handshake; by the CONNACK they have been read.
                if (job->resume) session.reset(SSL_get1_session(stream.native_handle()));
                // The MQTT DISCONNECT ends the connection; without this, freeing a connection that was
                // not shut down marks its session as not resumable.
                SSL_set_shutdown(stream.native_handle(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
            }
        }
        const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - started).count();
        job->result.record(ec, static_cast<std::uint64_t>(ns), resumed, protocol);
    }
    done->done({});
}

struct PhaseFigures {
    std::string name;
    double seconds = 0;
    std::uint64_t ok = 0, failed = 0, resumed = 0;
    std::set<std::string> protocols;
    std::optional<double> broker_cpu_us_per_conn;
    double client_cpu = 0;
    nlohmann::ordered_json latency;
    std::string latency_text;
    error_code first_error;
};

PhaseFigures run_phase(const BenchOptions& o, const tcp::endpoint& endpoint, ssl::context* tls, bool resume,
                       std::string name)
{
    auto job = std::make_shared<ConnJob>();
    job->options = o;
    job->endpoint = endpoint;
    job->id_prefix = "moatmq-bench-" + std::to_string(getpid()) + "-" + name + "-";
    job->tls = tls;
    job->resume = resume;
    codec::Disconnect disconnect;
    if (auto encoded = codec::encode(codec::Packet{disconnect}, o.version, job->disconnect); !encoded)
        throw std::logic_error("cannot encode DISCONNECT");

    const auto broker_before = o.broker_pid ? process_cpu_us(*o.broker_pid) : std::nullopt;
    const auto self_before = self_cpu_us();
    const auto started = Clock::now();
    {
        WorkerPool pool{o.threads};
        const unsigned lanes = std::max(1U, std::min(o.concurrency, o.clients));
        auto done = std::make_shared<Countdown>(lanes);
        for (unsigned lane = 0; lane < lanes; ++lane)
            asio::co_spawn(pool.executor(lane), conn_lane(job, done), asio::detached);
        pool.join();  // the lanes end when every connection has been made
    }
    PhaseFigures f;
    f.name = std::move(name);
    f.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    const auto broker_after = o.broker_pid ? process_cpu_us(*o.broker_pid) : std::nullopt;
    f.client_cpu = f.seconds > 0 ? static_cast<double>(self_cpu_us() - self_before) / 1e6 / f.seconds : 0;
    f.ok = job->result.ok;
    f.failed = job->result.failed;
    f.resumed = job->result.resumed;
    f.protocols = job->result.protocols;
    f.first_error = job->result.first_error;
    if (broker_before && broker_after && f.ok > 0)
        f.broker_cpu_us_per_conn =
            static_cast<double>(*broker_after - *broker_before) / static_cast<double>(f.ok);
    f.latency = latency_json(job->result.setup_ns);
    f.latency_text = latency_line(job->result.setup_ns);
    return f;
}

std::unique_ptr<ssl::context> make_tls_context(const BenchOptions& o)
{
    auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
    context->set_options(ssl::context::no_sslv2 | ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                         ssl::context::no_tlsv1_1);
    // Keep sessions in the client cache too, so that SSL_get1_session() has tickets to offer.
    SSL_CTX_set_session_cache_mode(context->native_handle(), SSL_SESS_CACHE_CLIENT);
    if (o.tls_version != 0) {
        // TLS 1.2 resumes with an abbreviated handshake (no key exchange); TLS 1.3 with psk_dhe_ke.
        SSL_CTX_set_min_proto_version(context->native_handle(), o.tls_version);
        SSL_CTX_set_max_proto_version(context->native_handle(), o.tls_version);
    }
    if (o.insecure) {
        context->set_verify_mode(ssl::verify_none);
    } else {
        if (o.cafile.empty())
            throw std::invalid_argument("--tls needs --cafile (or --insecure to skip verification)");
        context->load_verify_file(o.cafile);
        context->set_verify_mode(ssl::verify_peer);
        context->set_verify_callback(ssl::host_name_verification(o.host));
    }
    return context;
}

}  // namespace

BenchReport run_conn(const BenchOptions& o, const std::string& address)
{
    const auto endpoint = resolve_endpoint(o.host, o.port);
    std::vector<PhaseFigures> phases;
    std::unique_ptr<ssl::context> tls;
    if (o.tls) {
        tls = make_tls_context(o);
        phases.push_back(run_phase(o, endpoint, tls.get(), false, "tls-full"));
        phases.push_back(run_phase(o, endpoint, tls.get(), true, "tls-resumed"));
    } else {
        phases.push_back(run_phase(o, endpoint, nullptr, false, "plain"));
    }

    BenchReport report;
    auto& j = report.json;
    j["mode"] = "conn";
    j["broker"] = address;
    j["mqtt"] = o.version == codec::ProtocolVersion::v5 ? "5" : "3.1.1";
    j["clients"] = o.clients;
    j["concurrency"] = o.concurrency;
    j["threads"] = std::max(1U, o.threads);
    const char* transport = !o.tls                            ? "plain TCP"
                            : o.tls_version == TLS1_3_VERSION ? "TLS (tlsv1.3 only)"
                            : o.tls_version == TLS1_2_VERSION ? "TLS (tlsv1.2 only)"
                                                              : "TLS";
    char line[300];
    std::snprintf(line, sizeof line, "conn: %s clients, %u at a time, %s, %s\n",
                  with_commas(o.clients).c_str(), o.concurrency, transport, address.c_str());
    report.summary = line;
    for (const auto& f : phases) {
        const double rate = f.seconds > 0 ? static_cast<double>(f.ok) / f.seconds : 0;
        nlohmann::ordered_json p;
        p["connections"] = f.ok;
        p["failed"] = f.failed;
        p["seconds"] = f.seconds;
        p["conn_per_s"] = rate;
        if (o.tls) p["resumed"] = f.resumed;
        if (o.tls) p["protocols"] = f.protocols;
        p["client_cpu"] = f.client_cpu;
        if (f.broker_cpu_us_per_conn) p["broker_cpu_us_per_conn"] = *f.broker_cpu_us_per_conn;
        p["setup_us"] = f.latency;
        if (f.first_error) p["first_error"] = f.first_error.message();
        j[f.name] = p;
        std::snprintf(line, sizeof line, "  %-12s %s conn/s (%s ok, %s failed", f.name.c_str(),
                      with_commas(static_cast<std::uint64_t>(rate)).c_str(), with_commas(f.ok).c_str(),
                      with_commas(f.failed).c_str());
        report.summary += line;
        if (o.tls) report.summary += ", " + with_commas(f.resumed) + " resumed";
        std::snprintf(line, sizeof line, "); generator CPU %.0f %%", f.client_cpu * 100);
        report.summary += line;
        if (f.broker_cpu_us_per_conn) {
            std::snprintf(line, sizeof line, "; broker CPU %.0f us per connection",
                          *f.broker_cpu_us_per_conn);
            report.summary += line;
        }
        report.summary += "\n    setup us: " + f.latency_text + "\n";
        if (f.first_error) report.summary += "    first error: " + f.first_error.message() + "\n";
        if (f.failed > 0) report.ok = false;
    }
    if (o.tls && phases.size() == 2 && phases[1].resumed == 0)
        report.summary += "  note: the server resumed no session\n";
    return report;
}

}  // namespace moatmq::loadgen
