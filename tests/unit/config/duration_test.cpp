#include "config/duration.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace moatmq::config {
namespace {

using namespace std::chrono_literals;

TEST(ParseDuration, AcceptsEachUnit)
{
    EXPECT_EQ(parse_duration("500ms").value(), 500ms);
    EXPECT_EQ(parse_duration("10s").value(), 10s);
    EXPECT_EQ(parse_duration("10m").value(), 10min);
    EXPECT_EQ(parse_duration("1h").value(), 1h);
    EXPECT_EQ(parse_duration("7d").value(), 168h);
    EXPECT_EQ(parse_duration("0s").value(), 0ms);
}

TEST(ParseDuration, RefusesABareNumberBecauseItsUnitWouldBeAGuess)
{
    auto d = parse_duration("10");
    ASSERT_FALSE(d);
    EXPECT_THAT(d.error().message, ::testing::HasSubstr("\"10\""));
    EXPECT_THAT(d.error().message, ::testing::HasSubstr("\"10s\""));
}

TEST(ParseDuration, RefusesUnknownUnitsSignsFractionsAndSpaces)
{
    for (const char* text :
         {"", "s", "10 s", "10sec", "1.5s", "-1s", "+1s", "10S", "1h30m", "10us", "1w", "ms"}) {
        EXPECT_FALSE(parse_duration(text)) << text;
    }
}

TEST(ParseDuration, RefusesOverflow)
{
    EXPECT_FALSE(parse_duration("999999999999999d"));
    EXPECT_FALSE(parse_duration("9999999999999999s"));  // too many digits
}

TEST(FormatDuration, UsesTheLargestExactUnitAndRoundTrips)
{
    EXPECT_EQ(format_duration(0ms), "0s");
    EXPECT_EQ(format_duration(500ms), "500ms");
    EXPECT_EQ(format_duration(1500ms), "1500ms");
    EXPECT_EQ(format_duration(10s), "10s");
    EXPECT_EQ(format_duration(90s), "90s");
    EXPECT_EQ(format_duration(10min), "10m");
    EXPECT_EQ(format_duration(2h), "2h");
    EXPECT_EQ(format_duration(48h), "2d");
    for (std::chrono::milliseconds d : {1ms, 999ms, 61000ms, 90000000ms})
        EXPECT_EQ(parse_duration(format_duration(d)).value(), d);
}

TEST(ParseBackoff, AcceptsARangeOrOff)
{
    auto range = parse_backoff("1s..60s").value();
    ASSERT_TRUE(range.has_value());
    EXPECT_EQ(range->initial, 1s);
    EXPECT_EQ(range->maximum, 60s);
    EXPECT_EQ(parse_backoff("250ms..250ms").value(), (BackoffRange{250ms, 250ms}));
    EXPECT_EQ(parse_backoff("off").value(), std::nullopt);
}

TEST(ParseBackoff, RefusesMalformedOrInvertedOrZeroRanges)
{
    for (const char* text :
         {"", "1s", "1s...60s", "1s..", "..60s", "1s-60s", "60s..1s", "0s..1s", "OFF", "none"}) {
        EXPECT_FALSE(parse_backoff(text)) << text;
    }
    EXPECT_THAT(parse_backoff("60s..1s").error().message, ::testing::HasSubstr("longer than the maximum"));
}

TEST(FormatBackoff, RoundTrips)
{
    EXPECT_EQ(format_backoff(std::nullopt), "off");
    EXPECT_EQ(format_backoff(BackoffRange{1s, 1min}), "1s..1m");
    EXPECT_EQ(parse_backoff(format_backoff(BackoffRange{1500ms, 1min})).value(),
              (BackoffRange{1500ms, 1min}));
}

}  // namespace
}  // namespace moatmq::config
