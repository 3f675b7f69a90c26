#include "config/config_error.hpp"

#include <stdexcept>

namespace moatmq::config {

std::string ConfigError::to_string() const
{
    if (file.empty()) return message;
    if (line == 0) return file + ": " + message;
    return file + ":" + std::to_string(line) + ": " + message;
}

void throw_exception_from_error(const ConfigError& error, const boost::source_location&)
{
    throw std::runtime_error(error.to_string());
}

}  // namespace moatmq::config
