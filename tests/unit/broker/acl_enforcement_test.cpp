// Authorization in the broker core, with the real AclAuthorizer (security/authz): a denied PUBLISH is
// answered 0x87 (5.0 QoS 1/2) or dropped, never routed or retained, optionally closing the connection;
// SUBACK 0x87 / 0x80 for a denied filter only; the receive check at delivery keeps forbidden messages from
// wildcard and shared subscriptions, retained messages, offline queues and in-flight resends, also after
// the rules change; a forbidden will is not published. Clients here are anonymous (the broker's default
// authentication), so the rules are the general block and %c patterns.
#include "broker_test_support.hpp"
#include "security/authz/acl_authorizer.hpp"

namespace moatmq::broker::test {
namespace {

using codec::ProtocolVersion;
using codec::QoS;
using codec::ReasonCode;
using security::authz::AclAuthorizer;
using security::authz::AclOptions;
using security::authz::AclPolicy;

constexpr std::string_view kRules =
    "topic read public/#\n"
    "topic readwrite open/#\n"
    "topic deny open/secret/#\n"
    "pattern readwrite clients/%c/#\n";

std::shared_ptr<const AclPolicy> rules(std::string_view text)
{
    return std::make_shared<const AclPolicy>(security::authz::parse_acl(text, "acl").value(), AclOptions{});
}

class AclEnforcementTest : public BrokerTest {
protected:
    AclEnforcementTest()
    {
        authorizer_ = std::make_shared<AclAuthorizer>(rules(kRules), AclAuthorizer::Reporter{}, clock_);
        options_.authorizer = authorizer_;
    }

    TestClient& connected(std::string id, ProtocolVersion version = ProtocolVersion::v5)
    {
        auto& c = client(version);
        c.connect(std::move(id));
        return c;
    }
    std::vector<std::string> topics_received(TestClient& c)
    {
        settle();
        std::vector<std::string> out;
        for (auto& p : c.received_of<codec::Publish>())
            out.push_back(p.topic);
        return out;
    }
    std::uint64_t publish_denied() { return broker().stats().acl_publish_denied.load(); }

    std::shared_ptr<AclAuthorizer> authorizer_;
};

TEST_F(AclEnforcementTest, DeniedPublishQos1And2AreAnswered0x87AndNotRouted)
{
    auto& sub = connected("sub");
    sub.subscribe("#", QoS::exactly_once);
    auto& pub = connected("pub");
    pub.publish("open/secret/a", "x", QoS::at_least_once, 1);
    pub.publish("public/news", "x", QoS::exactly_once, 2);  // readable, not writable
    auto acks = pub.received();
    ASSERT_EQ(acks.size(), 2u);
    EXPECT_EQ(std::get<codec::Puback>(acks[0]).reason, ReasonCode::NotAuthorized);
    EXPECT_EQ(std::get<codec::Pubrec>(acks[1]).reason, ReasonCode::NotAuthorized);
    pub.publish("open/a", "x", QoS::at_least_once, 3);
    EXPECT_EQ(pub.received_of<codec::Puback>().at(0).reason, ReasonCode::Success);
    EXPECT_EQ(topics_received(sub), std::vector<std::string>{"open/a"});
    EXPECT_EQ(publish_denied(), 2u);
    EXPECT_FALSE(pub.link().closed());
}

TEST_F(AclEnforcementTest, DeniedQos0And311AreDroppedAndNotRetained)
{
    auto& pub = connected("pub");
    pub.publish("secret/x", "x", QoS::at_most_once, 0, true);
    auto& old = connected("old", ProtocolVersion::v311);
    old.publish("secret/y", "x", QoS::at_least_once, 1, true);
    EXPECT_EQ(old.received_of<codec::Puback>().at(0).reason, ReasonCode::Success);  // 3.1.1 cannot be told
    EXPECT_TRUE(pub.received().empty());
    EXPECT_EQ(broker().stats().snapshot().acl_publish_denied, 2u);
    // Nothing was retained: a subscriber allowed everything sees no retained message.
    authorizer_->replace(
        std::make_shared<const AclPolicy>(security::authz::AclFile{}, AclOptions{.default_allow = true}));
    auto& sub = connected("sub");
    sub.subscribe("#");
    EXPECT_TRUE(topics_received(sub).empty());
}

TEST_F(AclEnforcementTest, DisconnectOnDeniedPublishClosesWhenNoReasonCodeCanBeGiven)
{
    options_.disconnect_on_denied_publish = true;
    auto& pub = connected("pub");
    pub.publish("open/secret/a", "x", QoS::at_least_once, 1);  // 5.0 QoS 1: told with 0x87, stays
    EXPECT_EQ(pub.received_of<codec::Puback>().at(0).reason, ReasonCode::NotAuthorized);
    EXPECT_FALSE(pub.link().closed());
    pub.publish("open/secret/a", "x");
    auto packets = pub.received_of<codec::Disconnect>();
    ASSERT_EQ(packets.size(), 1u);
    EXPECT_EQ(packets[0].reason, ReasonCode::NotAuthorized);
    EXPECT_TRUE(pub.link().closed());

    auto& old = connected("old", ProtocolVersion::v311);
    old.publish("secret/y", "x", QoS::at_least_once, 1);
    EXPECT_TRUE(old.received_of<codec::Puback>().empty());
    EXPECT_TRUE(old.link().closed());
}

TEST_F(AclEnforcementTest, SubackRefusesOnlyTheDeniedFilters)
{
    auto& c = connected("c1");
    codec::Subscribe s;
    s.packet_id = 7;
    for (const char* f : {"public/#", "secret/#", "$share/g/open/secret/+", "$share/g/open/+", "clients/c1/#",
                          "clients/c2/#"})
        s.subscriptions.push_back({f, codec::SubscriptionOptions{QoS::at_least_once}});
    c.send(s);
    auto acks = c.received_of<codec::Suback>();
    ASSERT_EQ(acks.size(), 1u);
    EXPECT_EQ(acks[0].reasons, (std::vector<ReasonCode>{ReasonCode::GrantedQoS1, ReasonCode::NotAuthorized,
                                                        ReasonCode::NotAuthorized, ReasonCode::GrantedQoS1,
                                                        ReasonCode::GrantedQoS1, ReasonCode::NotAuthorized}));
    EXPECT_EQ(broker().stats().snapshot().acl_subscribe_denied, 3u);

    auto& old = connected("c3", ProtocolVersion::v311);
    old.subscribe("secret/#", QoS::at_least_once);
    auto old_acks = old.received_of<codec::Suback>();
    ASSERT_EQ(old_acks.size(), 1u);
    ASSERT_EQ(old_acks[0].reasons.size(), 1u);
    EXPECT_EQ(static_cast<int>(old_acks[0].reasons[0]), 0x80);
}

TEST_F(AclEnforcementTest, WildcardSharedAndRetainedDeliveriesAreCheckedOnTheWay)
{
    // Retained messages on readable and forbidden topics, stored under a permissive rule set.
    authorizer_->replace(
        std::make_shared<const AclPolicy>(security::authz::AclFile{}, AclOptions{.default_allow = true}));
    auto& writer = connected("writer");
    for (const char* topic : {"open/a", "open/secret/b", "elsewhere/c", "clients/sub/d"})
        writer.publish(topic, "r", QoS::at_least_once, 1, true);
    authorizer_->replace(rules(kRules));

    auto& sub = connected("sub");
    sub.subscribe("#", QoS::at_least_once);
    auto retained = topics_received(sub);
    std::sort(retained.begin(), retained.end());
    EXPECT_EQ(retained, (std::vector<std::string>{"clients/sub/d", "open/a"}));

    auto& shared = connected("shared");
    shared.subscribe("$share/g/#", QoS::at_least_once);
    EXPECT_EQ(shared.received_of<codec::Suback>().at(0).reasons.at(0), ReasonCode::GrantedQoS1);
    // The writer may now write anywhere; the readers may read open/+ only.
    authorizer_->replace(std::make_shared<const AclPolicy>(
        security::authz::parse_acl("topic write #\ntopic read open/+\n", "acl").value(), AclOptions{}));
    writer.publish("open/secret/z", "live", QoS::at_least_once, 3);
    writer.publish("open/z", "live", QoS::at_least_once, 4);
    auto got = topics_received(sub);
    auto got_shared = topics_received(shared);
    EXPECT_EQ(got, (std::vector<std::string>{"open/z"}));
    EXPECT_EQ(got_shared, (std::vector<std::string>{"open/z"}));
    // Two retained (open/secret/b, elsewhere/c) and the live open/secret/z for both subscribers.
    EXPECT_EQ(broker().stats().snapshot().acl_receive_denied, 4u);
}

TEST_F(AclEnforcementTest, OfflineQueueAndInflightAreCheckedAgainstTheRulesInForceWhenSent)
{
    auto& sub = client();
    sub.connect("persistent", false, 600);
    sub.subscribe("open/#", QoS::at_least_once);
    sub.received();
    auto& pub = connected("pub");
    // One message in flight and unacknowledged, then the subscriber goes away; two more are queued.
    pub.publish("open/one", "x", QoS::at_least_once, 1);
    EXPECT_EQ(topics_received(sub), std::vector<std::string>{"open/one"});
    sub.drop();
    pub.publish("open/two", "x", QoS::at_least_once, 2);
    pub.publish("open/three", "x", QoS::at_least_once, 3);
    settle();
    // The rules change while the session is offline: open/one and open/two may no longer be read.
    authorizer_->replace(rules("topic readwrite open/#\ntopic deny open/one\ntopic deny open/two\n"));
    auto& back = client();
    EXPECT_TRUE(back.connect("persistent", false, 600).session_present);
    EXPECT_EQ(topics_received(back), std::vector<std::string>{"open/three"});
    EXPECT_EQ(broker().stats().snapshot().acl_receive_denied, 2u);
}

TEST_F(AclEnforcementTest, ReloadStopsAnExistingSubscriptionAtOnce)
{
    auto& sub = connected("sub");
    sub.subscribe("open/#", QoS::at_least_once);
    auto& pub = connected("pub");
    pub.publish("open/a", "x", QoS::at_least_once, 1);
    EXPECT_EQ(topics_received(sub), std::vector<std::string>{"open/a"});
    authorizer_->replace(rules("topic readwrite open/#\ntopic deny open/a\n"));
    pub.publish("open/a", "x", QoS::at_least_once, 2);
    pub.publish("open/b", "x", QoS::at_least_once, 3);
    EXPECT_EQ(topics_received(sub), std::vector<std::string>{"open/b"});
}

TEST_F(AclEnforcementTest, AForbiddenWillIsNotPublished)
{
    auto& sub = connected("sub");
    sub.subscribe("#", QoS::at_least_once);
    for (const char* topic : {"open/secret/will", "open/will"}) {
        auto& c = client();
        codec::Connect connect;
        connect.client_id = std::string("w-") + topic;
        connect.keep_alive = 0;
        codec::Will will;
        will.topic = topic;
        will.payload = to_bytes("gone");
        connect.will = will;
        c.connect(connect);
        c.drop();  // abnormal: the will goes out
    }
    EXPECT_EQ(topics_received(sub), std::vector<std::string>{"open/will"});
    EXPECT_EQ(publish_denied(), 1u);
}

TEST_F(AclEnforcementTest, WithoutAnAuthorizerEverythingButSysIsOpen)
{
    options_.authorizer.reset();
    auto& sub = connected("sub");
    sub.subscribe("#");
    auto& pub = connected("pub");
    pub.publish("secret/x", "x", QoS::at_least_once, 1);
    EXPECT_EQ(pub.received_of<codec::Puback>().at(0).reason, ReasonCode::Success);
    pub.publish("$SYS/x", "x", QoS::at_least_once, 2);
    EXPECT_EQ(pub.received_of<codec::Puback>().at(0).reason, ReasonCode::NotAuthorized);
    EXPECT_EQ(topics_received(sub), std::vector<std::string>{"secret/x"});
}

}  // namespace
}  // namespace moatmq::broker::test
