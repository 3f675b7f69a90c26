// Packet decoding. decode_fixed_header() applies every rule that the first bytes decide (type,
// flags, direction, size) so that the stream decoder can refuse a packet before its body arrives;
// decode() then reads the body of one complete packet with a bounds-checked ByteReader. Each body
// reader is straight-line code in the order of the spec's sections, returning false with the rule
// broken recorded in the reader.
#include "codec/decoder.hpp"

#include "codec/byte_reader.hpp"
#include "codec/property_codec.hpp"
#include "codec/topic.hpp"

namespace moatmq::codec {
namespace {

using detail::ByteReader;

constexpr bool is_v5(ProtocolVersion v) noexcept
{
    return v == ProtocolVersion::v5;
}

// Which side may send each packet type (§2.1.2, Table 2-1). DISCONNECT from a server is new in 5.0.
bool direction_allowed(PacketType type, Sender sender, ProtocolVersion version) noexcept
{
    switch (type) {
        case PacketType::connect:
        case PacketType::subscribe:
        case PacketType::unsubscribe:
        case PacketType::pingreq:
            return sender == Sender::client;
        case PacketType::connack:
        case PacketType::suback:
        case PacketType::unsuback:
        case PacketType::pingresp:
            return sender == Sender::server;
        case PacketType::disconnect:
            return sender == Sender::client || is_v5(version);
        default:
            return true;
    }
}

// Fixed-header flags per Table 2-2 [MQTT-2.1.3-1]; PUBLISH's flags are DUP, QoS and RETAIN.
CodecError check_flags(PacketType type, std::uint8_t flags) noexcept
{
    switch (type) {
        case PacketType::publish: {
            const unsigned qos = (flags >> 1) & 3u;
            if (qos == 3) return CodecError::invalid_qos;                            // [MQTT-3.3.1-4]
            if (qos == 0 && (flags & 0x08u) != 0) return CodecError::dup_with_qos0;  // [MQTT-3.3.1-2]
            return CodecError{};
        }
        case PacketType::pubrel:
        case PacketType::subscribe:
        case PacketType::unsubscribe:
            // [MQTT-3.6.1-1] [MQTT-3.8.1-1] [MQTT-3.10.1-1]
            return flags == 0x02 ? CodecError{} : CodecError::reserved_flags;
        default:
            return flags == 0 ? CodecError{} : CodecError::reserved_flags;
    }
}

// Reason codes each packet may carry (5.0 tables 3-1, 3-4, 3-5, 3-6, 3-7, 3-8, 3-9, 3-10, 3-11).
bool reason_allowed(PacketType type, std::uint8_t code, Sender sender) noexcept
{
    switch (type) {
        case PacketType::connack:
            switch (code) {
                case 0x00:
                case 0x80:
                case 0x81:
                case 0x82:
                case 0x83:
                case 0x84:
                case 0x85:
                case 0x86:
                case 0x87:
                case 0x88:
                case 0x89:
                case 0x8A:
                case 0x8C:
                case 0x90:
                case 0x95:
                case 0x97:
                case 0x99:
                case 0x9A:
                case 0x9B:
                case 0x9C:
                case 0x9D:
                case 0x9F:
                    return true;
                default:
                    return false;
            }
        case PacketType::puback:
        case PacketType::pubrec:
            switch (code) {
                case 0x00:
                case 0x10:
                case 0x80:
                case 0x83:
                case 0x87:
                case 0x90:
                case 0x91:
                case 0x97:
                case 0x99:
                    return true;
                default:
                    return false;
            }
        case PacketType::pubrel:
        case PacketType::pubcomp:
            return code == 0x00 || code == 0x92;
        case PacketType::suback:
            switch (code) {
                case 0x00:
                case 0x01:
                case 0x02:
                case 0x80:
                case 0x83:
                case 0x87:
                case 0x8F:
                case 0x91:
                case 0x97:
                case 0x9E:
                case 0xA1:
                case 0xA2:
                    return true;
                default:
                    return false;
            }
        case PacketType::unsuback:
            switch (code) {
                case 0x00:
                case 0x11:
                case 0x80:
                case 0x83:
                case 0x87:
                case 0x8F:
                case 0x91:
                    return true;
                default:
                    return false;
            }
        case PacketType::disconnect:
            switch (code) {
                case 0x00:
                case 0x80:
                case 0x81:
                case 0x82:
                case 0x83:
                case 0x90:
                case 0x93:
                case 0x94:
                case 0x95:
                case 0x96:
                case 0x97:
                case 0x98:
                case 0x99:
                    return true;  // either side
                case 0x04:
                    return sender == Sender::client;
                case 0x87:
                case 0x89:
                case 0x8B:
                case 0x8D:
                case 0x8E:
                case 0x8F:
                case 0x9A:
                case 0x9B:
                case 0x9C:
                case 0x9D:
                case 0x9E:
                case 0x9F:
                case 0xA0:
                case 0xA1:
                case 0xA2:
                    return sender == Sender::server;
                default:
                    return false;
            }
        case PacketType::auth:
            return code == 0x00 || code == 0x18 || code == 0x19;
        default:
            return false;
    }
}

bool read_reason(ByteReader& r, PacketType type, Sender sender, ReasonCode& out)
{
    std::uint8_t code = 0;
    if (!r.read_u8(code)) return false;
    if (!reason_allowed(type, code, sender)) return r.fail(CodecError::reason_code_invalid);
    out = static_cast<ReasonCode>(code);
    return true;
}

bool read_packet_id(ByteReader& r, std::uint16_t& out)
{
    if (!r.read_u16(out)) return false;
    if (out == 0) return r.fail(CodecError::packet_id_zero);  // [MQTT-2.2.1-3]
    return true;
}

bool finish(ByteReader& r)
{
    return r.empty() ? true : r.fail(CodecError::trailing_bytes);
}

bool fail_with(ByteReader& r, const error_code& ec)
{
    return r.fail(static_cast<CodecError>(ec.value()));
}

std::optional<ProtocolVersion> level_for(std::string_view name, std::uint8_t level,
                                         CodecError& error) noexcept
{
    if (name == "MQTT") {
        if (level == 4) return ProtocolVersion::v311;
        if (level == 5) return ProtocolVersion::v5;
    } else if (name == "MQIsdp") {
        if (level == 3) return ProtocolVersion::v31;
    } else {
        error = CodecError::invalid_protocol_name;  // [MQTT-3.1.2-1]
        return std::nullopt;
    }
    error = CodecError::unsupported_protocol_version;  // [MQTT-3.1.2-2]
    return std::nullopt;
}

// §3.1 CONNECT. The packet names its own version; options.version is not used.
bool read_connect(ByteReader& r, Connect& c)
{
    std::string_view name;
    std::uint8_t level = 0;
    if (!r.read_raw_string(name) || !r.read_u8(level)) return false;
    CodecError version_error{};
    const auto version = level_for(name, level, version_error);
    if (!version) return r.fail(version_error);
    c.version = *version;
    const bool v5 = is_v5(c.version);

    std::uint8_t flags = 0;
    if (!r.read_u8(flags)) return false;
    if ((flags & 0x01u) != 0) return r.fail(CodecError::connect_reserved_flag);  // [MQTT-3.1.2-3]
    c.clean_start = (flags & 0x02u) != 0;
    const bool will = (flags & 0x04u) != 0;
    const auto will_qos = static_cast<std::uint8_t>((flags >> 3) & 3u);
    const bool will_retain = (flags & 0x20u) != 0;
    const bool has_password = (flags & 0x40u) != 0;
    const bool has_username = (flags & 0x80u) != 0;
    // Will QoS 3 is malformed; without the will flag, will QoS and retain MUST be 0
    // [MQTT-3.1.2-11] [MQTT-3.1.2-12] [MQTT-3.1.2-13] (3.1.1: [MQTT-3.1.2-13..15]).
    if (will_qos == 3 || (!will && (will_qos != 0 || will_retain)))
        return r.fail(CodecError::will_flags_inconsistent);
    // Before 5.0 a password needs a user name [MQTT-3.1.2-22] (3.1.1); 5.0 lifted this.
    if (has_password && !has_username && !v5) return r.fail(CodecError::password_without_username);
    if (!r.read_u16(c.keep_alive)) return false;
    if (v5) {
        if (!detail::read_properties(r, PropertyContext::connect, Sender::client, c.properties)) return false;
        // Authentication Data without an Authentication Method is a Protocol Error (§3.1.2.11.10).
        if (c.properties.authentication_data && !c.properties.authentication_method)
            return r.fail(CodecError::property_value_invalid);
    }

    std::string_view client_id;
    if (!r.read_string(client_id)) return false;  // [MQTT-3.1.3-4]
    if (c.version == ProtocolVersion::v31 && (client_id.empty() || client_id.size() > 23))
        return r.fail(CodecError::client_id_invalid);  // 3.1: 1 to 23 characters
    if (c.version == ProtocolVersion::v311 && client_id.empty() && !c.clean_start)
        return r.fail(CodecError::client_id_invalid);  // [MQTT-3.1.3-8]
    c.client_id.assign(client_id);

    if (will) {
        Will& w = c.will.emplace();
        w.qos = static_cast<QoS>(will_qos);
        w.retain = will_retain;
        if (v5 && !detail::read_properties(r, PropertyContext::will, Sender::client, w.properties))
            return false;
        std::string_view topic;
        if (!r.read_raw_string(topic)) return false;
        if (const auto ec = validate_topic_name(topic); ec) return fail_with(r, ec);  // [MQTT-3.1.3-11]
        w.topic.assign(topic);
        ByteView payload;
        if (!r.read_binary(payload)) return false;
        w.payload.assign(payload.begin(), payload.end());
    }
    if (has_username) {
        std::string_view username;
        if (!r.read_string(username)) return false;  // [MQTT-3.1.3-11] (3.1.1: -12)
        c.username.emplace(username);
    }
    if (has_password) {
        ByteView password;
        if (!r.read_binary(password)) return false;
        c.password.emplace(password.begin(), password.end());
    }
    return finish(r);
}

// §3.2 CONNACK.
bool read_connack(ByteReader& r, ProtocolVersion version, Connack& c)
{
    std::uint8_t flags = 0;
    std::uint8_t code = 0;
    if (!r.read_u8(flags)) return false;
    if ((flags & 0xFEu) != 0) return r.fail(CodecError::connack_flags_reserved);  // [MQTT-3.2.2-1]
    c.session_present = (flags & 0x01u) != 0;
    if (!r.read_u8(code)) return false;
    if (!is_v5(version)) {
        if (code > 5) return r.fail(CodecError::reason_code_invalid);  // Table 3.1 of 3.1.1
        c.reason = from_connect_return_code(static_cast<ConnectReturnCode311>(code));
        return finish(r);
    }
    if (!reason_allowed(PacketType::connack, code, Sender::server))
        return r.fail(CodecError::reason_code_invalid);
    c.reason = static_cast<ReasonCode>(code);
    if (!detail::read_properties(r, PropertyContext::connack, Sender::server, c.properties)) return false;
    return finish(r);
}

// §3.3 PUBLISH. The hot path: one pass over the topic, one copy of the payload.
bool read_publish(ByteReader& r, std::uint8_t flags, const DecodeOptions& options, Publish& p)
{
    p.retain = (flags & 0x01u) != 0;
    p.qos = static_cast<QoS>((flags >> 1) & 3u);
    p.dup = (flags & 0x08u) != 0;
    std::string_view topic;
    if (!r.read_raw_string(topic)) return false;
    // No wildcards [MQTT-3.3.2-2]; well-formed UTF-8 without U+0000 [MQTT-1.5.4-1] [MQTT-1.5.4-2].
    if (const CodecError e = detail::check_topic_name_chars(topic); e != detail::kNoError) return r.fail(e);
    if (p.qos != QoS::at_most_once && !read_packet_id(r, p.packet_id)) return false;
    if (is_v5(options.version)) {
        if (!detail::read_properties(r, PropertyContext::publish, options.sender, p.properties)) return false;
        // An empty topic is allowed only with a Topic Alias (§3.3.2.3.4).
        if (topic.empty() && !p.properties.topic_alias) return r.fail(CodecError::topic_alias_missing);
    } else if (topic.empty()) {
        return r.fail(CodecError::topic_name_invalid);  // [MQTT-4.7.3-1]
    }
    p.topic.assign(topic);
    const ByteView payload = r.rest();
    p.payload.assign(payload.begin(), payload.end());
    return true;
}

// §3.4-3.7 PUBACK, PUBREC, PUBREL, PUBCOMP.
template <PacketType Type>
bool read_publish_ack(ByteReader& r, const DecodeOptions& options, PublishAck<Type>& a)
{
    if (!read_packet_id(r, a.packet_id)) return false;
    if (!is_v5(options.version) || r.empty()) return finish(r);  // 5.0: Remaining Length 2 means Success
    if (!read_reason(r, Type, options.sender, a.reason)) return false;
    if (r.empty()) return true;  // Remaining Length 3: no Property Length (§3.4.2.2)
    constexpr auto context = Type == PacketType::puback   ? PropertyContext::puback
                             : Type == PacketType::pubrec ? PropertyContext::pubrec
                             : Type == PacketType::pubrel ? PropertyContext::pubrel
                                                          : PropertyContext::pubcomp;
    if (!detail::read_properties(r, context, options.sender, a.properties)) return false;
    return finish(r);
}

// Subscription options (§3.8.3.1); before 5.0 only the QoS, with bits 7..2 reserved [MQTT-3.8.3-4].
bool read_subscription_options(ByteReader& r, ProtocolVersion version, SubscriptionOptions& o)
{
    std::uint8_t byte = 0;
    if (!r.read_u8(byte)) return false;
    const std::uint8_t reserved = is_v5(version) ? 0xC0 : 0xFC;
    if ((byte & reserved) != 0) return r.fail(CodecError::subscription_options_reserved);  // [MQTT-3.8.3-5]
    if ((byte & 3u) == 3) return r.fail(CodecError::invalid_qos);
    o.qos = static_cast<QoS>(byte & 3u);
    o.no_local = (byte & 0x04u) != 0;
    o.retain_as_published = (byte & 0x08u) != 0;
    const unsigned retain_handling = (byte >> 4) & 3u;
    if (retain_handling == 3) return r.fail(CodecError::retain_handling_invalid);  // §3.8.3.1
    o.retain_handling = static_cast<RetainHandling>(retain_handling);
    return true;
}

bool read_filter(ByteReader& r, std::string& out)
{
    std::string_view filter;
    if (!r.read_raw_string(filter)) return false;
    if (const auto ec = validate_topic_filter(filter); ec) return fail_with(r, ec);
    out.assign(filter);
    return true;
}

// §3.8 SUBSCRIBE.
bool read_subscribe(ByteReader& r, ProtocolVersion version, Subscribe& s)
{
    if (!read_packet_id(r, s.packet_id)) return false;
    if (is_v5(version) &&
        !detail::read_properties(r, PropertyContext::subscribe, Sender::client, s.properties))
        return false;
    if (r.empty()) return r.fail(CodecError::no_topic_filters);  // [MQTT-3.8.3-2] (3.1.1: -3)
    while (!r.empty()) {
        TopicSubscription& sub = s.subscriptions.emplace_back();
        if (!read_filter(r, sub.filter) || !read_subscription_options(r, version, sub.options)) return false;
        // No Local on a shared subscription is a Protocol Error [MQTT-3.8.3-4].
        if (is_v5(version) && sub.options.no_local && sub.filter.starts_with("$share/"))
            return r.fail(CodecError::shared_subscription_invalid);
    }
    return true;
}

// §3.9 SUBACK. 3.1.1 return codes 0x00-0x02 and 0x80 (failure) [MQTT-3.9.3-2].
bool read_suback(ByteReader& r, ProtocolVersion version, Suback& s)
{
    if (!read_packet_id(r, s.packet_id)) return false;
    if (is_v5(version) && !detail::read_properties(r, PropertyContext::suback, Sender::server, s.properties))
        return false;
    if (r.empty()) return r.fail(CodecError::truncated);  // one code per filter, and there was one at least
    s.reasons.reserve(r.remaining());
    while (!r.empty()) {
        if (is_v5(version)) {
            if (!read_reason(r, PacketType::suback, Sender::server, s.reasons.emplace_back())) return false;
            continue;
        }
        std::uint8_t code = 0;
        r.read_u8(code);
        if (code > 2 && code != 0x80) return r.fail(CodecError::reason_code_invalid);
        s.reasons.push_back(static_cast<ReasonCode>(code));
    }
    return true;
}

// §3.10 UNSUBSCRIBE.
bool read_unsubscribe(ByteReader& r, ProtocolVersion version, Unsubscribe& u)
{
    if (!read_packet_id(r, u.packet_id)) return false;
    if (is_v5(version) &&
        !detail::read_properties(r, PropertyContext::unsubscribe, Sender::client, u.properties))
        return false;
    if (r.empty()) return r.fail(CodecError::no_topic_filters);  // [MQTT-3.10.3-2]
    while (!r.empty()) {
        if (!read_filter(r, u.filters.emplace_back())) return false;
    }
    return true;
}

// §3.11 UNSUBACK. Before 5.0 only the packet identifier.
bool read_unsuback(ByteReader& r, ProtocolVersion version, Unsuback& u)
{
    if (!read_packet_id(r, u.packet_id)) return false;
    if (!is_v5(version)) return finish(r);
    if (!detail::read_properties(r, PropertyContext::unsuback, Sender::server, u.properties)) return false;
    if (r.empty()) return r.fail(CodecError::truncated);
    u.reasons.reserve(r.remaining());
    while (!r.empty()) {
        if (!read_reason(r, PacketType::unsuback, Sender::server, u.reasons.emplace_back())) return false;
    }
    return true;
}

// §3.14 DISCONNECT. 5.0: Remaining Length 0 means Normal Disconnection, 1 means no properties.
bool read_disconnect(ByteReader& r, const DecodeOptions& options, Disconnect& d)
{
    if (!is_v5(options.version) || r.empty()) return finish(r);
    if (!read_reason(r, PacketType::disconnect, options.sender, d.reason)) return false;
    if (r.empty()) return true;
    if (!detail::read_properties(r, PropertyContext::disconnect, options.sender, d.properties)) return false;
    return finish(r);
}

// §3.15 AUTH (5.0 only; the fixed header has already refused it for earlier versions).
bool read_auth(ByteReader& r, const DecodeOptions& options, Auth& a)
{
    if (r.empty()) return true;  // Remaining Length 0: Success, no properties (§3.15.2.1)
    if (!read_reason(r, PacketType::auth, options.sender, a.reason)) return false;
    if (r.empty()) return true;
    if (!detail::read_properties(r, PropertyContext::auth, options.sender, a.properties)) return false;
    return finish(r);
}

// GCC 12 with -O2 and the sanitizers reports the Decoded alternative as "maybe uninitialized" in
// the assignment of the error below: a false positive (the assignment destroys the value and
// stores the error). One named result for every return keeps the success path free of moves.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
template <class P, class Read>
Result<Decoded> decode_body(ByteView body, std::size_t size, Read&& read)
{
    Result<Decoded> out{boost::system::in_place_value, std::in_place_type<P>, size};
    ByteReader r(body);
    if (!read(r, *std::get_if<P>(&out->packet))) out = Result<Decoded>{error_code{r.error()}};
    return out;
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // namespace

Result<FixedHeader> decode_fixed_header(ByteView input, const DecodeOptions& options)
{
    if (input.empty()) return CodecError::need_more;
    const auto first = static_cast<std::uint8_t>(input[0]);
    const auto type_value = static_cast<std::uint8_t>(first >> 4);
    const auto flags = static_cast<std::uint8_t>(first & 0x0Fu);
    // Type 0 is reserved; AUTH (15) exists only in 5.0 [MQTT-2.1.2]. The version of a CONNECT is in
    // its body, so the negotiated version is not held against it.
    if (type_value == 0 || (type_value == 15 && !is_v5(options.version)))
        return CodecError::reserved_packet_type;
    const auto type = static_cast<PacketType>(type_value);
    if (const CodecError e = check_flags(type, flags); e != detail::kNoError) return e;
    if (!direction_allowed(type, options.sender, options.version)) return CodecError::unexpected_packet;

    const auto length = detail::read_varint(input.data() + 1, input.size() - 1);
    if (length.status == detail::VarintStatus::need_more) return CodecError::need_more;
    if (length.status == detail::VarintStatus::invalid) return CodecError::remaining_length_invalid;
    FixedHeader header{type, flags, length.value, static_cast<std::uint8_t>(1 + length.size)};
    if (header.packet_size() > options.max_packet_size) return CodecError::packet_too_large;
    return header;
}

Result<Decoded> decode(ByteView input, const DecodeOptions& options)
{
    auto header = decode_fixed_header(input, options);
    if (!header) return header.error();
    const std::size_t size = header->packet_size();
    if (input.size() < size) return CodecError::need_more;
    const ByteView body = input.subspan(header->header_size, header->remaining_length);
    const ProtocolVersion v = options.version;

    switch (header->type) {
        case PacketType::connect:
            return decode_body<Connect>(body, size,
                                        [](ByteReader& r, Connect& c) { return read_connect(r, c); });
        case PacketType::connack:
            return decode_body<Connack>(body, size,
                                        [v](ByteReader& r, Connack& c) { return read_connack(r, v, c); });
        case PacketType::publish: {
            const std::uint8_t flags = header->flags;
            return decode_body<Publish>(body, size, [flags, &options](ByteReader& r, Publish& p) {
                return read_publish(r, flags, options, p);
            });
        }
        case PacketType::puback:
            return decode_body<Puback>(
                body, size, [&options](ByteReader& r, Puback& a) { return read_publish_ack(r, options, a); });
        case PacketType::pubrec:
            return decode_body<Pubrec>(
                body, size, [&options](ByteReader& r, Pubrec& a) { return read_publish_ack(r, options, a); });
        case PacketType::pubrel:
            return decode_body<Pubrel>(
                body, size, [&options](ByteReader& r, Pubrel& a) { return read_publish_ack(r, options, a); });
        case PacketType::pubcomp:
            return decode_body<Pubcomp>(body, size, [&options](ByteReader& r, Pubcomp& a) {
                return read_publish_ack(r, options, a);
            });
        case PacketType::subscribe:
            return decode_body<Subscribe>(
                body, size, [v](ByteReader& r, Subscribe& s) { return read_subscribe(r, v, s); });
        case PacketType::suback:
            return decode_body<Suback>(body, size,
                                       [v](ByteReader& r, Suback& s) { return read_suback(r, v, s); });
        case PacketType::unsubscribe:
            return decode_body<Unsubscribe>(
                body, size, [v](ByteReader& r, Unsubscribe& u) { return read_unsubscribe(r, v, u); });
        case PacketType::unsuback:
            return decode_body<Unsuback>(body, size,
                                         [v](ByteReader& r, Unsuback& u) { return read_unsuback(r, v, u); });
        case PacketType::pingreq:
            return decode_body<Pingreq>(body, size, [](ByteReader& r, Pingreq&) { return finish(r); });
        case PacketType::pingresp:
            return decode_body<Pingresp>(body, size, [](ByteReader& r, Pingresp&) { return finish(r); });
        case PacketType::disconnect:
            return decode_body<Disconnect>(body, size, [&options](ByteReader& r, Disconnect& d) {
                return read_disconnect(r, options, d);
            });
        case PacketType::auth:
            return decode_body<Auth>(body, size,
                                     [&options](ByteReader& r, Auth& a) { return read_auth(r, options, a); });
    }
    return CodecError::reserved_packet_type;
}

std::optional<ProtocolVersion> peek_connect_version(ByteView input) noexcept
{
    // Fixed header, then the protocol name (2-byte length + bytes), then the level.
    if (input.empty() || static_cast<std::uint8_t>(input[0]) >> 4 != 1) return std::nullopt;
    const auto length = detail::read_varint(input.data() + 1, input.size() - 1);
    if (length.status != detail::VarintStatus::ok) return std::nullopt;
    ByteReader r(input.subspan(1 + length.size));
    std::string_view name;
    std::uint8_t level = 0;
    if (!r.read_raw_string(name) || !r.read_u8(level)) return std::nullopt;
    switch (level) {
        case 3:
            return ProtocolVersion::v31;
        case 4:
            return ProtocolVersion::v311;
        case 5:
            return ProtocolVersion::v5;
        default:
            return std::nullopt;
    }
}

}  // namespace moatmq::codec
