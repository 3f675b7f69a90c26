#pragma once
// Durations in the configuration: a string with one unit, "500ms", "10s", "10m", "1h", "7d".
// A bare number is refused: "10" could mean seconds or milliseconds, and a config must not be guessed at.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "config/config_error.hpp"

namespace moatmq::config {

ConfigResult<std::chrono::milliseconds> parse_duration(std::string_view text);

// The largest exact unit: 600000ms -> "10m", 1500ms -> "1500ms", 0 -> "0s".
std::string format_duration(std::chrono::milliseconds duration);

// A backoff range "1s..60s": the first delay, doubling up to the maximum. "off" disables the backoff.
struct BackoffRange {
    std::chrono::milliseconds initial{1000};
    std::chrono::milliseconds maximum{60000};

    bool operator==(const BackoffRange&) const = default;
};

// "1s..60s" (initial > 0, initial <= maximum) or "off" (nullopt).
ConfigResult<std::optional<BackoffRange>> parse_backoff(std::string_view text);
std::string format_backoff(const std::optional<BackoffRange>& backoff);

}  // namespace moatmq::config
