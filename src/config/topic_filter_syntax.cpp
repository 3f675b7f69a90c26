#include "config/topic_filter_syntax.hpp"

namespace moatmq::config {

std::optional<std::string> topic_filter_syntax_error(std::string_view filter)
{
    if (filter.empty()) return "a topic filter must not be empty [MQTT-4.7.3-1]";
    if (filter.size() > 65535) return "a topic filter is at most 65535 bytes";
    if (filter.find('\0') != std::string_view::npos)
        return "a topic filter must not contain NUL [MQTT-4.7.3-2]";
    std::size_t level_start = 0;
    for (;;) {
        const std::size_t slash = filter.find('/', level_start);
        const std::string_view level = filter.substr(
            level_start, slash == std::string_view::npos ? std::string_view::npos : slash - level_start);
        if (level.find('#') != std::string_view::npos) {
            if (level != "#" || slash != std::string_view::npos) {
                return "'#' must be a whole level and the last one [MQTT-4.7.1-1]";
            }
        }
        if (level.find('+') != std::string_view::npos && level != "+") {
            return "'+' must be a whole level [MQTT-4.7.1-2]";
        }
        if (slash == std::string_view::npos) break;
        level_start = slash + 1;
    }
    return std::nullopt;
}

}  // namespace moatmq::config
