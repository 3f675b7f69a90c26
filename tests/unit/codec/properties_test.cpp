// MQTT 5.0 properties (§2.2.2): the table of types and contexts, and each property's encoding.
#include <gtest/gtest.h>

#include "codec/properties.hpp"
#include "codec_test_support.hpp"

namespace moatmq::codec::test {
namespace {

using C = PropertyContext;

// Table 2-4 (§2.2.2.2): each identifier's value, type and name.
TEST(PropertyTable, TypesFollowTheSpec)
{
    using T = PropertyType;
    const struct {
        std::uint8_t id;
        T type;
        const char* name;
    } table[] = {
        {0x01, T::byte, "Payload Format Indicator"},
        {0x02, T::four_byte_integer, "Message Expiry Interval"},
        {0x03, T::utf8_string, "Content Type"},
        {0x08, T::utf8_string, "Response Topic"},
        {0x09, T::binary_data, "Correlation Data"},
        {0x0B, T::variable_byte_integer, "Subscription Identifier"},
        {0x11, T::four_byte_integer, "Session Expiry Interval"},
        {0x12, T::utf8_string, "Assigned Client Identifier"},
        {0x13, T::two_byte_integer, "Server Keep Alive"},
        {0x15, T::utf8_string, "Authentication Method"},
        {0x16, T::binary_data, "Authentication Data"},
        {0x17, T::byte, "Request Problem Information"},
        {0x18, T::four_byte_integer, "Will Delay Interval"},
        {0x19, T::byte, "Request Response Information"},
        {0x1A, T::utf8_string, "Response Information"},
        {0x1C, T::utf8_string, "Server Reference"},
        {0x1F, T::utf8_string, "Reason String"},
        {0x21, T::two_byte_integer, "Receive Maximum"},
        {0x22, T::two_byte_integer, "Topic Alias Maximum"},
        {0x23, T::two_byte_integer, "Topic Alias"},
        {0x24, T::byte, "Maximum QoS"},
        {0x25, T::byte, "Retain Available"},
        {0x26, T::utf8_string_pair, "User Property"},
        {0x27, T::four_byte_integer, "Maximum Packet Size"},
        {0x28, T::byte, "Wildcard Subscription Available"},
        {0x29, T::byte, "Subscription Identifier Available"},
        {0x2A, T::byte, "Shared Subscription Available"},
    };
    for (const auto& row : table) {
        const auto id = static_cast<PropertyId>(row.id);
        EXPECT_TRUE(is_defined_property(row.id)) << row.name;
        EXPECT_EQ(property_type(id), row.type) << row.name;
        EXPECT_EQ(to_string(id), row.name);
    }
    EXPECT_EQ(std::size(table), 27u);
}

TEST(PropertyTable, ExactlyTheTwentySevenDefinedIdentifiers)
{
    int defined = 0;
    for (std::uint32_t id = 0; id < 256; ++id)
        defined += is_defined_property(id) ? 1 : 0;
    EXPECT_EQ(defined, 27);
    EXPECT_FALSE(is_defined_property(0x00));
    EXPECT_FALSE(is_defined_property(0x04));
    EXPECT_FALSE(is_defined_property(0x2B));
}

TEST(PropertyTable, ContextsFollowTheSpec)
{
    EXPECT_TRUE(property_allowed(PropertyId::PayloadFormatIndicator, C::publish));
    EXPECT_TRUE(property_allowed(PropertyId::PayloadFormatIndicator, C::will));
    EXPECT_FALSE(property_allowed(PropertyId::PayloadFormatIndicator, C::connect));
    EXPECT_TRUE(property_allowed(PropertyId::SubscriptionIdentifier, C::subscribe));
    EXPECT_FALSE(property_allowed(PropertyId::SubscriptionIdentifier, C::unsubscribe));
    EXPECT_TRUE(property_allowed(PropertyId::SessionExpiryInterval, C::disconnect));
    EXPECT_FALSE(property_allowed(PropertyId::SessionExpiryInterval, C::will));
    EXPECT_TRUE(property_allowed(PropertyId::WillDelayInterval, C::will));
    EXPECT_FALSE(property_allowed(PropertyId::WillDelayInterval, C::connect));
    EXPECT_TRUE(property_allowed(PropertyId::ReasonString, C::pubcomp));
    EXPECT_FALSE(property_allowed(PropertyId::ReasonString, C::publish));
    EXPECT_TRUE(property_allowed(PropertyId::AuthenticationMethod, C::auth));
    EXPECT_FALSE(property_allowed(PropertyId::AuthenticationMethod, C::disconnect));
    EXPECT_TRUE(property_allowed(PropertyId::ServerReference, C::disconnect));
    EXPECT_TRUE(property_allowed(PropertyId::MaximumPacketSize, C::connect));
    EXPECT_FALSE(property_allowed(PropertyId::MaximumQoS, C::connect));
    for (int c = 0; c <= static_cast<int>(C::auth); ++c)
        EXPECT_TRUE(property_allowed(PropertyId::UserProperty, static_cast<C>(c)));
}

TEST(Properties, ValidateForReportsPropertiesNotAllowed)
{
    Properties p;
    EXPECT_FALSE(p.validate_for(C::publish));
    p.topic_alias = 3;
    EXPECT_FALSE(p.validate_for(C::publish));
    EXPECT_EQ(p.validate_for(C::connect), make_error_code(CodecError::property_not_allowed));
    Properties s;
    s.subscription_identifiers = {1, 2};
    EXPECT_FALSE(s.validate_for(C::publish));
    EXPECT_EQ(s.validate_for(C::subscribe), make_error_code(CodecError::property_duplicate));
}

TEST(Properties, EmptyMeansNothingSet)
{
    Properties p;
    EXPECT_TRUE(p.empty());
    p.user_properties.emplace_back("a", "b");
    EXPECT_FALSE(p.empty());
}

// One property on a CONNACK (where most live) or a PUBLISH: the exact bytes, and back.
struct PropertyCase {
    const char* name;
    void (*set)(Properties&);
    const char* bytes;  // the property, identifier first
    bool publish;       // PUBLISH from the server rather than CONNACK
};

const PropertyCase kCases[] = {
    {"PayloadFormatIndicator", [](Properties& p) { p.payload_format_indicator = 1; }, "01 01", true},
    {"MessageExpiryInterval", [](Properties& p) { p.message_expiry_interval = 0x01020304; }, "02 01 02 03 04",
     true},
    {"ContentType", [](Properties& p) { p.content_type = "a"; }, "03 00 01 61", true},
    {"ResponseTopic", [](Properties& p) { p.response_topic = "r"; }, "08 00 01 72", true},
    {"CorrelationData",
     [](Properties& p) {
         p.correlation_data = Bytes{std::byte{0}, std::byte{0xff}};
     },
     "09 00 02 00 ff", true},
    {"SubscriptionIdentifier", [](Properties& p) { p.subscription_identifiers = {16'384}; }, "0b 80 80 01",
     true},
    {"TopicAlias", [](Properties& p) { p.topic_alias = 258; }, "23 01 02", true},
    {"SessionExpiryInterval", [](Properties& p) { p.session_expiry_interval = 0xffffffff; }, "11 ff ff ff ff",
     false},
    {"AssignedClientIdentifier", [](Properties& p) { p.assigned_client_identifier = "id"; }, "12 00 02 69 64",
     false},
    {"ServerKeepAlive", [](Properties& p) { p.server_keep_alive = 30; }, "13 00 1e", false},
    {"AuthenticationMethod", [](Properties& p) { p.authentication_method = "m"; }, "15 00 01 6d", false},
    {"AuthenticationData", [](Properties& p) { p.authentication_data = to_bytes("d"); }, "16 00 01 64",
     false},
    {"ResponseInformation", [](Properties& p) { p.response_information = "i"; }, "1a 00 01 69", false},
    {"ServerReference", [](Properties& p) { p.server_reference = "s"; }, "1c 00 01 73", false},
    {"ReasonString", [](Properties& p) { p.reason_string = "why"; }, "1f 00 03 77 68 79", false},
    {"ReceiveMaximum", [](Properties& p) { p.receive_maximum = 100; }, "21 00 64", false},
    {"TopicAliasMaximum", [](Properties& p) { p.topic_alias_maximum = 0; }, "22 00 00", false},
    {"MaximumQoS", [](Properties& p) { p.maximum_qos = 0; }, "24 00", false},
    {"RetainAvailable", [](Properties& p) { p.retain_available = 1; }, "25 01", false},
    {"UserProperty",
     [](Properties& p) {
         p.user_properties = {{"k", "v"}};
     },
     "26 00 01 6b 00 01 76", false},
    {"MaximumPacketSize", [](Properties& p) { p.maximum_packet_size = 1024; }, "27 00 00 04 00", false},
    {"WildcardSubscriptionAvailable", [](Properties& p) { p.wildcard_subscription_available = 0; }, "28 00",
     false},
    {"SubscriptionIdentifierAvailable", [](Properties& p) { p.subscription_identifier_available = 1; },
     "29 01", false},
    {"SharedSubscriptionAvailable", [](Properties& p) { p.shared_subscription_available = 0; }, "2a 00",
     false},
};

TEST(Properties, EachPropertyEncodesAndDecodesExactly)
{
    for (const auto& c : kCases) {
        SCOPED_TRACE(c.name);
        const Bytes prop = hex(c.bytes);
        const auto plen = static_cast<std::uint8_t>(prop.size());
        Bytes expected;
        Packet packet;
        if (c.publish) {
            Publish p = make_publish("t", {});
            c.set(p.properties);
            packet = p;
            // 30 <len> 00 01 74 <plen> <prop>
            expected = hex("30");
            expected.push_back(static_cast<std::byte>(3 + 1 + plen));
            for (auto b : hex("00 01 74"))
                expected.push_back(b);
        } else {
            Connack a;
            c.set(a.properties);
            packet = a;
            expected = hex("20");
            expected.push_back(static_cast<std::byte>(2 + 1 + plen));
            for (auto b : hex("00 00"))
                expected.push_back(b);
        }
        expected.push_back(static_cast<std::byte>(plen));
        expected.insert(expected.end(), prop.begin(), prop.end());

        Bytes out;
        ASSERT_TRUE(encode(packet, ProtocolVersion::v5, out));
        EXPECT_EQ(to_hex(out), to_hex(expected));
        auto back = decode(out, v5_from_server());
        ASSERT_TRUE(back) << back.error().message();
        EXPECT_EQ(back->packet, packet);
    }
}

TEST(Properties, WillDelayAndRequestFlagsInConnect)
{
    Connect c;
    c.client_id = "a";
    c.properties.request_problem_information = 0;
    c.properties.request_response_information = 1;
    c.properties.maximum_packet_size = 2048;
    c.properties.topic_alias_maximum = 8;
    c.will.emplace();
    c.will->topic = "w";
    c.will->properties.will_delay_interval = 9;
    c.will->properties.content_type = "c";
    Bytes out;
    ASSERT_TRUE(encode(Packet{c}, ProtocolVersion::v5, out));
    EXPECT_EQ(decode_as<Connect>(out, v5_from_client()), c);
}

TEST(Properties, IdentifierAsMultiByteIntegerIsUnknown)
{
    // 0x81 0x00 is a non-minimal variable byte integer: malformed.
    EXPECT_EQ(decode_error(hex("20 05 00 00 02 81 00"), v5_from_server()),
              CodecError::remaining_length_invalid);
    // 0x80 0x01 = 128: no such property.
    EXPECT_EQ(decode_error(hex("20 05 00 00 02 80 01"), v5_from_server()), CodecError::property_unknown);
}

TEST(Properties, FlagPropertiesOtherThan0Or1AreProtocolErrors)
{
    for (const char* id : {"17", "19"}) {  // request problem / response information in CONNECT
        const std::string bytes =
            std::string("10 10 00 04 4d 51 54 54 05 02 00 3c 02 ") + id + " 02 00 01 61";
        EXPECT_EQ(decode_error(hex(bytes), v5_from_client()), CodecError::property_value_invalid) << id;
    }
    for (const char* id : {"24", "25", "28", "29", "2a"}) {
        const std::string bytes = std::string("20 05 00 00 02 ") + id + " 02";
        EXPECT_EQ(decode_error(hex(bytes), v5_from_server()), CodecError::property_value_invalid) << id;
    }
}

TEST(Properties, MaximumPacketSizeZeroIsAProtocolError)
{
    EXPECT_EQ(decode_error(hex("20 08 00 00 05 27 00 00 00 00"), v5_from_server()),
              CodecError::property_value_invalid);
}

TEST(Properties, TruncatedValueIsMalformed)
{
    EXPECT_EQ(decode_error(hex("20 05 00 00 02 13 00"), v5_from_server()), CodecError::truncated);
    EXPECT_EQ(decode_error(hex("20 06 00 00 03 26 00 01"), v5_from_server()), CodecError::truncated);
}

TEST(Properties, InvalidUtf8InUserPropertyIsMalformed)
{
    EXPECT_EQ(decode_error(hex("20 0a 00 00 07 26 00 01 6b 00 01 c0"), v5_from_server()),
              CodecError::invalid_utf8);
}

TEST(Properties, UserPropertiesKeepTheirOrder_MQTT_3_3_2_18)
{
    Publish p = make_publish("t", {});
    p.properties.user_properties = {{"z", "1"}, {"a", "2"}, {"z", "3"}};
    Bytes out;
    ASSERT_TRUE(encode(p, ProtocolVersion::v5, out));
    EXPECT_EQ(decode_as<Publish>(out, v5_from_client()).properties.user_properties,
              p.properties.user_properties);
}

}  // namespace
}  // namespace moatmq::codec::test
