#include "broker/message_queue.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace moatmq::broker {
namespace {

TEST(MessageQueue, IsFirstInFirstOutAcrossCompactions)
{
    MessageQueue<int> queue;
    int next_in = 0;
    int next_out = 0;
    for (int round = 0; round < 50; ++round) {
        for (int i = 0; i < 37; ++i)
            queue.push_back(next_in++);
        for (int i = 0; i < 30 && !queue.empty(); ++i) {
            ASSERT_EQ(queue.front(), next_out++);
            queue.pop_front();
        }
    }
    EXPECT_EQ(queue.size(), static_cast<std::size_t>(next_in - next_out));
    std::vector<int> rest(queue.begin(), queue.end());
    ASSERT_FALSE(rest.empty());
    EXPECT_EQ(rest.front(), next_out);
    EXPECT_EQ(rest.back(), next_in - 1);
}

TEST(MessageQueue, RemoveIfKeepsOrderAndPoppedElementsAreReleased)
{
    MessageQueue<std::shared_ptr<int>> queue;
    auto watched = std::make_shared<int>(0);
    queue.push_back(watched);
    for (int i = 1; i < 6; ++i)
        queue.push_back(std::make_shared<int>(i));
    queue.pop_front();
    EXPECT_EQ(watched.use_count(), 1);  // not held until the next compaction
    EXPECT_EQ(queue.remove_if([](const std::shared_ptr<int>& p) { return *p % 2 == 0; }), 2u);
    std::vector<int> rest;
    for (auto& p : queue)
        rest.push_back(*p);
    EXPECT_EQ(rest, (std::vector<int>{1, 3, 5}));
}

TEST(MessageQueue, KeepsTheWeightOfWhatItHolds)
{
    struct Self {
        std::size_t operator()(int v) const noexcept { return static_cast<std::size_t>(v); }
    };
    MessageQueue<int, Self> queue;
    for (int v = 1; v <= 100; ++v)
        queue.push_back(v);
    EXPECT_EQ(queue.weight(), 5050u);
    for (int i = 0; i < 70; ++i)  // across a compaction
        queue.pop_front();
    EXPECT_EQ(queue.weight(), 5050u - 70u * 71u / 2u);
    EXPECT_EQ(queue.remove_if([](int v) { return v % 2 == 0; }), 15u);
    EXPECT_EQ(queue.weight(), 1275u);  // 71 + 73 + ... + 99
    queue.clear();
    EXPECT_EQ(queue.weight(), 0u);
}

TEST(MessageQueue, EraseTakesOneElementAnywhereAndKeepsTheWeight)
{
    struct Self {
        std::size_t operator()(int v) const noexcept { return static_cast<std::size_t>(v); }
    };
    MessageQueue<int, Self> queue;
    for (int v = 1; v <= 5; ++v)
        queue.push_back(v);
    queue.erase(queue.begin());      // the front, as in-order acknowledgements take it
    queue.erase(queue.begin() + 2);  // from the middle
    EXPECT_EQ(std::vector<int>(queue.begin(), queue.end()), (std::vector<int>{2, 3, 5}));
    EXPECT_EQ(queue.back(), 5);
    EXPECT_EQ(queue.weight(), 10u);
}

}  // namespace
}  // namespace moatmq::broker
