#pragma once
// MessageQueue: a FIFO that costs nothing while empty. std::deque allocates on construction in
// libstdc++ (about 600 bytes), and every session has a queue, idle ones included; this keeps the
// elements in a vector from `head_` on and compacts when the consumed prefix dominates. `Weigh` gives an
// element's weight (e.g. its bytes); the queue keeps the sum of the weights of what it holds, read when
// an element is added and again when it leaves, so the weight must not change in between (a moved-from
// element must keep it).
#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

namespace moatmq::broker {

struct Unweighed {
    template <class T>
    std::size_t operator()(const T&) const noexcept
    {
        return 0;
    }
};

template <class T, class Weigh = Unweighed>
class MessageQueue {
public:
    bool empty() const noexcept { return head_ == items_.size(); }
    std::size_t size() const noexcept { return items_.size() - head_; }
    // The sum of the weights of the elements held.
    std::size_t weight() const noexcept { return weight_; }

    void push_back(T item)
    {
        const auto w = Weigh{}(item);
        items_.push_back(std::move(item));
        weight_ += w;
    }
    T& front() noexcept { return items_[head_]; }
    T& back() noexcept { return items_.back(); }
    void pop_front()
    {
        weight_ -= Weigh{}(items_[head_]);
        items_[head_] = T{};  // release what the element holds now, not at the next compaction
        if (++head_ == items_.size()) {
            clear();
        } else if (head_ >= 64 && head_ * 2 >= items_.size()) {
            items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
            head_ = 0;
        }
    }
    void clear() noexcept
    {
        items_.clear();
        items_.shrink_to_fit();  // an idle session holds no buffer
        head_ = 0;
        weight_ = 0;
    }

    auto begin() noexcept { return items_.begin() + static_cast<std::ptrdiff_t>(head_); }
    auto end() noexcept { return items_.end(); }
    auto begin() const noexcept { return items_.begin() + static_cast<std::ptrdiff_t>(head_); }
    auto end() const noexcept { return items_.end(); }

    // Removes the element at `it`: O(1) at the front (pop_front), otherwise the later elements move up.
    void erase(typename std::vector<T>::iterator it)
    {
        if (it == begin()) {
            pop_front();
            return;
        }
        weight_ -= Weigh{}(*it);
        items_.erase(it);
    }

    // Removes the elements matching `pred`, keeping the order of the rest; returns how many.
    template <class Pred>
    std::size_t remove_if(Pred pred)
    {
        const auto before = size();
        items_.erase(std::remove_if(begin(), end(),
                                    [&](T& item) {
                                        if (!pred(item)) return false;
                                        weight_ -= Weigh{}(item);
                                        return true;
                                    }),
                     items_.end());
        if (empty()) clear();
        return before - size();
    }

private:
    std::vector<T> items_;
    std::size_t head_ = 0;
    std::size_t weight_ = 0;
};

}  // namespace moatmq::broker
