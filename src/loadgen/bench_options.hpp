#pragma once
// What `moatmq bench` was asked to do: the mode and its parameters, already validated by the CLI
// (src/app/bench.cpp). Plain values; no Asio here, so the app and the tests include it freely.
#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "codec/protocol.hpp"

namespace moatmq::loadgen {

enum class Mode {
    conn,     // connect + CONNACK + DISCONNECT, N times, `concurrency` at a time
    pub,      // P publishers, nobody subscribed
    sub,      // S subscribers on `topic`/#, counting what others publish
    fanin,    // P publishers on topic/<i> -> S subscribers on topic/+ (each receives everything)
    fanout,   // 1 publisher -> S subscribers
    latency,  // fixed rate, send time in the payload, percentiles of the delivery delay
    idle,     // hold N connected clients for the duration
};

std::optional<Mode> parse_mode(std::string_view text) noexcept;
std::string_view to_string(Mode mode) noexcept;

struct BenchOptions {
    Mode mode = Mode::fanin;
    std::string host = "127.0.0.1";
    std::uint16_t port = 1883;
    codec::ProtocolVersion version = codec::ProtocolVersion::v311;
    // Publishers use topic/<i>, subscribers topic/+. The default, "bench/<pid>", keeps a run from
    // receiving what a previous run left in the broker.
    std::string topic;

    // Traffic modes.
    codec::QoS qos = codec::QoS::at_most_once;
    std::size_t payload_size = 16;
    unsigned publishers = 1;
    unsigned subscribers = 1;
    double rate = 0;       // messages/s over all publishers; 0 = as fast as the broker takes them
    unsigned window = 64;  // QoS 1/2 messages in flight per publisher (PUBACK/PUBCOMP window)
    std::chrono::milliseconds warmup{1000};
    std::chrono::milliseconds duration{5000};  // measured time (idle: how long to hold)
    std::chrono::milliseconds drain{5000};     // after the end, wait this long at most for stragglers

    // conn / idle.
    unsigned clients = 1000;
    unsigned concurrency = 16;  // connections being set up at once (all modes)
    bool tls = false;           // conn: TLS, full handshakes then resumed sessions
    std::string cafile;         // TLS: trust anchors; verify the server against them
    bool insecure = false;      // TLS: no verification of the server at all
    int tls_version = 0;        // TLS: only this version (TLS1_2_VERSION, TLS1_3_VERSION); 0: either

    unsigned threads = 1;             // event loops (one thread each) of the generator
    std::optional<pid_t> broker_pid;  // when given: the broker's CPU time and RSS are reported
    std::chrono::milliseconds connect_timeout{10000};
};

}  // namespace moatmq::loadgen
