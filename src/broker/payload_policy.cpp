#include "broker/payload_policy.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "codec/topic.hpp"

namespace moatmq::broker {

PayloadPolicy::PayloadPolicy(std::vector<std::string> encrypted_topics, Predicate acceptable)
    : filters_(std::move(encrypted_topics)), acceptable_(std::move(acceptable))
{
    for (const auto& filter : filters_) {
        if (codec::validate_topic_filter(filter)) {
            throw std::invalid_argument("[policy].encrypted_topics: invalid topic filter \"" + filter + "\"");
        }
    }
}

bool PayloadPolicy::covers(std::string_view topic) const noexcept
{
    return std::any_of(filters_.begin(), filters_.end(),
                       [topic](const std::string& filter) { return codec::topic_matches(filter, topic); });
}

bool PayloadPolicy::refuses(std::string_view topic, ByteView payload, bool retain) const
{
    if (filters_.empty() || !covers(topic)) return false;
    if (retain && payload.empty()) return false;  // deletes a retained message [MQTT-3.3.1-6]
    return !acceptable_ || !acceptable_(payload);
}

}  // namespace moatmq::broker
