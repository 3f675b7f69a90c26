#include "store/record_codec.hpp"

#include <memory>

#include "codec/decoder.hpp"
#include "codec/encoder.hpp"

namespace moatmq::store {
namespace {

constexpr std::uint8_t kRecordVersion = 1;

// --- writing ---
void put_u8(std::string& out, std::uint8_t v)
{
    out.push_back(static_cast<char>(v));
}
void put_u16(std::string& out, std::uint16_t v)
{
    put_u8(out, static_cast<std::uint8_t>(v >> 8));
    put_u8(out, static_cast<std::uint8_t>(v));
}
void put_u32(std::string& out, std::uint32_t v)
{
    put_u16(out, static_cast<std::uint16_t>(v >> 16));
    put_u16(out, static_cast<std::uint16_t>(v));
}
void put_u64(std::string& out, std::uint64_t v)
{
    put_u32(out, static_cast<std::uint32_t>(v >> 32));
    put_u32(out, static_cast<std::uint32_t>(v));
}
void put_string(std::string& out, std::string_view s)
{
    put_u16(out, static_cast<std::uint16_t>(s.size()));  // client ids and topics are at most 65,535 bytes
    out.append(s);
}

// --- reading: every read checks the bytes left; a failed read poisons the reader ---
class Reader {
public:
    explicit Reader(std::string_view in) : in_(in) {}
    bool ok() const noexcept { return ok_; }
    bool at_end() const noexcept { return ok_ && pos_ == in_.size(); }
    std::string_view rest() noexcept
    {
        auto r = ok_ ? in_.substr(pos_) : std::string_view{};
        pos_ = in_.size();
        return r;
    }
    std::uint8_t u8()
    {
        if (!need(1)) return 0;
        return static_cast<std::uint8_t>(in_[pos_++]);
    }
    std::uint16_t u16()
    {
        const auto hi = u8();
        return static_cast<std::uint16_t>((hi << 8) | u8());
    }
    std::uint32_t u32()
    {
        const std::uint32_t hi = u16();
        return (hi << 16) | u16();
    }
    std::uint64_t u64()
    {
        const std::uint64_t hi = u32();
        return (hi << 32) | u32();
    }
    std::string_view bytes(std::size_t n)
    {
        if (!need(n)) return {};
        auto r = in_.substr(pos_, n);
        pos_ += n;
        return r;
    }
    std::string_view string() { return bytes(u16()); }

private:
    bool need(std::size_t n)
    {
        if (ok_ && in_.size() - pos_ >= n) return true;
        ok_ = false;
        return false;
    }
    std::string_view in_;
    std::size_t pos_ = 0;
    bool ok_ = true;
};

std::string key_with_client(RecordKind kind, std::string_view client_id)
{
    std::string key;
    key.reserve(3 + client_id.size() + 8);
    key.push_back(static_cast<char>(kind));
    put_string(key, client_id);
    return key;
}

bool known_kind(char c)
{
    switch (static_cast<RecordKind>(c)) {
        case RecordKind::format:
        case RecordKind::session:
        case RecordKind::subscription:
        case RecordKind::delivery:
        case RecordKind::delivery_stage:
        case RecordKind::inbound_qos2:
        case RecordKind::retained:
            return true;
    }
    return false;
}

std::uint8_t options_byte(const codec::SubscriptionOptions& o)
{
    return static_cast<std::uint8_t>(static_cast<unsigned>(o.qos) | (o.no_local ? 0x04U : 0U) |
                                     (o.retain_as_published ? 0x08U : 0U) |
                                     (static_cast<unsigned>(o.retain_handling) << 4));
}

}  // namespace

// ---------------------------------------------------------------------------------------------------
// Keys

std::string format_key()
{
    return std::string(1, static_cast<char>(RecordKind::format));
}

std::string session_prefix(RecordKind kind, std::string_view client_id)
{
    return key_with_client(kind, client_id);
}

std::string subscription_key(std::string_view client_id, std::string_view filter)
{
    auto key = key_with_client(RecordKind::subscription, client_id);
    key.append(filter);
    return key;
}

std::string delivery_key(RecordKind kind, std::string_view client_id, std::uint64_t seq)
{
    auto key = key_with_client(kind, client_id);
    put_u64(key, seq);
    return key;
}

std::string inbound_key(std::string_view client_id, std::uint16_t packet_id)
{
    auto key = key_with_client(RecordKind::inbound_qos2, client_id);
    put_u16(key, packet_id);
    return key;
}

std::string retained_key(std::string_view topic)
{
    std::string key(1, static_cast<char>(RecordKind::retained));
    key.append(topic);
    return key;
}

std::string prefix_end(std::string_view prefix)
{
    std::string end(prefix);
    while (!end.empty()) {
        auto& last = reinterpret_cast<unsigned char&>(end.back());
        if (last != 0xFF) {
            ++last;
            return end;
        }
        end.pop_back();
    }
    return end;  // every byte 0xFF: no upper bound (does not happen: kinds are ASCII)
}

std::optional<ParsedKey> parse_key(std::string_view key)
{
    if (key.empty() || !known_kind(key.front())) return std::nullopt;
    const auto kind = static_cast<RecordKind>(key.front());
    if (kind == RecordKind::format) {
        if (key.size() != 1) return std::nullopt;
        return ParsedKey{kind, {}, {}};
    }
    if (kind == RecordKind::retained) return ParsedKey{kind, {}, key.substr(1)};
    Reader r(key.substr(1));
    const auto client_id = r.string();
    if (!r.ok()) return std::nullopt;
    return ParsedKey{kind, std::string(client_id), r.rest()};
}

std::optional<std::uint64_t> parse_seq(std::string_view rest)
{
    Reader r(rest);
    const auto seq = r.u64();
    if (!r.at_end()) return std::nullopt;
    return seq;
}

std::optional<std::uint16_t> parse_packet_id(std::string_view rest)
{
    Reader r(rest);
    const auto id = r.u16();
    if (!r.at_end() || id == 0) return std::nullopt;
    return id;
}

// ---------------------------------------------------------------------------------------------------
// Values

std::string encode_format(std::uint32_t version)
{
    std::string out;
    put_u32(out, version);
    return out;
}

std::optional<std::uint32_t> decode_format(std::string_view value)
{
    Reader r(value);
    const auto version = r.u32();
    if (!r.at_end()) return std::nullopt;
    return version;
}

// Message: version, flags (bit 0: has expiry), [expiry i64], origin client id, origin user name, then the
// message as an MQTT 5.0 PUBLISH packet (topic, QoS, retain, properties, payload; packet id 1 when QoS > 0).
std::string encode_message(const broker::StoredMessage& stored)
{
    const auto& m = *stored.message;
    std::string out;
    put_u8(out, kRecordVersion);
    put_u8(out, stored.expires_at ? 1 : 0);
    if (stored.expires_at) put_u64(out, static_cast<std::uint64_t>(*stored.expires_at));
    put_string(out, m.origin_client_id);
    put_string(out,
               m.origin_username);  // a will's ACL check runs when it is published, maybe after a restart
    codec::Publish publish;
    publish.topic = m.topic;
    publish.payload = m.payload;
    publish.qos = m.qos;
    publish.retain = m.retain;
    publish.packet_id = m.qos == codec::QoS::at_most_once ? 0 : 1;
    publish.properties = m.properties;
    Bytes packet;
    if (!codec::encode(publish, codec::ProtocolVersion::v5, packet))
        return {};  // cannot happen: it was received
    out.append(as_chars(packet));
    return out;
}

std::optional<broker::StoredMessage> decode_message(std::string_view value)
{
    Reader r(value);
    if (r.u8() != kRecordVersion) return std::nullopt;
    const auto flags = r.u8();
    broker::StoredMessage stored;
    if (flags & 1) stored.expires_at = static_cast<broker::WallMillis>(r.u64());
    const auto origin = r.string();
    const auto username = r.string();
    const auto packet = r.rest();
    if (!r.ok() || (flags & ~1) != 0) return std::nullopt;
    auto decoded = codec::decode(as_bytes(packet),
                                 codec::DecodeOptions{codec::ProtocolVersion::v5, codec::Sender::server});
    if (!decoded || decoded->consumed != packet.size()) return std::nullopt;
    auto* publish = std::get_if<codec::Publish>(&decoded->packet);
    if (!publish || publish->topic.empty()) return std::nullopt;
    auto message = std::make_shared<broker::Message>();
    message->topic = std::move(publish->topic);
    message->payload = std::move(publish->payload);
    message->qos = publish->qos;
    message->retain = publish->retain;
    message->properties = std::move(publish->properties);
    message->origin_client_id = std::string(origin);
    message->origin_username = std::string(username);
    stored.message = std::move(message);
    return stored;
}

// Session: version, expiry interval u32, protocol level u8, flags (bit 0 expires_at, bit 1 will, bit 2 the
// will's publish_at), [expires_at i64], [will delay u32, [publish_at i64], will message].
std::string encode_session(const broker::StoredSession& s)
{
    std::string out;
    put_u8(out, kRecordVersion);
    put_u32(out, s.expiry_interval);
    put_u8(out, static_cast<std::uint8_t>(s.version));
    const bool publish_at = s.will && s.will->publish_at;
    put_u8(out, static_cast<std::uint8_t>((s.expires_at ? 1 : 0) | (s.will ? 2 : 0) | (publish_at ? 4 : 0)));
    if (s.expires_at) put_u64(out, static_cast<std::uint64_t>(*s.expires_at));
    if (s.will) {
        put_u32(out, s.will->delay_interval);
        if (publish_at) put_u64(out, static_cast<std::uint64_t>(*s.will->publish_at));
        out.append(encode_message(s.will->message));
    }
    return out;
}

bool decode_session(std::string_view value, broker::StoredSession& out)
{
    Reader r(value);
    if (r.u8() != kRecordVersion) return false;
    out.expiry_interval = r.u32();
    const auto version = r.u8();
    const auto flags = r.u8();
    if (!r.ok() || (flags & ~7) != 0 || version < 3 || version > 5) return false;
    out.version = static_cast<codec::ProtocolVersion>(version);
    if (flags & 1) out.expires_at = static_cast<broker::WallMillis>(r.u64());
    if (flags & 2) {
        broker::StoredWill will;
        will.delay_interval = r.u32();
        if (flags & 4) will.publish_at = static_cast<broker::WallMillis>(r.u64());
        auto message = r.ok() ? decode_message(r.rest()) : std::nullopt;
        if (!message) return false;
        will.message = std::move(*message);
        out.will = std::move(will);
    } else if (flags & 4) {
        return false;
    }
    return r.ok() && (r.at_end() || out.will);
}

// Subscription: version, options byte (as in SUBSCRIBE), subscription identifier u32.
std::string encode_subscription(const broker::StoredSubscription& subscription)
{
    std::string out;
    put_u8(out, kRecordVersion);
    put_u8(out, options_byte(subscription.options));
    put_u32(out, subscription.subscription_id);
    return out;
}

std::optional<broker::StoredSubscription> decode_subscription(std::string_view filter, std::string_view value)
{
    Reader r(value);
    if (r.u8() != kRecordVersion) return std::nullopt;
    const auto options = r.u8();
    const auto id = r.u32();
    if (!r.at_end() || filter.empty() || (options & 0x03) == 3 || (options >> 4) > 2 || (options & 0xC0)) {
        return std::nullopt;
    }
    broker::StoredSubscription s;
    s.filter = std::string(filter);
    s.options.qos = static_cast<codec::QoS>(options & 0x03);
    s.options.no_local = (options & 0x04) != 0;
    s.options.retain_as_published = (options & 0x08) != 0;
    s.options.retain_handling = static_cast<codec::RetainHandling>((options >> 4) & 0x03);
    s.subscription_id = id;
    return s;
}

// Delivery: version, QoS u8, retain u8, count u16 + subscription ids u32 each, message.
std::string encode_delivery(const broker::StoredDelivery& d)
{
    std::string out;
    put_u8(out, kRecordVersion);
    put_u8(out, static_cast<std::uint8_t>(d.qos));
    put_u8(out, d.retain ? 1 : 0);
    put_u16(out, static_cast<std::uint16_t>(d.subscription_ids.size()));
    for (auto id : d.subscription_ids)
        put_u32(out, id);
    out.append(encode_message(d.message));
    return out;
}

bool decode_delivery(std::string_view value, broker::StoredDelivery& out)
{
    Reader r(value);
    if (r.u8() != kRecordVersion) return false;
    const auto qos = r.u8();
    const auto retain = r.u8();
    const auto count = r.u16();
    if (!r.ok() || qos < 1 || qos > 2 || retain > 1) return false;
    out.qos = static_cast<codec::QoS>(qos);
    out.retain = retain == 1;
    out.subscription_ids.clear();
    for (unsigned i = 0; i < count && r.ok(); ++i)
        out.subscription_ids.push_back(r.u32());
    auto message = r.ok() ? decode_message(r.rest()) : std::nullopt;
    if (!message) return false;
    out.message = std::move(*message);
    return true;
}

// Stage: version, packet id u16, stage u8.
std::string encode_stage(std::uint16_t packet_id, broker::StoredStage stage)
{
    std::string out;
    put_u8(out, kRecordVersion);
    put_u16(out, packet_id);
    put_u8(out, static_cast<std::uint8_t>(stage));
    return out;
}

bool decode_stage(std::string_view value, broker::StoredDelivery& out)
{
    Reader r(value);
    if (r.u8() != kRecordVersion) return false;
    const auto id = r.u16();
    const auto stage = r.u8();
    if (!r.at_end() || id == 0 || stage < 1 || stage > 3) return false;
    out.packet_id = id;
    out.stage = static_cast<broker::StoredStage>(stage);
    return true;
}

}  // namespace moatmq::store
