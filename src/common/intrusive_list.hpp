#pragma once
// IntrusiveList<T>: a doubly linked list whose links live in the elements (T derives from
// IntrusiveListNode), so that keeping an element in the list allocates nothing: 16 bytes in the element
// instead of a hash-map node and a bucket (issue #5: memory per idle connection). An element is in at
// most one list at a time. Not thread-safe: the owner of the list guards it.
#include <cstddef>

namespace moatmq {

class IntrusiveListNode {
protected:
    IntrusiveListNode() = default;
    ~IntrusiveListNode() = default;

public:
    IntrusiveListNode(const IntrusiveListNode&) = delete;
    IntrusiveListNode& operator=(const IntrusiveListNode&) = delete;

private:
    template <class T>
    friend class IntrusiveList;
    IntrusiveListNode* prev_ = nullptr;
    IntrusiveListNode* next_ = nullptr;
};

template <class T>
class IntrusiveList {
public:
    IntrusiveList() = default;
    IntrusiveList(const IntrusiveList&) = delete;
    IntrusiveList& operator=(const IntrusiveList&) = delete;

    // `item` must not be in a list.
    void push_front(T& item) noexcept
    {
        IntrusiveListNode& node = item;
        node.prev_ = nullptr;
        node.next_ = head_;
        if (head_ != nullptr) head_->prev_ = &node;
        head_ = &node;
        ++size_;
    }

    // Removes `item` if it is in this list; does nothing otherwise.
    void erase(T& item) noexcept
    {
        IntrusiveListNode& node = item;
        if (node.prev_ == nullptr && head_ != &node) return;  // not in the list
        if (node.prev_ != nullptr) {
            node.prev_->next_ = node.next_;
        } else {
            head_ = node.next_;
        }
        if (node.next_ != nullptr) node.next_->prev_ = node.prev_;
        node.prev_ = node.next_ = nullptr;
        --size_;
    }

    T* front() const noexcept { return static_cast<T*>(head_); }
    T* next(const T& item) const noexcept
    {
        const IntrusiveListNode& node = item;
        return static_cast<T*>(node.next_);
    }
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return head_ == nullptr; }

private:
    IntrusiveListNode* head_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace moatmq
