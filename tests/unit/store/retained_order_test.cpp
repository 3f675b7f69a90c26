// Two retained publishes to one topic at the same moment on two threads: the store must end up with the
// message the broker's memory keeps (the later one), or a restart brings back the older one. The store
// here is a real RocksStore behind a decorator that makes the race certain instead of rare: the first
// retained write of a round waits (bounded) until the other thread's write has gone through, which is
// exactly the interleaving that reversed the order when the write was made after the in-memory change
// instead of under its lock.
#include <gtest/gtest.h>

#include <barrier>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "broker/broker_core.hpp"
#include "common/bytes.hpp"
#include "common/clock.hpp"
#include "store/rocksdb_store.hpp"
#include "temp_dir.hpp"

namespace moatmq::broker {
namespace {

using namespace std::chrono_literals;

// Forwards everything to `inner`; records the payload of the last retained write it forwarded (under
// its own lock, in the order it forwards, so the record is what the store holds last).
class HoldingStore final : public Persistence {
public:
    explicit HoldingStore(Persistence& inner) : inner_(inner) {}

    // A new round: the next retained write waits for the one after it.
    void new_round()
    {
        std::lock_guard lock(mutex_);
        arrived_ = 0;
        forwarded_ = 0;
    }
    std::string last() const
    {
        std::lock_guard lock(mutex_);
        return last_;
    }

    void put_session(const StoredSession& session) override { inner_.put_session(session); }
    void erase_session(std::string_view client_id) override { inner_.erase_session(client_id); }
    void put_subscription(std::string_view client_id, const StoredSubscription& subscription) override
    {
        inner_.put_subscription(client_id, subscription);
    }
    void erase_subscription(std::string_view client_id, std::string_view filter) override
    {
        inner_.erase_subscription(client_id, filter);
    }
    void put_delivery(std::string_view client_id, const StoredDelivery& delivery) override
    {
        inner_.put_delivery(client_id, delivery);
    }
    void put_delivery_stage(std::string_view client_id, std::uint64_t seq, std::uint16_t packet_id,
                            StoredStage stage) override
    {
        inner_.put_delivery_stage(client_id, seq, packet_id, stage);
    }
    void erase_delivery(std::string_view client_id, std::uint64_t seq) override
    {
        inner_.erase_delivery(client_id, seq);
    }
    void put_inbound_qos2(std::string_view client_id, std::uint16_t packet_id) override
    {
        inner_.put_inbound_qos2(client_id, packet_id);
    }
    void erase_inbound_qos2(std::string_view client_id, std::uint16_t packet_id) override
    {
        inner_.erase_inbound_qos2(client_id, packet_id);
    }
    void put_retained(const StoredMessage& message) override
    {
        std::unique_lock lock(mutex_);
        if (++arrived_ == 1) {
            // Bounded: with the fix the other thread cannot get here before this write is done.
            cv_.wait_for(lock, 20ms, [&] { return forwarded_ > 0; });
        }
        inner_.put_retained(message);
        last_ = as_chars(message.message->payload);
        ++forwarded_;
        cv_.notify_all();
    }
    void erase_retained(std::string_view topic) override
    {
        std::lock_guard lock(mutex_);
        inner_.erase_retained(topic);
        last_.clear();
    }
    void begin_atomic() override { inner_.begin_atomic(); }
    void end_atomic() override { inner_.end_atomic(); }
    bool writable() const noexcept override { return inner_.writable(); }
    std::uint64_t written() const noexcept override { return inner_.written(); }
    std::uint64_t written_by_this_thread() const noexcept override { return inner_.written_by_this_thread(); }
    std::uint64_t durable() const noexcept override { return inner_.durable(); }
    void when_durable(std::uint64_t seq, std::function<void(bool ok)> done) override
    {
        inner_.when_durable(seq, std::move(done));
    }

private:
    Persistence& inner_;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    int arrived_ = 0;
    int forwarded_ = 0;
    std::string last_;
};

MessagePtr retained(std::string payload)
{
    auto message = std::make_shared<Message>();
    message->topic = "t/race";
    message->payload = to_bytes(payload);
    message->retain = true;
    return message;
}

std::string payload_of(const MessagePtr& message)
{
    return message ? std::string(as_chars(message->payload)) : std::string();
}

TEST(RetainedOrder, ConcurrentRetainedPublishesLeaveTheStoreWithTheMessageInMemory)
{
    moatmq::test::TempDir dir{"moatmq-retained-order"};
    store::StoreOptions store_options;
    store_options.path = dir.path() / "store";
    store::RocksStore rocks(std::move(store_options));
    HoldingStore store(rocks);
    ManualClock clock;
    BrokerOptions options;
    options.sys_interval = 0ms;
    options.persistence = &store;
    BrokerCore core(options, clock);

    constexpr int kRounds = 40;
    int mismatches = 0;
    std::string first_mismatch;
    std::barrier sync(3);
    auto publisher = [&](char name) {
        for (int round = 0; round < kRounds; ++round) {
            sync.arrive_and_wait();  // both start the round together
            core.publish(retained(name + std::to_string(round)), std::nullopt);
            sync.arrive_and_wait();  // both are done
        }
    };
    std::jthread a(publisher, 'a');
    std::jthread b(publisher, 'b');
    for (int round = 0; round < kRounds; ++round) {
        store.new_round();
        sync.arrive_and_wait();
        sync.arrive_and_wait();
        const auto in_memory = payload_of(core.router().retained().find("t/race", clock.now()));
        const auto stored = store.last();
        if (in_memory != stored) {
            if (mismatches++ == 0) first_mismatch = "memory " + in_memory + ", store " + stored;
        }
    }
    a.join();
    b.join();
    EXPECT_EQ(mismatches, 0) << "first: " << first_mismatch;

    // And what a restart would load.
    ASSERT_TRUE(rocks.flush());
    const auto state = rocks.load();
    ASSERT_EQ(state.retained.size(), 1U);
    EXPECT_EQ(payload_of(state.retained[0].message),
              payload_of(core.router().retained().find("t/race", clock.now())));
}

}  // namespace
}  // namespace moatmq::broker
