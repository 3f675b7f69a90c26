#pragma once
// Building the PUBLISH a receiver gets, and sharing its encoding among receivers.
//
// A message routed to many sessions is encoded once per variant that receivers can share: the
// protocol family (3.1/3.1.1 encode alike, 5.0 differs) and the retain flag, for QoS 0 deliveries
// without per-receiver fields. Packet ids (QoS 1/2), topic aliases, subscription identifiers and the
// remaining message expiry are per receiver and force a per-receiver encoding.
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

#include "broker/client_link.hpp"
#include "broker/message.hpp"
#include "codec/packet.hpp"
#include "common/clock.hpp"
#include "common/result.hpp"

namespace moatmq::broker {

// What one receiver's PUBLISH of a message has of its own.
struct PublishFor {
    codec::QoS qos = codec::QoS::at_most_once;
    bool retain = false;
    bool dup = false;
    std::uint16_t packet_id = 0;               // QoS 1/2
    std::optional<std::uint16_t> topic_alias;  // 5.0
    bool alias_only = false;                   // the topic is left out: the alias stands for it
    const std::vector<std::uint32_t>* subscription_ids = nullptr;  // 5.0; null = none
};

// Appends the PUBLISH of `message` for one receiver to `out`, encoded straight from the message (topic
// and payload are not copied first). For 5.0 the message's properties are passed on unchanged
// [MQTT-3.3.2-17] [MQTT-3.3.2-18], except the Message Expiry Interval, set to the time remaining at
// `now` [MQTT-3.3.2-6], the subscription identifiers [MQTT-3.3.4-3] and the topic alias, which are the
// receiver's. Fails like codec::encode (a field over the codec's limits).
Result<std::size_t> encode_publish(const Message& message, const PublishFor& receiver,
                                   codec::ProtocolVersion version, TimePoint now, Bytes& out);

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
    // Each variant is encoded exactly once, under the mutex; after that receivers read it with one
    // acquire load and no lock. (std::call_once did the same, but glibc's pthread_once makes a futex
    // call each time it completes: a system call per message.)
    struct Slot {
        std::atomic<bool> ready{false};
        SharedBytes bytes;
    };
    std::mutex mutex_;
    std::array<Slot, 4> slots_;  // [5.0 * 2 + retain]
};

}  // namespace moatmq::broker
