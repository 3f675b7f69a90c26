#include "codec/utf8.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace moatmq::codec::detail {
namespace {

// Validates one multi-byte sequence starting at p[i] (p[i] >= 0x80); returns its length, or 0 when
// ill-formed. The lead-byte ranges exclude overlong 2-byte forms (C0, C1) and code points above
// U+10FFFF (F5..FF); the decoded value excludes overlong 3/4-byte forms and surrogates.
std::size_t sequence_length(const unsigned char* p, std::size_t i, std::size_t n) noexcept
{
    const unsigned lead = p[i];
    std::size_t length = 0;
    std::uint32_t cp = 0;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
        cp = lead & 0x1Fu;
    } else if ((lead & 0xF0u) == 0xE0u) {
        length = 3;
        cp = lead & 0x0Fu;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        cp = lead & 0x07u;
    } else {
        return 0;
    }
    if (n - i < length) return 0;
    for (std::size_t k = 1; k < length; ++k) {
        const unsigned byte = p[i + k];
        if ((byte & 0xC0u) != 0x80u) return 0;
        cp = (cp << 6) | (byte & 0x3Fu);
    }
    if (length == 3 && (cp < 0x800u || (cp >= 0xD800u && cp <= 0xDFFFu))) return 0;  // [MQTT-1.5.4-1]
    if (length == 4 && (cp < 0x10000u || cp > 0x10FFFFu)) return 0;
    return length;
}

constexpr std::uint64_t kOnes = 0x0101010101010101ull;
constexpr std::uint64_t kHigh = 0x8080808080808080ull;
constexpr std::uint64_t kPlus = kOnes * '+';
constexpr std::uint64_t kHash = kOnes * '#';

// Non-zero when some byte of `word` is 0 (the classic SWAR test; exact for the lowest such byte,
// which is all a yes/no needs).
constexpr std::uint64_t has_zero_byte(std::uint64_t word) noexcept
{
    return (word - kOnes) & ~word & kHigh;
}

template <bool TopicName>
CodecError check(std::string_view text) noexcept
{
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    std::size_t i = 0;
    while (i < n) {
        // Eight bytes at a time while they are plain ASCII without NUL (or '+' and '#' for topic
        // names); any doubtful word falls through to the byte-by-byte checks below.
        while (n - i >= 8) {
            std::uint64_t word;
            std::memcpy(&word, p + i, 8);
            std::uint64_t doubtful = (word & kHigh) | has_zero_byte(word);
            if constexpr (TopicName) doubtful |= has_zero_byte(word ^ kPlus) | has_zero_byte(word ^ kHash);
            if (doubtful != 0) break;
            i += 8;
        }
        // The last 1..7 bytes: one overlapping word ending at n, when the string is long enough.
        if (i < n && n >= 8 && n - i < 8) {
            std::uint64_t word;
            std::memcpy(&word, p + n - 8, 8);
            std::uint64_t doubtful = (word & kHigh) | has_zero_byte(word);
            if constexpr (TopicName) doubtful |= has_zero_byte(word ^ kPlus) | has_zero_byte(word ^ kHash);
            if (doubtful == 0) break;
        }
        if (i == n) break;
        const unsigned c = p[i];
        if (c < 0x80u) {
            if (c == 0) return CodecError::null_character;  // [MQTT-1.5.4-2]
            if constexpr (TopicName) {
                if (c == '+' || c == '#') return CodecError::topic_name_invalid;  // [MQTT-3.3.2-2]
            }
            ++i;
            continue;
        }
        const std::size_t length = sequence_length(p, i, n);
        if (length == 0) return CodecError::invalid_utf8;
        i += length;
    }
    return CodecError{};
}

}  // namespace

CodecError check_utf8(std::string_view text) noexcept
{
    return check<false>(text);
}

CodecError check_topic_name_chars(std::string_view text) noexcept
{
    return check<true>(text);
}

}  // namespace moatmq::codec::detail
