#pragma once
// Every MQTT control packet as a plain value type. The same structs serve 3.1, 3.1.1 and 5.0: fields
// a version lacks (properties, reason codes in acks) are simply left at their defaults for it, and the
// encoder omits them. Packets compare with == (tests) and move cheaply.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "codec/properties.hpp"
#include "codec/protocol.hpp"
#include "codec/reason_code.hpp"
#include "common/bytes.hpp"

namespace moatmq::codec {

struct Will {
    std::string topic;
    Bytes payload;
    QoS qos = QoS::at_most_once;
    bool retain = false;
    Properties properties;  // 5.0 will properties
    friend bool operator==(const Will&, const Will&) = default;
};

struct Connect {
    ProtocolVersion version = ProtocolVersion::v5;
    bool clean_start = true;  // "clean session" before 5.0
    std::uint16_t keep_alive = 60;
    std::string client_id;
    std::optional<Will> will;
    std::optional<std::string> username;
    std::optional<Bytes> password;  // binary data; never logged
    Properties properties;
    friend bool operator==(const Connect&, const Connect&) = default;
};

struct Connack {
    bool session_present = false;
    // 3.1.1 return codes are carried as their 5.0 equivalents (from_connect_return_code) and mapped
    // back by the encoder.
    ReasonCode reason = ReasonCode::Success;
    Properties properties;
    friend bool operator==(const Connack&, const Connack&) = default;
};

struct Publish {
    std::string topic;  // may be empty in 5.0 when properties.topic_alias is set
    Bytes payload;
    QoS qos = QoS::at_most_once;
    bool retain = false;
    bool dup = false;
    std::uint16_t packet_id = 0;  // 0 for QoS 0, non-zero otherwise
    Properties properties;
    friend bool operator==(const Publish&, const Publish&) = default;
};

// PUBACK, PUBREC, PUBREL and PUBCOMP share one shape (§3.4-3.7). In 5.0 a Success reason with no
// properties is encoded in the short form (packet id only) [MQTT-3.4.2.1].
template <PacketType Type>
struct PublishAck {
    static constexpr PacketType type = Type;
    std::uint16_t packet_id = 0;
    ReasonCode reason = ReasonCode::Success;
    Properties properties;
    friend bool operator==(const PublishAck&, const PublishAck&) = default;
};
using Puback = PublishAck<PacketType::puback>;
using Pubrec = PublishAck<PacketType::pubrec>;
using Pubrel = PublishAck<PacketType::pubrel>;
using Pubcomp = PublishAck<PacketType::pubcomp>;

enum class RetainHandling : std::uint8_t { send_on_subscribe = 0, send_if_new = 1, dont_send = 2 };

struct SubscriptionOptions {
    QoS qos = QoS::at_most_once;
    bool no_local = false;                                               // 5.0
    bool retain_as_published = false;                                    // 5.0
    RetainHandling retain_handling = RetainHandling::send_on_subscribe;  // 5.0
    friend bool operator==(const SubscriptionOptions&, const SubscriptionOptions&) = default;
};

struct TopicSubscription {
    std::string filter;
    SubscriptionOptions options;
    friend bool operator==(const TopicSubscription&, const TopicSubscription&) = default;
};

struct Subscribe {
    std::uint16_t packet_id = 0;
    std::vector<TopicSubscription> subscriptions;
    Properties properties;
    friend bool operator==(const Subscribe&, const Subscribe&) = default;
};

struct Suback {
    std::uint16_t packet_id = 0;
    std::vector<ReasonCode> reasons;  // 3.1.1: GrantedQoS0..2 or UnspecifiedError (encoded 0x80)
    Properties properties;
    friend bool operator==(const Suback&, const Suback&) = default;
};

struct Unsubscribe {
    std::uint16_t packet_id = 0;
    std::vector<std::string> filters;
    Properties properties;
    friend bool operator==(const Unsubscribe&, const Unsubscribe&) = default;
};

struct Unsuback {
    std::uint16_t packet_id = 0;
    std::vector<ReasonCode> reasons;  // 5.0 only; empty for 3.1.1
    Properties properties;
    friend bool operator==(const Unsuback&, const Unsuback&) = default;
};

struct Pingreq {
    friend bool operator==(const Pingreq&, const Pingreq&) = default;
};
struct Pingresp {
    friend bool operator==(const Pingresp&, const Pingresp&) = default;
};

struct Disconnect {
    ReasonCode reason = ReasonCode::Success;  // 5.0; 3.1.1 DISCONNECT has no body
    Properties properties;
    friend bool operator==(const Disconnect&, const Disconnect&) = default;
};

struct Auth {  // 5.0 only
    ReasonCode reason = ReasonCode::Success;
    Properties properties;
    friend bool operator==(const Auth&, const Auth&) = default;
};

using Packet = std::variant<Connect, Connack, Publish, Puback, Pubrec, Pubrel, Pubcomp, Subscribe, Suback,
                            Unsubscribe, Unsuback, Pingreq, Pingresp, Disconnect, Auth>;

PacketType packet_type(const Packet& packet) noexcept;

}  // namespace moatmq::codec
