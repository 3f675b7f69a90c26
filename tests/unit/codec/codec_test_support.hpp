#pragma once
// Helpers for the codec tests: hex fixtures ("10 0c 00 04 4d 51 54 54"), and decoding that fails the
// test with a readable message instead of throwing.
#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <string_view>

#include "codec/codec_error.hpp"
#include "codec/decoder.hpp"
#include "codec/encoder.hpp"
#include "codec/packet.hpp"

namespace moatmq::codec::test {

// Hex digits, whitespace ignored. A malformed fixture is a bug in the test: it aborts.
inline Bytes hex(std::string_view text)
{
    Bytes out;
    int high = -1;
    for (const char c : text) {
        if (std::isspace(static_cast<unsigned char>(c))) continue;
        int v = 0;
        if (c >= '0' && c <= '9')
            v = c - '0';
        else if (c >= 'a' && c <= 'f')
            v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v = c - 'A' + 10;
        else
            ADD_FAILURE() << "bad hex fixture: " << text;
        if (high < 0) {
            high = v;
        } else {
            out.push_back(static_cast<std::byte>(high * 16 + v));
            high = -1;
        }
    }
    EXPECT_LT(high, 0) << "odd number of hex digits: " << text;
    return out;
}

inline std::string to_hex(ByteView bytes)
{
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (const auto b : bytes) {
        if (!out.empty()) out += ' ';
        out += kDigits[static_cast<unsigned>(b) >> 4];
        out += kDigits[static_cast<unsigned>(b) & 0xF];
    }
    return out;
}

inline DecodeOptions opts(ProtocolVersion version, Sender sender = Sender::client)
{
    DecodeOptions o;
    o.version = version;
    o.sender = sender;
    return o;
}

inline DecodeOptions v5_from_client()
{
    return opts(ProtocolVersion::v5, Sender::client);
}
inline DecodeOptions v5_from_server()
{
    return opts(ProtocolVersion::v5, Sender::server);
}
inline DecodeOptions v311_from_client()
{
    return opts(ProtocolVersion::v311, Sender::client);
}
inline DecodeOptions v311_from_server()
{
    return opts(ProtocolVersion::v311, Sender::server);
}

// Decodes a whole packet that must be valid and consume all of `bytes`; returns it as type P.
template <class P>
P decode_as(const Bytes& bytes, const DecodeOptions& options)
{
    auto result = decode(bytes, options);
    if (!result) {
        ADD_FAILURE() << "decode failed: " << result.error().message() << " for " << to_hex(bytes);
        return P{};
    }
    EXPECT_EQ(result->consumed, bytes.size());
    const P* p = std::get_if<P>(&result->packet);
    if (p == nullptr) {
        ADD_FAILURE() << "decoded another packet type: " << to_string(packet_type(result->packet));
        return P{};
    }
    return *p;
}

// The error decoding `bytes` fails with; need_more counts as a failure of the test.
inline CodecError decode_error(const Bytes& bytes, const DecodeOptions& options)
{
    auto result = decode(bytes, options);
    if (result) {
        ADD_FAILURE() << "decode succeeded but should have failed: " << to_hex(bytes);
        return CodecError::need_more;
    }
    EXPECT_EQ(&result.error().category(), &codec_category());
    return static_cast<CodecError>(result.error().value());
}

// Packets built field by field (aggregate initialisation with omitted members trips -Wextra).
inline Publish make_publish(std::string topic, Bytes payload)
{
    Publish p;
    p.topic = std::move(topic);
    p.payload = std::move(payload);
    return p;
}

template <class Ack>
Ack make_ack(std::uint16_t packet_id, ReasonCode reason = ReasonCode::Success)
{
    Ack a;
    a.packet_id = packet_id;
    a.reason = reason;
    return a;
}

template <class P>
std::string encode_hex(const P& packet, ProtocolVersion version)
{
    Bytes out;
    auto result = encode(Packet{packet}, version, out);
    if (!result) {
        ADD_FAILURE() << "encode failed: " << result.error().message();
        return {};
    }
    EXPECT_EQ(*result, out.size());
    return to_hex(out);
}

}  // namespace moatmq::codec::test
