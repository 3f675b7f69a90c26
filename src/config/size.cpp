#include "config/size.hpp"

#include <array>
#include <charconv>
#include <limits>
#include <utility>

namespace moatmq::config {
namespace {

struct Unit {
    std::string_view suffix;
    std::uint64_t factor;
};
// Largest first, for format_size.
constexpr std::array<Unit, 3> kUnits{{{"GiB", 1ULL << 30}, {"MiB", 1ULL << 20}, {"KiB", 1ULL << 10}}};

ConfigError bad_size(std::string_view text)
{
    return ConfigError::without_position(
        "invalid size \"" + std::string(text) +
        "\": expected bytes as an integer, or a string like \"512\", \"64KiB\", "
        "\"1MiB\", \"1GiB\"");
}

}  // namespace

ConfigResult<std::uint64_t> parse_size(std::string_view text)
{
    std::uint64_t factor = 1;
    std::string_view digits = text;
    for (const auto& unit : kUnits) {
        if (digits.ends_with(unit.suffix)) {
            factor = unit.factor;
            digits.remove_suffix(unit.suffix.size());
            break;
        }
    }
    if (digits.empty() || digits.size() > 20) return bad_size(text);
    for (char c : digits) {
        if (c < '0' || c > '9') return bad_size(text);
    }
    std::uint64_t number = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
    if (ec != std::errc{} || end != digits.data() + digits.size()) return bad_size(text);
    if (number > std::numeric_limits<std::uint64_t>::max() / factor) {
        return ConfigError::without_position("size \"" + std::string(text) + "\" is too large");
    }
    return number * factor;
}

std::string format_size(std::uint64_t bytes)
{
    if (bytes != 0) {
        for (const auto& unit : kUnits) {
            if (bytes % unit.factor == 0)
                return std::to_string(bytes / unit.factor) + std::string(unit.suffix);
        }
    }
    return std::to_string(bytes);
}

}  // namespace moatmq::config
