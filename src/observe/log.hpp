#pragma once
// The logging API of moatmq: cheap to include (fmt's core header only, no spdlog).
//
//   observe::init_logging(config.log);                                   // once, in main
//   log::info("listener {} ready on {}", name, address);                 // fmt format string
//   log::info("connection closed", {{"client_id", id}, {"reason", "keep alive timeout"}});  // structured
//
// Text lines:  2026-11-25T04:36:02.123Z info connection closed client_id=dev-1 reason="keep alive timeout"
// JSON lines:  {"time":"2026-11-25T04:36:02.123Z","level":"info","msg":"connection
// closed","client_id":"dev-1",...}
//
// What is never logged: passwords, keys, tokens and message payloads. There is deliberately no overload for
// byte spans; pass lengths instead. Client-controlled strings (client ids, usernames, topics) are safe to
// pass: control characters are escaped, so a client id cannot forge a log line.
//
// Thread-safe; may be called before init_logging (then: text, info, stderr).
#include <atomic>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include <fmt/core.h>

#include "observe/log_config.hpp"

namespace moatmq::observe {

// Configures the process-wide logger: format and level from `config`, lines to stderr.
void init_logging(const LogConfig& config);
// The same, writing to `out` (tests). `out` must outlive every later log call or the next init_logging.
void init_logging(const LogConfig& config, std::ostream& out);
// Changes only the level (SIGHUP reload).
void set_log_level(LogLevel level);
// Writes buffered lines (before exit).
void flush_logs();

// One structured field of a log line: a key and a string, integer, floating-point or boolean value.
// The key should be a literal in snake_case. The value is viewed, not copied: a Field lives for one call.
class Field {
public:
    using Value = std::variant<std::string_view, std::int64_t, std::uint64_t, double, bool>;

    Field(std::string_view name, std::string_view v) : key_(name), value_(v) {}
    Field(std::string_view name, const char* v) : key_(name), value_(std::string_view{v}) {}
    Field(std::string_view name, const std::string& v) : key_(name), value_(std::string_view{v}) {}
    template <std::signed_integral I>
    Field(std::string_view name, I v) : key_(name), value_(static_cast<std::int64_t>(v))
    {
    }
    template <std::unsigned_integral I>
    requires(!std::same_as<I, bool>) Field(std::string_view name, I v)
        : key_(name), value_(static_cast<std::uint64_t>(v))
    {
    }
    Field(std::string_view name, bool v) : key_(name), value_(v) {}
    Field(std::string_view name, double v) : key_(name), value_(v) {}
    // Payloads and key material are never logged: log a length instead.
    Field(std::string_view name, std::span<const std::byte> bytes) = delete;

    std::string_view key() const { return key_; }
    const Value& value() const { return value_; }

private:
    std::string_view key_;
    Value value_;
};

using Fields = std::initializer_list<Field>;

namespace detail {
inline std::atomic<LogLevel> g_level{LogLevel::info};
inline bool enabled(LogLevel level)
{
    return level >= g_level.load(std::memory_order_relaxed);
}
void write(LogLevel level, std::string_view message, Fields fields);
}  // namespace detail

// Formats and writes one line when `level` is enabled (arguments are not formatted otherwise).
template <class... Args>
void write(LogLevel level, fmt::format_string<Args...> format, Args&&... args)
{
    if (!detail::enabled(level)) return;
    detail::write(level, fmt::vformat(format, fmt::make_format_args(args...)), {});
}
inline void write(LogLevel level, std::string_view message, Fields fields)
{
    if (detail::enabled(level)) detail::write(level, message, fields);
}

}  // namespace moatmq::observe

namespace moatmq::log {

using observe::Field;
using observe::Fields;
using observe::LogLevel;

template <class... Args>
void trace(fmt::format_string<Args...> format, Args&&... args)
{
    observe::write(LogLevel::trace, format, std::forward<Args>(args)...);
}
template <class... Args>
void debug(fmt::format_string<Args...> format, Args&&... args)
{
    observe::write(LogLevel::debug, format, std::forward<Args>(args)...);
}
template <class... Args>
void info(fmt::format_string<Args...> format, Args&&... args)
{
    observe::write(LogLevel::info, format, std::forward<Args>(args)...);
}
template <class... Args>
void warn(fmt::format_string<Args...> format, Args&&... args)
{
    observe::write(LogLevel::warn, format, std::forward<Args>(args)...);
}
template <class... Args>
void error(fmt::format_string<Args...> format, Args&&... args)
{
    observe::write(LogLevel::error, format, std::forward<Args>(args)...);
}

inline void trace(std::string_view message, Fields fields)
{
    observe::write(LogLevel::trace, message, fields);
}
inline void debug(std::string_view message, Fields fields)
{
    observe::write(LogLevel::debug, message, fields);
}
inline void info(std::string_view message, Fields fields)
{
    observe::write(LogLevel::info, message, fields);
}
inline void warn(std::string_view message, Fields fields)
{
    observe::write(LogLevel::warn, message, fields);
}
inline void error(std::string_view message, Fields fields)
{
    observe::write(LogLevel::error, message, fields);
}

}  // namespace moatmq::log
