#pragma once
// Topic names, topic filters and shared subscriptions (spec §4.7, §4.8).
#include <optional>
#include <string_view>

#include "common/result.hpp"

namespace moatmq::codec {

inline constexpr std::size_t kMaxTopicLength = 65'535;

// A topic name: a valid MQTT UTF-8 string, at least one character, no '+' or '#' [MQTT-4.7.3-1]
// [MQTT-4.7.0-1]. Returns CodecError::topic_name_invalid, invalid_utf8 or null_character.
error_code validate_topic_name(std::string_view topic) noexcept;

// A topic filter: '#' only as the whole last level, '+' only as a whole level [MQTT-4.7.1-1..2]. A
// "$share/..." filter is validated as a shared subscription.
error_code validate_topic_filter(std::string_view filter) noexcept;

struct SharedFilter {
    std::string_view group;   // non-empty, no '/', '+' or '#'
    std::string_view filter;  // the topic filter proper
};

// For "$share/{group}/{filter}" the parts; std::nullopt for an ordinary filter; an error
// (shared_subscription_invalid) for a malformed shared filter [MQTT-4.8.2-1..2].
Result<std::optional<SharedFilter>> parse_shared_filter(std::string_view filter) noexcept;

// Whether `topic` (a valid name) matches `filter` (a valid, non-shared filter). A filter starting with
// a wildcard does not match a topic starting with '$' [MQTT-4.7.2-1]. Simple and obviously right: the
// reference the subscription trie is tested against.
bool topic_matches(std::string_view filter, std::string_view topic) noexcept;

}  // namespace moatmq::codec
