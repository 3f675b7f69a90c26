#pragma once
// PacketIdSet: a set of packet ids that is usually empty (a session's QoS 2 ids received and not yet
// released). Empty, it is one pointer and holds no memory (an empty std::unordered_set is 56 bytes in
// every session, issue #5); the set is allocated on the first insert and freed when it empties again.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <unordered_set>

namespace moatmq::broker {

class PacketIdSet {
public:
    bool contains(std::uint16_t id) const { return ids_ && ids_->contains(id); }
    std::size_t size() const noexcept { return ids_ ? ids_->size() : 0; }
    bool empty() const noexcept { return size() == 0; }

    void insert(std::uint16_t id)
    {
        if (!ids_) ids_ = std::make_unique<std::unordered_set<std::uint16_t>>();
        ids_->insert(id);
    }
    // Returns how many were removed (0 or 1), as std::unordered_set::erase does.
    std::size_t erase(std::uint16_t id)
    {
        if (!ids_) return 0;
        const std::size_t removed = ids_->erase(id);
        if (ids_->empty()) ids_.reset();
        return removed;
    }
    void clear() noexcept { ids_.reset(); }

private:
    std::unique_ptr<std::unordered_set<std::uint16_t>> ids_;
};

}  // namespace moatmq::broker
