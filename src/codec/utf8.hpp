#pragma once
// MQTT's UTF-8 Encoded String rules (§1.5.4): well-formed UTF-8 as RFC 3629 defines it (no overlong
// forms, no surrogates U+D800..U+DFFF, nothing above U+10FFFF) [MQTT-1.5.4-1], and no U+0000
// [MQTT-1.5.4-2]. The control characters and non-characters the spec says SHOULD NOT appear are
// accepted: a receiver MAY close for them, and we choose not to.
#include <string_view>

#include "codec/codec_error.hpp"

namespace moatmq::codec::detail {

// CodecError{} (no error), invalid_utf8 or null_character.
CodecError check_utf8(std::string_view text) noexcept;

// The same rules plus a topic name's: no '+' or '#' [MQTT-3.3.2-2]. Emptiness is the caller's business
// (allowed in a 5.0 PUBLISH that carries a Topic Alias). One pass: this is on every PUBLISH.
CodecError check_topic_name_chars(std::string_view text) noexcept;

}  // namespace moatmq::codec::detail
