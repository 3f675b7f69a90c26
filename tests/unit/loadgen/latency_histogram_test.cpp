#include "loadgen/latency_histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace moatmq::loadgen {
namespace {

TEST(LatencyHistogram, EmptyReportsZero)
{
    LatencyHistogram h;
    EXPECT_EQ(h.count(), 0U);
    EXPECT_EQ(h.percentile(50), 0U);
    EXPECT_EQ(h.min(), 0U);
    EXPECT_EQ(h.max(), 0U);
    EXPECT_EQ(h.mean(), 0.0);
}

TEST(LatencyHistogram, SmallValuesAreExact)
{
    for (std::uint64_t v = 0; v < 128; ++v) {
        EXPECT_EQ(LatencyHistogram::bucket_of(v), v);
        EXPECT_EQ(LatencyHistogram::bucket_low(v), v);
        EXPECT_EQ(LatencyHistogram::bucket_high(v), v);
    }
    LatencyHistogram h;
    for (std::uint64_t v = 1; v <= 100; ++v)
        h.record(v);
    EXPECT_EQ(h.percentile(50), 50U);
    EXPECT_EQ(h.percentile(99), 99U);
    EXPECT_EQ(h.percentile(100), 100U);
    EXPECT_EQ(h.min(), 1U);
    EXPECT_DOUBLE_EQ(h.mean(), 50.5);
}

TEST(LatencyHistogram, BucketsTileTheWholeRangeWithoutGaps)
{
    EXPECT_EQ(LatencyHistogram::bucket_low(0), 0U);
    for (std::size_t b = 1; b < LatencyHistogram::kBucketCount; ++b)
        ASSERT_EQ(LatencyHistogram::bucket_low(b), LatencyHistogram::bucket_high(b - 1) + 1)
            << "bucket " << b;
    EXPECT_EQ(LatencyHistogram::bucket_high(LatencyHistogram::kBucketCount - 1), UINT64_MAX);
    EXPECT_EQ(LatencyHistogram::bucket_of(UINT64_MAX), LatencyHistogram::kBucketCount - 1);
}

TEST(LatencyHistogram, EveryValueFallsInItsBucketWithinOneSixtyFourth)
{
    std::mt19937_64 random{42};
    for (int i = 0; i < 100000; ++i) {
        const std::uint64_t v = random() >> (random() % 64);
        const auto b = LatencyHistogram::bucket_of(v);
        ASSERT_LE(LatencyHistogram::bucket_low(b), v);
        ASSERT_GE(LatencyHistogram::bucket_high(b), v);
        const auto width = LatencyHistogram::bucket_high(b) - LatencyHistogram::bucket_low(b);
        ASSERT_LE(static_cast<double>(width),
                  static_cast<double>(LatencyHistogram::bucket_low(b)) / 64.0 + 1.0);
    }
}

TEST(LatencyHistogram, PercentilesMatchSortedSamplesWithinResolution)
{
    std::mt19937_64 random{7};
    std::lognormal_distribution<double> latency_ns{10.0, 1.0};  // ~22 us median, long tail
    std::vector<std::uint64_t> samples;
    LatencyHistogram h;
    for (int i = 0; i < 200000; ++i) {
        const auto v = static_cast<std::uint64_t>(latency_ns(random));
        samples.push_back(v);
        h.record(v);
    }
    std::sort(samples.begin(), samples.end());
    for (double p : {50.0, 90.0, 99.0, 99.9}) {
        const auto exact =
            samples[static_cast<std::size_t>(std::ceil(p / 100 * static_cast<double>(samples.size()))) - 1];
        const auto reported = h.percentile(p);
        EXPECT_GE(reported, exact) << "p" << p;  // never understates
        EXPECT_LE(static_cast<double>(reported), static_cast<double>(exact) * (1 + 1.0 / 64)) << "p" << p;
    }
    EXPECT_LE(h.percentile(50), h.percentile(90));
    EXPECT_LE(h.percentile(90), h.percentile(99));
    EXPECT_LE(h.percentile(99), h.percentile(99.9));
    EXPECT_LE(h.percentile(99.9), h.max());
    EXPECT_EQ(h.max(), samples.back());
    EXPECT_EQ(h.min(), samples.front());
}

TEST(LatencyHistogram, PercentileIsCappedAtTheLargestValueRecorded)
{
    LatencyHistogram h;
    h.record(1000);  // bucket [1000, 1007]
    EXPECT_EQ(h.percentile(50), 1000U);
    EXPECT_EQ(h.percentile(100), 1000U);
}

TEST(LatencyHistogram, MergeEqualsRecordingEverythingInOne)
{
    LatencyHistogram a;
    LatencyHistogram b;
    LatencyHistogram all;
    for (std::uint64_t v = 1; v < 50000; v += 7) {
        (v % 2 == 0 ? a : b).record(v * 13);
        all.record(v * 13);
    }
    a.merge(b);
    EXPECT_EQ(a.count(), all.count());
    EXPECT_EQ(a.min(), all.min());
    EXPECT_EQ(a.max(), all.max());
    EXPECT_DOUBLE_EQ(a.mean(), all.mean());
    for (double p : {1.0, 50.0, 99.0, 99.99})
        EXPECT_EQ(a.percentile(p), all.percentile(p));
}

}  // namespace
}  // namespace moatmq::loadgen
