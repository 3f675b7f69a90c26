#pragma once
// Clock: the broker asks this for the time so that tests can drive expiry, keep-alive and will delay
// without sleeping. The production clock is steady (monotonic); wall time is only for logs.
#include <chrono>

namespace moatmq {

using TimePoint = std::chrono::steady_clock::time_point;
using Duration = std::chrono::steady_clock::duration;

class Clock {
public:
    virtual ~Clock() = default;
    virtual TimePoint now() const = 0;
};

class SteadyClock final : public Clock {
public:
    TimePoint now() const override { return std::chrono::steady_clock::now(); }
};

// A clock that only moves when told to: for unit tests.
class ManualClock final : public Clock {
public:
    TimePoint now() const override { return now_; }
    void advance(Duration d) { now_ += d; }

private:
    TimePoint now_{};
};

}  // namespace moatmq
