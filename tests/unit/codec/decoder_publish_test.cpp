// PUBLISH (§3.3) and its acknowledgements PUBACK, PUBREC, PUBREL, PUBCOMP (§3.4-3.7).
#include <gtest/gtest.h>

#include "codec_test_support.hpp"

namespace moatmq::codec::test {
namespace {

TEST(DecodePublish, QoS0_311)
{
    const auto p = decode_as<Publish>(hex("30 07 00 03 61 2f 62 68 69"), v311_from_client());
    EXPECT_EQ(p.topic, "a/b");
    EXPECT_EQ(p.payload, to_bytes("hi"));
    EXPECT_EQ(p.qos, QoS::at_most_once);
    EXPECT_FALSE(p.retain);
    EXPECT_FALSE(p.dup);
    EXPECT_EQ(p.packet_id, 0);
}

TEST(DecodePublish, QoS1DupRetain_311)
{
    const auto p = decode_as<Publish>(hex("3b 09 00 03 61 2f 62 00 0a 68 69"), v311_from_client());
    EXPECT_EQ(p.qos, QoS::at_least_once);
    EXPECT_TRUE(p.dup);
    EXPECT_TRUE(p.retain);
    EXPECT_EQ(p.packet_id, 10);
    EXPECT_EQ(p.payload, to_bytes("hi"));
}

TEST(DecodePublish, EmptyPayloadIsAllowed)
{
    EXPECT_TRUE(decode_as<Publish>(hex("30 05 00 03 61 2f 62"), v311_from_client()).payload.empty());
}

TEST(DecodePublish, QoS0_5)
{
    const auto p = decode_as<Publish>(hex("30 08 00 03 61 2f 62 00 68 69"), v5_from_client());
    EXPECT_EQ(p.topic, "a/b");
    EXPECT_EQ(p.payload, to_bytes("hi"));
    EXPECT_TRUE(p.properties.empty());
}

TEST(DecodePublish, QoS2WithProperties_5)
{
    const auto p = decode_as<Publish>(hex("34 1b 00 03 61 2f 62 00 07 11 01 01 02 00 00 00 3c 23 00 05"
                                          " 26 00 01 6b 00 01 76 68 69"),
                                      v5_from_client());
    EXPECT_EQ(p.qos, QoS::exactly_once);
    EXPECT_EQ(p.packet_id, 7);
    EXPECT_EQ(p.properties.payload_format_indicator, 1);
    EXPECT_EQ(p.properties.message_expiry_interval, 60u);
    EXPECT_EQ(p.properties.topic_alias, 5);
    ASSERT_EQ(p.properties.user_properties.size(), 1u);
    EXPECT_EQ(p.properties.user_properties[0], (UserProperty{"k", "v"}));
    EXPECT_EQ(p.payload, to_bytes("hi"));
}

TEST(DecodePublish, EmptyTopicWithTopicAlias_5)
{
    const auto p = decode_as<Publish>(hex("30 06 00 00 03 23 00 05"), v5_from_client());
    EXPECT_EQ(p.topic, "");
    EXPECT_EQ(p.properties.topic_alias, 5);
}

TEST(DecodePublish, EmptyTopicWithoutAliasIsProtocolError_5)
{
    EXPECT_EQ(decode_error(hex("30 03 00 00 00"), v5_from_client()), CodecError::topic_alias_missing);
}

TEST(DecodePublish, EmptyTopicIsInvalid_311_MQTT_4_7_3_1)
{
    EXPECT_EQ(decode_error(hex("30 02 00 00"), v311_from_client()), CodecError::topic_name_invalid);
}

TEST(DecodePublish, QoS3IsMalformed_MQTT_3_3_1_4)
{
    EXPECT_EQ(decode_error(hex("36 07 00 03 61 2f 62 00 01"), v311_from_client()), CodecError::invalid_qos);
    EXPECT_EQ(decode_error(hex("36 07"), v5_from_client()),
              CodecError::invalid_qos);  // from the header alone
    EXPECT_EQ(reason_code(CodecError::invalid_qos), ReasonCode::MalformedPacket);
}

TEST(DecodePublish, DupOnQoS0IsRefused_MQTT_3_3_1_2)
{
    EXPECT_EQ(decode_error(hex("38 07 00 03 61 2f 62 68 69"), v311_from_client()), CodecError::dup_with_qos0);
}

TEST(DecodePublish, WildcardInTopicNameIsInvalid_MQTT_3_3_2_2)
{
    EXPECT_EQ(decode_error(hex("30 07 00 03 61 2f 2b 68 69"), v311_from_client()),
              CodecError::topic_name_invalid);
    EXPECT_EQ(decode_error(hex("30 08 00 03 61 2f 23 00 68 69"), v5_from_client()),
              CodecError::topic_name_invalid);
    EXPECT_EQ(reason_code(CodecError::topic_name_invalid), ReasonCode::TopicNameInvalid);
}

TEST(DecodePublish, NullCharacterInTopicIsMalformed_MQTT_1_5_4_2)
{
    EXPECT_EQ(decode_error(hex("30 05 00 03 61 00 62"), v311_from_client()), CodecError::null_character);
}

TEST(DecodePublish, IllFormedUtf8TopicIsMalformed_MQTT_1_5_4_1)
{
    EXPECT_EQ(decode_error(hex("30 05 00 03 61 ed a0"), v311_from_client()), CodecError::invalid_utf8);
    EXPECT_EQ(decode_error(hex("30 05 00 03 ed a0 80"), v311_from_client()), CodecError::invalid_utf8);
    EXPECT_EQ(reason_code(CodecError::invalid_utf8), ReasonCode::MalformedPacket);
}

TEST(DecodePublish, PacketIdZeroIsRefused_MQTT_2_2_1_3)
{
    EXPECT_EQ(decode_error(hex("32 07 00 03 61 2f 62 00 00"), v311_from_client()),
              CodecError::packet_id_zero);
    EXPECT_EQ(decode_error(hex("34 08 00 03 61 2f 62 00 00 00"), v5_from_client()),
              CodecError::packet_id_zero);
}

TEST(DecodePublish, MissingPacketIdIsMalformed)
{
    EXPECT_EQ(decode_error(hex("32 05 00 03 61 2f 62"), v311_from_client()), CodecError::truncated);
}

TEST(DecodePublish, TopicLengthPastTheEndIsMalformed)
{
    EXPECT_EQ(decode_error(hex("30 04 00 05 61 2f"), v311_from_client()), CodecError::truncated);
}

TEST(DecodePublish, SubscriptionIdentifierFromClientIsAProtocolError_MQTT_3_3_4_6)
{
    EXPECT_EQ(decode_error(hex("30 0a 00 03 61 2f 62 02 0b 01 68 69"), v5_from_client()),
              CodecError::subscription_id_from_client);
    EXPECT_EQ(reason_code(CodecError::subscription_id_from_client), ReasonCode::ProtocolError);
}

TEST(DecodePublish, ServerMayCarrySeveralSubscriptionIdentifiers_MQTT_3_3_4_3)
{
    EXPECT_EQ(decode_as<Publish>(hex("30 0a 00 03 61 2f 62 02 0b 01 68 69"), v5_from_server())
                  .properties.subscription_identifiers,
              (std::vector<std::uint32_t>{1}));
    EXPECT_EQ(decode_as<Publish>(hex("30 0b 00 03 61 2f 62 05 0b 01 0b 82 01"), v5_from_server())
                  .properties.subscription_identifiers,
              (std::vector<std::uint32_t>{1, 130}));
}

TEST(DecodePublish, SubscriptionIdentifierZeroIsAProtocolError)
{
    EXPECT_EQ(decode_error(hex("30 08 00 03 61 2f 62 02 0b 00"), v5_from_server()),
              CodecError::property_value_invalid);
}

TEST(DecodePublish, DuplicateTopicAliasIsAProtocolError)
{
    EXPECT_EQ(decode_error(hex("30 0c 00 03 61 2f 62 06 23 00 01 23 00 02"), v5_from_client()),
              CodecError::property_duplicate);
}

TEST(DecodePublish, TopicAliasZeroIsAProtocolError_MQTT_3_3_2_8)
{
    EXPECT_EQ(decode_error(hex("30 09 00 03 61 2f 62 03 23 00 00"), v5_from_client()),
              CodecError::property_value_invalid);
}

TEST(DecodePublish, PayloadFormatIndicator2IsAProtocolError)
{
    EXPECT_EQ(decode_error(hex("30 08 00 03 61 2f 62 02 01 02"), v5_from_client()),
              CodecError::property_value_invalid);
}

TEST(DecodePublish, PropertyNotAllowedInPublishIsMalformed_2_2_2_2)
{
    EXPECT_EQ(decode_error(hex("30 0b 00 03 61 2f 62 05 11 00 00 00 01"), v5_from_client()),
              CodecError::property_not_allowed);
    EXPECT_EQ(reason_code(CodecError::property_not_allowed), ReasonCode::MalformedPacket);
}

TEST(DecodePublish, UnknownPropertyIsMalformed_2_2_2_2)
{
    EXPECT_EQ(decode_error(hex("30 08 00 03 61 2f 62 02 05 00"), v5_from_client()),
              CodecError::property_unknown);
}

TEST(DecodePublish, PropertyLengthPastTheEndIsMalformed)
{
    EXPECT_EQ(decode_error(hex("30 07 00 03 61 2f 62 05 01"), v5_from_client()), CodecError::truncated);
}

TEST(DecodePublish, WildcardInResponseTopicIsInvalid_MQTT_3_3_2_14)
{
    EXPECT_EQ(decode_error(hex("30 0c 00 03 61 2f 62 06 08 00 03 72 2f 23"), v5_from_client()),
              CodecError::topic_name_invalid);
}

TEST(DecodePublishAck, AllFourAcks_311)
{
    EXPECT_EQ(decode_as<Puback>(hex("40 02 00 0a"), v311_from_client()).packet_id, 10);
    EXPECT_EQ(decode_as<Pubrec>(hex("50 02 00 0a"), v311_from_server()).packet_id, 10);
    EXPECT_EQ(decode_as<Pubrel>(hex("62 02 00 0a"), v311_from_client()).packet_id, 10);
    EXPECT_EQ(decode_as<Pubcomp>(hex("70 02 00 0a"), v311_from_server()).packet_id, 10);
}

TEST(DecodePublishAck, ExtraBytesAreMalformed_311)
{
    EXPECT_EQ(decode_error(hex("40 03 00 0a 00"), v311_from_client()), CodecError::trailing_bytes);
}

TEST(DecodePublishAck, PacketIdZeroIsRefused_MQTT_2_2_1_3)
{
    EXPECT_EQ(decode_error(hex("40 02 00 00"), v311_from_client()), CodecError::packet_id_zero);
}

TEST(DecodePublishAck, ShortFormMeansSuccess_5_MQTT_3_4_2_1)
{
    const auto a = decode_as<Puback>(hex("40 02 00 0a"), v5_from_client());
    EXPECT_EQ(a.packet_id, 10);
    EXPECT_EQ(a.reason, ReasonCode::Success);
}

TEST(DecodePublishAck, ReasonWithoutPropertyLength_5)
{
    EXPECT_EQ(decode_as<Puback>(hex("40 03 00 0a 10"), v5_from_server()).reason,
              ReasonCode::NoMatchingSubscribers);
    EXPECT_EQ(decode_as<Pubrec>(hex("50 04 00 0a 87 00"), v5_from_server()).reason,
              ReasonCode::NotAuthorized);
}

TEST(DecodePublishAck, ReasonString_5)
{
    const auto a = decode_as<Puback>(hex("40 09 00 0a 87 05 1f 00 02 6e 6f"), v5_from_server());
    EXPECT_EQ(a.reason, ReasonCode::NotAuthorized);
    EXPECT_EQ(a.properties.reason_string, "no");
}

TEST(DecodePublishAck, PubrelAndPubcompAcceptOnlySuccessAndPacketIdNotFound_5)
{
    EXPECT_EQ(decode_as<Pubrel>(hex("62 03 00 0a 92"), v5_from_client()).reason,
              ReasonCode::PacketIdentifierNotFound);
    EXPECT_EQ(decode_as<Pubcomp>(hex("70 03 00 0a 92"), v5_from_client()).reason,
              ReasonCode::PacketIdentifierNotFound);
    EXPECT_EQ(decode_error(hex("62 03 00 0a 10"), v5_from_client()), CodecError::reason_code_invalid);
    EXPECT_EQ(decode_error(hex("70 03 00 0a 80"), v5_from_client()), CodecError::reason_code_invalid);
}

TEST(DecodePublishAck, UndefinedReasonCodeIsRefused_5)
{
    EXPECT_EQ(decode_error(hex("40 03 00 0a 03"), v5_from_client()), CodecError::reason_code_invalid);
    EXPECT_EQ(decode_error(hex("50 03 00 0a 8f"), v5_from_client()), CodecError::reason_code_invalid);
}

TEST(DecodePublishAck, PropertyNotAllowedInAckIsMalformed_5)
{
    EXPECT_EQ(decode_error(hex("40 06 00 0a 00 02 01 01"), v5_from_client()),
              CodecError::property_not_allowed);
}

TEST(DecodePublishAck, TrailingBytesAfterPropertiesAreMalformed_5)
{
    EXPECT_EQ(decode_error(hex("40 05 00 0a 00 00 00"), v5_from_client()), CodecError::trailing_bytes);
}

}  // namespace
}  // namespace moatmq::codec::test
