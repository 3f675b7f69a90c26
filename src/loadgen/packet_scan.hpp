#pragma once
// The load generator's receive path. Decoding every delivered PUBLISH into a codec::Publish (an owned
// payload, ~500 bytes of properties) would cost the generator more CPU per message than the broker
// under test should spend, so received packets are framed with codec::decode_fixed_header (the same
// checks as the broker's decoder) and a PUBLISH is only viewed in place: topic, packet id and a view
// of the payload. Every other packet type is rare (CONNACK, SUBACK, acks) and goes through
// codec::decode, or is read from its first two bytes (the acknowledgements).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "codec/decoder.hpp"
#include "common/bytes.hpp"
#include "common/result.hpp"

namespace moatmq::loadgen {

struct PublishView {
    codec::QoS qos = codec::QoS::at_most_once;
    bool dup = false;
    bool retain = false;
    std::uint16_t packet_id = 0;
    std::string_view topic;
    ByteView payload;  // points into the scanned bytes
};

// The fixed header of the whole packet at the start of `input`, received from a server that speaks
// `version`; CodecError::need_more when `input` ends inside it (or inside its body).
Result<codec::FixedHeader> frame_packet(ByteView input, codec::ProtocolVersion version);

// Views the PUBLISH `packet` (a whole packet, fixed header included, as framed by frame_packet).
// Properties (5.0) are skipped, not validated. Fails with CodecError::truncated when a length runs
// past the packet.
Result<PublishView> view_publish(ByteView packet, const codec::FixedHeader& header,
                                 codec::ProtocolVersion version);

// The packet identifier of a PUBACK/PUBREC/PUBREL/PUBCOMP (whole packet); 0 if it is too short.
std::uint16_t ack_packet_id(ByteView packet) noexcept;

// A packet encoded once by the codec, with a 16-bit packet identifier (and optionally an 8-byte
// timestamp in the payload) patched in for each copy.
class PacketTemplate {
public:
    PacketTemplate() = default;
    PacketTemplate(Bytes encoded, std::size_t packet_id_offset, std::size_t stamp_offset)
        : bytes_(std::move(encoded)), id_offset_(packet_id_offset), stamp_offset_(stamp_offset)
    {
    }

    // A PUBLISH to `topic` with `payload_size` bytes of payload (at least 8 when stamped), QoS `qos`.
    static PacketTemplate publish(std::string_view topic, std::size_t payload_size, codec::QoS qos,
                                  codec::ProtocolVersion version);
    // PUBACK / PUBREC / PUBREL / PUBCOMP with reason Success (the same 4 bytes in 3.1.1 and 5.0).
    static PacketTemplate ack(codec::PacketType type, codec::ProtocolVersion version);

    std::size_t size() const noexcept { return bytes_.size(); }
    const Bytes& bytes() const noexcept { return bytes_; }

    // Appends a copy to `out` with `packet_id` (ignored when the packet has none) and, when
    // `stamp` is given and the payload has room, the 8-byte big-endian `stamp` at the payload's start.
    void append_to(Bytes& out, std::uint16_t packet_id) const;
    void append_to(Bytes& out, std::uint16_t packet_id, std::uint64_t stamp) const;

private:
    static constexpr std::size_t kNone = SIZE_MAX;
    Bytes bytes_;
    std::size_t id_offset_ = kNone;
    std::size_t stamp_offset_ = kNone;
};

// Big-endian 8-byte stamp at the start of a payload; 0 when the payload is shorter.
std::uint64_t read_stamp(ByteView payload) noexcept;

}  // namespace moatmq::loadgen
