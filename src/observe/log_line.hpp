#pragma once
// format_log_line: one log record as one line of text or JSON, without the trailing newline. Pure, so that
// the exact output is unit-tested; log.cpp hands the result to spdlog, which owns the sink and its locking.
//
// Text: "2026-11-25T04:36:02.123Z info message key=value key=\"two words\"". Control characters in the
// message and in values are escaped (\n, \t, \xHH), so a hostile client id cannot start a line of its own.
// JSON: {"time":"...","level":"info","msg":"...",<fields>}; a field named time, level or msg becomes _time
// etc.
#include <chrono>
#include <string>
#include <string_view>

#include "observe/log.hpp"

namespace moatmq::observe {

std::string format_log_line(LogFormat format, LogLevel level, std::chrono::system_clock::time_point time,
                            std::string_view message, Fields fields);

// {"time":"...","event":"<event>",<fields>}: one line of the audit log. Same field rules as JSON log lines.
std::string format_audit_line(std::chrono::system_clock::time_point time, std::string_view event,
                              Fields fields);

// "2026-11-25T04:36:02.123Z": UTC, milliseconds.
std::string format_log_time(std::chrono::system_clock::time_point time);

}  // namespace moatmq::observe
