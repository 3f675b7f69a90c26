#include "observe/log.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

// A type whose formatting is counted, to prove disabled levels skip formatting.
struct CountsFormatting {
    int* formats;
};
template <>
struct fmt::formatter<CountsFormatting> {
    constexpr auto parse(fmt::format_parse_context& context) { return context.begin(); }
    auto format(const CountsFormatting& value, fmt::format_context& context) const
    {
        ++*value.formats;
        return fmt::format_to(context.out(), "counted");
    }
};

namespace moatmq::observe {
namespace {

using ::testing::HasSubstr;

LogConfig config(LogLevel level, LogFormat format = LogFormat::text)
{
    LogConfig out;
    out.level = level;
    out.format = format;
    return out;
}

std::vector<std::string> lines_of(const std::string& text)
{
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

class Logging : public ::testing::Test {
protected:
    ~Logging() override { init_logging(LogConfig{}); }  // back to stderr: `out_` dies with the fixture

    std::ostringstream out_;
};

TEST_F(Logging, TextLinesWithFormatArguments)
{
    init_logging(LogConfig{}, out_);
    log::info("listener {} ready on {}", "local", "127.0.0.1:1883");
    const auto lines = lines_of(out_.str());
    ASSERT_EQ(lines.size(), 1U);
    EXPECT_THAT(lines[0], ::testing::MatchesRegex(
                              R"(^[0-9-]+T[0-9:.]+Z info listener local ready on 127\.0\.0\.1:1883$)"));
}

TEST_F(Logging, LevelFiltersLowerLevels)
{
    init_logging(config(LogLevel::warn), out_);
    log::debug("hidden {}", 1);
    log::info("hidden too");
    log::warn("shown {}", 2);
    log::error("also shown", {{"code", 7}});
    const auto lines = lines_of(out_.str());
    ASSERT_EQ(lines.size(), 2U);
    EXPECT_THAT(lines[0], HasSubstr("warn shown 2"));
    EXPECT_THAT(lines[1], HasSubstr("error also shown code=7"));
}

TEST_F(Logging, ArgumentsAreNotFormattedWhenTheLevelIsOff)
{
    int formats = 0;
    init_logging(config(LogLevel::info), out_);
    log::debug("{}", CountsFormatting{&formats});
    EXPECT_EQ(formats, 0);
    EXPECT_EQ(out_.str(), "");
    log::info("{}", CountsFormatting{&formats});
    EXPECT_EQ(formats, 1);
}

TEST_F(Logging, SetLogLevelChangesTheLevelAtRunTime)
{
    init_logging(config(LogLevel::error), out_);
    log::info("before");
    set_log_level(LogLevel::trace);
    log::trace("after");
    const auto lines = lines_of(out_.str());
    ASSERT_EQ(lines.size(), 1U);
    EXPECT_THAT(lines[0], HasSubstr("trace after"));
}

TEST_F(Logging, JsonLinesAreOneObjectPerLine)
{
    init_logging(config(LogLevel::info, LogFormat::json), out_);
    log::info("connection accepted", {{"client_id", "dev-1"}, {"remote", "127.0.0.1:50000"}});
    log::warn("queue full for {}", "dev-2");
    const auto lines = lines_of(out_.str());
    ASSERT_EQ(lines.size(), 2U);
    const auto first = nlohmann::json::parse(lines[0]);
    EXPECT_EQ(first["level"], "info");
    EXPECT_EQ(first["msg"], "connection accepted");
    EXPECT_EQ(first["client_id"], "dev-1");
    EXPECT_EQ(first["remote"], "127.0.0.1:50000");
    EXPECT_TRUE(first["time"].is_string());
    const auto second = nlohmann::json::parse(lines[1]);
    EXPECT_EQ(second["level"], "warn");
    EXPECT_EQ(second["msg"], "queue full for dev-2");
}

TEST(LogConfigWords, MatchTheConfigurationFile)
{
    EXPECT_EQ(to_string(LogLevel::warn), "warn");
    EXPECT_EQ(to_string(LogFormat::json), "json");
}

}  // namespace
}  // namespace moatmq::observe
