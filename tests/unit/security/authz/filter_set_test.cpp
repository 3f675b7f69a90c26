// FilterSet (the rule trie) agrees with codec::topic_matches on every filter set and topic of a small
// universe, and handles the '$' rule, '#' on the parent level and empty levels.
#include "security/authz/filter_set.hpp"

#include <gtest/gtest.h>

#include <random>

#include "codec/topic.hpp"

namespace moatmq::security::authz {
namespace {

TEST(FilterSet, MatchesLikeMqtt)
{
    FilterSet set;
    set.insert("a/+/c");
    set.insert("x/#");
    set.insert("$SYS/broker/#");
    EXPECT_TRUE(set.matches("a/b/c"));
    EXPECT_FALSE(set.matches("a/b"));
    EXPECT_FALSE(set.matches("a/b/c/d"));
    EXPECT_TRUE(set.matches("x"));  // '#' matches the parent level
    EXPECT_TRUE(set.matches("x/y/z"));
    EXPECT_TRUE(set.matches("$SYS/broker/uptime"));
    EXPECT_FALSE(set.matches("$SYS/other"));
    EXPECT_TRUE(set.matches("a//c"));  // '+' matches an empty level
}

TEST(FilterSet, WildcardsAtTheRootSkipDollarTopics)
{
    FilterSet set;
    set.insert("#");
    set.insert("+/x");
    EXPECT_TRUE(set.matches("anything/at/all"));
    EXPECT_TRUE(set.matches("a/x"));
    EXPECT_FALSE(set.matches("$SYS/x"));
    EXPECT_FALSE(set.matches("$SYS"));
}

TEST(FilterSet, EmptySetMatchesNothingAndDuplicatesAreKeptOnce)
{
    FilterSet set;
    EXPECT_FALSE(set.matches("a"));
    set.insert("a/#");
    set.insert("a/#");
    set.insert("a");
    set.insert("a");
    EXPECT_EQ(set.size(), 2U);
}

TEST(FilterSet, AgreesWithTheReferenceMatcherOnRandomSets)
{
    const std::vector<std::string> levels{"a", "b", "$s", "+", ""};
    const std::vector<std::string> topic_levels{"a", "b", "$s", "z", ""};
    std::mt19937 random(11);
    auto random_filter = [&] {
        std::uniform_int_distribution<int> length(0, 3);
        std::uniform_int_distribution<std::size_t> level(0, levels.size() - 1);
        std::string f;
        const int n = length(random);
        for (int i = 0; i < n; ++i)
            f += (i ? "/" : "") + levels[level(random)];
        if (n == 0 || random() % 2) f += n ? "/#" : "#";
        return f.empty() ? std::string("#") : f;
    };
    auto random_topic = [&] {
        std::uniform_int_distribution<int> length(1, 4);
        std::uniform_int_distribution<std::size_t> level(0, topic_levels.size() - 1);
        std::string t;
        const int n = length(random);
        for (int i = 0; i < n; ++i)
            t += (i ? "/" : "") + topic_levels[level(random)];
        return t.empty() ? std::string("a") : t;
    };
    for (int round = 0; round < 2000; ++round) {
        FilterSet set;
        std::vector<std::string> filters;
        for (int k = 0; k < 4; ++k) {
            filters.push_back(random_filter());
            set.insert(filters.back());
        }
        for (int k = 0; k < 20; ++k) {
            const auto topic = random_topic();
            bool expected = false;
            for (const auto& f : filters)
                expected = expected || codec::topic_matches(f, topic);
            ASSERT_EQ(set.matches(topic), expected) << topic;
        }
    }
}

}  // namespace
}  // namespace moatmq::security::authz
