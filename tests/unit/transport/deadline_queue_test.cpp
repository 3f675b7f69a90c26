// DeadlineQueue: one worker's deadlines on one timer. Deadlines already due fire at once, earliest
// first; moving, cancelling and destroying an entry take it out of the order.
#include "transport/detail/deadline_queue.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <random>
#include <vector>

namespace moatmq::transport::detail {
namespace {

using namespace std::chrono_literals;

class Recorder final : public DeadlineQueue::Entry {
public:
    Recorder(int id, std::vector<int>& fired) : id_(id), fired_(fired) {}
    ~Recorder() override = default;
    void deadline_reached() override { fired_.push_back(id_); }

private:
    int id_;
    std::vector<int>& fired_;
};

struct QueueHarness {
    QueueHarness() { queue.start_timer(io); }
    ~QueueHarness() { queue.stop_timer(); }
    void run() { io.run_for(5s); }  // returns as soon as nothing is pending

    DeadlineQueue queue;
    boost::asio::io_context io;
    std::vector<int> fired;
};

TEST(DeadlineQueue, DueDeadlinesFireEarliestFirst)
{
    QueueHarness h;
    const auto now = std::chrono::steady_clock::now();
    Recorder a(1, h.fired), b(2, h.fired), c(3, h.fired);
    h.queue.set(a, now - 1ms);
    h.queue.set(b, now - 3ms);
    h.queue.set(c, now - 2ms);
    EXPECT_EQ(h.queue.size(), 3U);
    h.run();
    EXPECT_EQ(h.fired, (std::vector<int>{2, 3, 1}));
    EXPECT_EQ(h.queue.size(), 0U);
    EXPECT_FALSE(a.deadline_pending());
}

TEST(DeadlineQueue, MovedCancelledAndDestroyedEntriesFollowTheirLastState)
{
    QueueHarness h;
    const auto now = std::chrono::steady_clock::now();
    Recorder moved_in(1, h.fired), cancelled(2, h.fired), moved_out(3, h.fired);
    h.queue.set(moved_in, now + 1h);
    h.queue.set(moved_in, now - 1ms);  // moved earlier: due
    h.queue.set(cancelled, now - 2ms);
    h.queue.cancel(cancelled);
    h.queue.set(moved_out, now - 3ms);
    h.queue.set(moved_out, now + 1h);  // moved later: not due
    {
        Recorder destroyed(4, h.fired);
        h.queue.set(destroyed, now - 4ms);
        h.queue.cancel(destroyed);  // what Session's destructor does
    }
    EXPECT_EQ(h.queue.size(), 2U);
    // The timer stays pending for moved_out, so run() would wait an hour: run until the first fires.
    for (int i = 0; i < 100 && h.fired.empty(); ++i)
        h.io.run_one_for(100ms);
    h.io.poll();
    EXPECT_EQ(h.fired, (std::vector<int>{1}));
    EXPECT_TRUE(moved_out.deadline_pending());
    h.queue.cancel(moved_out);
    EXPECT_EQ(h.queue.size(), 0U);
}

// A worker whose last deadline goes has nothing pending: its io_context runs out at once instead of
// waiting for the deadline that was cancelled (a stopping broker waited the whole close linger).
TEST(DeadlineQueue, CancellingTheLastDeadlineLeavesNoPendingWait)
{
    QueueHarness h;
    Recorder later(1, h.fired);
    Recorder latest(2, h.fired);
    const auto now = std::chrono::steady_clock::now();
    h.queue.set(later, now + 1h);
    h.queue.set(latest, now + 2h);
    h.queue.cancel(later);
    h.io.poll();
    EXPECT_FALSE(h.io.stopped());  // `latest` still holds the timer
    h.queue.cancel(latest);
    h.io.poll();  // runs the cancelled wait's handler
    EXPECT_TRUE(h.io.stopped());
    EXPECT_TRUE(h.fired.empty());
}

TEST(DeadlineQueue, AnEntryMaySetItsNextDeadlineWhenItFires)
{
    class Repeating final : public DeadlineQueue::Entry {
    public:
        explicit Repeating(DeadlineQueue& queue) : queue_(queue) {}
        ~Repeating() override = default;
        void deadline_reached() override
        {
            if (++count < 3) queue_.set(*this, std::chrono::steady_clock::now() - 1ms);
        }
        int count = 0;

    private:
        DeadlineQueue& queue_;
    };
    QueueHarness h;
    Repeating entry(h.queue);
    h.queue.set(entry, std::chrono::steady_clock::now() - 1ms);
    h.run();
    EXPECT_EQ(entry.count, 3);
}

TEST(DeadlineQueue, ManyEntriesFireInTimeOrder)
{
    QueueHarness h;
    const auto now = std::chrono::steady_clock::now();
    std::mt19937 random(7);
    std::vector<std::unique_ptr<Recorder>> entries;
    std::vector<std::pair<std::chrono::steady_clock::time_point, int>> expected;
    for (int i = 0; i < 500; ++i) {
        entries.push_back(std::make_unique<Recorder>(i, h.fired));
        const auto at = now - std::chrono::microseconds(random() % 100000);
        h.queue.set(*entries.back(), at + 1h);  // first far away, then moved: exercises both directions
        h.queue.set(*entries.back(), at);
        expected.emplace_back(at, i);
    }
    for (int i = 0; i < 500; i += 5) {  // every fifth removed again
        h.queue.cancel(*entries[static_cast<std::size_t>(i)]);
        std::erase_if(expected, [i](const auto& e) { return e.second == i; });
    }
    std::stable_sort(expected.begin(), expected.end(),
                     [](const auto& x, const auto& y) { return x.first < y.first; });
    h.run();
    ASSERT_EQ(h.fired.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        // Equal times may fire in either order; the times must not go backwards.
        const auto at = [&](int id) {
            return std::find_if(expected.begin(), expected.end(),
                                [id](const auto& e) { return e.second == id; })
                ->first;
        };
        EXPECT_EQ(at(h.fired[i]), expected[i].first) << "at position " << i;
    }
}

}  // namespace
}  // namespace moatmq::transport::detail
