#pragma once
// RocksStore: the broker's Persistence on an embedded RocksDB (one database directory, by default
// <data_dir>/store). RocksDB stays behind this header: its own headers are included by the .cpp only.
//
// Writes. Every put/erase is appended, under a short lock, to the pending WriteBatch and numbered. One
// committer thread takes the whole pending batch, writes it with one db->Write() and, under
// sync = always, one fsync (WriteOptions::sync): whatever arrived while the previous commit was on its
// way to the disk rides in the next one, so the number of fsyncs per second is bounded by the disk, not
// by the message rate (group commit). Then it moves durable() and calls the when_durable() waiters.
// sync = periodic writes without fsync and syncs the log every sync_interval; sync = none never syncs.
// Under both, durable() == written(): acknowledgements do not wait, and a crash of the machine (not
// only of the broker) may lose what the last interval acknowledged — docs/persistence.md.
//
// Failures. A commit that fails (disk full, I/O error) makes the store unwritable: waiters are told
// false, the batch is kept, and the committer retries it (after RocksDB's Resume()) every
// retry_interval; when it succeeds the store is writable again and nothing was lost in between.
//
// Opening and loading are startup: they throw StoreError with a message that names the path and says
// what to do. The store never deletes data by itself: a damaged store is the operator's decision
// (`moatmq store check|repair`).
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "broker/persistence.hpp"

namespace rocksdb {
class Env;
}

namespace moatmq::store {

class StoreError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class SyncPolicy : std::uint8_t { always, periodic, none };

struct StoreOptions {
    std::filesystem::path path;  // the database directory; created (with its parents) if missing
    SyncPolicy sync = SyncPolicy::always;
    std::chrono::milliseconds sync_interval{1000};   // periodic only
    std::chrono::milliseconds retry_interval{1000};  // after a failed commit
    // Where warnings go (failed commits, recovery); from the committer thread. Empty: nowhere.
    std::function<void(std::string_view)> warn;
    // Tests only: a RocksDB Env to use instead of the default (e.g. one whose writes fail). Not owned.
    rocksdb::Env* env = nullptr;
};

// What the committer did, for the log and benchmarks.
struct StoreCounters {
    std::uint64_t commits = 0;         // db->Write calls that succeeded
    std::uint64_t syncs = 0;           // of which synced (always), or SyncWAL calls (periodic)
    std::uint64_t mutations = 0;       // puts and erases committed
    std::uint64_t deliveries = 0;      // of which new deliveries (a QoS 1/2 message for a session)
    std::uint64_t retained = 0;        // of which retained messages stored
    std::uint64_t failed_commits = 0;  // db->Write calls that failed (each retried)
};

// Counts of what a store holds, and what is wrong with it (check / repair).
struct StoreReport {
    std::uint64_t sessions = 0;
    std::uint64_t subscriptions = 0;
    std::uint64_t deliveries = 0;
    std::uint64_t inbound_qos2 = 0;
    std::uint64_t retained = 0;
    std::vector<std::string> problems;  // one line each: the record's kind and client id / topic, and why
    std::uint64_t removed = 0;          // repair: records deleted
};

class RocksStore final : public broker::Persistence {
public:
    // Opens the store at options.path, creating it if missing. Throws StoreError naming the path when it
    // cannot be opened (damaged, unreadable, read-only, locked by another broker, other format version).
    explicit RocksStore(StoreOptions options);
    ~RocksStore() override;  // commits what is pending, then closes
    RocksStore(const RocksStore&) = delete;
    RocksStore& operator=(const RocksStore&) = delete;

    // Everything stored. Throws StoreError naming the path and the first damaged record.
    broker::StoredState load() const;

    // --- broker::Persistence ---
    void put_session(const broker::StoredSession& session) override;
    void erase_session(std::string_view client_id) override;
    void put_subscription(std::string_view client_id,
                          const broker::StoredSubscription& subscription) override;
    void erase_subscription(std::string_view client_id, std::string_view filter) override;
    void put_delivery(std::string_view client_id, const broker::StoredDelivery& delivery) override;
    void put_delivery_stage(std::string_view client_id, std::uint64_t seq, std::uint16_t packet_id,
                            broker::StoredStage stage) override;
    void erase_delivery(std::string_view client_id, std::uint64_t seq) override;
    void put_inbound_qos2(std::string_view client_id, std::uint16_t packet_id) override;
    void erase_inbound_qos2(std::string_view client_id, std::uint16_t packet_id) override;
    void put_retained(const broker::StoredMessage& message) override;
    void erase_retained(std::string_view topic) override;
    void begin_atomic() override;
    void end_atomic() override;
    bool writable() const noexcept override;
    std::uint64_t written() const noexcept override;
    std::uint64_t written_by_this_thread() const noexcept override;
    std::uint64_t durable() const noexcept override;
    void when_durable(std::uint64_t seq, std::function<void(bool ok)> done) override;

    // Blocks until everything written so far is committed (or the commit failed); true if committed.
    bool flush();

    StoreCounters counters() const;
    const std::filesystem::path& path() const noexcept;

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

// `moatmq store check`: opens the store read-only and reads every record. Throws StoreError when
// RocksDB itself cannot open it.
StoreReport check_store(const std::filesystem::path& path);

// `moatmq store repair`: RocksDB's repair (salvages what it can of damaged files), then deletes every
// record that does not decode and every record of a session that has no session record. Throws
// StoreError when even that fails.
StoreReport repair_store(const std::filesystem::path& path);

}  // namespace moatmq::store
