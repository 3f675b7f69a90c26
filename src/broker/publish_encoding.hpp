#pragma once
// Building the PUBLISH a receiver gets, and sharing its encoding among receivers.
//
// A message routed to many sessions is encoded once per variant that receivers can share: the
// protocol family (3.1/3.1.1 encode alike, 5.0 differs) and the retain flag, for QoS 0 deliveries
// without per-receiver fields. Packet ids (QoS 1/2), topic aliases, subscription identifiers and the
// remaining message expiry are per receiver and force a per-receiver encoding.
#include <array>
#include <mutex>
#include <optional>

#include "broker/client_link.hpp"
#include "broker/message.hpp"
#include "codec/packet.hpp"
#include "common/clock.hpp"

namespace moatmq::broker {

// The PUBLISH for one receiver, without packet id or topic alias. For 5.0 the message's properties
// are passed on unchanged [MQTT-3.3.2-17] [MQTT-3.3.2-18], the Message Expiry Interval is set to the
// time remaining [MQTT-3.3.2-6], and the subscription identifiers are attached [MQTT-3.3.4-3].
codec::Publish make_publish(const Message& message, codec::QoS qos, bool retain,
                            const std::vector<std::uint32_t>& subscription_ids,
                            codec::ProtocolVersion version, TimePoint now);

// True when receivers of `message` can share one encoding (no per-receiver expiry to compute).
inline bool shareable(const Message& message) noexcept
{
    return !message.expires_at.has_value();
}

class PublishEncoding {
public:
    // The encoded QoS 0 PUBLISH of `message` with `retain`, no alias and no subscription identifier,
    // for `version`; encoded by the first receiver that asks, shared by the rest. Thread-safe.
    // Null if the message cannot be encoded (a field over the codec's limits).
    SharedBytes qos0(const Message& message, bool retain, codec::ProtocolVersion version);

private:
    // Each variant is encoded exactly once; after that, call_once costs receivers one atomic load
    // and no lock, so fan-out threads do not contend here.
    struct Slot {
        std::once_flag once;
        SharedBytes bytes;
    };
    std::array<Slot, 4> slots_;  // [5.0 * 2 + retain]
};

}  // namespace moatmq::broker
