#pragma once
// What the transport needs to know from the configuration: worker threads, listeners and its own
// safety limits. The app maps the TOML configuration onto it; the transport never reads files.
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace moatmq::security::tls {
class ServerTls;
}

namespace moatmq::transport {

struct ListenerSpec {
    std::string name;  // the listener's name in the configuration, used in logs
    // "host:port": "127.0.0.1:1883", "[::1]:1883", "0.0.0.0:8883". Port 0: the OS chooses one, and
    // Server::listen() reports it.
    std::string bind;
    // Set: a TLS listener, serving the context in force when each connection is accepted (reloads
    // replace it for new connections only).
    std::shared_ptr<security::tls::ServerTls> tls;
    // MQTT over WebSocket (subprotocol "mqtt", binary frames); with `tls`, over TLS (wss).
    bool websocket = false;
};

struct TransportOptions {
    unsigned threads = 0;  // worker threads, each with its own io_context; 0 = one per core
    std::vector<ListenerSpec> listeners;
    // Concurrent connections over all listeners; one more is closed as soon as it is accepted.
    std::size_t max_connections = 100'000;
    // Hard cap on unwritten bytes per connection. The broker drops QoS 0 traffic well before this (its
    // own max_queued_bytes); reaching it means the peer stopped reading, and the connection is closed.
    std::size_t max_queued_bytes = 64 * 1024 * 1024;
    // After ClientLink::close() has written what was queued, how long the peer gets to close its side
    // before the socket is closed anyway (so that the last packet is not lost to a reset).
    std::chrono::milliseconds close_linger{2'000};
    // A TLS handshake must be done within this, or the connection is closed.
    std::chrono::milliseconds handshake_timeout{10'000};
};

// A listener after bind(): its actual address, with the port the OS chose when 0 was asked for.
struct BoundListener {
    std::string name;
    std::string address;  // "127.0.0.1:41234", "[::1]:41234"
    bool loopback = false;
};

}  // namespace moatmq::transport
