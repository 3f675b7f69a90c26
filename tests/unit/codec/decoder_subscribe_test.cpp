// SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK (§3.8-3.11).
#include <gtest/gtest.h>

#include "codec_test_support.hpp"

namespace moatmq::codec::test {
namespace {

TEST(DecodeSubscribe, OneFilter_311)
{
    const auto s = decode_as<Subscribe>(hex("82 08 00 01 00 03 61 2f 23 01"), v311_from_client());
    EXPECT_EQ(s.packet_id, 1);
    ASSERT_EQ(s.subscriptions.size(), 1u);
    EXPECT_EQ(s.subscriptions[0].filter, "a/#");
    EXPECT_EQ(s.subscriptions[0].options.qos, QoS::at_least_once);
}

TEST(DecodeSubscribe, TwoFilters_311)
{
    const auto s = decode_as<Subscribe>(hex("82 0c 00 02 00 03 61 2f 62 00 00 01 23 02"), v311_from_client());
    ASSERT_EQ(s.subscriptions.size(), 2u);
    EXPECT_EQ(s.subscriptions[0].filter, "a/b");
    EXPECT_EQ(s.subscriptions[0].options.qos, QoS::at_most_once);
    EXPECT_EQ(s.subscriptions[1].filter, "#");
    EXPECT_EQ(s.subscriptions[1].options.qos, QoS::exactly_once);
}

TEST(DecodeSubscribe, OptionsAndSubscriptionIdentifier_5)
{
    const auto s = decode_as<Subscribe>(hex("82 0b 00 01 02 0b 05 00 03 61 2f 23 2d"), v5_from_client());
    EXPECT_EQ(s.properties.subscription_identifiers, (std::vector<std::uint32_t>{5}));
    ASSERT_EQ(s.subscriptions.size(), 1u);
    const auto& o = s.subscriptions[0].options;
    EXPECT_EQ(o.qos, QoS::at_least_once);
    EXPECT_TRUE(o.no_local);
    EXPECT_TRUE(o.retain_as_published);
    EXPECT_EQ(o.retain_handling, RetainHandling::dont_send);
}

TEST(DecodeSubscribe, ReservedOptionBitsAreMalformed_311_MQTT_3_8_3_4)
{
    EXPECT_EQ(decode_error(hex("82 08 00 01 00 03 61 2f 23 05"), v311_from_client()),
              CodecError::subscription_options_reserved);  // bit 2 is No Local only in 5.0
}

TEST(DecodeSubscribe, ReservedOptionBitsAreMalformed_5_MQTT_3_8_3_5)
{
    EXPECT_EQ(decode_error(hex("82 09 00 01 00 00 03 61 2f 23 41"), v5_from_client()),
              CodecError::subscription_options_reserved);
    EXPECT_EQ(reason_code(CodecError::subscription_options_reserved), ReasonCode::MalformedPacket);
}

TEST(DecodeSubscribe, QoS3IsRefused_MQTT_3_8_3_4)
{
    EXPECT_EQ(decode_error(hex("82 08 00 01 00 03 61 2f 23 03"), v311_from_client()),
              CodecError::invalid_qos);
    EXPECT_EQ(decode_error(hex("82 09 00 01 00 00 03 61 2f 23 03"), v5_from_client()),
              CodecError::invalid_qos);
}

TEST(DecodeSubscribe, RetainHandling3IsAProtocolError_5)
{
    EXPECT_EQ(decode_error(hex("82 09 00 01 00 00 03 61 2f 23 30"), v5_from_client()),
              CodecError::retain_handling_invalid);
    EXPECT_EQ(reason_code(CodecError::retain_handling_invalid), ReasonCode::ProtocolError);
}

TEST(DecodeSubscribe, NoFiltersIsAProtocolError_MQTT_3_8_3_2)
{
    EXPECT_EQ(decode_error(hex("82 02 00 01"), v311_from_client()), CodecError::no_topic_filters);
    EXPECT_EQ(decode_error(hex("82 03 00 01 00"), v5_from_client()), CodecError::no_topic_filters);
    EXPECT_EQ(reason_code(CodecError::no_topic_filters), ReasonCode::ProtocolError);
}

TEST(DecodeSubscribe, HashNotLastIsInvalid_MQTT_4_7_1_1)
{
    EXPECT_EQ(decode_error(hex("82 0a 00 01 00 05 61 2f 23 2f 62 00"), v311_from_client()),
              CodecError::topic_filter_invalid);
    EXPECT_EQ(reason_code(CodecError::topic_filter_invalid), ReasonCode::MalformedPacket);
}

TEST(DecodeSubscribe, PlusNotAWholeLevelIsInvalid_MQTT_4_7_1_2)
{
    EXPECT_EQ(decode_error(hex("82 07 00 01 00 02 61 2b 00"), v311_from_client()),
              CodecError::topic_filter_invalid);
}

TEST(DecodeSubscribe, EmptyFilterIsInvalid_MQTT_4_7_3_1)
{
    EXPECT_EQ(decode_error(hex("82 05 00 01 00 00 00"), v311_from_client()),
              CodecError::topic_filter_invalid);
}

TEST(DecodeSubscribe, FilterWithInvalidUtf8IsMalformed_MQTT_1_5_4_1)
{
    EXPECT_EQ(decode_error(hex("82 06 00 01 00 01 ff 00"), v311_from_client()), CodecError::invalid_utf8);
}

TEST(DecodeSubscribe, PacketIdZeroIsRefused_MQTT_2_2_1_3)
{
    EXPECT_EQ(decode_error(hex("82 08 00 00 00 03 61 2f 23 01"), v311_from_client()),
              CodecError::packet_id_zero);
}

TEST(DecodeSubscribe, MissingOptionsByteIsMalformed)
{
    EXPECT_EQ(decode_error(hex("82 07 00 01 00 03 61 2f 23"), v311_from_client()), CodecError::truncated);
}

TEST(DecodeSubscribe, SharedSubscription_5)
{
    const auto s =
        decode_as<Subscribe>(hex("82 10 00 01 00 00 0a 24 73 68 61 72 65 2f 67 2f 61 01"), v5_from_client());
    EXPECT_EQ(s.subscriptions.at(0).filter, "$share/g/a");
}

TEST(DecodeSubscribe, NoLocalOnSharedSubscriptionIsAProtocolError_MQTT_3_8_3_4)
{
    EXPECT_EQ(decode_error(hex("82 10 00 01 00 00 0a 24 73 68 61 72 65 2f 67 2f 61 05"), v5_from_client()),
              CodecError::shared_subscription_invalid);
}

TEST(DecodeSubscribe, MalformedSharedSubscriptionIsRefused_MQTT_4_8_2_1)
{
    // "$share//a": empty ShareName.
    EXPECT_EQ(decode_error(hex("82 0f 00 01 00 00 09 24 73 68 61 72 65 2f 2f 61 01"), v5_from_client()),
              CodecError::shared_subscription_invalid);
}

TEST(DecodeSubscribe, TwoSubscriptionIdentifiersAreAProtocolError)
{
    EXPECT_EQ(decode_error(hex("82 0d 00 01 04 0b 05 0b 06 00 03 61 2f 23 01"), v5_from_client()),
              CodecError::property_duplicate);
}

TEST(DecodeSubscribe, UserPropertiesMayRepeat_MQTT_3_8_2_1)
{
    const auto s = decode_as<Subscribe>(
        hex("82 17 00 01 0e 26 00 01 6b 00 01 31 26 00 01 6b 00 01 32 00 03 61 2f 23 01"), v5_from_client());
    EXPECT_EQ(s.properties.user_properties, (std::vector<UserProperty>{{"k", "1"}, {"k", "2"}}));
}

TEST(DecodeSuback, ReturnCodes_311)
{
    const auto s = decode_as<Suback>(hex("90 05 00 01 00 01 80"), v311_from_server());
    EXPECT_EQ(s.packet_id, 1);
    EXPECT_EQ(s.reasons, (std::vector<ReasonCode>{ReasonCode::Success, ReasonCode::GrantedQoS1,
                                                  ReasonCode::UnspecifiedError}));
}

TEST(DecodeSuback, UndefinedReturnCodeIsRefused_311)
{
    EXPECT_EQ(decode_error(hex("90 03 00 01 03"), v311_from_server()), CodecError::reason_code_invalid);
}

TEST(DecodeSuback, ReasonCodes_5)
{
    const auto s = decode_as<Suback>(hex("90 06 00 01 00 00 02 87"), v5_from_server());
    EXPECT_EQ(s.reasons, (std::vector<ReasonCode>{ReasonCode::Success, ReasonCode::GrantedQoS2,
                                                  ReasonCode::NotAuthorized}));
}

TEST(DecodeSuback, ReasonCodeNotAllowedInSubackIsRefused_5)
{
    EXPECT_EQ(decode_error(hex("90 04 00 01 00 10"), v5_from_server()), CodecError::reason_code_invalid);
}

TEST(DecodeSuback, NoReasonCodesIsMalformed)
{
    EXPECT_EQ(decode_error(hex("90 03 00 01 00"), v5_from_server()), CodecError::truncated);
    EXPECT_EQ(decode_error(hex("90 02 00 01"), v311_from_server()), CodecError::truncated);
}

TEST(DecodeUnsubscribe, OneFilter_311)
{
    const auto u = decode_as<Unsubscribe>(hex("a2 07 00 01 00 03 61 2f 62"), v311_from_client());
    EXPECT_EQ(u.packet_id, 1);
    EXPECT_EQ(u.filters, (std::vector<std::string>{"a/b"}));
}

TEST(DecodeUnsubscribe, OneFilter_5)
{
    EXPECT_EQ(decode_as<Unsubscribe>(hex("a2 08 00 01 00 00 03 61 2f 62"), v5_from_client()).filters,
              (std::vector<std::string>{"a/b"}));
}

TEST(DecodeUnsubscribe, NoFiltersIsAProtocolError_MQTT_3_10_3_2)
{
    EXPECT_EQ(decode_error(hex("a2 02 00 01"), v311_from_client()), CodecError::no_topic_filters);
}

TEST(DecodeUnsubscribe, MalformedFilterIsInvalid_MQTT_4_7_1_1)
{
    EXPECT_EQ(decode_error(hex("a2 06 00 01 00 02 61 23"), v311_from_client()),
              CodecError::topic_filter_invalid);
}

TEST(DecodeUnsubscribe, PacketIdZeroIsRefused_MQTT_2_2_1_3)
{
    EXPECT_EQ(decode_error(hex("a2 07 00 00 00 03 61 2f 62"), v311_from_client()),
              CodecError::packet_id_zero);
}

TEST(DecodeUnsubscribe, SubscriptionIdentifierIsNotAllowed_5)
{
    EXPECT_EQ(decode_error(hex("a2 0a 00 01 02 0b 01 00 03 61 2f 62"), v5_from_client()),
              CodecError::property_not_allowed);
}

TEST(DecodeUnsuback, PacketIdOnly_311)
{
    EXPECT_EQ(decode_as<Unsuback>(hex("b0 02 00 01"), v311_from_server()).packet_id, 1);
    EXPECT_EQ(decode_error(hex("b0 03 00 01 00"), v311_from_server()), CodecError::trailing_bytes);
}

TEST(DecodeUnsuback, ReasonCodes_5)
{
    const auto u = decode_as<Unsuback>(hex("b0 05 00 01 00 00 11"), v5_from_server());
    EXPECT_EQ(u.reasons, (std::vector<ReasonCode>{ReasonCode::Success, ReasonCode::NoSubscriptionExisted}));
}

TEST(DecodeUnsuback, NoReasonCodesIsMalformed_5)
{
    EXPECT_EQ(decode_error(hex("b0 03 00 01 00"), v5_from_server()), CodecError::truncated);
}

TEST(DecodeUnsuback, ReasonCodeNotAllowedInUnsubackIsRefused_5)
{
    EXPECT_EQ(decode_error(hex("b0 04 00 01 00 01"), v5_from_server()), CodecError::reason_code_invalid);
}

}  // namespace
}  // namespace moatmq::codec::test
