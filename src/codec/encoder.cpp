// Packet encoding in two passes: body_size() computes the Remaining Length (and every property
// block's length, kept in a Plan), then write_body() writes into memory sized exactly once. The only
// failures are values the wire cannot carry: a field over 65,535 bytes, a packet over 268,435,455.
#include "codec/encoder.hpp"

#include <cassert>

#include "codec/byte_writer.hpp"
#include "codec/codec_error.hpp"
#include "codec/property_codec.hpp"
#include "codec/varint.hpp"

namespace moatmq::codec {
namespace {

using detail::ByteWriter;
using detail::varint_size;

constexpr std::size_t kMaxField = 65'535;

constexpr bool is_v5(ProtocolVersion v) noexcept
{
    return v == ProtocolVersion::v5;
}

// Lengths computed by the size pass and reused by the write pass.
struct Plan {
    std::size_t properties = 0;       // the packet's property block, without its length
    std::size_t will_properties = 0;  // CONNECT only
    bool too_long = false;

    std::size_t string(std::size_t n) noexcept
    {
        if (n > kMaxField) too_long = true;
        return 2 + n;
    }
    // Property Length plus properties.
    std::size_t block(const Properties& p, std::size_t& slot) noexcept
    {
        slot = detail::properties_size(p, too_long);
        return varint_size(static_cast<std::uint32_t>(slot)) + slot;
    }
};

std::string_view protocol_name(ProtocolVersion v) noexcept
{
    return v == ProtocolVersion::v31 ? "MQIsdp" : "MQTT";
}

// --- sizes ---------------------------------------------------------------------------------------

std::size_t body_size(const Connect& c, ProtocolVersion, Plan& plan)
{
    const bool v5 = is_v5(c.version);
    std::size_t n = 2 + protocol_name(c.version).size() + 1 + 1 + 2;
    if (v5) n += plan.block(c.properties, plan.properties);
    n += plan.string(c.client_id.size());
    if (c.will) {
        if (v5) n += plan.block(c.will->properties, plan.will_properties);
        n += plan.string(c.will->topic.size()) + plan.string(c.will->payload.size());
    }
    if (c.username) n += plan.string(c.username->size());
    if (c.password) n += plan.string(c.password->size());
    return n;
}

std::size_t body_size(const Connack& c, ProtocolVersion v, Plan& plan)
{
    return is_v5(v) ? 2 + plan.block(c.properties, plan.properties) : 2;
}

const Properties kNoProperties{};

const Properties& properties_of(const PublishParts& p) noexcept
{
    return p.properties ? *p.properties : kNoProperties;
}

PublishParts parts_of(const Publish& p) noexcept
{
    return PublishParts{p.topic, p.payload, p.qos, p.retain, p.dup, p.packet_id, &p.properties};
}

std::size_t body_size(const PublishParts& p, ProtocolVersion v, Plan& plan)
{
    std::size_t n = plan.string(p.topic.size()) + p.payload.size();
    if (p.qos != QoS::at_most_once) n += 2;
    if (is_v5(v)) n += plan.block(properties_of(p), plan.properties);
    return n;
}

std::size_t body_size(const Publish& p, ProtocolVersion v, Plan& plan)
{
    return body_size(parts_of(p), v, plan);
}

template <PacketType Type>
std::size_t body_size(const PublishAck<Type>& a, ProtocolVersion v, Plan& plan)
{
    if (!is_v5(v)) return 2;
    plan.properties = detail::properties_size(a.properties, plan.too_long);
    // The short forms of §3.4.2.1: no reason code when Success without properties, no Property
    // Length when there are no properties.
    if (plan.properties == 0) return a.reason == ReasonCode::Success ? 2 : 3;
    return 3 + varint_size(static_cast<std::uint32_t>(plan.properties)) + plan.properties;
}

std::size_t body_size(const Subscribe& s, ProtocolVersion v, Plan& plan)
{
    std::size_t n = 2;
    if (is_v5(v)) n += plan.block(s.properties, plan.properties);
    for (const auto& sub : s.subscriptions)
        n += plan.string(sub.filter.size()) + 1;
    return n;
}

std::size_t body_size(const Suback& s, ProtocolVersion v, Plan& plan)
{
    std::size_t n = 2 + s.reasons.size();
    if (is_v5(v)) n += plan.block(s.properties, plan.properties);
    return n;
}

std::size_t body_size(const Unsubscribe& u, ProtocolVersion v, Plan& plan)
{
    std::size_t n = 2;
    if (is_v5(v)) n += plan.block(u.properties, plan.properties);
    for (const auto& filter : u.filters)
        n += plan.string(filter.size());
    return n;
}

std::size_t body_size(const Unsuback& u, ProtocolVersion v, Plan& plan)
{
    if (!is_v5(v)) return 2;
    return 2 + plan.block(u.properties, plan.properties) + u.reasons.size();
}

std::size_t body_size(const Pingreq&, ProtocolVersion, Plan&)
{
    return 0;
}
std::size_t body_size(const Pingresp&, ProtocolVersion, Plan&)
{
    return 0;
}

// DISCONNECT and AUTH: Remaining Length 0 for Success without properties (§3.14.2.1, §3.15.2.1).
template <class P>
std::size_t reason_body_size(const P& p, Plan& plan, bool reason_only_form)
{
    plan.properties = detail::properties_size(p.properties, plan.too_long);
    if (plan.properties == 0 && p.reason == ReasonCode::Success) return 0;
    if (plan.properties == 0 && reason_only_form) return 1;
    return 1 + varint_size(static_cast<std::uint32_t>(plan.properties)) + plan.properties;
}

std::size_t body_size(const Disconnect& d, ProtocolVersion v, Plan& plan)
{
    return is_v5(v) ? reason_body_size(d, plan, true) : 0;
}

std::size_t body_size(const Auth& a, ProtocolVersion, Plan& plan)
{
    return reason_body_size(a, plan, false);
}

// --- first byte ----------------------------------------------------------------------------------

std::uint8_t type_bits(PacketType t) noexcept
{
    return static_cast<std::uint8_t>(static_cast<unsigned>(t) << 4);
}

template <class P>
std::uint8_t first_byte(const P&) noexcept
{
    constexpr PacketType type = [] {
        if constexpr (std::is_same_v<P, Connect>)
            return PacketType::connect;
        else if constexpr (std::is_same_v<P, Connack>)
            return PacketType::connack;
        else if constexpr (std::is_same_v<P, Subscribe>)
            return PacketType::subscribe;
        else if constexpr (std::is_same_v<P, Suback>)
            return PacketType::suback;
        else if constexpr (std::is_same_v<P, Unsubscribe>)
            return PacketType::unsubscribe;
        else if constexpr (std::is_same_v<P, Unsuback>)
            return PacketType::unsuback;
        else if constexpr (std::is_same_v<P, Pingreq>)
            return PacketType::pingreq;
        else if constexpr (std::is_same_v<P, Pingresp>)
            return PacketType::pingresp;
        else if constexpr (std::is_same_v<P, Disconnect>)
            return PacketType::disconnect;
        else if constexpr (std::is_same_v<P, Auth>)
            return PacketType::auth;
        else
            return P::type;  // PublishAck
    }();
    // PUBREL, SUBSCRIBE and UNSUBSCRIBE carry flags 0010 (Table 2-2).
    constexpr bool flagged =
        type == PacketType::pubrel || type == PacketType::subscribe || type == PacketType::unsubscribe;
    return static_cast<std::uint8_t>(type_bits(type) | (flagged ? 0x02u : 0u));
}

std::uint8_t first_byte(const PublishParts& p) noexcept
{
    return static_cast<std::uint8_t>(type_bits(PacketType::publish) | (p.dup ? 0x08u : 0u) |
                                     (static_cast<unsigned>(p.qos) << 1) | (p.retain ? 0x01u : 0u));
}

// --- bodies --------------------------------------------------------------------------------------

void write_body(ByteWriter& w, const Connect& c, ProtocolVersion, const Plan& plan)
{
    const bool v5 = is_v5(c.version);
    w.string(protocol_name(c.version));
    w.u8(static_cast<std::uint8_t>(c.version));
    unsigned flags = c.clean_start ? 0x02u : 0u;
    if (c.will) {
        flags |= 0x04u | (static_cast<unsigned>(c.will->qos) << 3) | (c.will->retain ? 0x20u : 0u);
    }
    if (c.password) flags |= 0x40u;
    if (c.username) flags |= 0x80u;
    w.u8(static_cast<std::uint8_t>(flags));
    w.u16(c.keep_alive);
    if (v5) detail::write_properties(w, c.properties, plan.properties);
    w.string(c.client_id);
    if (c.will) {
        if (v5) detail::write_properties(w, c.will->properties, plan.will_properties);
        w.string(c.will->topic);
        w.binary(c.will->payload);
    }
    if (c.username) w.string(*c.username);
    if (c.password) w.binary(*c.password);
}

void write_body(ByteWriter& w, const Connack& c, ProtocolVersion v, const Plan& plan)
{
    w.u8(c.session_present ? 1 : 0);
    if (!is_v5(v)) {
        w.u8(static_cast<std::uint8_t>(to_connect_return_code(c.reason)));
        return;
    }
    w.u8(static_cast<std::uint8_t>(c.reason));
    detail::write_properties(w, c.properties, plan.properties);
}

void write_body(ByteWriter& w, const PublishParts& p, ProtocolVersion v, const Plan& plan)
{
    w.string(p.topic);
    if (p.qos != QoS::at_most_once) w.u16(p.packet_id);
    if (is_v5(v)) detail::write_properties(w, properties_of(p), plan.properties);
    w.raw(p.payload);
}

template <PacketType Type>
void write_body(ByteWriter& w, const PublishAck<Type>& a, ProtocolVersion v, const Plan& plan)
{
    w.u16(a.packet_id);
    if (!is_v5(v)) return;
    if (plan.properties == 0 && a.reason == ReasonCode::Success) return;
    w.u8(static_cast<std::uint8_t>(a.reason));
    if (plan.properties != 0) detail::write_properties(w, a.properties, plan.properties);
}

void write_body(ByteWriter& w, const Subscribe& s, ProtocolVersion v, const Plan& plan)
{
    w.u16(s.packet_id);
    if (is_v5(v)) detail::write_properties(w, s.properties, plan.properties);
    for (const auto& sub : s.subscriptions) {
        w.string(sub.filter);
        unsigned options = static_cast<unsigned>(sub.options.qos);
        if (is_v5(v)) {
            options |= (sub.options.no_local ? 0x04u : 0u) | (sub.options.retain_as_published ? 0x08u : 0u) |
                       (static_cast<unsigned>(sub.options.retain_handling) << 4);
        }
        w.u8(static_cast<std::uint8_t>(options));
    }
}

void write_body(ByteWriter& w, const Suback& s, ProtocolVersion v, const Plan& plan)
{
    w.u16(s.packet_id);
    if (is_v5(v)) detail::write_properties(w, s.properties, plan.properties);
    for (const auto reason : s.reasons) {
        auto code = static_cast<std::uint8_t>(reason);
        // 3.1.1 has only the granted QoS and 0x80 Failure [MQTT-3.9.3-2].
        if (!is_v5(v) && code > 2) code = 0x80;
        w.u8(code);
    }
}

void write_body(ByteWriter& w, const Unsubscribe& u, ProtocolVersion v, const Plan& plan)
{
    w.u16(u.packet_id);
    if (is_v5(v)) detail::write_properties(w, u.properties, plan.properties);
    for (const auto& filter : u.filters)
        w.string(filter);
}

void write_body(ByteWriter& w, const Unsuback& u, ProtocolVersion v, const Plan& plan)
{
    w.u16(u.packet_id);
    if (!is_v5(v)) return;
    detail::write_properties(w, u.properties, plan.properties);
    for (const auto reason : u.reasons)
        w.u8(static_cast<std::uint8_t>(reason));
}

void write_body(ByteWriter&, const Pingreq&, ProtocolVersion, const Plan&) {}
void write_body(ByteWriter&, const Pingresp&, ProtocolVersion, const Plan&) {}

template <class P>
void write_reason_body(ByteWriter& w, const P& p, std::size_t body, const Plan& plan)
{
    if (body == 0) return;
    w.u8(static_cast<std::uint8_t>(p.reason));
    if (body > 1) detail::write_properties(w, p.properties, plan.properties);
}

void write_body(ByteWriter& w, const Disconnect& d, ProtocolVersion v, const Plan& plan)
{
    if (!is_v5(v)) return;
    Plan copy = plan;
    write_reason_body(w, d, reason_body_size(d, copy, true), plan);
}

void write_body(ByteWriter& w, const Auth& a, ProtocolVersion, const Plan& plan)
{
    Plan copy = plan;
    write_reason_body(w, a, reason_body_size(a, copy, false), plan);
}

template <class P>
Result<std::size_t> encode_one(const P& packet, ProtocolVersion version, Bytes& out)
{
    if constexpr (std::is_same_v<P, Auth>) {
        if (!is_v5(version)) return CodecError::reserved_packet_type;  // AUTH is 5.0 only
    }
    Plan plan;
    const std::size_t body = body_size(packet, version, plan);
    if (plan.too_long) return CodecError::field_too_long;
    if (body > kMaxRemainingLength) return CodecError::packet_too_large;
    const auto remaining = static_cast<std::uint32_t>(body);
    const std::size_t total = 1 + varint_size(remaining) + body;
    const std::size_t old_size = out.size();
    out.resize(old_size + total);
    ByteWriter w(out.data() + old_size);
    w.u8(first_byte(packet));
    w.varint(remaining);
    write_body(w, packet, version, plan);
    assert(w.position() == out.data() + old_size + total);
    return total;
}

Result<std::size_t> encode_one(const Publish& packet, ProtocolVersion version, Bytes& out)
{
    return encode_one(parts_of(packet), version, out);
}

template <class P>
std::size_t size_one(const P& packet, ProtocolVersion version)
{
    Plan plan;
    const std::size_t body = body_size(packet, version, plan);
    return 1 + varint_size(static_cast<std::uint32_t>(std::min<std::size_t>(body, kMaxVarInt))) + body;
}

}  // namespace

Result<std::size_t> encode(const Packet& packet, ProtocolVersion version, Bytes& out)
{
    return std::visit([&](const auto& p) { return encode_one(p, version, out); }, packet);
}

Result<std::size_t> encode(const PublishParts& packet, ProtocolVersion version, Bytes& out)
{
    return encode_one(packet, version, out);
}
Result<std::size_t> encode(const Publish& packet, ProtocolVersion version, Bytes& out)
{
    return encode_one(parts_of(packet), version, out);
}
Result<std::size_t> encode(const Puback& packet, ProtocolVersion version, Bytes& out)
{
    return encode_one(packet, version, out);
}
Result<std::size_t> encode(const Pubrec& packet, ProtocolVersion version, Bytes& out)
{
    return encode_one(packet, version, out);
}
Result<std::size_t> encode(const Pubrel& packet, ProtocolVersion version, Bytes& out)
{
    return encode_one(packet, version, out);
}
Result<std::size_t> encode(const Pubcomp& packet, ProtocolVersion version, Bytes& out)
{
    return encode_one(packet, version, out);
}

std::size_t encoded_size(const Packet& packet, ProtocolVersion version)
{
    return std::visit([&](const auto& p) { return size_one(p, version); }, packet);
}

}  // namespace moatmq::codec
