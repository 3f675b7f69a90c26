#include "loadgen/latency_histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace moatmq::loadgen {

namespace {
constexpr std::uint64_t kExact = std::uint64_t{1} << LatencyHistogram::kSubBits;  // 128
constexpr std::uint64_t kHalf = kExact / 2;                                       // 64
}  // namespace

std::size_t LatencyHistogram::bucket_of(std::uint64_t value) noexcept
{
    if (value < kExact) return static_cast<std::size_t>(value);
    // value = mantissa << shift with mantissa in [64, 128): bucket shift * 64 + mantissa.
    const auto top_bit = static_cast<unsigned>(63 - std::countl_zero(value));
    const unsigned shift = top_bit - (kSubBits - 1);
    const std::uint64_t mantissa = value >> shift;
    return static_cast<std::size_t>(shift * kHalf + mantissa);
}

std::uint64_t LatencyHistogram::bucket_low(std::size_t bucket) noexcept
{
    if (bucket < kExact) return bucket;
    const std::uint64_t shift = bucket / kHalf - 1;
    const std::uint64_t mantissa = bucket - shift * kHalf;
    return mantissa << shift;
}

std::uint64_t LatencyHistogram::bucket_high(std::size_t bucket) noexcept
{
    if (bucket < kExact) return bucket;
    const std::uint64_t shift = bucket / kHalf - 1;
    const std::uint64_t mantissa = bucket - shift * kHalf;
    // The top bucket ends at UINT64_MAX; ((mantissa + 1) << shift) would wrap to 0 there.
    return ((mantissa + 1) << shift) - 1;
}

void LatencyHistogram::record(std::uint64_t value) noexcept
{
    ++counts_[bucket_of(value)];
    ++count_;
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
    sum_ += static_cast<long double>(value);
}

void LatencyHistogram::merge(const LatencyHistogram& other) noexcept
{
    for (std::size_t i = 0; i < kBucketCount; ++i)
        counts_[i] += other.counts_[i];
    count_ += other.count_;
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
    sum_ += other.sum_;
}

double LatencyHistogram::mean() const noexcept
{
    return count_ == 0 ? 0.0 : static_cast<double>(sum_ / static_cast<long double>(count_));
}

std::uint64_t LatencyHistogram::percentile(double percent) const noexcept
{
    if (count_ == 0) return 0;
    const double clamped = std::clamp(percent, 0.0, 100.0);
    auto rank = static_cast<std::uint64_t>(std::ceil(clamped / 100.0 * static_cast<double>(count_)));
    rank = std::clamp<std::uint64_t>(rank, 1, count_);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kBucketCount; ++i) {
        seen += counts_[i];
        if (seen >= rank) return std::min(bucket_high(i), max_);
    }
    return max_;
}

}  // namespace moatmq::loadgen
