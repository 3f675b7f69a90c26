#pragma once
// BrokerStats: the counters behind $SYS/broker/... Written by the broker core from every worker thread
// with relaxed atomics (no ordering is implied between counters); read by sys_topics and metrics.
// Subscription and retained-message counts live with the router, which owns those structures.
#include <atomic>
#include <cstdint>

#include "common/clock.hpp"

namespace moatmq::broker {

// A plain copy of the counters at one moment, for publishing and tests.
struct BrokerStatsSnapshot {
    std::uint64_t clients_connected = 0;     // connections with a completed CONNECT
    std::uint64_t clients_maximum = 0;       // highest clients_connected seen
    std::uint64_t clients_total = 0;         // sessions, connected or not (persistent offline ones too)
    std::uint64_t connections_accepted = 0;  // since start, including refused and timed-out ones
    std::uint64_t messages_received = 0;     // PUBLISH packets received from clients
    std::uint64_t messages_sent = 0;         // PUBLISH packets sent to clients
    std::uint64_t messages_dropped = 0;      // queue full, slow subscriber, too large, expired, session ended
    std::uint64_t bytes_received = 0;        // every byte read from clients
    std::uint64_t bytes_sent = 0;            // every byte handed to ClientLink::send
    std::uint64_t messages_refused = 0;      // PUBLISHes and wills refused by [policy] (plaintext)
    std::uint64_t auth_succeeded = 0;        // authentications accepted (CONNECT and re-authentication)
    std::uint64_t auth_failed = 0;           // authentications refused (including bans)
    std::uint64_t acl_publish_denied = 0;    // PUBLISHes and wills the ACL refused
    std::uint64_t acl_subscribe_denied = 0;  // SUBSCRIBE filters the ACL refused
    std::uint64_t acl_receive_denied = 0;    // messages not sent because the receiver may not read them
    friend bool operator==(const BrokerStatsSnapshot&, const BrokerStatsSnapshot&) = default;
};

struct BrokerStats {
    explicit BrokerStats(TimePoint start) : started(start) {}

    const TimePoint started;  // for $SYS/broker/uptime
    std::atomic<std::uint64_t> clients_connected{0};
    std::atomic<std::uint64_t> clients_maximum{0};
    std::atomic<std::uint64_t> clients_total{0};
    std::atomic<std::uint64_t> connections_accepted{0};
    std::atomic<std::uint64_t> messages_received{0};
    std::atomic<std::uint64_t> messages_sent{0};
    std::atomic<std::uint64_t> messages_dropped{0};
    std::atomic<std::uint64_t> bytes_received{0};
    std::atomic<std::uint64_t> bytes_sent{0};
    std::atomic<std::uint64_t> messages_refused{0};
    std::atomic<std::uint64_t> auth_succeeded{0};
    std::atomic<std::uint64_t> auth_failed{0};
    std::atomic<std::uint64_t> acl_publish_denied{0};
    std::atomic<std::uint64_t> acl_subscribe_denied{0};
    std::atomic<std::uint64_t> acl_receive_denied{0};

    BrokerStatsSnapshot snapshot() const noexcept
    {
        constexpr auto r = std::memory_order_relaxed;
        return {clients_connected.load(r),    clients_maximum.load(r),      clients_total.load(r),
                connections_accepted.load(r), messages_received.load(r),    messages_sent.load(r),
                messages_dropped.load(r),     bytes_received.load(r),       bytes_sent.load(r),
                messages_refused.load(r),     auth_succeeded.load(r),       auth_failed.load(r),
                acl_publish_denied.load(r),   acl_subscribe_denied.load(r), acl_receive_denied.load(r)};
    }
};

}  // namespace moatmq::broker
