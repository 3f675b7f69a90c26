#pragma once
// Why a packet was rejected. Each value names one rule of the spec; the category's message() cites it,
// and reason_code() gives what an MQTT 5 receiver sends before closing (DISCONNECT or CONNACK).
// MQTT 3.1.1 has no reason codes: the receiver closes the connection (except an unsupported protocol
// level in CONNECT, answered with CONNACK return code 1 [MQTT-3.1.2-2]).
#include <cstdint>

#include "codec/reason_code.hpp"
#include "common/result.hpp"

namespace moatmq::codec {

enum class CodecError : std::uint8_t {
    need_more = 1,                 // not an error: the input ends inside a packet; feed more bytes
    reserved_packet_type,          // type 0, or AUTH (15) before MQTT 5 [MQTT-2.1.2]
    reserved_flags,                // fixed-header flag bits not as specified [MQTT-2.1.3-1]
    remaining_length_invalid,      // variable byte integer longer than 4 bytes or not minimally encoded
                                   // [MQTT-1.5.5]
    packet_too_large,              // remaining length over the configured maximum packet size [MQTT-3.1.2-24]
    truncated,                     // a field runs past the end of the packet (malformed) [MQTT-1.5]
    trailing_bytes,                // bytes left over after the last field of the packet
    invalid_utf8,                  // ill-formed UTF-8 or a surrogate code point [MQTT-1.5.4-1]
    null_character,                // U+0000 in a UTF-8 string [MQTT-1.5.4-2]
    invalid_protocol_name,         // not "MQTT" (or "MQIsdp" for 3.1) [MQTT-3.1.2-1]
    unsupported_protocol_version,  // protocol level not 3, 4 or 5 [MQTT-3.1.2-2]
    connect_reserved_flag,         // CONNECT flags bit 0 set [MQTT-3.1.2-3]
    will_flags_inconsistent,       // will QoS/retain set without will flag, or will QoS 3 [MQTT-3.1.2-11..15]
    password_without_username,     // 3.1.1: password flag without username flag [MQTT-3.1.2-22]
    client_id_invalid,             // 3.1: client id longer than 23 bytes, or empty
    invalid_qos,                   // QoS 3 in PUBLISH or in subscription options [MQTT-3.3.1-4]
    dup_with_qos0,                 // DUP set on a QoS 0 PUBLISH [MQTT-3.3.1-2]
    packet_id_zero,                // packet identifier 0 where one is required [MQTT-2.2.1-3]
    topic_name_invalid,            // wildcard in a topic name, or empty topic without an alias [MQTT-3.3.2-2]
    topic_filter_invalid,          // malformed filter: "a/#/b", "a+", empty [MQTT-4.7.1]
    shared_subscription_invalid,   // "$share/group/filter" malformed [MQTT-4.8.2]
    no_topic_filters,              // SUBSCRIBE/UNSUBSCRIBE without a filter [MQTT-3.8.3-3] [MQTT-3.10.3-2]
    subscription_options_reserved,  // reserved bits of subscription options set [MQTT-3.8.3-5]
    retain_handling_invalid,        // retain handling 3 [MQTT-3.8.3-5]
    reason_code_invalid,            // a reason code not allowed in this packet
    connack_flags_reserved,         // CONNACK acknowledge flags bits 7..1 set [MQTT-3.2.2-1]
    property_unknown,               // property identifier not defined by the spec
    property_not_allowed,           // property not allowed in this packet [MQTT-2.2.2]
    property_duplicate,             // property that may appear once appears twice [MQTT-2.2.2]
    property_value_invalid,         // e.g. Payload Format Indicator 2, Receive Maximum 0, Maximum QoS 2
    subscription_id_from_client,    // Subscription Identifier in a client's PUBLISH [MQTT-3.3.4-6]
    unexpected_packet,              // a packet the receiving side never accepts (e.g. CONNACK at a server)
    field_too_long,                 // encoder: a string or binary field over 65,535 bytes
    topic_alias_missing,            // 5.0 PUBLISH with an empty topic and no Topic Alias (§3.3.2.3.4)
};

const boost::system::error_category& codec_category() noexcept;

inline error_code make_error_code(CodecError e) noexcept
{
    return {static_cast<int>(e), codec_category()};
}

// The reason code an MQTT 5 receiver sends for this error.
ReasonCode reason_code(CodecError e) noexcept;

// Convenience for error_codes that may or may not be from the codec: need_more is never fatal.
inline bool is_need_more(const error_code& ec) noexcept
{
    return ec == make_error_code(CodecError::need_more);
}

}  // namespace moatmq::codec

template <>
struct boost::system::is_error_code_enum<moatmq::codec::CodecError> : std::true_type {
};
