#include "config/size.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace moatmq::config {
namespace {

TEST(ParseSize, AcceptsPlainBytesAndBinaryUnits)
{
    EXPECT_EQ(parse_size("0").value(), 0U);
    EXPECT_EQ(parse_size("512").value(), 512U);
    EXPECT_EQ(parse_size("64KiB").value(), 64U * 1024);
    EXPECT_EQ(parse_size("1MiB").value(), 1024U * 1024);
    EXPECT_EQ(parse_size("1GiB").value(), 1024ULL * 1024 * 1024);
}

TEST(ParseSize, RefusesDecimalUnitsSpacesSignsAndGarbage)
{
    for (const char* text :
         {"", "1MB", "1 MiB", "1mib", "-1", "+1", "1.5MiB", "MiB", "0x10", "1KiBKiB", " 1"}) {
        auto size = parse_size(text);
        ASSERT_FALSE(size) << text;
        EXPECT_THAT(size.error().message, ::testing::HasSubstr("invalid size")) << text;
        EXPECT_EQ(size.error().line, 0U);
    }
}

TEST(ParseSize, RefusesOverflow)
{
    EXPECT_FALSE(parse_size("18446744073709551616"));
    EXPECT_FALSE(parse_size("17179869184GiB"));
    EXPECT_EQ(parse_size("18446744073709551615").value(), 18446744073709551615ULL);
}

TEST(FormatSize, UsesTheLargestExactUnit)
{
    EXPECT_EQ(format_size(0), "0");
    EXPECT_EQ(format_size(1000), "1000");
    EXPECT_EQ(format_size(1024), "1KiB");
    EXPECT_EQ(format_size(1536), "1536");
    EXPECT_EQ(format_size(8 * 1024 * 1024), "8MiB");
    EXPECT_EQ(format_size(1ULL << 31), "2GiB");
    EXPECT_EQ(parse_size(format_size(3ULL << 20)).value(), 3ULL << 20);
}

}  // namespace
}  // namespace moatmq::config
