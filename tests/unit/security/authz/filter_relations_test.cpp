// Filter algebra against a brute-force oracle: every filter over a small alphabet, checked on every topic of
// a universe that includes a level no filter names (what '+' ranges over) and '$' levels.
#include "security/authz/filter_relations.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "codec/topic.hpp"

namespace moatmq::security::authz {
namespace {

bool covered(std::string_view filter, std::vector<std::string_view> cover)
{
    return filter_covered_by(filter, cover);
}

// Filters of up to three levels over {a, b, $s, +}, with or without a trailing '#'.
std::vector<std::string> all_filters()
{
    const std::vector<std::string> alphabet{"a", "b", "$s", "+"};
    std::vector<std::string> prefixes{""};
    std::vector<std::string> out{"#"};
    for (int length = 1; length <= 3; ++length) {
        std::vector<std::string> longer;
        for (const auto& p : prefixes) {
            for (const auto& level : alphabet)
                longer.push_back(p.empty() ? level : p + "/" + level);
        }
        for (const auto& f : longer) {
            out.push_back(f);
            out.push_back(f + "/#");
        }
        prefixes = std::move(longer);
    }
    return out;
}

// Topics of up to four levels over {a, b, $s, z}: "z" is named by no filter, a fresh value for '+'; one
// level more than any filter's prefix, so that '#' tails are told apart.
std::vector<std::string> all_topics()
{
    const std::vector<std::string> alphabet{"a", "b", "$s", "z"};
    std::vector<std::string> out;
    std::vector<std::string> prefixes{""};
    for (int length = 1; length <= 4; ++length) {
        std::vector<std::string> longer;
        for (const auto& p : prefixes) {
            for (const auto& level : alphabet)
                longer.push_back(p.empty() ? level : p + "/" + level);
        }
        out.insert(out.end(), longer.begin(), longer.end());
        prefixes = std::move(longer);
    }
    return out;
}

struct Universe {
    std::vector<std::string> filters = all_filters();
    std::vector<std::string> topics = all_topics();
    // matches[f][t]
    std::vector<std::vector<bool>> matches;

    Universe()
    {
        for (const auto& f : filters) {
            std::vector<bool> row;
            for (const auto& t : topics)
                row.push_back(codec::topic_matches(f, t));
            matches.push_back(std::move(row));
        }
    }
};

const Universe& universe()
{
    static const Universe u;
    return u;
}

TEST(FilterRelations, IntersectionExamples)
{
    EXPECT_EQ(filter_intersection("a/+/c", "+/b/#"), "a/b/c");
    EXPECT_EQ(filter_intersection("#", "x/#"), "x/#");
    EXPECT_EQ(filter_intersection("+/#", "a/#"), "a/#");
    EXPECT_EQ(filter_intersection("a/#", "a"), "a");  // '#' matches the parent level
    EXPECT_EQ(filter_intersection("a/+/#", "a"), std::nullopt);
    EXPECT_EQ(filter_intersection("a/b", "a/c"), std::nullopt);
    EXPECT_EQ(filter_intersection("+/x", "secret/x"), "secret/x");
    EXPECT_EQ(filter_intersection("+/+", "+/+/+"), std::nullopt);
    EXPECT_EQ(filter_intersection("#", "#"), "#");
    EXPECT_EQ(filter_intersection("a/#", "+/b/#"), "a/b/#");
}

TEST(FilterRelations, DollarTopicsMeetOnlyLiteralFirstLevels)
{
    EXPECT_EQ(filter_intersection("#", "$SYS/#"), std::nullopt);
    EXPECT_EQ(filter_intersection("+/broker", "$SYS/broker"), std::nullopt);
    EXPECT_EQ(filter_intersection("$SYS/#", "$SYS/broker/+"), "$SYS/broker/+");
    EXPECT_EQ(filter_intersection("a/#", "+/$x"), "a/$x");  // '$' only matters at the first level
    EXPECT_FALSE(filters_overlap("#", "$share"));
}

TEST(FilterRelations, CoverageExamples)
{
    EXPECT_TRUE(covered("a/b", {"a/b"}));
    EXPECT_TRUE(covered("a/b", {"a/+"}));
    EXPECT_TRUE(covered("a/b", {"#"}));
    EXPECT_FALSE(covered("a/#", {"a/b"}));  // `a/#` with only a/b readable
    EXPECT_FALSE(covered("+/x", {"secret/x"}));
    EXPECT_TRUE(covered("+/x", {"secret/x", "+/x"}));
    EXPECT_FALSE(covered("a/+", {"a/b", "a/c"}));  // '+' also stands for values nobody named
    EXPECT_TRUE(covered("a/#", {"a", "a/+/#"}));   // only the union covers it
    EXPECT_FALSE(covered("a/#", {"a/+/#"}));       // "a" itself is missing
    EXPECT_FALSE(covered("a/#", {"a", "a/+"}));    // a/x/y is missing
    EXPECT_TRUE(covered("a/+/c", {"a/+/#"}));
    EXPECT_FALSE(covered("#", {}));
    EXPECT_FALSE(covered("a", {}));
}

TEST(FilterRelations, DollarCoverage)
{
    EXPECT_FALSE(covered("$SYS/#", {"#"}));
    EXPECT_FALSE(covered("$SYS/x", {"+/x"}));
    EXPECT_TRUE(covered("$SYS/#", {"$SYS/#"}));
    EXPECT_TRUE(covered("#", {"+/#"}));  // neither matches '$' topics
    EXPECT_TRUE(covered("+", {"+/#"}));
    EXPECT_FALSE(covered("#", {"$SYS/#"}));
}

TEST(FilterRelations, OverlapAndIntersectionAgreeWithBruteForceOnEveryPair)
{
    const auto& u = universe();
    for (std::size_t i = 0; i < u.filters.size(); ++i) {
        for (std::size_t j = i; j < u.filters.size(); ++j) {  // symmetric: the other half below
            std::vector<bool> both(u.topics.size());
            bool any = false;
            for (std::size_t t = 0; t < u.topics.size(); ++t) {
                both[t] = u.matches[i][t] && u.matches[j][t];
                any = any || both[t];
            }
            const auto& a = u.filters[i];
            const auto& b = u.filters[j];
            ASSERT_EQ(filters_overlap(a, b), any) << a << " vs " << b;
            ASSERT_EQ(filters_overlap(b, a), any) << b << " vs " << a;
            ASSERT_EQ(filter_intersection(b, a), filter_intersection(a, b)) << a << " vs " << b;
            const auto common = filter_intersection(a, b);
            ASSERT_EQ(common.has_value(), any) << a << " vs " << b;
            if (!common) continue;
            ASSERT_FALSE(codec::validate_topic_filter(*common)) << *common;
            for (std::size_t t = 0; t < u.topics.size(); ++t) {
                ASSERT_EQ(codec::topic_matches(*common, u.topics[t]), both[t])
                    << a << " ∩ " << b << " = " << *common << " on " << u.topics[t];
            }
        }
    }
}

TEST(FilterRelations, SingleCoverageAgreesWithBruteForceOnEveryPair)
{
    const auto& u = universe();
    for (std::size_t i = 0; i < u.filters.size(); ++i) {
        for (std::size_t j = 0; j < u.filters.size(); ++j) {
            bool subset = true;
            for (std::size_t t = 0; t < u.topics.size() && subset; ++t)
                subset = !u.matches[i][t] || u.matches[j][t];
            ASSERT_EQ(covered(u.filters[i], {u.filters[j]}), subset)
                << u.filters[i] << " by " << u.filters[j];
        }
    }
}

TEST(FilterRelations, UnionCoverageAgreesWithBruteForce)
{
    const auto& u = universe();
    std::mt19937 random(7);  // fixed seed: the same cases every run
    std::uniform_int_distribution<std::size_t> pick(0, u.filters.size() - 1);
    std::uniform_int_distribution<int> count(0, 4);
    int covered_cases = 0;
    for (int round = 0; round < 30'000; ++round) {
        const auto g = pick(random);
        std::vector<std::size_t> parts;
        const int n = count(random);
        for (int k = 0; k < n; ++k)
            parts.push_back(pick(random));
        bool subset = true;
        for (std::size_t t = 0; t < u.topics.size() && subset; ++t) {
            if (!u.matches[g][t]) continue;
            bool any = false;
            for (auto p : parts)
                any = any || u.matches[p][t];
            subset = any;
        }
        std::vector<std::string_view> cover;
        std::string text;
        for (auto p : parts) {
            cover.push_back(u.filters[p]);
            text += u.filters[p] + " ";
        }
        ASSERT_EQ(filter_covered_by(u.filters[g], cover), subset) << u.filters[g] << " by { " << text << "}";
        covered_cases += subset ? 1 : 0;
    }
    EXPECT_GT(covered_cases, 1000);  // the sample exercises both answers
}

TEST(FilterRelations, HandPickedUnionsThatNeedSeveralFilters)
{
    EXPECT_TRUE(covered("+/+", {"a/+", "+/b", "+/+"}));
    EXPECT_TRUE(covered("a/+/#", {"a/+", "a/+/+/#"}));
    EXPECT_FALSE(covered("a/+/#", {"a/+", "a/+/+"}));
    EXPECT_TRUE(covered("#", {"+", "+/+/#"}));
    EXPECT_FALSE(covered("#", {"+", "+/+"}));
}

}  // namespace
}  // namespace moatmq::security::authz
