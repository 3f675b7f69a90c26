#pragma once
// ClientLink: the transport's side of one connection, as the broker sees it. Implemented in
// src/transport (over a socket) and in tests (recording what is sent). The broker never sees a socket.
//
// Threads: every connection is pinned to one worker thread. send(), queued_bytes() and close() are
// called only on that thread; post() may be called from any thread and is how work reaches it.
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/bytes.hpp"

namespace moatmq::broker {

using SharedBytes = std::shared_ptr<const Bytes>;

class ClientLink {
public:
    virtual ~ClientLink() = default;

    // Queues encoded packets: one, or several back to back (the acknowledgements of one read). The
    // transport writes everything queued in one gather write per event-loop turn. The bytes are shared (one
    // PUBLISH encoding serves every receiver of that variant) and are never modified.
    virtual void send(SharedBytes packet) = 0;

    // Bytes queued and not yet written: the broker's measure of a slow subscriber.
    virtual std::size_t queued_bytes() const noexcept = 0;

    // Writes what is queued, then closes the connection. Connection::on_closed() follows. `reason` (a
    // few words: "keep alive timeout", "DISCONNECT received") is the one the transport's "connection
    // closed" log line gives.
    virtual void close(std::string_view reason) = 0;

    // Runs `task` on this connection's worker thread, soon; safe from any thread. The task still runs
    // if the connection has closed meanwhile, so it must not assume the connection is alive.
    virtual void post(std::function<void()> task) = 0;

    // The peer's address ("203.0.113.5:51234", "[::1]:51234"): the ConnectionInfo's, kept once, by the
    // link, for as long as the link lives (the broker's log lines and authentication read it here).
    virtual const std::string& remote_address() const noexcept = 0;

    // Backpressure: stop reading from the client (true) until told to read again (false). Bytes already
    // read are still handled; a connection that is closing or closed reads as it must regardless. The
    // broker pauses a publisher while a session it delivers to is behind because its worker is busy
    // (delivery_pressure.hpp). A link that cannot pause ignores it (TLS and WebSocket, for now).
    virtual void pause_reading(bool paused) { static_cast<void>(paused); }
};

}  // namespace moatmq::broker
