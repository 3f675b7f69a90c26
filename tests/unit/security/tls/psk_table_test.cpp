#include "security/tls/psk_table.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace moatmq::security::tls {
namespace {

std::string error_of(std::string_view text)
{
    try {
        PskTable::parse(text, "psk");
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return {};
}

TEST(PskTable, ReadsIdentitiesAndHexKeysSkippingCommentsAndBlankLines)
{
    const auto table = PskTable::parse("# devices\n\nsensor-17:6A1f\r\n  gateway:00ff00  \n", "psk");
    EXPECT_EQ(table.size(), 2U);
    const auto key = table.find("sensor-17");
    ASSERT_TRUE(key);
    EXPECT_EQ(*key->identity, "sensor-17");
    EXPECT_EQ(std::vector<unsigned char>(key->key.begin(), key->key.end()),
              (std::vector<unsigned char>{0x6a, 0x1f}));
    EXPECT_EQ(table.find("gateway")->key.size(), 3U);
    EXPECT_FALSE(table.find("nobody"));
    EXPECT_FALSE(table.find("sensor"));
}

TEST(PskTable, IdentityMayHoldColonsTheKeyIsAfterTheLastOne)
{
    const auto table = PskTable::parse("urn:dev:1:abcd\n", "psk");
    EXPECT_TRUE(table.find("urn:dev:1"));
}

TEST(PskTable, MalformedLinesNameTheFileAndLineButNeverTheKey)
{
    EXPECT_EQ(error_of("a:00\nno-colon\n"), "psk:2: expected identity:hexkey");
    EXPECT_EQ(error_of(":00ff\n"), "psk:1: the identity must be 1..128 bytes");
    EXPECT_EQ(error_of("a:0\n"), "psk:1: the key must be an even number of hex digits, 1..256 bytes");
    EXPECT_EQ(error_of("a:\n"), "psk:1: the key must be an even number of hex digits, 1..256 bytes");
    EXPECT_EQ(error_of("a:zzsecret\n").find("secret"), std::string::npos);
    EXPECT_EQ(error_of("a:zz\n"), "psk:1: the key is not hex");
    EXPECT_EQ(error_of("a:00\na:11\n"), "psk:2: identity \"a\" appears twice");
    EXPECT_EQ(error_of("a\tb:00\n"), "psk:1: control character in identity");
    EXPECT_EQ(error_of("a:" + std::string(514, '0') + "\n"),
              "psk:1: the key must be an even number of hex digits, 1..256 bytes");
}

TEST(PskTable, MissingFileIsAnError)
{
    EXPECT_THROW(PskTable::load("/nonexistent/psk"), std::runtime_error);
}

}  // namespace
}  // namespace moatmq::security::tls
