#include "loadgen/packet_scan.hpp"

#include <stdexcept>

#include "codec/byte_reader.hpp"
#include "codec/encoder.hpp"

namespace moatmq::loadgen {

using codec::CodecError;
using codec::PacketType;
using codec::ProtocolVersion;

Result<codec::FixedHeader> frame_packet(ByteView input, ProtocolVersion version)
{
    codec::DecodeOptions options;
    options.version = version;
    options.sender = codec::Sender::server;
    auto header = codec::decode_fixed_header(input, options);
    if (!header) return header;
    if (header->packet_size() > input.size()) return CodecError::need_more;
    return header;
}

Result<PublishView> view_publish(ByteView packet, const codec::FixedHeader& header, ProtocolVersion version)
{
    PublishView view;
    view.dup = (header.flags & 0x08u) != 0;
    view.qos = static_cast<codec::QoS>((header.flags >> 1) & 0x03u);
    view.retain = (header.flags & 0x01u) != 0;
    codec::detail::ByteReader reader{packet.subspan(header.header_size, header.remaining_length)};
    ByteView topic;
    if (!reader.read_binary(topic)) return reader.error();
    view.topic = as_chars(topic);
    if (view.qos != codec::QoS::at_most_once && !reader.read_u16(view.packet_id)) return reader.error();
    if (version == ProtocolVersion::v5) {
        std::uint32_t properties_length = 0;
        ByteView skipped;
        if (!reader.read_varint(properties_length) || !reader.take(properties_length, skipped))
            return reader.error();
    }
    ByteView rest;
    if (!reader.take(reader.remaining(), rest)) return reader.error();
    view.payload = rest;
    return view;
}

std::uint16_t ack_packet_id(ByteView packet) noexcept
{
    if (packet.size() < 4) return 0;
    return static_cast<std::uint16_t>((static_cast<unsigned>(packet[2]) << 8) |
                                      static_cast<unsigned>(packet[3]));
}

PacketTemplate PacketTemplate::publish(std::string_view topic, std::size_t payload_size, codec::QoS qos,
                                       ProtocolVersion version)
{
    codec::Publish publish;
    publish.topic = std::string{topic};
    publish.payload.assign(payload_size, std::byte{'x'});
    publish.qos = qos;
    publish.packet_id = qos == codec::QoS::at_most_once ? 0 : 1;
    Bytes out;
    if (auto encoded = codec::encode(publish, version, out); !encoded)
        throw std::invalid_argument("cannot encode the benchmark PUBLISH: " + encoded.error().message());
    // Fixed header, then topic (2 + length), then the packet id; the payload is the packet's tail.
    const auto header = frame_packet(out, version);
    if (!header) throw std::logic_error("benchmark PUBLISH does not frame");
    const std::size_t id_offset =
        qos == codec::QoS::at_most_once ? kNone : std::size_t{header->header_size} + 2 + topic.size();
    const std::size_t stamp_offset = payload_size >= 8 ? out.size() - payload_size : kNone;
    return PacketTemplate{std::move(out), id_offset, stamp_offset};
}

PacketTemplate PacketTemplate::ack(PacketType type, ProtocolVersion version)
{
    Bytes out;
    Result<std::size_t> encoded = CodecError::unexpected_packet;
    auto encode_ack = [&]<class Ack>(Ack ack) {
        ack.packet_id = 1;
        encoded = codec::encode(ack, version, out);
    };
    switch (type) {
        case PacketType::puback:
            encode_ack(codec::Puback{});
            break;
        case PacketType::pubrec:
            encode_ack(codec::Pubrec{});
            break;
        case PacketType::pubrel:
            encode_ack(codec::Pubrel{});
            break;
        case PacketType::pubcomp:
            encode_ack(codec::Pubcomp{});
            break;
        default:
            break;
    }
    if (!encoded || out.size() != 4) throw std::logic_error("cannot encode the benchmark acknowledgement");
    return PacketTemplate{std::move(out), 2, kNone};
}

void PacketTemplate::append_to(Bytes& out, std::uint16_t packet_id) const
{
    const std::size_t at = out.size();
    out.insert(out.end(), bytes_.begin(), bytes_.end());
    if (id_offset_ != kNone) {
        out[at + id_offset_] = static_cast<std::byte>(packet_id >> 8);
        out[at + id_offset_ + 1] = static_cast<std::byte>(packet_id & 0xFFu);
    }
}

void PacketTemplate::append_to(Bytes& out, std::uint16_t packet_id, std::uint64_t stamp) const
{
    const std::size_t at = out.size();
    append_to(out, packet_id);
    if (stamp_offset_ == kNone) return;
    for (std::size_t i = 0; i < 8; ++i)
        out[at + stamp_offset_ + i] = static_cast<std::byte>((stamp >> (56 - 8 * i)) & 0xFFu);
}

std::uint64_t read_stamp(ByteView payload) noexcept
{
    if (payload.size() < 8) return 0;
    std::uint64_t stamp = 0;
    for (std::size_t i = 0; i < 8; ++i)
        stamp = (stamp << 8) | static_cast<std::uint64_t>(payload[i]);
    return stamp;
}

}  // namespace moatmq::loadgen
