#include "observe/audit_log.hpp"

#include <sys/stat.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>

#include "observe/log_line.hpp"

namespace moatmq::observe {
namespace {

using namespace std::chrono_literals;

class AuditLogTest : public ::testing::Test {
protected:
    AuditLogTest()
    {
        std::random_device random;
        dir_ = std::filesystem::temp_directory_path() / ("moatmq-audit-test-" + std::to_string(random()));
        std::filesystem::create_directories(dir_);
    }
    ~AuditLogTest() override
    {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }

    std::vector<nlohmann::json> read_lines(const std::filesystem::path& file)
    {
        std::vector<nlohmann::json> lines;
        std::ifstream in(file);
        for (std::string line; std::getline(in, line);)
            lines.push_back(nlohmann::json::parse(line));
        return lines;
    }

    std::filesystem::path dir_;
};

TEST(AuditLine, IsTimeEventAndFields)
{
    const auto time = std::chrono::system_clock::time_point{1795581362s + 5ms};
    EXPECT_EQ(
        format_audit_line(time, "authentication", {{"username", "alice"}, {"outcome", "success"}}),
        R"({"time":"2026-11-25T04:36:02.005Z","event":"authentication","username":"alice","outcome":"success"})");
}

TEST_F(AuditLogTest, AppendsOneJsonObjectPerLine)
{
    const auto file = dir_ / "audit.log";
    auto audit = AuditLog::open(file).value();
    audit->write("authentication", {{"listener", "local"}, {"username", "alice"}, {"outcome", "success"}});
    audit->write("authorization", {{"action", "publish"}, {"topic", "a/b"}, {"outcome", "denied"}});
    const auto lines = read_lines(file);
    ASSERT_EQ(lines.size(), 2U);
    EXPECT_EQ(lines[0]["event"], "authentication");
    EXPECT_EQ(lines[0]["username"], "alice");
    EXPECT_EQ(lines[1]["event"], "authorization");
    EXPECT_EQ(lines[1]["outcome"], "denied");
    EXPECT_TRUE(lines[1]["time"].is_string());
}

TEST_F(AuditLogTest, IsCreatedReadableByItsOwnerOnly)
{
    const auto file = dir_ / "audit.log";
    auto audit = AuditLog::open(file).value();
    struct stat info {};
    ASSERT_EQ(::stat(file.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600U);
}

TEST_F(AuditLogTest, KeepsWhatWasThereBefore)
{
    const auto file = dir_ / "audit.log";
    AuditLog::open(file).value()->write("first", {});
    AuditLog::open(file).value()->write("second", {});
    const auto lines = read_lines(file);
    ASSERT_EQ(lines.size(), 2U);
    EXPECT_EQ(lines[1]["event"], "second");
}

TEST_F(AuditLogTest, OpenFailsWithTheErrnoWhenTheDirectoryIsMissing)
{
    auto audit = AuditLog::open(dir_ / "missing" / "audit.log");
    ASSERT_FALSE(audit);
    EXPECT_EQ(audit.error().value(), ENOENT);
}

TEST_F(AuditLogTest, ReopenFollowsARotatedFile)
{
    const auto file = dir_ / "audit.log";
    auto audit = AuditLog::open(file).value();
    audit->write("before", {});
    std::filesystem::rename(file, dir_ / "audit.log.1");
    ASSERT_TRUE(audit->reopen());
    audit->write("after", {});
    EXPECT_EQ(read_lines(dir_ / "audit.log.1").at(0)["event"], "before");
    const auto lines = read_lines(file);
    ASSERT_EQ(lines.size(), 1U);
    EXPECT_EQ(lines[0]["event"], "after");
}

TEST_F(AuditLogTest, LinesFromManyThreadsNeverInterleave)
{
    const auto file = dir_ / "audit.log";
    auto audit = AuditLog::open(file).value();
    const std::string long_value(2000, 'x');
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 200; ++i)
                audit->write("event", {{"thread", t}, {"i", i}, {"pad", long_value}});
        });
    }
    for (auto& thread : threads)
        thread.join();
    EXPECT_EQ(read_lines(file).size(), 800U);  // each line parses on its own
}

}  // namespace
}  // namespace moatmq::observe
