#include "codec/codec_error.hpp"

#include <string>

namespace moatmq::codec {
namespace {

const char* describe(CodecError e) noexcept
{
    switch (e) {
        case CodecError::need_more:
            return "more bytes needed";
        case CodecError::reserved_packet_type:
            return "reserved packet type [MQTT-2.1.2]";
        case CodecError::reserved_flags:
            return "fixed header flags not as specified [MQTT-2.1.3-1]";
        case CodecError::remaining_length_invalid:
            return "variable byte integer over 4 bytes or not minimal [MQTT-1.5.5-1]";
        case CodecError::packet_too_large:
            return "packet larger than the maximum packet size [MQTT-3.1.2-24]";
        case CodecError::truncated:
            return "a field runs past the end of the packet [MQTT-1.5]";
        case CodecError::trailing_bytes:
            return "bytes left after the last field of the packet";
        case CodecError::invalid_utf8:
            return "ill-formed UTF-8 string [MQTT-1.5.4-1]";
        case CodecError::null_character:
            return "U+0000 in a UTF-8 string [MQTT-1.5.4-2]";
        case CodecError::invalid_protocol_name:
            return "protocol name not MQTT or MQIsdp [MQTT-3.1.2-1]";
        case CodecError::unsupported_protocol_version:
            return "unsupported protocol level [MQTT-3.1.2-2]";
        case CodecError::connect_reserved_flag:
            return "CONNECT reserved flag set [MQTT-3.1.2-3]";
        case CodecError::will_flags_inconsistent:
            return "will QoS/retain without will flag, or will QoS 3 [MQTT-3.1.2-11..15]";
        case CodecError::password_without_username:
            return "password flag without user name flag [MQTT-3.1.2-22]";
        case CodecError::client_id_invalid:
            return "client identifier not valid [MQTT-3.1.3-8]";
        case CodecError::invalid_qos:
            return "QoS 3 [MQTT-3.3.1-4]";
        case CodecError::dup_with_qos0:
            return "DUP set on a QoS 0 PUBLISH [MQTT-3.3.1-2]";
        case CodecError::packet_id_zero:
            return "packet identifier 0 [MQTT-2.2.1-3]";
        case CodecError::topic_name_invalid:
            return "topic name empty or with wildcards [MQTT-3.3.2-2]";
        case CodecError::topic_alias_missing:
            return "empty topic name without a Topic Alias (protocol error, section 3.3.2.1)";
        case CodecError::topic_filter_invalid:
            return "malformed topic filter [MQTT-4.7.1-1] [MQTT-4.7.1-2]";
        case CodecError::shared_subscription_invalid:
            return "malformed shared subscription [MQTT-4.8.2-1] [MQTT-4.8.2-2]";
        case CodecError::no_topic_filters:
            return "no topic filter [MQTT-3.8.3-2] [MQTT-3.10.3-2]";
        case CodecError::subscription_options_reserved:
            return "subscription options reserved bits set [MQTT-3.8.3-5]";
        case CodecError::retain_handling_invalid:
            return "retain handling 3 [MQTT-3.8.3-5]";
        case CodecError::reason_code_invalid:
            return "reason code not allowed in this packet";
        case CodecError::connack_flags_reserved:
            return "CONNACK flags reserved bits set [MQTT-3.2.2-1]";
        case CodecError::property_unknown:
            return "unknown property identifier [MQTT-2.2.2]";
        case CodecError::property_not_allowed:
            return "property not allowed in this packet [MQTT-2.2.2]";
        case CodecError::property_duplicate:
            return "property included more than once [MQTT-2.2.2]";
        case CodecError::property_value_invalid:
            return "property value out of range";
        case CodecError::subscription_id_from_client:
            return "subscription identifier in a client's PUBLISH [MQTT-3.3.4-6]";
        case CodecError::unexpected_packet:
            return "packet not expected from this sender";
        case CodecError::field_too_long:
            return "string or binary field over 65,535 bytes";
    }
    return "unknown codec error";
}

// error_category's destructor is protected and non-virtual by design (categories are never deleted
// through a base pointer); the warning does not apply.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class CodecCategory final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "moatmq.codec"; }
    std::string message(int ev) const override { return describe(static_cast<CodecError>(ev)); }
    char const* message(int ev, char*, std::size_t) const noexcept override
    {
        return describe(static_cast<CodecError>(ev));
    }
};
#pragma GCC diagnostic pop

}  // namespace

const boost::system::error_category& codec_category() noexcept
{
    static const CodecCategory category;
    return category;
}

ReasonCode reason_code(CodecError e) noexcept
{
    switch (e) {
        // §4.13 and the rules' own words: data that cannot be parsed, or values the spec calls a
        // Malformed Packet, get 0x81.
        case CodecError::need_more:
        case CodecError::reserved_packet_type:
        case CodecError::reserved_flags:  // [MQTT-2.1.3-1]
        case CodecError::remaining_length_invalid:
        case CodecError::truncated:
        case CodecError::trailing_bytes:
        case CodecError::invalid_utf8:             // [MQTT-1.5.4-1]
        case CodecError::null_character:           // [MQTT-1.5.4-2]
        case CodecError::connect_reserved_flag:    // [MQTT-3.1.2-3]
        case CodecError::will_flags_inconsistent:  // [MQTT-3.1.2-11] [MQTT-3.1.2-12] [MQTT-3.1.2-13]
        case CodecError::password_without_username:
        // A filter that breaks the wildcard rules is not "correctly formed", so it is malformed;
        // 0x8F is for well-formed filters the server does not accept (SUBACK) [MQTT-4.7.1-1..2].
        case CodecError::topic_filter_invalid:
        case CodecError::invalid_qos:  // [MQTT-3.3.1-4]
        case CodecError::dup_with_qos0:
        case CodecError::subscription_options_reserved:  // [MQTT-3.8.3-5]
        case CodecError::connack_flags_reserved:
        case CodecError::property_unknown:      // §2.2.2.2
        case CodecError::property_not_allowed:  // §2.2.2.2
            return ReasonCode::MalformedPacket;
        case CodecError::packet_too_large:
            return ReasonCode::PacketTooLarge;
        case CodecError::invalid_protocol_name:         // [MQTT-3.1.2-1]
        case CodecError::unsupported_protocol_version:  // [MQTT-3.1.2-2]
            return ReasonCode::UnsupportedProtocolVersion;
        case CodecError::client_id_invalid:
            return ReasonCode::ClientIdentifierNotValid;
        case CodecError::topic_name_invalid:
            return ReasonCode::TopicNameInvalid;
        // Parsed, but against the spec: "It is a Protocol Error ..." (§4.13).
        case CodecError::packet_id_zero:
        case CodecError::topic_alias_missing:  // §3.3.2.1
        case CodecError::shared_subscription_invalid:
        case CodecError::no_topic_filters:
        case CodecError::retain_handling_invalid:
        case CodecError::reason_code_invalid:
        case CodecError::property_duplicate:
        case CodecError::property_value_invalid:
        case CodecError::subscription_id_from_client:
        case CodecError::unexpected_packet:
            return ReasonCode::ProtocolError;
        case CodecError::field_too_long:
            return ReasonCode::ImplementationSpecificError;
    }
    return ReasonCode::UnspecifiedError;
}

}  // namespace moatmq::codec
