#include "store/rocksdb_store.hpp"

#include <rocksdb/db.h>
#include <rocksdb/listener.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <system_error>
#include <thread>
#include <unordered_map>

#include "store/record_codec.hpp"

namespace moatmq::store {
namespace {

std::string describe(std::string_view text)
{
    // Client ids and topics in messages: printable, quoted, bounded.
    std::string out = "\"";
    for (char c : text.substr(0, 200))
        out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) ? '?' : c;
    if (text.size() > 200) out += "...";
    return out + "\"";
}

std::string describe_key(const rocksdb::Slice& key)
{
    const std::string_view k(key.data(), key.size());
    auto parsed = parse_key(k);
    if (!parsed) return "unknown key of " + std::to_string(k.size()) + " bytes";
    std::string out = "record '";
    out += static_cast<char>(parsed->kind);
    out += "'";
    if (parsed->kind == RecordKind::retained) out += " topic " + describe(parsed->rest);
    if (!parsed->client_id.empty()) out += " client " + describe(parsed->client_id);
    return out;
}

// RocksDB would recover from a failed write by itself, through its SstFileManager, which retries only
// every 5 seconds and meanwhile answers DB::Resume() with "Busy". The committer retries on its own
// schedule (`retry_interval`) instead, so that the store writes again soon after space comes back.
class ManualRecovery final : public rocksdb::EventListener {
public:
    void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason, rocksdb::Status, bool* auto_recovery) override
    {
        *auto_recovery = false;
    }
};

rocksdb::Options db_options(rocksdb::Env* env)
{
    rocksdb::Options options;
    options.listeners.push_back(std::make_shared<ManualRecovery>());
    options.create_if_missing = true;
    options.paranoid_checks = true;
    options.max_background_jobs = 2;
    options.keep_log_file_num = 3;
    if (env != nullptr) options.env = env;
    return options;
}

// One pass over every key: builds the state and reports each record that is damaged (`bad`, with its
// key and why) or an orphan (a session's record without its session). Returns false if the format
// version is missing or unknown (then nothing else is read).
struct Scan {
    broker::StoredState state;
    StoreReport report;
    std::vector<std::string> bad_keys;
};

Scan scan(rocksdb::DB& db)
{
    Scan out;
    auto bad = [&out](const rocksdb::Slice& key, const std::string& why) {
        out.report.problems.push_back(describe_key(key) + ": " + why);
        out.bad_keys.emplace_back(key.data(), key.size());
    };
    std::map<std::string, broker::StoredSession> sessions;
    std::map<std::pair<std::string, std::uint64_t>, broker::StoredDelivery> stages;
    struct Pending {  // records read before their session record (kinds sort before 's')
        std::string client_id;
        std::string key;
        std::variant<broker::StoredDelivery, std::uint16_t, broker::StoredSubscription> value;
    };
    std::vector<Pending> pending;
    bool format_seen = false;

    rocksdb::ReadOptions read;
    read.verify_checksums = true;
    read.fill_cache = false;
    std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(read));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
        const auto key = it->key();
        const std::string_view k(key.data(), key.size());
        const std::string_view v(it->value().data(), it->value().size());
        auto parsed = parse_key(k);
        if (!parsed) {
            bad(key, "key not understood");
            continue;
        }
        switch (parsed->kind) {
            case RecordKind::format: {
                auto version = decode_format(v);
                if (!version) {
                    bad(key, "format record damaged");
                } else if (*version != kFormatVersion) {
                    out.report.problems.push_back("store format version " + std::to_string(*version) +
                                                  " is not the version this build reads (" +
                                                  std::to_string(kFormatVersion) + ")");
                    return out;
                }
                format_seen = true;
                break;
            }
            case RecordKind::session: {
                if (!parsed->rest.empty()) {
                    bad(key, "key not understood");
                    break;
                }
                broker::StoredSession s;
                s.client_id = parsed->client_id;
                if (!decode_session(v, s)) {
                    bad(key, "session record damaged");
                    break;
                }
                sessions.emplace(s.client_id, std::move(s));
                break;
            }
            case RecordKind::delivery_stage: {
                auto seq = parse_seq(parsed->rest);
                broker::StoredDelivery d;
                if (!seq || !decode_stage(v, d)) {
                    bad(key, "delivery stage damaged");
                    break;
                }
                stages.emplace(std::make_pair(parsed->client_id, *seq), std::move(d));
                break;
            }
            case RecordKind::inbound_qos2: {
                auto id = parse_packet_id(parsed->rest);
                if (!id || !v.empty()) {
                    bad(key, "inbound QoS 2 id damaged");
                    break;
                }
                pending.push_back({parsed->client_id, std::string(k), *id});
                break;
            }
            case RecordKind::delivery: {
                auto seq = parse_seq(parsed->rest);
                broker::StoredDelivery d;
                if (!seq || !decode_delivery(v, d)) {
                    bad(key, "delivery damaged");
                    break;
                }
                d.seq = *seq;
                if (auto st = stages.find({parsed->client_id, *seq}); st != stages.end()) {
                    d.packet_id = st->second.packet_id;
                    d.stage = st->second.stage;
                }
                pending.push_back({parsed->client_id, std::string(k), std::move(d)});
                break;
            }
            case RecordKind::retained: {
                auto m = decode_message(v);
                if (!m || m->message->topic != parsed->rest) {
                    bad(key, "retained message damaged");
                    break;
                }
                out.state.retained.push_back(std::move(*m));
                ++out.report.retained;
                break;
            }
            case RecordKind::subscription: {
                auto s = decode_subscription(parsed->rest, v);
                if (!s) {
                    bad(key, "subscription damaged");
                    break;
                }
                pending.push_back({parsed->client_id, std::string(k), std::move(*s)});
                break;
            }
        }
    }
    if (!it->status().ok()) {
        out.report.problems.push_back("reading failed: " + it->status().ToString());
        return out;
    }
    if (!format_seen && (!sessions.empty() || !pending.empty() || !out.state.retained.empty())) {
        out.report.problems.push_back("no format version record: not a moatmq store, or damaged");
    }
    for (auto& p : pending) {
        auto s = sessions.find(p.client_id);
        if (s == sessions.end()) {
            bad(rocksdb::Slice(p.key), "no session record for it");
            continue;
        }
        if (auto* d = std::get_if<broker::StoredDelivery>(&p.value)) {
            s->second.deliveries.push_back(std::move(*d));
            ++out.report.deliveries;
        } else if (auto* id = std::get_if<std::uint16_t>(&p.value)) {
            s->second.inbound_qos2.push_back(*id);
            ++out.report.inbound_qos2;
        } else {
            s->second.subscriptions.push_back(std::move(std::get<broker::StoredSubscription>(p.value)));
            ++out.report.subscriptions;
        }
    }
    out.report.sessions = sessions.size();
    for (auto& [id, session] : sessions)
        out.state.sessions.push_back(std::move(session));
    return out;
}

std::string open_failure(const std::filesystem::path& path, const rocksdb::Status& status)
{
    std::string text = "store " + path.string() + ": cannot open: " + status.ToString();
    if (status.ToString().find("lock") != std::string::npos) {
        text += " (is another broker using this data_dir?)";
    } else {
        text +=
            " (if it is damaged: `moatmq store check` reports what is wrong, `moatmq store repair` "
            "salvages what it can)";
    }
    return text;
}

// The latest mutation made by this thread, and in which store (a process may hold more than one).
// Stores are told apart by a number never reused (an address may be, by the next store).
struct ThreadWrites {
    std::uint64_t store = 0;
    std::uint64_t seq = 0;
};
thread_local ThreadWrites t_writes;

// The atomic spans (begin_atomic/end_atomic) open on this thread, for one store. A span counts in the
// store's open_atomic (under its mutex) only from its first mutation: one that writes nothing (a QoS 1
// PUBLISH between clean sessions) takes no lock at all, and until a span writes, the committer has
// nothing of it to keep back. `counted`: this thread's spans hold one count of open_atomic.
struct ThreadSpan {
    std::uint64_t store = 0;
    int depth = 0;
    bool counted = false;
};
thread_local ThreadSpan t_span;
std::atomic<std::uint64_t> g_next_store_id{1};

}  // namespace

class RocksStore::Impl {
public:
    explicit Impl(StoreOptions opts) : options(std::move(opts))
    {
        std::error_code ec;
        std::filesystem::create_directories(options.path, ec);
        if (ec) throw StoreError("store " + options.path.string() + ": cannot create: " + ec.message());
        rocksdb::DB* raw = nullptr;
        const auto status = rocksdb::DB::Open(db_options(options.env), options.path.string(), &raw);
        if (!status.ok()) throw StoreError(open_failure(options.path, status));
        db.reset(raw);
        // A new store gets its format version; an existing one must have ours.
        std::string value;
        const auto got = db->Get(rocksdb::ReadOptions(), format_key(), &value);
        if (got.IsNotFound()) {
            std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
            it->SeekToFirst();
            if (it->Valid()) {
                throw StoreError("store " + options.path.string() +
                                 ": no format version record: not a moatmq store, or damaged");
            }
            rocksdb::WriteOptions sync;
            sync.sync = true;
            const auto put = db->Put(sync, format_key(), encode_format(kFormatVersion));
            if (!put.ok())
                throw StoreError("store " + options.path.string() + ": cannot write: " + put.ToString());
        } else if (!got.ok()) {
            throw StoreError(open_failure(options.path, got));
        } else {
            auto version = decode_format(value);
            if (!version || *version != kFormatVersion) {
                throw StoreError("store " + options.path.string() + ": format version " +
                                 (version ? std::to_string(*version) : std::string("unreadable")) +
                                 ", this build reads version " + std::to_string(kFormatVersion));
            }
        }
        committer = std::thread([this] { run(); });
    }

    ~Impl()
    {
        {
            std::lock_guard lock(mutex);
            stopping = true;
        }
        wake.notify_all();
        committer.join();
        db->Close().PermitUncheckedError();
    }

    template <class F>
    void mutate(F&& change, bool delivery = false, bool retained = false)
    {
        {
            std::lock_guard lock(mutex);
            if (t_span.depth > 0 && t_span.store == id && !t_span.counted) {
                t_span.counted = true;  // from now on the batch holds part of this thread's span
                ++open_atomic;
            }
            change(pending);
            ++pending_mutations;
            if (delivery) ++pending_deliveries;
            if (retained) ++pending_retained;
            const auto seq = written.load(std::memory_order_relaxed) + 1;
            written.store(seq, std::memory_order_release);
            t_writes = ThreadWrites{id, seq};
        }
        wake.notify_one();
    }

    bool always() const noexcept { return options.sync == SyncPolicy::always; }

    void when_durable(std::uint64_t seq, std::function<void(bool)> done)
    {
        {
            std::unique_lock lock(mutex);
            if (durable.load(std::memory_order_acquire) >= seq) {
                lock.unlock();
                done(true);
                return;
            }
            if (!writable.load(std::memory_order_acquire)) {
                lock.unlock();
                done(false);
                return;
            }
            waiters.emplace(seq, std::move(done));
        }
    }

    // The committer thread.
    void run()
    {
        auto last_sync = std::chrono::steady_clock::now();
        bool unsynced = false;
        std::unique_lock lock(mutex);
        for (;;) {
            const bool periodic = options.sync == SyncPolicy::periodic;
            // An atomic span still open keeps the batch back, so that it is committed whole.
            auto has_work = [this] { return stopping || (pending.Count() > 0 && open_atomic == 0); };
            if (periodic && unsynced) {
                wake.wait_until(lock, last_sync + options.sync_interval, has_work);
            } else {
                wake.wait(lock, has_work);
            }
            if (periodic && unsynced &&
                std::chrono::steady_clock::now() >= last_sync + options.sync_interval) {
                lock.unlock();
                const auto synced = db->SyncWAL();
                lock.lock();
                last_sync = std::chrono::steady_clock::now();
                if (synced.ok()) {
                    ++counters.syncs;
                    unsynced = false;
                }
            }
            if (pending.Count() == 0 || open_atomic != 0) {
                if (stopping && pending.Count() == 0) break;
                if (!stopping) continue;
            }
            rocksdb::WriteBatch batch(std::move(pending));
            pending.Clear();
            const auto upto = written.load(std::memory_order_relaxed);
            const auto mutations = std::exchange(pending_mutations, 0);
            const auto deliveries = std::exchange(pending_deliveries, 0);
            const auto retained = std::exchange(pending_retained, 0);
            lock.unlock();
            commit(batch, upto, StoreCounters{0, 0, mutations, deliveries, retained, 0});
            lock.lock();
            unsynced = unsynced || !always();
        }
        if (options.sync != SyncPolicy::none && unsynced) {
            lock.unlock();
            db->SyncWAL().PermitUncheckedError();
        }
    }

    // Writes `batch` (every mutation up to `upto`), retrying after failures until it succeeds or the
    // store is closing.
    void commit(rocksdb::WriteBatch& batch, std::uint64_t upto, const StoreCounters& content)
    {
        rocksdb::WriteOptions write;
        write.sync = always();
        for (;;) {
            const auto status = db->Write(write, &batch);
            if (status.ok()) break;
            std::vector<std::function<void(bool)>> failed;
            {
                std::unique_lock lock(mutex);
                ++counters.failed_commits;
                const bool was_writable = writable.exchange(false);
                if (was_writable && options.warn) {
                    options.warn("store " + options.path.string() +
                                 ": write failed, refusing new QoS 1/2 messages "
                                 "until it succeeds again (retrying): " +
                                 status.ToString());
                }
                for (auto& [seq, done] : waiters)
                    failed.push_back(std::move(done));
                waiters.clear();
                lock.unlock();
                for (auto& done : failed)
                    done(false);
                lock.lock();
                if (wake.wait_for(lock, options.retry_interval, [this] { return stopping; })) {
                    if (options.warn) {
                        options.warn("store " + options.path.string() +
                                     ": closing with a commit that failed: " + status.ToString());
                    }
                    return;
                }
            }
            db->Resume().PermitUncheckedError();
        }
        std::vector<std::function<void(bool)>> done_now;
        {
            std::lock_guard lock(mutex);
            ++counters.commits;
            if (always()) ++counters.syncs;
            counters.mutations += content.mutations;
            counters.deliveries += content.deliveries;
            counters.retained += content.retained;
            durable.store(upto, std::memory_order_release);
            if (!writable.exchange(true) && options.warn) {
                options.warn("store " + options.path.string() + ": writing again");
            }
            while (!waiters.empty() && waiters.begin()->first <= upto) {
                done_now.push_back(std::move(waiters.begin()->second));
                waiters.erase(waiters.begin());
            }
        }
        for (auto& done : done_now)
            done(true);
    }

    bool flush()
    {
        const auto seq = written.load(std::memory_order_acquire);
        std::mutex m;
        std::condition_variable cv;
        std::optional<bool> result;
        when_durable(seq, [&](bool ok) {
            std::lock_guard lock(m);
            result = ok;
            cv.notify_all();
        });
        std::unique_lock lock(m);
        cv.wait(lock, [&] { return result.has_value(); });
        return *result;
    }

    StoreOptions options;
    const std::uint64_t id = g_next_store_id.fetch_add(1);
    std::unique_ptr<rocksdb::DB> db;

    mutable std::mutex mutex;
    std::condition_variable wake;
    rocksdb::WriteBatch pending;
    std::uint64_t pending_mutations = 0;
    std::uint64_t pending_deliveries = 0;
    std::uint64_t pending_retained = 0;
    std::multimap<std::uint64_t, std::function<void(bool)>> waiters;
    bool stopping = false;
    int open_atomic = 0;  // begin_atomic() calls not yet ended
    StoreCounters counters;

    std::atomic<std::uint64_t> written{0};
    std::atomic<std::uint64_t> durable{0};
    std::atomic<bool> writable{true};
    std::thread committer;
};

RocksStore::RocksStore(StoreOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

RocksStore::~RocksStore() = default;

broker::StoredState RocksStore::load() const
{
    auto result = scan(*impl_->db);
    if (!result.report.problems.empty()) {
        throw StoreError(
            "store " + impl_->options.path.string() + ": " + result.report.problems.front() +
            (result.report.problems.size() > 1
                 ? " (and " + std::to_string(result.report.problems.size() - 1) + " more)"
                 : std::string()) +
            "; the broker does not start on a damaged store: `moatmq store check` lists the problems, "
            "`moatmq store repair` removes the damaged records");
    }
    return std::move(result.state);
}

void RocksStore::put_session(const broker::StoredSession& session)
{
    auto key = session_prefix(RecordKind::session, session.client_id);
    auto value = encode_session(session);
    impl_->mutate([&](rocksdb::WriteBatch& b) { b.Put(key, value).PermitUncheckedError(); });
}

void RocksStore::erase_session(std::string_view client_id)
{
    impl_->mutate([&](rocksdb::WriteBatch& b) {
        b.Delete(session_prefix(RecordKind::session, client_id)).PermitUncheckedError();
        for (auto kind : {RecordKind::subscription, RecordKind::delivery, RecordKind::delivery_stage,
                          RecordKind::inbound_qos2}) {
            const auto prefix = session_prefix(kind, client_id);
            b.DeleteRange(prefix, prefix_end(prefix)).PermitUncheckedError();
        }
    });
}

void RocksStore::put_subscription(std::string_view client_id, const broker::StoredSubscription& subscription)
{
    auto key = subscription_key(client_id, subscription.filter);
    auto value = encode_subscription(subscription);
    impl_->mutate([&](rocksdb::WriteBatch& b) { b.Put(key, value).PermitUncheckedError(); });
}

void RocksStore::erase_subscription(std::string_view client_id, std::string_view filter)
{
    auto key = subscription_key(client_id, filter);
    impl_->mutate([&](rocksdb::WriteBatch& b) { b.Delete(key).PermitUncheckedError(); });
}

void RocksStore::put_delivery(std::string_view client_id, const broker::StoredDelivery& delivery)
{
    auto key = delivery_key(RecordKind::delivery, client_id, delivery.seq);
    auto value = encode_delivery(delivery);
    std::string stage_key;
    std::string stage_value;
    if (delivery.stage != broker::StoredStage::queued) {
        stage_key = delivery_key(RecordKind::delivery_stage, client_id, delivery.seq);
        stage_value = encode_stage(delivery.packet_id, delivery.stage);
    }
    impl_->mutate(
        [&](rocksdb::WriteBatch& b) {
            b.Put(key, value).PermitUncheckedError();
            if (!stage_key.empty()) b.Put(stage_key, stage_value).PermitUncheckedError();
        },
        true);
}

void RocksStore::put_delivery_stage(std::string_view client_id, std::uint64_t seq, std::uint16_t packet_id,
                                    broker::StoredStage stage)
{
    auto key = delivery_key(RecordKind::delivery_stage, client_id, seq);
    auto value = encode_stage(packet_id, stage);
    impl_->mutate([&](rocksdb::WriteBatch& b) { b.Put(key, value).PermitUncheckedError(); });
}

void RocksStore::erase_delivery(std::string_view client_id, std::uint64_t seq)
{
    auto key = delivery_key(RecordKind::delivery, client_id, seq);
    auto stage_key = delivery_key(RecordKind::delivery_stage, client_id, seq);
    impl_->mutate([&](rocksdb::WriteBatch& b) {
        b.Delete(key).PermitUncheckedError();
        b.Delete(stage_key).PermitUncheckedError();
    });
}

void RocksStore::put_inbound_qos2(std::string_view client_id, std::uint16_t packet_id)
{
    auto key = inbound_key(client_id, packet_id);
    impl_->mutate([&](rocksdb::WriteBatch& b) { b.Put(key, rocksdb::Slice()).PermitUncheckedError(); });
}

void RocksStore::erase_inbound_qos2(std::string_view client_id, std::uint16_t packet_id)
{
    auto key = inbound_key(client_id, packet_id);
    impl_->mutate([&](rocksdb::WriteBatch& b) { b.Delete(key).PermitUncheckedError(); });
}

void RocksStore::put_retained(const broker::StoredMessage& message)
{
    auto key = retained_key(message.message->topic);
    auto value = encode_message(message);
    impl_->mutate([&](rocksdb::WriteBatch& b) { b.Put(key, value).PermitUncheckedError(); }, false, true);
}

void RocksStore::erase_retained(std::string_view topic)
{
    auto key = retained_key(topic);
    impl_->mutate([&](rocksdb::WriteBatch& b) { b.Delete(key).PermitUncheckedError(); });
}

void RocksStore::begin_atomic()
{
    auto& span = t_span;
    if (span.depth > 0 && span.store != impl_->id) {
        // Inside another store's span on this thread (tests hold several stores): counted at once.
        std::lock_guard lock(impl_->mutex);
        ++impl_->open_atomic;
        return;
    }
    if (span.depth == 0) span = ThreadSpan{impl_->id, 0, false};
    ++span.depth;
}

void RocksStore::end_atomic()
{
    auto& span = t_span;
    if (span.depth > 0 && span.store == impl_->id) {
        if (--span.depth > 0 || !span.counted) return;  // nested, or nothing written: nothing held back
        span.counted = false;
    }
    bool releases_work = false;
    {
        std::lock_guard lock(impl_->mutex);
        // The committer waits for a batch with no atomic span open: only the end of the last span over a
        // non-empty batch can give it work. A span that wrote nothing does not wake it.
        releases_work = --impl_->open_atomic == 0 && impl_->pending.Count() > 0;
    }
    if (releases_work) impl_->wake.notify_one();
}

bool RocksStore::writable() const noexcept
{
    return impl_->writable.load(std::memory_order_acquire);
}

std::uint64_t RocksStore::written() const noexcept
{
    return impl_->written.load(std::memory_order_acquire);
}

std::uint64_t RocksStore::written_by_this_thread() const noexcept
{
    return t_writes.store == impl_->id ? t_writes.seq : 0;
}

std::uint64_t RocksStore::durable() const noexcept
{
    // Without sync = always, acknowledgements do not wait for the disk.
    if (!impl_->always()) return written();
    return impl_->durable.load(std::memory_order_acquire);
}

void RocksStore::when_durable(std::uint64_t seq, std::function<void(bool ok)> done)
{
    if (!impl_->always()) {
        done(true);
        return;
    }
    impl_->when_durable(seq, std::move(done));
}

bool RocksStore::flush()
{
    return impl_->flush();
}

StoreCounters RocksStore::counters() const
{
    std::lock_guard lock(impl_->mutex);
    return impl_->counters;
}

const std::filesystem::path& RocksStore::path() const noexcept
{
    return impl_->options.path;
}

// ---------------------------------------------------------------------------------------------------
// check / repair

StoreReport check_store(const std::filesystem::path& path)
{
    if (!std::filesystem::exists(path / "CURRENT"))
        throw StoreError("store " + path.string() + ": no store here");
    rocksdb::DB* raw = nullptr;
    auto options = db_options(nullptr);
    options.create_if_missing = false;
    const auto status = rocksdb::DB::OpenForReadOnly(options, path.string(), &raw);
    if (!status.ok()) throw StoreError(open_failure(path, status));
    std::unique_ptr<rocksdb::DB> db(raw);
    auto result = scan(*db);
    return std::move(result.report);
}

StoreReport repair_store(const std::filesystem::path& path)
{
    if (!std::filesystem::exists(path)) throw StoreError("store " + path.string() + ": no store here");
    auto options = db_options(nullptr);
    options.create_if_missing = false;
    const auto repaired = rocksdb::RepairDB(path.string(), options);
    if (!repaired.ok())
        throw StoreError("store " + path.string() + ": repair failed: " + repaired.ToString());
    rocksdb::DB* raw = nullptr;
    const auto status = rocksdb::DB::Open(options, path.string(), &raw);
    if (!status.ok()) throw StoreError(open_failure(path, status));
    std::unique_ptr<rocksdb::DB> db(raw);
    auto result = scan(*db);
    rocksdb::WriteBatch batch;
    for (const auto& key : result.bad_keys)
        batch.Delete(key).PermitUncheckedError();
    std::string format;
    if (db->Get(rocksdb::ReadOptions(), format_key(), &format).IsNotFound()) {
        batch.Put(format_key(), encode_format(kFormatVersion)).PermitUncheckedError();
    }
    rocksdb::WriteOptions sync;
    sync.sync = true;
    const auto written = db->Write(sync, &batch);
    if (!written.ok())
        throw StoreError("store " + path.string() + ": repair could not write: " + written.ToString());
    result.report.removed = result.bad_keys.size();
    db->Close().PermitUncheckedError();
    return std::move(result.report);
}

}  // namespace moatmq::store
