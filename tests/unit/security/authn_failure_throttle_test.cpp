// FailureThrottle with a ManualClock: doubling delays per address and per user name, the cap, the ban and
// its end, the window, success resetting the user name, and bounded memory. No sleeps.
#include <gtest/gtest.h>

#include "security/authn/failure_throttle.hpp"

namespace moatmq::security::authn {
namespace {

using namespace std::chrono_literals;

ThrottleOptions options(std::uint32_t ban_after = 0)
{
    ThrottleOptions o;
    o.backoff_initial = 1s;
    o.backoff_maximum = 8s;
    o.ban_after = ban_after;
    o.failure_window = 10min;
    return o;
}

TEST(FailureThrottle, DelayDoublesPerFailureUpToTheMaximum)
{
    ManualClock clock;
    FailureThrottle throttle{options(), clock};
    const Duration expected[] = {1s, 2s, 4s, 8s, 8s, 8s};
    for (const auto delay : expected) {
        EXPECT_EQ(throttle.record_failure("192.0.2.1", "alice"), delay);
        clock.advance(1s);
    }
    EXPECT_FALSE(throttle.banned("192.0.2.1", "alice"));  // ban_after = 0: never
}

TEST(FailureThrottle, AddressAndUserNameCountSeparatelyAndTheLargerDelayWins)
{
    ManualClock clock;
    FailureThrottle throttle{options(), clock};
    // One address guessing many users: the address's count grows.
    EXPECT_EQ(throttle.record_failure("192.0.2.1", "u1"), 1s);
    EXPECT_EQ(throttle.record_failure("192.0.2.1", "u2"), 2s);
    EXPECT_EQ(throttle.record_failure("192.0.2.1", "u3"), 4s);
    // Many addresses guessing one user: the user name's count grows.
    EXPECT_EQ(throttle.record_failure("198.51.100.1", "victim"), 1s);
    EXPECT_EQ(throttle.record_failure("198.51.100.2", "victim"), 2s);
    EXPECT_EQ(throttle.record_failure("198.51.100.3", "victim"), 4s);
}

TEST(FailureThrottle, BanAfterNFailuresLastsOneWindow)
{
    ManualClock clock;
    FailureThrottle throttle{options(3), clock};
    (void)throttle.record_failure("192.0.2.7", "bob");
    (void)throttle.record_failure("192.0.2.7", "bob");
    EXPECT_FALSE(throttle.banned("192.0.2.7", ""));
    (void)throttle.record_failure("192.0.2.7", "bob");
    EXPECT_TRUE(throttle.banned("192.0.2.7", ""));
    EXPECT_TRUE(throttle.banned("203.0.113.9", "bob"));  // the user name is banned from everywhere
    EXPECT_FALSE(throttle.banned("203.0.113.9", "carol"));
    EXPECT_EQ(throttle.banned_count(), 2U);
    clock.advance(10min - 1s);
    EXPECT_TRUE(throttle.banned("192.0.2.7", ""));
    clock.advance(1s);
    EXPECT_FALSE(throttle.banned("192.0.2.7", "bob"));
    EXPECT_EQ(throttle.record_failure("192.0.2.7", "bob"), 1s);  // counting starts afresh
}

TEST(FailureThrottle, FailuresOlderThanTheWindowAreForgotten)
{
    ManualClock clock;
    FailureThrottle throttle{options(3), clock};
    (void)throttle.record_failure("192.0.2.1", "dave");
    (void)throttle.record_failure("192.0.2.1", "dave");
    clock.advance(10min);
    EXPECT_EQ(throttle.record_failure("192.0.2.1", "dave"), 1s);
    EXPECT_FALSE(throttle.banned("192.0.2.1", "dave"));
}

TEST(FailureThrottle, SuccessForgetsTheUserNameButNotTheAddress)
{
    ManualClock clock;
    FailureThrottle throttle{options(), clock};
    (void)throttle.record_failure("192.0.2.1", "erin");
    (void)throttle.record_failure("192.0.2.1", "erin");
    throttle.record_success("erin");
    EXPECT_EQ(throttle.record_failure("192.0.2.2", "erin"), 1s);
    EXPECT_EQ(throttle.record_failure("192.0.2.1", "other"), 4s);
}

TEST(FailureThrottle, OffMeansNoDelayButBansStillApply)
{
    ManualClock clock;
    auto o = options(2);
    o.enabled = false;
    FailureThrottle throttle{o, clock};
    EXPECT_EQ(throttle.record_failure("192.0.2.1", "f"), Duration::zero());
    EXPECT_EQ(throttle.record_failure("192.0.2.1", "f"), Duration::zero());
    EXPECT_TRUE(throttle.banned("192.0.2.1", "f"));
}

TEST(FailureThrottle, MemoryIsBoundedAndBansSurviveEviction)
{
    ManualClock clock;
    auto o = options(1);
    o.max_tracked = 4;
    FailureThrottle throttle{o, clock};
    (void)throttle.record_failure("banned-address", "");
    EXPECT_TRUE(throttle.banned("banned-address", ""));
    o.ban_after = 0;
    FailureThrottle unbanned{o, clock};
    for (int i = 0; i < 100; ++i) {
        (void)throttle.record_failure("", "user" + std::to_string(i));
        (void)unbanned.record_failure("addr" + std::to_string(i), "");
        clock.advance(1ms);
    }
    EXPECT_LE(throttle.tracked(), 8U);
    EXPECT_LE(unbanned.tracked(), 4U);
    EXPECT_TRUE(throttle.banned("banned-address", ""));  // other tables are bounded separately
}

}  // namespace
}  // namespace moatmq::security::authn
