// Retained messages through Paho C++ (MQTT 5): set, replace, clear, the retain flag on delivery, and the
// subscription options that govern retained messages (Retain Handling 0/1/2, Retain As Published), and
// the Message Expiry Interval of a retained message.
#include <gtest/gtest.h>

#include <thread>

#include "broker_process.hpp"
#include "paho_support.hpp"

namespace moatmq::test {
namespace {

TEST(PahoRetained, ARetainedMessageIsDeliveredOnSubscribeWithTheRetainFlag)
{
    BrokerProcess broker;
    PahoClient publisher(broker.port(), "ret-pub");
    publisher.connect();
    publisher.publish("ret/a", "first", 1, true);

    PahoClient subscriber(broker.port(), "ret-sub");
    subscriber.connect();
    subscriber.subscribe("ret/#", 1);
    auto message = subscriber.next();
    ASSERT_TRUE(message);
    EXPECT_EQ(message->topic, "ret/a");
    EXPECT_EQ(message->payload, "first");
    EXPECT_TRUE(message->retained) << "retained message delivered on subscribe without RETAIN [MQTT-3.3.1-9]";
    EXPECT_EQ(message->qos, 1);
}

TEST(PahoRetained, ANewRetainedMessageReplacesTheOldOne)
{
    BrokerProcess broker;
    PahoClient publisher(broker.port(), "ret-pub");
    publisher.connect();
    publisher.publish("ret/a", "first", 1, true);
    publisher.publish("ret/a", "second", 1, true);
    publisher.publish("ret/marker", "m", 1, true);

    PahoClient subscriber(broker.port(), "ret-sub");
    subscriber.connect();
    // Retained messages of one SUBSCRIBE come in no set order; the marker's comes with a later one.
    subscriber.subscribe("ret/a", 1);
    subscriber.subscribe("ret/marker", 1);
    const auto received = subscriber.until_marker("ret/marker");
    EXPECT_EQ(payloads_on(received, "ret/a"), std::vector<std::string>{"second"}) << "[MQTT-3.3.1-5]";
}

TEST(PahoRetained, AnEmptyRetainedPayloadClearsTheTopic)
{
    BrokerProcess broker;
    PahoClient publisher(broker.port(), "ret-pub");
    publisher.connect();
    publisher.publish("ret/a", "first", 1, true);
    publisher.publish("ret/a", "", 1, true);
    publisher.publish("ret/marker", "m", 1, true);

    PahoClient subscriber(broker.port(), "ret-sub");
    subscriber.connect();
    // Retained messages of one SUBSCRIBE come in no set order; the marker's comes with a later one.
    subscriber.subscribe("ret/a", 1);
    subscriber.subscribe("ret/marker", 1);
    const auto received = subscriber.until_marker("ret/marker");
    ASSERT_FALSE(received.empty());
    EXPECT_EQ(received.back().topic, "ret/marker");
    EXPECT_TRUE(payloads_on(received, "ret/a").empty())
        << "cleared retained message still delivered [MQTT-3.3.1-6]";
}

TEST(PahoRetained, ALiveRetainedPublishArrivesWithoutRetainUnlessRetainAsPublished)
{
    BrokerProcess broker;
    PahoClient plain(broker.port(), "plain");
    plain.connect();
    plain.subscribe("rap/t", 1, mqtt::subscribe_options(false, false));
    PahoClient as_published(broker.port(), "rap");
    as_published.connect();
    as_published.subscribe("rap/t", 1, mqtt::subscribe_options(false, true));

    PahoClient publisher(broker.port(), "rap-pub");
    publisher.connect();
    publisher.publish("rap/t", "live", 1, true);

    auto to_plain = plain.next();
    ASSERT_TRUE(to_plain);
    EXPECT_FALSE(to_plain->retained)
        << "Retain As Published 0 must clear RETAIN on live delivery [MQTT-3.3.1-12]";
    auto to_rap = as_published.next();
    ASSERT_TRUE(to_rap);
    EXPECT_TRUE(to_rap->retained) << "Retain As Published 1 must keep RETAIN [MQTT-3.3.1-13]";
}

TEST(PahoRetained, ARetainedMessageExpiresAndIsDeliveredWithItsRemainingLifetime)
{
    BrokerProcess broker;
    PahoClient publisher(broker.port(), "ret-pub");
    publisher.connect();
    publisher.publish("exp/short", "short", 1, true,
                      {mqtt::property(mqtt::property::MESSAGE_EXPIRY_INTERVAL, 1)});
    publisher.publish("exp/long", "long", 1, true,
                      {mqtt::property(mqtt::property::MESSAGE_EXPIRY_INTERVAL, 100)});
    publisher.publish("expm/marker", "m", 1, true);
    // The time passing is what is under test (the 1 s lifetime must run out), not a synchronisation.
    std::this_thread::sleep_for(2500ms);

    PahoClient subscriber(broker.port(), "ret-sub");
    subscriber.connect();
    subscriber.subscribe("exp/#", 1);
    subscriber.subscribe("expm/marker", 1);  // its retained message comes after those of exp/#
    const auto received = subscriber.until_marker("expm/marker");
    ASSERT_EQ(topics_of(received), (std::vector<std::string>{"exp/long", "expm/marker"}))
        << "an expired retained message was delivered [MQTT-3.3.2-5]";
    const auto left =
        property_of<std::uint32_t>(received[0].properties, mqtt::property::MESSAGE_EXPIRY_INTERVAL);
    ASSERT_TRUE(left) << "Message Expiry Interval not forwarded [MQTT-3.3.2-6]";
    EXPECT_LT(*left, 100u) << "the remaining lifetime must be sent, not the original [MQTT-3.3.2-6]";
    EXPECT_GE(*left, 90u);
}

// Subscribes twice to the same filter with the given Retain Handling and counts the retained
// deliveries after each SUBSCRIBE (a retained marker on another topic bounds the wait).
std::pair<int, int> retained_deliveries(int retain_handling)
{
    BrokerProcess broker;
    PahoClient publisher(broker.port(), "rh-pub");
    publisher.connect();
    publisher.publish("rh/a", "kept", 1, true);
    publisher.publish("rhm/marker", "m", 1, true);

    PahoClient subscriber(broker.port(), "rh-sub");
    subscriber.connect();
    const mqtt::subscribe_options options(
        false, false, static_cast<mqtt::subscribe_options::RetainHandling>(retain_handling));
    auto count_after_subscribe = [&] {
        subscriber.subscribe("rh/#", 1, options);
        subscriber.subscribe("rhm/#", 1);  // always sends the marker (Retain Handling 0)
        int count = 0;
        for (const auto& m : subscriber.until_marker("rhm/marker"))
            count += m.topic == "rh/a" ? 1 : 0;
        return count;
    };
    const int first = count_after_subscribe();
    const int second = count_after_subscribe();
    return {first, second};
}

TEST(PahoRetained, RetainHandling0SendsRetainedOnEverySubscribe)
{
    EXPECT_EQ(retained_deliveries(0), std::make_pair(1, 1)) << "[MQTT-3.3.1-9]";
}

TEST(PahoRetained, RetainHandling1SendsRetainedOnlyForANewSubscription)
{
    EXPECT_EQ(retained_deliveries(1), std::make_pair(1, 0)) << "[MQTT-3.3.1-10]";
}

TEST(PahoRetained, RetainHandling2NeverSendsRetained)
{
    EXPECT_EQ(retained_deliveries(2), std::make_pair(0, 0)) << "[MQTT-3.3.1-11]";
}

}  // namespace
}  // namespace moatmq::test
