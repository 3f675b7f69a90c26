#include "config/bind_address.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace moatmq::config {
namespace {

using ::testing::HasSubstr;

TEST(BindAddress, ParsesIpv4HostAndPort)
{
    auto bind = BindAddress::parse("127.0.0.1:1883").value();
    EXPECT_EQ(bind.family(), BindAddress::Family::ipv4);
    EXPECT_EQ(bind.host(), "127.0.0.1");
    EXPECT_EQ(bind.port(), 1883);
    EXPECT_EQ(bind.to_string(), "127.0.0.1:1883");
}

TEST(BindAddress, ParsesBracketedIpv6AndCanonicalises)
{
    auto bind = BindAddress::parse("[0:0:0:0:0:0:0:1]:8883").value();
    EXPECT_EQ(bind.family(), BindAddress::Family::ipv6);
    EXPECT_EQ(bind.host(), "::1");
    EXPECT_EQ(bind.port(), 8883);
    EXPECT_EQ(bind.to_string(), "[::1]:8883");
    EXPECT_EQ(BindAddress::parse(bind.to_string()).value(), bind);
}

TEST(BindAddress, AllowsPortZeroAndTheTopPort)
{
    EXPECT_EQ(BindAddress::parse("127.0.0.1:0").value().port(), 0);
    EXPECT_EQ(BindAddress::parse("[::]:65535").value().port(), 65535);
}

TEST(BindAddress, RefusesHostNamesBecauseExposureMustNotDependOnDns)
{
    auto bind = BindAddress::parse("localhost:1883");
    ASSERT_FALSE(bind);
    EXPECT_THAT(bind.error().message, HasSubstr("host names are not allowed"));
}

TEST(BindAddress, RefusesMalformedInput)
{
    for (const char* text :
         {"", "1883", ":1883", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:18a3",
          "127.0.0.1:123456", "::1:1883", "[::1]", "[::1]1883", "[::1:1883", "[127.0.0.1]:1883",
          "[fe80::1%eth0]:1883", "256.0.0.1:1883", "127.1:1883", " 127.0.0.1:1883"}) {
        EXPECT_FALSE(BindAddress::parse(text)) << text;
    }
    EXPECT_THAT(BindAddress::parse("::1:1883").error().message, HasSubstr("brackets"));
    EXPECT_THAT(BindAddress::parse("127.0.0.1:65536").error().message, HasSubstr("between 0 and 65535"));
}

TEST(BindAddress, TellsLoopbackFromNetworkAddresses)
{
    for (const char* text : {"127.0.0.1:1", "127.255.0.9:1", "[::1]:1", "[::ffff:127.0.0.1]:1"}) {
        EXPECT_TRUE(BindAddress::parse(text).value().is_loopback()) << text;
    }
    for (const char* text :
         {"0.0.0.0:1", "[::]:1", "10.0.0.1:1", "128.0.0.1:1", "[::2]:1", "[::ffff:10.0.0.1]:1"}) {
        EXPECT_FALSE(BindAddress::parse(text).value().is_loopback()) << text;
    }
}

TEST(BindAddress, KnowsTheUnspecifiedAddresses)
{
    EXPECT_TRUE(BindAddress::parse("0.0.0.0:1883").value().is_unspecified());
    EXPECT_TRUE(BindAddress::parse("[::]:1883").value().is_unspecified());
    EXPECT_FALSE(BindAddress::parse("127.0.0.1:1883").value().is_unspecified());
}

}  // namespace
}  // namespace moatmq::config
