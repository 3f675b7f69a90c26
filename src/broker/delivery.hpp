#pragma once
// Delivery: the router's answer to "who receives this message, and how". One per receiving session:
// overlapping subscriptions of one session are merged into one delivery (the highest QoS, every
// subscription identifier) [MQTT-3.3.4-2..5]; a shared subscription group contributes one member.
#include <cstdint>
#include <vector>

#include "broker/message.hpp"
#include "codec/protocol.hpp"

namespace moatmq::broker {

struct Delivery {
    SessionId session = 0;
    codec::QoS qos = codec::QoS::at_most_once;  // min(message QoS, granted QoS)
    bool retain = false;                          // retain flag as sent (Retain As Published)
    std::vector<std::uint32_t> subscription_ids;  // 5.0 Subscription Identifiers that matched
};

}  // namespace moatmq::broker
