// A connection's life through the transport and the broker, end to end: timers (connect timeout, keep
// alive), an abnormal end (will), and a takeover across worker threads.
#include <gtest/gtest.h>

#include <memory>

#include "broker_process.hpp"
#include "child_process.hpp"
#include "raw_client.hpp"

namespace moatmq::test {
namespace {

const std::vector<std::uint8_t> kConnack311{0x20, 0x02, 0x00, 0x00};

// MQTT 3.1.1 CONNECT, clean session, with the given keep alive, and a will when `will_topic` is set.
std::vector<std::uint8_t> connect_311(const std::string& client_id, std::uint16_t keep_alive,
                                      const std::string& will_topic = {},
                                      const std::string& will_message = {})
{
    auto string_field = [](std::vector<std::uint8_t>& out, const std::string& text) {
        out.push_back(static_cast<std::uint8_t>(text.size() >> 8));
        out.push_back(static_cast<std::uint8_t>(text.size() & 0xFF));
        out.insert(out.end(), text.begin(), text.end());
    };
    const std::uint8_t flags = will_topic.empty() ? 0x02 : 0x06;  // clean session (+ will flag)
    std::vector<std::uint8_t> body{0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, flags};
    body.push_back(static_cast<std::uint8_t>(keep_alive >> 8));
    body.push_back(static_cast<std::uint8_t>(keep_alive & 0xFF));
    string_field(body, client_id);
    if (!will_topic.empty()) {
        string_field(body, will_topic);
        string_field(body, will_message);
    }
    std::vector<std::uint8_t> packet{0x10, static_cast<std::uint8_t>(body.size())};  // short packets only
    packet.insert(packet.end(), body.begin(), body.end());
    return packet;
}

TEST(ConnectionLifecycle, AClientThatNeverSendsConnectIsDroppedAfterTheConnectTimeout)
{
    BrokerProcess broker(test_config("[limits]\nconnect_timeout = \"1s\"\n"));
    RawClient silent(broker.port());
    EXPECT_TRUE(silent.wait_closed(10s));
}

TEST(ConnectionLifecycle, KeepAliveSilenceClosesTheConnection)
{
    BrokerProcess broker;
    RawClient client(broker.port());
    ASSERT_TRUE(client.send(connect_311("sleepy", 1)));
    ASSERT_EQ(client.read(4), kConnack311);
    EXPECT_TRUE(client.wait_closed(10s));  // 1.5 x 1 s without a packet
}

TEST(ConnectionLifecycle, PingsKeepAConnectionAlive)
{
    BrokerProcess broker;
    RawClient client(broker.port());
    ASSERT_TRUE(client.send(connect_311("awake", 1)));
    ASSERT_EQ(client.read(4), kConnack311);
    for (int i = 0; i < 4; ++i) {  // 4 x 0.5 s = twice the 1.5 s limit
        ASSERT_TRUE(client.send(kPingreq));
        ASSERT_EQ(client.read(2), kPingresp) << "ping " << i;
        EXPECT_FALSE(client.wait_closed(500ms)) << "closed although pinging, after ping " << i;
    }
}

TEST(ConnectionLifecycle, ASocketClosedWithoutDisconnectPublishesTheWill)
{
    BrokerProcess broker;
    ChildProcess sub({"stdbuf", "-oL", "mosquitto_sub", "-h", "127.0.0.1", "-p",
                      std::to_string(broker.port()), "-t", "clients/+/status", "-v", "-d", "-C", "1", "-W",
                      "20"});
    ASSERT_TRUE(sub.wait_for_output("received SUBACK", 10s)) << sub.out();
    {
        RawClient client(broker.port());
        ASSERT_TRUE(client.send(connect_311("doomed", 60, "clients/doomed/status", "gone")));
        ASSERT_EQ(client.read(4), kConnack311);
    }  // closed without DISCONNECT
    const auto received = sub.finish(20s);
    EXPECT_EQ(received.exit_code, 0) << received.err;
    EXPECT_NE(received.out.find("clients/doomed/status gone"), std::string::npos) << received.out;
}

TEST(ConnectionLifecycle, ASecondConnectionWithTheSameClientIdTakesOverOnAnotherWorker)
{
    BrokerProcess broker;  // two workers: consecutive connections land on different threads
    RawClient first(broker.port());
    ASSERT_TRUE(first.send(connect_311("twin", 60)));
    ASSERT_EQ(first.read(4), kConnack311);

    RawClient second(broker.port());
    ASSERT_TRUE(second.send(connect_311("twin", 60)));
    ASSERT_EQ(second.read(4), kConnack311);
    EXPECT_TRUE(first.wait_closed());

    ASSERT_TRUE(second.send(kPingreq));
    EXPECT_EQ(second.read(2), kPingresp);
}

}  // namespace
}  // namespace moatmq::test
