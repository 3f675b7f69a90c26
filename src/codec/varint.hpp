#pragma once
// The Variable Byte Integer of §1.5.5: 7 bits per byte, least significant group first, the top bit
// saying "more follows". At most four bytes (268,435,455), and the encoding MUST be minimal
// [MQTT-1.5.5-1], so 0x80 0x00 (a long way of writing 0) is malformed.
#include <cstddef>
#include <cstdint>

namespace moatmq::codec::detail {

enum class VarintStatus : std::uint8_t { ok, need_more, invalid };

struct VarintRead {
    std::uint32_t value;
    std::uint8_t size;  // bytes used, when ok
    VarintStatus status;
};

inline VarintRead read_varint(const std::byte* data, std::size_t available) noexcept
{
    std::uint32_t value = 0;
    for (std::uint8_t i = 0; i < 4; ++i) {
        if (i == available) return {0, 0, VarintStatus::need_more};
        const auto byte = static_cast<std::uint8_t>(data[i]);
        value |= std::uint32_t{byte & 0x7Fu} << (7 * i);
        if ((byte & 0x80u) == 0) {
            // A final byte of 0 after a continuation adds nothing: a non-minimal encoding.
            if (byte == 0 && i > 0) return {0, 0, VarintStatus::invalid};
            return {value, static_cast<std::uint8_t>(i + 1), VarintStatus::ok};
        }
    }
    return {0, 0, VarintStatus::invalid};  // a fifth byte would be needed [MQTT-1.5.5]
}

constexpr std::size_t varint_size(std::uint32_t value) noexcept
{
    return value < 128u ? 1 : value < 16'384u ? 2 : value < 2'097'152u ? 3 : 4;
}

// Writes `value` (at most kMaxVarInt) at `out`; returns the bytes written.
inline std::size_t write_varint(std::byte* out, std::uint32_t value) noexcept
{
    std::size_t n = 0;
    do {
        auto byte = static_cast<std::uint8_t>(value & 0x7Fu);
        value >>= 7;
        if (value != 0) byte = static_cast<std::uint8_t>(byte | 0x80u);
        out[n++] = std::byte{byte};
    } while (value != 0);
    return n;
}

}  // namespace moatmq::codec::detail
