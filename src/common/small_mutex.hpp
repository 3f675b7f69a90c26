#pragma once
// SmallMutex: a mutex in four bytes (std::mutex is 40 on Linux), for objects that exist once per client
// and are locked briefly: a broker Session (issue #5: memory per idle connection). Lockable, so
// std::lock_guard and std::unique_lock work with it; not for condition variables.
//
// The classic futex mutex with three states (0 free, 1 locked, 2 locked and someone may sleep): an
// uncontended lock is one compare-exchange and its unlock one exchange, as with std::mutex; a contended
// lock spins briefly, then sleeps in std::atomic::wait (a futex on Linux) until unlock() notifies.
#include <atomic>
#include <cstdint>

namespace moatmq {

class SmallMutex {
public:
    SmallMutex() = default;
    SmallMutex(const SmallMutex&) = delete;
    SmallMutex& operator=(const SmallMutex&) = delete;

    void lock() noexcept
    {
        std::uint32_t state = kFree;
        if (state_.compare_exchange_strong(state, kLocked, std::memory_order_acquire)) return;
        for (int spin = 0; spin < kSpins; ++spin) {
            state = kFree;
            if (state_.load(std::memory_order_relaxed) == kFree &&
                state_.compare_exchange_weak(state, kLocked, std::memory_order_acquire))
                return;
        }
        // From here on the lock is taken as "contended", so that its unlock() wakes a sleeper.
        while (state_.exchange(kContended, std::memory_order_acquire) != kFree)
            state_.wait(kContended, std::memory_order_relaxed);
    }

    bool try_lock() noexcept
    {
        std::uint32_t state = kFree;
        return state_.compare_exchange_strong(state, kLocked, std::memory_order_acquire);
    }

    void unlock() noexcept
    {
        if (state_.exchange(kFree, std::memory_order_release) == kContended) state_.notify_one();
    }

private:
    static constexpr std::uint32_t kFree = 0;
    static constexpr std::uint32_t kLocked = 1;
    static constexpr std::uint32_t kContended = 2;
    static constexpr int kSpins = 64;

    std::atomic<std::uint32_t> state_{kFree};
};

static_assert(sizeof(SmallMutex) == 4);

}  // namespace moatmq
