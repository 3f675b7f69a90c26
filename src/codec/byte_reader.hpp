#pragma once
// A bounds-checked cursor over one packet's bytes. Every read checks the remaining length first and
// records why it failed, so decoders read as straight-line code: `if (!r.read_u16(id)) return false;`.
// Views returned by read_binary/read_string point into the input: copy them before the input goes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "codec/codec_error.hpp"
#include "codec/utf8.hpp"
#include "codec/varint.hpp"
#include "common/bytes.hpp"

namespace moatmq::codec::detail {

inline constexpr CodecError kNoError{};

class ByteReader {
public:
    explicit ByteReader(ByteView data) noexcept : pos_(data.data()), end_(data.data() + data.size()) {}

    std::size_t remaining() const noexcept { return static_cast<std::size_t>(end_ - pos_); }
    bool empty() const noexcept { return pos_ == end_; }
    CodecError error() const noexcept { return error_; }

    bool fail(CodecError e) noexcept
    {
        error_ = e;
        return false;
    }

    bool read_u8(std::uint8_t& out) noexcept
    {
        if (pos_ == end_) return fail(CodecError::truncated);
        out = static_cast<std::uint8_t>(*pos_++);
        return true;
    }

    bool read_u16(std::uint16_t& out) noexcept
    {
        if (remaining() < 2) return fail(CodecError::truncated);
        out = static_cast<std::uint16_t>((static_cast<unsigned>(pos_[0]) << 8) |
                                         static_cast<unsigned>(pos_[1]));
        pos_ += 2;
        return true;
    }

    bool read_u32(std::uint32_t& out) noexcept
    {
        if (remaining() < 4) return fail(CodecError::truncated);
        out = (std::uint32_t{static_cast<std::uint8_t>(pos_[0])} << 24) |
              (std::uint32_t{static_cast<std::uint8_t>(pos_[1])} << 16) |
              (std::uint32_t{static_cast<std::uint8_t>(pos_[2])} << 8) |
              std::uint32_t{static_cast<std::uint8_t>(pos_[3])};
        pos_ += 4;
        return true;
    }

    bool read_varint(std::uint32_t& out) noexcept
    {
        const VarintRead v = detail::read_varint(pos_, remaining());
        if (v.status == VarintStatus::need_more) return fail(CodecError::truncated);
        if (v.status == VarintStatus::invalid) return fail(CodecError::remaining_length_invalid);
        out = v.value;
        pos_ += v.size;
        return true;
    }

    // Binary Data (§1.5.6): a two-byte length, then that many bytes.
    bool read_binary(ByteView& out) noexcept
    {
        std::uint16_t length = 0;
        if (!read_u16(length)) return false;
        return take(length, out);
    }

    // UTF-8 Encoded String (§1.5.4), validated.
    bool read_string(std::string_view& out) noexcept
    {
        if (!read_raw_string(out)) return false;
        if (const CodecError e = check_utf8(out); e != kNoError) return fail(e);
        return true;
    }

    // The bytes of a UTF-8 Encoded String without validating them (the caller validates).
    bool read_raw_string(std::string_view& out) noexcept
    {
        ByteView bytes;
        if (!read_binary(bytes)) return false;
        out = as_chars(bytes);
        return true;
    }

    bool take(std::size_t n, ByteView& out) noexcept
    {
        if (remaining() < n) return fail(CodecError::truncated);
        out = ByteView{pos_, n};
        pos_ += n;
        return true;
    }

    ByteView rest() noexcept
    {
        ByteView out{pos_, remaining()};
        pos_ = end_;
        return out;
    }

private:
    const std::byte* pos_;
    const std::byte* end_;
    CodecError error_ = kNoError;
};

}  // namespace moatmq::codec::detail
