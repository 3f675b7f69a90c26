#include "codec/utf8.hpp"

#include <gtest/gtest.h>

#include <string>

namespace moatmq::codec::detail {
namespace {

constexpr CodecError kOk{};

TEST(Utf8, WellFormedStringsPass)
{
    EXPECT_EQ(check_utf8(""), kOk);
    EXPECT_EQ(check_utf8("plain ascii"), kOk);
    EXPECT_EQ(check_utf8("\xc3\xa9"), kOk);          // U+00E9
    EXPECT_EQ(check_utf8("\xe2\x82\xac"), kOk);      // U+20AC
    EXPECT_EQ(check_utf8("\xf0\x9f\x98\x80"), kOk);  // U+1F600
    EXPECT_EQ(check_utf8("\xef\xbb\xbf"), kOk);      // U+FEFF is kept, not stripped [MQTT-1.5.4-3]
    EXPECT_EQ(check_utf8("\xf4\x8f\xbf\xbf"), kOk);  // U+10FFFF
}

TEST(Utf8, NullCharacterIsRefused_MQTT_1_5_4_2)
{
    EXPECT_EQ(check_utf8(std::string("ab\0", 3)), CodecError::null_character);
}

TEST(Utf8, SurrogatesAreRefused_MQTT_1_5_4_1)
{
    EXPECT_EQ(check_utf8("\xed\xa0\x80"), CodecError::invalid_utf8);  // U+D800
    EXPECT_EQ(check_utf8("\xed\xbf\xbf"), CodecError::invalid_utf8);  // U+DFFF
}

TEST(Utf8, OverlongFormsAreRefused_MQTT_1_5_4_1)
{
    EXPECT_EQ(check_utf8("\xc0\x80"), CodecError::invalid_utf8);  // U+0000, overlong
    EXPECT_EQ(check_utf8("\xc1\xbf"), CodecError::invalid_utf8);
    EXPECT_EQ(check_utf8("\xe0\x80\xaf"), CodecError::invalid_utf8);
    EXPECT_EQ(check_utf8("\xf0\x80\x80\xaf"), CodecError::invalid_utf8);
}

TEST(Utf8, BeyondU10FFFFIsRefused_MQTT_1_5_4_1)
{
    EXPECT_EQ(check_utf8("\xf4\x90\x80\x80"), CodecError::invalid_utf8);
    EXPECT_EQ(check_utf8("\xf5\x80\x80\x80"), CodecError::invalid_utf8);
}

TEST(Utf8, TruncatedAndStrayBytesAreRefused_MQTT_1_5_4_1)
{
    EXPECT_EQ(check_utf8("\xc3"), CodecError::invalid_utf8);
    EXPECT_EQ(check_utf8("\xe2\x82"), CodecError::invalid_utf8);
    EXPECT_EQ(check_utf8("\x80"), CodecError::invalid_utf8);
    EXPECT_EQ(check_utf8("\xc3\x28"), CodecError::invalid_utf8);
    EXPECT_EQ(check_utf8("\xff"), CodecError::invalid_utf8);
}

TEST(Utf8, TopicNameCheckRefusesWildcards_MQTT_3_3_2_2)
{
    EXPECT_EQ(check_topic_name_chars("a/b"), kOk);
    EXPECT_EQ(check_topic_name_chars("a/+"), CodecError::topic_name_invalid);
    EXPECT_EQ(check_topic_name_chars("#"), CodecError::topic_name_invalid);
    EXPECT_EQ(check_topic_name_chars("\xc3"), CodecError::invalid_utf8);
}

// The checks read eight bytes at a time; a bad byte must be found wherever it sits in the word.
TEST(Utf8, BadByteFoundAtEveryPositionOfLongStrings)
{
    for (std::size_t length : {8u, 9u, 15u, 16u, 17u, 31u}) {
        const std::string clean(length, 'a');
        EXPECT_EQ(check_utf8(clean), kOk);
        EXPECT_EQ(check_topic_name_chars(clean), kOk);
        for (std::size_t at = 0; at < length; ++at) {
            std::string s = clean;
            s[at] = '\0';
            EXPECT_EQ(check_utf8(s), CodecError::null_character) << length << " " << at;
            s[at] = '+';
            EXPECT_EQ(check_topic_name_chars(s), CodecError::topic_name_invalid) << length << " " << at;
            EXPECT_EQ(check_utf8(s), kOk);
            s[at] = '#';
            EXPECT_EQ(check_topic_name_chars(s), CodecError::topic_name_invalid) << length << " " << at;
            s[at] = '\xff';
            EXPECT_EQ(check_utf8(s), CodecError::invalid_utf8) << length << " " << at;
            std::string multi = clean;
            multi.replace(at, 1, "\xc3\xa9");
            EXPECT_EQ(check_utf8(multi), kOk) << length << " " << at;
            EXPECT_EQ(check_topic_name_chars(multi), kOk) << length << " " << at;
        }
    }
}

}  // namespace
}  // namespace moatmq::codec::detail
