// Decisions of compiled ACLs: who gets which block, deny before allow, the default, $SYS, pattern
// substitution with hostile user names and client ids, and the subscribe check (overlap and strict).
#include "security/authz/acl_policy.hpp"

#include <gtest/gtest.h>

namespace moatmq::security::authz {
namespace {

AclPolicy policy(std::string_view text, AclOptions options = {})
{
    auto file = parse_acl(text, "acl");
    EXPECT_TRUE(file) << (file ? "" : file.error().to_string());
    return AclPolicy(file ? *file : AclFile{}, options);
}

constexpr std::string_view kSite =
    "topic read public/#\n"
    "topic deny public/secret/#\n"
    "user alice\n"
    "topic readwrite alice/#\n"
    "topic write sensors/+/temp\n"
    "user bob\n"
    "topic read sensors/#\n"
    "topic deny sensors/vault/#\n"
    "pattern readwrite devices/%u/#\n"
    "pattern read inbox/%c\n";

TEST(AclPolicy, GeneralBlockAppliesToEveryoneIncludingAnonymous)
{
    const auto acl = policy(kSite);
    EXPECT_TRUE(acl.rules_for("", "c1").may_receive("public/news"));
    EXPECT_TRUE(acl.rules_for("alice", "c1").may_receive("public/news"));
    EXPECT_TRUE(acl.rules_for("nobody-listed", "c1").may_receive("public/news"));
    EXPECT_FALSE(acl.rules_for("", "c1").may_publish("public/news"));
}

TEST(AclPolicy, UserBlocksAreTheirUsersOnly)
{
    const auto acl = policy(kSite);
    const auto alice = acl.rules_for("alice", "a1");
    const auto bob = acl.rules_for("bob", "b1");
    EXPECT_TRUE(alice.may_publish("alice/notes"));
    EXPECT_TRUE(alice.may_receive("alice/notes"));
    EXPECT_TRUE(alice.may_publish("sensors/kitchen/temp"));
    EXPECT_FALSE(alice.may_receive("sensors/kitchen/temp"));  // write only
    EXPECT_FALSE(bob.may_publish("alice/notes"));
    EXPECT_FALSE(bob.may_receive("alice/notes"));
    EXPECT_TRUE(bob.may_receive("sensors/kitchen/temp"));
    EXPECT_FALSE(bob.may_publish("sensors/kitchen/temp"));
    EXPECT_FALSE(acl.rules_for("", "x").may_receive("alice/notes"));
    EXPECT_FALSE(acl.rules_for("Alice", "x").may_receive("alice/notes"));  // names are exact
}

TEST(AclPolicy, DenyBeatsAllowWhereverTheyAre)
{
    const auto acl = policy(kSite);
    EXPECT_FALSE(acl.rules_for("bob", "b1").may_receive("sensors/vault/door"));
    EXPECT_FALSE(acl.rules_for("bob", "b1").may_receive("sensors/vault"));    // '#' covers the parent
    EXPECT_FALSE(acl.rules_for("bob", "b1").may_receive("public/secret/x"));  // general deny, user too
    // A deny in the general block beats a grant in the user block, and the other way round.
    const auto mixed = policy("topic deny x/#\nuser u\ntopic readwrite #\ntopic deny y\n");
    EXPECT_FALSE(mixed.rules_for("u", "c").may_publish("x/1"));
    EXPECT_FALSE(mixed.rules_for("u", "c").may_publish("y"));
    EXPECT_TRUE(mixed.rules_for("u", "c").may_publish("z"));
}

TEST(AclPolicy, DefaultDecidesWhatNoRuleDoes)
{
    EXPECT_FALSE(policy(kSite).rules_for("alice", "a").may_publish("elsewhere"));
    const auto open = policy(kSite, AclOptions{.default_allow = true});
    EXPECT_TRUE(open.rules_for("alice", "a").may_publish("elsewhere"));
    EXPECT_FALSE(open.rules_for("bob", "b").may_receive("sensors/vault/1"));  // denials still hold
    // An empty file with the default deny denies everything.
    EXPECT_FALSE(policy("").rules_for("u", "c").may_receive("a"));
    EXPECT_FALSE(policy("").rules_for("u", "c").may_subscribe("#"));
}

TEST(AclPolicy, DollarTopicsNeedDollarRulesAndSysIsNeverPublished)
{
    const auto acl = policy("topic readwrite #\ntopic read $SYS/#\n");
    const auto rules = acl.rules_for("u", "c");
    EXPECT_TRUE(rules.may_receive("a/b"));
    EXPECT_TRUE(rules.may_receive("$SYS/broker/uptime"));
    EXPECT_FALSE(rules.may_receive("$other/x"));  // '#' does not reach '$' topics
    EXPECT_FALSE(rules.may_publish("$SYS/broker/uptime"));
    const auto everything = policy("topic readwrite $SYS/#\n", AclOptions{.default_allow = true});
    EXPECT_FALSE(everything.rules_for("u", "c").may_publish("$SYS/x"));
    EXPECT_FALSE(everything.rules_for("u", "c").may_publish("$SYS"));
    EXPECT_TRUE(everything.rules_for("u", "c").may_publish("$SYSTEM/x"));  // only the $SYS level itself
}

TEST(AclPolicy, PatternsSubstituteUserAndClientId)
{
    const auto acl = policy(kSite);
    const auto alice = acl.rules_for("alice", "phone-1");
    EXPECT_TRUE(alice.may_publish("devices/alice/lamp"));
    EXPECT_FALSE(alice.may_publish("devices/bob/lamp"));
    EXPECT_TRUE(alice.may_receive("inbox/phone-1"));
    EXPECT_FALSE(alice.may_receive("inbox/phone-2"));
    EXPECT_FALSE(alice.may_publish("inbox/phone-1"));
    // Anonymous clients get %c patterns, not %u ones.
    const auto anonymous = acl.rules_for("", "anon-7");
    EXPECT_TRUE(anonymous.may_receive("inbox/anon-7"));
    EXPECT_FALSE(anonymous.may_publish("devices//lamp"));
    EXPECT_FALSE(anonymous.may_publish("devices/%u/lamp"));
}

TEST(AclPolicy, WildcardsInUserNameOrClientIdGiveNoPatternGrants)
{
    // CVE-2017-7650: a user called "#" must not get devices/#/... = everything.
    const auto acl = policy("pattern readwrite devices/%u/#\npattern read inbox/%c\npattern read public/#\n");
    for (const char* user : {"#", "+", "a+b", "x/y", "a#", "$SYS"}) {
        const auto rules = acl.rules_for(user, "client");
        EXPECT_FALSE(rules.may_publish("devices/bob/lamp")) << user;
        EXPECT_FALSE(rules.may_receive("devices/a/b/c")) << user;
        EXPECT_FALSE(rules.may_receive("inbox/client")) << user;
        EXPECT_FALSE(rules.may_receive("public/x")) << user;  // no pattern grants at all
        EXPECT_FALSE(rules.may_subscribe("devices/#")) << user;
    }
    for (const char* client : {"#", "+", "a/b", "$SYS"}) {
        const auto rules = acl.rules_for("alice", client);
        EXPECT_FALSE(rules.may_receive("inbox/a/b")) << client;
        EXPECT_FALSE(rules.may_receive("devices/alice/x")) << client;
    }
    // "%c/#" must not open $SYS to a client that calls itself "$SYS".
    const auto own = policy("pattern read %c/#\n");
    EXPECT_FALSE(own.rules_for("", "$SYS").may_receive("$SYS/broker/uptime"));
    EXPECT_TRUE(own.rules_for("", "dev1").may_receive("dev1/x"));
}

TEST(AclPolicy, DenyPatternsWithUnusableValuesAreWidenedNotDropped)
{
    EXPECT_EQ(substitute_pattern("devices/%u/secret", Access::deny, "a+", "c"), "devices/#");
    EXPECT_EQ(substitute_pattern("%c/secret", Access::deny, "u", "#"), "#");
    EXPECT_EQ(substitute_pattern("x/%c/%u", Access::deny, "", "ok"), "x/ok/#");
    EXPECT_EQ(substitute_pattern("devices/%u/secret", Access::read, "a+", "c"), std::nullopt);
    EXPECT_EQ(substitute_pattern("devices/%u-%c/x", Access::read, "u", "c"), "devices/u-c/x");
    const auto acl = policy("topic read devices/#\npattern deny devices/%u/secret\n");
    EXPECT_TRUE(acl.rules_for("alice", "c").may_receive("devices/bob/secret"));
    EXPECT_FALSE(acl.rules_for("alice", "c").may_receive("devices/alice/secret"));
    EXPECT_FALSE(acl.rules_for("a+b", "c").may_receive("devices/x"));  // widened to devices/#
    EXPECT_FALSE(acl.rules_for("", "c").may_receive("devices/x"));
}

TEST(AclPolicy, SubscribeIsRefusedWhenNoReadableTopicCanMatch)
{
    const auto acl = policy(kSite);
    const auto bob = acl.rules_for("bob", "b1");
    EXPECT_TRUE(bob.may_subscribe("sensors/#"));
    EXPECT_TRUE(bob.may_subscribe("#"));            // overlaps readable topics; delivery filters the rest
    EXPECT_TRUE(bob.may_subscribe("+/kitchen/+"));  // sensors/kitchen/x is readable
    EXPECT_FALSE(bob.may_subscribe("secret/#"));
    EXPECT_FALSE(bob.may_subscribe("sensors/vault/#"));  // readable, but all of it denied
    EXPECT_FALSE(bob.may_subscribe("alice/#"));
    EXPECT_FALSE(bob.may_subscribe("$SYS/#"));  // '#' rules do not reach '$' topics
    EXPECT_TRUE(bob.may_subscribe("public/+"));
    EXPECT_FALSE(bob.may_subscribe("public/secret/+"));
    // Write-only rules do not make anything readable.
    EXPECT_FALSE(acl.rules_for("alice", "a").may_subscribe("sensors/+/temp"));
}

TEST(AclPolicy, SubscribeWildcardVersusRules)
{
    // `a/#` with only a/b readable: granted (a/b arrives), strict: refused.
    const auto text = "topic read a/b\ntopic read secret/x\n";
    EXPECT_TRUE(policy(text).rules_for("u", "c").may_subscribe("a/#"));
    EXPECT_FALSE(policy(text, AclOptions{.strict_subscribe = true}).rules_for("u", "c").may_subscribe("a/#"));
    // `+/x` with secret/x readable: it overlaps; strict needs every x-topic readable.
    EXPECT_TRUE(policy(text).rules_for("u", "c").may_subscribe("+/x"));
    EXPECT_FALSE(policy(text, AclOptions{.strict_subscribe = true}).rules_for("u", "c").may_subscribe("+/x"));
    // `+/x` with secret/x denied and everything else readable.
    const auto denied = "topic read #\ntopic deny secret/x\n";
    EXPECT_TRUE(policy(denied).rules_for("u", "c").may_subscribe("+/x"));
    EXPECT_FALSE(
        policy(denied, AclOptions{.strict_subscribe = true}).rules_for("u", "c").may_subscribe("+/x"));
    EXPECT_TRUE(
        policy(denied, AclOptions{.strict_subscribe = true}).rules_for("u", "c").may_subscribe("a/#"));
    EXPECT_FALSE(policy(denied).rules_for("u", "c").may_subscribe("secret/x"));
}

TEST(AclPolicy, StrictSubscribeUsesTheUnionOfReadRules)
{
    const auto acl =
        policy("topic read a\ntopic read a/+/#\ntopic read b/+\n", AclOptions{.strict_subscribe = true});
    const auto rules = acl.rules_for("u", "c");
    EXPECT_TRUE(rules.may_subscribe("a/#"));  // {a} ∪ {a/x, a/x/...}
    EXPECT_TRUE(rules.may_subscribe("b/c"));
    EXPECT_TRUE(rules.may_subscribe("b/+"));
    EXPECT_FALSE(rules.may_subscribe("b/#"));  // b itself and b/x/y are not readable
    EXPECT_FALSE(rules.may_subscribe("#"));
}

TEST(AclPolicy, SubscribeWithDefaultAllow)
{
    const auto text = "topic deny vault/#\n";
    const auto loose = policy(text, AclOptions{.default_allow = true});
    EXPECT_TRUE(loose.rules_for("u", "c").may_subscribe("#"));
    EXPECT_FALSE(loose.rules_for("u", "c").may_subscribe("vault/+"));
    const auto strict = policy(text, AclOptions{.default_allow = true, .strict_subscribe = true});
    EXPECT_FALSE(strict.rules_for("u", "c").may_subscribe("#"));
    EXPECT_TRUE(strict.rules_for("u", "c").may_subscribe("other/#"));
    EXPECT_TRUE(strict.rules_for("u", "c").may_subscribe("$SYS/#"));  // '#' deny does not reach it
}

TEST(AclPolicy, DollarSubscriptions)
{
    const auto acl = policy("topic read $SYS/broker/#\ntopic read #\n");
    const auto rules = acl.rules_for("u", "c");
    EXPECT_TRUE(rules.may_subscribe("$SYS/#"));
    EXPECT_TRUE(rules.may_subscribe("$SYS/broker/+"));
    EXPECT_FALSE(rules.may_subscribe("$SYS/other/#"));
    EXPECT_FALSE(rules.may_subscribe("$other/#"));
    const auto strict =
        policy("topic read $SYS/broker/#\ntopic read #\n", AclOptions{.strict_subscribe = true});
    EXPECT_FALSE(strict.rules_for("u", "c").may_subscribe("$SYS/#"));
    EXPECT_TRUE(strict.rules_for("u", "c").may_subscribe("$SYS/broker/#"));
    EXPECT_TRUE(strict.rules_for("u", "c").may_subscribe("#"));
}

TEST(AclPolicy, PatternSubscriptions)
{
    const auto acl = policy(kSite);
    EXPECT_TRUE(acl.rules_for("alice", "c").may_subscribe("devices/alice/#"));
    EXPECT_FALSE(acl.rules_for("alice", "c").may_subscribe("devices/bob/#"));
    EXPECT_TRUE(acl.rules_for("alice", "c").may_subscribe("devices/+/lamp"));  // devices/alice/lamp
}

TEST(AclPolicy, TenThousandRulesStillDecide)
{
    std::string text;
    for (int i = 0; i < 10'000; ++i)
        text += "topic read site/" + std::to_string(i) + "/+/temp\n";
    text += "user u\ntopic deny site/42/#\n";
    const auto acl = policy(text);
    EXPECT_EQ(acl.rule_count(), 10'001U);
    const auto rules = acl.rules_for("u", "c");
    EXPECT_TRUE(rules.may_receive("site/9999/kitchen/temp"));
    EXPECT_FALSE(rules.may_receive("site/42/kitchen/temp"));
    EXPECT_FALSE(rules.may_receive("site/10000/kitchen/temp"));
    EXPECT_TRUE(rules.may_subscribe("site/#"));
    EXPECT_FALSE(rules.may_subscribe("site/42/#"));
}

}  // namespace
}  // namespace moatmq::security::authz
