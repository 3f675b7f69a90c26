// libFuzzer target for the codec: every input is decoded for each protocol version and each sender,
// whole (decode) and in pseudo-random splits (StreamDecoder). Besides "no crash, no sanitizer report",
// it checks a round-trip oracle: whatever decodes must re-encode to bytes that decode to the same
// packet, and re-encoding that packet gives the same bytes again (the encoder's form is canonical).
// A broken oracle aborts, which libFuzzer reports as a crash with the input saved.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "codec/decoder.hpp"
#include "codec/encoder.hpp"
#include "codec/topic.hpp"

namespace {

using namespace moatmq;
using namespace moatmq::codec;

[[noreturn]] void oracle_failed(const char* what)
{
    std::fprintf(stderr, "codec_decode_fuzzer: %s\n", what);
    std::abort();
}

void check(bool ok, const char* what)
{
    if (!ok) oracle_failed(what);
}

void round_trip(const Packet& packet, const DecodeOptions& options)
{
    Bytes first;
    auto n = encode(packet, options.version, first);
    check(n.has_value(), "a decoded packet failed to encode");
    check(*n == first.size(), "encode() returned a size other than the bytes it wrote");
    check(encoded_size(packet, options.version) == first.size(), "encoded_size() disagrees with encode()");
    auto again = decode(first, options);
    check(again.has_value(), "the encoding of a decoded packet does not decode");
    check(again->consumed == first.size(), "the re-decoded packet did not consume its encoding");
    check(again->packet == packet, "encode -> decode changed the packet");
    Bytes second;
    check(encode(again->packet, options.version, second).has_value(), "re-encoding failed");
    check(first == second, "encoding is not canonical");
}

struct Outcome {
    std::vector<Packet> packets;
    error_code error;  // empty when the input ended cleanly or inside a packet
};

Outcome decode_sequentially(ByteView input, const DecodeOptions& options)
{
    Outcome out;
    while (!input.empty()) {
        auto decoded = decode(input, options);
        if (!decoded) {
            if (!is_need_more(decoded.error())) out.error = decoded.error();
            return out;
        }
        check(decoded->consumed >= 2 && decoded->consumed <= input.size(),
              "decode() consumed a wrong length");
        out.packets.push_back(std::move(decoded->packet));
        input = input.subspan(decoded->consumed);
    }
    return out;
}

// Splits from a small xorshift generator seeded by the input, so a crash reproduces from its file.
Outcome decode_streaming(ByteView input, const DecodeOptions& options, std::uint64_t seed)
{
    Outcome out;
    StreamDecoder decoder(options);
    std::uint64_t state = seed | 1;
    while (!input.empty()) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        // Mostly short chunks (1..8 bytes, byte-at-a-time included), sometimes a long one.
        const std::size_t want = (state & 0x70) == 0 ? 1 + (state >> 8) % 512 : 1 + (state >> 8) % 8;
        const std::size_t take = want < input.size() ? want : input.size();
        decoder.feed(input.first(take));
        input = input.subspan(take);
        for (;;) {
            auto next = decoder.next();
            if (!next) {
                out.error = next.error();
                return out;
            }
            if (!*next) break;
            out.packets.push_back(std::move(**next));
        }
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const ByteView input{reinterpret_cast<const std::byte*>(data), size};
    std::uint64_t seed = 0xcbf29ce484222325ull;  // FNV-1a of the input
    for (std::size_t i = 0; i < size; ++i)
        seed = (seed ^ data[i]) * 0x100000001b3ull;

    for (const auto version : {ProtocolVersion::v31, ProtocolVersion::v311, ProtocolVersion::v5}) {
        for (const auto sender : {Sender::client, Sender::server}) {
            DecodeOptions options;
            options.version = version;
            options.sender = sender;

            auto decoded = decode(input, options);
            if (decoded) round_trip(decoded->packet, options);

            const Outcome whole = decode_sequentially(input, options);
            const Outcome split = decode_streaming(input, options, seed);
            check(whole.packets == split.packets, "StreamDecoder and decode() disagree on the packets");
            check(whole.error == split.error, "StreamDecoder and decode() disagree on the error");

            // A small limit exercises the refusal from the fixed header, whole and streaming.
            options.max_packet_size = 16;
            const Outcome limited = decode_sequentially(input, options);
            const Outcome limited_split = decode_streaming(input, options, seed);
            check(limited.packets == limited_split.packets && limited.error == limited_split.error,
                  "StreamDecoder and decode() disagree under a small maximum packet size");
        }
    }

    (void)peek_connect_version(input);
    const std::string_view text{reinterpret_cast<const char*>(data), size};
    (void)validate_topic_name(text);
    if (!validate_topic_filter(text)) {
        auto shared = parse_shared_filter(text);
        check(shared.has_value(), "a valid filter failed to parse as shared or not");
        const std::string_view filter = *shared ? (*shared)->filter : text;
        if (!validate_topic_name(filter))
            check(topic_matches(filter, filter), "a name does not match itself");
    }
    return 0;
}
