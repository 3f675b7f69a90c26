#pragma once
// Hand-made MQTT bytes for the conformance cases (and the integration tests that need a client which
// misbehaves on purpose): field encoders, a few whole packets, and reading one packet off a RawClient.
// Written independently of src/codec on purpose, so a codec bug cannot hide in both sides.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "raw_client.hpp"

namespace moatmq::test::bytes {

using Bytes = std::vector<std::uint8_t>;

inline Bytes cat(std::initializer_list<Bytes> parts)
{
    Bytes out;
    for (const auto& part : parts)
        out.insert(out.end(), part.begin(), part.end());
    return out;
}

inline Bytes u16(std::uint16_t value)
{
    return {static_cast<std::uint8_t>(value >> 8), static_cast<std::uint8_t>(value & 0xFF)};
}

inline Bytes u32(std::uint32_t value)
{
    return {static_cast<std::uint8_t>(value >> 24), static_cast<std::uint8_t>((value >> 16) & 0xFF),
            static_cast<std::uint8_t>((value >> 8) & 0xFF), static_cast<std::uint8_t>(value & 0xFF)};
}

inline Bytes varint(std::uint32_t value)
{
    Bytes out;
    do {
        auto byte = static_cast<std::uint8_t>(value % 128);
        value /= 128;
        if (value > 0) byte = static_cast<std::uint8_t>(byte | 0x80);
        out.push_back(byte);
    } while (value > 0);
    return out;
}

// Reads the Variable Byte Integer at body[at] and moves `at` past it (at most 4 bytes; a truncated
// integer counts what is there).
inline std::uint32_t read_varint(const Bytes& body, std::size_t& at)
{
    std::uint32_t value = 0;
    std::uint32_t multiplier = 1;
    for (int i = 0; i < 4 && at < body.size(); ++i) {
        const auto byte = body[at++];
        value += (byte & 0x7Fu) * multiplier;
        multiplier *= 128;
        if ((byte & 0x80) == 0) break;
    }
    return value;
}

// A UTF-8 string / binary data field: two-byte length, then the bytes as they are (may be invalid).
inline Bytes str(std::string_view text)
{
    Bytes out;
    out.reserve(2 + text.size());
    out.push_back(static_cast<std::uint8_t>(text.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(text.size() & 0xFF));
    for (const char ch : text)
        out.push_back(static_cast<std::uint8_t>(ch));
    return out;
}

// A property block: its length as a variable byte integer, then the properties.
inline Bytes props(const Bytes& content = {})
{
    return cat({varint(static_cast<std::uint32_t>(content.size())), content});
}

// A packet: first byte, remaining length, body.
inline Bytes packet(std::uint8_t first, const Bytes& body)
{
    return cat({Bytes{first}, varint(static_cast<std::uint32_t>(body.size())), body});
}

// CONNECT 5.0: connect flags, keep alive, CONNECT properties, client id, then `rest` of the payload
// (will properties, will topic and payload, user name, password as the flags say).
inline Bytes connect5(std::string_view client_id, std::uint8_t flags = 0x02, std::uint16_t keep_alive = 60,
                      const Bytes& properties = {}, const Bytes& rest = {})
{
    return packet(0x10, cat({str("MQTT"), Bytes{0x05, flags}, u16(keep_alive), props(properties),
                             str(client_id), rest}));
}

// CONNECT 3.1.1.
inline Bytes connect311(std::string_view client_id, std::uint8_t flags = 0x02, std::uint16_t keep_alive = 60,
                        const Bytes& rest = {})
{
    return packet(0x10, cat({str("MQTT"), Bytes{0x04, flags}, u16(keep_alive), str(client_id), rest}));
}

// PUBLISH 5.0 with the given flags nibble (DUP, QoS, RETAIN), packet id when QoS > 0.
inline Bytes publish5(std::string_view topic, std::string_view payload, std::uint8_t flags = 0,
                      std::uint16_t packet_id = 0, const Bytes& properties = {})
{
    auto body = str(topic);
    if ((flags & 0x06) != 0) body = cat({body, u16(packet_id)});
    body = cat({body, props(properties), Bytes(payload.begin(), payload.end())});
    return packet(static_cast<std::uint8_t>(0x30 | flags), body);
}

// SUBSCRIBE 5.0 of one filter with the given options byte.
inline Bytes subscribe5(std::uint16_t packet_id, std::string_view filter, std::uint8_t options,
                        const Bytes& properties = {})
{
    return packet(0x82, cat({u16(packet_id), props(properties), str(filter), Bytes{options}}));
}

inline Bytes puback(std::uint16_t packet_id)
{
    return packet(0x40, u16(packet_id));
}

struct Packet {
    std::uint8_t first = 0;
    Bytes body;
    std::uint8_t type() const { return static_cast<std::uint8_t>(first >> 4); }
};

// Reads one whole packet, or std::nullopt when none arrives in time or the connection closes.
inline std::optional<Packet> read_packet(RawClient& client, std::chrono::milliseconds timeout = 5s)
{
    const auto first = client.read(1, timeout);
    if (first.size() != 1) return std::nullopt;
    std::uint32_t length = 0;
    std::uint32_t multiplier = 1;
    for (int i = 0; i < 4; ++i) {
        const auto byte = client.read(1, timeout);
        if (byte.size() != 1) return std::nullopt;
        length += (byte[0] & 0x7Fu) * multiplier;
        multiplier *= 128;
        if ((byte[0] & 0x80) == 0) break;
    }
    auto body = client.read(length, timeout);
    if (body.size() != length) return std::nullopt;
    return Packet{first[0], std::move(body)};
}

// The packet id of a PUBLISH with QoS > 0, read from its body.
inline std::uint16_t publish_packet_id(const Packet& publish)
{
    const std::size_t topic_length = (std::size_t{publish.body.at(0)} << 8) | publish.body.at(1);
    return static_cast<std::uint16_t>((publish.body.at(2 + topic_length) << 8) |
                                      publish.body.at(3 + topic_length));
}

// The payload of a 5.0 PUBLISH (skips topic, packet id, properties).
inline std::string publish5_payload(const Packet& publish)
{
    const std::size_t topic_length = (std::size_t{publish.body.at(0)} << 8) | publish.body.at(1);
    std::size_t at = 2 + topic_length + (((publish.first & 0x06) != 0) ? 2 : 0);
    const std::uint32_t length = read_varint(publish.body, at);
    at = std::min(publish.body.size(), at + length);
    return std::string(publish.body.begin() + static_cast<std::ptrdiff_t>(at), publish.body.end());
}

}  // namespace moatmq::test::bytes
