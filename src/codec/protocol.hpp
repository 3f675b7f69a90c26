#pragma once
// Protocol-level vocabulary: versions, packet types, QoS.
#include <cstdint>
#include <string_view>

namespace moatmq::codec {

// The protocol level byte of CONNECT [MQTT-3.1.2-2].
enum class ProtocolVersion : std::uint8_t {
    v31 = 3,   // MQTT 3.1, protocol name "MQIsdp"
    v311 = 4,  // MQTT 3.1.1, protocol name "MQTT"
    v5 = 5,    // MQTT 5.0, protocol name "MQTT"
};

enum class PacketType : std::uint8_t {
    connect = 1,
    connack = 2,
    publish = 3,
    puback = 4,
    pubrec = 5,
    pubrel = 6,
    pubcomp = 7,
    subscribe = 8,
    suback = 9,
    unsubscribe = 10,
    unsuback = 11,
    pingreq = 12,
    pingresp = 13,
    disconnect = 14,
    auth = 15,  // MQTT 5.0 only
};

std::string_view to_string(PacketType type) noexcept;

enum class QoS : std::uint8_t { at_most_once = 0, at_least_once = 1, exactly_once = 2 };

// Which side sent the bytes being decoded. Some rules depend on it, e.g. a client MUST NOT send a
// Subscription Identifier in PUBLISH [MQTT-3.3.4-6], and a server never receives CONNACK.
enum class Sender : std::uint8_t { client, server };

inline constexpr std::uint32_t kMaxRemainingLength = 268'435'455;  // 4-byte variable byte integer
inline constexpr std::uint32_t kMaxVarInt = kMaxRemainingLength;

}  // namespace moatmq::codec
