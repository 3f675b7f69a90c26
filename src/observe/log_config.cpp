#include "observe/log_config.hpp"

namespace moatmq::observe {

std::string_view to_string(LogLevel level)
{
    switch (level) {
        case LogLevel::trace:
            return "trace";
        case LogLevel::debug:
            return "debug";
        case LogLevel::info:
            return "info";
        case LogLevel::warn:
            return "warn";
        case LogLevel::error:
            return "error";
    }
    return "?";
}

std::string_view to_string(LogFormat format)
{
    switch (format) {
        case LogFormat::text:
            return "text";
        case LogFormat::json:
            return "json";
    }
    return "?";
}

}  // namespace moatmq::observe
