#pragma once
// Message: one application message as the broker routes it. Immutable once published and shared by
// every session it is delivered to (retained store, offline queues, in-flight windows).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "codec/packet.hpp"
#include "common/clock.hpp"

namespace moatmq::broker {

struct Message {
    std::string topic;
    Bytes payload;
    codec::QoS qos = codec::QoS::at_most_once;
    bool retain = false;
    // 5.0 properties forwarded to receivers unchanged: payload format indicator, content type,
    // response topic, correlation data, user properties. Message expiry is kept as expires_at and
    // re-encoded with the remaining time; topic alias and subscription identifiers are per receiver.
    codec::Properties properties;
    std::optional<TimePoint> expires_at;
    // The publisher's client id and authenticated identity ("" = anonymous); set on wills only, whose ACL
    // check runs when they are published, after the connection is gone. (No Local compares sessions.)
    std::string origin_client_id;
    std::string origin_username;
};

using MessagePtr = std::shared_ptr<const Message>;

// The broker's handle on a session: unique for the broker's lifetime, never reused.
using SessionId = std::uint64_t;

}  // namespace moatmq::broker
