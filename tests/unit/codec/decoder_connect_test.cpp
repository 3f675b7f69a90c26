// CONNECT (§3.1) and CONNACK (§3.2) in MQTT 3.1, 3.1.1 and 5.0.
#include <gtest/gtest.h>

#include "codec_test_support.hpp"

namespace moatmq::codec::test {
namespace {

// "MQTT" 4, clean session, keep alive 60, client id "a".
constexpr const char* kMinimal311 = "10 0d 00 04 4d 51 54 54 04 02 00 3c 00 01 61";

TEST(DecodeConnect, Minimal311)
{
    const auto c = decode_as<Connect>(hex(kMinimal311), v5_from_client());  // options.version is ignored
    EXPECT_EQ(c.version, ProtocolVersion::v311);
    EXPECT_TRUE(c.clean_start);
    EXPECT_EQ(c.keep_alive, 60);
    EXPECT_EQ(c.client_id, "a");
    EXPECT_FALSE(c.will);
    EXPECT_FALSE(c.username);
    EXPECT_FALSE(c.password);
    EXPECT_TRUE(c.properties.empty());
}

TEST(DecodeConnect, Minimal31UsesMQIsdp)
{
    const auto c =
        decode_as<Connect>(hex("10 0f 00 06 4d 51 49 73 64 70 03 02 00 3c 00 01 61"), v311_from_client());
    EXPECT_EQ(c.version, ProtocolVersion::v31);
    EXPECT_EQ(c.client_id, "a");
}

TEST(DecodeConnect, Minimal5HasAnEmptyPropertyBlock)
{
    const auto c =
        decode_as<Connect>(hex("10 0e 00 04 4d 51 54 54 05 02 00 3c 00 00 01 61"), v311_from_client());
    EXPECT_EQ(c.version, ProtocolVersion::v5);
    EXPECT_EQ(c.client_id, "a");
}

TEST(DecodeConnect, Full311WithWillUserNameAndPassword)
{
    // flags 0xEE: user name, password, will retain, will QoS 1, will, clean session.
    const auto c =
        decode_as<Connect>(hex("10 1c 00 04 4d 51 54 54 04 ee 00 0a 00 02 63 31 00 01 77 00 03 62 79 65"
                               " 00 01 75 00 01 70"),
                           v311_from_client());
    EXPECT_EQ(c.keep_alive, 10);
    EXPECT_EQ(c.client_id, "c1");
    ASSERT_TRUE(c.will);
    EXPECT_EQ(c.will->topic, "w");
    EXPECT_EQ(c.will->payload, to_bytes("bye"));
    EXPECT_EQ(c.will->qos, QoS::at_least_once);
    EXPECT_TRUE(c.will->retain);
    EXPECT_EQ(c.username, "u");
    EXPECT_EQ(c.password, to_bytes("p"));
}

TEST(DecodeConnect, Full5WithPropertiesAndWillProperties)
{
    const auto c = decode_as<Connect>(hex("10 25 00 04 4d 51 54 54 05 86 00 3c 08 11 00 00 00 78 21 00 0a"
                                          " 00 01 63 05 18 00 00 00 05 00 01 74 00 01 78 00 01 75"),
                                      v5_from_client());
    EXPECT_EQ(c.properties.session_expiry_interval, 120u);
    EXPECT_EQ(c.properties.receive_maximum, 10);
    EXPECT_EQ(c.client_id, "c");
    ASSERT_TRUE(c.will);
    EXPECT_EQ(c.will->properties.will_delay_interval, 5u);
    EXPECT_EQ(c.will->topic, "t");
    EXPECT_EQ(c.will->payload, to_bytes("x"));
    EXPECT_EQ(c.will->qos, QoS::at_most_once);
    EXPECT_EQ(c.username, "u");
}

TEST(DecodeConnect, UnknownProtocolNameIsRefused_MQTT_3_1_2_1)
{
    EXPECT_EQ(decode_error(hex("10 0d 00 04 4d 51 54 58 04 02 00 3c 00 01 61"), v5_from_client()),
              CodecError::invalid_protocol_name);
    EXPECT_EQ(reason_code(CodecError::invalid_protocol_name), ReasonCode::UnsupportedProtocolVersion);
}

TEST(DecodeConnect, UnsupportedLevelIsRefused_MQTT_3_1_2_2)
{
    EXPECT_EQ(decode_error(hex("10 0d 00 04 4d 51 54 54 06 02 00 3c 00 01 61"), v5_from_client()),
              CodecError::unsupported_protocol_version);
    // "MQTT" is 3.1.1/5.0 only; "MQIsdp" is 3.1 only.
    EXPECT_EQ(decode_error(hex("10 0d 00 04 4d 51 54 54 03 02 00 3c 00 01 61"), v5_from_client()),
              CodecError::unsupported_protocol_version);
    EXPECT_EQ(decode_error(hex("10 0f 00 06 4d 51 49 73 64 70 04 02 00 3c 00 01 61"), v5_from_client()),
              CodecError::unsupported_protocol_version);
    EXPECT_EQ(reason_code(CodecError::unsupported_protocol_version), ReasonCode::UnsupportedProtocolVersion);
    EXPECT_EQ(to_connect_return_code(reason_code(CodecError::unsupported_protocol_version)),
              ConnectReturnCode311::UnacceptableProtocolVersion);
}

TEST(DecodeConnect, PeekVersionIsLenientAboutTheRest)
{
    EXPECT_EQ(peek_connect_version(hex("10 0d 00 04 4d 51 54 54 04 03")),
              ProtocolVersion::v311);  // bad flags
    EXPECT_EQ(peek_connect_version(hex("10 0e 00 04 4d 51 54 54 05")), ProtocolVersion::v5);
    EXPECT_EQ(peek_connect_version(hex("10 0f 00 06 4d 51 49 73 64 70 03")), ProtocolVersion::v31);
    EXPECT_EQ(peek_connect_version(hex("10 0d 00 04 4d 51 54 54 07")), std::nullopt);
    EXPECT_EQ(peek_connect_version(hex("10 0d 00 04 4d 51")), std::nullopt);
    EXPECT_EQ(peek_connect_version(hex("30 00")), std::nullopt);
}

TEST(DecodeConnect, ReservedFlagIsMalformed_MQTT_3_1_2_3)
{
    EXPECT_EQ(decode_error(hex("10 0d 00 04 4d 51 54 54 04 03 00 3c 00 01 61"), v5_from_client()),
              CodecError::connect_reserved_flag);
    EXPECT_EQ(reason_code(CodecError::connect_reserved_flag), ReasonCode::MalformedPacket);
}

TEST(DecodeConnect, WillQoSWithoutWillFlagIsMalformed_MQTT_3_1_2_11)
{
    EXPECT_EQ(decode_error(hex("10 0d 00 04 4d 51 54 54 04 0a 00 3c 00 01 61"), v5_from_client()),
              CodecError::will_flags_inconsistent);
}

TEST(DecodeConnect, WillRetainWithoutWillFlagIsMalformed_MQTT_3_1_2_13)
{
    EXPECT_EQ(decode_error(hex("10 0d 00 04 4d 51 54 54 04 22 00 3c 00 01 61"), v5_from_client()),
              CodecError::will_flags_inconsistent);
}

TEST(DecodeConnect, WillQoS3IsMalformed_MQTT_3_1_2_12)
{
    EXPECT_EQ(
        decode_error(hex("10 13 00 04 4d 51 54 54 04 1e 00 3c 00 01 61 00 01 77 00 01 78"), v5_from_client()),
        CodecError::will_flags_inconsistent);
}

TEST(DecodeConnect, PasswordWithoutUserNameIsMalformedIn311_MQTT_3_1_2_22)
{
    EXPECT_EQ(decode_error(hex("10 10 00 04 4d 51 54 54 04 42 00 3c 00 01 61 00 01 70"), v5_from_client()),
              CodecError::password_without_username);
}

TEST(DecodeConnect, PasswordWithoutUserNameIsAllowedIn5)
{
    const auto c =
        decode_as<Connect>(hex("10 11 00 04 4d 51 54 54 05 42 00 3c 00 00 01 61 00 01 70"), v5_from_client());
    EXPECT_FALSE(c.username);
    EXPECT_EQ(c.password, to_bytes("p"));
}

TEST(DecodeConnect, EmptyClientIdWithoutCleanSessionIsRejected_MQTT_3_1_3_8)
{
    EXPECT_EQ(decode_error(hex("10 0c 00 04 4d 51 54 54 04 00 00 3c 00 00"), v5_from_client()),
              CodecError::client_id_invalid);
    EXPECT_EQ(to_connect_return_code(reason_code(CodecError::client_id_invalid)),
              ConnectReturnCode311::IdentifierRejected);
    // With clean session the server assigns one [MQTT-3.1.3-6].
    EXPECT_EQ(
        decode_as<Connect>(hex("10 0c 00 04 4d 51 54 54 04 02 00 3c 00 00"), v5_from_client()).client_id, "");
}

TEST(DecodeConnect, ClientIdOf31MustBe1To23Bytes)
{
    EXPECT_EQ(decode_error(hex("10 0e 00 06 4d 51 49 73 64 70 03 02 00 3c 00 00"), v5_from_client()),
              CodecError::client_id_invalid);
    const std::string header = "10 26 00 06 4d 51 49 73 64 70 03 02 00 3c 00 18";  // 24-byte client id
    std::string id24;
    for (int i = 0; i < 24; ++i)
        id24 += " 61";
    EXPECT_EQ(decode_error(hex(header + id24), v5_from_client()), CodecError::client_id_invalid);
}

TEST(DecodeConnect, InvalidUtf8ClientIdIsMalformed_MQTT_1_5_4_1)
{
    EXPECT_EQ(decode_error(hex("10 0d 00 04 4d 51 54 54 04 02 00 3c 00 01 ff"), v5_from_client()),
              CodecError::invalid_utf8);
}

TEST(DecodeConnect, NullInUserNameIsMalformed_MQTT_1_5_4_2)
{
    EXPECT_EQ(decode_error(hex("10 10 00 04 4d 51 54 54 04 82 00 3c 00 01 61 00 01 00"), v5_from_client()),
              CodecError::null_character);
}

TEST(DecodeConnect, WildcardInWillTopicIsInvalid_MQTT_3_3_2_2)
{
    EXPECT_EQ(
        decode_error(hex("10 13 00 04 4d 51 54 54 04 06 00 3c 00 01 61 00 01 23 00 01 78"), v5_from_client()),
        CodecError::topic_name_invalid);
}

TEST(DecodeConnect, TrailingBytesAreMalformed)
{
    EXPECT_EQ(decode_error(hex("10 0e 00 04 4d 51 54 54 04 02 00 3c 00 01 61 00"), v5_from_client()),
              CodecError::trailing_bytes);
}

TEST(DecodeConnect, FieldPastTheEndIsMalformed)
{
    EXPECT_EQ(decode_error(hex("10 0d 00 04 4d 51 54 54 04 02 00 3c 00 05 61"), v5_from_client()),
              CodecError::truncated);
    EXPECT_EQ(decode_error(hex("10 0d 00 04 4d 51 54 54 04 86 00 3c 00 01 61"), v5_from_client()),
              CodecError::truncated);  // will and user name flags, no fields
}

TEST(DecodeConnect, PropertyNotAllowedInConnectIsMalformed_MQTT_2_2_2)
{
    // Topic Alias (0x23) belongs to PUBLISH.
    EXPECT_EQ(decode_error(hex("10 11 00 04 4d 51 54 54 05 02 00 3c 03 23 00 01 00 01 61"), v5_from_client()),
              CodecError::property_not_allowed);
    // Will Delay Interval belongs to the will properties, not the CONNECT's.
    EXPECT_EQ(
        decode_error(hex("10 13 00 04 4d 51 54 54 05 02 00 3c 05 18 00 00 00 01 00 01 61"), v5_from_client()),
        CodecError::property_not_allowed);
}

TEST(DecodeConnect, AuthenticationDataWithoutMethodIsAProtocolError)
{
    EXPECT_EQ(
        decode_error(hex("10 12 00 04 4d 51 54 54 05 02 00 3c 04 16 00 01 78 00 01 61"), v5_from_client()),
        CodecError::property_value_invalid);
}

TEST(DecodeConnect, ReceiveMaximumZeroIsAProtocolError)
{
    EXPECT_EQ(decode_error(hex("10 11 00 04 4d 51 54 54 05 02 00 3c 03 21 00 00 00 01 61"), v5_from_client()),
              CodecError::property_value_invalid);
    EXPECT_EQ(reason_code(CodecError::property_value_invalid), ReasonCode::ProtocolError);
}

TEST(DecodeConnack, Accepted311)
{
    const auto c = decode_as<Connack>(hex("20 02 00 00"), v311_from_server());
    EXPECT_FALSE(c.session_present);
    EXPECT_EQ(c.reason, ReasonCode::Success);
}

TEST(DecodeConnack, ReturnCodesMapTo5ReasonCodes311)
{
    EXPECT_EQ(decode_as<Connack>(hex("20 02 01 00"), v311_from_server()).session_present, true);
    EXPECT_EQ(decode_as<Connack>(hex("20 02 00 01"), v311_from_server()).reason,
              ReasonCode::UnsupportedProtocolVersion);
    EXPECT_EQ(decode_as<Connack>(hex("20 02 00 02"), v311_from_server()).reason,
              ReasonCode::ClientIdentifierNotValid);
    EXPECT_EQ(decode_as<Connack>(hex("20 02 00 03"), v311_from_server()).reason,
              ReasonCode::ServerUnavailable);
    EXPECT_EQ(decode_as<Connack>(hex("20 02 00 04"), v311_from_server()).reason,
              ReasonCode::BadUserNameOrPassword);
    EXPECT_EQ(decode_as<Connack>(hex("20 02 00 05"), v311_from_server()).reason, ReasonCode::NotAuthorized);
}

TEST(DecodeConnack, ReturnCodeAbove5IsRefused311)
{
    EXPECT_EQ(decode_error(hex("20 02 00 06"), v311_from_server()), CodecError::reason_code_invalid);
}

TEST(DecodeConnack, ReservedAcknowledgeFlagsAreMalformed_MQTT_3_2_2_1)
{
    EXPECT_EQ(decode_error(hex("20 02 02 00"), v311_from_server()), CodecError::connack_flags_reserved);
    EXPECT_EQ(decode_error(hex("20 03 80 00 00"), v5_from_server()), CodecError::connack_flags_reserved);
}

TEST(DecodeConnack, Success5)
{
    const auto c = decode_as<Connack>(hex("20 03 00 00 00"), v5_from_server());
    EXPECT_EQ(c.reason, ReasonCode::Success);
    EXPECT_TRUE(c.properties.empty());
}

TEST(DecodeConnack, NotAuthorized5)
{
    EXPECT_EQ(decode_as<Connack>(hex("20 03 00 87 00"), v5_from_server()).reason, ReasonCode::NotAuthorized);
}

TEST(DecodeConnack, WithProperties5)
{
    const auto c = decode_as<Connack>(hex("20 0d 01 00 0a 12 00 02 69 64 22 00 0a 24 01"), v5_from_server());
    EXPECT_TRUE(c.session_present);
    EXPECT_EQ(c.properties.assigned_client_identifier, "id");
    EXPECT_EQ(c.properties.topic_alias_maximum, 10);
    EXPECT_EQ(c.properties.maximum_qos, 1);
}

TEST(DecodeConnack, ReasonCodeNotAllowedInConnackIsRefused5)
{
    EXPECT_EQ(decode_error(hex("20 03 00 10 00"), v5_from_server()), CodecError::reason_code_invalid);
    EXPECT_EQ(decode_error(hex("20 03 00 05 00"), v5_from_server()), CodecError::reason_code_invalid);
}

TEST(DecodeConnack, MaximumQoS2IsAProtocolError5)
{
    EXPECT_EQ(decode_error(hex("20 05 00 00 02 24 02"), v5_from_server()),
              CodecError::property_value_invalid);
}

TEST(DecodeConnack, DuplicatePropertyIsAProtocolError5)
{
    EXPECT_EQ(decode_error(hex("20 07 00 00 04 24 01 24 00"), v5_from_server()),
              CodecError::property_duplicate);
    EXPECT_EQ(reason_code(CodecError::property_duplicate), ReasonCode::ProtocolError);
}

}  // namespace
}  // namespace moatmq::codec::test
