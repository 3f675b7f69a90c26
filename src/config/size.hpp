#pragma once
// Sizes in the configuration: an integer number of bytes, or a string "512", "64KiB", "1MiB", "1GiB".
// Binary units only (KiB = 1024 bytes); "1MB" is refused rather than guessed.
#include <cstdint>
#include <string>
#include <string_view>

#include "config/config_error.hpp"

namespace moatmq::config {

ConfigResult<std::uint64_t> parse_size(std::string_view text);

// The largest exact unit: 1048576 -> "1MiB", 1000 -> "1000".
std::string format_size(std::uint64_t bytes);

}  // namespace moatmq::config
