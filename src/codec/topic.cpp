#include "codec/topic.hpp"

#include "codec/codec_error.hpp"
#include "codec/utf8.hpp"

namespace moatmq::codec {
namespace {

constexpr std::string_view kSharePrefix = "$share/";

// A non-shared filter whose characters are already known to be valid UTF-8.
bool well_formed_filter(std::string_view filter) noexcept
{
    if (filter.empty()) return false;  // [MQTT-4.7.3-1]
    std::size_t start = 0;
    for (;;) {
        const std::size_t end = filter.find('/', start);
        const bool last = end == std::string_view::npos;
        const std::string_view level = filter.substr(start, last ? std::string_view::npos : end - start);
        // '#' alone, as the last level [MQTT-4.7.1-1]; '+' alone in its level [MQTT-4.7.1-2].
        if (level.find('#') != std::string_view::npos && (level.size() != 1 || !last)) return false;
        if (level.find('+') != std::string_view::npos && level.size() != 1) return false;
        if (last) return true;
        start = end + 1;
    }
}

}  // namespace

error_code validate_topic_name(std::string_view topic) noexcept
{
    if (topic.empty() || topic.size() > kMaxTopicLength)
        return CodecError::topic_name_invalid;  // [MQTT-4.7.3-1]
    if (const CodecError e = detail::check_topic_name_chars(topic); e != CodecError{}) return e;
    return {};
}

error_code validate_topic_filter(std::string_view filter) noexcept
{
    if (filter.empty() || filter.size() > kMaxTopicLength) return CodecError::topic_filter_invalid;
    if (const CodecError e = detail::check_utf8(filter); e != CodecError{}) return e;
    auto shared = parse_shared_filter(filter);
    if (!shared) return shared.error();
    const std::string_view proper = *shared ? (*shared)->filter : filter;
    if (!well_formed_filter(proper)) return CodecError::topic_filter_invalid;
    return {};
}

Result<std::optional<SharedFilter>> parse_shared_filter(std::string_view filter) noexcept
{
    if (!filter.starts_with(kSharePrefix)) return std::optional<SharedFilter>{};
    const std::string_view rest = filter.substr(kSharePrefix.size());
    const std::size_t slash = rest.find('/');
    // "$share/group" without a filter, or an empty ShareName [MQTT-4.8.2-1].
    if (slash == std::string_view::npos || slash == 0) return CodecError::shared_subscription_invalid;
    const std::string_view group = rest.substr(0, slash);
    // The ShareName MUST NOT contain '/', '+' or '#' [MQTT-4.8.2-2] ('/' ends it by construction).
    if (group.find_first_of("+#") != std::string_view::npos) return CodecError::shared_subscription_invalid;
    const std::string_view proper = rest.substr(slash + 1);
    if (proper.empty()) return CodecError::shared_subscription_invalid;
    return std::optional<SharedFilter>{SharedFilter{group, proper}};
}

bool topic_matches(std::string_view filter, std::string_view topic) noexcept
{
    // Wildcards at the first level do not match topics starting with '$' [MQTT-4.7.2-1].
    if (!topic.empty() && topic.front() == '$' && !filter.empty() &&
        (filter.front() == '+' || filter.front() == '#'))
        return false;
    std::size_t fpos = 0;
    std::size_t tpos = 0;
    for (;;) {
        const std::size_t fend = filter.find('/', fpos);
        const std::size_t tend = topic.find('/', tpos);
        const std::string_view f =
            filter.substr(fpos, fend == std::string_view::npos ? std::string_view::npos : fend - fpos);
        if (f == "#") return true;  // the rest, however many levels (zero included)
        const std::string_view t =
            topic.substr(tpos, tend == std::string_view::npos ? std::string_view::npos : tend - tpos);
        if (f != "+" && f != t) return false;
        const bool filter_last = fend == std::string_view::npos;
        const bool topic_last = tend == std::string_view::npos;
        if (filter_last && topic_last) return true;
        // "sport/#" matches "sport": '#' also matches the parent level [MQTT-4.7.1-2].
        if (topic_last) return filter.substr(fend + 1) == "#";
        if (filter_last) return false;
        fpos = fend + 1;
        tpos = tend + 1;
    }
}

}  // namespace moatmq::codec
