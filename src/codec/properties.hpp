#pragma once
// MQTT 5.0 properties (spec §2.2.2, §3.x.2.3). One struct for all packets: each field is the property
// of that name; a packet may carry only the properties the spec allows for it (validate_for() checks,
// the decoder enforces). A field left empty is absent on the wire. MQTT 3.1.1 packets carry none.
//
// The encoder writes properties in identifier order; user properties keep their order (the spec
// requires it [MQTT-3.3.2-18]) and may repeat, as may subscription identifiers in a server's PUBLISH.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "codec/protocol.hpp"
#include "common/bytes.hpp"
#include "common/result.hpp"

namespace moatmq::codec {

enum class PropertyId : std::uint8_t {
    PayloadFormatIndicator = 0x01,      // byte: PUBLISH, Will
    MessageExpiryInterval = 0x02,       // four-byte int: PUBLISH, Will
    ContentType = 0x03,                 // UTF-8: PUBLISH, Will
    ResponseTopic = 0x08,               // UTF-8 (topic name): PUBLISH, Will
    CorrelationData = 0x09,             // binary: PUBLISH, Will
    SubscriptionIdentifier = 0x0B,      // var int 1..268,435,455: PUBLISH, SUBSCRIBE
    SessionExpiryInterval = 0x11,       // four-byte int: CONNECT, CONNACK, DISCONNECT
    AssignedClientIdentifier = 0x12,    // UTF-8: CONNACK
    ServerKeepAlive = 0x13,             // two-byte int: CONNACK
    AuthenticationMethod = 0x15,        // UTF-8: CONNECT, CONNACK, AUTH
    AuthenticationData = 0x16,          // binary: CONNECT, CONNACK, AUTH
    RequestProblemInformation = 0x17,   // byte 0/1: CONNECT
    WillDelayInterval = 0x18,           // four-byte int: Will
    RequestResponseInformation = 0x19,  // byte 0/1: CONNECT
    ResponseInformation = 0x1A,         // UTF-8: CONNACK
    ServerReference = 0x1C,             // UTF-8: CONNACK, DISCONNECT
    ReasonString = 0x1F,                // UTF-8: CONNACK, PUBACK..PUBCOMP, SUBACK, UNSUBACK, DISCONNECT, AUTH
    ReceiveMaximum = 0x21,              // two-byte int, not 0: CONNECT, CONNACK
    TopicAliasMaximum = 0x22,           // two-byte int: CONNECT, CONNACK
    TopicAlias = 0x23,                  // two-byte int, not 0: PUBLISH
    MaximumQoS = 0x24,                  // byte 0/1: CONNACK
    RetainAvailable = 0x25,             // byte 0/1: CONNACK
    UserProperty = 0x26,                // UTF-8 pair, repeatable: every packet with properties
    MaximumPacketSize = 0x27,           // four-byte int, not 0: CONNECT, CONNACK
    WildcardSubscriptionAvailable = 0x28,    // byte 0/1: CONNACK
    SubscriptionIdentifierAvailable = 0x29,  // byte 0/1: CONNACK
    SharedSubscriptionAvailable = 0x2A,      // byte 0/1: CONNACK
};

// Where a set of properties sits: a packet type, or the will properties inside CONNECT.
enum class PropertyContext : std::uint8_t {
    connect,
    connack,
    publish,
    will,
    puback,
    pubrec,
    pubrel,
    pubcomp,
    subscribe,
    suback,
    unsubscribe,
    unsuback,
    disconnect,
    auth,
};

// The data type of a property's value (§1.5, §2.2.2.2).
enum class PropertyType : std::uint8_t {
    byte,
    two_byte_integer,
    four_byte_integer,
    variable_byte_integer,
    utf8_string,
    binary_data,
    utf8_string_pair,
};

// The type of `id`'s value. `id` must be a defined identifier (is_defined_property).
PropertyType property_type(PropertyId id) noexcept;

// True for the 27 identifiers the spec defines.
bool is_defined_property(std::uint32_t id) noexcept;

// The spec's name, e.g. "Payload Format Indicator"; "unknown" for undefined values.
std::string_view to_string(PropertyId id) noexcept;

using UserProperty = std::pair<std::string, std::string>;

struct Properties {
    std::optional<std::uint8_t> payload_format_indicator;
    std::optional<std::uint32_t> message_expiry_interval;
    std::optional<std::string> content_type;
    std::optional<std::string> response_topic;
    std::optional<Bytes> correlation_data;
    std::vector<std::uint32_t> subscription_identifiers;  // at most one except in a server's PUBLISH
    std::optional<std::uint32_t> session_expiry_interval;
    std::optional<std::string> assigned_client_identifier;
    std::optional<std::uint16_t> server_keep_alive;
    std::optional<std::string> authentication_method;
    std::optional<Bytes> authentication_data;
    std::optional<std::uint8_t> request_problem_information;
    std::optional<std::uint32_t> will_delay_interval;
    std::optional<std::uint8_t> request_response_information;
    std::optional<std::string> response_information;
    std::optional<std::string> server_reference;
    std::optional<std::string> reason_string;
    std::optional<std::uint16_t> receive_maximum;
    std::optional<std::uint16_t> topic_alias_maximum;
    std::optional<std::uint16_t> topic_alias;
    std::optional<std::uint8_t> maximum_qos;
    std::optional<std::uint8_t> retain_available;
    std::vector<UserProperty> user_properties;
    std::optional<std::uint32_t> maximum_packet_size;
    std::optional<std::uint8_t> wildcard_subscription_available;
    std::optional<std::uint8_t> subscription_identifier_available;
    std::optional<std::uint8_t> shared_subscription_available;

    bool empty() const noexcept;

    // CodecError::property_not_allowed if a property the spec does not allow in `context` is set, or
    // property_duplicate for several subscription identifiers outside PUBLISH; otherwise no error.
    error_code validate_for(PropertyContext context) const noexcept;

    friend bool operator==(const Properties&, const Properties&) = default;
};

// True when the spec allows property `id` in `context`.
bool property_allowed(PropertyId id, PropertyContext context) noexcept;

}  // namespace moatmq::codec
