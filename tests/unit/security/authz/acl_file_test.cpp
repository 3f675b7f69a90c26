// The acl_file grammar: every form Mosquitto accepts, read the way Mosquitto reads it, and a FILE:LINE error
// for everything else.
#include "security/authz/acl_file.hpp"

#include <gtest/gtest.h>

#include "temp_dir.hpp"

namespace moatmq::security::authz {
namespace {

AclFile parse_ok(std::string_view text)
{
    auto parsed = parse_acl(text, "acl");
    EXPECT_TRUE(parsed) << (parsed ? "" : parsed.error().to_string());
    return parsed ? *parsed : AclFile{};
}

std::string parse_error(std::string_view text)
{
    auto parsed = parse_acl(text, "acl");
    EXPECT_FALSE(parsed) << "accepted: " << text;
    return parsed ? "" : parsed.error().to_string();
}

TEST(AclFile, ReadsMosquittosExampleFile)
{
    // Mosquitto's aclfile.example, as shipped.
    const auto file = parse_ok(
        "# This affects access control for clients with no username.\n"
        "topic read $SYS/#\n"
        "\n"
        "# This only affects clients with username \"roger\".\n"
        "user roger\n"
        "topic foo/bar\n"
        "\n"
        "# This affects all clients.\n"
        "pattern write $SYS/broker/connection/%c/state\n");
    ASSERT_EQ(file.general.size(), 1U);
    EXPECT_EQ(file.general[0], (AclRule{Access::read, "$SYS/#", 2}));
    ASSERT_EQ(file.users.size(), 1U);
    EXPECT_EQ(file.users[0].name, "roger");
    ASSERT_EQ(file.users[0].rules.size(), 1U);
    EXPECT_EQ(file.users[0].rules[0], (AclRule{Access::readwrite, "foo/bar", 6}));
    ASSERT_EQ(file.patterns.size(), 1U);
    EXPECT_EQ(file.patterns[0], (AclRule{Access::write, "$SYS/broker/connection/%c/state", 9}));
}

TEST(AclFile, EveryAccessWord)
{
    const auto file = parse_ok("topic read a\ntopic write b\ntopic readwrite c\ntopic deny d\ntopic e\n");
    ASSERT_EQ(file.general.size(), 5U);
    EXPECT_EQ(file.general[0].access, Access::read);
    EXPECT_EQ(file.general[1].access, Access::write);
    EXPECT_EQ(file.general[2].access, Access::readwrite);
    EXPECT_EQ(file.general[3].access, Access::deny);
    EXPECT_EQ(file.general[4].access, Access::readwrite);
    EXPECT_EQ(file.general[4].filter, "e");
}

TEST(AclFile, LoneAccessWordIsATopicAsInMosquitto)
{
    const auto file = parse_ok("topic read\n");
    ASSERT_EQ(file.general.size(), 1U);
    EXPECT_EQ(file.general[0], (AclRule{Access::readwrite, "read", 1}));
}

TEST(AclFile, FilterIsTheRestOfTheLineWithInnerBlanksKept)
{
    const auto file = parse_ok("topic read  room one/+/temp  \t\r\n");
    ASSERT_EQ(file.general.size(), 1U);
    EXPECT_EQ(file.general[0].filter, "room one/+/temp");
}

TEST(AclFile, CommentsBlankLinesLeadingBlanksAndCrlf)
{
    const auto file = parse_ok("# one\r\n\r\n   # indented comment\n\t\n   topic\tread\ta/b\r\n");
    ASSERT_EQ(file.general.size(), 1U);
    EXPECT_EQ(file.general[0], (AclRule{Access::read, "a/b", 5}));
}

TEST(AclFile, EmptyFileHasNoRules)
{
    EXPECT_EQ(parse_ok(""), AclFile{});
    EXPECT_EQ(parse_ok("\n\n# nothing\n"), AclFile{});
}

TEST(AclFile, UserBlocksCollectTheirTopicsAndMergeRepeats)
{
    const auto file = parse_ok(
        "topic read public/#\n"
        "user alice\n"
        "topic alice/#\n"
        "user bob smith\n"
        "topic read bob/#\n"
        "user alice\n"
        "topic write shared/x\n");
    ASSERT_EQ(file.general.size(), 1U);
    ASSERT_EQ(file.users.size(), 2U);
    EXPECT_EQ(file.users[0].name, "alice");
    ASSERT_EQ(file.users[0].rules.size(), 2U);
    EXPECT_EQ(file.users[0].rules[1].filter, "shared/x");
    EXPECT_EQ(file.users[1].name, "bob smith");  // the rest of the line, as Mosquitto reads it
}

TEST(AclFile, PatternsApplyEverywhereWhateverTheirPosition)
{
    const auto file = parse_ok("user alice\npattern read devices/%u/#\ntopic x\npattern deny %c/secret\n");
    ASSERT_EQ(file.patterns.size(), 2U);
    EXPECT_EQ(file.patterns[0], (AclRule{Access::read, "devices/%u/#", 2}));
    EXPECT_EQ(file.patterns[1], (AclRule{Access::deny, "%c/secret", 4}));
    ASSERT_EQ(file.users.size(), 1U);
    EXPECT_EQ(file.users[0].rules.size(), 1U);  // the pattern did not join alice's block
}

TEST(AclFile, PlaceholdersInsideALevelAndOtherPercentSignsAreLiteral)
{
    const auto file = parse_ok("pattern read dev-%u-%c/50%/%x\n");
    ASSERT_EQ(file.patterns.size(), 1U);
    EXPECT_EQ(file.patterns[0].filter, "dev-%u-%c/50%/%x");
}

TEST(AclFile, ErrorsNameFileAndLine)
{
    EXPECT_EQ(parse_error("topic a\nfoo bar\n"),
              "acl:2: unknown statement \"foo\" (expected topic, pattern, user or a # comment)");
    EXPECT_EQ(parse_error("topic\n"), "acl:1: `topic` without a topic filter");
    EXPECT_EQ(parse_error("\n\npattern   \n"), "acl:3: `pattern` without a topic filter");
    EXPECT_EQ(parse_error("user\n"), "acl:1: `user` without a user name");
    EXPECT_EQ(parse_error("user   \t\n"), "acl:1: `user` without a user name");
    EXPECT_EQ(parse_error("topic reed a/b\n"),
              "acl:1: unknown access \"reed\" (expected read, write, readwrite or deny)");
}

TEST(AclFile, InvalidFiltersAreRefused)
{
    EXPECT_EQ(parse_error("topic read a/#/b\n"), "acl:1: invalid topic filter");
    EXPECT_EQ(parse_error("topic read a+\n"), "acl:1: invalid topic filter");
    EXPECT_EQ(parse_error("topic read a/b#\n"), "acl:1: invalid topic filter");
    EXPECT_EQ(parse_error("pattern read %u/#/x\n"), "acl:1: invalid topic filter");
    EXPECT_EQ(parse_error("topic read $share/g/a\n"),
              "acl:1: a shared subscription ($share/...) is not a topic filter");
    EXPECT_EQ(parse_error("topic read a\xff\n"), "acl:1: invalid topic filter");
    EXPECT_EQ(parse_error(std::string_view("topic read a\0b\n", 15)), "acl:1: NUL character");
    EXPECT_EQ(parse_error("user \xc3\x28\n"), "acl:1: user name is not valid UTF-8");
}

TEST(AclFile, KeywordsAreCaseSensitiveAsInMosquitto)
{
    EXPECT_NE(parse_error("Topic a\n"), "");
    EXPECT_NE(parse_error("topic READ a\n"), "");
}

TEST(AclFile, LoadsFromDiskAndReportsMissingFiles)
{
    test::TempDir dir;
    const auto path = dir.write_file("acl", "user u\ntopic read x/#\n");
    auto loaded = load_acl_file(path);
    ASSERT_TRUE(loaded) << loaded.error().to_string();
    EXPECT_EQ(loaded->users.size(), 1U);

    auto missing = load_acl_file(dir.path() / "nope");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().line, 0U);
    EXPECT_NE(missing.error().to_string().find("nope: cannot read"), std::string::npos);

    const auto bad = dir.write_file("bad", "topic read ok\nuser\n");
    auto broken = load_acl_file(bad);
    ASSERT_FALSE(broken);
    EXPECT_EQ(broken.error().to_string(), bad.string() + ":2: `user` without a user name");
}

}  // namespace
}  // namespace moatmq::security::authz
