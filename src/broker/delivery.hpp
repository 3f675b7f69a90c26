#pragma once
// Delivery: the router's answer to "who receives this message, and how". One per receiving session:
// overlapping subscriptions of one session are merged into one delivery (the highest QoS, every
// subscription identifier) [MQTT-3.3.4-2..5]; a shared subscription group contributes one member.
#include <cstdint>
#include <vector>

#include "broker/message.hpp"
#include "codec/protocol.hpp"

namespace moatmq::broker {

// Names one shared subscription group ("$share/{group}/{filter}") for the broker's lifetime; 0 = none.
// A group that empties and is created again gets a new id.
using SharedGroupId = std::uint64_t;

struct Delivery {
    SessionId session = 0;
    codec::QoS qos = codec::QoS::at_most_once;    // min(message QoS, granted QoS)
    bool retain = false;                          // retain flag as sent (Retain As Published)
    std::vector<std::uint32_t> subscription_ids;  // 5.0 Subscription Identifiers that matched
    // The shared group this delivery was chosen for, 0 if none. Shared deliveries are never merged with
    // the session's other matches: if the session leaves with the message unacknowledged, the core
    // asks Router::route_shared_again(shared_group, ...) for another member (spec §4.8.2).
    SharedGroupId shared_group = 0;
};

}  // namespace moatmq::broker
