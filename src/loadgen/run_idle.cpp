// idle: connect `clients` clients, hold them for the duration, then check how many the broker kept.
// With the broker's pid, the broker's RSS before the first connection and while all are held gives
// the memory per idle connection. The connections release their buffers after the CONNACK, so the
// generator itself stays small; once everyone is connected it prints "idle: holding N connections"
// on stderr for scripts that sample the broker themselves.
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cstdio>
#include <iostream>
#include <stdexcept>
#include <thread>

#include "loadgen/load_generator.hpp"
#include "loadgen/mqtt_connection.hpp"
#include "loadgen/process_stats.hpp"
#include "loadgen/worker_pool.hpp"

namespace moatmq::loadgen {

BenchReport run_idle(const BenchOptions& o, const std::string& address)
{
    const auto endpoint = resolve_endpoint(o.host, o.port);
    const std::string id_prefix = "moatmq-bench-" + std::to_string(getpid()) + "-i";
    // Keep alive beyond the hold, so that the broker does not drop the silent clients.
    const auto hold_s = std::chrono::duration_cast<std::chrono::seconds>(o.duration).count();
    const auto keep_alive = static_cast<std::uint16_t>(std::clamp<long long>(2 * hold_s + 60, 60, 65535));

    const auto rss_before = o.broker_pid ? process_rss_bytes(*o.broker_pid) : std::nullopt;
    WorkerPool pool{o.threads};
    std::vector<std::unique_ptr<MqttConnection>> connections;
    connections.reserve(o.clients);
    for (unsigned i = 0; i < o.clients; ++i)
        connections.push_back(std::make_unique<MqttConnection>(pool.executor(i)));

    const auto started = Clock::now();
    auto connected = std::make_shared<Countdown>(o.clients);
    auto step = std::make_shared<SetupStep>([&](std::size_t i) -> asio::awaitable<error_code> {
        MqttConnection& c = *connections[i];
        SessionSettings settings{o.version, id_prefix + std::to_string(i), keep_alive};
        auto ec = co_await c.open(endpoint, settings, o.connect_timeout);
        c.release_buffers();
        co_return ec;
    });
    run_in_lanes(pool, o.clients, o.concurrency, step, connected);
    const auto setup_limit = o.connect_timeout + std::chrono::milliseconds(10 * std::uint64_t{o.clients});
    const bool all_done = connected->wait(setup_limit);
    const double connect_s = std::chrono::duration<double>(Clock::now() - started).count();
    const std::size_t failed = connected->failures() + connected->remaining();
    const std::size_t holding = o.clients - std::min<std::size_t>(o.clients, failed);
    std::cerr << "idle: holding " << holding << " connections" << std::endl;

    // Sample the broker halfway through the hold (its allocator has settled by then).
    std::this_thread::sleep_for(o.duration / 2);
    const auto rss_held = o.broker_pid ? process_rss_bytes(*o.broker_pid) : std::nullopt;
    std::this_thread::sleep_for(o.duration - o.duration / 2);

    // Still connected? A peek that would block means the broker has neither closed nor written.
    std::size_t alive = 0;
    for (auto& c : connections) {
        if (!c->is_open()) continue;
        std::byte probe{};
        const auto n = ::recv(c->socket().native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) ++alive;
    }
    for (auto& c : connections)
        asio::post(c->socket().get_executor(), [p = c.get()] { p->close(); });
    pool.join();

    BenchReport report;
    auto& j = report.json;
    j["mode"] = "idle";
    j["broker"] = address;
    j["mqtt"] = o.version == codec::ProtocolVersion::v5 ? "5" : "3.1.1";
    j["clients"] = o.clients;
    j["connected"] = holding;
    j["failed"] = failed;
    j["alive_at_end"] = alive;
    j["connect_s"] = connect_s;
    j["hold_s"] = std::chrono::duration<double>(o.duration).count();
    if (!all_done) j["setup_timed_out"] = true;
    if (connected->first_error()) j["first_error"] = connected->first_error().message();
    char line[300];
    std::snprintf(line, sizeof line,
                  "idle: %s of %s clients connected in %.1f s, %s still connected after %.0f s, %s\n",
                  with_commas(holding).c_str(), with_commas(o.clients).c_str(), connect_s,
                  with_commas(alive).c_str(), std::chrono::duration<double>(o.duration).count(),
                  address.c_str());
    report.summary = line;
    if (rss_before && rss_held) {
        const auto delta = static_cast<double>(*rss_held) - static_cast<double>(*rss_before);
        j["broker_rss_before"] = *rss_before;
        j["broker_rss_held"] = *rss_held;
        if (holding > 0) j["broker_bytes_per_conn"] = delta / static_cast<double>(holding);
        std::snprintf(line, sizeof line, "  broker RSS %.1f MiB -> %.1f MiB: %.0f bytes per connection\n",
                      static_cast<double>(*rss_before) / 1048576.0,
                      static_cast<double>(*rss_held) / 1048576.0,
                      holding > 0 ? delta / static_cast<double>(holding) : 0.0);
        report.summary += line;
    }
    if (connected->first_error())
        report.summary += "  first error: " + connected->first_error().message() + "\n";
    report.ok = failed == 0 && alive == holding;
    return report;
}

}  // namespace moatmq::loadgen
