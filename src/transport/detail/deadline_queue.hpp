#pragma once
// DeadlineQueue: the deadlines of one worker's sessions (connect timeout, keep alive, retransmission,
// close linger) on one Asio timer, instead of a steady_timer per connection: an idle connection held the
// timer object (120 bytes) and its pending wait (an Asio operation of about 100 bytes); here it holds a
// heap slot (16 bytes) and its own index (issue #5: memory per idle connection).
//
// A binary min-heap of (time, entry). Each entry knows its place in the heap, so that moving or removing
// it is O(log n); an entry's owner must cancel() it before it is destroyed (the transport's Session does
// so in its destructor: the queue keeps raw pointers). The timer is armed for the earliest
// deadline; a deadline that moves later does not re-arm it (it fires early, finds nothing due, and
// re-arms). Worker thread only.
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "common/clock.hpp"

namespace moatmq::transport::detail {

class DeadlineQueue {
public:
    // What a deadline belongs to (a session). deadline_reached() runs on the worker, with the entry
    // already out of the queue; it may set a new deadline.
    class Entry {
    public:
        Entry() = default;
        Entry(const Entry&) = delete;
        Entry& operator=(const Entry&) = delete;
        virtual void deadline_reached() = 0;

        bool deadline_pending() const noexcept { return index_ != kNone; }
        TimePoint deadline() const noexcept { return at_; }

    protected:
        virtual ~Entry() = default;

    private:
        friend class DeadlineQueue;
        static constexpr std::uint32_t kNone = ~std::uint32_t{0};
        TimePoint at_{};
        std::uint32_t index_ = kNone;
    };

    DeadlineQueue() = default;
    DeadlineQueue(const DeadlineQueue&) = delete;
    DeadlineQueue& operator=(const DeadlineQueue&) = delete;

    // The timer runs on `io`. stop_timer() must be called before `io` is destroyed (the queue itself may
    // outlive it: sessions destroyed with `io` still cancel their entries).
    void start_timer(boost::asio::io_context& io)
    {
        timer_ = std::make_unique<boost::asio::steady_timer>(io);
    }
    void stop_timer() noexcept { timer_.reset(); }

    // Sets (or moves) the entry's deadline.
    void set(Entry& entry, TimePoint at)
    {
        entry.at_ = at;
        if (entry.index_ == Entry::kNone) {
            entry.index_ = static_cast<std::uint32_t>(heap_.size());
            heap_.push_back({at, &entry});
            up(entry.index_);
        } else {
            heap_[entry.index_].at = at;
            if (!up(entry.index_)) down(entry.index_);
        }
        if (heap_.front().entry == &entry) arm(at);
    }

    // Removes the entry's deadline, if any. The timer is left armed (it fires early and re-arms) unless
    // the queue is now empty: then its wait is cancelled, so that a worker with no deadlines left has no
    // pending work and its io_context can run out (a broker stopping after its last connection closed
    // waited for the close linger or a keep-alive that no longer existed).
    void cancel(Entry& entry) noexcept
    {
        const std::uint32_t i = entry.index_;
        if (i == Entry::kNone) return;
        entry.index_ = Entry::kNone;
        const auto last = static_cast<std::uint32_t>(heap_.size() - 1);
        if (i != last) {
            heap_[i] = heap_[last];
            heap_[i].entry->index_ = i;
            heap_.pop_back();
            if (!up(i)) down(i);
        } else {
            heap_.pop_back();
        }
        if (heap_.empty()) {
            heap_.shrink_to_fit();
            disarm();
        }
    }

    std::size_t size() const noexcept { return heap_.size(); }

private:
    struct Slot {
        TimePoint at;
        Entry* entry;
    };

    void arm(TimePoint at)
    {
        if (!timer_ || (armed_ && armed_at_ <= at)) return;
        armed_ = true;
        armed_at_ = at;
        timer_->expires_at(at);  // cancels the previous wait, whose handler then does nothing
        timer_->async_wait([this](boost::system::error_code ec) {
            if (ec) return;  // re-armed or stopped: `this` may be gone when stopped
            armed_ = false;
            fire();
        });
    }

    void disarm() noexcept
    {
        if (!timer_ || !armed_) return;
        armed_ = false;
        timer_->cancel();  // its handler runs with operation_aborted and does nothing
    }

    void fire()
    {
        const auto now = std::chrono::steady_clock::now();
        while (!heap_.empty() && heap_.front().at <= now) {
            Entry* entry = heap_.front().entry;
            cancel(*entry);
            entry->deadline_reached();
        }
        if (!heap_.empty()) arm(heap_.front().at);
    }

    void place(std::uint32_t i, Slot slot) noexcept
    {
        heap_[i] = slot;
        slot.entry->index_ = i;
    }

    // Moves slot i towards the root while it is earlier than its parent; true if it moved.
    bool up(std::uint32_t i) noexcept
    {
        const Slot slot = heap_[i];
        const std::uint32_t start = i;
        while (i > 0) {
            const std::uint32_t parent = (i - 1) / 2;
            if (!(slot.at < heap_[parent].at)) break;
            place(i, heap_[parent]);
            i = parent;
        }
        place(i, slot);
        return i != start;
    }

    void down(std::uint32_t i) noexcept
    {
        const Slot slot = heap_[i];
        const auto n = static_cast<std::uint32_t>(heap_.size());
        for (;;) {
            std::uint32_t child = 2 * i + 1;
            if (child >= n) break;
            if (child + 1 < n && heap_[child + 1].at < heap_[child].at) ++child;
            if (!(heap_[child].at < slot.at)) break;
            place(i, heap_[child]);
            i = child;
        }
        place(i, slot);
    }

    std::vector<Slot> heap_;
    std::unique_ptr<boost::asio::steady_timer> timer_;
    TimePoint armed_at_{};
    bool armed_ = false;
};

}  // namespace moatmq::transport::detail
