// MQTT 5 properties and subscription options through Paho C++: topic aliases both ways, No Local,
// Subscription Identifiers, application properties passed through unchanged, Request/Response
// Information, Receive Maximum towards a client, Assigned Client Identifier; plus 3.1.1 overlapping
// subscriptions and the $SYS topics.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "broker_process.hpp"
#include "mqtt_bytes.hpp"
#include "paho_support.hpp"
#include "raw_client.hpp"

namespace moatmq::test {
namespace {

using namespace bytes;

TEST(PahoProperties, InboundTopicAliasesResolveToTheirTopic)
{
    BrokerProcess broker;
    PahoClient subscriber(broker.port(), "sub");
    subscriber.connect();
    subscriber.subscribe("alias/#", 1);

    PahoClient publisher(broker.port(), "pub");
    const auto connack = publisher.connect();
    const auto maximum =
        property_of<std::uint16_t>(connack.get_properties(), mqtt::property::TOPIC_ALIAS_MAXIMUM).value_or(0);
    ASSERT_GE(maximum, 1) << "the broker announces no Topic Alias Maximum";
    const mqtt::properties alias{mqtt::property(mqtt::property::TOPIC_ALIAS, 1)};
    publisher.publish("alias/long/topic/name", "set", 1, false, alias);  // sets alias 1
    publisher.publish("", "use", 1, false, alias);                       // uses it
    publisher.publish("alias/other", "reset", 1, false, alias);          // remaps alias 1
    publisher.publish("", "use again", 1, false, alias);

    std::vector<std::pair<std::string, std::string>> received;
    for (int i = 0; i < 4; ++i) {
        auto message = subscriber.next();
        ASSERT_TRUE(message) << "message " << i << " did not arrive";
        received.emplace_back(message->topic, message->payload);
        EXPECT_FALSE(message->properties.contains(mqtt::property::TOPIC_ALIAS))
            << "the publisher's alias leaked to a subscriber that allows none [MQTT-3.3.2-9]";
    }
    EXPECT_EQ(received, (std::vector<std::pair<std::string, std::string>>{{"alias/long/topic/name", "set"},
                                                                          {"alias/long/topic/name", "use"},
                                                                          {"alias/other", "reset"},
                                                                          {"alias/other", "use again"}}));
}

TEST(PahoProperties, OutboundTopicAliasesStayWithinTheClientsMaximum)
{
    BrokerProcess broker;
    PahoClient subscriber(broker.port(), "sub");
    subscriber.connect(
        subscriber.options().properties({mqtt::property(mqtt::property::TOPIC_ALIAS_MAXIMUM, 1)}).finalize());
    subscriber.subscribe("out/#", 1);
    PahoClient publisher(broker.port(), "pub");
    publisher.connect();
    for (const auto* topic : {"out/a", "out/a", "out/b", "out/a", "out/b"})
        publisher.publish(topic, topic, 1);

    // Paho C does not resolve aliases: an aliased PUBLISH shows an empty topic and the alias.
    std::map<int, std::string> aliases;
    for (int i = 0; i < 5; ++i) {
        auto message = subscriber.next();
        ASSERT_TRUE(message) << "message " << i << " did not arrive";
        const auto alias = property_of<std::uint16_t>(message->properties, mqtt::property::TOPIC_ALIAS);
        if (alias) {
            EXPECT_EQ(*alias, 1) << "alias over the client's Topic Alias Maximum [MQTT-3.3.2-9]";
            if (!message->topic.empty()) aliases[*alias] = message->topic;
        }
        const auto topic = message->topic.empty() && alias ? aliases[*alias] : message->topic;
        EXPECT_EQ(topic, message->payload) << "message " << i << " resolves to the wrong topic";
    }
}

TEST(PahoProperties, NoLocalKeepsAClientsOwnMessagesFromIt)
{
    BrokerProcess broker;
    PahoClient client(broker.port(), "self");
    client.connect();
    client.subscribe("nl/t", 1, mqtt::subscribe_options(true));
    client.subscribe("nl/marker", 1);
    client.publish("nl/t", "own", 1);
    PahoClient other(broker.port(), "other");
    other.connect();
    other.publish("nl/t", "foreign", 1);
    other.publish("nl/marker", "m", 1);

    std::vector<std::string> payloads;
    for (const auto& m : client.until_marker("nl/marker"))
        payloads.push_back(m.payload);
    EXPECT_EQ(payloads, (std::vector<std::string>{"foreign", "m"})) << "[MQTT-3.8.3-3]";
}

TEST(PahoProperties, EachMatchingSubscriptionsIdentifierIsDelivered)
{
    BrokerProcess broker;
    PahoClient subscriber(broker.port(), "sid");
    subscriber.connect();
    subscriber.subscribe("sid/+", 1, {}, {mqtt::property(mqtt::property::SUBSCRIPTION_IDENTIFIER, 7)});
    subscriber.subscribe("sid/#", 1, {}, {mqtt::property(mqtt::property::SUBSCRIPTION_IDENTIFIER, 300)});
    subscriber.subscribe("sidm", 1);
    PahoClient publisher(broker.port(), "pub");
    publisher.connect();
    publisher.publish("sid/a", "x", 1);
    publisher.publish("sidm", "m", 1);

    std::multiset<int> identifiers;
    for (const auto& m : subscriber.until_marker("sidm")) {
        if (m.topic == "sidm") {
            EXPECT_FALSE(m.properties.contains(mqtt::property::SUBSCRIPTION_IDENTIFIER))
                << "identifier on a delivery by a subscription without one";
            continue;
        }
        for (std::size_t i = 0; i < m.properties.count(mqtt::property::SUBSCRIPTION_IDENTIFIER); ++i)
            identifiers.insert(mqtt::get<int>(m.properties, mqtt::property::SUBSCRIPTION_IDENTIFIER, i));
    }
    EXPECT_EQ(identifiers, (std::multiset<int>{7, 300})) << "[MQTT-3.3.4-3] [MQTT-3.3.4-4] [MQTT-3.3.4-5]";
}

TEST(PahoProperties, ApplicationPropertiesPassThroughUnchanged)
{
    BrokerProcess broker;
    PahoClient subscriber(broker.port(), "sub");
    subscriber.connect();
    subscriber.subscribe("app/t", 1);
    PahoClient publisher(broker.port(), "pub");
    publisher.connect();
    const std::string correlation("\x00\x01\xFFid", 5);
    publisher.publish("app/t", "{\"a\":1}", 1, false,
                      {mqtt::property(mqtt::property::USER_PROPERTY, "k", "v1"),
                       mqtt::property(mqtt::property::USER_PROPERTY, "k", "v2"),
                       mqtt::property(mqtt::property::USER_PROPERTY, "other", "\xC3\xA9t\xC3\xA9"),
                       mqtt::property(mqtt::property::CONTENT_TYPE, "application/json"),
                       mqtt::property(mqtt::property::PAYLOAD_FORMAT_INDICATOR, 1),
                       mqtt::property(mqtt::property::RESPONSE_TOPIC, "app/reply"),
                       mqtt::property(mqtt::property::CORRELATION_DATA, correlation)});
    auto message = subscriber.next();
    ASSERT_TRUE(message);
    const auto& p = message->properties;
    ASSERT_EQ(p.count(mqtt::property::USER_PROPERTY), 3u) << "[MQTT-3.3.2-17]";
    std::vector<std::pair<std::string, std::string>> user;
    for (std::size_t i = 0; i < 3; ++i) {
        const auto pair = mqtt::get<mqtt::string_pair>(p, mqtt::property::USER_PROPERTY, i);
        user.emplace_back(std::get<0>(pair), std::get<1>(pair));
    }
    EXPECT_EQ(user, (std::vector<std::pair<std::string, std::string>>{
                        {"k", "v1"}, {"k", "v2"}, {"other", "\xC3\xA9t\xC3\xA9"}}))
        << "user properties reordered or changed [MQTT-3.3.2-18]";
    EXPECT_EQ(property_of<std::string>(p, mqtt::property::CONTENT_TYPE), "application/json")
        << "[MQTT-3.3.2-20]";
    EXPECT_EQ(property_of<std::uint8_t>(p, mqtt::property::PAYLOAD_FORMAT_INDICATOR), 1) << "[MQTT-3.3.2-4]";
    EXPECT_EQ(property_of<std::string>(p, mqtt::property::RESPONSE_TOPIC), "app/reply") << "[MQTT-3.3.2-15]";
    EXPECT_EQ(property_of<std::string>(p, mqtt::property::CORRELATION_DATA), correlation)
        << "[MQTT-3.3.2-16]";
    EXPECT_EQ(message->payload, "{\"a\":1}");
}

TEST(PahoProperties, ResponseInformationOnlyWhenRequested)
{
    BrokerProcess broker(config_with_broker_keys("response_information_prefix = \"reply/\"\n"));
    PahoClient asking(broker.port(), "asking");
    const auto asked =
        asking.connect(asking.options()
                           .properties({mqtt::property(mqtt::property::REQUEST_RESPONSE_INFORMATION, 1)})
                           .finalize());
    const auto information =
        property_of<std::string>(asked.get_properties(), mqtt::property::RESPONSE_INFORMATION);
    ASSERT_TRUE(information) << "no Response Information although requested";
    EXPECT_EQ(*information, "reply/asking");

    PahoClient quiet(broker.port(), "quiet");
    const auto not_asked = quiet.connect();
    EXPECT_FALSE(not_asked.get_properties().contains(mqtt::property::RESPONSE_INFORMATION))
        << "[MQTT-3.1.2-28]";

    // The requester can use it as a response topic: a request/response round trip.
    asking.subscribe(*information, 1);
    quiet.publish("svc/request", "ping", 1, false,
                  {mqtt::property(mqtt::property::RESPONSE_TOPIC, *information),
                   mqtt::property(mqtt::property::CORRELATION_DATA, "c-1")});
    quiet.publish(*information, "pong", 1, false, {mqtt::property(mqtt::property::CORRELATION_DATA, "c-1")});
    auto reply = asking.next();
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->payload, "pong");
    EXPECT_EQ(property_of<std::string>(reply->properties, mqtt::property::CORRELATION_DATA), "c-1");
}

TEST(PahoProperties, AnEmptyClientIdIsAssignedOne)
{
    BrokerProcess broker;
    PahoClient anonymous(broker.port(), "");
    const auto connack = anonymous.connect();
    const auto assigned =
        property_of<std::string>(connack.get_properties(), mqtt::property::ASSIGNED_CLIENT_IDENTIFER);
    ASSERT_TRUE(assigned) << "[MQTT-3.2.2-16]";
    EXPECT_FALSE(assigned->empty());
}

TEST(PahoProperties, TheBrokerRespectsTheClientsReceiveMaximum)
{
    BrokerProcess broker;
    // A raw subscriber with Receive Maximum 2 that acknowledges only when told to.
    RawClient subscriber(broker.port());
    ASSERT_TRUE(subscriber.send(connect5("slow", 0x02, 60, cat({Bytes{0x21}, u16(2)}))));
    ASSERT_TRUE(read_packet(subscriber));
    ASSERT_TRUE(subscriber.send(subscribe5(1, "rm/t", 0x01)));
    ASSERT_TRUE(read_packet(subscriber));

    PahoClient publisher(broker.port(), "pub");
    publisher.connect();
    constexpr int kCount = 5;
    for (int i = 0; i < kCount; ++i)
        publisher.publish("rm/t", std::to_string(i), 1);

    // Reads PUBLISHes up to the PINGRESP that answers a PINGREQ sent now.
    auto publishes_until_pong = [&] {
        std::vector<Packet> publishes;
        EXPECT_TRUE(subscriber.send(kPingreq));
        for (int i = 0; i <= kCount; ++i) {
            auto packet = read_packet(subscriber);
            if (!packet || packet->first == 0xD0) break;
            publishes.push_back(std::move(*packet));
        }
        return publishes;
    };
    std::vector<Packet> window;
    for (int i = 0; i < 2; ++i) {
        auto packet = read_packet(subscriber);
        ASSERT_TRUE(packet) << "only " << i << " PUBLISHes arrived";
        window.push_back(std::move(*packet));
    }
    ASSERT_TRUE(publishes_until_pong().empty())
        << "more in flight than the client's Receive Maximum [MQTT-3.3.4-7]";

    std::vector<std::string> payloads;
    for (int round = 0; round < kCount && payloads.size() < kCount; ++round) {
        for (const auto& publish : window) {
            payloads.push_back(publish5_payload(publish));
            ASSERT_TRUE(subscriber.send(puback(publish_packet_id(publish))));
        }
        window.clear();
        // Acknowledging lets the next ones come; never more than 2 unacknowledged.
        for (int i = 0; i < 2 && payloads.size() + window.size() < kCount; ++i) {
            auto packet = read_packet(subscriber);
            ASSERT_TRUE(packet) << "no PUBLISH after a PUBACK freed the window";
            window.push_back(std::move(*packet));
        }
        auto extra = publishes_until_pong();
        ASSERT_TRUE(extra.empty()) << "more in flight than the client's Receive Maximum [MQTT-3.3.4-7]";
    }
    EXPECT_EQ(payloads, (std::vector<std::string>{"0", "1", "2", "3", "4"}));
}

TEST(PahoProperties, Overlapping311SubscriptionsGiveOneDeliveryAtTheHighestQos)
{
    BrokerProcess broker;
    PahoClient subscriber(broker.port(), "overlap", MQTTVERSION_3_1_1);
    subscriber.connect();
    subscriber.subscribe("ov/#", 0);
    subscriber.subscribe("ov/+", 2);
    subscriber.subscribe("ov/a", 1);
    PahoClient publisher(broker.port(), "pub", MQTTVERSION_3_1_1);
    publisher.connect();
    publisher.publish("ov/a", "x", 2);
    publisher.publish("ov/marker", "m", 2);

    const auto received = subscriber.until_marker("ov/marker");
    int copies = 0;
    for (const auto& m : received) {
        if (m.topic != "ov/a") continue;
        ++copies;
        EXPECT_EQ(m.qos, 2) << "not delivered at the highest granted QoS [MQTT-3.3.5-1]";
    }
    EXPECT_EQ(copies, 1) << "overlapping subscriptions delivered more than once (3.1.1)";
}

TEST(PahoProperties, SysTopicsArePublishedAndNotMatchedByHash)
{
    BrokerProcess broker(config_with_broker_keys("sys_interval = \"200ms\"\n"));
    PahoClient everything(broker.port(), "everything");
    everything.connect();
    everything.subscribe("#", 0);
    everything.subscribe("+/broker/#", 0);  // a leading '+' must not match "$SYS" either
    PahoClient sys(broker.port(), "sys");
    sys.connect();
    sys.subscribe("$SYS/broker/#", 0);

    std::set<std::string> wanted{"$SYS/broker/version",
                                 "$SYS/broker/uptime",
                                 "$SYS/broker/clients/connected",
                                 "$SYS/broker/clients/total",
                                 "$SYS/broker/messages/received",
                                 "$SYS/broker/messages/sent",
                                 "$SYS/broker/bytes/received",
                                 "$SYS/broker/bytes/sent",
                                 "$SYS/broker/load/messages/received/per_second",
                                 "$SYS/broker/load/messages/sent/per_second",
                                 "$SYS/broker/load/bytes/received/per_second",
                                 "$SYS/broker/load/bytes/sent/per_second",
                                 "$SYS/broker/subscriptions/count",
                                 "$SYS/broker/retained messages/count"};
    std::string connected;
    // Values lag by up to one interval: wait for the one that counts both clients.
    for (int i = 0; i < 500 && (!wanted.empty() || connected != "2"); ++i) {
        auto message = sys.next(10s);
        ASSERT_TRUE(message) << "missing " << (wanted.empty() ? "clients/connected = 2" : *wanted.begin());
        wanted.erase(message->topic);
        if (message->topic == "$SYS/broker/clients/connected") connected = message->payload;
        if (message->topic == "$SYS/broker/version") {
            EXPECT_NE(message->payload.find("moatmq"), std::string::npos);
        }
    }
    EXPECT_TRUE(wanted.empty());
    EXPECT_EQ(connected, "2");

    everything.publish("plain/marker", "m", 1);
    for (const auto& m : everything.until_marker("plain/marker"))
        EXPECT_NE(m.topic.rfind("$", 0), 0u) << "a leading wildcard matched " << m.topic << " [MQTT-4.7.2-1]";
}

TEST(PahoProperties, APacketOverTheClientsMaximumPacketSizeIsNotSent)
{
    BrokerProcess broker;
    PahoClient subscriber(broker.port(), "small");
    subscriber.connect(subscriber.options()
                           .properties({mqtt::property(mqtt::property::MAXIMUM_PACKET_SIZE, 128)})
                           .finalize());
    subscriber.subscribe("mps/#", 1);
    PahoClient publisher(broker.port(), "pub");
    publisher.connect();
    publisher.publish("mps/big", std::string(200, 'b'), 1);
    publisher.publish("mps/small", "s", 1);
    publisher.publish("mps/marker", "m", 1);

    EXPECT_EQ(topics_of(subscriber.until_marker("mps/marker")),
              (std::vector<std::string>{"mps/small", "mps/marker"}))
        << "a PUBLISH over the client's Maximum Packet Size must be dropped [MQTT-3.1.2-25]";
}

TEST(PahoProperties, DeliveryIsDowngradedToTheSubscriptionsQos)
{
    BrokerProcess broker;
    PahoClient subscriber(broker.port(), "qos0");
    subscriber.connect();
    subscriber.subscribe("down/0", 0);
    subscriber.subscribe("down/1", 1);
    PahoClient publisher(broker.port(), "pub");
    publisher.connect();
    publisher.publish("down/0", "x", 2);
    publisher.publish("down/1", "y", 2);
    std::map<std::string, int> qos;
    for (int i = 0; i < 2; ++i) {
        auto message = subscriber.next();
        ASSERT_TRUE(message);
        qos[message->topic] = message->qos;
    }
    EXPECT_EQ(qos, (std::map<std::string, int>{{"down/0", 0}, {"down/1", 1}})) << "[MQTT-3.8.4-8]";
}

TEST(PahoProperties, TheBrokerCapsKeepAliveWithServerKeepAlive)
{
    BrokerProcess broker(test_config("[limits]\nmax_keep_alive = \"10s\"\n"));
    PahoClient client(broker.port(), "sleepy");
    const auto connack = client.connect();  // asks for 60 s
    EXPECT_EQ(property_of<std::uint16_t>(connack.get_properties(), mqtt::property::SERVER_KEEP_ALIVE), 10)
        << "[MQTT-3.2.2-21]";
}

TEST(PahoProperties, TheConnackAnnouncesTheBrokersLimits)
{
    BrokerProcess broker(
        test_config("[limits]\nreceive_maximum = 7\nmax_packet_size = 4096\ntopic_alias_maximum = 3\n"));
    PahoClient client(broker.port(), "limits");
    const auto p = client.connect().get_properties();
    EXPECT_EQ(property_of<std::uint16_t>(p, mqtt::property::RECEIVE_MAXIMUM), 7);
    EXPECT_EQ(property_of<std::uint32_t>(p, mqtt::property::MAXIMUM_PACKET_SIZE), 4096u);
    EXPECT_EQ(property_of<std::uint16_t>(p, mqtt::property::TOPIC_ALIAS_MAXIMUM), 3);
}

}  // namespace
}  // namespace moatmq::test
