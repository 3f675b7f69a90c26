#include "codec/topic.hpp"

#include <gtest/gtest.h>

#include <string>

#include "codec/codec_error.hpp"

namespace moatmq::codec {
namespace {

error_code err(CodecError e)
{
    return make_error_code(e);
}

TEST(TopicName, PlainNamesAreValid)
{
    EXPECT_FALSE(validate_topic_name("a"));
    EXPECT_FALSE(validate_topic_name("sport/tennis/player1"));
    EXPECT_FALSE(validate_topic_name("/"));
    EXPECT_FALSE(validate_topic_name("$SYS/broker/uptime"));
    EXPECT_FALSE(validate_topic_name("caf\xc3\xa9"));
}

TEST(TopicName, EmptyIsInvalid_MQTT_4_7_3_1)
{
    EXPECT_EQ(validate_topic_name(""), err(CodecError::topic_name_invalid));
}

TEST(TopicName, WildcardsAreInvalid_MQTT_3_3_2_2)
{
    EXPECT_EQ(validate_topic_name("a/+"), err(CodecError::topic_name_invalid));
    EXPECT_EQ(validate_topic_name("a/#"), err(CodecError::topic_name_invalid));
    EXPECT_EQ(validate_topic_name("a+b"), err(CodecError::topic_name_invalid));
}

TEST(TopicName, NullCharacterIsRefused_MQTT_1_5_4_2)
{
    EXPECT_EQ(validate_topic_name(std::string("a\0b", 3)), err(CodecError::null_character));
}

TEST(TopicName, IllFormedUtf8IsRefused_MQTT_1_5_4_1)
{
    EXPECT_EQ(validate_topic_name("a\xff"), err(CodecError::invalid_utf8));
    EXPECT_EQ(validate_topic_name("\xed\xa0\x80"), err(CodecError::invalid_utf8));  // surrogate U+D800
}

TEST(TopicName, LongerThan65535IsInvalid)
{
    EXPECT_EQ(validate_topic_name(std::string(65'536, 'a')), err(CodecError::topic_name_invalid));
    EXPECT_FALSE(validate_topic_name(std::string(65'535, 'a')));
}

TEST(TopicFilter, WellFormedFiltersAreValid)
{
    for (const char* f : {"#", "+", "a/#", "a/+/b", "+/+", "/+", "a//b", "+/tennis/#", "sport/", "$SYS/#"})
        EXPECT_FALSE(validate_topic_filter(f)) << f;
}

TEST(TopicFilter, HashNotLastIsInvalid_MQTT_4_7_1_1)
{
    EXPECT_EQ(validate_topic_filter("a/#/b"), err(CodecError::topic_filter_invalid));
    EXPECT_EQ(validate_topic_filter("a#"), err(CodecError::topic_filter_invalid));
    EXPECT_EQ(validate_topic_filter("a/b#"), err(CodecError::topic_filter_invalid));
    EXPECT_EQ(validate_topic_filter("##"), err(CodecError::topic_filter_invalid));
}

TEST(TopicFilter, PlusNotAWholeLevelIsInvalid_MQTT_4_7_1_2)
{
    EXPECT_EQ(validate_topic_filter("a+"), err(CodecError::topic_filter_invalid));
    EXPECT_EQ(validate_topic_filter("a/+b"), err(CodecError::topic_filter_invalid));
    EXPECT_EQ(validate_topic_filter("++"), err(CodecError::topic_filter_invalid));
}

TEST(TopicFilter, EmptyIsInvalid_MQTT_4_7_3_1)
{
    EXPECT_EQ(validate_topic_filter(""), err(CodecError::topic_filter_invalid));
}

TEST(TopicFilter, BadUtf8IsReportedAsUtf8)
{
    EXPECT_EQ(validate_topic_filter("a/\xc0\x80"), err(CodecError::invalid_utf8));  // overlong U+0000
    EXPECT_EQ(validate_topic_filter(std::string("a\0", 2)), err(CodecError::null_character));
}

TEST(SharedFilter, ParsesGroupAndFilter)
{
    auto parsed = parse_shared_filter("$share/group/sport/#");
    ASSERT_TRUE(parsed);
    ASSERT_TRUE(parsed->has_value());
    EXPECT_EQ((*parsed)->group, "group");
    EXPECT_EQ((*parsed)->filter, "sport/#");
}

TEST(SharedFilter, OrdinaryFilterIsNotShared)
{
    auto parsed = parse_shared_filter("sport/#");
    ASSERT_TRUE(parsed);
    EXPECT_FALSE(parsed->has_value());
    ASSERT_TRUE(parse_shared_filter("$share"));  // no slash: an ordinary filter
    EXPECT_FALSE(parse_shared_filter("$share")->has_value());
}

TEST(SharedFilter, MalformedSharesAreInvalid_MQTT_4_8_2_1_MQTT_4_8_2_2)
{
    for (const char* f :
         {"$share/", "$share//a", "$share/group", "$share/group/", "$share/gr+p/a", "$share/g#/a"}) {
        auto parsed = parse_shared_filter(f);
        ASSERT_FALSE(parsed) << f;
        EXPECT_EQ(parsed.error(), err(CodecError::shared_subscription_invalid)) << f;
        EXPECT_EQ(validate_topic_filter(f), err(CodecError::shared_subscription_invalid)) << f;
    }
}

TEST(SharedFilter, InnerFilterIsValidatedToo)
{
    EXPECT_FALSE(validate_topic_filter("$share/g/a/+/b"));
    EXPECT_EQ(validate_topic_filter("$share/g/a/#/b"), err(CodecError::topic_filter_invalid));
}

TEST(TopicMatches, ExactAndPlus)
{
    EXPECT_TRUE(topic_matches("a/b", "a/b"));
    EXPECT_FALSE(topic_matches("a/b", "a/c"));
    EXPECT_TRUE(topic_matches("a/+", "a/b"));
    EXPECT_FALSE(topic_matches("a/+", "a/b/c"));
    EXPECT_TRUE(topic_matches("a/+", "a/"));  // an empty level is a level
    EXPECT_FALSE(topic_matches("a/+", "a"));
    EXPECT_TRUE(topic_matches("+/+", "/finance"));
    EXPECT_TRUE(topic_matches("/+", "/finance"));
    EXPECT_FALSE(topic_matches("+", "/finance"));
    EXPECT_FALSE(topic_matches("a/b", "a/b/c"));
    EXPECT_FALSE(topic_matches("a/b/c", "a/b"));
}

TEST(TopicMatches, HashMatchesParentAndChildren_MQTT_4_7_1_2)
{
    EXPECT_TRUE(topic_matches("sport/#", "sport"));
    EXPECT_TRUE(topic_matches("sport/#", "sport/"));
    EXPECT_TRUE(topic_matches("sport/#", "sport/tennis/player1"));
    EXPECT_TRUE(topic_matches("#", "a/b/c"));
    EXPECT_FALSE(topic_matches("sport/#", "sports"));
    EXPECT_TRUE(topic_matches("+/tennis/#", "sport/tennis/player1/ranking"));
}

TEST(TopicMatches, WildcardFirstDoesNotMatchDollarTopics_MQTT_4_7_2_1)
{
    EXPECT_FALSE(topic_matches("#", "$SYS/uptime"));
    EXPECT_FALSE(topic_matches("+/uptime", "$SYS/uptime"));
    EXPECT_TRUE(topic_matches("$SYS/#", "$SYS/uptime"));
    EXPECT_TRUE(topic_matches("$SYS/+", "$SYS/uptime"));
}

}  // namespace
}  // namespace moatmq::codec
