#pragma once
// LatencyHistogram: HdrHistogram-style log-linear buckets for latencies in nanoseconds.
//
// Values below 2^kSubBits are counted exactly, one bucket each. Above that, every power-of-two range
// [2^e, 2^(e+1)) is split into 2^(kSubBits-1) equal buckets, so a bucket is never wider than 1/64 of
// its lower bound: a percentile read back is within 1.6 % of the recorded value, over the whole
// range of std::uint64_t, in a fixed 30 KiB of counters and with no allocation per record.
// Percentiles report the highest value equivalent to the bucket (as HdrHistogram does), capped at the
// largest value recorded, so a percentile never understates a latency.
//
// Not thread-safe: one histogram per connection or thread, merged at the end.
#include <array>
#include <cstddef>
#include <cstdint>

namespace moatmq::loadgen {

class LatencyHistogram {
public:
    static constexpr unsigned kSubBits = 7;
    static constexpr std::size_t kBucketCount =
        (64 - kSubBits + 1) * (std::size_t{1} << (kSubBits - 1)) + (std::size_t{1} << (kSubBits - 1));

    void record(std::uint64_t value) noexcept;
    void merge(const LatencyHistogram& other) noexcept;

    std::uint64_t count() const noexcept { return count_; }
    std::uint64_t min() const noexcept { return count_ == 0 ? 0 : min_; }
    std::uint64_t max() const noexcept { return max_; }
    double mean() const noexcept;

    // The value at `percent` (0 < percent <= 100): the highest value equivalent to the bucket that
    // holds the ceil(percent/100 * count)-th smallest value, capped at max(). 0 when empty.
    std::uint64_t percentile(double percent) const noexcept;

    // Bucket arithmetic, public for the tests.
    static std::size_t bucket_of(std::uint64_t value) noexcept;
    static std::uint64_t bucket_low(std::size_t bucket) noexcept;
    static std::uint64_t bucket_high(std::size_t bucket) noexcept;

private:
    std::array<std::uint64_t, kBucketCount> counts_{};
    std::uint64_t count_ = 0;
    std::uint64_t min_ = UINT64_MAX;
    std::uint64_t max_ = 0;
    long double sum_ = 0;
};

}  // namespace moatmq::loadgen
