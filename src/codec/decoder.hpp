#pragma once
// Decoding bytes into packets. Pure: no I/O, no broker types. Hostile input is the normal case, so every
// length is checked against the input and the limits before anything is allocated for it.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <variant>

#include "codec/codec_error.hpp"
#include "codec/packet.hpp"
#include "codec/protocol.hpp"
#include "common/bytes.hpp"
#include "common/result.hpp"

namespace moatmq::codec {

struct DecodeOptions {
    // The version negotiated by CONNECT. Ignored when decoding CONNECT itself, which names its own.
    ProtocolVersion version = ProtocolVersion::v5;
    Sender sender = Sender::client;
    // Largest whole packet (fixed header included) accepted; larger ones fail with packet_too_large as
    // soon as the fixed header is complete.
    std::uint32_t max_packet_size = kMaxRemainingLength + 5;
};

struct FixedHeader {
    PacketType type;
    std::uint8_t flags;  // low nibble of the first byte
    std::uint32_t remaining_length;
    std::uint8_t header_size;  // 2..5 bytes
    std::size_t packet_size() const noexcept { return header_size + std::size_t{remaining_length}; }
};

// The fixed header at the start of `input`: CodecError::need_more if incomplete; an error if the type
// is reserved, the flags are wrong for the type, the length is malformed or over max_packet_size.
Result<FixedHeader> decode_fixed_header(ByteView input, const DecodeOptions& options);

struct Decoded {
    Packet packet;
    std::size_t consumed = 0;  // bytes of `input` that made up the packet

    Decoded(Packet p, std::size_t size) : packet(std::move(p)), consumed(size) {}
    // Starts a packet of type P in place: decode() fills it where it will be returned from, instead of
    // moving a packet (and its ~27 properties) into the result.
    template <class P>
    Decoded(std::in_place_type_t<P> type, std::size_t size)
        : packet(type, DefaultInitialized<P>{}), consumed(size)
    {
    }

private:
    // `P()` would value-initialise, zero-filling all of P (hundreds of bytes of Properties) before
    // running the member initialisers; converting from this instead default-initialises P in place
    // (the conversion's result is elided into the variant).
    template <class P>
    struct DefaultInitialized {
        operator P() const
        {
            P p;
            return p;
        }
    };
};

// Decodes the first packet of `input`. CodecError::need_more when `input` holds only part of it.
Result<Decoded> decode(ByteView input, const DecodeOptions& options);

// The protocol level of a CONNECT at the start of `input`, read leniently so that a server can choose
// the form of its CONNACK even when the rest of the CONNECT is malformed.
std::optional<ProtocolVersion> peek_connect_version(ByteView input) noexcept;

// Streaming decoder for one connection: bytes arrive in any split (one byte at a time included) and
// whole packets come out. It buffers at most one partial packet, and never more than max_packet_size
// of it: an oversize packet is refused from its fixed header.
class StreamDecoder {
public:
    explicit StreamDecoder(DecodeOptions options = {}) : options_(options) {}

    // After CONNECT: the negotiated version, and for 5.0 the server's Maximum Packet Size.
    void set_options(const DecodeOptions& options) noexcept { options_ = options; }
    const DecodeOptions& options() const noexcept { return options_; }

    // Appends received bytes.
    void feed(ByteView bytes);

    // Like feed(), without copying: next() decodes the whole packets straight from `bytes` (a packet
    // left incomplete before is first completed from their front, by copy). The caller must call
    // keep_lent() before `bytes` goes away; it copies what is left (at most a partial packet, or
    // packets not yet taken). Saves the copy of every read into the decoder's buffer, and that buffer's
    // allocation per read (a 64 KiB chunk: malloc_consolidate on every free).
    void lend(ByteView bytes);
    void keep_lent();

    // The next whole packet; std::nullopt when more bytes are needed. After an error the connection
    // must be closed: the decoder's state is undefined.
    Result<std::optional<Packet>> next();

    // The undecoded bytes that begin with the next packet (a whole packet is always within them, when
    // one is there), for a caller that handles a packet it recognises without next() building a
    // Packet; skip(n) then consumes n bytes of them (n at most pending().size()).
    ByteView pending() const noexcept
    {
        return buffer_.size() != consumed_ ? ByteView{buffer_.data() + consumed_, buffer_.size() - consumed_}
                                           : lent_;
    }
    void skip(std::size_t n) noexcept;

    std::size_t buffered() const noexcept { return buffer_.size() - consumed_ + lent_.size(); }

    // Frees the buffer's memory when nothing is pending (for idle connections).
    void shrink() noexcept;

private:
    DecodeOptions options_;
    Bytes buffer_;
    std::size_t consumed_ = 0;
    ByteView lent_;  // lend(): the caller's bytes, after those in buffer_
};

}  // namespace moatmq::codec
