// Will messages (MQTT 5), watched by a Paho C++ subscriber: published when a connection ends without
// DISCONNECT, not after a normal DISCONNECT, published after DISCONNECT 0x04, and held back for the Will
// Delay Interval, during which a reconnect of the same session cancels it. The clients that must end
// abnormally are raw sockets (Paho always says DISCONNECT when it closes).
#include <gtest/gtest.h>

#include "broker_process.hpp"
#include "mqtt_bytes.hpp"
#include "paho_support.hpp"
#include "raw_client.hpp"

namespace moatmq::test {
namespace {

using namespace bytes;

// A 5.0 CONNECT with a will on `topic`: will flag, the given will QoS / retain, clean start as given,
// Session Expiry Interval and Will Delay Interval in seconds.
Bytes connect_with_will(const std::string& id, const std::string& topic, bool clean_start,
                        std::uint8_t will_qos, bool will_retain, std::uint32_t session_expiry,
                        std::uint32_t will_delay)
{
    auto flags = static_cast<std::uint8_t>(0x04 | (will_qos << 3) | (will_retain ? 0x20 : 0) |
                                           (clean_start ? 0x02 : 0));
    const Bytes connect_properties = session_expiry ? cat({Bytes{0x11}, u32(session_expiry)}) : Bytes{};
    const Bytes will_properties = will_delay ? cat({Bytes{0x18}, u32(will_delay)}) : Bytes{};
    return connect5(id, flags, 60, connect_properties,
                    cat({props(will_properties), str(topic), str("gone")}));
}

// Opens a raw 5.0 connection with `connect` and checks the CONNACK; returns the client.
std::unique_ptr<RawClient> raw_connect(std::uint16_t port, const Bytes& connect,
                                       bool expect_session_present = false)
{
    auto client = std::make_unique<RawClient>(port);
    EXPECT_TRUE(client->send(connect));
    const auto connack = read_packet(*client);
    EXPECT_TRUE(connack && connack->first == 0x20 && connack->body.size() >= 2 && connack->body[1] == 0)
        << "CONNECT refused";
    if (connack && connack->body.size() >= 2) {
        EXPECT_EQ(connack->body[0], expect_session_present ? 1 : 0) << "Session Present";
    }
    return client;
}

TEST(PahoWill, AConnectionClosedWithoutDisconnectPublishesTheWillWithItsQosAndRetain)
{
    BrokerProcess broker;
    PahoClient watcher(broker.port(), "watcher");
    watcher.connect();
    watcher.subscribe("will/#", 1);

    raw_connect(broker.port(), connect_with_will("doomed", "will/doomed", true, 1, true, 0, 0)).reset();

    auto will = watcher.next(10s);
    ASSERT_TRUE(will) << "no will after an abnormal close [MQTT-3.1.2-8]";
    EXPECT_EQ(will->topic, "will/doomed");
    EXPECT_EQ(will->payload, "gone");
    EXPECT_EQ(will->qos, 1);

    PahoClient late(broker.port(), "late");
    late.connect();
    late.subscribe("will/#", 1);
    auto retained = late.next();
    ASSERT_TRUE(retained) << "a will with Will Retain was not retained [MQTT-3.1.2-17]";
    EXPECT_EQ(retained->payload, "gone");
    EXPECT_TRUE(retained->retained);
}

TEST(PahoWill, ANormalDisconnectDiscardsTheWill)
{
    BrokerProcess broker;
    PahoClient watcher(broker.port(), "watcher");
    watcher.connect();
    watcher.subscribe("will/#", 1);
    PahoClient marker(broker.port(), "marker");
    marker.connect();

    PahoClient leaving(broker.port(), "leaving");
    leaving.connect(leaving.options().will(mqtt::message("will/leaving", "gone", 1, false)).finalize());
    leaving.disconnect();
    marker.publish("will/marker", "m", 1);

    const auto received = watcher.until_marker("will/marker", 10s);
    ASSERT_FALSE(received.empty());
    EXPECT_EQ(received.back().topic, "will/marker");
    EXPECT_TRUE(payloads_on(received, "will/leaving").empty())
        << "will after DISCONNECT 0x00 [MQTT-3.1.2-10]";
}

// Paho C++ 1.2 drops a DISCONNECT reason code (its disconnect options are the 3.1.1 C struct), so the
// DISCONNECT 0x04 comes from a raw client.
TEST(PahoWill, DisconnectWithWillMessagePublishesTheWill)
{
    BrokerProcess broker;
    PahoClient watcher(broker.port(), "watcher");
    watcher.connect();
    watcher.subscribe("will/#", 1);

    auto leaving =
        raw_connect(broker.port(), connect_with_will("leaving", "will/leaving", true, 1, false, 0, 0));
    ASSERT_TRUE(leaving->send(packet(0xE0, Bytes{0x04, 0x00})));
    EXPECT_TRUE(leaving->wait_closed()) << "the broker kept the connection after DISCONNECT";

    auto will = watcher.next(10s);
    ASSERT_TRUE(will) << "no will after DISCONNECT 0x04 [MQTT-3.14.2.1]";
    EXPECT_EQ(will->topic, "will/leaving");
    EXPECT_EQ(will->payload, "gone");
}

TEST(PahoWill, TheWillWaitsForTheWillDelayInterval)
{
    BrokerProcess broker;
    PahoClient watcher(broker.port(), "watcher");
    watcher.connect();
    watcher.subscribe("will/#", 1);

    PahoClient marker(broker.port(), "marker");
    marker.connect();
    raw_connect(broker.port(), connect_with_will("delayed", "will/delayed", true, 1, false, 60, 2)).reset();
    marker.publish("will/marker", "m", 1);  // right after the close: well inside the 2 s delay

    auto first = watcher.next(10s);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->topic, "will/marker") << "the will came before its Will Delay Interval [MQTT-3.1.3-9]";
    auto will = watcher.next(10s);
    ASSERT_TRUE(will) << "no will after the Will Delay Interval";
    EXPECT_EQ(will->topic, "will/delayed");
}

TEST(PahoWill, AReconnectWithinTheWillDelayCancelsTheWill)
{
    BrokerProcess broker;
    PahoClient watcher(broker.port(), "watcher");
    watcher.connect();
    watcher.subscribe("will/#", 1);

    raw_connect(broker.port(), connect_with_will("back", "will/back", true, 1, false, 60, 1)).reset();
    // The same client id resumes its session (clean start 0) before the 1 s delay has passed.
    auto resumed = raw_connect(broker.port(), connect5("back", 0x00, 60, cat({Bytes{0x11}, u32(60)})), true);

    // Nothing may arrive, not even after the delay would have ended: a bounded wait of 3 x the delay.
    auto unexpected = watcher.next(3s);
    EXPECT_FALSE(unexpected) << "will published although the session resumed: " << unexpected->topic
                             << " [MQTT-3.1.3-9]";
    ASSERT_TRUE(resumed->send(kPingreq));
    EXPECT_TRUE(read_packet(*resumed)) << "the resumed connection was closed";
}

}  // namespace
}  // namespace moatmq::test
