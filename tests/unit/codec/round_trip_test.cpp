// encode -> decode gives back the same packet, for every packet type in 3.1, 3.1.1 and 5.0 and for
// every property; and decode -> encode gives back the same bytes for canonical encodings.
#include <gtest/gtest.h>

#include "codec_test_support.hpp"

namespace moatmq::codec::test {
namespace {

Sender sender_for(const Packet& p)
{
    switch (packet_type(p)) {
        case PacketType::connack:
        case PacketType::suback:
        case PacketType::unsuback:
        case PacketType::pingresp:
            return Sender::server;
        case PacketType::publish:
            // Only a server's PUBLISH may carry subscription identifiers [MQTT-3.3.4-6].
            return std::get<Publish>(p).properties.subscription_identifiers.empty() ? Sender::client
                                                                                    : Sender::server;
        default:
            return Sender::client;
    }
}

void expect_round_trip(const Packet& packet, ProtocolVersion version)
{
    SCOPED_TRACE(std::string(to_string(packet_type(packet))) + " v" +
                 std::to_string(static_cast<int>(version)));
    Bytes bytes;
    auto n = encode(packet, version, bytes);
    ASSERT_TRUE(n) << n.error().message();
    EXPECT_EQ(encoded_size(packet, version), bytes.size());
    auto decoded = decode(bytes, opts(version, sender_for(packet)));
    ASSERT_TRUE(decoded) << decoded.error().message() << " for " << to_hex(bytes);
    EXPECT_EQ(decoded->consumed, bytes.size());
    EXPECT_EQ(decoded->packet, packet) << to_hex(bytes);
    Bytes again;
    ASSERT_TRUE(encode(decoded->packet, version, again));
    EXPECT_EQ(to_hex(again), to_hex(bytes));
}

Properties every_message_property()
{
    Properties p;
    p.payload_format_indicator = 1;
    p.message_expiry_interval = 3600;
    p.content_type = "application/json";
    p.response_topic = "reply/to";
    p.correlation_data = to_bytes("\x01\x02");
    p.user_properties = {{"a", "1"}, {"b", "2"}, {"a", "3"}};
    return p;
}

std::vector<Packet> samples_311()
{
    Connect connect;
    connect.version = ProtocolVersion::v311;
    connect.clean_start = false;
    connect.keep_alive = 0;
    connect.client_id = "client-1";
    connect.will = Will{"last/will", to_bytes("gone"), QoS::exactly_once, true, {}};
    connect.username = "user";
    connect.password = to_bytes("s3cret");
    Connect bare;
    bare.version = ProtocolVersion::v311;
    bare.client_id = "";
    return {
        connect,
        bare,
        Connack{true, ReasonCode::Success, {}},
        Connack{false, ReasonCode::NotAuthorized, {}},
        Connack{false, ReasonCode::ServerUnavailable, {}},
        Publish{"a/b", to_bytes("payload"), QoS::at_most_once, true, false, 0, {}},
        Publish{"a/b", Bytes(1000, std::byte{7}), QoS::exactly_once, false, true, 65535, {}},
        make_ack<Puback>(1),
        make_ack<Pubrec>(2),
        make_ack<Pubrel>(3),
        make_ack<Pubcomp>(4),
        Subscribe{5, {{"a/+/c", {QoS::at_least_once}}, {"#", {}}, {"$SYS/#", {QoS::exactly_once}}}, {}},
        Suback{5, {ReasonCode::GrantedQoS1, ReasonCode::Success, ReasonCode::UnspecifiedError}, {}},
        Unsubscribe{6, {"a/+/c", "#"}, {}},
        Unsuback{6, {}, {}},
        Pingreq{},
        Pingresp{},
        Disconnect{},
    };
}

std::vector<Packet> samples_5()
{
    Connect connect;
    connect.keep_alive = 300;
    connect.client_id = "c5";
    connect.properties.session_expiry_interval = 60;
    connect.properties.receive_maximum = 20;
    connect.properties.maximum_packet_size = 65536;
    connect.properties.topic_alias_maximum = 10;
    connect.properties.request_response_information = 1;
    connect.properties.request_problem_information = 0;
    connect.properties.authentication_method = "SCRAM-SHA-256";
    connect.properties.authentication_data = to_bytes("n,,n=user,r=abc");
    connect.properties.user_properties = {{"k", "v"}};
    connect.will.emplace();
    connect.will->topic = "w/t";
    connect.will->payload = to_bytes("bye");
    connect.will->qos = QoS::at_least_once;
    connect.will->properties = every_message_property();
    connect.will->properties.will_delay_interval = 30;
    connect.password = to_bytes("pw");  // without a user name: allowed in 5.0

    Connack connack;
    connack.session_present = true;
    connack.properties.session_expiry_interval = 0;
    connack.properties.assigned_client_identifier = "auto-1";
    connack.properties.server_keep_alive = 100;
    connack.properties.authentication_method = "SCRAM-SHA-256";
    connack.properties.authentication_data = to_bytes("v=xyz");
    connack.properties.response_information = "resp";
    connack.properties.server_reference = "other:1883";
    connack.properties.reason_string = "welcome";
    connack.properties.receive_maximum = 65535;
    connack.properties.topic_alias_maximum = 5;
    connack.properties.maximum_qos = 1;
    connack.properties.retain_available = 0;
    connack.properties.maximum_packet_size = 1 << 20;
    connack.properties.wildcard_subscription_available = 1;
    connack.properties.subscription_identifier_available = 0;
    connack.properties.shared_subscription_available = 1;
    connack.properties.user_properties = {{"x", "y"}};

    Publish publish{"a/b", to_bytes("hello"), QoS::at_least_once, false, false, 9, every_message_property()};
    publish.properties.topic_alias = 2;
    Publish routed{"a/b", to_bytes("hello"), QoS::at_most_once, false, false, 0, {}};
    routed.properties.subscription_identifiers = {1, 268'435'455};
    Publish aliased{"", {}, QoS::at_most_once, false, false, 0, {}};
    aliased.properties.topic_alias = 7;

    Puback puback{1, ReasonCode::QuotaExceeded, {}};
    puback.properties.reason_string = "quota";
    puback.properties.user_properties = {{"q", "1"}};
    Subscribe subscribe{2,
                        {{"a/#", {QoS::exactly_once, true, true, RetainHandling::send_if_new}},
                         {"$share/g/x/+", {QoS::at_least_once, false, false, RetainHandling::dont_send}}},
                        {}};
    subscribe.properties.subscription_identifiers = {77};
    subscribe.properties.user_properties = {{"s", "t"}};
    Suback suback{2, {ReasonCode::GrantedQoS2, ReasonCode::SharedSubscriptionsNotSupported}, {}};
    suback.properties.reason_string = "partly";
    Unsubscribe unsubscribe{3, {"a/#", "$share/g/x/+"}, {}};
    unsubscribe.properties.user_properties = {{"u", "v"}};
    Unsuback unsuback{3, {ReasonCode::Success, ReasonCode::NoSubscriptionExisted}, {}};
    unsuback.properties.reason_string = "done";
    Disconnect disconnect{ReasonCode::DisconnectWithWillMessage, {}};
    disconnect.properties.session_expiry_interval = 10;
    disconnect.properties.reason_string = "bye";
    disconnect.properties.user_properties = {{"d", "e"}};
    Auth auth{ReasonCode::ReAuthenticate, {}};
    auth.properties.authentication_method = "SCRAM-SHA-256";
    auth.properties.authentication_data = to_bytes("c=biws");
    auth.properties.reason_string = "again";

    return {
        connect,
        Connect{},
        connack,
        Connack{false, ReasonCode::BadAuthenticationMethod, {}},
        publish,
        routed,
        aliased,
        Publish{"x", Bytes(70'000, std::byte{9}), QoS::exactly_once, true, true, 1, {}},
        make_ack<Puback>(1),
        puback,
        Pubrec{2, ReasonCode::PacketIdentifierInUse, {}},
        Pubrel{3, ReasonCode::PacketIdentifierNotFound, {}},
        make_ack<Pubcomp>(4),
        subscribe,
        suback,
        unsubscribe,
        unsuback,
        Pingreq{},
        Pingresp{},
        Disconnect{},
        Disconnect{ReasonCode::MessageRateTooHigh, {}},
        disconnect,
        Auth{},
        auth,
    };
}

TEST(RoundTrip, EveryPacketType_311)
{
    for (const auto& p : samples_311())
        expect_round_trip(p, ProtocolVersion::v311);
}

TEST(RoundTrip, EveryPacketType_31)
{
    for (auto p : samples_311()) {
        if (auto* c = std::get_if<Connect>(&p)) {
            c->version = ProtocolVersion::v31;
            if (c->client_id.empty()) c->client_id.push_back('x');  // 3.1 needs 1..23 characters
        }
        expect_round_trip(p, ProtocolVersion::v31);
    }
}

TEST(RoundTrip, EveryPacketTypeAndProperty_5)
{
    for (const auto& p : samples_5())
        expect_round_trip(p, ProtocolVersion::v5);
}

TEST(RoundTrip, EveryReasonCodeAllowedInDisconnectFromTheServer_5)
{
    for (int code = 0; code < 256; ++code) {
        const Bytes bytes{std::byte{0xe0}, std::byte{0x01}, static_cast<std::byte>(code)};
        auto decoded = decode(bytes, v5_from_server());
        if (!decoded) continue;
        ASSERT_TRUE(is_defined(static_cast<std::uint8_t>(code))) << code;
        Bytes again;
        ASSERT_TRUE(encode(decoded->packet, ProtocolVersion::v5, again));
        EXPECT_EQ(to_hex(again), code == 0 ? "e0 00" : to_hex(bytes));
    }
}

}  // namespace
}  // namespace moatmq::codec::test
