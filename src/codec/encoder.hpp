#pragma once
// Encoding packets into exactly the bytes the spec defines. The encoder trusts its input to be valid
// (the broker builds it); the only failures are fields that cannot be represented (a string over
// 65,535 bytes, a packet over 268,435,455 bytes).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "codec/packet.hpp"
#include "codec/protocol.hpp"
#include "common/bytes.hpp"
#include "common/result.hpp"

namespace moatmq::codec {

// Appends the encoding of `packet` for protocol `version` to `out`; returns the number of bytes added.
// On error `out` is left as it was. A CONNECT is encoded in its own Connect::version (the one that
// names the protocol), whatever `version` says; AUTH cannot be encoded before 5.0
// (reserved_packet_type). For 3.1.1, properties are omitted, CONNACK reasons become return codes
// (to_connect_return_code) and SUBACK error reasons become 0x80.
Result<std::size_t> encode(const Packet& packet, ProtocolVersion version, Bytes& out);

// A PUBLISH given by its parts, which stay where they are: encodes exactly as the Publish with these
// fields would, without first copying topic, payload and properties into one (the broker's delivery
// path). `properties` is read for 5.0 only; null means none.
struct PublishParts {
    std::string_view topic;
    ByteView payload;
    QoS qos = QoS::at_most_once;
    bool retain = false;
    bool dup = false;
    std::uint16_t packet_id = 0;
    const Properties* properties = nullptr;
};

// Per-type overloads for hot paths that should not build a variant.
Result<std::size_t> encode(const PublishParts& packet, ProtocolVersion version, Bytes& out);
Result<std::size_t> encode(const Publish& packet, ProtocolVersion version, Bytes& out);
Result<std::size_t> encode(const Puback& packet, ProtocolVersion version, Bytes& out);
Result<std::size_t> encode(const Pubrec& packet, ProtocolVersion version, Bytes& out);
Result<std::size_t> encode(const Pubrel& packet, ProtocolVersion version, Bytes& out);
Result<std::size_t> encode(const Pubcomp& packet, ProtocolVersion version, Bytes& out);

// Size of the encoding of `packet`, for checking a peer's Maximum Packet Size before encoding.
std::size_t encoded_size(const Packet& packet, ProtocolVersion version);

}  // namespace moatmq::codec
