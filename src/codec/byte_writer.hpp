#pragma once
// Writes into memory the encoder has already sized exactly: no bounds checks, no reallocation. The
// encoder computes every length first (it must, to write the Remaining Length), so overrunning here
// is a bug, caught by the round-trip tests and the fuzzer under ASan.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "codec/varint.hpp"
#include "common/bytes.hpp"

namespace moatmq::codec::detail {

class ByteWriter {
public:
    explicit ByteWriter(std::byte* out) noexcept : pos_(out) {}

    std::byte* position() const noexcept { return pos_; }

    void u8(std::uint8_t v) noexcept { *pos_++ = std::byte{v}; }
    void u16(std::uint16_t v) noexcept
    {
        pos_[0] = std::byte{static_cast<std::uint8_t>(v >> 8)};
        pos_[1] = std::byte{static_cast<std::uint8_t>(v)};
        pos_ += 2;
    }
    void u32(std::uint32_t v) noexcept
    {
        pos_[0] = std::byte{static_cast<std::uint8_t>(v >> 24)};
        pos_[1] = std::byte{static_cast<std::uint8_t>(v >> 16)};
        pos_[2] = std::byte{static_cast<std::uint8_t>(v >> 8)};
        pos_[3] = std::byte{static_cast<std::uint8_t>(v)};
        pos_ += 4;
    }
    void varint(std::uint32_t v) noexcept { pos_ += write_varint(pos_, v); }
    void raw(const void* data, std::size_t n) noexcept
    {
        if (n != 0) std::memcpy(pos_, data, n);
        pos_ += n;
    }
    void raw(ByteView bytes) noexcept { raw(bytes.data(), bytes.size()); }
    // Lengths were checked (<= 65,535) by the size pass.
    void string(std::string_view s) noexcept
    {
        u16(static_cast<std::uint16_t>(s.size()));
        raw(s.data(), s.size());
    }
    void binary(ByteView b) noexcept
    {
        u16(static_cast<std::uint16_t>(b.size()));
        raw(b);
    }

private:
    std::byte* pos_;
};

}  // namespace moatmq::codec::detail
