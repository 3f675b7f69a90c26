#include "broker/router.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace moatmq::broker {
namespace {

using namespace std::chrono_literals;
using codec::QoS;

codec::SubscriptionOptions options(QoS qos, bool no_local = false, bool retain_as_published = false)
{
    codec::SubscriptionOptions o;
    o.qos = qos;
    o.no_local = no_local;
    o.retain_as_published = retain_as_published;
    return o;
}

Message message(std::string topic, QoS qos = QoS::exactly_once, bool retain = false)
{
    Message m;
    m.topic = std::move(topic);
    m.payload = to_bytes("payload");
    m.qos = qos;
    m.retain = retain;
    return m;
}

// Deliveries sorted by session (route() does not promise an order).
std::vector<Delivery> route(const Router& router, const Message& m, std::optional<SessionId> publisher = {})
{
    std::vector<Delivery> out;
    router.route(m, publisher, out);
    std::sort(out.begin(), out.end(),
              [](const Delivery& a, const Delivery& b) { return a.session < b.session; });
    return out;
}

TEST(Router, SubscribeReportsWhetherTheSubscriptionExisted)
{
    Router router;
    auto first = router.subscribe(1, "a/+", options(QoS::at_least_once));
    ASSERT_TRUE(first);
    EXPECT_FALSE(*first);
    auto again = router.subscribe(1, "a/+", options(QoS::exactly_once));
    ASSERT_TRUE(again);
    EXPECT_TRUE(*again);  // Retain Handling 1 sends nothing now [MQTT-3.3.1-10]
    EXPECT_EQ(router.subscription_count(), 1u);
    EXPECT_FALSE(router.subscribe(1, "a/#/b", {}));
}

TEST(Router, OneDeliveryPerSessionAtTheHighestGrantedQoS)
{
    // 3.1.1 [MQTT-3.3.5-1] and 5.0 alike: overlapping subscriptions give one delivery.
    Router router;
    ASSERT_TRUE(router.subscribe(1, "a/b", options(QoS::at_most_once)));
    ASSERT_TRUE(router.subscribe(1, "a/+", options(QoS::at_least_once)));
    ASSERT_TRUE(router.subscribe(1, "#", options(QoS::at_most_once)));
    ASSERT_TRUE(router.subscribe(2, "a/b", options(QoS::exactly_once)));
    auto out = route(router, message("a/b"));
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].session, 1u);
    EXPECT_EQ(out[0].qos, QoS::at_least_once);
    EXPECT_EQ(out[1].session, 2u);
    EXPECT_EQ(out[1].qos, QoS::exactly_once);
}

TEST(Router, QoSIsTheMinimumOfMessageAndGrant)
{
    // [MQTT-3.8.4-8]
    Router router;
    ASSERT_TRUE(router.subscribe(1, "t", options(QoS::exactly_once)));
    ASSERT_TRUE(router.subscribe(2, "t", options(QoS::at_most_once)));
    ASSERT_TRUE(router.subscribe(3, "t", options(QoS::at_least_once)));
    auto out = route(router, message("t", QoS::at_least_once));
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(out[0].qos, QoS::at_least_once);
    EXPECT_EQ(out[1].qos, QoS::at_most_once);
    EXPECT_EQ(out[2].qos, QoS::at_least_once);
    out = route(router, message("t", QoS::at_most_once));
    for (const auto& d : out)
        EXPECT_EQ(d.qos, QoS::at_most_once);
}

TEST(Router, AllMatchingSubscriptionIdentifiersOnTheOneDelivery)
{
    // [MQTT-3.3.4-3] [MQTT-3.3.4-4]
    Router router;
    ASSERT_TRUE(router.subscribe(1, "a/b", options(QoS::at_most_once), 3));
    ASSERT_TRUE(router.subscribe(1, "a/+", options(QoS::at_most_once), 1));
    ASSERT_TRUE(router.subscribe(1, "+/b", options(QoS::at_most_once)));   // no identifier
    ASSERT_TRUE(router.subscribe(1, "#", options(QoS::at_most_once), 3));  // same id twice: sent once
    ASSERT_TRUE(router.subscribe(1, "x", options(QoS::at_most_once), 9));  // does not match
    auto out = route(router, message("a/b"));
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].subscription_ids, (std::vector<std::uint32_t>{1, 3}));
    EXPECT_EQ(out[0].shared_group, 0u);
}

TEST(Router, NoIdentifiersForSubscriptionsWithout)
{
    Router router;
    ASSERT_TRUE(router.subscribe(1, "a/b", options(QoS::at_least_once)));
    auto out = route(router, message("a/b"));
    ASSERT_EQ(out.size(), 1u);
    EXPECT_TRUE(out[0].subscription_ids.empty());
}

TEST(Router, NoLocalSkipsThePublishersOwnSession)
{
    // [MQTT-3.8.3-3]
    Router router;
    ASSERT_TRUE(router.subscribe(1, "t", options(QoS::at_least_once, /*no_local=*/true)));
    ASSERT_TRUE(router.subscribe(2, "t", options(QoS::at_least_once, /*no_local=*/true)));
    auto out = route(router, message("t"), SessionId{1});
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].session, 2u);
    // A broker-originated message (no publishing session) reaches both.
    EXPECT_EQ(route(router, message("t")).size(), 2u);
}

TEST(Router, NoLocalOnOneOverlappingSubscriptionLeavesTheOthers)
{
    Router router;
    ASSERT_TRUE(router.subscribe(1, "t", options(QoS::exactly_once, /*no_local=*/true), 5));
    ASSERT_TRUE(router.subscribe(1, "#", options(QoS::at_most_once), 6));
    auto out = route(router, message("t"), SessionId{1});
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].qos, QoS::at_most_once);  // only the subscription that still applies counts
    EXPECT_EQ(out[0].subscription_ids, (std::vector<std::uint32_t>{6}));
}

TEST(Router, RetainFlagOnLiveDeliveriesFollowsRetainAsPublished)
{
    // [MQTT-3.3.1-12] [MQTT-3.3.1-13]
    Router router;
    ASSERT_TRUE(router.subscribe(1, "t", options(QoS::at_most_once, false, /*retain_as_published=*/false)));
    ASSERT_TRUE(router.subscribe(2, "t", options(QoS::at_most_once, false, /*retain_as_published=*/true)));
    auto out = route(router, message("t", QoS::at_most_once, /*retain=*/true));
    ASSERT_EQ(out.size(), 2u);
    EXPECT_FALSE(out[0].retain);
    EXPECT_TRUE(out[1].retain);
    out = route(router, message("t", QoS::at_most_once, /*retain=*/false));
    EXPECT_FALSE(out[0].retain);
    EXPECT_FALSE(out[1].retain);
}

TEST(Router, OutputVectorIsReusedAndOverwritten)
{
    Router router;
    ASSERT_TRUE(router.subscribe(1, "a", options(QoS::at_most_once), 1));
    ASSERT_TRUE(router.subscribe(2, "a", options(QoS::at_most_once)));
    ASSERT_TRUE(router.subscribe(3, "b", options(QoS::at_most_once)));
    std::vector<Delivery> out;
    router.route(message("a"), {}, out);
    EXPECT_EQ(out.size(), 2u);
    router.route(message("b"), {}, out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].session, 3u);
    EXPECT_TRUE(out[0].subscription_ids.empty());
    router.route(message("none"), {}, out);
    EXPECT_TRUE(out.empty());
}

TEST(Router, UnsubscribeAndUnsubscribeAll)
{
    Router router;
    ASSERT_TRUE(router.subscribe(1, "a", {}));
    ASSERT_TRUE(router.subscribe(1, "b", {}));
    ASSERT_TRUE(router.subscribe(2, "a", {}));
    EXPECT_TRUE(router.unsubscribe(2, "a"));
    EXPECT_FALSE(router.unsubscribe(2, "a"));
    EXPECT_EQ(router.unsubscribe_all(1), 2u);
    EXPECT_TRUE(route(router, message("a")).empty());
    EXPECT_EQ(router.subscription_count(), 0u);
}

TEST(Router, SharedGroupDeliversToOneMemberRoundRobin)
{
    Router router;
    for (SessionId s = 1; s <= 3; ++s)
        ASSERT_TRUE(router.subscribe(s, "$share/workers/jobs/+", options(QoS::at_least_once)));
    std::map<SessionId, int> received;
    for (int i = 0; i < 300; ++i) {
        auto out = route(router, message("jobs/x", QoS::at_least_once));
        ASSERT_EQ(out.size(), 1u);
        EXPECT_NE(out[0].shared_group, 0u);
        EXPECT_EQ(out[0].qos, QoS::at_least_once);
        ++received[out[0].session];
    }
    EXPECT_EQ(received, (std::map<SessionId, int>{{1, 100}, {2, 100}, {3, 100}}));
}

TEST(Router, EachSharedGroupAndTheOrdinarySubscriberGetACopy)
{
    // Spec §4.8.2: a shared subscription is separate from the session's other subscriptions.
    Router router;
    ASSERT_TRUE(router.subscribe(1, "$share/g1/t", options(QoS::at_least_once)));
    ASSERT_TRUE(router.subscribe(1, "$share/g2/t", options(QoS::at_least_once)));
    ASSERT_TRUE(router.subscribe(1, "t", options(QoS::at_most_once)));
    auto out = route(router, message("t"));
    ASSERT_EQ(out.size(), 3u);
    int shared = 0;
    for (const auto& d : out) {
        EXPECT_EQ(d.session, 1u);
        if (d.shared_group != 0) {
            ++shared;
            EXPECT_EQ(d.qos, QoS::at_least_once);
        } else {
            EXPECT_EQ(d.qos, QoS::at_most_once);
        }
    }
    EXPECT_EQ(shared, 2);
}

TEST(Router, SharedDeliveryIsRoutedAgainWhenTheMemberLeaves)
{
    Router router;
    ASSERT_TRUE(router.subscribe(1, "$share/g/t", options(QoS::exactly_once), 11));
    ASSERT_TRUE(router.subscribe(2, "$share/g/t", options(QoS::at_least_once), 22));
    const Message m = message("t", QoS::exactly_once, /*retain=*/true);
    auto out = route(router, m);
    ASSERT_EQ(out.size(), 1u);
    const SessionId first = out[0].session;
    const SharedGroupId group = out[0].shared_group;

    // `first` disconnects with the message unacknowledged; the core asks for someone else.
    router.unsubscribe_all(first);
    auto again = router.route_shared_again(group, m, first);
    ASSERT_TRUE(again);
    EXPECT_NE(again->session, first);
    EXPECT_EQ(again->shared_group, group);
    EXPECT_EQ(again->qos, again->session == 1 ? QoS::exactly_once : QoS::at_least_once);
    EXPECT_FALSE(again->retain);  // not Retain As Published
    EXPECT_EQ(again->subscription_ids, (std::vector<std::uint32_t>{again->session == 1 ? 11u : 22u}));

    // New messages go only to the remaining member.
    for (int i = 0; i < 4; ++i) {
        out = route(router, m);
        ASSERT_EQ(out.size(), 1u);
        EXPECT_EQ(out[0].session, again->session);
    }
    // The last member leaves: nobody to hand it to.
    EXPECT_FALSE(router.route_shared_again(group, m, again->session));
    router.unsubscribe_all(again->session);
    EXPECT_FALSE(router.route_shared_again(group, m, 0));
}

TEST(Router, SharedMemberStillSubscribedIsSkippedWhenExcluded)
{
    // A persistent session whose connection dropped keeps its subscription; the core excludes it.
    Router router;
    ASSERT_TRUE(router.subscribe(1, "$share/g/t", options(QoS::at_least_once)));
    ASSERT_TRUE(router.subscribe(2, "$share/g/t", options(QoS::at_least_once)));
    auto out = route(router, message("t"));
    ASSERT_EQ(out.size(), 1u);
    for (int i = 0; i < 4; ++i) {
        auto again = router.route_shared_again(out[0].shared_group, message("t"), out[0].session);
        ASSERT_TRUE(again);
        EXPECT_NE(again->session, out[0].session);
    }
}

TEST(Router, SharedGroupSkipsOfflineMembersWhileOthersAreOnline)
{
    Router router;
    ASSERT_TRUE(router.subscribe(1, "$share/g/t", options(QoS::at_most_once)));
    ASSERT_TRUE(router.subscribe(2, "$share/g/t", options(QoS::at_most_once)));
    router.set_online(1, false);
    for (int i = 0; i < 6; ++i) {
        auto out = route(router, message("t"));
        ASSERT_EQ(out.size(), 1u);
        EXPECT_EQ(out[0].session, 2u);
    }
    router.set_online(1, true);
    std::map<SessionId, int> received;
    for (int i = 0; i < 6; ++i)
        ++received[route(router, message("t")).at(0).session];
    EXPECT_EQ(received, (std::map<SessionId, int>{{1, 3}, {2, 3}}));
}

TEST(Router, RetainedMessagesForANewSubscription)
{
    ManualClock clock;
    Router router;
    auto keep = std::make_shared<Message>(message("a/b", QoS::at_least_once, true));
    router.retain(keep);
    Message expiring = message("a/c", QoS::at_least_once, true);
    expiring.expires_at = clock.now() + 5s;
    router.retain(std::make_shared<Message>(std::move(expiring)));
    router.retain(std::make_shared<Message>(message("$SYS/x", QoS::at_most_once, true)));
    EXPECT_EQ(router.retained_count(), 3u);

    std::vector<MessagePtr> out;
    router.retained_for("a/+", clock.now(), out);
    EXPECT_EQ(out.size(), 2u);
    clock.advance(5s);
    out.clear();
    router.retained_for("a/+", clock.now(), out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0], keep);

    out.clear();
    router.retained_for("#", clock.now(), out);
    EXPECT_EQ(out.size(), 1u);  // not $SYS/x [MQTT-4.7.2-1]

    // Shared subscriptions get no retained messages.
    out.clear();
    router.retained_for("$share/g/a/+", clock.now(), out);
    EXPECT_TRUE(out.empty());

    // An empty retained payload clears the topic.
    Message clear = message("a/b", QoS::at_most_once, true);
    clear.payload.clear();
    router.retain(std::make_shared<Message>(std::move(clear)));
    out.clear();
    router.retained_for("a/+", clock.now(), out);
    EXPECT_TRUE(out.empty());
}

TEST(Router, RoutesToManySessions)
{
    Router router;
    for (SessionId s = 1; s <= 1000; ++s)
        ASSERT_TRUE(router.subscribe(s, "fan/out", options(QoS::at_least_once)));
    for (SessionId s = 1; s <= 1000; s += 10)
        ASSERT_TRUE(router.subscribe(s, "fan/#", options(QoS::exactly_once), 7));
    auto out = route(router, message("fan/out"));
    ASSERT_EQ(out.size(), 1000u);
    for (std::size_t i = 0; i < out.size(); ++i) {
        EXPECT_EQ(out[i].session, i + 1);
        const bool both = i % 10 == 0;
        EXPECT_EQ(out[i].qos, both ? QoS::exactly_once : QoS::at_least_once);
        EXPECT_EQ(out[i].subscription_ids.size(), both ? 1u : 0u);
    }
}

}  // namespace
}  // namespace moatmq::broker
