// AclAuthorizer: per-connection permissions with their cache, reload applying to existing connections, and
// the audit reporter's rate limit.
#include "security/authz/acl_authorizer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace moatmq::security::authz {
namespace {

std::shared_ptr<const AclPolicy> policy(std::string_view text, AclOptions options = {})
{
    return std::make_shared<const AclPolicy>(parse_acl(text, "acl").value(), options);
}

struct Recorded {
    std::string username;
    std::string client_id;
    std::string listener;
    AclAction action;
    std::string topic;
    bool allowed;
    std::uint64_t suppressed;
};

struct Fixture : ::testing::Test {
    ManualClock clock;
    std::vector<Recorded> records;
    AclAuthorizer::Reporter reporter = [this](const AclDecisionRecord& r) {
        records.push_back(Recorded{std::string(r.username), std::string(r.client_id), std::string(r.listener),
                                   r.action, std::string(r.topic), r.allowed, r.suppressed});
    };
    broker::ClientIdentity alice{"alice", "a1", "local", "127.0.0.1:5000"};
};

using AclAuthorizerTest = Fixture;

TEST_F(AclAuthorizerTest, AnswersTheThreeQuestions)
{
    AclAuthorizer authorizer(policy("user alice\ntopic read in/#\ntopic write out/#\n"), reporter, clock);
    auto permissions = authorizer.permissions_for(alice);
    EXPECT_TRUE(permissions->may_receive("in/x"));
    EXPECT_FALSE(permissions->may_publish("in/x"));
    EXPECT_TRUE(permissions->may_publish("out/x"));
    EXPECT_FALSE(permissions->may_receive("out/x"));
    EXPECT_TRUE(permissions->may_subscribe("in/+"));
    EXPECT_FALSE(permissions->may_subscribe("out/+"));
}

TEST_F(AclAuthorizerTest, CachedAnswersStayCorrectForBothActionsOnOneTopic)
{
    AclAuthorizer authorizer(policy("user alice\ntopic read t\n"), reporter, clock);
    auto permissions = authorizer.permissions_for(alice);
    for (int i = 0; i < 3; ++i) {
        EXPECT_TRUE(permissions->may_receive("t"));
        EXPECT_FALSE(permissions->may_publish("t"));
    }
    // Beyond the cache's bound it is emptied, answers unchanged.
    for (std::size_t i = 0; i < kMaxCachedTopics + 10; ++i)
        EXPECT_FALSE(permissions->may_receive("other/" + std::to_string(i)));
    EXPECT_TRUE(permissions->may_receive("t"));
}

TEST_F(AclAuthorizerTest, ReplaceAppliesToExistingPermissionsAtOnce)
{
    AclAuthorizer authorizer(policy("user alice\ntopic read t/#\n"), reporter, clock);
    auto permissions = authorizer.permissions_for(alice);
    EXPECT_TRUE(permissions->may_receive("t/1"));  // cached now
    authorizer.replace(policy("user alice\ntopic read other/#\n"));
    EXPECT_FALSE(permissions->may_receive("t/1"));
    EXPECT_TRUE(permissions->may_receive("other/1"));
    EXPECT_FALSE(permissions->may_subscribe("t/#"));
    authorizer.replace(policy("", AclOptions{.default_allow = true}));
    EXPECT_TRUE(permissions->may_receive("t/1"));
}

TEST_F(AclAuthorizerTest, ReportsDenialsAndSubscribeDecisionsNotReceiveGrants)
{
    AclAuthorizer authorizer(policy("user alice\ntopic readwrite ok/#\n"), reporter, clock);
    auto permissions = authorizer.permissions_for(alice);
    EXPECT_TRUE(permissions->may_publish("ok/1"));
    EXPECT_TRUE(permissions->may_receive("ok/1"));
    EXPECT_TRUE(records.empty());
    EXPECT_FALSE(permissions->may_publish("no/1"));
    EXPECT_TRUE(permissions->may_subscribe("ok/#"));
    EXPECT_FALSE(permissions->may_receive("no/2"));
    ASSERT_EQ(records.size(), 3U);
    EXPECT_EQ(records[0].action, AclAction::publish);
    EXPECT_EQ(records[0].topic, "no/1");
    EXPECT_FALSE(records[0].allowed);
    EXPECT_EQ(records[0].username, "alice");
    EXPECT_EQ(records[0].client_id, "a1");
    EXPECT_EQ(records[0].listener, "local");
    EXPECT_EQ(records[1].action, AclAction::subscribe);
    EXPECT_TRUE(records[1].allowed);
    EXPECT_EQ(records[2].action, AclAction::receive);
}

TEST_F(AclAuthorizerTest, ReportsAreRateLimitedPerConnectionAndCountWhatWasHeldBack)
{
    AclAuthorizer authorizer(policy(""), reporter, clock);
    auto permissions = authorizer.permissions_for(alice);
    auto other = authorizer.permissions_for(broker::ClientIdentity{"bob", "b1", "", ""});
    for (int i = 0; i < 100; ++i)
        EXPECT_FALSE(permissions->may_publish("x"));
    EXPECT_EQ(records.size(), kReportBurst);
    EXPECT_FALSE(other->may_publish("x"));  // another client has its own budget
    EXPECT_EQ(records.size(), kReportBurst + 1);
    clock.advance(kReportWindow);
    EXPECT_FALSE(permissions->may_publish("x"));
    ASSERT_EQ(records.size(), kReportBurst + 2);
    EXPECT_EQ(records.back().suppressed, 100U - kReportBurst);
    EXPECT_FALSE(permissions->may_publish("x"));
    EXPECT_EQ(records.back().suppressed, 0U);
}

TEST_F(AclAuthorizerTest, WorksWithoutAReporter)
{
    AclAuthorizer authorizer(policy(""), {}, clock);
    EXPECT_FALSE(authorizer.permissions_for(alice)->may_publish("x"));
}

}  // namespace
}  // namespace moatmq::security::authz
