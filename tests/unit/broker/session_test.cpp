// Sessions across connections: clean start vs persistent, Session Present, offline queueing, resend
// with DUP, takeover, session expiry (and its change at DISCONNECT), message expiry in queues, and
// will messages (abnormal close, normal DISCONNECT, 0x04, Will Delay Interval).
#include "broker/session.hpp"

#include "broker_test_support.hpp"

namespace moatmq::broker::test {
namespace {

using codec::QoS;
using codec::ReasonCode;

// Every client has a Session, allocated with its control block (make_shared): 240 bytes or less keeps
// both in mimalloc's 256-byte class (issue #5: memory per idle connection); one more field would move
// every client's session to the 320-byte class.
TEST(SessionSize, FitsWithItsControlBlockInTheAllocators256ByteClass)
{
    EXPECT_LE(sizeof(Session), 240U);
}

class SessionTest : public BrokerTest {
protected:
    TestClient& persistent(std::string id, std::uint32_t expiry = 3600, bool clean_start = false,
                           codec::Connack* connack = nullptr)
    {
        auto& c = client();
        auto ack = c.connect(std::move(id), clean_start, expiry);
        if (connack) *connack = ack;
        return c;
    }
    TestClient& publisher()
    {
        auto& c = client();
        c.connect("pub-" + std::to_string(++publishers_));
        return c;
    }
    TestClient& with_will(std::string id, std::string topic, std::uint32_t delay = 0,
                          std::uint32_t expiry = 0)
    {
        auto& c = client();
        codec::Connect connect;
        connect.client_id = std::move(id);
        connect.keep_alive = 0;
        codec::Will will;
        will.topic = std::move(topic);
        will.payload = to_bytes("gone");
        if (delay) will.properties.will_delay_interval = delay;
        connect.will = will;
        if (expiry) connect.properties.session_expiry_interval = expiry;
        c.connect(connect);
        return c;
    }
    TestClient& watcher(std::string filter)
    {
        auto& c = client();
        c.connect("watch-" + std::to_string(++watchers_));
        c.subscribe(std::move(filter));
        c.received();
        return c;
    }
    int publishers_ = 0;
    int watchers_ = 0;
};

TEST_F(SessionTest, CleanStartNeverHasSessionPresent)  // [MQTT-3.2.2-2]
{
    auto& first = persistent("c");
    first.subscribe("t", QoS::at_least_once);
    first.disconnect();
    settle();
    auto& second = client();
    EXPECT_FALSE(second.connect("c", true).session_present);
    // ...and the old subscription is gone with the old session.
    second.disconnect();
    settle();
    auto& third = client();
    codec::Connack ack;
    ack = third.connect("c", false, 60);
    EXPECT_FALSE(ack.session_present);
}

TEST_F(SessionTest, PersistentSessionQueuesQos1And2WhileOffline)
{
    codec::Connack ack;
    auto& first = persistent("c", 3600, true, &ack);
    EXPECT_FALSE(ack.session_present);
    first.subscribe("t", QoS::exactly_once);
    first.disconnect();
    settle();
    auto& pub = publisher();
    pub.publish("t", "q0");
    pub.publish("t", "q1", QoS::at_least_once, 1);
    pub.publish("t", "q2", QoS::exactly_once, 2);
    settle();
    auto& again = persistent("c", 3600, false, &ack);
    EXPECT_TRUE(ack.session_present);  // [MQTT-3.2.2-3]
    settle();
    auto publishes = again.received_of<codec::Publish>();
    ASSERT_EQ(publishes.size(), 2u);  // QoS 0 is not queued for an offline session
    EXPECT_EQ(text(publishes[0].payload), "q1");
    EXPECT_EQ(publishes[0].qos, QoS::at_least_once);
    EXPECT_EQ(text(publishes[1].payload), "q2");
    EXPECT_EQ(publishes[1].qos, QoS::exactly_once);
}

TEST_F(SessionTest, Persistent311SessionSurvivesWithCleanSessionZero)
{
    auto& first = client311();
    first.connect("c", false);
    first.subscribe("t", QoS::at_least_once);
    first.drop();
    auto& pub = publisher();
    pub.publish("t", "m", QoS::at_least_once, 1);
    settle();
    auto& again = client311();
    EXPECT_TRUE(again.connect("c", false).session_present);
    settle();
    EXPECT_EQ(again.received_of<codec::Publish>().size(), 1u);
}

TEST_F(SessionTest, UnacknowledgedMessagesAreResentWithDupOnReconnect)  // [MQTT-4.4.0-1]
{
    auto& first = persistent("c");
    first.subscribe("t", QoS::exactly_once);
    first.received();
    auto& pub = publisher();
    pub.publish("t", "one", QoS::at_least_once, 1);
    pub.publish("t", "two", QoS::exactly_once, 2);
    settle();
    auto sent = first.received_of<codec::Publish>();
    ASSERT_EQ(sent.size(), 2u);
    first.send(codec::Pubrec{sent[1].packet_id, ReasonCode::Success, {}});  // "two" now awaits PUBCOMP
    first.drop();
    settle();

    auto& again = persistent("c");
    auto packets = again.received();
    ASSERT_EQ(packets.size(), 2u);
    auto& publish = std::get<codec::Publish>(packets[0]);
    EXPECT_TRUE(publish.dup);
    EXPECT_EQ(publish.packet_id, sent[0].packet_id);
    EXPECT_EQ(text(publish.payload), "one");
    auto& pubrel = std::get<codec::Pubrel>(packets[1]);  // PUBREL, not the PUBLISH, is resent
    EXPECT_EQ(pubrel.packet_id, sent[1].packet_id);
}

TEST_F(SessionTest, TakeoverDisconnectsTheOldConnectionWithSessionTakenOver)  // [MQTT-3.1.4-3]
{
    auto& old = persistent("c");
    old.subscribe("t", QoS::at_least_once);
    old.received();
    codec::Connack ack;
    auto& fresh = persistent("c", 3600, false, &ack);
    EXPECT_TRUE(ack.session_present);
    settle();
    auto disconnects = old.received_of<codec::Disconnect>();
    ASSERT_EQ(disconnects.size(), 1u);
    EXPECT_EQ(disconnects[0].reason, ReasonCode::SessionTakenOver);
    EXPECT_TRUE(old.closed_notified());
    EXPECT_EQ(broker().stats().clients_connected.load(), 1u);
    // The new connection inherited the subscription; the old one's close changed nothing.
    auto& pub = publisher();
    pub.publish("t", "m", QoS::at_least_once, 1);
    settle();
    EXPECT_EQ(fresh.received_of<codec::Publish>().size(), 1u);
    EXPECT_TRUE(old.received().empty());
}

TEST_F(SessionTest, Takeover311ClosesTheOldConnection)
{
    auto& old = client311();
    old.connect("c");
    auto& fresh = client311();
    fresh.connect("c");
    settle();
    EXPECT_TRUE(old.closed_notified());
    EXPECT_TRUE(old.received().empty());  // 3.1.1 has no DISCONNECT from the server
    EXPECT_FALSE(fresh.link().closed());
}

TEST_F(SessionTest, SessionExpiresAfterItsInterval)
{
    auto& first = persistent("c", 10, true);
    first.subscribe("t", QoS::at_least_once);
    first.drop();
    settle();
    advance(9s);
    EXPECT_EQ(broker().stats().clients_total.load(), 1u);
    advance(1s);
    EXPECT_EQ(broker().stats().clients_total.load(), 0u);
    codec::Connack ack;
    persistent("c", 10, false, &ack);
    EXPECT_FALSE(ack.session_present);
}

TEST_F(SessionTest, ZeroExpiryEndsTheSessionAtClose)
{
    auto& first = persistent("c", 0, false);
    first.subscribe("t", QoS::at_least_once);
    first.disconnect();
    settle();
    codec::Connack ack;
    persistent("c", 0, false, &ack);
    EXPECT_FALSE(ack.session_present);
}

TEST_F(SessionTest, DisconnectCanShortenTheSessionExpiry)  // spec §3.14.2.2.2
{
    auto& first = persistent("c", 3600, true);
    codec::Disconnect d;
    d.properties.session_expiry_interval = 0;
    first.send(d);
    settle();
    codec::Connack ack;
    persistent("c", 3600, false, &ack);
    EXPECT_FALSE(ack.session_present);
}

TEST_F(SessionTest, DisconnectCannotSetExpiryWhenConnectHadZero)  // [MQTT-3.14.2-2]
{
    auto& c = persistent("c", 0, true);
    codec::Disconnect d;
    d.properties.session_expiry_interval = 60;
    c.send(d);
    auto disconnects = c.received_of<codec::Disconnect>();
    ASSERT_EQ(disconnects.size(), 1u);
    EXPECT_EQ(disconnects[0].reason, ReasonCode::ProtocolError);
}

TEST_F(SessionTest, ExpiredMessagesAreDroppedFromTheOfflineQueue)  // [MQTT-3.3.2-5]
{
    auto& first = persistent("c");
    first.subscribe("t", QoS::at_least_once);
    first.drop();
    auto& pub = publisher();
    codec::Publish p;
    p.topic = "t";
    p.qos = QoS::at_least_once;
    p.packet_id = 1;
    p.payload = to_bytes("short");
    p.properties.message_expiry_interval = 5;
    pub.send(p);
    p.packet_id = 2;
    p.payload = to_bytes("long");
    p.properties.message_expiry_interval = 100;
    pub.send(p);
    settle();
    advance(6s);
    auto& again = persistent("c");
    settle();
    auto publishes = again.received_of<codec::Publish>();
    ASSERT_EQ(publishes.size(), 1u);
    EXPECT_EQ(text(publishes[0].payload), "long");
    EXPECT_EQ(publishes[0].properties.message_expiry_interval, 94u);  // the time left [MQTT-3.3.2-6]
}

TEST_F(SessionTest, OfflineQueueIsBounded)
{
    options_.max_queued_messages = 2;
    std::vector<std::string> warnings;
    options_.log = [&warnings](LogLevel level, std::string_view line) {
        if (level == LogLevel::warning) warnings.emplace_back(line);
    };
    auto& first = persistent("c");
    first.subscribe("t", QoS::at_least_once);
    first.drop();
    auto& pub = publisher();
    for (std::uint16_t i = 1; i <= 5; ++i)
        pub.publish("t", std::to_string(i), QoS::at_least_once, i);
    settle();
    EXPECT_EQ(broker().stats().messages_dropped.load(), 3u);
    // Logged once when the queue fills, not once per dropped message.
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("queue full (2 messages"), std::string::npos) << warnings[0];
    EXPECT_NE(warnings[0].find("for client c: dropping new messages"), std::string::npos) << warnings[0];
    auto& again = persistent("c");
    settle();
    auto publishes = again.received_of<codec::Publish>();
    ASSERT_EQ(publishes.size(), 2u);
    EXPECT_EQ(text(publishes[0].payload), "1");
}

TEST_F(SessionTest, OfflineQueueIsBoundedInBytes)
{
    options_.max_queued_bytes = 250;  // each message counts 100: topic "t" + 99 payload bytes
    auto& first = persistent("c");
    first.subscribe("t", QoS::at_least_once);
    first.drop();
    auto& pub = publisher();
    for (std::uint16_t i = 1; i <= 5; ++i)
        pub.publish("t", std::to_string(i) + std::string(98, 'x'), QoS::at_least_once, i);
    settle();
    EXPECT_EQ(broker().stats().messages_dropped.load(), 2u);  // full at 300 bytes: the 4th and 5th
    auto& again = persistent("c");
    settle();
    auto publishes = again.received_of<codec::Publish>();
    ASSERT_EQ(publishes.size(), 3u);
    EXPECT_EQ(text(publishes[0].payload).front(), '1');
    EXPECT_EQ(text(publishes[2].payload).front(), '3');
}

TEST_F(SessionTest, WillIsPublishedOnAbnormalClose)
{
    auto& w = watcher("will/#");
    auto& c = with_will("c", "will/c");
    c.drop();
    settle();
    auto publishes = w.received_of<codec::Publish>();
    ASSERT_EQ(publishes.size(), 1u);
    EXPECT_EQ(publishes[0].topic, "will/c");
    EXPECT_EQ(text(publishes[0].payload), "gone");
}

TEST_F(SessionTest, WillIsPublishedWhenTheServerCloses)  // e.g. keep alive, protocol error
{
    auto& w = watcher("will/#");
    auto& c = with_will("c", "will/c");
    c.send(codec::Connect{});  // second CONNECT: protocol error
    settle();
    EXPECT_EQ(w.received_of<codec::Publish>().size(), 1u);
}

TEST_F(SessionTest, WillIsNotPublishedOnNormalDisconnect)  // [MQTT-3.14.4-3]
{
    auto& w = watcher("will/#");
    auto& c = with_will("c", "will/c");
    c.disconnect();
    settle();
    EXPECT_TRUE(w.received_of<codec::Publish>().empty());
}

TEST_F(SessionTest, WillIsPublishedOnDisconnectWithWillMessage)
{
    auto& w = watcher("will/#");
    auto& c = with_will("c", "will/c");
    c.disconnect(ReasonCode::DisconnectWithWillMessage);
    settle();
    EXPECT_EQ(w.received_of<codec::Publish>().size(), 1u);
}

TEST_F(SessionTest, WillDelayHoldsTheWillBack)
{
    auto& w = watcher("will/#");
    auto& c = with_will("c", "will/c", 5, 100);
    c.drop();
    settle();
    advance(4s);
    EXPECT_TRUE(w.received_of<codec::Publish>().empty());
    advance(1s);
    EXPECT_EQ(w.received_of<codec::Publish>().size(), 1u);
}

TEST_F(SessionTest, ReconnectWithinWillDelayCancelsTheWill)  // [MQTT-3.1.3-9]
{
    auto& w = watcher("will/#");
    auto& c = with_will("c", "will/c", 5, 100);
    c.drop();
    settle();
    advance(2s);
    persistent("c", 100);
    advance(10s);
    EXPECT_TRUE(w.received_of<codec::Publish>().empty());
}

TEST_F(SessionTest, SessionEndBeforeWillDelayPublishesTheWill)
{
    auto& w = watcher("will/#");
    auto& c = with_will("c", "will/c", 60, 5);
    c.drop();
    settle();
    advance(5s);
    EXPECT_EQ(w.received_of<codec::Publish>().size(), 1u);
}

TEST_F(SessionTest, TakeoverPublishesTheOldConnectionsWill)
{
    auto& w = watcher("will/#");
    with_will("c", "will/c");
    client().connect("c", true);
    settle();
    EXPECT_EQ(w.received_of<codec::Publish>().size(), 1u);
}

TEST_F(SessionTest, WillKeepsItsQosRetainAndProperties)
{
    auto& w = client();
    w.connect("watch");
    w.subscribe("will/#", QoS::at_least_once);
    w.received();
    auto& c = client();
    codec::Connect connect;
    connect.client_id = "c";
    codec::Will will;
    will.topic = "will/c";
    will.payload = to_bytes("gone");
    will.qos = QoS::at_least_once;
    will.retain = true;
    will.properties.user_properties = {{"why", "test"}};
    will.properties.content_type = "text/plain";
    connect.will = will;
    c.connect(connect);
    c.drop();
    settle();
    auto publishes = w.received_of<codec::Publish>();
    ASSERT_EQ(publishes.size(), 1u);
    EXPECT_EQ(publishes[0].qos, QoS::at_least_once);
    EXPECT_EQ(publishes[0].properties.user_properties, will.properties.user_properties);
    EXPECT_EQ(publishes[0].properties.content_type, "text/plain");
    EXPECT_FALSE(publishes[0].properties.will_delay_interval.has_value());
    // Retained: a later subscriber gets it with RETAIN=1.
    auto& late = client();
    late.connect("late");
    late.subscribe("will/c");
    settle();
    auto retained = late.received_of<codec::Publish>();
    ASSERT_EQ(retained.size(), 1u);
    EXPECT_TRUE(retained[0].retain);
}

TEST_F(SessionTest, DisconnectWithAnErrorReasonPublishesTheWill)  // spec §3.1.2.5
{
    auto& w = watcher("will/#");
    auto& c = with_will("c", "will/c");
    c.disconnect(ReasonCode::UnspecifiedError);
    settle();
    EXPECT_EQ(w.received_of<codec::Publish>().size(), 1u);
}

// The packet id allocator on its own: increasing, wrapping 65535 -> 1, never an id in flight.
TEST(SessionPacketIds, SkipInFlightIdsAcrossTheWrap)
{
    Session session(1, "ids");
    auto in_flight = [&](std::uint16_t id) {
        InflightMessage m;
        m.packet_id = id;
        session.inflight.push_back(std::move(m));
    };
    EXPECT_EQ(session.allocate_packet_id(), 1);
    in_flight(1);
    EXPECT_EQ(session.allocate_packet_id(), 2);
    in_flight(2);
    in_flight(4);  // taken while the allocator already knew ids ahead to be free: restored ids do this
    session.free_ids_ahead = 0;
    EXPECT_EQ(session.allocate_packet_id(), 3);
    EXPECT_EQ(session.allocate_packet_id(), 5);  // 4 is in flight
    session.last_packet_id = 65534;
    session.free_ids_ahead = 0;
    EXPECT_EQ(session.allocate_packet_id(), 65535);
    EXPECT_EQ(session.allocate_packet_id(), 3);        // wrapped; 1 and 2 are in flight
    session.inflight.erase(session.inflight.begin());  // 1 acknowledged: free again, but later
    EXPECT_EQ(session.allocate_packet_id(), 5);
}

TEST(SessionPacketIds, AllIdsInFlightGivesZero)
{
    Session session(1, "full");
    for (std::uint32_t id = 1; id <= 65535; ++id) {
        InflightMessage m;
        m.packet_id = static_cast<std::uint16_t>(id);
        session.inflight.push_back(std::move(m));
    }
    EXPECT_EQ(session.allocate_packet_id(), 0);
    session.inflight.erase(session.inflight.begin() + 2);  // id 3 acknowledged
    EXPECT_EQ(session.allocate_packet_id(), 3);
}

}  // namespace
}  // namespace moatmq::broker::test
