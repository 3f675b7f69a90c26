// PINGREQ, PINGRESP (§3.12, §3.13), DISCONNECT (§3.14) and AUTH (§3.15).
#include <gtest/gtest.h>

#include "codec_test_support.hpp"

namespace moatmq::codec::test {
namespace {

TEST(DecodePing, RequestAndResponseInBothVersions)
{
    for (const auto v : {ProtocolVersion::v311, ProtocolVersion::v5}) {
        decode_as<Pingreq>(hex("c0 00"), opts(v, Sender::client));
        decode_as<Pingresp>(hex("d0 00"), opts(v, Sender::server));
    }
}

TEST(DecodePing, BodyIsMalformed)
{
    EXPECT_EQ(decode_error(hex("c0 01 00"), v311_from_client()), CodecError::trailing_bytes);
    EXPECT_EQ(decode_error(hex("d0 01 00"), v5_from_server()), CodecError::trailing_bytes);
}

TEST(DecodeDisconnect, Empty_311)
{
    decode_as<Disconnect>(hex("e0 00"), v311_from_client());
}

TEST(DecodeDisconnect, BodyIsMalformed_311)
{
    EXPECT_EQ(decode_error(hex("e0 01 00"), v311_from_client()), CodecError::trailing_bytes);
}

TEST(DecodeDisconnect, EmptyMeansNormalDisconnection_5)
{
    EXPECT_EQ(decode_as<Disconnect>(hex("e0 00"), v5_from_client()).reason, NormalDisconnection);
    EXPECT_EQ(decode_as<Disconnect>(hex("e0 00"), v5_from_server()).reason, NormalDisconnection);
}

TEST(DecodeDisconnect, ReasonOnly_5)
{
    EXPECT_EQ(decode_as<Disconnect>(hex("e0 01 04"), v5_from_client()).reason,
              ReasonCode::DisconnectWithWillMessage);
    EXPECT_EQ(decode_as<Disconnect>(hex("e0 01 8b"), v5_from_server()).reason,
              ReasonCode::ServerShuttingDown);
}

TEST(DecodeDisconnect, ReasonCodesAreCheckedAgainstTheSender_5)
{
    // 0x04 is the client's; 0x8B the server's (Table 3-10).
    EXPECT_EQ(decode_error(hex("e0 01 04"), v5_from_server()), CodecError::reason_code_invalid);
    EXPECT_EQ(decode_error(hex("e0 01 8b"), v5_from_client()), CodecError::reason_code_invalid);
    EXPECT_EQ(decode_error(hex("e0 01 01"), v5_from_client()), CodecError::reason_code_invalid);
}

TEST(DecodeDisconnect, SessionExpiryFromClient_5)
{
    const auto d = decode_as<Disconnect>(hex("e0 07 00 05 11 00 00 00 0a"), v5_from_client());
    EXPECT_EQ(d.properties.session_expiry_interval, 10u);
}

TEST(DecodeDisconnect, SessionExpiryFromServerIsRefused_MQTT_3_14_2_2)
{
    EXPECT_EQ(decode_error(hex("e0 07 00 05 11 00 00 00 0a"), v5_from_server()),
              CodecError::property_not_allowed);
}

TEST(DecodeDisconnect, ServerReferenceFromServer_5)
{
    const auto d = decode_as<Disconnect>(hex("e0 06 9c 04 1c 00 01 78"), v5_from_server());
    EXPECT_EQ(d.reason, ReasonCode::UseAnotherServer);
    EXPECT_EQ(d.properties.server_reference, "x");
}

TEST(DecodeAuth, EmptyMeansSuccess_5)
{
    const auto a = decode_as<Auth>(hex("f0 00"), v5_from_client());
    EXPECT_EQ(a.reason, ReasonCode::Success);
    EXPECT_TRUE(a.properties.empty());
}

TEST(DecodeAuth, ContinueWithMethodAndData_5)
{
    const auto a = decode_as<Auth>(hex("f0 0e 18 0c 15 00 05 53 43 52 41 4d 16 00 01 7a"), v5_from_server());
    EXPECT_EQ(a.reason, ReasonCode::ContinueAuthentication);
    EXPECT_EQ(a.properties.authentication_method, "SCRAM");
    EXPECT_EQ(a.properties.authentication_data, to_bytes("z"));
}

TEST(DecodeAuth, ReasonCodeOutsideAuthsIsRefused_5)
{
    EXPECT_EQ(decode_error(hex("f0 02 87 00"), v5_from_client()), CodecError::reason_code_invalid);
}

TEST(DecodeAuth, DuplicateAuthenticationMethodIsAProtocolError_5)
{
    EXPECT_EQ(decode_error(hex("f0 0a 18 08 15 00 01 61 15 00 01 62"), v5_from_client()),
              CodecError::property_duplicate);
}

}  // namespace
}  // namespace moatmq::codec::test
