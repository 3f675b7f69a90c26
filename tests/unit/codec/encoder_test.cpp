// The encoder writes exactly the spec's bytes: each expectation is a hand-checked hex vector.
#include <gtest/gtest.h>

#include "codec_test_support.hpp"

namespace moatmq::codec::test {
namespace {

constexpr auto v31 = ProtocolVersion::v31;
constexpr auto v311 = ProtocolVersion::v311;
constexpr auto v5 = ProtocolVersion::v5;

Connect minimal_connect(ProtocolVersion version)
{
    Connect c;
    c.version = version;
    c.client_id = "a";
    return c;
}

TEST(EncodeConnect, Minimal311)
{
    EXPECT_EQ(encode_hex(minimal_connect(v311), v311), "10 0d 00 04 4d 51 54 54 04 02 00 3c 00 01 61");
}

TEST(EncodeConnect, Minimal31UsesMQIsdpAndLevel3)
{
    EXPECT_EQ(encode_hex(minimal_connect(v31), v31), "10 0f 00 06 4d 51 49 73 64 70 03 02 00 3c 00 01 61");
}

TEST(EncodeConnect, Minimal5)
{
    EXPECT_EQ(encode_hex(minimal_connect(v5), v5), "10 0e 00 04 4d 51 54 54 05 02 00 3c 00 00 01 61");
}

TEST(EncodeConnect, ThePacketsOwnVersionDecides)
{
    EXPECT_EQ(encode_hex(minimal_connect(v311), v5), "10 0d 00 04 4d 51 54 54 04 02 00 3c 00 01 61");
}

TEST(EncodeConnect, Full311)
{
    Connect c;
    c.version = v311;
    c.keep_alive = 10;
    c.client_id = "c1";
    c.will = Will{"w", to_bytes("bye"), QoS::at_least_once, true, {}};
    c.username = "u";
    c.password = to_bytes("p");
    EXPECT_EQ(encode_hex(c, v311),
              "10 1c 00 04 4d 51 54 54 04 ee 00 0a 00 02 63 31 00 01 77 00 03 62 79 65 00 01 75 00 01 70");
}

TEST(EncodeConnect, Full5)
{
    Connect c;
    c.client_id = "c";
    c.properties.session_expiry_interval = 120;
    c.properties.receive_maximum = 10;
    c.will.emplace();
    c.will->topic = "t";
    c.will->payload = to_bytes("x");
    c.will->properties.will_delay_interval = 5;
    c.username = "u";
    EXPECT_EQ(
        encode_hex(c, v5),
        "10 25 00 04 4d 51 54 54 05 86 00 3c 08 11 00 00 00 78 21 00 0a 00 01 63 05 18 00 00 00 05 00 01 74"
        " 00 01 78 00 01 75");
}

TEST(EncodeConnack, Accepted311)
{
    EXPECT_EQ(encode_hex(Connack{}, v311), "20 02 00 00");
}

TEST(EncodeConnack, ReasonCodesMapToReturnCodes311)
{
    EXPECT_EQ(encode_hex(Connack{true, ReasonCode::Success, {}}, v311), "20 02 01 00");
    EXPECT_EQ(encode_hex(Connack{false, ReasonCode::UnsupportedProtocolVersion, {}}, v311), "20 02 00 01");
    EXPECT_EQ(encode_hex(Connack{false, ReasonCode::ClientIdentifierNotValid, {}}, v311), "20 02 00 02");
    EXPECT_EQ(encode_hex(Connack{false, ReasonCode::ServerUnavailable, {}}, v311), "20 02 00 03");
    EXPECT_EQ(encode_hex(Connack{false, ReasonCode::ServerBusy, {}}, v311), "20 02 00 03");
    EXPECT_EQ(encode_hex(Connack{false, ReasonCode::BadUserNameOrPassword, {}}, v311), "20 02 00 04");
    EXPECT_EQ(encode_hex(Connack{false, ReasonCode::NotAuthorized, {}}, v311), "20 02 00 05");
    EXPECT_EQ(encode_hex(Connack{false, ReasonCode::Banned, {}}, v311), "20 02 00 05");
}

TEST(EncodeConnack, Success5)
{
    EXPECT_EQ(encode_hex(Connack{}, v5), "20 03 00 00 00");
}

TEST(EncodeConnack, WithProperties5)
{
    Connack c;
    c.session_present = true;
    c.properties.assigned_client_identifier = "id";
    c.properties.topic_alias_maximum = 10;
    c.properties.maximum_qos = 1;
    EXPECT_EQ(encode_hex(c, v5), "20 0d 01 00 0a 12 00 02 69 64 22 00 0a 24 01");
}

TEST(EncodePublish, QoS0_311)
{
    Publish p = make_publish("a/b", to_bytes("hi"));
    EXPECT_EQ(encode_hex(p, v311), "30 07 00 03 61 2f 62 68 69");
}

TEST(EncodePublish, QoS1DupRetain_311)
{
    Publish p{"a/b", to_bytes("hi"), QoS::at_least_once, true, true, 10, {}};
    EXPECT_EQ(encode_hex(p, v311), "3b 09 00 03 61 2f 62 00 0a 68 69");
}

TEST(EncodePublish, PropertiesAreOmittedBefore5)
{
    Publish p = make_publish("a/b", to_bytes("hi"));
    p.properties.message_expiry_interval = 60;
    EXPECT_EQ(encode_hex(p, v311), "30 07 00 03 61 2f 62 68 69");
}

TEST(EncodePublish, QoS0_5)
{
    EXPECT_EQ(encode_hex(make_publish("a/b", to_bytes("hi")), v5), "30 08 00 03 61 2f 62 00 68 69");
}

TEST(EncodePublish, QoS2WithPropertiesInIdentifierOrder_5)
{
    Publish p{"a/b", to_bytes("hi"), QoS::exactly_once, false, false, 7, {}};
    p.properties.user_properties = {{"k", "v"}};  // 0x26: written after 0x01, 0x02, 0x23
    p.properties.topic_alias = 5;
    p.properties.message_expiry_interval = 60;
    p.properties.payload_format_indicator = 1;
    EXPECT_EQ(encode_hex(p, v5),
              "34 1b 00 03 61 2f 62 00 07 11 01 01 02 00 00 00 3c 23 00 05 26 00 01 6b 00 01 76 68 69");
}

TEST(EncodePublish, MultiByteRemainingLength)
{
    Publish p = make_publish("t", Bytes(200, std::byte{0x55}));
    Bytes out;
    ASSERT_TRUE(encode(p, v311, out));
    // 2 + 1 + 200 = 203 = 0xcb 0x01.
    ASSERT_EQ(out.size(), 206u);
    EXPECT_EQ(to_hex(ByteView{out}.first(6)), "30 cb 01 00 01 74");
}

TEST(EncodePublish, AppendsToExistingBytes)
{
    Bytes out = hex("ff");
    auto n = encode(make_publish("a/b", to_bytes("hi")), v311, out);
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 9u);
    EXPECT_EQ(to_hex(out), "ff 30 07 00 03 61 2f 62 68 69");
}

TEST(EncodePublish, TopicOver65535BytesFailsAndLeavesOutputAlone)
{
    Bytes out = hex("ff");
    auto n = encode(make_publish(std::string(65'536, 'a'), {}), v311, out);
    ASSERT_FALSE(n);
    EXPECT_EQ(n.error(), make_error_code(CodecError::field_too_long));
    EXPECT_EQ(to_hex(out), "ff");
}

TEST(EncodePublishAck, AllFour_311)
{
    EXPECT_EQ(encode_hex(make_ack<Puback>(10), v311), "40 02 00 0a");
    EXPECT_EQ(encode_hex(make_ack<Pubrec>(10), v311), "50 02 00 0a");
    EXPECT_EQ(encode_hex(make_ack<Pubrel>(10), v311), "62 02 00 0a");
    EXPECT_EQ(encode_hex(make_ack<Pubcomp>(10), v311), "70 02 00 0a");
    EXPECT_EQ(encode_hex(Puback{10, ReasonCode::NotAuthorized, {}}, v311),
              "40 02 00 0a");  // no reason in 3.1.1
}

TEST(EncodePublishAck, SuccessWithoutPropertiesIsTwoBytes_5_MQTT_3_4_2_1)
{
    EXPECT_EQ(encode_hex(make_ack<Puback>(10), v5), "40 02 00 0a");
    EXPECT_EQ(encode_hex(make_ack<Pubrec>(10), v5), "50 02 00 0a");
    EXPECT_EQ(encode_hex(make_ack<Pubrel>(10), v5), "62 02 00 0a");
    EXPECT_EQ(encode_hex(make_ack<Pubcomp>(10), v5), "70 02 00 0a");
}

TEST(EncodePublishAck, ReasonWithoutPropertiesOmitsThePropertyLength_5)
{
    EXPECT_EQ(encode_hex(Puback{10, ReasonCode::NoMatchingSubscribers, {}}, v5), "40 03 00 0a 10");
    EXPECT_EQ(encode_hex(Pubrel{10, ReasonCode::PacketIdentifierNotFound, {}}, v5), "62 03 00 0a 92");
}

TEST(EncodePublishAck, ReasonString_5)
{
    Puback a{10, ReasonCode::NotAuthorized, {}};
    a.properties.reason_string = "no";
    EXPECT_EQ(encode_hex(a, v5), "40 09 00 0a 87 05 1f 00 02 6e 6f");
}

TEST(EncodeSubscribe, TwoFilters_311)
{
    Subscribe s{2, {{"a/b", {}}, {"#", {QoS::exactly_once}}}, {}};
    EXPECT_EQ(encode_hex(s, v311), "82 0c 00 02 00 03 61 2f 62 00 00 01 23 02");
}

TEST(EncodeSubscribe, OptionBitsOf5AreDroppedBefore5)
{
    Subscribe s{1, {{"a/#", {QoS::at_least_once, true, true, RetainHandling::dont_send}}}, {}};
    EXPECT_EQ(encode_hex(s, v311), "82 08 00 01 00 03 61 2f 23 01");
}

TEST(EncodeSubscribe, OptionsAndSubscriptionIdentifier_5)
{
    Subscribe s{1, {{"a/#", {QoS::at_least_once, true, true, RetainHandling::dont_send}}}, {}};
    s.properties.subscription_identifiers = {5};
    EXPECT_EQ(encode_hex(s, v5), "82 0b 00 01 02 0b 05 00 03 61 2f 23 2d");
}

TEST(EncodeSubscribe, LargeSubscriptionIdentifierIsAVariableByteInteger)
{
    Subscribe s{1, {{"a", {}}}, {}};
    s.properties.subscription_identifiers = {268'435'455};
    EXPECT_EQ(encode_hex(s, v5), "82 0c 00 01 05 0b ff ff ff 7f 00 01 61 00");
}

TEST(EncodeSuback, FailureIs0x80_311_MQTT_3_9_3_2)
{
    Suback s{1, {ReasonCode::Success, ReasonCode::GrantedQoS1, ReasonCode::NotAuthorized}, {}};
    EXPECT_EQ(encode_hex(s, v311), "90 05 00 01 00 01 80");
}

TEST(EncodeSuback, ReasonCodes_5)
{
    Suback s{1, {ReasonCode::Success, ReasonCode::GrantedQoS2, ReasonCode::NotAuthorized}, {}};
    EXPECT_EQ(encode_hex(s, v5), "90 06 00 01 00 00 02 87");
}

TEST(EncodeUnsubscribe, BothVersions)
{
    Unsubscribe u{1, {"a/b"}, {}};
    EXPECT_EQ(encode_hex(u, v311), "a2 07 00 01 00 03 61 2f 62");
    EXPECT_EQ(encode_hex(u, v5), "a2 08 00 01 00 00 03 61 2f 62");
}

TEST(EncodeUnsuback, BothVersions)
{
    Unsuback u{1, {ReasonCode::Success, ReasonCode::NoSubscriptionExisted}, {}};
    EXPECT_EQ(encode_hex(u, v311), "b0 02 00 01");
    EXPECT_EQ(encode_hex(u, v5), "b0 05 00 01 00 00 11");
}

TEST(EncodePing, BothVersions)
{
    for (const auto v : {v311, v5}) {
        EXPECT_EQ(encode_hex(Pingreq{}, v), "c0 00");
        EXPECT_EQ(encode_hex(Pingresp{}, v), "d0 00");
    }
}

TEST(EncodeDisconnect, EmptyBefore5)
{
    EXPECT_EQ(encode_hex(Disconnect{ReasonCode::ServerBusy, {}}, v311), "e0 00");
}

TEST(EncodeDisconnect, NormalWithoutPropertiesHasRemainingLength0_5)
{
    EXPECT_EQ(encode_hex(Disconnect{}, v5), "e0 00");
}

TEST(EncodeDisconnect, ReasonOnly_5)
{
    EXPECT_EQ(encode_hex(Disconnect{ReasonCode::DisconnectWithWillMessage, {}}, v5), "e0 01 04");
}

TEST(EncodeDisconnect, WithProperties_5)
{
    Disconnect d;
    d.properties.session_expiry_interval = 10;
    EXPECT_EQ(encode_hex(d, v5), "e0 07 00 05 11 00 00 00 0a");
}

TEST(EncodeAuth, SuccessWithoutPropertiesHasRemainingLength0)
{
    EXPECT_EQ(encode_hex(Auth{}, v5), "f0 00");
}

TEST(EncodeAuth, ContinueWithMethodAndData)
{
    Auth a{ReasonCode::ContinueAuthentication, {}};
    a.properties.authentication_method = "SCRAM";
    a.properties.authentication_data = to_bytes("z");
    EXPECT_EQ(encode_hex(a, v5), "f0 0e 18 0c 15 00 05 53 43 52 41 4d 16 00 01 7a");
}

TEST(EncodeAuth, CannotBeEncodedBefore5)
{
    Bytes out;
    EXPECT_EQ(encode(Packet{Auth{}}, v311, out).error(), make_error_code(CodecError::reserved_packet_type));
    EXPECT_TRUE(out.empty());
}

TEST(EncodedSize, MatchesTheEncoding)
{
    Publish p{"a/b", Bytes(300, std::byte{1}), QoS::at_least_once, false, false, 1, {}};
    p.properties.content_type = "text/plain";
    for (const auto v : {v311, v5}) {
        Bytes out;
        ASSERT_TRUE(encode(Packet{p}, v, out));
        EXPECT_EQ(encoded_size(Packet{p}, v), out.size());
    }
}

}  // namespace
}  // namespace moatmq::codec::test
