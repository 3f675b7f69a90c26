// Sessions through Paho C++ (MQTT 5): QoS 1/2 queued for an offline persistent session and delivered on
// reconnect (Session Present, nothing lost, nothing doubled), QoS 2 exactly once, message expiry of a
// queued message, session takeover (DISCONNECT 0x8E), and the keep-alive timeout.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <thread>

#include "broker_process.hpp"
#include "mqtt_bytes.hpp"
#include "paho_support.hpp"
#include "raw_client.hpp"

namespace moatmq::test {
namespace {

using namespace bytes;

// Clean start 0 with a Session Expiry Interval, so the session outlives the connection.
mqtt::connect_options persistent(const PahoClient& client, bool clean_start, std::uint32_t expiry = 300)
{
    return client.options()
        .clean_start(clean_start)
        .properties({mqtt::property(mqtt::property::SESSION_EXPIRY_INTERVAL, static_cast<int>(expiry))})
        .finalize();
}

TEST(PahoSession, QueuedQos1And2MessagesArriveAfterReconnectWithSessionPresent)
{
    BrokerProcess broker;
    PahoClient subscriber(broker.port(), "persistent");
    EXPECT_FALSE(subscriber.connect(persistent(subscriber, true)).is_session_present());
    subscriber.subscribe("queue/q1", 1);
    subscriber.subscribe("queue/q2", 2);
    subscriber.disconnect();

    constexpr int kEach = 20;
    PahoClient publisher(broker.port(), "publisher");
    publisher.connect();
    for (int i = 0; i < kEach; ++i) {
        publisher.publish("queue/q1", "one-" + std::to_string(i), 1);
        publisher.publish("queue/q2", "two-" + std::to_string(i), 2);
    }

    EXPECT_TRUE(subscriber.connect(persistent(subscriber, false)).is_session_present()) << "[MQTT-3.2.2-2]";
    std::map<std::string, std::vector<std::string>> by_topic;
    for (int i = 0; i < 2 * kEach; ++i) {
        auto message = subscriber.next(10s);
        ASSERT_TRUE(message) << "only " << i << " of " << 2 * kEach << " queued messages arrived";
        by_topic[message->topic].push_back(message->payload);
        EXPECT_EQ(message->qos, message->topic == "queue/q1" ? 1 : 2);
    }
    for (int i = 0; i < kEach; ++i) {
        ASSERT_EQ(by_topic["queue/q1"].at(static_cast<std::size_t>(i)), "one-" + std::to_string(i))
            << "order";
        ASSERT_EQ(by_topic["queue/q2"].at(static_cast<std::size_t>(i)), "two-" + std::to_string(i))
            << "order";
    }
    publisher.publish("queue/q1", "marker", 1);
    const auto rest = subscriber.until_marker("queue/q1");
    ASSERT_EQ(rest.size(), 1u) << "duplicates after the queued messages";
}

TEST(PahoSession, CleanStartDiscardsTheSession)
{
    BrokerProcess broker;
    PahoClient subscriber(broker.port(), "forgetful");
    subscriber.connect(persistent(subscriber, true));
    subscriber.subscribe("gone/t", 1);
    subscriber.disconnect();
    EXPECT_FALSE(subscriber.connect(persistent(subscriber, true)).is_session_present()) << "[MQTT-3.2.2-2]";
    PahoClient publisher(broker.port(), "publisher");
    publisher.connect();
    publisher.publish("gone/t", "x", 1);
    EXPECT_FALSE(subscriber.next(1s)) << "a subscription survived Clean Start";
}

TEST(PahoSession, Qos2MessagesAreDeliveredExactlyOnce)
{
    BrokerProcess broker;
    PahoClient subscriber(broker.port(), "exactly");
    subscriber.connect();
    subscriber.subscribe("q2/#", 2);
    PahoClient publisher(broker.port(), "publisher");
    publisher.connect();
    constexpr int kCount = 50;
    for (int i = 0; i < kCount; ++i)
        publisher.publish("q2/t", std::to_string(i), 2);
    publisher.publish("q2/marker", "m", 2);

    const auto received = subscriber.until_marker("q2/marker", 15s);
    const auto payloads = payloads_on(received, "q2/t");
    const std::multiset<std::string> counted(payloads.begin(), payloads.end());
    EXPECT_EQ(payloads.size(), std::size_t{kCount});
    for (int i = 0; i < kCount; ++i)
        EXPECT_EQ(counted.count(std::to_string(i)), 1u) << "message " << i;
}

TEST(PahoSession, ARetransmittedQos2PublishIsNotDeliveredTwice)
{
    BrokerProcess broker;
    PahoClient subscriber(broker.port(), "exactly");
    subscriber.connect();
    subscriber.subscribe("q2/#", 2);

    RawClient raw(broker.port());
    ASSERT_TRUE(raw.send(connect5("raw-q2")));
    ASSERT_TRUE(read_packet(raw));
    // The same QoS 2 PUBLISH twice (the second with DUP) before PUBREL: one message [MQTT-4.3.3-10].
    ASSERT_TRUE(raw.send(publish5("q2/t", "once", 0x04, 7)));
    auto pubrec = read_packet(raw);
    ASSERT_TRUE(pubrec && pubrec->first == 0x50);
    ASSERT_TRUE(raw.send(publish5("q2/t", "once", 0x0C, 7)));
    pubrec = read_packet(raw);
    ASSERT_TRUE(pubrec && pubrec->first == 0x50) << "no PUBREC for the retransmission";
    ASSERT_TRUE(raw.send(packet(0x62, u16(7))));
    auto pubcomp = read_packet(raw);
    ASSERT_TRUE(pubcomp && pubcomp->first == 0x70);
    ASSERT_TRUE(raw.send(publish5("q2/marker", "m", 0x02, 8)));

    const auto received = subscriber.until_marker("q2/marker", 10s);
    EXPECT_EQ(payloads_on(received, "q2/t").size(), 1u);
}

TEST(PahoSession, AQueuedMessageExpiresWhileTheSubscriberIsOffline)
{
    BrokerProcess broker;
    PahoClient subscriber(broker.port(), "offline");
    subscriber.connect(persistent(subscriber, true));
    subscriber.subscribe("exp/#", 1);
    subscriber.disconnect();

    PahoClient publisher(broker.port(), "publisher");
    publisher.connect();
    publisher.publish("exp/short", "short", 1, false,
                      {mqtt::property(mqtt::property::MESSAGE_EXPIRY_INTERVAL, 1)});
    publisher.publish("exp/long", "long", 1, false,
                      {mqtt::property(mqtt::property::MESSAGE_EXPIRY_INTERVAL, 100)});
    // The time passing is what is under test (the 1 s lifetime must run out), not a synchronisation.
    std::this_thread::sleep_for(2500ms);
    publisher.publish("exp/marker", "m", 1);

    subscriber.connect(persistent(subscriber, false));
    const auto received = subscriber.until_marker("exp/marker", 10s);
    ASSERT_EQ(topics_of(received), (std::vector<std::string>{"exp/long", "exp/marker"})) << "[MQTT-3.3.2-5]";
    const auto left =
        property_of<std::uint32_t>(received[0].properties, mqtt::property::MESSAGE_EXPIRY_INTERVAL);
    ASSERT_TRUE(left) << "Message Expiry Interval not forwarded [MQTT-3.3.2-6]";
    EXPECT_LT(*left, 100u) << "the remaining lifetime must be sent, not the original [MQTT-3.3.2-6]";
    EXPECT_GE(*left, 90u);
}

TEST(PahoSession, ASecondConnectionWithTheSameIdTakesOverWithDisconnect0x8E)
{
    BrokerProcess broker;
    PahoClient first(broker.port(), "twin");
    first.connect(persistent(first, true));
    first.subscribe("takeover/t", 1);

    PahoClient second(broker.port(), "twin");
    EXPECT_TRUE(second.connect(persistent(second, false)).is_session_present()) << "the session is inherited";
    const auto reason = first.wait_server_disconnect(10s);
    ASSERT_TRUE(reason) << "first connection got no DISCONNECT [MQTT-3.1.4-3]";
    EXPECT_EQ(*reason, mqtt::ReasonCode::SESSION_TAKEN_OVER);

    PahoClient publisher(broker.port(), "publisher");
    publisher.connect();
    publisher.publish("takeover/t", "to the new one", 1);
    auto message = second.next(10s);
    ASSERT_TRUE(message) << "the subscription did not move to the new connection";
    EXPECT_EQ(message->payload, "to the new one");
}

TEST(PahoSession, TheBrokerClosesASilentClientAfterOneAndAHalfKeepAlives)
{
    BrokerProcess broker;
    RawClient silent(broker.port());
    const auto started = std::chrono::steady_clock::now();
    ASSERT_TRUE(silent.send(connect5("silent", 0x02, 2)));
    auto connack = read_packet(silent);
    ASSERT_TRUE(connack && connack->first == 0x20);
    // Not before one keep alive (2 s) has passed [MQTT-3.1.2-22] ...
    EXPECT_FALSE(silent.wait_closed(1500ms)) << "closed before the keep alive ran out";
    // ... and by 1.5 x keep alive (3 s), with a generous margin for a loaded machine. A DISCONNECT 0x8D
    // may come first.
    auto disconnect = read_packet(silent, 5s);
    if (disconnect) {
        EXPECT_EQ(disconnect->first, 0xE0);
        ASSERT_FALSE(disconnect->body.empty());
        EXPECT_EQ(disconnect->body[0], 0x8D) << "Keep Alive timeout";
    }
    EXPECT_TRUE(silent.wait_closed(5s));
    EXPECT_LT(std::chrono::steady_clock::now() - started, 8s);
}

TEST(PahoSession, UnacknowledgedMessagesAreResentWithDupOnReconnect)
{
    BrokerProcess broker;
    const Bytes expiry = cat({Bytes{0x11}, u32(300)});
    auto subscriber = std::make_unique<RawClient>(broker.port());
    ASSERT_TRUE(subscriber->send(connect5("resend", 0x02, 60, expiry)));
    ASSERT_TRUE(read_packet(*subscriber));
    ASSERT_TRUE(subscriber->send(subscribe5(1, "dup/t", 0x01)));
    ASSERT_TRUE(read_packet(*subscriber));

    PahoClient publisher(broker.port(), "pub");
    publisher.connect();
    publisher.publish("dup/t", "again", 1);
    auto first = read_packet(*subscriber);
    ASSERT_TRUE(first && (first->first & 0xF0) == 0x30);
    EXPECT_EQ(first->first & 0x08, 0) << "DUP on a first delivery [MQTT-3.3.1-3]";
    subscriber.reset();  // gone without PUBACK

    subscriber = std::make_unique<RawClient>(broker.port());
    ASSERT_TRUE(subscriber->send(connect5("resend", 0x00, 60, expiry)));
    auto connack = read_packet(*subscriber);
    ASSERT_TRUE(connack && connack->body.size() >= 2);
    EXPECT_EQ(connack->body[0], 1) << "Session Present";
    auto resent = read_packet(*subscriber);
    ASSERT_TRUE(resent) << "the unacknowledged message was not resent [MQTT-4.4.0-1]";
    EXPECT_EQ(resent->first & 0xF0, 0x30);
    EXPECT_EQ(resent->first & 0x08, 0x08) << "resent without DUP [MQTT-4.4.0-1]";
    EXPECT_EQ(publish_packet_id(*resent), publish_packet_id(*first)) << "resent with another packet id";
    EXPECT_EQ(publish5_payload(*resent), "again");
}

TEST(PahoSession, ASessionExpiryOfZeroAtDisconnectEndsTheSession)
{
    BrokerProcess broker;
    {
        RawClient client(broker.port());
        ASSERT_TRUE(client.send(connect5("short", 0x02, 60, cat({Bytes{0x11}, u32(300)}))));
        ASSERT_TRUE(read_packet(client));
        ASSERT_TRUE(client.send(subscribe5(1, "a", 0x01)));
        ASSERT_TRUE(read_packet(client));
        // DISCONNECT 0x00 with Session Expiry Interval 0 [MQTT-3.14.2.2.2]
        ASSERT_TRUE(client.send(packet(0xE0, cat({Bytes{0x00}, props(cat({Bytes{0x11}, u32(0)}))}))));
        EXPECT_TRUE(client.wait_closed());
    }
    RawClient again(broker.port());
    ASSERT_TRUE(again.send(connect5("short", 0x00, 60, cat({Bytes{0x11}, u32(300)}))));
    auto connack = read_packet(again);
    ASSERT_TRUE(connack && connack->body.size() >= 2);
    EXPECT_EQ(connack->body[0], 0) << "the session outlived a Session Expiry Interval of 0 set at DISCONNECT";
}

TEST(PahoSession, AMalformedPacketClosesOnlyItsOwnConnection)
{
    BrokerProcess broker;
    PahoClient subscriber(broker.port(), "bystander");
    subscriber.connect();
    subscriber.subscribe("iso/t", 1);
    PahoClient publisher(broker.port(), "pub");
    publisher.connect();

    RawClient hostile(broker.port());
    ASSERT_TRUE(hostile.send(connect5("hostile")));
    ASSERT_TRUE(read_packet(hostile));
    ASSERT_TRUE(hostile.send(Bytes{0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}));  // remaining length in 5 bytes
    const auto disconnect = read_packet(hostile);
    ASSERT_TRUE(disconnect) << "no DISCONNECT before the close";
    EXPECT_EQ(disconnect->first, 0xE0);
    EXPECT_TRUE(hostile.wait_closed());

    publisher.publish("iso/t", "still here", 1);
    auto message = subscriber.next(10s);
    ASSERT_TRUE(message) << "the other clients were disturbed";
    EXPECT_EQ(message->payload, "still here");
    EXPECT_FALSE(subscriber.wait_lost(0ms));
    EXPECT_FALSE(publisher.wait_lost(0ms));
}

}  // namespace
}  // namespace moatmq::test
