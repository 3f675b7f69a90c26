#include "config/duration.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <limits>

namespace moatmq::config {
namespace {

struct Unit {
    std::string_view suffix;
    std::int64_t millis;
};
// Largest first, for format_duration. "ms" must be tried before "m" and "s" when parsing (see
// parse_duration).
constexpr std::array<Unit, 5> kUnits{
    {{"d", 86'400'000}, {"h", 3'600'000}, {"m", 60'000}, {"s", 1000}, {"ms", 1}}};

ConfigError bad_duration(std::string_view text)
{
    return ConfigError::without_position(
        "invalid duration \"" + std::string(text) +
        "\": expected a number and a unit, like \"500ms\", \"10s\", \"10m\", \"1h\", "
        "\"7d\"");
}

}  // namespace

ConfigResult<std::chrono::milliseconds> parse_duration(std::string_view text)
{
    std::size_t digits = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9')
        ++digits;
    if (digits == 0 || digits > 15) return bad_duration(text);
    const std::string_view suffix = text.substr(digits);
    const Unit* unit = nullptr;
    for (const auto& candidate : kUnits) {
        if (suffix == candidate.suffix) unit = &candidate;
    }
    if (unit == nullptr) return bad_duration(text);
    std::int64_t number = 0;
    std::from_chars(text.data(), text.data() + digits, number);  // at most 15 digits: cannot overflow
    if (number > std::numeric_limits<std::int64_t>::max() / unit->millis) {
        return ConfigError::without_position("duration \"" + std::string(text) + "\" is too long");
    }
    return std::chrono::milliseconds{number * unit->millis};
}

std::string format_duration(std::chrono::milliseconds duration)
{
    const std::int64_t ms = duration.count();
    if (ms == 0) return "0s";
    for (const auto& unit : kUnits) {
        if (ms % unit.millis == 0) return std::to_string(ms / unit.millis) + std::string(unit.suffix);
    }
    return std::to_string(ms) + "ms";  // not reached: every count is a whole number of milliseconds
}

ConfigResult<std::optional<BackoffRange>> parse_backoff(std::string_view text)
{
    if (text == "off") return std::optional<BackoffRange>{};
    const auto dots = text.find("..");
    if (dots == std::string_view::npos) {
        return ConfigError::without_position("invalid backoff \"" + std::string(text) +
                                             "\": expected a range like \"1s..60s\", or \"off\"");
    }
    auto initial = parse_duration(text.substr(0, dots));
    if (!initial) return initial.error();
    auto maximum = parse_duration(text.substr(dots + 2));
    if (!maximum) return maximum.error();
    if (initial->count() <= 0) {
        return ConfigError::without_position(
            "invalid backoff \"" + std::string(text) +
            "\": the first delay must be above zero (use \"off\" to disable)");
    }
    if (*initial > *maximum) {
        return ConfigError::without_position("invalid backoff \"" + std::string(text) +
                                             "\": the first delay is longer than the maximum");
    }
    return std::optional<BackoffRange>{BackoffRange{*initial, *maximum}};
}

std::string format_backoff(const std::optional<BackoffRange>& backoff)
{
    if (!backoff) return "off";
    return format_duration(backoff->initial) + ".." + format_duration(backoff->maximum);
}

}  // namespace moatmq::config
