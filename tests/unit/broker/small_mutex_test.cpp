// SmallMutex: mutual exclusion under contention (threads that sleep in the lock and are woken by
// unlock), try_lock, and its size, which is why it exists (a broker Session per client).
#include "common/small_mutex.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace moatmq {
namespace {

TEST(SmallMutex, IsFourBytes)
{
    EXPECT_EQ(sizeof(SmallMutex), 4U);
}

TEST(SmallMutex, TryLockFailsWhileLockedAndSucceedsAfterUnlock)
{
    SmallMutex mutex;
    ASSERT_TRUE(mutex.try_lock());
    EXPECT_FALSE(mutex.try_lock());
    mutex.unlock();
    EXPECT_TRUE(mutex.try_lock());
    mutex.unlock();
}

TEST(SmallMutex, ContendedIncrementsAreNeverLost)
{
    SmallMutex mutex;
    std::uint64_t counter = 0;  // a plain integer: only the lock keeps the increments whole
    constexpr int kThreads = 4;
    constexpr int kIncrements = 100'000;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < kIncrements; ++i) {
                std::lock_guard lock(mutex);
                const auto seen = counter;
                if (i % 1000 == 0)
                    std::this_thread::yield();  // holds the lock long enough for others to sleep
                counter = seen + 1;
            }
        });
    }
    for (auto& thread : threads)
        thread.join();
    EXPECT_EQ(counter, std::uint64_t{kThreads} * kIncrements);
}

}  // namespace
}  // namespace moatmq
