// The traffic modes: pub, sub, fanin, fanout and latency. They differ only in how many publishers and
// subscribers there are and whether the rate is fixed:
//
//   publishers: topic/<i>, pre-encoded PUBLISH copied into the outbox in batches (QoS 1/2: at most
//               `window` unacknowledged, the packet id patched in, the window refilled once per read
//               of acknowledgements; latency: send time in the payload)
//   subscribers: topic/+ (sub: topic/#), counting every PUBLISH, acknowledging QoS 1/2
//
// The main thread only keeps time: warm-up, then a snapshot of every counter, the measured duration,
// a second snapshot, then stop and drain (wait, bounded, for what is still on its way) to count
// losses: for fanin/fanout/latency every message sent should reach every subscriber.
#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <thread>

#include "loadgen/latency_histogram.hpp"
#include "loadgen/load_generator.hpp"
#include "loadgen/mqtt_connection.hpp"
#include "loadgen/process_stats.hpp"
#include "loadgen/worker_pool.hpp"

namespace moatmq::loadgen {
namespace {

using asio::awaitable;
using codec::PacketType;
using codec::QoS;

constexpr std::size_t kBatch = 256;              // PUBLISHes appended per turn
constexpr std::size_t kHighWater = 64 * 1024;    // outbox bytes beyond which a publisher waits
constexpr int kPublisherSendBuffer = 64 * 1024;  // kernel buffer: what is "sent" but not yet read

std::uint64_t now_ns()
{
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count());
}

// Counters written by one worker thread and read by the main thread: relaxed load + store, no RMW.
struct Counter {
    std::atomic<std::uint64_t> value{0};
    void add(std::uint64_t n) noexcept
    {
        value.store(value.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    std::uint64_t get() const noexcept { return value.load(std::memory_order_relaxed); }
};

struct Control {
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> measure_from{UINT64_MAX};  // latency samples count only in the window
    std::atomic<std::uint64_t> measure_to{UINT64_MAX};
};

struct Publisher {
    explicit Publisher(asio::any_io_executor executor) : conn(executor) {}
    MqttConnection conn;
    PacketTemplate publish;
    PacketTemplate pubrel;
    double rate = 0;  // messages/s of this publisher; 0 = flat out
    unsigned window = 0;
    Counter sent;
    Counter completed;  // PUBACK (QoS 1) or PUBCOMP (QoS 2) received
    unsigned inflight = 0;
    std::uint16_t next_id = 1;
    Clock::time_point start;       // of sending, for the rate
    std::uint64_t sent_total = 0;  // since start (the worker's own count)
    bool sending = false;          // between the first batch and the stop
    std::atomic<bool> broken{false};
};

struct Subscriber {
    explicit Subscriber(asio::any_io_executor executor) : conn(executor) {}
    MqttConnection conn;
    PacketTemplate puback;
    PacketTemplate pubrec;
    PacketTemplate pubcomp;
    Counter received;
    std::unique_ptr<LatencyHistogram> latency;  // latency mode only
    codec::ProtocolVersion version = codec::ProtocolVersion::v311;
    std::atomic<bool> broken{false};
};

// What a publisher may send now: up to kBatch PUBLISHes within its window, its rate and the outbox's
// high-water mark, appended and flushed. `retry` is when the rate allows more (max(): once woken).
struct Refill {
    std::size_t sent = 0;
    Clock::time_point retry = Clock::time_point::max();
};

Refill refill(Publisher& p, bool stamped)
{
    Refill r;
    std::size_t n = kBatch;
    if (p.rate > 0) {
        const std::chrono::duration<double> elapsed = Clock::now() - p.start;
        const auto due = static_cast<std::uint64_t>(elapsed.count() * p.rate) + 1;
        if (due <= p.sent_total) {
            r.retry = p.start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                                    static_cast<double>(p.sent_total) / p.rate));
            return r;
        }
        n = std::min<std::uint64_t>(n, due - p.sent_total);
    }
    if (p.window > 0) {
        const std::size_t room = p.window - std::min(p.window, p.inflight);
        // Flat out, the window is refilled once a quarter of it is free, not after every PUBACK: a
        // broker that writes each PUBACK on its own (Mosquitto) would otherwise get one PUBLISH per
        // write, and the generator would pay a send (and the broker's wake-up) per message.
        if (p.rate <= 0 && room < std::max<std::size_t>(1, p.window / 4)) return r;
        n = std::min(n, room);
    }
    if (p.conn.queued() >= kHighWater) {
        p.conn.notify_after_write();  // the sender goes on once the outbox has room
        return r;
    }
    if (n == 0) return r;
    Bytes& out = p.conn.outbox();
    const std::uint64_t stamp = stamped ? now_ns() : 0;
    for (std::size_t i = 0; i < n; ++i) {
        p.publish.append_to(out, p.next_id, stamp);
        if (p.window > 0) {
            ++p.inflight;
            p.next_id = static_cast<std::uint16_t>(p.next_id == 65535 ? 1 : p.next_id + 1);
        }
    }
    p.sent_total += n;
    p.sent.add(n);
    p.conn.flush();
    r.sent = n;
    return r;
}

// A windowed publisher (QoS 1/2) refills its window from here, once per read of acknowledgements
// (which may hold one or hundreds): no wake-up of the sender per acknowledgement.
awaitable<void> publisher_reads(Publisher* p, std::shared_ptr<Control> control, bool stamped)
{
    Control* c = control.get();
    co_await p->conn.read_packets(
        [p](const codec::FixedHeader& header, ByteView packet) {
            switch (header.type) {
                case PacketType::puback:
                case PacketType::pubcomp:
                    if (p->inflight > 0) --p->inflight;
                    p->completed.add(1);
                    break;
                case PacketType::pubrec:
                    p->pubrel.append_to(p->conn.outbox(), ack_packet_id(packet));
                    break;
                default:
                    break;
            }
        },
        [p, c, stamped] {
            if (p->window == 0 || !p->sending || c->stop.load(std::memory_order_relaxed)) return;
            // A fixed rate may hold the rest back: a sender waiting for the window sets its timer.
            if (refill(*p, stamped).retry != Clock::time_point::max() && p->conn.waiting_for_notify())
                p->conn.notify();
        });
    if (!control->stop.load()) p->broken = true;
}

// Sends the first batch, and whatever is due when woken: by the rate's timer, by room in the outbox,
// or (QoS 0 flat out) after letting the reads and the writes run between batches.
awaitable<void> publisher_sends(Publisher* p, std::shared_ptr<Control> control, bool stamped)
{
    p->start = Clock::now();
    p->sending = true;
    while (!control->stop.load(std::memory_order_relaxed) && p->conn.is_open() && !p->conn.write_error()) {
        const Refill r = refill(*p, stamped);
        if (r.sent > 0 && p->window == 0 && p->rate <= 0)
            co_await asio::post(p->conn.socket().get_executor(), asio::use_awaitable);
        else if (r.sent == 0)
            co_await p->conn.wait(r.retry);
    }
    p->sending = false;
}

awaitable<void> subscriber_reads(Subscriber* s, std::shared_ptr<Control> control)
{
    Control* c = control.get();
    co_await s->conn.read_packets([s, c](const codec::FixedHeader& header, ByteView packet) {
        switch (header.type) {
            case PacketType::publish: {
                auto view = view_publish(packet, header, s->version);
                if (!view) return;
                s->received.add(1);
                if (view->qos == QoS::at_least_once) s->puback.append_to(s->conn.outbox(), view->packet_id);
                if (view->qos == QoS::exactly_once) s->pubrec.append_to(s->conn.outbox(), view->packet_id);
                if (s->latency) {
                    const std::uint64_t stamp = read_stamp(view->payload);
                    if (stamp >= c->measure_from.load(std::memory_order_relaxed) &&
                        stamp < c->measure_to.load(std::memory_order_relaxed)) {
                        const std::uint64_t now = now_ns();
                        s->latency->record(now > stamp ? now - stamp : 0);
                    }
                }
                break;
            }
            case PacketType::pubrel:
                s->pubcomp.append_to(s->conn.outbox(), ack_packet_id(packet));
                break;
            default:
                break;
        }
    });
    if (!control->stop.load()) s->broken = true;
}

struct Snapshot {
    std::uint64_t sent = 0;
    std::uint64_t completed = 0;
    std::uint64_t received = 0;
    std::uint64_t self_cpu_us = 0;
    std::optional<std::uint64_t> broker_cpu_us;
    Clock::time_point at;
};

Snapshot take_snapshot(const std::vector<std::unique_ptr<Publisher>>& publishers,
                       const std::vector<std::unique_ptr<Subscriber>>& subscribers,
                       std::optional<pid_t> broker)
{
    Snapshot snap;
    for (const auto& p : publishers)
        snap.sent += p->sent.get(), snap.completed += p->completed.get();
    for (const auto& s : subscribers)
        snap.received += s->received.get();
    snap.self_cpu_us = self_cpu_us();
    if (broker) snap.broker_cpu_us = process_cpu_us(*broker);
    snap.at = Clock::now();
    return snap;
}

// Waits for every setup step; throws with the first failure.
void await_setup(Countdown& countdown, std::size_t count, std::chrono::milliseconds timeout,
                 const std::string& what)
{
    if (!countdown.wait(timeout))
        throw std::runtime_error(what + ": " + std::to_string(countdown.remaining()) + " of " +
                                 std::to_string(count) + " still not set up after " +
                                 std::to_string(timeout.count()) + " ms");
    if (countdown.failures() > 0)
        throw std::runtime_error(what + ": " + std::to_string(countdown.failures()) + " of " +
                                 std::to_string(count) + " failed: " + countdown.first_error().message());
}

std::string version_name(codec::ProtocolVersion version)
{
    return version == codec::ProtocolVersion::v5 ? "5" : "3.1.1";
}

}  // namespace

BenchReport run_traffic(const BenchOptions& o, const std::string& address)
{
    unsigned publisher_count = o.publishers;
    unsigned subscriber_count = o.subscribers;
    std::string filter = o.topic + "/+";
    switch (o.mode) {
        case Mode::pub:
            subscriber_count = 0;
            break;
        case Mode::sub:
            publisher_count = 0;
            filter = o.topic + "/#";
            break;
        case Mode::fanout:
            publisher_count = 1;
            break;
        default:
            break;
    }
    const bool latency = o.mode == Mode::latency;
    const bool counts_losses = o.mode == Mode::fanin || o.mode == Mode::fanout || o.mode == Mode::latency;
    const auto endpoint = resolve_endpoint(o.host, o.port);
    const std::string id_prefix = "moatmq-bench-" + std::to_string(getpid()) + "-";
    const auto setup_timeout =
        o.connect_timeout + std::chrono::milliseconds(20 * (publisher_count + subscriber_count));

    WorkerPool pool{o.threads};
    auto control = std::make_shared<Control>();
    std::vector<std::unique_ptr<Subscriber>> subscribers;
    std::vector<std::unique_ptr<Publisher>> publishers;
    for (unsigned i = 0; i < subscriber_count; ++i) {
        auto s = std::make_unique<Subscriber>(pool.executor(i));
        s->version = o.version;
        s->puback = PacketTemplate::ack(PacketType::puback, o.version);
        s->pubrec = PacketTemplate::ack(PacketType::pubrec, o.version);
        s->pubcomp = PacketTemplate::ack(PacketType::pubcomp, o.version);
        if (latency) s->latency = std::make_unique<LatencyHistogram>();
        subscribers.push_back(std::move(s));
    }
    for (unsigned i = 0; i < publisher_count; ++i) {
        // Publisher i's connection lives on the worker after the subscribers', spreading the load.
        auto p = std::make_unique<Publisher>(pool.executor(subscriber_count + i));
        p->publish =
            PacketTemplate::publish(o.topic + "/" + std::to_string(i), o.payload_size, o.qos, o.version);
        p->pubrel = PacketTemplate::ack(PacketType::pubrel, o.version);
        p->rate = o.rate > 0 ? o.rate / publisher_count : 0;
        p->window = o.qos == QoS::at_most_once ? 0 : o.window;
        p->conn.limit_send_buffer(kPublisherSendBuffer);
        publishers.push_back(std::move(p));
    }

    // Closes every connection on its own thread, then joins the workers: the read loops end.
    auto shut_down = [&] {
        control->stop = true;
        for (auto& s : subscribers)
            asio::post(s->conn.socket().get_executor(), [c = &s->conn] { c->close(); });
        for (auto& p : publishers)
            asio::post(p->conn.socket().get_executor(), [c = &p->conn] { c->close(); });
        pool.join();
    };

    try {
        // Subscribers first, each subscribed before any publisher starts.
        auto subscribed = std::make_shared<Countdown>(subscriber_count);
        auto subscribe_step =
            std::make_shared<SetupStep>([&, control](std::size_t i) -> awaitable<error_code> {
                Subscriber* s = subscribers[i].get();
                SessionSettings settings{o.version, id_prefix + "s" + std::to_string(i), 60};
                if (auto ec = co_await s->conn.open(endpoint, settings, o.connect_timeout); ec) co_return ec;
                if (auto ec = co_await s->conn.subscribe(filter, o.qos, o.connect_timeout); ec) co_return ec;
                asio::co_spawn(s->conn.socket().get_executor(), subscriber_reads(s, control), asio::detached);
                co_return error_code{};
            });
        run_in_lanes(pool, subscriber_count, o.concurrency, subscribe_step, subscribed);
        await_setup(*subscribed, subscriber_count, setup_timeout, "subscribers to " + address);

        auto connected = std::make_shared<Countdown>(publisher_count);
        auto publisher_step =
            std::make_shared<SetupStep>([&, control](std::size_t i) -> awaitable<error_code> {
                Publisher* p = publishers[i].get();
                SessionSettings settings{o.version, id_prefix + "p" + std::to_string(i), 60};
                if (auto ec = co_await p->conn.open(endpoint, settings, o.connect_timeout); ec) co_return ec;
                asio::co_spawn(p->conn.socket().get_executor(), publisher_reads(p, control, latency),
                               asio::detached);
                co_return error_code{};
            });
        run_in_lanes(pool, publisher_count, o.concurrency, publisher_step, connected);
        await_setup(*connected, publisher_count, setup_timeout, "publishers to " + address);
    } catch (...) {
        shut_down();
        throw;
    }

    // Run: warm-up, snapshot, measured window, snapshot, stop. The line tells people (and tests of
    // the sub mode) that the subscriptions are in place.
    std::cerr << to_string(o.mode) << ": " << publisher_count << " publisher(s) and " << subscriber_count
              << " subscriber(s) connected to " << address << std::endl;
    for (auto& p : publishers)
        asio::co_spawn(p->conn.socket().get_executor(), publisher_sends(p.get(), control, latency),
                       asio::detached);
    std::this_thread::sleep_for(o.warmup);
    control->measure_from = now_ns();
    const Snapshot first = take_snapshot(publishers, subscribers, o.broker_pid);
    std::this_thread::sleep_for(o.duration);
    control->measure_to = now_ns();
    const Snapshot second = take_snapshot(publishers, subscribers, o.broker_pid);
    control->stop = true;
    for (auto& p : publishers)
        asio::post(p->conn.socket().get_executor(), [c = &p->conn] { c->notify(); });

    // Drain: wait (bounded) until everything sent has been acknowledged and delivered, or nothing has
    // moved for a second.
    const auto drain_end = Clock::now() + o.drain;
    Snapshot last = take_snapshot(publishers, subscribers, std::nullopt);
    auto last_progress = Clock::now();
    for (;;) {
        const Snapshot now = take_snapshot(publishers, subscribers, std::nullopt);
        const bool acked = o.qos == QoS::at_most_once || now.completed >= now.sent;
        const bool delivered = !counts_losses || now.received >= now.sent * subscriber_count;
        if ((acked && delivered) || Clock::now() >= drain_end) {
            last = now;
            break;
        }
        if (now.received != last.received || now.completed != last.completed) last_progress = Clock::now();
        if (Clock::now() - last_progress > std::chrono::seconds(1)) {
            last = now;
            break;
        }
        last = now;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    shut_down();

    // Report.
    std::size_t broken = 0;
    for (const auto& p : publishers)
        broken += p->broken ? 1 : 0;
    for (const auto& s : subscribers)
        broken += s->broken ? 1 : 0;
    const double seconds = std::chrono::duration<double>(second.at - first.at).count();
    const auto per_s = [seconds](std::uint64_t n) {
        return seconds > 0 ? static_cast<double>(n) / seconds : 0.0;
    };
    const std::uint64_t sent = second.sent - first.sent;
    const std::uint64_t completed = second.completed - first.completed;
    const std::uint64_t received = second.received - first.received;
    const std::uint64_t expected = last.sent * subscriber_count;
    const std::uint64_t lost = expected > last.received ? expected - last.received : 0;
    const double client_cpu =
        seconds > 0 ? static_cast<double>(second.self_cpu_us - first.self_cpu_us) / 1e6 / seconds : 0;

    BenchReport report;
    auto& j = report.json;
    j["mode"] = std::string{to_string(o.mode)};
    j["broker"] = address;
    j["mqtt"] = version_name(o.version);
    j["qos"] = static_cast<int>(o.qos);
    j["payload"] = o.payload_size;
    j["publishers"] = publisher_count;
    j["subscribers"] = subscriber_count;
    j["rate"] = o.rate;
    j["window"] = o.qos == QoS::at_most_once ? 0U : o.window;
    j["threads"] = pool.size();
    j["warmup_s"] = std::chrono::duration<double>(o.warmup).count();
    j["duration_s"] = seconds;
    j["sent"] = sent;
    j["sent_per_s"] = per_s(sent);
    if (o.qos != QoS::at_most_once) j["acked_per_s"] = per_s(completed);
    j["received"] = received;
    j["received_per_s"] = per_s(received);
    if (counts_losses) {
        j["expected_total"] = expected;
        j["received_total"] = last.received;
        j["lost"] = lost;
    }
    if (o.qos != QoS::at_most_once) j["unacked"] = last.sent - std::min(last.sent, last.completed);
    j["broken_connections"] = broken;
    j["client_cpu"] = client_cpu;
    std::optional<double> broker_cpu;
    if (first.broker_cpu_us && second.broker_cpu_us && seconds > 0) {
        const auto cpu_us = static_cast<double>(*second.broker_cpu_us - *first.broker_cpu_us);
        broker_cpu = cpu_us / 1e6 / seconds;
        j["broker_cpu"] = *broker_cpu;
        const std::uint64_t work = received > 0 ? received : sent;
        if (work > 0) j["broker_cpu_us_per_msg"] = cpu_us / static_cast<double>(work);
    }
    LatencyHistogram merged;
    for (const auto& s : subscribers)
        if (s->latency) merged.merge(*s->latency);
    if (latency) j["latency_us"] = latency_json(merged);
    report.ok = broken == 0;

    char line[400];
    std::string& text = report.summary;
    std::snprintf(
        line, sizeof line, "%s: %u publisher(s) -> %u subscriber(s), QoS %d, %zu B, %s, MQTT %s, %s\n",
        std::string{to_string(o.mode)}.c_str(), publisher_count, subscriber_count, static_cast<int>(o.qos),
        o.payload_size,
        o.rate > 0 ? (with_commas(static_cast<std::uint64_t>(o.rate)) + " msg/s").c_str() : "flat out",
        version_name(o.version).c_str(), address.c_str());
    text += line;
    std::snprintf(line, sizeof line, "  measured %.1f s after %.1f s warm-up\n", seconds,
                  std::chrono::duration<double>(o.warmup).count());
    text += line;
    if (publisher_count > 0)
        text += "  sent      " + with_commas(static_cast<std::uint64_t>(per_s(sent))) + " msg/s\n";
    if (o.qos != QoS::at_most_once && publisher_count > 0)
        text += "  acked     " + with_commas(static_cast<std::uint64_t>(per_s(completed))) + " msg/s\n";
    if (subscriber_count > 0)
        text += "  received  " + with_commas(static_cast<std::uint64_t>(per_s(received))) + " msg/s\n";
    if (counts_losses)
        text +=
            "  lost      " + with_commas(lost) + " of " + with_commas(expected) + " expected deliveries\n";
    std::snprintf(line, sizeof line, "  generator CPU %.0f %% of one core", client_cpu * 100);
    text += line;
    if (broker_cpu) {
        std::snprintf(line, sizeof line, "; broker CPU %.0f %%", *broker_cpu * 100);
        text += line;
        if (j.contains("broker_cpu_us_per_msg")) {
            std::snprintf(line, sizeof line, " (%.2f us per message)",
                          j["broker_cpu_us_per_msg"].get<double>());
            text += line;
        }
    }
    text += "\n";
    if (latency) text += "  latency us: " + latency_line(merged) + "\n";
    if (broken > 0)
        text += "  " + std::to_string(broken) + " connection(s) closed by the broker during the run\n";
    return report;
}

}  // namespace moatmq::loadgen
