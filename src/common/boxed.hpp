#pragma once
// Boxed<T>: an optional value kept on the heap, for state that most objects never have. Empty, it is
// one pointer (std::optional<T> is sizeof(T) plus a flag whether set or not); set, it is one allocation.
// Used where many objects are alive at once and the field is rarely set, e.g. a session's will and
// expiry (issue #5: memory per idle connection). Reads like std::optional.
#include <memory>
#include <optional>
#include <utility>

namespace moatmq {

template <class T>
class Boxed {
public:
    Boxed() = default;
    Boxed(Boxed&&) noexcept = default;
    Boxed& operator=(Boxed&&) noexcept = default;
    Boxed(const Boxed&) = delete;
    Boxed& operator=(const Boxed&) = delete;

    Boxed& operator=(T value)
    {
        if (value_) {
            *value_ = std::move(value);
        } else {
            value_ = std::make_unique<T>(std::move(value));
        }
        return *this;
    }
    Boxed& operator=(std::optional<T> value)
    {
        if (value) return *this = std::move(*value);
        reset();
        return *this;
    }

    bool has_value() const noexcept { return value_ != nullptr; }
    explicit operator bool() const noexcept { return has_value(); }
    T& operator*() noexcept { return *value_; }
    const T& operator*() const noexcept { return *value_; }
    T* operator->() noexcept { return value_.get(); }
    const T* operator->() const noexcept { return value_.get(); }
    template <class U>
    T value_or(U&& fallback) const
    {
        return value_ ? *value_ : static_cast<T>(std::forward<U>(fallback));
    }
    void reset() noexcept { value_.reset(); }

private:
    std::unique_ptr<T> value_;
};

}  // namespace moatmq
