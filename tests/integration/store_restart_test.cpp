// Restarts of the real broker on one data_dir (docs/persistence.md): each kind of stored state comes
// back — retained messages (and their deletion), persistent sessions with their subscriptions and queued
// messages, an unacknowledged outbound QoS 2 message (resent with DUP and its packet id), a delayed will
// — expired sessions do not, and a store that cannot be read stops the broker (naming the path) without
// being touched until `moatmq store repair` is asked to. Third-party clients where they can express the
// case (mosquitto_pub/sub), raw MQTT 5.0 bytes where they cannot. Loopback only; waits have deadlines.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "broker_process.hpp"
#include "child_process.hpp"
#include "mqtt_bytes.hpp"
#include "raw_client.hpp"
#include "temp_dir.hpp"

namespace moatmq::test {
namespace {

using namespace bytes;

class StoreRestart : public ::testing::Test {
protected:
    std::string config(std::string_view extra = {}) const
    {
        return test_config(std::string("[store]\nsync = \"always\"\n") + std::string(extra),
                           (data_.path() / "data").string());
    }
    std::filesystem::path store_dir() const { return data_.path() / "data" / "store"; }

    ProgramResult pub(const BrokerProcess& broker, std::vector<std::string> args)
    {
        std::vector<std::string> argv{"mosquitto_pub", "-h", "127.0.0.1", "-p",
                                      std::to_string(broker.port())};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_program(argv, 10s);
    }
    ProgramResult sub(const BrokerProcess& broker, std::vector<std::string> args)
    {
        std::vector<std::string> argv{
            "mosquitto_sub", "-h", "127.0.0.1", "-p", std::to_string(broker.port()), "-W", "10"};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_program(argv, 15s);
    }

    TempDir data_{"moatmq-restart"};
};

const Bytes kSessionExpiryHour = cat({Bytes{0x11}, u32(3600)});

// Connects a raw 5.0 client (clean start 0); returns the CONNACK's session present flag.
bool connect_raw(RawClient& client, const std::string& id, const Bytes& properties = kSessionExpiryHour,
                 std::uint8_t flags = 0x00, const Bytes& rest = {})
{
    EXPECT_TRUE(client.send(connect5(id, flags, 60, properties, rest)));
    auto connack = read_packet(client, 10s);
    EXPECT_TRUE(connack && connack->type() == 2 && connack->body.size() >= 2 && connack->body[1] == 0);
    return connack && !connack->body.empty() && (connack->body[0] & 1) != 0;
}

TEST_F(StoreRestart, RetainedMessagesAndTheirDeletionSurvive)
{
    {
        BrokerProcess broker(config());
        ASSERT_EQ(pub(broker, {"-q", "1", "-r", "-t", "plant/a", "-m", "kept"}).exit_code, 0);
        ASSERT_EQ(pub(broker, {"-q", "1", "-r", "-t", "plant/b", "-m", "deleted"}).exit_code, 0);
        ASSERT_EQ(pub(broker, {"-q", "1", "-r", "-t", "plant/b", "-n"}).exit_code, 0);  // deletes it
        ASSERT_EQ(broker.stop(), 0);
    }
    BrokerProcess broker(config());
    // Two messages asked for; only one exists, so the second wait ends on -W with what arrived.
    const auto result = sub(broker, {"-t", "plant/#", "-v", "-C", "1"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out, "plant/a kept\n");
    const auto both = sub(broker, {"-t", "plant/#", "-v", "-C", "2", "-W", "2"});
    EXPECT_EQ(both.out, "plant/a kept\n") << "the deleted retained message came back";
}

TEST_F(StoreRestart, PersistentSessionKeepsSubscriptionAndQueuedMessages)
{
    {
        BrokerProcess broker(config());
        ASSERT_EQ(sub(broker, {"-c", "-i", "keeper", "-q", "2", "-t", "q/#", "-E"}).exit_code, 0);
        ASSERT_EQ(pub(broker, {"-q", "1", "-t", "q/1", "-m", "first"}).exit_code, 0);
        ASSERT_EQ(pub(broker, {"-q", "2", "-t", "q/2", "-m", "second"}).exit_code, 0);
        ASSERT_EQ(broker.stop(), 0);
    }
    BrokerProcess broker(config());
    // The subscription came back too: a message published after the restart is delivered to it.
    ASSERT_EQ(pub(broker, {"-q", "1", "-t", "q/3", "-m", "third"}).exit_code, 0);
    const auto result = sub(broker, {"-c", "-i", "keeper", "-q", "2", "-t", "q/#", "-v", "-C", "3"});
    EXPECT_EQ(result.exit_code, 0) << result.err << broker.log();
    // In any order: mosquitto_sub prints a QoS 2 message when it is released, after the QoS 1 ones.
    EXPECT_NE(result.out.find("q/1 first\n"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("q/2 second\n"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("q/3 third\n"), std::string::npos) << result.out;
}

TEST_F(StoreRestart, AnUnacknowledgedQoS2MessageIsResentWithDupAndItsPacketId)
{
    std::uint16_t packet_id = 0;
    {
        BrokerProcess broker(config());
        RawClient subscriber(broker.port());
        connect_raw(subscriber, "slow");
        ASSERT_TRUE(subscriber.send(subscribe5(1, "inflight/#", 0x02)));
        ASSERT_TRUE(read_packet(subscriber, 10s));  // SUBACK
        ASSERT_EQ(pub(broker, {"-q", "2", "-t", "inflight/x", "-m", "unacked"}).exit_code, 0);
        auto publish = read_packet(subscriber, 10s);
        ASSERT_TRUE(publish && publish->type() == 3);
        packet_id = publish_packet_id(*publish);
        // No PUBREC: the broker is stopped with the message in flight.
        ASSERT_EQ(broker.stop(), 0);
    }
    BrokerProcess broker(config());
    RawClient subscriber(broker.port());
    EXPECT_TRUE(connect_raw(subscriber, "slow"));
    auto again = read_packet(subscriber, 10s);
    ASSERT_TRUE(again && again->type() == 3) << broker.log();
    EXPECT_NE(again->first & 0x08, 0) << "DUP not set";
    EXPECT_EQ(publish_packet_id(*again), packet_id);
    EXPECT_EQ(publish5_payload(*again), "unacked");
    ASSERT_TRUE(subscriber.send(packet(0x50, u16(packet_id))));  // PUBREC
    auto pubrel = read_packet(subscriber, 10s);
    ASSERT_TRUE(pubrel && pubrel->type() == 6);
    ASSERT_TRUE(subscriber.send(packet(0x70, u16(packet_id))));  // PUBCOMP
    // Acknowledged now: gone from the store (one more restart does not bring it back).
    ASSERT_TRUE(subscriber.send(packet(0xE0, {})));
    EXPECT_TRUE(subscriber.wait_closed(10s));
    ASSERT_EQ(broker.stop(), 0);
    BrokerProcess third(config());
    RawClient back(third.port());
    EXPECT_TRUE(connect_raw(back, "slow"));
    ASSERT_TRUE(back.send(kPingreq));
    auto next = read_packet(back, 10s);
    ASSERT_TRUE(next);
    EXPECT_EQ(next->type(), 13) << "expected PINGRESP, not a PUBLISH sent again";
}

TEST_F(StoreRestart, ADelayedWillIsPublishedAfterTheRestart)
{
    {
        BrokerProcess broker(config());
        {
            RawClient client(broker.port());
            // Will flag, QoS 1, retained (so that the subscriber below may come before or after it);
            // Will Delay Interval 3 s (property 0x18); session expiry 1 hour.
            const Bytes will = cat({props(cat({Bytes{0x18}, u32(3)})), str("wills/dev"), str("offline")});
            connect_raw(client, "dev", kSessionExpiryHour, 0x2C, will);
        }  // closed without DISCONNECT: the will is pending for 3 s
        ASSERT_TRUE(broker.wait_for_log("closed abnormally"));
        ASSERT_EQ(broker.stop(), 0);  // well before the delay ends
    }
    BrokerProcess broker(config());
    const auto result = sub(broker, {"-t", "wills/#", "-v", "-C", "1"});
    EXPECT_EQ(result.exit_code, 0) << result.err << broker.log();
    EXPECT_EQ(result.out, "wills/dev offline\n");
}

TEST_F(StoreRestart, ASessionThatExpiredWhileDownIsGone)
{
    {
        BrokerProcess broker(config());
        RawClient brief(broker.port());
        connect_raw(brief, "brief", cat({Bytes{0x11}, u32(1)}));  // session expiry 1 s
        ASSERT_TRUE(brief.send(packet(0xE0, {})));
        EXPECT_TRUE(brief.wait_closed(10s));
        RawClient lasting(broker.port());
        connect_raw(lasting, "lasting");
        ASSERT_TRUE(lasting.send(packet(0xE0, {})));
        EXPECT_TRUE(lasting.wait_closed(10s));
        ASSERT_EQ(broker.stop(), 0);
    }
    // Real time has to pass for an expiry; this is not synchronisation.
    std::this_thread::sleep_for(1500ms);
    BrokerProcess broker(config());
    RawClient brief(broker.port());
    EXPECT_FALSE(connect_raw(brief, "brief")) << "an expired session was restored";
    RawClient lasting(broker.port());
    EXPECT_TRUE(connect_raw(lasting, "lasting"));
}

TEST_F(StoreRestart, ADamagedStoreStopsTheBrokerUntilRepaired)
{
    {
        BrokerProcess broker(config());
        ASSERT_EQ(pub(broker, {"-q", "1", "-r", "-t", "keep/me", "-m", "safe"}).exit_code, 0);
        ASSERT_EQ(broker.stop(), 0);
    }
    {
        std::ofstream current(store_dir() / "CURRENT", std::ios::trunc);
        current << "MANIFEST-999999\n";
    }
    try {
        BrokerProcess broker(config(), 10s);
        FAIL() << "the broker started on a damaged store";
    } catch (const std::runtime_error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find(store_dir().string()), std::string::npos) << what;
        EXPECT_NE(what.find("moatmq store"), std::string::npos) << what;
    }
    EXPECT_TRUE(std::filesystem::exists(store_dir() / "CURRENT"));  // never wiped

    const auto check = run_program({moatmq_binary(), "store", "check", "-d", store_dir().string()});
    EXPECT_EQ(check.exit_code, 1) << check.out << check.err;
    EXPECT_NE(check.err.find(store_dir().string()), std::string::npos) << check.err;

    const auto repair = run_program({moatmq_binary(), "store", "repair", "-d", store_dir().string()});
    EXPECT_EQ(repair.exit_code, 0) << repair.out << repair.err;
    const auto checked = run_program({moatmq_binary(), "store", "check", "-d", store_dir().string()});
    EXPECT_EQ(checked.exit_code, 0) << checked.out << checked.err;
    EXPECT_NE(checked.out.find("retained messages: 1"), std::string::npos) << checked.out;

    BrokerProcess broker(config());
    const auto result = sub(broker, {"-t", "keep/#", "-v", "-C", "1"});
    EXPECT_EQ(result.out, "keep/me safe\n");
}

TEST_F(StoreRestart, AStoreThatCannotBeOpenedStopsTheBroker)
{
    std::filesystem::create_directories(store_dir().parent_path());
    {
        std::ofstream not_a_directory(store_dir());
        not_a_directory << "this is a file where the store should be\n";
    }
    try {
        BrokerProcess broker(config(), 10s);
        FAIL() << "the broker started without its store";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find(store_dir().string()), std::string::npos) << e.what();
    }
    std::ifstream still(store_dir());
    std::string line;
    std::getline(still, line);
    EXPECT_EQ(line, "this is a file where the store should be");
}

}  // namespace
}  // namespace moatmq::test
