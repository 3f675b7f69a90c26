#pragma once
// Loading a configuration: TOML text -> validated Config, or the first error as "FILE:LINE: message".
// Never throws for bad input (a broken file is the normal case for a parser); reads the file, nothing else.
#include <filesystem>
#include <string_view>

#include "config/config.hpp"
#include "config/config_error.hpp"

namespace moatmq::config {

// Reads and validates `file`. Relative paths inside are resolved against the file's directory. Errors name
// the file as given here. Files larger than 4 MiB are refused.
ConfigResult<Config> load_config_file(const std::filesystem::path& file);

// Validates `text`; errors are reported as `source_name:LINE: ...`; relative paths are resolved against
// `base_dir` (made absolute against the current directory).
ConfigResult<Config> load_config_string(std::string_view text, std::string_view source_name,
                                        const std::filesystem::path& base_dir);

}  // namespace moatmq::config
