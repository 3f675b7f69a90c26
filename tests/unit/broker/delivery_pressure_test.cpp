// Delivery pressure (delivery_pressure.hpp): a drain sends one slice of a backlog per call; a publisher
// stops being read while a session it delivers to is behind because that session's worker is busy, and
// reads again when the drain has caught up; a subscriber that is slow itself (socket not taking its output,
// or at its in-flight window) never pauses anyone. Each client's posted tasks stand for its worker's
// event loop: a test runs them when it wants that worker to make progress.
#include "broker/delivery_pressure.hpp"
#include "broker_test_support.hpp"

namespace moatmq::broker::test {
namespace {

using codec::QoS;

class DeliveryPressureTest : public BrokerTest {
protected:
    DeliveryPressureTest()
    {
        // Watermarks at half the queue limits: high 20 messages, low 10.
        options_.max_queued_messages = 40;
    }
    TestClient& subscriber(std::string id, QoS qos = QoS::at_most_once, std::uint16_t receive_maximum = 0)
    {
        auto& c = client();
        codec::Connect connect;
        connect.client_id = std::move(id);
        if (receive_maximum != 0) connect.properties.receive_maximum = receive_maximum;
        c.connect(connect);
        c.subscribe("t", qos);
        c.received();
        return c;
    }
    TestClient& publisher()
    {
        auto& c = client();
        c.connect("pub");
        return c;
    }
    void publish(TestClient& pub, int count, QoS qos = QoS::at_most_once, std::string_view payload = "m")
    {
        for (int i = 0; i < count; ++i)
            pub.publish("t", payload, qos,
                        qos == QoS::at_most_once ? 0 : static_cast<std::uint16_t>(++packet_id_));
    }
    std::uint64_t dropped() { return broker().stats().messages_dropped.load(); }
    int packet_id_ = 0;
};

TEST_F(DeliveryPressureTest, ADrainSendsOneSliceOfABacklogAndPostsTheNext)
{
    options_.max_queued_messages = 100'000;
    auto& sub = subscriber("s");
    auto& pub = publisher();
    const int backlog = 2 * static_cast<int>(kDrainMessages) + 500;
    publish(pub, backlog);
    ASSERT_EQ(sub.link().posted(), 1u);  // one drain for the whole backlog, as before
    ASSERT_TRUE(sub.link().run_one());
    EXPECT_EQ(sub.received_of<codec::Publish>().size(), kDrainMessages);
    EXPECT_EQ(sub.link().posted(), 1u);  // the next slice, behind whatever else the worker has to do
    ASSERT_TRUE(sub.link().run_one());
    EXPECT_EQ(sub.received_of<codec::Publish>().size(), kDrainMessages);
    sub.link().run_posted();
    EXPECT_EQ(sub.received_of<codec::Publish>().size(), 500u);
    EXPECT_EQ(sub.link().posted(), 0u);
    EXPECT_EQ(dropped(), 0u);
}

TEST_F(DeliveryPressureTest, APublisherPausesWhileTheSubscribersWorkerIsBehindAndResumesWhenItCatchesUp)
{
    auto& sub = subscriber("s");
    auto& pub = publisher();
    publish(pub, 19);
    EXPECT_FALSE(pub.link().reading_paused());
    publish(pub, 1);  // the 20th queued: the high watermark
    EXPECT_TRUE(pub.link().reading_paused());
    publish(pub, 5);          // what was already read is still handled (and queued, under the limit)
    sub.link().run_posted();  // the subscriber's worker catches up
    EXPECT_EQ(sub.received_of<codec::Publish>().size(), 25u);
    EXPECT_TRUE(pub.link().reading_paused());  // the resume is an event on the publisher's worker
    pub.link().run_posted();
    EXPECT_FALSE(pub.link().reading_paused());
    EXPECT_EQ(pub.link().pause_changes(), 2);  // paused once, resumed once
    EXPECT_EQ(dropped(), 0u);
}

TEST_F(DeliveryPressureTest, APublisherWaitingForTwoSessionsResumesWhenBothCaughtUp)
{
    auto& a = subscriber("a");
    auto& b = subscriber("b");
    auto& pub = publisher();
    publish(pub, 20);
    EXPECT_TRUE(pub.link().reading_paused());
    EXPECT_EQ(pub.link().pause_changes(), 1);
    a.link().run_posted();
    pub.link().run_posted();
    EXPECT_TRUE(pub.link().reading_paused());  // b is still behind
    b.link().run_posted();
    pub.link().run_posted();
    EXPECT_FALSE(pub.link().reading_paused());
    EXPECT_EQ(a.received_of<codec::Publish>().size(), 20u);
    EXPECT_EQ(b.received_of<codec::Publish>().size(), 20u);
}

TEST_F(DeliveryPressureTest, AStalledSubscriberNeverPausesPublishersOrHoldsBackOthers)
{
    options_.max_queued_bytes = 200;  // also the unwritten output at which a subscriber counts as slow
    std::vector<std::string> warnings;
    options_.log = [&warnings](LogLevel level, std::string_view line) {
        if (level == LogLevel::warning) warnings.emplace_back(line);
    };
    auto& stalled = subscriber("stalled");
    stalled.link().set_written(false);  // its socket takes nothing
    auto& other = subscriber("other");
    auto& pub = publisher();
    publish(pub, 1, QoS::at_most_once, std::string(300, 'x'));  // fills the stalled link past 200 bytes
    settle();
    publish(pub, 1);  // the stalled subscriber's next drain finds its link still full: slow, and dropped
    settle();
    EXPECT_EQ(stalled.received_of<codec::Publish>().size(), 1u);
    EXPECT_EQ(other.received_of<codec::Publish>().size(), 2u);
    EXPECT_EQ(dropped(), 1u);
    ASSERT_EQ(warnings.size(), 1u) << "the drop at the link's byte cap is logged";
    EXPECT_NE(warnings[0].find("client stalled "), std::string::npos) << warnings[0];
    EXPECT_NE(warnings[0].find("slow subscriber: dropping QoS 0 messages"), std::string::npos) << warnings[0];
    const auto pauses_before = pub.link().pause_changes();
    for (int round = 0; round < 10; ++round) {
        publish(pub, 30);  // over the high watermark for both, before either worker runs
        // Only the healthy subscriber's worker runs: the stalled one's need not (it was found slow).
        other.link().run_posted();
        pub.link().run_posted();
    }
    settle();
    EXPECT_EQ(other.received_of<codec::Publish>().size(), 300u);
    EXPECT_TRUE(stalled.received_of<codec::Publish>().empty());
    EXPECT_FALSE(pub.link().reading_paused());
    // Paused and resumed once a round for the healthy subscriber, whose worker was behind until it ran;
    // never held for the stalled one, which was behind all along.
    EXPECT_EQ(pub.link().pause_changes() - pauses_before, 20);
    // The stalled subscriber lost all 300: at its queue limit (40), or once drained at the link's byte
    // cap. Every one is counted.
    EXPECT_EQ(dropped(), 301u);
    EXPECT_LE(warnings.size(), 2u) << "one line when the dropping starts, not one per message";
}

TEST_F(DeliveryPressureTest, ASubscriberAtItsInflightWindowNeverPausesPublishers)
{
    auto& sub = subscriber("s", QoS::at_least_once, 5);
    auto& pub = publisher();
    publish(pub, 6, QoS::at_least_once);
    settle();  // 5 in flight, never acknowledged; the drain stopped at the window
    EXPECT_EQ(sub.received_of<codec::Publish>().size(), 5u);
    publish(pub, 30, QoS::at_least_once);
    EXPECT_FALSE(pub.link().reading_paused());
    EXPECT_EQ(pub.link().pause_changes(), 0);
}

TEST_F(DeliveryPressureTest, PausedPublishersResumeWhenTheSessionEnds)
{
    auto& sub = subscriber("s");
    auto& pub = publisher();
    publish(pub, 25);
    EXPECT_TRUE(pub.link().reading_paused());
    sub.drop();  // gone before its worker drained anything
    pub.link().run_posted();
    EXPECT_FALSE(pub.link().reading_paused());
    EXPECT_EQ(dropped(), 25u);
}

TEST_F(DeliveryPressureTest, PausedPublishersResumeWhenTheSessionIsTakenOver)
{
    auto& sub = subscriber("s");
    auto& pub = publisher();
    publish(pub, 25);
    EXPECT_TRUE(pub.link().reading_paused());
    auto& again = client();
    again.connect("s", false);  // resumes the session on another connection
    pub.link().run_posted();
    EXPECT_FALSE(pub.link().reading_paused());
    settle();
    static_cast<void>(sub);
}

}  // namespace
}  // namespace moatmq::broker::test
