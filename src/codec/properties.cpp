#include "codec/properties.hpp"

#include <array>

#include "codec/codec_error.hpp"
#include "codec/property_table.hpp"

namespace moatmq::codec {
namespace detail {
namespace {

using C = PropertyContext;
using T = PropertyType;

constexpr std::uint16_t bits(std::initializer_list<PropertyContext> contexts) noexcept
{
    std::uint16_t mask = 0;
    for (const auto c : contexts)
        mask = static_cast<std::uint16_t>(mask | context_bit(c));
    return mask;
}

constexpr std::uint16_t kEveryPacket =
    bits({C::connect, C::connack, C::publish, C::will, C::puback, C::pubrec, C::pubrel, C::pubcomp,
          C::subscribe, C::suback, C::unsubscribe, C::unsuback, C::disconnect, C::auth});

// Table 2-4 (Properties) of the MQTT 5.0 specification.
constexpr std::array<PropertyInfo, kMaxPropertyId + 1> kTable = [] {
    std::array<PropertyInfo, kMaxPropertyId + 1> t{};
    auto row = [&t](PropertyId id, T type, std::uint16_t contexts, std::string_view name) {
        t[static_cast<std::size_t>(id)] = PropertyInfo{true, type, contexts, name};
    };
    using enum PropertyId;
    const auto message = bits({C::publish, C::will});
    row(PayloadFormatIndicator, T::byte, message, "Payload Format Indicator");
    row(MessageExpiryInterval, T::four_byte_integer, message, "Message Expiry Interval");
    row(ContentType, T::utf8_string, message, "Content Type");
    row(ResponseTopic, T::utf8_string, message, "Response Topic");
    row(CorrelationData, T::binary_data, message, "Correlation Data");
    row(SubscriptionIdentifier, T::variable_byte_integer, bits({C::publish, C::subscribe}),
        "Subscription Identifier");
    row(SessionExpiryInterval, T::four_byte_integer, bits({C::connect, C::connack, C::disconnect}),
        "Session Expiry Interval");
    row(AssignedClientIdentifier, T::utf8_string, bits({C::connack}), "Assigned Client Identifier");
    row(ServerKeepAlive, T::two_byte_integer, bits({C::connack}), "Server Keep Alive");
    row(AuthenticationMethod, T::utf8_string, bits({C::connect, C::connack, C::auth}),
        "Authentication Method");
    row(AuthenticationData, T::binary_data, bits({C::connect, C::connack, C::auth}), "Authentication Data");
    row(RequestProblemInformation, T::byte, bits({C::connect}), "Request Problem Information");
    row(WillDelayInterval, T::four_byte_integer, bits({C::will}), "Will Delay Interval");
    row(RequestResponseInformation, T::byte, bits({C::connect}), "Request Response Information");
    row(ResponseInformation, T::utf8_string, bits({C::connack}), "Response Information");
    row(ServerReference, T::utf8_string, bits({C::connack, C::disconnect}), "Server Reference");
    row(ReasonString, T::utf8_string,
        bits({C::connack, C::puback, C::pubrec, C::pubrel, C::pubcomp, C::suback, C::unsuback, C::disconnect,
              C::auth}),
        "Reason String");
    row(ReceiveMaximum, T::two_byte_integer, bits({C::connect, C::connack}), "Receive Maximum");
    row(TopicAliasMaximum, T::two_byte_integer, bits({C::connect, C::connack}), "Topic Alias Maximum");
    row(TopicAlias, T::two_byte_integer, bits({C::publish}), "Topic Alias");
    row(MaximumQoS, T::byte, bits({C::connack}), "Maximum QoS");
    row(RetainAvailable, T::byte, bits({C::connack}), "Retain Available");
    row(UserProperty, T::utf8_string_pair, kEveryPacket, "User Property");
    row(MaximumPacketSize, T::four_byte_integer, bits({C::connect, C::connack}), "Maximum Packet Size");
    row(WildcardSubscriptionAvailable, T::byte, bits({C::connack}), "Wildcard Subscription Available");
    row(SubscriptionIdentifierAvailable, T::byte, bits({C::connack}), "Subscription Identifier Available");
    row(SharedSubscriptionAvailable, T::byte, bits({C::connack}), "Shared Subscription Available");
    return t;
}();

}  // namespace

const PropertyInfo* property_info(std::uint32_t id) noexcept
{
    if (id > kMaxPropertyId || !kTable[id].defined) return nullptr;
    return &kTable[id];
}

}  // namespace detail

PropertyType property_type(PropertyId id) noexcept
{
    const auto* info = detail::property_info(static_cast<std::uint32_t>(id));
    return info ? info->type : PropertyType::byte;
}

bool is_defined_property(std::uint32_t id) noexcept
{
    return detail::property_info(id) != nullptr;
}

std::string_view to_string(PropertyId id) noexcept
{
    const auto* info = detail::property_info(static_cast<std::uint32_t>(id));
    return info ? info->name : std::string_view{"unknown"};
}

bool property_allowed(PropertyId id, PropertyContext context) noexcept
{
    const auto* info = detail::property_info(static_cast<std::uint32_t>(id));
    return info != nullptr && (info->contexts & detail::context_bit(context)) != 0;
}

namespace {

// 1 when a property is present, as an unsigned so that the presence bits combine with `|`.
template <class T>
unsigned set(const std::optional<T>& value) noexcept
{
    return value.has_value() ? 1u : 0u;
}
template <class T>
unsigned set(const std::vector<T>& values) noexcept
{
    return values.empty() ? 0u : 1u;
}

}  // namespace

bool Properties::empty() const noexcept
{
    // Bitwise, not short-circuit: independent loads and no branch per field, since on the hot path
    // (a PUBLISH without properties) every one of them has to be looked at anyway.
    const unsigned any =
        set(payload_format_indicator) | set(message_expiry_interval) | set(content_type) |
        set(response_topic) | set(correlation_data) | set(session_expiry_interval) |
        set(assigned_client_identifier) | set(server_keep_alive) | set(authentication_method) |
        set(authentication_data) | set(request_problem_information) | set(will_delay_interval) |
        set(request_response_information) | set(response_information) | set(server_reference) |
        set(reason_string) | set(receive_maximum) | set(topic_alias_maximum) | set(topic_alias) |
        set(maximum_qos) | set(retain_available) | set(maximum_packet_size) |
        set(wildcard_subscription_available) | set(subscription_identifier_available) |
        set(shared_subscription_available) | set(subscription_identifiers) | set(user_properties);
    return any == 0;
}

error_code Properties::validate_for(PropertyContext context) const noexcept
{
    const std::pair<bool, PropertyId> present[] = {
        {payload_format_indicator.has_value(), PropertyId::PayloadFormatIndicator},
        {message_expiry_interval.has_value(), PropertyId::MessageExpiryInterval},
        {content_type.has_value(), PropertyId::ContentType},
        {response_topic.has_value(), PropertyId::ResponseTopic},
        {correlation_data.has_value(), PropertyId::CorrelationData},
        {!subscription_identifiers.empty(), PropertyId::SubscriptionIdentifier},
        {session_expiry_interval.has_value(), PropertyId::SessionExpiryInterval},
        {assigned_client_identifier.has_value(), PropertyId::AssignedClientIdentifier},
        {server_keep_alive.has_value(), PropertyId::ServerKeepAlive},
        {authentication_method.has_value(), PropertyId::AuthenticationMethod},
        {authentication_data.has_value(), PropertyId::AuthenticationData},
        {request_problem_information.has_value(), PropertyId::RequestProblemInformation},
        {will_delay_interval.has_value(), PropertyId::WillDelayInterval},
        {request_response_information.has_value(), PropertyId::RequestResponseInformation},
        {response_information.has_value(), PropertyId::ResponseInformation},
        {server_reference.has_value(), PropertyId::ServerReference},
        {reason_string.has_value(), PropertyId::ReasonString},
        {receive_maximum.has_value(), PropertyId::ReceiveMaximum},
        {topic_alias_maximum.has_value(), PropertyId::TopicAliasMaximum},
        {topic_alias.has_value(), PropertyId::TopicAlias},
        {maximum_qos.has_value(), PropertyId::MaximumQoS},
        {retain_available.has_value(), PropertyId::RetainAvailable},
        {!user_properties.empty(), PropertyId::UserProperty},
        {maximum_packet_size.has_value(), PropertyId::MaximumPacketSize},
        {wildcard_subscription_available.has_value(), PropertyId::WildcardSubscriptionAvailable},
        {subscription_identifier_available.has_value(), PropertyId::SubscriptionIdentifierAvailable},
        {shared_subscription_available.has_value(), PropertyId::SharedSubscriptionAvailable},
    };
    for (const auto& [set, id] : present) {
        if (set && !property_allowed(id, context)) return CodecError::property_not_allowed;
    }
    // Several Subscription Identifiers only in a server's PUBLISH (one per matching subscription).
    if (subscription_identifiers.size() > 1 && context != PropertyContext::publish)
        return CodecError::property_duplicate;
    return {};
}

}  // namespace moatmq::codec
