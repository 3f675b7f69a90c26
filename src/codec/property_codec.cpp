// Property blocks, both directions. Decoding is one switch over the identifier with the table
// (property_table.hpp) deciding where each may appear; a 64-bit mask of identifiers seen catches
// duplicates of properties that may appear once (each property's section says "It is a Protocol Error
// to include the ... more than once"). Encoding writes present fields in identifier order.
#include "codec/property_codec.hpp"

#include <cstdint>

#include "codec/property_table.hpp"
#include "codec/topic.hpp"

namespace moatmq::codec::detail {
namespace {

bool read_flag(ByteReader& r, std::optional<std::uint8_t>& out)
{
    std::uint8_t v = 0;
    if (!r.read_u8(v)) return false;
    // Request Problem/Response Information, Maximum QoS and the *Available flags are 0 or 1; so is the
    // Payload Format Indicator. Anything else is a Protocol Error (§3.1.2.11, §3.2.2.3).
    if (v > 1) return r.fail(CodecError::property_value_invalid);
    out = v;
    return true;
}

bool read_u16_prop(ByteReader& r, std::optional<std::uint16_t>& out, bool zero_allowed)
{
    std::uint16_t v = 0;
    if (!r.read_u16(v)) return false;
    // Receive Maximum 0 (§3.1.2.11.3, §3.2.2.3.3) and Topic Alias 0 [MQTT-3.3.2-8] are Protocol Errors.
    if (v == 0 && !zero_allowed) return r.fail(CodecError::property_value_invalid);
    out = v;
    return true;
}

bool read_u32_prop(ByteReader& r, std::optional<std::uint32_t>& out, bool zero_allowed)
{
    std::uint32_t v = 0;
    if (!r.read_u32(v)) return false;
    if (v == 0 && !zero_allowed) return r.fail(CodecError::property_value_invalid);  // Maximum Packet Size 0
    out = v;
    return true;
}

bool read_string_prop(ByteReader& r, std::optional<std::string>& out)
{
    std::string_view v;
    if (!r.read_string(v)) return false;
    out.emplace(v);
    return true;
}

bool read_binary_prop(ByteReader& r, std::optional<Bytes>& out)
{
    ByteView v;
    if (!r.read_binary(v)) return false;
    out.emplace(v.begin(), v.end());
    return true;
}

bool read_one(ByteReader& r, PropertyId id, Properties& p)
{
    using enum PropertyId;
    switch (id) {
        case PayloadFormatIndicator:
            return read_flag(r, p.payload_format_indicator);
        case MessageExpiryInterval:
            return read_u32_prop(r, p.message_expiry_interval, true);
        case ContentType:
            return read_string_prop(r, p.content_type);
        case ResponseTopic: {
            std::string_view v;
            if (!r.read_raw_string(v)) return false;
            // The Response Topic is a Topic Name: no wildcards [MQTT-3.3.2-14].
            if (const auto ec = validate_topic_name(v); ec)
                return r.fail(static_cast<CodecError>(ec.value()));
            p.response_topic.emplace(v);
            return true;
        }
        case CorrelationData:
            return read_binary_prop(r, p.correlation_data);
        case SubscriptionIdentifier: {
            std::uint32_t v = 0;
            if (!r.read_varint(v)) return false;
            // 1..268,435,455; 0 is a Protocol Error [MQTT-3.8.2.1.2].
            if (v == 0) return r.fail(CodecError::property_value_invalid);
            p.subscription_identifiers.push_back(v);
            return true;
        }
        case SessionExpiryInterval:
            return read_u32_prop(r, p.session_expiry_interval, true);
        case AssignedClientIdentifier:
            return read_string_prop(r, p.assigned_client_identifier);
        case ServerKeepAlive:
            return read_u16_prop(r, p.server_keep_alive, true);
        case AuthenticationMethod:
            return read_string_prop(r, p.authentication_method);
        case AuthenticationData:
            return read_binary_prop(r, p.authentication_data);
        case RequestProblemInformation:
            return read_flag(r, p.request_problem_information);
        case WillDelayInterval:
            return read_u32_prop(r, p.will_delay_interval, true);
        case RequestResponseInformation:
            return read_flag(r, p.request_response_information);
        case ResponseInformation:
            return read_string_prop(r, p.response_information);
        case ServerReference:
            return read_string_prop(r, p.server_reference);
        case ReasonString:
            return read_string_prop(r, p.reason_string);
        case ReceiveMaximum:
            return read_u16_prop(r, p.receive_maximum, false);
        case TopicAliasMaximum:
            return read_u16_prop(r, p.topic_alias_maximum, true);
        case TopicAlias:
            return read_u16_prop(r, p.topic_alias, false);
        case MaximumQoS:
            return read_flag(r, p.maximum_qos);
        case RetainAvailable:
            return read_flag(r, p.retain_available);
        case UserProperty: {
            std::string_view key;
            std::string_view value;
            if (!r.read_string(key) || !r.read_string(value)) return false;
            p.user_properties.emplace_back(key, value);
            return true;
        }
        case MaximumPacketSize:
            return read_u32_prop(r, p.maximum_packet_size, false);
        case WildcardSubscriptionAvailable:
            return read_flag(r, p.wildcard_subscription_available);
        case SubscriptionIdentifierAvailable:
            return read_flag(r, p.subscription_identifier_available);
        case SharedSubscriptionAvailable:
            return read_flag(r, p.shared_subscription_available);
    }
    return r.fail(CodecError::property_unknown);
}

}  // namespace

bool read_properties(ByteReader& r, PropertyContext context, Sender sender, Properties& out)
{
    std::uint32_t length = 0;
    if (!r.read_varint(length)) return false;
    if (length == 0) return true;
    ByteView block;
    if (!r.take(length, block)) return false;
    ByteReader pr(block);
    std::uint64_t seen = 0;
    const std::uint16_t here = context_bit(context);
    while (!pr.empty()) {
        // The identifier is a Variable Byte Integer (§2.2.2.2), though every defined one fits in a byte.
        std::uint32_t raw = 0;
        if (!pr.read_varint(raw)) return r.fail(pr.error());
        const PropertyInfo* info = property_info(raw);
        // An identifier not valid for the packet type is a Malformed Packet (§2.2.2.2).
        if (info == nullptr) return r.fail(CodecError::property_unknown);
        const auto id = static_cast<PropertyId>(raw);
        if (id == PropertyId::SubscriptionIdentifier && context == PropertyContext::publish &&
            sender == Sender::client)
            return r.fail(CodecError::subscription_id_from_client);  // [MQTT-3.3.4-6]
        if ((info->contexts & here) == 0) return r.fail(CodecError::property_not_allowed);
        // A server's DISCONNECT MUST NOT carry a Session Expiry Interval [MQTT-3.14.2-2].
        if (id == PropertyId::SessionExpiryInterval && context == PropertyContext::disconnect &&
            sender == Sender::server)
            return r.fail(CodecError::property_not_allowed);
        const bool repeatable = id == PropertyId::UserProperty || (id == PropertyId::SubscriptionIdentifier &&
                                                                   context == PropertyContext::publish);
        const std::uint64_t bit = std::uint64_t{1} << raw;
        if (!repeatable && (seen & bit) != 0) return r.fail(CodecError::property_duplicate);
        seen |= bit;
        if (!read_one(pr, id, out)) return r.fail(pr.error());
    }
    return true;
}

namespace {

constexpr std::size_t kMaxField = 65'535;

void add_string(std::size_t& size, const std::optional<std::string>& v, bool& too_long) noexcept
{
    if (!v) return;
    if (v->size() > kMaxField) too_long = true;
    size += 1 + 2 + v->size();
}

void add_binary(std::size_t& size, const std::optional<Bytes>& v, bool& too_long) noexcept
{
    if (!v) return;
    if (v->size() > kMaxField) too_long = true;
    size += 1 + 2 + v->size();
}

template <class Int>
void add_int(std::size_t& size, const std::optional<Int>& v) noexcept
{
    if (v) size += 1 + sizeof(Int);
}

}  // namespace

std::size_t properties_size(const Properties& p, bool& too_long) noexcept
{
    if (p.empty()) return 0;  // the common case, checked without a branch per field
    std::size_t size = 0;
    add_int(size, p.payload_format_indicator);
    add_int(size, p.message_expiry_interval);
    add_string(size, p.content_type, too_long);
    add_string(size, p.response_topic, too_long);
    add_binary(size, p.correlation_data, too_long);
    for (const auto id : p.subscription_identifiers) {
        if (id > kMaxVarInt) too_long = true;
        size += 1 + varint_size(id);
    }
    add_int(size, p.session_expiry_interval);
    add_string(size, p.assigned_client_identifier, too_long);
    add_int(size, p.server_keep_alive);
    add_string(size, p.authentication_method, too_long);
    add_binary(size, p.authentication_data, too_long);
    add_int(size, p.request_problem_information);
    add_int(size, p.will_delay_interval);
    add_int(size, p.request_response_information);
    add_string(size, p.response_information, too_long);
    add_string(size, p.server_reference, too_long);
    add_string(size, p.reason_string, too_long);
    add_int(size, p.receive_maximum);
    add_int(size, p.topic_alias_maximum);
    add_int(size, p.topic_alias);
    add_int(size, p.maximum_qos);
    add_int(size, p.retain_available);
    for (const auto& [key, value] : p.user_properties) {
        if (key.size() > kMaxField || value.size() > kMaxField) too_long = true;
        size += 1 + 2 + key.size() + 2 + value.size();
    }
    add_int(size, p.maximum_packet_size);
    add_int(size, p.wildcard_subscription_available);
    add_int(size, p.subscription_identifier_available);
    add_int(size, p.shared_subscription_available);
    return size;
}

namespace {

void put_id(ByteWriter& w, PropertyId id) noexcept
{
    w.u8(static_cast<std::uint8_t>(id));
}

void put(ByteWriter& w, PropertyId id, const std::optional<std::uint8_t>& v) noexcept
{
    if (!v) return;
    put_id(w, id);
    w.u8(*v);
}
void put(ByteWriter& w, PropertyId id, const std::optional<std::uint16_t>& v) noexcept
{
    if (!v) return;
    put_id(w, id);
    w.u16(*v);
}
void put(ByteWriter& w, PropertyId id, const std::optional<std::uint32_t>& v) noexcept
{
    if (!v) return;
    put_id(w, id);
    w.u32(*v);
}
void put(ByteWriter& w, PropertyId id, const std::optional<std::string>& v) noexcept
{
    if (!v) return;
    put_id(w, id);
    w.string(*v);
}
void put(ByteWriter& w, PropertyId id, const std::optional<Bytes>& v) noexcept
{
    if (!v) return;
    put_id(w, id);
    w.binary(*v);
}

}  // namespace

void write_properties(ByteWriter& w, const Properties& p, std::size_t size) noexcept
{
    using enum PropertyId;
    w.varint(static_cast<std::uint32_t>(size));
    if (size == 0) return;
    put(w, PayloadFormatIndicator, p.payload_format_indicator);
    put(w, MessageExpiryInterval, p.message_expiry_interval);
    put(w, ContentType, p.content_type);
    put(w, ResponseTopic, p.response_topic);
    put(w, CorrelationData, p.correlation_data);
    for (const auto id : p.subscription_identifiers) {
        put_id(w, SubscriptionIdentifier);
        w.varint(id);
    }
    put(w, SessionExpiryInterval, p.session_expiry_interval);
    put(w, AssignedClientIdentifier, p.assigned_client_identifier);
    put(w, ServerKeepAlive, p.server_keep_alive);
    put(w, AuthenticationMethod, p.authentication_method);
    put(w, AuthenticationData, p.authentication_data);
    put(w, RequestProblemInformation, p.request_problem_information);
    put(w, WillDelayInterval, p.will_delay_interval);
    put(w, RequestResponseInformation, p.request_response_information);
    put(w, ResponseInformation, p.response_information);
    put(w, ServerReference, p.server_reference);
    put(w, ReasonString, p.reason_string);
    put(w, ReceiveMaximum, p.receive_maximum);
    put(w, TopicAliasMaximum, p.topic_alias_maximum);
    put(w, TopicAlias, p.topic_alias);
    put(w, MaximumQoS, p.maximum_qos);
    put(w, RetainAvailable, p.retain_available);
    for (const auto& [key, value] : p.user_properties) {
        put_id(w, UserProperty);
        w.string(key);
        w.string(value);
    }
    put(w, MaximumPacketSize, p.maximum_packet_size);
    put(w, WildcardSubscriptionAvailable, p.wildcard_subscription_available);
    put(w, SubscriptionIdentifierAvailable, p.subscription_identifier_available);
    put(w, SharedSubscriptionAvailable, p.shared_subscription_available);
}

}  // namespace moatmq::codec::detail
