#include "broker/retained_store.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

namespace moatmq::broker {
namespace {

using namespace std::chrono_literals;

MessagePtr retained(std::string topic, std::string_view payload, std::optional<TimePoint> expires_at = {})
{
    auto message = std::make_shared<Message>();
    message->topic = std::move(topic);
    message->payload = to_bytes(payload);
    message->retain = true;
    message->expires_at = expires_at;
    return message;
}

std::vector<std::string> topics_matching(const RetainedStore& store, std::string_view filter,
                                         TimePoint now = {})
{
    std::vector<MessagePtr> out;
    store.match(filter, now, out);
    std::vector<std::string> topics;
    for (const auto& m : out)
        topics.push_back(m->topic);
    std::sort(topics.begin(), topics.end());
    return topics;
}

using Topics = std::vector<std::string>;

TEST(RetainedStore, SetStoresAndFindReturnsTheSameMessage)
{
    RetainedStore store;
    auto message = retained("a/b", "1");
    store.set(message);
    EXPECT_EQ(store.size(), 1u);
    EXPECT_EQ(store.find("a/b", {}), message);  // shared, not copied
    EXPECT_EQ(store.find("a", {}), nullptr);
    EXPECT_EQ(store.find("a/b/c", {}), nullptr);
}

TEST(RetainedStore, SetReplacesThePreviousMessageOfTheTopic)
{
    RetainedStore store;
    store.set(retained("a/b", "old"));
    auto newer = retained("a/b", "new");
    store.set(newer);
    EXPECT_EQ(store.size(), 1u);
    EXPECT_EQ(store.find("a/b", {}), newer);
}

TEST(RetainedStore, EmptyPayloadClearsAndIsNotStored)
{
    // [MQTT-3.3.1-6] [MQTT-3.3.1-7]
    RetainedStore store;
    store.set(retained("a/b", "1"));
    store.set(retained("a/b/c", "2"));
    store.set(retained("a/b", ""));
    EXPECT_EQ(store.find("a/b", {}), nullptr);
    EXPECT_EQ(store.size(), 1u);
    EXPECT_EQ(topics_matching(store, "#"), (Topics{"a/b/c"}));
    store.set(retained("x", ""));  // clearing a topic that has nothing is harmless
    EXPECT_EQ(store.size(), 1u);
    EXPECT_EQ(topics_matching(store, "x"), Topics{});
}

TEST(RetainedStore, ClearRemovesAndPrunes)
{
    RetainedStore store;
    store.set(retained("a/b/c", "1"));
    EXPECT_FALSE(store.clear("a/b"));
    EXPECT_TRUE(store.clear("a/b/c"));
    EXPECT_FALSE(store.clear("a/b/c"));
    EXPECT_EQ(store.size(), 0u);
    EXPECT_EQ(topics_matching(store, "#"), Topics{});
    store.set(retained("a/b", "2"));
    EXPECT_EQ(topics_matching(store, "a/#"), (Topics{"a/b"}));
}

TEST(RetainedStore, WildcardLookup)
{
    RetainedStore store;
    for (const char* topic : {"a", "a/b", "a/c", "a/b/c", "b/b", "a/", "/a", "$SYS/x", "a/$b"}) {
        store.set(retained(topic, "p"));
    }
    EXPECT_EQ(topics_matching(store, "a/b"), (Topics{"a/b"}));
    EXPECT_EQ(topics_matching(store, "a/+"), (Topics{"a/", "a/$b", "a/b", "a/c"}));
    EXPECT_EQ(topics_matching(store, "+/b"), (Topics{"a/b", "b/b"}));
    EXPECT_EQ(topics_matching(store, "a/#"), (Topics{"a", "a/", "a/$b", "a/b", "a/b/c", "a/c"}));
    EXPECT_EQ(topics_matching(store, "+"), (Topics{"a"}));
    EXPECT_EQ(topics_matching(store, "+/+/+"), (Topics{"a/b/c"}));
    EXPECT_EQ(topics_matching(store, "+/a"), (Topics{"/a"}));
    EXPECT_EQ(topics_matching(store, "nothing/#"), Topics{});
}

TEST(RetainedStore, LeadingWildcardSkipsDollarTopics)
{
    // [MQTT-4.7.2-1]
    RetainedStore store;
    store.set(retained("$SYS/broker/uptime", "1"));
    store.set(retained("a", "2"));
    EXPECT_EQ(topics_matching(store, "#"), (Topics{"a"}));
    EXPECT_EQ(topics_matching(store, "+/broker/uptime"), Topics{});
    EXPECT_EQ(topics_matching(store, "$SYS/#"), (Topics{"$SYS/broker/uptime"}));
    EXPECT_EQ(topics_matching(store, "$SYS/+/uptime"), (Topics{"$SYS/broker/uptime"}));
}

TEST(RetainedStore, ExpiredMessagesAreNeverReturned)
{
    ManualClock clock;
    RetainedStore store;
    store.set(retained("a/short", "1", clock.now() + 10s));
    store.set(retained("a/long", "2", clock.now() + 60s));
    store.set(retained("a/never", "3"));
    EXPECT_EQ(topics_matching(store, "a/+", clock.now()), (Topics{"a/long", "a/never", "a/short"}));

    clock.advance(10s);  // expiry is inclusive: at expires_at the message is gone
    EXPECT_EQ(topics_matching(store, "a/+", clock.now()), (Topics{"a/long", "a/never"}));
    EXPECT_EQ(store.find("a/short", clock.now()), nullptr);
    EXPECT_NE(store.find("a/long", clock.now()), nullptr);
    EXPECT_EQ(store.size(), 3u);  // still held until purged

    clock.advance(60s);
    EXPECT_EQ(topics_matching(store, "#", clock.now()), (Topics{"a/never"}));
    EXPECT_EQ(store.purge_expired(clock.now()), 2u);
    EXPECT_EQ(store.size(), 1u);
    EXPECT_EQ(store.all().size(), 1u);
}

TEST(RetainedStore, PurgeHandlesExpiredParentsAndChildren)
{
    ManualClock clock;
    RetainedStore store;
    store.set(retained("a", "1", clock.now() + 1s));
    store.set(retained("a/b", "2", clock.now() + 1s));
    store.set(retained("a/b/c", "3", clock.now() + 1s));
    store.set(retained("a/b/c/d", "4"));
    clock.advance(1s);
    EXPECT_EQ(store.purge_expired(clock.now()), 3u);
    EXPECT_EQ(store.size(), 1u);
    EXPECT_EQ(topics_matching(store, "#", clock.now()), (Topics{"a/b/c/d"}));
    EXPECT_TRUE(store.clear("a/b/c/d"));
    EXPECT_EQ(store.all().size(), 0u);
}

TEST(RetainedStore, DeepTopicsDoNotExhaustTheStack)
{
    std::string topic;
    for (int i = 0; i < 20000; ++i)
        topic += "x/";
    topic += "x";
    RetainedStore store;
    store.set(retained(topic, "p"));
    EXPECT_EQ(topics_matching(store, "#").size(), 1u);
    EXPECT_NE(store.find(topic, {}), nullptr);
    // Destroyed with the message still in place.
}

}  // namespace
}  // namespace moatmq::broker
