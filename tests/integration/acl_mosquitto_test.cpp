// ACLs against the real broker with Debian's mosquitto_pub / mosquitto_sub and a Mosquitto password file and
// acl_file as they are: users get what their rules say, a subscription to '#' never yields a forbidden topic
// (retained, live or shared), denied PUBLISH/SUBSCRIBE get their reason codes, a SIGHUP reload revokes
// access to messages already queued for an offline session, and a broken file is refused with FILE:LINE.
// "Never" is bounded by a marker message published after the forbidden ones.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "acl_support.hpp"

namespace moatmq::test {
namespace {

// What admin publishes, and what of it bob may read.
const std::vector<std::string> kTopics{"sensors/kitchen", "sensors/vault/door", "secret/plans",
                                       "public/news",     "devices/bob/lamp",   "devices/alice/lamp",
                                       "bob/out/report",  "alice/diary"};
const std::vector<std::string> kBobReads{"devices/bob/lamp", "public/news", "sensors/kitchen"};

void publish_all(const BrokerProcess& broker, const std::string& payload, bool retain)
{
    for (const auto& topic : kTopics) {
        std::vector<std::string> args{"-V", "5", "-q", "1", "-t", topic, "-m", payload};
        if (retain) args.push_back("-r");
        auto sent = mosquitto_pub_as(broker, "admin", args);
        ASSERT_EQ(sent.exit_code, 0) << topic << ": " << sent.out << sent.err;
    }
}

std::vector<std::string> with_payload(const std::vector<std::string>& topics, const std::string& payload)
{
    std::vector<std::string> out;
    for (const auto& t : topics)
        out.push_back(t + " " + payload);
    return out;
}

TEST(AclMosquitto, SubscribeToHashNeverYieldsForbiddenTopicsRetainedIncluded)
{
    AclFiles files;
    BrokerProcess broker(files.config());
    publish_all(broker, "retained", true);

    // Three retained messages bob may read, the same three live, then the marker.
    auto sub = mosquitto_sub_as(broker, "bob", {"-V", "5", "-q", "1", "-t", "#"}, 7);
    publish_all(broker, "live", false);
    ASSERT_EQ(mosquitto_pub_as(broker, "admin", {"-q", "1", "-t", "public/zz-marker", "-m", "end"}).exit_code,
              0);

    auto seen = sub->finish(kAclTimeout);
    auto expected = with_payload(kBobReads, "retained");
    for (auto& line : with_payload(kBobReads, "live"))
        expected.push_back(line);
    expected.push_back("public/zz-marker end");
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(sorted_message_lines(seen.out), expected) << seen.out << seen.err;
}

TEST(AclMosquitto, SharedSubscriptionNeverLeaksForbiddenTopics)
{
    AclFiles files;
    BrokerProcess broker(files.config());
    auto sub = mosquitto_sub_as(broker, "bob", {"-V", "5", "-q", "1", "-t", "$share/grp/#"}, 4);
    publish_all(broker, "live", false);
    ASSERT_EQ(mosquitto_pub_as(broker, "admin", {"-q", "1", "-t", "public/zz-marker", "-m", "end"}).exit_code,
              0);
    auto seen = sub->finish(kAclTimeout);
    auto expected = with_payload(kBobReads, "live");
    expected.push_back("public/zz-marker end");
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(sorted_message_lines(seen.out), expected) << seen.out << seen.err;
}

TEST(AclMosquitto, DeniedSubscribeIsRefusedForThatFilterOnly)
{
    AclFiles files;
    BrokerProcess broker(files.config());
    // 5.0: 0x87 (135) for the filter no readable topic can match; the others are granted.
    auto v5 =
        mosquitto_sub_as(broker, "bob", {"-V", "5", "-q", "1", "-t", "secret/#", "-t", "sensors/#", "-E"}, 1);
    auto done5 = v5->finish(kAclTimeout);
    EXPECT_NE(done5.out.find("Subscribed (mid: 1): 135, 1"), std::string::npos) << done5.out << done5.err;
    // 3.1.1: 0x80 (128).
    auto v3 = mosquitto_sub_as(
        broker, "bob", {"-V", "mqttv311", "-q", "1", "-t", "sensors/#", "-t", "sensors/vault/#", "-E"}, 1);
    auto done3 = v3->finish(kAclTimeout);
    EXPECT_NE(done3.out.find("Subscribed (mid: 1): 1, 128"), std::string::npos) << done3.out << done3.err;
}

TEST(AclMosquitto, DeniedPublishGets0x87AndIsNeverDelivered)
{
    AclFiles files;
    BrokerProcess broker(files.config());
    auto watcher = mosquitto_sub_as(broker, "admin", {"-V", "5", "-q", "1", "-t", "#"}, 2);

    auto q1 =
        mosquitto_pub_as(broker, "bob", {"-V", "5", "-q", "1", "-d", "-t", "secret/x", "-m", "DENIED-1"});
    EXPECT_NE(q1.out.find("received PUBACK (Mid: 1, RC:135)"), std::string::npos) << q1.out << q1.err;
    auto q2 =
        mosquitto_pub_as(broker, "bob", {"-V", "5", "-q", "2", "-d", "-t", "secret/x", "-m", "DENIED-2"});
    EXPECT_NE(q2.err.find("Publish 1 failed: Not authorized"), std::string::npos) << q2.out << q2.err;
    auto q0 = mosquitto_pub_as(broker, "bob", {"-V", "5", "-q", "0", "-t", "secret/x", "-m", "DENIED-0"});
    EXPECT_EQ(q0.exit_code, 0) << q0.err;
    for (const char* qos : {"0", "1", "2"}) {  // 3.1.1 cannot be told: acknowledged, dropped
        auto old = mosquitto_pub_as(broker, "bob",
                                    {"-V", "mqttv311", "-q", qos, "-t", "secret/x", "-m", "DENIED-3"});
        EXPECT_EQ(old.exit_code, 0) << old.err;
    }
    // Clients never publish to $SYS, whatever the rules (admin may write '#').
    auto sys =
        mosquitto_pub_as(broker, "admin", {"-V", "5", "-q", "1", "-d", "-t", "$SYS/fake", "-m", "DENIED-4"});
    EXPECT_NE(sys.out.find("RC:135"), std::string::npos) << sys.out;
    // Allowed: bob writes bob/out/...
    auto ok =
        mosquitto_pub_as(broker, "bob", {"-V", "5", "-q", "1", "-d", "-t", "bob/out/x", "-m", "allowed"});
    EXPECT_NE(ok.out.find("received PUBACK (Mid: 1, RC:0)"), std::string::npos) << ok.out;
    ASSERT_EQ(mosquitto_pub_as(broker, "admin", {"-q", "1", "-t", "zz/marker", "-m", "end"}).exit_code, 0);

    auto seen = watcher->finish(kAclTimeout);
    EXPECT_EQ(sorted_message_lines(seen.out),
              (std::vector<std::string>{"bob/out/x allowed", "zz/marker end"}))
        << seen.out;
    EXPECT_TRUE(broker.wait_for_log("secret/x", 5s)) << broker.log();  // the denial is logged
}

TEST(AclMosquitto, WillOnAForbiddenTopicIsNotPublished)
{
    AclFiles files;
    BrokerProcess broker(files.config());
    auto watcher = mosquitto_sub_as(broker, "admin", {"-V", "5", "-q", "1", "-t", "#"}, 2);
    for (const char* topic : {"secret/will", "bob/out/will"}) {
        auto bob = mosquitto_sub_as(
            broker, "bob", {"-V", "5", "-t", "sensors/#", "--will-topic", topic, "--will-payload", "gone"},
            1);
        bob->signal(SIGKILL);  // no DISCONNECT: the will is due
        bob->finish(kAclTimeout);
        if (topic[0] == 's') {
            EXPECT_TRUE(broker.wait_for_log("on \"secret/will\" not published: not authorized", 10s))
                << broker.log();
        }
    }
    ASSERT_EQ(mosquitto_pub_as(broker, "admin", {"-q", "1", "-t", "zz/marker", "-m", "end"}).exit_code, 0);
    auto seen = watcher->finish(kAclTimeout);
    EXPECT_EQ(sorted_message_lines(seen.out),
              (std::vector<std::string>{"bob/out/will gone", "zz/marker end"}))
        << seen.out;
}

TEST(AclMosquitto, SighupReloadRevokesAccessToMessagesAlreadyQueued)
{
    AclFiles files;
    BrokerProcess broker(files.config());
    // bob's persistent session subscribes, then goes away.
    const std::vector<std::string> session{"-V", "5", "-i", "bob-queue", "-c", "-x",      "600",
                                           "-q", "1", "-t", "sensors/#", "-t", "public/#"};
    auto first = mosquitto_sub_as(
        broker, "bob",
        [&] {
            auto args = session;
            args.push_back("-E");
            return args;
        }(),
        1);
    ASSERT_TRUE(first->wait_exit(kAclTimeout).has_value());

    // Queued while bob is offline.
    for (const char* topic : {"sensors/kitchen", "sensors/garage"}) {
        ASSERT_EQ(mosquitto_pub_as(broker, "admin", {"-q", "1", "-t", topic, "-m", "queued"}).exit_code, 0);
    }
    // New rules: bob may no longer read sensors/garage.
    std::string acl(kSiteAcl);
    acl.insert(acl.find("topic write bob/out/#"), "topic deny sensors/garage\n");
    files.write_acl(acl);
    ASSERT_TRUE(reload(broker, "(reload #1)")) << broker.log();
    EXPECT_NE(broker.log().find("acl reloaded"), std::string::npos) << broker.log();
    ASSERT_EQ(mosquitto_pub_as(broker, "admin", {"-q", "1", "-t", "public/zz-marker", "-m", "end"}).exit_code,
              0);

    auto second = mosquitto_sub_as(broker, "bob", session, 2, false);
    auto seen = second->finish(kAclTimeout);
    EXPECT_EQ(sorted_message_lines(seen.out),
              (std::vector<std::string>{"public/zz-marker end", "sensors/kitchen queued"}))
        << seen.out << seen.err;
}

TEST(AclMosquitto, BrokenFileOnReloadKeepsTheRulesInForce)
{
    AclFiles files;
    BrokerProcess broker(files.config());
    files.write_acl("user bob\ntopic read #\ntopic reed secret/#\n");
    ASSERT_TRUE(reload(broker, "(reload #1)")) << broker.log();
    const auto log = broker.log();
    EXPECT_NE(log.find(files.acl_path() + ":3: unknown access \"reed\""), std::string::npos) << log;
    // The old rules hold: bob still cannot read secret/..., still reads sensors/...
    auto sub = mosquitto_sub_as(broker, "bob", {"-V", "5", "-q", "1", "-t", "#"}, 2);
    ASSERT_EQ(mosquitto_pub_as(broker, "admin", {"-q", "1", "-t", "secret/plans", "-m", "x"}).exit_code, 0);
    ASSERT_EQ(mosquitto_pub_as(broker, "admin", {"-q", "1", "-t", "sensors/a", "-m", "y"}).exit_code, 0);
    ASSERT_EQ(mosquitto_pub_as(broker, "admin", {"-q", "1", "-t", "public/zz", "-m", "end"}).exit_code, 0);
    auto seen = sub->finish(kAclTimeout);
    EXPECT_EQ(sorted_message_lines(seen.out), (std::vector<std::string>{"public/zz end", "sensors/a y"}))
        << seen.out;
}

TEST(AclMosquitto, BrokenFileRefusesToStartNamingFileAndLine)
{
    AclFiles files("topic read a\nuser\n");
    try {
        BrokerProcess broker(files.config());
        FAIL() << "the broker started with a broken ACL file";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find(files.acl_path() + ":2: `user` without a user name"),
                  std::string::npos)
            << e.what();
    }
}

}  // namespace
}  // namespace moatmq::test
