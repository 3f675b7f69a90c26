#pragma once
// Internal to moatmq_config: the syntax rules of an MQTT topic filter, for [policy].encrypted_topics.
// (The codec owns the full validation of filters on the wire; this only keeps a malformed filter out of a
// config.)
#include <optional>
#include <string>
#include <string_view>

namespace moatmq::config {

// nullopt when `filter` is a well-formed topic filter, otherwise why not.
std::optional<std::string> topic_filter_syntax_error(std::string_view filter);

}  // namespace moatmq::config
