#pragma once
// LogConfig: the [log] table of the configuration (DESIGN.md §5), as a plain value.
// It lives in observe (not config) so that tools which log without a configuration file can build one.
#include <filesystem>
#include <optional>
#include <string_view>

namespace moatmq::observe {

enum class LogLevel { trace, debug, info, warn, error };
enum class LogFormat { text, json };

struct LogConfig {
    LogLevel level = LogLevel::info;
    LogFormat format = LogFormat::text;
    // JSON lines, one per authentication and authorisation decision. Absolute once loaded; unset = no audit
    // log.
    std::optional<std::filesystem::path> audit_file;

    bool operator==(const LogConfig&) const = default;
};

// "trace", "debug", "info", "warn", "error" / "text", "json": the words of the configuration file.
std::string_view to_string(LogLevel level);
std::string_view to_string(LogFormat format);

}  // namespace moatmq::observe
