// Shared subscriptions (MQTT 5, $share/group/filter) with Paho C++ members: messages go round-robin to
// the group's members, and a member that leaves with QoS 1 messages unacknowledged has them redelivered
// to another member.
#include <gtest/gtest.h>

#include <set>

#include "broker_process.hpp"
#include "mqtt_bytes.hpp"
#include "paho_support.hpp"
#include "raw_client.hpp"

namespace moatmq::test {
namespace {

using namespace bytes;

TEST(PahoSharedSubscription, MessagesAreDistributedRoundRobinAmongTheGroup)
{
    BrokerProcess broker;
    PahoClient first(broker.port(), "member-1");
    PahoClient second(broker.port(), "member-2");
    for (auto* member : {&first, &second}) {
        member->connect();
        ASSERT_EQ(member->subscribe("$share/g/sh/t", 1).at(0), mqtt::ReasonCode::GRANTED_QOS_1);
        member->subscribe("sh/marker", 1);  // not shared: both get the marker
    }
    PahoClient publisher(broker.port(), "publisher");
    publisher.connect();
    constexpr int kCount = 10;
    for (int i = 0; i < kCount; ++i)
        publisher.publish("sh/t", std::to_string(i), 1);
    publisher.publish("sh/marker", "m", 1);

    std::multiset<std::string> all;
    std::vector<std::size_t> counts;
    for (auto* member : {&first, &second}) {
        const auto received = member->until_marker("sh/marker", 10s);
        ASSERT_FALSE(received.empty());
        EXPECT_EQ(received.back().topic, "sh/marker") << member->id() << " never got the marker";
        counts.push_back(received.size() - 1);
        for (auto& payload : payloads_on(received, "sh/t"))
            all.insert(std::move(payload));
    }
    EXPECT_EQ(all.size(), std::size_t{kCount}) << "each message goes to exactly one member";
    for (int i = 0; i < kCount; ++i)
        EXPECT_EQ(all.count(std::to_string(i)), 1u) << "message " << i;
    EXPECT_EQ(counts, (std::vector<std::size_t>{kCount / 2, kCount / 2})) << "not round-robin";
}

TEST(PahoSharedSubscription, UnacknowledgedMessagesOfAMemberThatLeavesGoToAnotherMember)
{
    BrokerProcess broker;
    // Member A: a raw 5.0 client that receives and never acknowledges; its session ends with the
    // connection (clean start, no Session Expiry Interval).
    auto silent = std::make_unique<RawClient>(broker.port());
    ASSERT_TRUE(silent->send(connect5("member-a")));
    ASSERT_TRUE(read_packet(*silent));
    ASSERT_TRUE(silent->send(subscribe5(1, "$share/g/sh/t", 0x01)));
    auto suback = read_packet(*silent);
    ASSERT_TRUE(suback && suback->first == 0x90);

    PahoClient member_b(broker.port(), "member-b");
    member_b.connect();
    member_b.subscribe("$share/g/sh/t", 1);

    PahoClient publisher(broker.port(), "publisher");
    publisher.connect();
    constexpr int kCount = 6;
    for (int i = 0; i < kCount; ++i)
        publisher.publish("sh/t", std::to_string(i), 1);

    // Every message goes to A (which holds it unacknowledged) or to B; wait for all of them, taking
    // from both in short bounded turns.
    std::set<std::string> held_by_a;
    std::set<std::string> at_b;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (held_by_a.size() + at_b.size() < kCount && std::chrono::steady_clock::now() < deadline) {
        if (auto message = member_b.next(20ms)) at_b.insert(message->payload);
        if (auto packet = read_packet(*silent, 20ms)) {
            ASSERT_EQ(packet->first & 0xF0, 0x30) << "member A: unexpected packet";
            held_by_a.insert(publish5_payload(*packet));
        }
    }
    ASSERT_EQ(held_by_a.size() + at_b.size(), std::size_t{kCount}) << "messages lost before A left";
    ASSERT_FALSE(held_by_a.empty()) << "member A got nothing: round-robin skipped it";

    silent.reset();  // A leaves with its messages in flight
    for (std::size_t i = 0; i < held_by_a.size(); ++i) {
        auto message = member_b.next(10s);
        ASSERT_TRUE(message) << "only " << i << " of A's " << held_by_a.size()
                             << " messages redelivered to B";
        EXPECT_TRUE(held_by_a.count(message->payload)) << "unexpected redelivery " << message->payload;
        at_b.insert(message->payload);
    }
    EXPECT_EQ(at_b.size(), std::size_t{kCount}) << "a message was lost";
}

}  // namespace
}  // namespace moatmq::test
