#include "observe/log_line.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace moatmq::observe {
namespace {

using namespace std::chrono_literals;

// 2026-11-25T04:36:02.123Z
const auto kTime = std::chrono::system_clock::time_point{1795581362s + 123ms};

TEST(LogTime, IsUtcWithMilliseconds)
{
    EXPECT_EQ(format_log_time(kTime), "2026-11-25T04:36:02.123Z");
    EXPECT_EQ(format_log_time(std::chrono::system_clock::time_point{}), "1970-01-01T00:00:00.000Z");
}

TEST(LogLineText, IsTimeLevelMessageAndFields)
{
    EXPECT_EQ(format_log_line(LogFormat::text, LogLevel::info, kTime, "connection closed",
                              {{"client_id", "dev-1"},
                               {"reason", "keep alive timeout"},
                               {"port", std::uint16_t{1883}},
                               {"delta", -3},
                               {"tls", true}}),
              "2026-11-25T04:36:02.123Z info connection closed client_id=dev-1 reason=\"keep alive timeout\" "
              "port=1883 delta=-3 tls=true");
    EXPECT_EQ(format_log_line(LogFormat::text, LogLevel::warn, kTime, "plain", {}),
              "2026-11-25T04:36:02.123Z warn plain");
}

TEST(LogLineText, EscapesControlCharactersSoAClientCannotForgeALine)
{
    const std::string hostile = "evil\n2026-11-25T04:36:02.123Z info admin logged in";
    const std::string line = format_log_line(LogFormat::text, LogLevel::info, kTime, "connect " + hostile,
                                             {{"client_id", hostile}, {"bell", "\a"}});
    EXPECT_EQ(line.find('\n'), std::string::npos);
    EXPECT_EQ(line.find('\a'), std::string::npos);
    EXPECT_THAT(line, ::testing::HasSubstr("connect evil\\n2026"));
    EXPECT_THAT(line,
                ::testing::HasSubstr("client_id=\"evil\\n2026-11-25T04:36:02.123Z info admin logged in\""));
    EXPECT_THAT(line, ::testing::HasSubstr("bell=\"\\x07\""));
}

TEST(LogLineText, QuotesEmptyValuesAndValuesWithQuotesOrEquals)
{
    EXPECT_EQ(format_log_line(LogFormat::text, LogLevel::error, kTime, "m",
                              {{"a", ""}, {"b", "x=y"}, {"c", "say \"hi\""}}),
              "2026-11-25T04:36:02.123Z error m a=\"\" b=\"x=y\" c=\"say \\\"hi\\\"\"");
}

TEST(LogLineJson, IsOneJsonObjectWithTimeLevelMsgAndTypedFields)
{
    const std::string line = format_log_line(
        LogFormat::json, LogLevel::info, kTime, "connection accepted",
        {{"client_id", "dev-1"}, {"port", 1883U}, {"delta", -1}, {"ratio", 0.5}, {"tls", false}});
    EXPECT_EQ(
        line,
        R"({"time":"2026-11-25T04:36:02.123Z","level":"info","msg":"connection accepted","client_id":"dev-1",)"
        R"("port":1883,"delta":-1,"ratio":0.5,"tls":false})");
}

TEST(LogLineJson, StaysOnOneLineAndParsesBackWithHostileText)
{
    const std::string hostile = "a\"b\\c\nd\x01";
    const std::string line =
        format_log_line(LogFormat::json, LogLevel::debug, kTime, hostile, {{"client_id", hostile}});
    EXPECT_EQ(line.find('\n'), std::string::npos);
    const auto parsed = nlohmann::json::parse(line);
    EXPECT_EQ(parsed["msg"], hostile);
    EXPECT_EQ(parsed["client_id"], hostile);
    EXPECT_EQ(parsed["level"], "debug");
}

TEST(LogLineJson, FieldsCannotOverwriteTimeLevelOrMsg)
{
    const auto parsed = nlohmann::json::parse(format_log_line(LogFormat::json, LogLevel::warn, kTime, "real",
                                                              {{"msg", "fake"}, {"level", "error"}}));
    EXPECT_EQ(parsed["msg"], "real");
    EXPECT_EQ(parsed["level"], "warn");
    EXPECT_EQ(parsed["_msg"], "fake");
    EXPECT_EQ(parsed["_level"], "error");
}

TEST(LogLineJson, InvalidUtf8IsReplacedNotPassedOn)
{
    const std::string line =
        format_log_line(LogFormat::json, LogLevel::info, kTime, "x", {{"client_id", "\xff\xfe"}});
    EXPECT_TRUE(nlohmann::json::accept(line));
}

}  // namespace
}  // namespace moatmq::observe
