// PUBLISH flows through the broker: QoS 0/1/2 in both directions, QoS downgrade, Receive Maximum,
// retained messages on subscribe, SUBACK/UNSUBACK codes, slow subscribers and queue limits.
#include <algorithm>

#include "broker_test_support.hpp"

namespace moatmq::broker::test {
namespace {

using codec::QoS;
using codec::ReasonCode;

class FlowTest : public BrokerTest {
protected:
    // A connected subscriber to `filter` at `qos`, its SUBACK consumed.
    TestClient& subscriber(std::string id, std::string filter, QoS qos,
                           codec::ProtocolVersion version = codec::ProtocolVersion::v5)
    {
        auto& c = client(version);
        c.connect(std::move(id));
        c.subscribe(std::move(filter), qos);
        EXPECT_EQ(c.received_of<codec::Suback>().size(), 1u);
        return c;
    }
    TestClient& publisher(codec::ProtocolVersion version = codec::ProtocolVersion::v5)
    {
        auto& c = client(version);
        c.connect("pub-" + std::to_string(++publishers_));
        return c;
    }
    // A QoS 1 subscriber "s" to "t" that accepts `receive_maximum` messages in flight, and the first
    // messages a publisher sends it ("1", "2", ...; `count` of them), delivered up to its window.
    TestClient& windowed_subscriber_with_published(std::uint16_t receive_maximum, std::uint16_t count)
    {
        auto& sub = client();
        codec::Connect connect;
        connect.client_id = "s";
        connect.properties.receive_maximum = receive_maximum;
        sub.connect(connect);
        sub.subscribe("t", QoS::at_least_once);
        sub.received();
        auto& pub = publisher();
        for (std::uint16_t i = 1; i <= count; ++i)
            pub.publish("t", std::to_string(i), QoS::at_least_once, i);
        settle();
        return sub;
    }
    int publishers_ = 0;
};

TEST_F(FlowTest, Qos0ReachesSubscribersOfBothVersions)
{
    auto& sub5 = subscriber("s5", "a/+", QoS::at_most_once);
    auto& sub3 = subscriber("s3", "a/#", QoS::at_most_once, codec::ProtocolVersion::v311);
    auto& pub = publisher();
    pub.publish("a/b", "hi");
    settle();
    for (auto* s : {&sub5, &sub3}) {
        auto publishes = s->received_of<codec::Publish>();
        ASSERT_EQ(publishes.size(), 1u);
        EXPECT_EQ(publishes[0].topic, "a/b");
        EXPECT_EQ(text(publishes[0].payload), "hi");
        EXPECT_EQ(publishes[0].qos, QoS::at_most_once);
    }
}

TEST_F(FlowTest, Qos1IsAcknowledgedAndDeliveredWithAPacketId)
{
    auto& sub = subscriber("s", "t", QoS::at_least_once);
    auto& pub = publisher();
    pub.publish("t", "m", QoS::at_least_once, 7);
    auto acks = pub.received_of<codec::Puback>();
    ASSERT_EQ(acks.size(), 1u);
    EXPECT_EQ(acks[0].packet_id, 7);
    EXPECT_EQ(acks[0].reason, ReasonCode::Success);
    settle();
    auto publishes = sub.received_of<codec::Publish>();
    ASSERT_EQ(publishes.size(), 1u);
    EXPECT_EQ(publishes[0].qos, QoS::at_least_once);
    EXPECT_NE(publishes[0].packet_id, 0);
    EXPECT_FALSE(publishes[0].dup);
}

TEST_F(FlowTest, Qos1WithoutSubscribersSaysNoMatchingSubscribers)
{
    auto& pub = publisher();
    pub.publish("nobody", "m", QoS::at_least_once, 1);
    auto acks = pub.received_of<codec::Puback>();
    ASSERT_EQ(acks.size(), 1u);
    EXPECT_EQ(acks[0].reason, ReasonCode::NoMatchingSubscribers);
}

TEST_F(FlowTest, Qos2InboundIsRoutedOnceEvenWhenThePublishIsRepeated)  // [MQTT-4.3.3-10]
{
    auto& sub = subscriber("s", "t", QoS::exactly_once);
    auto& pub = publisher();
    pub.publish("t", "once", QoS::exactly_once, 9);
    codec::Publish again;
    again.topic = "t";
    again.payload = to_bytes("once");
    again.qos = QoS::exactly_once;
    again.packet_id = 9;
    again.dup = true;
    pub.send(again);
    auto recs = pub.received_of<codec::Pubrec>();
    ASSERT_EQ(recs.size(), 2u);
    EXPECT_EQ(recs[1].packet_id, 9);
    pub.send(codec::Pubrel{9, ReasonCode::Success, {}});
    auto comps = pub.received_of<codec::Pubcomp>();
    ASSERT_EQ(comps.size(), 1u);
    EXPECT_EQ(comps[0].reason, ReasonCode::Success);
    // After PUBREL the id is free: a new message with id 9 is a new message.
    pub.publish("t", "twice", QoS::exactly_once, 9);
    settle();
    auto publishes = sub.received_of<codec::Publish>();
    ASSERT_EQ(publishes.size(), 2u);
    EXPECT_EQ(text(publishes[0].payload), "once");
    EXPECT_EQ(text(publishes[1].payload), "twice");
}

TEST_F(FlowTest, PubrelForUnknownIdIsAnsweredWithPacketIdentifierNotFound)
{
    auto& pub = publisher();
    pub.send(codec::Pubrel{5, ReasonCode::Success, {}});
    auto comps = pub.received_of<codec::Pubcomp>();
    ASSERT_EQ(comps.size(), 1u);
    EXPECT_EQ(comps[0].reason, ReasonCode::PacketIdentifierNotFound);
}

TEST_F(FlowTest, Qos2OutboundRunsPubrecPubrelPubcomp)
{
    auto& sub = subscriber("s", "t", QoS::exactly_once);
    auto& pub = publisher();
    pub.publish("t", "m", QoS::exactly_once, 1);
    settle();
    auto publishes = sub.received_of<codec::Publish>();
    ASSERT_EQ(publishes.size(), 1u);
    const auto id = publishes[0].packet_id;
    EXPECT_EQ(publishes[0].qos, QoS::exactly_once);
    sub.send(codec::Pubrec{id, ReasonCode::Success, {}});
    auto rels = sub.received_of<codec::Pubrel>();
    ASSERT_EQ(rels.size(), 1u);
    EXPECT_EQ(rels[0].packet_id, id);
    sub.send(codec::Pubcomp{id, ReasonCode::Success, {}});
    EXPECT_TRUE(sub.received().empty());
}

TEST_F(FlowTest, QosIsDowngradedToTheSubscriptions)  // [MQTT-3.8.4-6]
{
    auto& sub = subscriber("s", "t", QoS::at_least_once);
    auto& pub = publisher();
    pub.publish("t", "m", QoS::exactly_once, 1);
    settle();
    auto publishes = sub.received_of<codec::Publish>();
    ASSERT_EQ(publishes.size(), 1u);
    EXPECT_EQ(publishes[0].qos, QoS::at_least_once);
}

TEST_F(FlowTest, GrantedQosIsCappedByMaximumQos)
{
    options_.maximum_qos = QoS::at_least_once;
    auto& c = client();
    c.connect("s");
    c.subscribe("t", QoS::exactly_once);
    auto subacks = c.received_of<codec::Suback>();
    ASSERT_EQ(subacks.size(), 1u);
    EXPECT_EQ(subacks[0].reasons, std::vector<ReasonCode>{ReasonCode::GrantedQoS1});
}

TEST_F(FlowTest, PublishAboveMaximumQosIsRefused)  // [MQTT-3.2.2-11]
{
    options_.maximum_qos = QoS::at_least_once;
    auto& pub = publisher();
    pub.publish("t", "m", QoS::exactly_once, 1);
    auto disconnects = pub.received_of<codec::Disconnect>();
    ASSERT_EQ(disconnects.size(), 1u);
    EXPECT_EQ(disconnects[0].reason, ReasonCode::QoSNotSupported);
}

TEST_F(FlowTest, ReceiveMaximumOfTheClientLimitsMessagesInFlight)  // [MQTT-3.3.4-7]
{
    auto& sub = windowed_subscriber_with_published(2, 3);
    auto publishes = sub.received_of<codec::Publish>();
    ASSERT_EQ(publishes.size(), 2u);
    sub.send(codec::Puback{publishes[0].packet_id, ReasonCode::Success, {}});
    auto third = sub.received_of<codec::Publish>();
    ASSERT_EQ(third.size(), 1u);
    EXPECT_EQ(text(third[0].payload), "3");
}

TEST_F(FlowTest, Qos1PublishesOfOneReadAreAcknowledgedInOneWriteInOrder)  // [MQTT-4.6.0-2]
{
    auto& pub = publisher(codec::ProtocolVersion::v311);
    pub.link().take_sent();
    Bytes both;
    for (const int id : {7, 8}) {
        codec::Publish p;
        p.topic = "t";
        p.payload = to_bytes("m");
        p.qos = QoS::at_least_once;
        p.packet_id = static_cast<std::uint16_t>(id);
        ASSERT_TRUE(codec::encode(p, codec::ProtocolVersion::v311, both));
    }
    pub.send_raw(both);
    auto sent = pub.link().take_sent();
    ASSERT_EQ(sent.size(), 1u);  // both PUBACKs in one queued buffer
    const Bytes expected{std::byte{0x40}, std::byte{0x02}, std::byte{0x00}, std::byte{0x07},
                         std::byte{0x40}, std::byte{0x02}, std::byte{0x00}, std::byte{0x08}};
    EXPECT_EQ(*sent[0], expected);
}

TEST_F(FlowTest, PubacksOfOneReadFreeTheWindowTogether)  // [MQTT-3.3.4-7]
{
    auto& sub = windowed_subscriber_with_published(2, 4);
    auto publishes = sub.received_of<codec::Publish>();
    ASSERT_EQ(publishes.size(), 2u);
    Bytes acks;  // both PUBACKs and one for an unknown packet id (ignored) in one read
    for (std::uint16_t id : {publishes[0].packet_id, publishes[1].packet_id, std::uint16_t{999}})
        ASSERT_TRUE(
            codec::encode(codec::Puback{id, ReasonCode::Success, {}}, codec::ProtocolVersion::v5, acks));
    ASSERT_EQ(acks.size(), 12u);  // 4 bytes each: read without building a Packet
    sub.send_raw(acks);
    auto next = sub.received_of<codec::Publish>();
    ASSERT_EQ(next.size(), 2u);
    EXPECT_EQ(text(next[0].payload), "3");
    EXPECT_EQ(text(next[1].payload), "4");
    EXPECT_FALSE(sub.closed_notified());
}

TEST_F(FlowTest, ExceedingOurReceiveMaximumIsRefused)  // [MQTT-3.3.4-9]
{
    options_.receive_maximum = 2;
    auto& pub = publisher();
    pub.publish("t", "1", QoS::exactly_once, 1);
    pub.publish("t", "2", QoS::exactly_once, 2);
    pub.publish("t", "3", QoS::exactly_once, 3);
    auto disconnects = pub.received_of<codec::Disconnect>();
    ASSERT_EQ(disconnects.size(), 1u);
    EXPECT_EQ(disconnects[0].reason, ReasonCode::ReceiveMaximumExceeded);
}

TEST_F(FlowTest, RetainedMessageIsSentOnSubscribeWithRetainSet)  // [MQTT-3.3.1-9]
{
    auto& pub = publisher();
    pub.publish("r/1", "kept", QoS::at_least_once, 1, true);
    auto& sub = client();
    sub.connect("s");
    sub.subscribe("r/#", QoS::at_least_once);
    settle();
    auto packets = sub.received();
    ASSERT_EQ(packets.size(), 2u);
    EXPECT_TRUE(std::holds_alternative<codec::Suback>(packets[0]));  // SUBACK first
    auto& publish = std::get<codec::Publish>(packets[1]);
    EXPECT_TRUE(publish.retain);
    EXPECT_EQ(text(publish.payload), "kept");
    EXPECT_EQ(publish.qos, QoS::at_least_once);
}

TEST_F(FlowTest, RetainHandlingDecidesRetainedDelivery)  // [MQTT-3.3.1-10] [MQTT-3.3.1-11]
{
    auto& pub = publisher();
    pub.publish("r", "kept", QoS::at_most_once, 0, true);
    auto& sub = client();
    sub.connect("s");
    auto subscribe_with = [&](codec::RetainHandling handling, std::uint16_t id) {
        codec::Subscribe s;
        s.packet_id = id;
        codec::SubscriptionOptions o;
        o.retain_handling = handling;
        s.subscriptions.push_back({"r", o});
        sub.send(s);
        settle();
        return sub.received_of<codec::Publish>().size();
    };
    EXPECT_EQ(subscribe_with(codec::RetainHandling::dont_send, 1), 0u);
    EXPECT_EQ(subscribe_with(codec::RetainHandling::send_if_new, 2), 0u);  // exists already
    EXPECT_EQ(subscribe_with(codec::RetainHandling::send_on_subscribe, 3), 1u);
}

TEST_F(FlowTest, EmptyRetainedPayloadClearsTheTopic)  // [MQTT-3.3.1-6]
{
    auto& pub = publisher();
    pub.publish("r", "kept", QoS::at_most_once, 0, true);
    pub.publish("r", "", QoS::at_most_once, 0, true);
    auto& sub = client();
    sub.connect("s");
    sub.subscribe("r");
    settle();
    EXPECT_TRUE(sub.received_of<codec::Publish>().empty());
}

TEST_F(FlowTest, UnsubscribeReportsWhetherTheSubscriptionExisted)
{
    auto& sub = subscriber("s", "t", QoS::at_most_once);
    codec::Unsubscribe u;
    u.packet_id = 4;
    u.filters = {"t", "other"};
    sub.send(u);
    auto unsubacks = sub.received_of<codec::Unsuback>();
    ASSERT_EQ(unsubacks.size(), 1u);
    EXPECT_EQ(unsubacks[0].packet_id, 4);
    EXPECT_EQ(unsubacks[0].reasons,
              (std::vector<ReasonCode>{ReasonCode::Success, ReasonCode::NoSubscriptionExisted}));
    auto& pub = publisher();
    pub.publish("t", "m");
    settle();
    EXPECT_TRUE(sub.received_of<codec::Publish>().empty());
}

TEST_F(FlowTest, SubscriptionIdentifiersAndUserPropertiesAreForwarded)
{
    auto& sub = client();
    sub.connect("s");
    codec::Subscribe s;
    s.packet_id = 1;
    s.properties.subscription_identifiers = {42};
    s.subscriptions.push_back({"t/#", {}});
    sub.send(s);
    sub.received();
    auto& pub = publisher();
    codec::Publish p;
    p.topic = "t/x";
    p.payload = to_bytes("m");
    p.properties.user_properties = {{"k", "v"}, {"k", "w"}};
    p.properties.content_type = "text/plain";
    p.properties.payload_format_indicator = 1;
    p.properties.response_topic = "reply/here";
    p.properties.correlation_data = to_bytes("c");
    pub.send(p);
    settle();
    auto publishes = sub.received_of<codec::Publish>();
    ASSERT_EQ(publishes.size(), 1u);
    const auto& got = publishes[0].properties;
    EXPECT_EQ(got.subscription_identifiers, std::vector<std::uint32_t>{42});
    EXPECT_EQ(got.user_properties, p.properties.user_properties);  // order kept [MQTT-3.3.2-18]
    EXPECT_EQ(got.content_type, "text/plain");
    EXPECT_EQ(got.payload_format_indicator, 1);
    EXPECT_EQ(got.response_topic, "reply/here");
    EXPECT_EQ(got.correlation_data, to_bytes("c"));
}

TEST_F(FlowTest, NoLocalSubscriptionDoesNotEchoOwnMessages)  // [MQTT-3.8.3-3]
{
    auto& c = client();
    c.connect("self");
    codec::Subscribe s;
    s.packet_id = 1;
    codec::SubscriptionOptions o;
    o.no_local = true;
    s.subscriptions.push_back({"t", o});
    c.send(s);
    c.received();
    c.publish("t", "m");
    settle();
    EXPECT_TRUE(c.received_of<codec::Publish>().empty());
}

TEST_F(FlowTest, SlowSubscriberLosesQos0BeyondTheByteCap)
{
    options_.max_queued_bytes = 200;
    std::vector<std::string> warnings;
    options_.log = [&warnings](LogLevel level, std::string_view line) {
        if (level == LogLevel::warning) warnings.emplace_back(line);
    };
    auto& sub = subscriber("s", "t", QoS::at_most_once);
    sub.link().set_written(false);  // never reads
    auto& pub = publisher();
    for (int i = 0; i < 20; ++i)
        pub.publish("t", std::string(50, 'x'));
    settle();
    const auto got = sub.received_of<codec::Publish>().size();
    EXPECT_LT(got, 20u);
    EXPECT_GE(got, 3u);
    EXPECT_EQ(broker().stats().messages_dropped.load(), 20u - got);
    // Logged once when the dropping starts (here at the session's queue), not once per message.
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("for client s: dropping new messages"), std::string::npos) << warnings[0];
}

TEST_F(FlowTest, SharedSubscriptionDeliversRoundRobin)
{
    auto& a = subscriber("a", "$share/g/t", QoS::at_most_once);
    auto& b = subscriber("b", "$share/g/t", QoS::at_most_once);
    auto& pub = publisher();
    for (int i = 0; i < 4; ++i)
        pub.publish("t", "m");
    settle();
    EXPECT_EQ(a.received_of<codec::Publish>().size(), 2u);
    EXPECT_EQ(b.received_of<codec::Publish>().size(), 2u);
}

TEST_F(FlowTest, SharedQos1InFlightGoesToAnotherMemberWhenOneLeaves)
{
    auto& a = subscriber("a", "$share/g/t", QoS::at_least_once);
    auto& b = subscriber("b", "$share/g/t", QoS::at_least_once);
    auto& pub = publisher();
    pub.publish("t", "1", QoS::at_least_once, 1);
    pub.publish("t", "2", QoS::at_least_once, 2);
    settle();
    auto to_a = a.received_of<codec::Publish>();
    auto to_b = b.received_of<codec::Publish>();
    ASSERT_EQ(to_a.size(), 1u);
    ASSERT_EQ(to_b.size(), 1u);
    a.drop();  // a leaves without acknowledging
    settle();
    auto again = b.received_of<codec::Publish>();
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again[0].payload, to_a[0].payload);
}

TEST_F(FlowTest, ClientsCannotPublishToSys)
{
    auto& sub = subscriber("s", "$SYS/#", QoS::at_most_once);
    auto& pub = publisher();
    pub.publish("$SYS/broker/uptime", "fake", QoS::at_least_once, 1);
    auto acks = pub.received_of<codec::Puback>();
    ASSERT_EQ(acks.size(), 1u);
    EXPECT_EQ(acks[0].reason, ReasonCode::NotAuthorized);
    settle();
    EXPECT_TRUE(sub.received_of<codec::Publish>().empty());
}

TEST_F(FlowTest, SysTopicsArePublishedPeriodically)
{
    options_.sys_interval = 10s;
    auto& sub = subscriber("s", "$SYS/broker/clients/connected", QoS::at_most_once);
    advance(10s);
    auto publishes = sub.received_of<codec::Publish>();
    ASSERT_EQ(publishes.size(), 1u);
    EXPECT_EQ(text(publishes[0].payload), "1");
}

}  // namespace
}  // namespace moatmq::broker::test

namespace moatmq::broker::test {
namespace {

class FlowLimitsTest : public BrokerTest {};

TEST_F(FlowLimitsTest, SubscriptionsPerSessionAreBounded)
{
    options_.max_subscriptions = 2;
    auto& c = client();
    c.connect("s");
    codec::Subscribe s;
    s.packet_id = 1;
    for (auto filter : {"a", "b", "c", "a"})
        s.subscriptions.push_back({filter, {}});
    c.send(s);
    auto subacks = c.received_of<codec::Suback>();
    ASSERT_EQ(subacks.size(), 1u);
    EXPECT_EQ(subacks[0].reasons,
              (std::vector<codec::ReasonCode>{codec::GrantedQoS0, codec::GrantedQoS0,
                                              codec::ReasonCode::QuotaExceeded, codec::GrantedQoS0}));
}

TEST_F(FlowLimitsTest, SharedGroupPrefersConnectedMembers)
{
    auto& offline = client();
    offline.connect("off", false, 3600);
    offline.subscribe("$share/g/t", codec::QoS::at_least_once);
    offline.drop();
    auto& online = client();
    online.connect("on");
    online.subscribe("$share/g/t", codec::QoS::at_least_once);
    online.received();
    auto& pub = client();
    pub.connect("pub");
    for (std::uint16_t i = 1; i <= 4; ++i)
        pub.publish("t", "m", codec::QoS::at_least_once, i);
    settle();
    EXPECT_EQ(online.received_of<codec::Publish>().size(), 4u);
}

TEST_F(FlowLimitsTest, Qos0EncodingIsSharedAmongReceiversOfAVariant)
{
    std::vector<TestClient*> subs;
    for (int i = 0; i < 3; ++i) {
        auto& c = client(i == 2 ? codec::ProtocolVersion::v311 : codec::ProtocolVersion::v5);
        c.connect("s" + std::to_string(i));
        c.subscribe("t");
        c.received();
        subs.push_back(&c);
    }
    auto& pub = client();
    pub.connect("pub");
    pub.publish("t", "shared");
    settle();
    auto a = subs[0]->link().take_sent();
    auto b = subs[1]->link().take_sent();
    auto c = subs[2]->link().take_sent();
    ASSERT_EQ(a.size(), 1u);
    ASSERT_EQ(b.size(), 1u);
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(a[0].get(), b[0].get());  // the same bytes, not a copy
    EXPECT_NE(a[0].get(), c[0].get());  // 3.1.1 is another variant
}

// Messages still queued when their session ends die with it: counted as dropped ($SYS), and logged in one
// rate-limited summary line rather than not at all (they used to vanish without a trace).
class SessionEndDropTest : public BrokerTest {
protected:
    SessionEndDropTest()
    {
        options_.log = [this](LogLevel level, std::string_view line) {
            if (level == LogLevel::warning) warnings_.emplace_back(line);
        };
    }
    std::size_t warnings_naming(std::string_view words) const
    {
        return static_cast<std::size_t>(std::count_if(warnings_.begin(), warnings_.end(), [&](const auto& w) {
            return w.find(words) != std::string::npos;
        }));
    }
    std::vector<std::string> warnings_;
};

TEST_F(SessionEndDropTest, QueuedMessagesOfAnEndingCleanSessionAreCountedAsDropped)
{
    auto& sub = client();
    sub.connect("s");
    sub.subscribe("t", codec::QoS::at_least_once);
    sub.received();
    auto& pub = client();
    pub.connect("p");
    for (std::uint16_t i = 1; i <= 5; ++i)
        pub.publish("t", "m", i % 2 == 0 ? codec::QoS::at_least_once : codec::QoS::at_most_once, i);
    // The subscriber's worker has not drained yet (its posted drain has not run) when the client leaves.
    sub.disconnect();
    sub.drop();
    settle();
    EXPECT_TRUE(sub.received_of<codec::Publish>().empty());
    EXPECT_EQ(broker().stats().messages_dropped.load(), 5u);
    EXPECT_EQ(warnings_naming("5 undelivered messages discarded as 1 session ended (latest: client s)"), 1u);
}

TEST_F(SessionEndDropTest, QueuedMessagesOfAnExpiredSessionAreCountedAsDropped)
{
    auto& sub = client();
    sub.connect("s", false, 10);
    sub.subscribe("t", codec::QoS::at_least_once);
    sub.received();
    sub.disconnect();
    sub.drop();
    auto& pub = client();
    pub.connect("p");
    for (std::uint16_t i = 1; i <= 3; ++i)
        pub.publish("t", "m", codec::QoS::at_least_once, i);
    settle();
    EXPECT_EQ(broker().stats().messages_dropped.load(), 0u);  // queued for the offline session
    advance(11s);
    EXPECT_EQ(broker().stats().messages_dropped.load(), 3u);
    EXPECT_EQ(warnings_naming("3 undelivered messages discarded"), 1u);
}

TEST_F(SessionEndDropTest, TheLogLineIsRateLimitedButEveryMessageIsCounted)
{
    auto& pub = client();
    pub.connect("p");
    for (int round = 0; round < 3; ++round) {
        auto& sub = client();
        sub.connect("s" + std::to_string(round));
        sub.subscribe("t");
        sub.received();
        pub.publish("t", "m");
        pub.publish("t", "m");
        sub.disconnect();
        sub.drop();
        settle();
    }
    EXPECT_EQ(broker().stats().messages_dropped.load(), 6u);
    EXPECT_EQ(warnings_naming("discarded"), 1u);  // the first; the others wait for the interval
    advance(11s);                                 // the broker's timer writes the summary of the rest
    EXPECT_EQ(warnings_naming("4 undelivered messages discarded as 2 sessions ended (latest: client s2)"),
              1u);
}

TEST_F(SessionEndDropTest, SharedMessagesWithNoMemberLeftAreCountedAsDropped)
{
    auto& a = client();
    a.connect("a");
    a.subscribe("$share/g/t", codec::QoS::at_least_once);
    a.received();
    auto& pub = client();
    pub.connect("p");
    pub.publish("t", "1", codec::QoS::at_least_once, 1);
    pub.publish("t", "2", codec::QoS::at_least_once, 2);
    a.drop();  // no other member to take them
    settle();
    EXPECT_EQ(broker().stats().messages_dropped.load(), 2u);
}

}  // namespace
}  // namespace moatmq::broker::test
