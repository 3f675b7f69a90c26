#pragma once
// ConfigError: what went wrong in a configuration, and where. Printed as "FILE:LINE: message", the form
// editors and CI logs link to. ConfigResult<T> is the return type of every loading and value-parsing
// function.
#include <cstdint>
#include <string>
#include <utility>

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>

namespace moatmq::config {

struct ConfigError {
    std::string file;        // as the user named it; "<embedded default>" for the built-in configuration
    std::uint32_t line = 0;  // 1-based; 0 when the error has no position (file missing, value parsers)
    std::uint32_t column = 0;
    std::string message;

    // An error with a message and no position yet (value parsers; the loader adds file and line).
    static ConfigError without_position(std::string text)
    {
        ConfigError error;
        error.message = std::move(text);
        return error;
    }

    // "FILE:LINE: message", or "FILE: message" without a line, or just the message without a file.
    std::string to_string() const;

    bool operator==(const ConfigError&) const = default;
};

template <class T>
using ConfigResult = boost::system::result<T, ConfigError>;

// Lets ConfigResult<T>::value() throw (std::runtime_error with to_string()); meant for main() and tests only.
[[noreturn]] void throw_exception_from_error(const ConfigError& error, const boost::source_location& where);

}  // namespace moatmq::config
