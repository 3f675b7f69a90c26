#pragma once
// Broker: the broker core as the transport sees it. One per process; it owns the session registry, the
// router (subscriptions, retained messages, $SYS) and the options. The transport creates one Connection
// per accepted socket with accept() and drives it (Connection::on_bytes/on_closed/on_timer) on the
// connection's worker thread; deliveries to connections on other threads arrive through
// ClientLink::post, in batches.
//
// Threads: every member is safe to call from any thread. accept() must be called on the worker thread
// the connection is pinned to (the returned Connection is used on that thread only).
// Lifetime: the Broker must outlive every Connection it returned and every task those connections
// posted (stop the io_contexts and destroy the connections first).
#include <memory>
#include <optional>

#include "broker/broker_options.hpp"
#include "broker/broker_stats.hpp"
#include "broker/client_link.hpp"
#include "broker/connection.hpp"
#include "broker/persistence.hpp"
#include "common/clock.hpp"

namespace moatmq::broker {

class BrokerCore;

class Broker {
public:
    // `clock` must outlive the Broker.
    Broker(BrokerOptions options, const Clock& clock);
    ~Broker();
    Broker(const Broker&) = delete;
    Broker& operator=(const Broker&) = delete;

    // What BrokerOptions::persistence held at startup: call once, before the first accept().
    void restore(StoredState state);

    // A new client connection. Nothing is sent until bytes arrive; the connect timeout starts now
    // (see Connection::next_deadline).
    std::unique_ptr<Connection> accept(ConnectionInfo info, std::shared_ptr<ClientLink> link);

    // Broker-wide timers: delayed will messages, session expiry, $SYS publication. Call when
    // next_deadline() has passed (from any one thread at a time or several: it is thread-safe);
    // re-read next_deadline() afterwards and after every accept()/Connection call, or simply poll
    // it once a second.
    void on_timer(TimePoint now);
    std::optional<TimePoint> next_deadline() const;

    // Graceful shutdown: every connected client is sent DISCONNECT (5.0: 0x8B Server shutting down)
    // and closed, through its own thread (ClientLink::post); no will is published for them. Connections
    // accepted afterwards are closed at once. The transport then stops accepting, lets the io_contexts
    // run until the connections have closed, and exits.
    void shutdown();

    const BrokerStats& stats() const noexcept;
    const BrokerOptions& options() const noexcept;

private:
    std::unique_ptr<BrokerCore> core_;
};

}  // namespace moatmq::broker
