// RocksStore on a temporary directory: what is put comes back after a reopen, erasing a session takes all
// its records, group commit, atomic spans, damaged and foreign stores refused (never wiped), check and
// repair, and a failing disk (a RocksDB FileSystem wrapper whose writes fail on demand: the machine has
// no small filesystem to fill without root mounts) making the store unwritable until it recovers.
#include "store/rocksdb_store.hpp"

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <thread>

#include "failing_file_system.hpp"
#include "store/record_codec.hpp"
#include "temp_dir.hpp"

namespace moatmq::store {
using fault::FailingFileSystem;
namespace {

using namespace std::chrono_literals;

broker::StoredMessage message(std::string topic, std::string payload)
{
    auto m = std::make_shared<broker::Message>();
    m->topic = std::move(topic);
    m->payload = to_bytes(payload);
    m->qos = codec::QoS::at_least_once;
    return {m, std::nullopt};
}

broker::StoredSession session(std::string client_id)
{
    broker::StoredSession s;
    s.client_id = std::move(client_id);
    s.expiry_interval = 600;
    return s;
}

broker::StoredDelivery delivery(std::uint64_t seq, std::string payload)
{
    broker::StoredDelivery d;
    d.seq = seq;
    d.message = message("t/" + std::to_string(seq), std::move(payload));
    d.qos = codec::QoS::exactly_once;
    return d;
}

const broker::StoredSession* find(const broker::StoredState& state, std::string_view client_id)
{
    for (const auto& s : state.sessions)
        if (s.client_id == client_id) return &s;
    return nullptr;
}

StoreOptions options_for(const std::filesystem::path& path)
{
    StoreOptions o;
    o.path = path;
    o.retry_interval = 20ms;
    return o;
}

TEST(RocksStore, EverythingPutIsLoadedAfterReopen)
{
    test::TempDir dir("moatmq-store");
    const auto path = dir.path() / "store";
    {
        RocksStore store(options_for(path));
        auto s = session("c1");
        s.will = broker::StoredWill{message("will/c1", "gone"), 5, std::nullopt};
        store.put_session(s);
        broker::StoredSubscription sub{"a/+", {}, 9};
        sub.options.qos = codec::QoS::exactly_once;
        store.put_subscription("c1", sub);
        store.put_delivery("c1", delivery(1, "one"));
        store.put_delivery("c1", delivery(2, "two"));
        store.put_delivery_stage("c1", 1, 17, broker::StoredStage::awaiting_pubcomp);
        store.put_inbound_qos2("c1", 300);
        store.put_retained(message("r/1", "kept"));
        EXPECT_TRUE(store.flush());
        EXPECT_EQ(store.durable(), store.written());
    }
    RocksStore store(options_for(path));
    const auto state = store.load();
    ASSERT_EQ(state.sessions.size(), 1U);
    const auto& s = state.sessions.front();
    EXPECT_EQ(s.client_id, "c1");
    EXPECT_EQ(s.expiry_interval, 600U);
    ASSERT_TRUE(s.will);
    EXPECT_EQ(s.will->message.message->topic, "will/c1");
    ASSERT_EQ(s.subscriptions.size(), 1U);
    EXPECT_EQ(s.subscriptions[0].filter, "a/+");
    EXPECT_EQ(s.subscriptions[0].subscription_id, 9U);
    EXPECT_EQ(s.subscriptions[0].options.qos, codec::QoS::exactly_once);
    ASSERT_EQ(s.deliveries.size(), 2U);
    EXPECT_EQ(s.deliveries[0].seq, 1U);
    EXPECT_EQ(s.deliveries[0].packet_id, 17);
    EXPECT_EQ(s.deliveries[0].stage, broker::StoredStage::awaiting_pubcomp);
    EXPECT_EQ(s.deliveries[1].stage, broker::StoredStage::queued);
    EXPECT_EQ(as_chars(s.deliveries[1].message.message->payload), "two");
    EXPECT_EQ(s.inbound_qos2, std::vector<std::uint16_t>{300});
    ASSERT_EQ(state.retained.size(), 1U);
    EXPECT_EQ(state.retained[0].message->topic, "r/1");
}

TEST(RocksStore, ErasingASessionTakesAllItsRecordsAndNoOther)
{
    test::TempDir dir("moatmq-store");
    RocksStore store(options_for(dir.path() / "store"));
    for (std::string id : {"a", "ab"}) {
        store.put_session(session(id));
        store.put_subscription(id, {"x", {}, 0});
        store.put_delivery(id, delivery(1, id));
        store.put_delivery_stage(id, 1, 1, broker::StoredStage::awaiting_puback);
        store.put_inbound_qos2(id, 1);
    }
    store.erase_session("a");
    store.put_delivery("ab", delivery(2, "more"));
    store.erase_delivery("ab", 1);
    store.erase_subscription("ab", "x");
    store.erase_inbound_qos2("ab", 1);
    store.put_retained(message("r", "1"));
    store.erase_retained("r");
    ASSERT_TRUE(store.flush());
    const auto state = store.load();
    EXPECT_EQ(find(state, "a"), nullptr);
    const auto* ab = find(state, "ab");
    ASSERT_NE(ab, nullptr);
    ASSERT_EQ(ab->deliveries.size(), 1U);
    EXPECT_EQ(ab->deliveries[0].seq, 2U);
    EXPECT_EQ(ab->deliveries[0].stage, broker::StoredStage::queued);
    EXPECT_TRUE(ab->subscriptions.empty());
    EXPECT_TRUE(ab->inbound_qos2.empty());
    EXPECT_TRUE(state.retained.empty());
    const auto report = check_store(dir.path() / "store");
    EXPECT_TRUE(report.problems.empty());
}

TEST(RocksStore, GroupCommitCoversManyMessagesPerSync)
{
    test::TempDir dir("moatmq-store");
    RocksStore store(options_for(dir.path() / "store"));
    store.put_session(session("c"));
    constexpr int kThreads = 4;
    constexpr int kEach = 500;
    std::atomic<int> acknowledged{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kEach; ++i) {
                store.put_delivery("c", delivery(static_cast<std::uint64_t>(t * kEach + i + 1), "x"));
                const auto seq = store.written();
                store.when_durable(seq, [&acknowledged, &store, seq](bool ok) {
                    // Told only once it is durable.
                    if (ok && store.durable() >= seq) acknowledged.fetch_add(1);
                });
            }
        });
    }
    for (auto& t : threads)
        t.join();
    ASSERT_TRUE(store.flush());
    EXPECT_EQ(acknowledged.load(), kThreads * kEach);
    const auto c = store.counters();
    EXPECT_EQ(c.deliveries, static_cast<std::uint64_t>(kThreads * kEach));
    EXPECT_EQ(c.syncs, c.commits);
    EXPECT_LT(c.syncs, c.deliveries);  // several messages per fsync
    EXPECT_EQ(find(store.load(), "c")->deliveries.size(), static_cast<std::size_t>(kThreads * kEach));
}

TEST(RocksStore, AnAtomicSpanIsCommittedWhole)
{
    test::TempDir dir("moatmq-store");
    RocksStore store(options_for(dir.path() / "store"));
    store.begin_atomic();
    store.put_session(session("c"));
    std::promise<bool> told;
    store.when_durable(store.written(), [&told](bool ok) { told.set_value(ok); });
    auto answer = told.get_future();
    // Not committed while the span is open (a bounded check that nothing happens).
    EXPECT_EQ(answer.wait_for(100ms), std::future_status::timeout);
    store.put_inbound_qos2("c", 7);
    store.end_atomic();
    ASSERT_EQ(answer.wait_for(10s), std::future_status::ready);
    EXPECT_TRUE(answer.get());
    EXPECT_EQ(store.counters().commits, 1U);
}

TEST(RocksStore, ASpanThatWritesNothingHoldsNoOtherThreadBack)
{
    test::TempDir dir("moatmq-store");
    RocksStore store(options_for(dir.path() / "store"));
    store.begin_atomic();  // e.g. a QoS 1 PUBLISH between clean sessions: nothing to store
    std::promise<bool> told;
    std::thread other([&] {
        store.put_session(session("c"));
        store.when_durable(store.written(), [&told](bool ok) { told.set_value(ok); });
    });
    other.join();
    auto answer = told.get_future();
    ASSERT_EQ(answer.wait_for(10s), std::future_status::ready);  // committed while the span is open
    EXPECT_TRUE(answer.get());
    store.end_atomic();
}

TEST(RocksStore, ANestedSpanIsCommittedWithItsOuterSpan)
{
    test::TempDir dir("moatmq-store");
    RocksStore store(options_for(dir.path() / "store"));
    store.begin_atomic();
    store.begin_atomic();
    store.put_session(session("c"));
    store.end_atomic();
    std::promise<bool> told;
    store.when_durable(store.written(), [&told](bool ok) { told.set_value(ok); });
    auto answer = told.get_future();
    // The outer span is still open: not committed (a bounded check that nothing happens).
    EXPECT_EQ(answer.wait_for(100ms), std::future_status::timeout);
    store.end_atomic();
    ASSERT_EQ(answer.wait_for(10s), std::future_status::ready);
    EXPECT_TRUE(answer.get());
    EXPECT_EQ(store.counters().commits, 1U);
}

TEST(RocksStore, PeriodicAndNoneDoNotHoldAcknowledgements)
{
    for (auto policy : {SyncPolicy::periodic, SyncPolicy::none}) {
        test::TempDir dir("moatmq-store");
        auto options = options_for(dir.path() / "store");
        options.sync = policy;
        options.sync_interval = 10ms;
        RocksStore store(std::move(options));
        store.put_session(session("c"));
        EXPECT_EQ(store.durable(), store.written());
        bool called = false;
        store.when_durable(store.written(), [&called](bool ok) { called = ok; });
        EXPECT_TRUE(called);
        EXPECT_TRUE(store.flush());
    }
}

// --- damaged, foreign and locked stores ---

void write_raw(const std::filesystem::path& path, const std::string& key, const std::string& value)
{
    rocksdb::DB* raw = nullptr;
    rocksdb::Options options;
    options.create_if_missing = true;
    ASSERT_TRUE(rocksdb::DB::Open(options, path.string(), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), key, value).ok());
}

TEST(RocksStore, ADamagedRecordStopsLoadingNamingThePathAndRepairRemovesIt)
{
    test::TempDir dir("moatmq-store");
    const auto path = dir.path() / "store";
    {
        RocksStore store(options_for(path));
        store.put_session(session("good"));
        store.put_delivery("good", delivery(1, "kept"));
        ASSERT_TRUE(store.flush());
    }
    write_raw(path, delivery_key(RecordKind::delivery, "good", 2), "\x01garbage");
    {
        RocksStore store(options_for(path));
        try {
            (void)store.load();
            FAIL() << "a damaged record was loaded";
        } catch (const StoreError& e) {
            const std::string what = e.what();
            EXPECT_NE(what.find(path.string()), std::string::npos) << what;
            EXPECT_NE(what.find("\"good\""), std::string::npos) << what;
            EXPECT_NE(what.find("moatmq store repair"), std::string::npos) << what;
        }
    }
    auto report = check_store(path);
    ASSERT_EQ(report.problems.size(), 1U);
    EXPECT_EQ(report.deliveries, 1U);
    // Nothing was deleted by the failed start or the check.
    EXPECT_EQ(check_store(path).problems.size(), 1U);

    report = repair_store(path);
    EXPECT_EQ(report.removed, 1U);
    RocksStore store(options_for(path));
    const auto state = store.load();
    ASSERT_EQ(state.sessions.size(), 1U);
    ASSERT_EQ(state.sessions[0].deliveries.size(), 1U);
    EXPECT_EQ(as_chars(state.sessions[0].deliveries[0].message.message->payload), "kept");
}

TEST(RocksStore, DamagedFilesAreRefusedAndKept)
{
    test::TempDir dir("moatmq-store");
    const auto path = dir.path() / "store";
    {
        RocksStore store(options_for(path));
        store.put_session(session("c"));
        ASSERT_TRUE(store.flush());
    }
    {
        std::ofstream current(path / "CURRENT", std::ios::trunc);
        current << "MANIFEST-999999\n";  // names a manifest that does not exist
    }
    try {
        RocksStore store(options_for(path));
        FAIL() << "a damaged store was opened";
    } catch (const StoreError& e) {
        EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
    }
    EXPECT_TRUE(std::filesystem::exists(path / "CURRENT"));
    std::size_t files = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(path))
        ++files;
    EXPECT_GT(files, 2U);
}

TEST(RocksStore, AnotherFormatVersionOrAForeignDatabaseIsRefused)
{
    test::TempDir dir("moatmq-store");
    write_raw(dir.path() / "newer", format_key(), encode_format(kFormatVersion + 1));
    EXPECT_THROW(RocksStore(options_for(dir.path() / "newer")), StoreError);
    write_raw(dir.path() / "foreign", "some key", "some value");
    EXPECT_THROW(RocksStore(options_for(dir.path() / "foreign")), StoreError);
}

TEST(RocksStore, AStoreInUseByAnotherBrokerIsRefused)
{
    test::TempDir dir("moatmq-store");
    RocksStore first(options_for(dir.path() / "store"));
    try {
        RocksStore second(options_for(dir.path() / "store"));
        FAIL() << "opened twice";
    } catch (const StoreError& e) {
        EXPECT_NE(std::string(e.what()).find("lock"), std::string::npos) << e.what();
    }
}

// --- a disk that fails (failing_file_system.hpp) ---

TEST(RocksStore, AFailingDiskMakesTheStoreUnwritableUntilItRecovers)
{
    test::TempDir dir("moatmq-store");
    auto fs = std::make_shared<FailingFileSystem>(rocksdb::FileSystem::Default());
    auto env = rocksdb::NewCompositeEnv(fs);
    auto options = options_for(dir.path() / "store");
    options.env = env.get();
    std::vector<std::string> warnings;
    std::mutex warnings_mutex;
    options.warn = [&](std::string_view text) {
        std::lock_guard lock(warnings_mutex);
        warnings.emplace_back(text);
    };
    {
        RocksStore store(std::move(options));
        store.put_session(session("c"));
        ASSERT_TRUE(store.flush());
        EXPECT_TRUE(store.writable());

        fs->fail = true;
        store.put_delivery("c", delivery(1, "during the failure"));
        EXPECT_FALSE(store.flush());  // its waiter is told the commit failed
        EXPECT_FALSE(store.writable());
        bool answer = true;
        store.when_durable(store.written(), [&answer](bool ok) { answer = ok; });
        EXPECT_FALSE(answer);  // failing fast while unwritable

        fs->fail = false;  // space is back: the kept batch is retried
        for (int i = 0; i < 500 && !store.writable(); ++i)
            std::this_thread::sleep_for(10ms);  // polling a state with no event to wait on; bounded
        ASSERT_TRUE(store.writable());
        store.put_delivery("c", delivery(2, "after"));
        EXPECT_TRUE(store.flush());
        EXPECT_GE(store.counters().failed_commits, 1U);
    }
    {
        std::lock_guard lock(warnings_mutex);
        ASSERT_GE(warnings.size(), 2U);
        EXPECT_NE(warnings.front().find("write failed"), std::string::npos) << warnings.front();
    }
    RocksStore reopened(options_for(dir.path() / "store"));
    const auto state = reopened.load();
    const auto* c = find(state, "c");
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->deliveries.size(), 2U);  // the failed batch was not lost
}

TEST(RocksStore, AReadOnlyStoreIsRefusedAtOpen)
{
    test::TempDir dir("moatmq-store");
    {
        RocksStore store(options_for(dir.path() / "store"));
        store.put_session(session("c"));
        ASSERT_TRUE(store.flush());
    }
    auto fs = std::make_shared<FailingFileSystem>(rocksdb::FileSystem::Default());
    fs->read_only = true;
    auto env = rocksdb::NewCompositeEnv(fs);
    auto options = options_for(dir.path() / "store");
    options.env = env.get();
    try {
        RocksStore store(std::move(options));
        FAIL() << "a read-only store was opened for writing";
    } catch (const StoreError& e) {
        EXPECT_NE(std::string(e.what()).find((dir.path() / "store").string()), std::string::npos) << e.what();
    }
    RocksStore store(options_for(dir.path() / "store"));  // and it is intact
    EXPECT_NE(find(store.load(), "c"), nullptr);
}

}  // namespace
}  // namespace moatmq::store
