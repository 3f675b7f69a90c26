#include "broker/subscription_trie.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "codec/topic.hpp"

namespace moatmq::broker {
namespace {

codec::SubscriptionOptions qos(codec::QoS q)
{
    codec::SubscriptionOptions options;
    options.qos = q;
    return options;
}

// Sessions whose subscriptions match `topic`, sorted, one entry per matching subscription.
std::vector<SessionId> sessions_matching(const SubscriptionTrie& trie, std::string_view topic)
{
    std::vector<SubscriptionMatch> out;
    trie.match(topic, out);
    std::vector<SessionId> sessions;
    for (const auto& m : out)
        sessions.push_back(m.session);
    std::sort(sessions.begin(), sessions.end());
    return sessions;
}

bool matches(std::string_view filter, std::string_view topic)
{
    SubscriptionTrie trie;
    EXPECT_TRUE(trie.insert(1, filter, {}).has_value()) << filter;
    return !sessions_matching(trie, topic).empty();
}

using Sessions = std::vector<SessionId>;

TEST(SubscriptionTrie, ExactFilterMatchesOnlyItsTopic)
{
    EXPECT_TRUE(matches("a/b", "a/b"));
    EXPECT_FALSE(matches("a/b", "a"));
    EXPECT_FALSE(matches("a/b", "a/b/c"));
    EXPECT_FALSE(matches("a/b", "a/B"));
    EXPECT_FALSE(matches("a/b", "/a/b"));
}

TEST(SubscriptionTrie, PlusMatchesExactlyOneLevel)
{
    EXPECT_TRUE(matches("a/+", "a/b"));
    EXPECT_TRUE(matches("a/+", "a/"));  // an empty level is a level
    EXPECT_FALSE(matches("a/+", "a"));
    EXPECT_FALSE(matches("a/+", "a/b/c"));
    EXPECT_TRUE(matches("+/+", "/x"));
    EXPECT_TRUE(matches("+", "x"));
    EXPECT_FALSE(matches("+", "/x"));
    EXPECT_TRUE(matches("a/+/c", "a/b/c"));
    EXPECT_FALSE(matches("a/+/c", "a/b/d"));
}

TEST(SubscriptionTrie, HashMatchesRemainingLevelsAndTheParent)
{
    EXPECT_TRUE(matches("#", "a"));
    EXPECT_TRUE(matches("#", "a/b/c"));
    EXPECT_TRUE(matches("#", "/"));
    EXPECT_TRUE(matches("a/#", "a/b/c"));
    EXPECT_TRUE(matches("a/#", "a"));  // [MQTT-4.7.1-2]: '#' also matches the parent level
    EXPECT_TRUE(matches("a/#", "a/"));
    EXPECT_FALSE(matches("a/#", "ab"));
    EXPECT_FALSE(matches("a/#", "b/a"));
    EXPECT_TRUE(matches("+/#", "a"));
    EXPECT_TRUE(matches("a/+/#", "a/b"));
    EXPECT_FALSE(matches("a/+/#", "a"));
}

TEST(SubscriptionTrie, LeadingWildcardDoesNotMatchDollarTopics)
{
    // [MQTT-4.7.2-1]
    EXPECT_FALSE(matches("#", "$SYS/broker/uptime"));
    EXPECT_FALSE(matches("+/broker/uptime", "$SYS/broker/uptime"));
    EXPECT_FALSE(matches("+", "$SYS"));
    EXPECT_TRUE(matches("$SYS/#", "$SYS/broker/uptime"));
    EXPECT_TRUE(matches("$SYS/#", "$SYS"));
    EXPECT_TRUE(matches("$SYS/+/uptime", "$SYS/broker/uptime"));
    // Only the first level is special.
    EXPECT_TRUE(matches("a/+", "a/$b"));
    EXPECT_TRUE(matches("a/#", "a/$b/c"));
}

TEST(SubscriptionTrie, EveryMatchingFilterOfASessionIsReported)
{
    SubscriptionTrie trie;
    ASSERT_TRUE(trie.insert(1, "a/b", qos(codec::QoS::at_most_once)));
    ASSERT_TRUE(trie.insert(1, "a/+", qos(codec::QoS::exactly_once)));
    ASSERT_TRUE(trie.insert(1, "#", qos(codec::QoS::at_least_once)));
    ASSERT_TRUE(trie.insert(2, "a/b", {}));
    std::vector<SubscriptionMatch> out;
    EXPECT_EQ(trie.match("a/b", out), 3u);  // three nodes contributed ordinary subscriptions
    EXPECT_EQ(out.size(), 4u);
    EXPECT_EQ(sessions_matching(trie, "a/b"), (Sessions{1, 1, 1, 2}));
    EXPECT_EQ(sessions_matching(trie, "x"), (Sessions{1}));
}

TEST(SubscriptionTrie, ResubscribingReplacesOptionsAndIdentifier)
{
    SubscriptionTrie trie;
    auto first = trie.insert(7, "a/+", qos(codec::QoS::at_most_once), 5);
    ASSERT_TRUE(first);
    EXPECT_FALSE(*first);
    auto again = trie.insert(7, "a/+", qos(codec::QoS::exactly_once), 9);
    ASSERT_TRUE(again);
    EXPECT_TRUE(*again);  // [MQTT-3.8.4-3]: replaced, not added
    EXPECT_EQ(trie.size(), 1u);

    std::vector<SubscriptionMatch> out;
    trie.match("a/x", out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].options.qos, codec::QoS::exactly_once);
    EXPECT_EQ(out[0].subscription_id, 9u);
    EXPECT_EQ(out[0].shared_group, 0u);
}

TEST(SubscriptionTrie, UnsubscribeRemovesOnlyThatFilter)
{
    SubscriptionTrie trie;
    ASSERT_TRUE(trie.insert(1, "a/b", {}));
    ASSERT_TRUE(trie.insert(1, "a/#", {}));
    ASSERT_TRUE(trie.insert(2, "a/b", {}));
    EXPECT_TRUE(trie.erase(1, "a/b"));
    EXPECT_FALSE(trie.erase(1, "a/b"));
    EXPECT_FALSE(trie.erase(3, "a/#"));
    EXPECT_FALSE(trie.erase(1, "never/subscribed"));
    EXPECT_EQ(sessions_matching(trie, "a/b"), (Sessions{1, 2}));
    EXPECT_EQ(trie.size(), 2u);
    EXPECT_EQ(trie.filters_of(1), (std::vector<std::string>{"a/#"}));
}

TEST(SubscriptionTrie, EraseAllRemovesEverySubscriptionOfTheSession)
{
    SubscriptionTrie trie;
    ASSERT_TRUE(trie.insert(1, "a/b", {}));
    ASSERT_TRUE(trie.insert(1, "+/b", {}));
    ASSERT_TRUE(trie.insert(1, "$share/g/a/b", {}));
    ASSERT_TRUE(trie.insert(2, "a/b", {}));
    EXPECT_EQ(trie.erase_all(1), 3u);
    EXPECT_EQ(trie.erase_all(1), 0u);
    EXPECT_EQ(sessions_matching(trie, "a/b"), (Sessions{2}));
    EXPECT_EQ(trie.size(), 1u);
    EXPECT_TRUE(trie.filters_of(1).empty());
}

TEST(SubscriptionTrie, RemovedBranchesCanBeSubscribedAgain)
{
    SubscriptionTrie trie;
    ASSERT_TRUE(trie.insert(1, "a/b/c/d", {}));
    EXPECT_TRUE(trie.erase(1, "a/b/c/d"));
    EXPECT_TRUE(sessions_matching(trie, "a/b/c/d").empty());
    ASSERT_TRUE(trie.insert(2, "a/b/c/d", {}));
    EXPECT_EQ(sessions_matching(trie, "a/b/c/d"), (Sessions{2}));
    EXPECT_EQ(trie.size(), 1u);
}

TEST(SubscriptionTrie, InvalidFiltersAreRefused)
{
    SubscriptionTrie trie;
    EXPECT_FALSE(trie.insert(1, "a/#/b", {}));
    EXPECT_FALSE(trie.insert(1, "a+", {}));
    EXPECT_FALSE(trie.insert(1, "", {}));
    EXPECT_FALSE(trie.insert(1, "$share/g", {}));
    EXPECT_FALSE(trie.insert(1, "$share//a", {}));
    EXPECT_FALSE(trie.insert(1, "$share/g+/a", {}));
    EXPECT_EQ(trie.size(), 0u);
}

TEST(SubscriptionTrie, ManySubscribersOfOneFilter)
{
    // Crosses the size where a node indexes its subscribers by session.
    SubscriptionTrie trie;
    for (SessionId s = 1; s <= 100; ++s)
        ASSERT_TRUE(trie.insert(s, "t", {}));
    for (SessionId s = 1; s <= 100; s += 2)
        EXPECT_TRUE(trie.erase(s, "t"));
    for (SessionId s = 2; s <= 100; s += 2)
        EXPECT_TRUE(*trie.insert(s, "t", qos(codec::QoS::at_least_once)));
    std::vector<SubscriptionMatch> out;
    trie.match("t", out);
    ASSERT_EQ(out.size(), 50u);
    for (const auto& m : out) {
        EXPECT_EQ(m.session % 2, 0u);
        EXPECT_EQ(m.options.qos, codec::QoS::at_least_once);
    }
}

TEST(SubscriptionTrie, SharedGroupGivesOneMemberPerMessageRoundRobin)
{
    SubscriptionTrie trie;
    ASSERT_TRUE(trie.insert(1, "$share/g/a/+", {}));
    ASSERT_TRUE(trie.insert(2, "$share/g/a/+", {}));
    ASSERT_TRUE(trie.insert(3, "$share/g/a/+", {}));
    std::map<SessionId, int> received;
    SharedGroupId group = 0;
    for (int i = 0; i < 30; ++i) {
        std::vector<SubscriptionMatch> out;
        trie.match("a/x", out);
        ASSERT_EQ(out.size(), 1u);
        EXPECT_NE(out[0].shared_group, 0u);
        if (group == 0) group = out[0].shared_group;
        EXPECT_EQ(out[0].shared_group, group);
        ++received[out[0].session];
    }
    EXPECT_EQ(received, (std::map<SessionId, int>{{1, 10}, {2, 10}, {3, 10}}));
}

TEST(SubscriptionTrie, SharedGroupsAreDistinctByNameAndFilter)
{
    SubscriptionTrie trie;
    ASSERT_TRUE(trie.insert(1, "$share/g/a/b", {}));
    ASSERT_TRUE(trie.insert(2, "$share/h/a/b", {}));
    ASSERT_TRUE(trie.insert(3, "$share/g/a/+", {}));
    ASSERT_TRUE(trie.insert(4, "a/b", {}));  // the non-shared filter is another subscription still
    std::vector<SubscriptionMatch> out;
    trie.match("a/b", out);
    std::set<SharedGroupId> groups;
    for (const auto& m : out)
        groups.insert(m.shared_group);
    EXPECT_EQ(out.size(), 4u);
    EXPECT_EQ(groups.size(), 4u);  // three groups and 0 for the ordinary subscription
    EXPECT_EQ(sessions_matching(trie, "a/b"), (Sessions{1, 2, 3, 4}));
}

TEST(SubscriptionTrie, SharedAndOrdinarySubscriptionsOfOneSessionAreSeparate)
{
    SubscriptionTrie trie;
    ASSERT_TRUE(*trie.insert(1, "a", {}) == false);
    auto shared = trie.insert(1, "$share/g/a", {});
    ASSERT_TRUE(shared);
    EXPECT_FALSE(*shared);
    EXPECT_EQ(trie.size(), 2u);
    EXPECT_EQ(sessions_matching(trie, "a"), (Sessions{1, 1}));
    EXPECT_TRUE(trie.erase(1, "$share/g/a"));
    EXPECT_EQ(sessions_matching(trie, "a"), (Sessions{1}));
}

TEST(SubscriptionTrie, SharedGroupRespectsDollarRule)
{
    SubscriptionTrie trie;
    ASSERT_TRUE(trie.insert(1, "$share/g/#", {}));
    EXPECT_TRUE(sessions_matching(trie, "$SYS/x").empty());
    EXPECT_EQ(sessions_matching(trie, "x"), (Sessions{1}));
}

TEST(SubscriptionTrie, PickSharedMemberSkipsTheLeavingSession)
{
    SubscriptionTrie trie;
    ASSERT_TRUE(trie.insert(1, "$share/g/t", {}, 11));
    ASSERT_TRUE(trie.insert(2, "$share/g/t", {}, 22));
    std::vector<SubscriptionMatch> out;
    trie.match("t", out);
    ASSERT_EQ(out.size(), 1u);
    const SharedGroupId group = out[0].shared_group;
    for (int i = 0; i < 5; ++i) {
        auto other = trie.pick_shared_member(group, 1);
        ASSERT_TRUE(other);
        EXPECT_EQ(other->session, 2u);
        EXPECT_EQ(other->subscription_id, 22u);
        EXPECT_EQ(other->shared_group, group);
    }
    EXPECT_TRUE(trie.erase(2, "$share/g/t"));
    EXPECT_FALSE(trie.pick_shared_member(group, 1));  // no one else
    EXPECT_TRUE(trie.erase(1, "$share/g/t"));
    EXPECT_FALSE(trie.pick_shared_member(group, 1));  // group gone
    // A group recreated under the same name is a new group.
    ASSERT_TRUE(trie.insert(3, "$share/g/t", {}));
    EXPECT_FALSE(trie.pick_shared_member(group, 0));
    out.clear();
    trie.match("t", out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_NE(out[0].shared_group, group);
}

TEST(SubscriptionTrie, SharedGroupPrefersOnlineMembersFairly)
{
    SubscriptionTrie trie;
    for (SessionId s = 1; s <= 3; ++s)
        ASSERT_TRUE(trie.insert(s, "$share/g/t", {}));
    trie.set_online(1, false);
    std::map<SessionId, int> received;
    std::vector<SubscriptionMatch> out;
    for (int i = 0; i < 40; ++i) {
        out.clear();
        trie.match("t", out);
        ASSERT_EQ(out.size(), 1u);
        ++received[out[0].session];
    }
    EXPECT_EQ(received, (std::map<SessionId, int>{{2, 20}, {3, 20}}));

    // All offline: someone still gets it (their session queues it).
    trie.set_online(2, false);
    trie.set_online(3, false);
    out.clear();
    trie.match("t", out);
    EXPECT_EQ(out.size(), 1u);

    // Back online; and a re-route prefers the online member too.
    trie.set_online(3, true);
    for (int i = 0; i < 5; ++i) {
        out.clear();
        trie.match("t", out);
        ASSERT_EQ(out.size(), 1u);
        EXPECT_EQ(out[0].session, 3u);
    }
    auto other = trie.pick_shared_member(out[0].shared_group, 2);
    ASSERT_TRUE(other);
    EXPECT_EQ(other->session, 3u);
    // Only offline ones left besides the excluded one: still picked.
    other = trie.pick_shared_member(out[0].shared_group, 3);
    ASSERT_TRUE(other);
    EXPECT_NE(other->session, 3u);
}

TEST(SubscriptionTrie, ConcurrentMatchesWhileSubscriptionsChange)
{
    // Readers and a writer at once: every reader sees either the subscription or not, never garbage
    // (run under the asan preset, and under TSan when investigating).
    SubscriptionTrie trie;
    ASSERT_TRUE(trie.insert(1, "stable/#", {}));
    std::atomic<bool> stop{false};
    std::atomic<std::size_t> bad{0};
    std::vector<std::thread> readers;
    for (int r = 0; r < 2; ++r) {
        readers.emplace_back([&] {
            std::vector<SubscriptionMatch> out;
            while (!stop.load()) {
                out.clear();
                trie.match("stable/x/y", out);
                bool has_stable = std::any_of(out.begin(), out.end(), [](auto& m) { return m.session == 1; });
                if (!has_stable || out.size() > 3) bad.fetch_add(1);
            }
        });
    }
    for (int i = 0; i < 2000; ++i) {
        const SessionId s = 2 + static_cast<SessionId>(i % 2);
        ASSERT_TRUE(trie.insert(s, i % 3 == 0 ? "stable/+/y" : "$share/g/stable/x/#", {}));
        trie.set_online(s, i % 5 != 0);
        trie.erase_all(s);
    }
    stop = true;
    for (auto& t : readers)
        t.join();
    EXPECT_EQ(bad.load(), 0u);
    EXPECT_EQ(trie.size(), 1u);
}

TEST(SubscriptionTrie, DeepFiltersAndTopicsDoNotExhaustTheStack)
{
    std::string deep;
    for (int i = 0; i < 20000; ++i)
        deep += "+/";
    deep += "#";
    std::string topic;
    for (int i = 0; i < 20001; ++i)
        topic += "x/";
    topic += "x";
    {
        SubscriptionTrie trie;
        ASSERT_TRUE(trie.insert(1, deep, {}));
        EXPECT_EQ(sessions_matching(trie, topic), (Sessions{1}));
        // Destroyed with the subscription in place.
    }
    SubscriptionTrie trie;
    ASSERT_TRUE(trie.insert(1, deep, {}));
    EXPECT_TRUE(trie.erase(1, deep));
    EXPECT_EQ(trie.size(), 0u);
}

// Property: for random filters and topics over a small alphabet (so that they collide often), the
// trie reports exactly the filters that the naive reference matcher accepts.
TEST(SubscriptionTrie, AgreesWithReferenceMatcherOnRandomInput)
{
    std::mt19937 rng(20261125);
    const std::vector<std::string> words = {"a", "b", "c", "$SYS", "$x", ""};
    auto pick = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };

    auto random_topic = [&] {
        std::string topic;
        std::size_t levels = 1 + pick(5);
        for (std::size_t i = 0; i < levels; ++i) {
            if (i > 0) topic += '/';
            const std::string& word = words[pick(words.size())];
            // '$' words only where they are interesting: mostly the first level.
            topic += (i > 0 && word.starts_with('$') && pick(2) == 0) ? "a" : word;
        }
        return topic.empty() ? std::string("a") : topic;
    };
    auto random_filter = [&] {
        std::string filter;
        std::size_t levels = 1 + pick(5);
        for (std::size_t i = 0; i < levels; ++i) {
            if (i > 0) filter += '/';
            std::size_t kind = pick(10);
            if (kind < 3) {
                filter += '+';
            } else if (kind < 4 && i + 1 == levels) {
                filter += '#';
            } else {
                filter += words[pick(words.size())];
            }
        }
        return filter.empty() ? std::string("#") : filter;
    };

    std::size_t total_matches = 0;
    for (int round = 0; round < 20; ++round) {
        SubscriptionTrie trie;
        std::vector<std::string> filters;
        for (SessionId s = 1; s <= 200; ++s) {
            std::string filter = random_filter();
            ASSERT_FALSE(codec::validate_topic_filter(filter)) << filter;
            ASSERT_TRUE(trie.insert(s, filter, {})) << filter;
            filters.push_back(std::move(filter));
        }
        // Drop some again, so removal and pruning are exercised too.
        for (SessionId s = 1; s <= 200; s += 7) {
            ASSERT_TRUE(trie.erase(s, filters[s - 1]));
            filters[s - 1].clear();
        }
        std::vector<SubscriptionMatch> out;
        for (int t = 0; t < 200; ++t) {
            const std::string topic = random_topic();
            ASSERT_FALSE(codec::validate_topic_name(topic)) << topic;
            Sessions expected;
            for (std::size_t i = 0; i < filters.size(); ++i) {
                if (!filters[i].empty() && codec::topic_matches(filters[i], topic)) expected.push_back(i + 1);
            }
            out.clear();
            trie.match(topic, out);
            Sessions actual;
            for (const auto& m : out)
                actual.push_back(m.session);
            std::sort(actual.begin(), actual.end());
            ASSERT_EQ(actual, expected) << "topic " << topic;
            total_matches += actual.size();
        }
    }
    EXPECT_GT(total_matches, 10'000u);  // the generator makes filters and topics that do meet
}

}  // namespace
}  // namespace moatmq::broker
