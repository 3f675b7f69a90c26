// PacketIdSet (a session's QoS 2 ids received and not yet released) and the two small containers that
// keep an idle connection's state small, Boxed and IntrusiveList (src/common, used by the broker).
#include "broker/packet_id_set.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "common/boxed.hpp"
#include "common/intrusive_list.hpp"

namespace moatmq::broker {
namespace {

TEST(PacketIdSet, BehavesAsASetOfIds)
{
    PacketIdSet ids;
    EXPECT_TRUE(ids.empty());
    EXPECT_FALSE(ids.contains(7));
    ids.insert(7);
    ids.insert(7);
    ids.insert(65535);
    EXPECT_EQ(ids.size(), 2U);
    EXPECT_TRUE(ids.contains(7));
    EXPECT_TRUE(ids.contains(65535));
    EXPECT_EQ(ids.erase(8), 0U);
    EXPECT_EQ(ids.erase(7), 1U);
    EXPECT_FALSE(ids.contains(7));
    EXPECT_EQ(ids.erase(65535), 1U);
    EXPECT_TRUE(ids.empty());
    EXPECT_EQ(ids.erase(65535), 0U);  // erasing from the emptied (freed) set
    ids.insert(1);
    ids.clear();
    EXPECT_TRUE(ids.empty());
    EXPECT_FALSE(ids.contains(1));
}

TEST(Boxed, ReadsLikeAnOptional)
{
    Boxed<std::string> box;
    EXPECT_FALSE(box);
    EXPECT_EQ(box.value_or("none"), "none");
    box = std::string("will");
    ASSERT_TRUE(box.has_value());
    EXPECT_EQ(*box, "will");
    EXPECT_EQ(box->size(), 4U);
    box = std::optional<std::string>{};
    EXPECT_FALSE(box);
    box = std::optional<std::string>{"again"};
    EXPECT_EQ(*box, "again");
    Boxed<std::string> moved = std::move(box);
    EXPECT_EQ(*moved, "again");
    moved.reset();
    EXPECT_FALSE(moved);
}

struct Item : IntrusiveListNode {
    explicit Item(int v) : value(v) {}
    int value;
};

std::vector<int> values(const IntrusiveList<Item>& list)
{
    std::vector<int> out;
    for (auto* item = list.front(); item != nullptr; item = list.next(*item))
        out.push_back(item->value);
    return out;
}

TEST(IntrusiveList, ErasesFromAnyPositionAndIgnoresItemsNotInIt)
{
    Item a(1), b(2), c(3), stranger(4);
    IntrusiveList<Item> list;
    list.push_front(a);
    list.push_front(b);
    list.push_front(c);
    EXPECT_EQ(values(list), (std::vector<int>{3, 2, 1}));
    list.erase(stranger);  // not in the list: nothing happens
    EXPECT_EQ(list.size(), 3U);
    list.erase(b);  // middle
    EXPECT_EQ(values(list), (std::vector<int>{3, 1}));
    list.erase(b);  // twice
    EXPECT_EQ(list.size(), 2U);
    list.erase(c);  // head
    EXPECT_EQ(values(list), (std::vector<int>{1}));
    list.erase(a);  // last
    EXPECT_TRUE(list.empty());
    list.push_front(b);  // an erased item can be added again
    EXPECT_EQ(values(list), (std::vector<int>{2}));
    list.erase(b);
}

}  // namespace
}  // namespace moatmq::broker
