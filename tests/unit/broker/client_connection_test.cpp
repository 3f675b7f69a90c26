// The connection handshake and per-connection rules: CONNECT/CONNACK for 3.1.1 and 5.0, client id
// assignment, keep alive, connect timeout, malformed input, Maximum Packet Size, topic aliases.
#include "broker/client_connection.hpp"

#include "broker_test_support.hpp"

namespace moatmq::broker::test {
namespace {

using codec::ProtocolVersion;
using codec::QoS;
using codec::ReasonCode;

// Every client has a ClientConnection, allocated with its control block (make_shared, broker.cpp):
// 240 bytes or less keeps both in mimalloc's 256-byte class (issue #5: memory per idle connection);
// one more field would move every connection to the 320-byte class.
TEST(ClientConnectionSize, FitsWithItsControlBlockInTheAllocators256ByteClass)
{
    EXPECT_LE(sizeof(ClientConnection), 240U);
}

class ClientConnectionTest : public BrokerTest {};

TEST_F(ClientConnectionTest, Connect311IsAcceptedWithoutProperties)
{
    auto& c = client311();
    auto connack = c.connect("alice");
    EXPECT_EQ(connack.reason, ReasonCode::Success);
    EXPECT_FALSE(connack.session_present);
    EXPECT_TRUE(connack.properties.empty());
    EXPECT_FALSE(c.link().closed());
    EXPECT_EQ(broker().stats().clients_connected.load(), 1u);
}

TEST_F(ClientConnectionTest, Connect5AnnouncesLimitsInConnack)
{
    options_.receive_maximum = 50;
    options_.topic_alias_maximum = 7;
    options_.max_packet_size = 4096;
    options_.maximum_qos = QoS::at_least_once;
    options_.retain_available = false;
    options_.shared_subscription_available = false;
    auto connack = client().connect("alice");
    EXPECT_EQ(connack.reason, ReasonCode::Success);
    const auto& p = connack.properties;
    EXPECT_EQ(p.receive_maximum, 50);
    EXPECT_EQ(p.topic_alias_maximum, 7);
    EXPECT_EQ(p.maximum_packet_size, 4096u);
    EXPECT_EQ(p.maximum_qos, 1);
    EXPECT_EQ(p.retain_available, 0);
    EXPECT_EQ(p.shared_subscription_available, 0);
    EXPECT_FALSE(p.wildcard_subscription_available.has_value());  // absent means available
    EXPECT_FALSE(p.assigned_client_identifier.has_value());
}

TEST_F(ClientConnectionTest, EmptyClientIdIsAssignedIn5)  // [MQTT-3.2.2-16]
{
    auto connack = client().connect("");
    EXPECT_EQ(connack.reason, ReasonCode::Success);
    ASSERT_TRUE(connack.properties.assigned_client_identifier.has_value());
    EXPECT_FALSE(connack.properties.assigned_client_identifier->empty());
    auto second = client().connect("");
    EXPECT_NE(second.properties.assigned_client_identifier, connack.properties.assigned_client_identifier);
}

TEST_F(ClientConnectionTest, EmptyClientIdWithCleanSessionIsAcceptedIn311)  // [MQTT-3.1.3-6]
{
    auto& c = client311();
    EXPECT_EQ(c.connect("", true).reason, ReasonCode::Success);
    EXPECT_FALSE(c.link().closed());
}

TEST_F(ClientConnectionTest, EmptyClientIdWithoutCleanSessionIsRejectedIn311)  // [MQTT-3.1.3-8]
{
    auto& c = client311();
    auto connack = c.connect("", false);
    // 3.1.1 return code 2, identifier rejected.
    EXPECT_EQ(codec::to_connect_return_code(connack.reason), codec::ConnectReturnCode311::IdentifierRejected);
    EXPECT_TRUE(c.link().closed());
}

TEST_F(ClientConnectionTest, ServerKeepAliveCapsTheClientsIn5)  // [MQTT-3.2.2-21]
{
    options_.max_keep_alive = 30;
    auto& c = client();
    codec::Connect connect;
    connect.client_id = "k";
    connect.keep_alive = 0;
    auto connack = c.connect(connect);
    EXPECT_EQ(connack.properties.server_keep_alive, 30);
    advance(44s);
    EXPECT_FALSE(c.link().closed());
    advance(2s);  // 1.5 x 30 s of silence
    EXPECT_TRUE(c.link().closed());
}

TEST_F(ClientConnectionTest, KeepAliveClosesAfterOneAndAHalfTimesOfSilence)  // [MQTT-3.1.2-24]
{
    auto& c = client();
    codec::Connect connect;
    connect.client_id = "k";
    connect.keep_alive = 10;
    c.connect(connect);
    advance(14s);
    c.send(codec::Pingreq{});
    EXPECT_EQ(c.received_of<codec::Pingresp>().size(), 1u);
    advance(14s);  // 14 s since the PINGREQ
    EXPECT_FALSE(c.link().closed());
    advance(1s);
    EXPECT_TRUE(c.closed_notified());
    auto disconnects = c.received_of<codec::Disconnect>();
    ASSERT_EQ(disconnects.size(), 1u);
    EXPECT_EQ(disconnects[0].reason, ReasonCode::KeepAliveTimeout);
    EXPECT_EQ(c.link().close_reason(), "keep alive timeout");  // the transport's "connection closed" line
}

TEST_F(ClientConnectionTest, ConnectionWithoutConnectIsClosedAfterTheTimeout)
{
    options_.connect_timeout = 10s;
    auto& c = client();
    ASSERT_TRUE(c.connection().next_deadline().has_value());
    advance(9s);
    EXPECT_FALSE(c.link().closed());
    advance(1s);
    EXPECT_TRUE(c.link().closed());
    EXPECT_EQ(c.link().close_reason(), "no CONNECT within the connect timeout");
    EXPECT_TRUE(c.received().empty());
}

TEST_F(ClientConnectionTest, FirstPacketOtherThanConnectCloses)  // [MQTT-3.1.0-1]
{
    auto& c = client();
    c.send(codec::Pingreq{});
    EXPECT_TRUE(c.link().closed());
    EXPECT_TRUE(c.received().empty());
}

TEST_F(ClientConnectionTest, SecondConnectIsAProtocolError)  // [MQTT-3.1.0-2]
{
    auto& c = client();
    c.connect("a");
    codec::Connect again;
    again.client_id = "a";
    c.send(again);
    auto disconnects = c.received_of<codec::Disconnect>();
    ASSERT_EQ(disconnects.size(), 1u);
    EXPECT_EQ(disconnects[0].reason, ReasonCode::ProtocolError);
    EXPECT_TRUE(c.link().closed());
}

TEST_F(ClientConnectionTest, MalformedPacketIn5SendsDisconnectWithTheCodecsReason)
{
    auto& c = client();
    c.connect("a");
    // PUBLISH QoS 3 is malformed [MQTT-3.3.1-4].
    const std::byte bad[] = {std::byte{0x36}, std::byte{0x05}, std::byte{0x00}, std::byte{0x01},
                             std::byte{'t'},  std::byte{0x00}, std::byte{0x01}};
    c.send_raw(bad);
    auto disconnects = c.received_of<codec::Disconnect>();
    ASSERT_EQ(disconnects.size(), 1u);
    EXPECT_EQ(disconnects[0].reason, codec::reason_code(codec::CodecError::invalid_qos));
    EXPECT_TRUE(c.link().closed());
}

TEST_F(ClientConnectionTest, MalformedPacketIn311JustCloses)
{
    auto& c = client311();
    c.connect("a");
    const std::byte bad[] = {std::byte{0x36}, std::byte{0x05}, std::byte{0x00}, std::byte{0x01},
                             std::byte{'t'},  std::byte{0x00}, std::byte{0x01}};
    c.send_raw(bad);
    EXPECT_TRUE(c.received().empty());
    EXPECT_TRUE(c.link().closed());
}

TEST_F(ClientConnectionTest, UnsupportedProtocolLevelGetsReturnCode1)  // [MQTT-3.1.2-2]
{
    auto& c = client311();
    // CONNECT "MQTT" level 9.
    const std::byte connect[] = {std::byte{0x10}, std::byte{0x0c}, std::byte{0x00}, std::byte{0x04},
                                 std::byte{'M'},  std::byte{'Q'},  std::byte{'T'},  std::byte{'T'},
                                 std::byte{0x09}, std::byte{0x02}, std::byte{0x00}, std::byte{0x00},
                                 std::byte{0x00}, std::byte{0x00}};
    c.send_raw(connect);
    auto connacks = c.received_of<codec::Connack>();
    ASSERT_EQ(connacks.size(), 1u);
    EXPECT_EQ(codec::to_connect_return_code(connacks[0].reason),
              codec::ConnectReturnCode311::UnacceptableProtocolVersion);
    EXPECT_TRUE(c.link().closed());
}

TEST_F(ClientConnectionTest, OversizePacketIsRefusedWithPacketTooLarge)  // [MQTT-3.2.2-15]
{
    options_.max_packet_size = 64;
    auto& c = client();
    c.connect("a");
    c.publish("t", std::string(100, 'x'));
    auto disconnects = c.received_of<codec::Disconnect>();
    ASSERT_EQ(disconnects.size(), 1u);
    EXPECT_EQ(disconnects[0].reason, ReasonCode::PacketTooLarge);
}

TEST_F(ClientConnectionTest, NeverSendsMoreThanTheClientsMaximumPacketSize)  // [MQTT-3.1.2-25]
{
    auto& sub = client();
    codec::Connect connect;
    connect.client_id = "sub";
    connect.properties.maximum_packet_size = 40;
    sub.connect(connect);
    sub.subscribe("t/#", QoS::at_least_once);
    sub.received();
    auto& pub = client();
    pub.connect("pub");
    pub.publish("t/big", std::string(100, 'x'), QoS::at_least_once, 1);
    pub.publish("t/small", "ok", QoS::at_least_once, 2);
    settle();
    auto publishes = sub.received_of<codec::Publish>();
    ASSERT_EQ(publishes.size(), 1u);
    EXPECT_EQ(publishes[0].topic, "t/small");
    EXPECT_GE(broker().stats().messages_dropped.load(), 1u);
}

TEST_F(ClientConnectionTest, InboundTopicAliasIsResolved)  // [MQTT-3.3.2-12]
{
    auto& sub = client();
    sub.connect("sub");
    sub.subscribe("a/b");
    auto& pub = client();
    pub.connect("pub");
    codec::Publish first;
    first.topic = "a/b";
    first.payload = to_bytes("1");
    first.properties.topic_alias = 3;
    pub.send(first);
    codec::Publish second;
    second.payload = to_bytes("2");
    second.properties.topic_alias = 3;
    pub.send(second);
    settle();
    auto publishes = sub.received_of<codec::Publish>();
    ASSERT_EQ(publishes.size(), 2u);
    EXPECT_EQ(publishes[1].topic, "a/b");
    EXPECT_EQ(text(publishes[1].payload), "2");
    EXPECT_FALSE(publishes[1].properties.topic_alias.has_value());
}

TEST_F(ClientConnectionTest, TopicAliasAboveMaximumIsRefused)  // [MQTT-3.3.2-10]
{
    options_.topic_alias_maximum = 2;
    auto& pub = client();
    pub.connect("pub");
    codec::Publish p;
    p.topic = "a";
    p.properties.topic_alias = 3;
    pub.send(p);
    auto disconnects = pub.received_of<codec::Disconnect>();
    ASSERT_EQ(disconnects.size(), 1u);
    EXPECT_EQ(disconnects[0].reason, ReasonCode::TopicAliasInvalid);
}

TEST_F(ClientConnectionTest, OutboundTopicAliasesWithinTheClientsMaximum)  // [MQTT-3.3.2-8]
{
    auto& sub = client();
    codec::Connect connect;
    connect.client_id = "sub";
    connect.properties.topic_alias_maximum = 1;
    sub.connect(connect);
    sub.subscribe("#");
    auto& pub = client();
    pub.connect("pub");
    pub.publish("x", "1");
    pub.publish("x", "2");
    pub.publish("y", "3");
    settle();
    auto publishes = sub.received_of<codec::Publish>();
    ASSERT_EQ(publishes.size(), 3u);
    EXPECT_EQ(publishes[0].topic, "x");
    EXPECT_EQ(publishes[0].properties.topic_alias, 1);
    EXPECT_EQ(publishes[1].topic, "");
    EXPECT_EQ(publishes[1].properties.topic_alias, 1);
    EXPECT_EQ(publishes[2].topic, "y");  // no alias left for a second topic
    EXPECT_FALSE(publishes[2].properties.topic_alias.has_value());
}

TEST_F(ClientConnectionTest, ShutdownSendsServerShuttingDown)
{
    auto& c = client();
    c.connect("a");
    broker().shutdown();
    settle();
    auto disconnects = c.received_of<codec::Disconnect>();
    ASSERT_EQ(disconnects.size(), 1u);
    EXPECT_EQ(disconnects[0].reason, ReasonCode::ServerShuttingDown);
    EXPECT_EQ(c.link().close_reason(), "broker shutting down");
    EXPECT_TRUE(c.closed_notified());
}

TEST_F(ClientConnectionTest, CountsBytesAndMessages)
{
    auto& sub = client();
    sub.connect("sub");
    sub.subscribe("t");
    auto& pub = client();
    pub.connect("pub");
    pub.publish("t", "hello");
    settle();
    auto stats = broker().stats().snapshot();
    EXPECT_EQ(stats.messages_received, 1u);
    EXPECT_EQ(stats.messages_sent, 1u);
    EXPECT_GT(stats.bytes_received, 0u);
    EXPECT_GT(stats.bytes_sent, 0u);
    EXPECT_EQ(stats.clients_connected, 2u);
    pub.disconnect();
    settle();
    EXPECT_EQ(broker().stats().clients_connected.load(), 1u);
}

}  // namespace
}  // namespace moatmq::broker::test

namespace moatmq::broker::test {
namespace {

using codec::ReasonCode;

class ClientConnectionInfoTest : public BrokerTest {};

TEST_F(ClientConnectionInfoTest, ResponseInformationWhenRequested)
{
    options_.response_information_prefix = "reply/";
    auto& c = client();
    codec::Connect connect;
    connect.client_id = "r";
    connect.properties.request_response_information = 1;
    EXPECT_EQ(c.connect(connect).properties.response_information, "reply/r");
    auto& quiet = client();
    EXPECT_FALSE(quiet.connect("q").properties.response_information.has_value());
}

TEST_F(ClientConnectionInfoTest, ServerDisconnectCarriesAReasonString)
{
    auto& c = client();
    c.connect("a");
    c.send(codec::Connect{});
    auto disconnects = c.received_of<codec::Disconnect>();
    ASSERT_EQ(disconnects.size(), 1u);
    EXPECT_TRUE(disconnects[0].properties.reason_string.has_value());
}

TEST_F(ClientConnectionInfoTest, ReasonStringIsDroppedWhenItWouldExceedTheClientsLimit)  // [MQTT-3.1.2-25]
{
    auto& c = client();
    codec::Connect connect;
    connect.client_id = "a";
    connect.properties.maximum_packet_size = 24;  // room for CONNACK, not for the reason string
    c.connect(connect);
    c.send(codec::Connect{});
    auto disconnects = c.received_of<codec::Disconnect>();
    ASSERT_EQ(disconnects.size(), 1u);
    EXPECT_EQ(disconnects[0].reason, ReasonCode::ProtocolError);
    EXPECT_FALSE(disconnects[0].properties.reason_string.has_value());
}

TEST_F(ClientConnectionInfoTest, EnhancedAuthenticationIsRefused)
{
    auto& c = client();
    codec::Connect connect;
    connect.client_id = "a";
    connect.properties.authentication_method = "SCRAM-SHA-256";
    EXPECT_EQ(c.connect(connect).reason, ReasonCode::BadAuthenticationMethod);
    EXPECT_TRUE(c.link().closed());
}

TEST_F(ClientConnectionInfoTest, LogsConnectAndCloseWithoutPayloads)
{
    std::vector<std::string> lines;
    options_.log = [&lines](LogLevel, std::string_view line) { lines.emplace_back(line); };
    auto& c = client();
    c.connect("logged");
    c.publish("t", "secret-payload");
    c.drop();
    ASSERT_GE(lines.size(), 2u);
    EXPECT_NE(lines.front().find("logged"), std::string::npos);
    EXPECT_NE(lines.back().find("closed"), std::string::npos);
    for (const auto& line : lines)
        EXPECT_EQ(line.find("secret-payload"), std::string::npos);
}

// The client id (kept by the session once attached) and the peer's address (kept by the link) name the
// client in every line, the "closed" one included.
TEST_F(ClientConnectionInfoTest, EveryLogLineNamesTheClientAndItsAddress)
{
    std::vector<std::string> lines;
    options_.log = [&lines](LogLevel, std::string_view line) { lines.emplace_back(line); };
    auto& c = client_on(ConnectionInfo{"net", "192.0.2.4:1883", false, false, {}});
    c.connect("named");
    c.drop();
    ASSERT_GE(lines.size(), 2u);
    EXPECT_NE(lines.back().find("closed"), std::string::npos);
    for (const auto& line : lines)
        EXPECT_NE(line.find("client named [192.0.2.4:1883]"), std::string::npos) << line;
}

}  // namespace
}  // namespace moatmq::broker::test

namespace moatmq::broker::test {
namespace {

class HostileInputTest : public BrokerTest {};

TEST_F(HostileInputTest, RandomBytesCloseOnlyThatClient)
{
    auto& sub = client();
    sub.connect("sub");
    sub.subscribe("t");
    sub.received();
    std::uint32_t seed = 12345;
    auto next = [&seed] {
        seed = seed * 1103515245u + 12345u;
        return static_cast<std::byte>((seed >> 16) & 0xFF);
    };
    for (int round = 0; round < 300; ++round) {
        auto& c = client(round % 2 ? codec::ProtocolVersion::v5 : codec::ProtocolVersion::v311);
        if (round % 3 != 0) c.connect("hostile-" + std::to_string(round));
        Bytes garbage(64);
        for (auto& b : garbage)
            b = next();
        c.send_raw(garbage);
        c.received();
        settle();
    }
    auto& pub = client();
    pub.connect("pub");
    pub.publish("t", "still here");
    settle();
    auto publishes = sub.received_of<codec::Publish>();
    ASSERT_FALSE(publishes.empty());
    EXPECT_EQ(text(publishes.back().payload), "still here");
    EXPECT_FALSE(sub.link().closed());
}

}  // namespace
}  // namespace moatmq::broker::test
