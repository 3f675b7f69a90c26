// The broker on a real RocksStore (no sockets: broker_test_support.hpp's clients, a ManualClock), for what
// only the two together show: acknowledgements leave only once the store has committed what they
// acknowledge, and a full disk (failing_file_system.hpp) refuses new QoS 1/2 messages — 5.0 PUBACK/PUBREC
// 0x97, 3.1.1 closed unacknowledged — while QoS 0 and existing sessions keep working, until it recovers.
#include <gtest/gtest.h>
#include <rocksdb/env.h>

#include <chrono>
#include <memory>
#include <thread>

#include "broker_test_support.hpp"
#include "failing_file_system.hpp"
#include "store/rocksdb_store.hpp"
#include "temp_dir.hpp"

namespace moatmq::broker::test {
namespace {

using codec::QoS;
using codec::ReasonCode;

class BrokerStore : public ::testing::Test {
protected:
    BrokerStore()
    {
        store::StoreOptions options;
        options.path = dir_.path() / "store";
        options.env = env_.get();
        options.retry_interval = 20ms;
        store_ = std::make_unique<store::RocksStore>(std::move(options));
        options_.sys_interval = 0ms;
        options_.persistence = store_.get();
        broker_ = std::make_unique<Broker>(options_, clock_);
    }
    ~BrokerStore() override
    {
        clients_.clear();
        broker_.reset();
        store_.reset();
    }

    // A persistent 5.0 client "sub" whose CONNECT was sent; its CONNACK waits for the commit.
    TestClient& persistent_subscriber()
    {
        auto& sub = client();
        codec::Connect connect;
        connect.version = codec::ProtocolVersion::v5;
        connect.client_id = "sub";
        connect.clean_start = false;
        connect.properties.session_expiry_interval = 3600;
        sub.send(connect);
        return sub;
    }

    TestClient& client(codec::ProtocolVersion version = codec::ProtocolVersion::v5)
    {
        clients_.push_back(std::make_unique<TestClient>(*broker_, version));
        return *clients_.back();
    }

    // Waits for the store to commit what was written (true) or fail, then runs what the commit posted.
    bool commit()
    {
        const bool ok = store_->flush();
        settle();
        return ok;
    }
    void settle()
    {
        for (bool again = true; again;) {
            again = false;
            for (auto& c : clients_) {
                if (c->link().run_posted() > 0) again = true;
                if (c->link().closed() && !c->closed_notified()) {
                    c->drop();
                    again = true;
                }
            }
        }
    }

    moatmq::test::TempDir dir_{"moatmq-broker-store"};
    std::shared_ptr<store::fault::FailingFileSystem> fs_ =
        std::make_shared<store::fault::FailingFileSystem>(rocksdb::FileSystem::Default());
    std::unique_ptr<rocksdb::Env> env_ = rocksdb::NewCompositeEnv(fs_);
    std::unique_ptr<store::RocksStore> store_;
    ManualClock clock_;
    BrokerOptions options_;
    std::unique_ptr<Broker> broker_;
    std::vector<std::unique_ptr<TestClient>> clients_;
};

TEST_F(BrokerStore, AcknowledgementsWaitForTheCommit)
{
    // An open atomic span keeps the committer from committing, so "not yet" is deterministic.
    store_->begin_atomic();
    auto& sub = persistent_subscriber();
    EXPECT_TRUE(sub.received().empty()) << "CONNACK before the session record was durable";
    store_->end_atomic();
    ASSERT_TRUE(commit());
    ASSERT_EQ(sub.received_of<codec::Connack>().size(), 1U);
    store_->begin_atomic();
    sub.subscribe("t/#", QoS::at_least_once);
    EXPECT_TRUE(sub.received().empty()) << "SUBACK before the subscription was durable";
    store_->end_atomic();
    ASSERT_TRUE(commit());
    ASSERT_EQ(sub.received_of<codec::Suback>().size(), 1U);

    auto& pub = client();
    pub.connect("pub");  // not persistent: its CONNACK does not wait
    store_->begin_atomic();
    pub.publish("t/1", "kept", QoS::exactly_once, 7);
    EXPECT_TRUE(pub.received_of<codec::Pubrec>().empty()) << "PUBREC before the message was durable";
    store_->end_atomic();
    ASSERT_TRUE(commit());
    auto pubrec = pub.received_of<codec::Pubrec>();
    ASSERT_EQ(pubrec.size(), 1U);
    EXPECT_EQ(pubrec[0].reason, ReasonCode::Success);

    // What was acknowledged is in the store.
    const auto state = store_->load();
    ASSERT_EQ(state.sessions.size(), 1U);
    EXPECT_EQ(state.sessions[0].subscriptions.size(), 1U);
    EXPECT_EQ(state.sessions[0].deliveries.size(), 1U);
    const auto counters = store_->counters();
    EXPECT_EQ(counters.deliveries, 1U);
}

TEST_F(BrokerStore, AFullDiskRefusesQoS12KeepsQoS0AndRecovers)
{
    auto& sub = persistent_subscriber();
    ASSERT_TRUE(commit());
    sub.subscribe("t/#", QoS::at_least_once);
    ASSERT_TRUE(commit());
    (void)sub.received();
    auto& pub = client();
    pub.connect("pub");
    auto& old = client(codec::ProtocolVersion::v311);
    old.connect("old");

    fs_->fail = true;
    // Its commit fails: never acknowledged, and the publisher is closed so that it sends it again.
    pub.publish("t/1", "lost in the commit", QoS::at_least_once, 1);
    EXPECT_FALSE(commit());
    EXPECT_TRUE(pub.received_of<codec::Puback>().empty());
    EXPECT_TRUE(pub.link().closed());
    EXPECT_FALSE(store_->writable());

    auto& pub2 = client();
    pub2.connect("pub2");
    pub2.publish("t/2", "refused", QoS::at_least_once, 2);
    pub2.publish("t/3", "refused", QoS::exactly_once, 3);
    auto answers = pub2.received();
    ASSERT_EQ(answers.size(), 2U);
    auto* puback = std::get_if<codec::Puback>(&answers[0]);
    ASSERT_NE(puback, nullptr);
    EXPECT_EQ(puback->reason, ReasonCode::QuotaExceeded);
    auto* pubrec = std::get_if<codec::Pubrec>(&answers[1]);
    ASSERT_NE(pubrec, nullptr);
    EXPECT_EQ(pubrec->reason, ReasonCode::QuotaExceeded);
    EXPECT_FALSE(pub2.link().closed());

    old.publish("t/4", "refused", QoS::at_least_once, 4);  // 3.1.1: no negative PUBACK
    EXPECT_TRUE(old.received_of<codec::Puback>().empty());
    EXPECT_TRUE(old.link().closed());

    (void)sub.received();
    pub2.publish("t/5", "qos 0 still flows", QoS::at_most_once);
    settle();
    auto delivered = sub.received_of<codec::Publish>();
    ASSERT_EQ(delivered.size(), 1U);
    EXPECT_EQ(text(delivered[0].payload), "qos 0 still flows");
    EXPECT_FALSE(sub.link().closed());

    fs_->fail = false;  // space again: the kept batch goes in, and QoS 1/2 are accepted again
    for (int i = 0; i < 500 && !store_->writable(); ++i)
        std::this_thread::sleep_for(10ms);  // the committer retries on its own thread; bounded
    ASSERT_TRUE(store_->writable());
    pub2.publish("t/6", "accepted", QoS::at_least_once, 6);
    ASSERT_TRUE(commit());
    auto accepted = pub2.received_of<codec::Puback>();
    ASSERT_EQ(accepted.size(), 1U);
    EXPECT_EQ(accepted[0].reason, ReasonCode::Success);
    EXPECT_GE(store_->counters().failed_commits, 1U);
}

}  // namespace
}  // namespace moatmq::broker::test
