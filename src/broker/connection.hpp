#pragma once
// Connection: the broker's side of one client connection. Sans-I/O: bytes in, packets out through the
// ClientLink. Created by Broker::accept() on the worker thread that owns the socket; every member is
// called on that thread only.
#include <memory>
#include <optional>
#include <string>

#include "common/bytes.hpp"
#include "common/clock.hpp"

namespace moatmq::broker {

// What the transport knows about a connection before its first byte.
struct ConnectionInfo {
    std::string listener;               // the listener's name in the configuration
    std::string remote_address;         // "203.0.113.5:51234" or "[::1]:51234"
    bool listener_is_loopback = false;  // bound to 127.0.0.0/8 or ::1 only
    bool tls = false;
    std::optional<std::string> tls_identity;  // client certificate / PSK identity (TLS issue)
    bool tls_psk = false;                     // tls_identity is a TLS-PSK identity, not a certificate's
};

class Connection {
public:
    virtual ~Connection() = default;

    // Bytes read from the socket: decodes and handles every whole packet in them. A malformed packet
    // makes the connection send what the spec asks (5.0: DISCONNECT/CONNACK with a reason code) and
    // call ClientLink::close(reason).
    virtual void on_bytes(ByteView bytes) = 0;

    // The socket is gone (peer left, I/O error, or after ClientLink::close()). Abnormal — the will is
    // published — unless a DISCONNECT was handled first. Called once; nothing is called after it.
    virtual void on_closed() = 0;

    // When on_timer() next wants to run (connect timeout, keep alive, retransmission), if ever.
    // The transport re-reads it after every call into the connection.
    virtual std::optional<TimePoint> next_deadline() const = 0;
    virtual void on_timer(TimePoint now) = 0;
};

}  // namespace moatmq::broker
