#include "broker/publish_encoding.hpp"

#include <chrono>

#include "codec/encoder.hpp"

namespace moatmq::broker {

Result<std::size_t> encode_publish(const Message& message, const PublishFor& receiver,
                                   codec::ProtocolVersion version, TimePoint now, Bytes& out)
{
    codec::PublishParts parts{receiver.alias_only ? std::string_view() : std::string_view(message.topic),
                              message.payload,
                              receiver.qos,
                              receiver.retain,
                              receiver.dup,
                              receiver.packet_id,
                              nullptr};
    if (version != codec::ProtocolVersion::v5) return codec::encode(parts, version, out);
    const auto& own = message.properties;
    const bool has_ids = receiver.subscription_ids && !receiver.subscription_ids->empty();
    if (!receiver.topic_alias && !has_ids && !message.expires_at && !own.topic_alias &&
        own.subscription_identifiers.empty() && !own.message_expiry_interval) {
        parts.properties = &own;  // nothing of the receiver's: the message's properties as they are
        return codec::encode(parts, version, out);
    }
    codec::Properties properties = own;
    properties.topic_alias = receiver.topic_alias;
    if (has_ids) {
        properties.subscription_identifiers = *receiver.subscription_ids;
    } else {
        properties.subscription_identifiers.clear();
    }
    properties.message_expiry_interval.reset();
    if (message.expires_at) {
        const auto left = std::chrono::ceil<std::chrono::seconds>(*message.expires_at - now).count();
        properties.message_expiry_interval = static_cast<std::uint32_t>(left > 0 ? left : 0);
    }
    parts.properties = &properties;
    return codec::encode(parts, version, out);
}

SharedBytes PublishEncoding::qos0(const Message& message, bool retain, codec::ProtocolVersion version)
{
    const bool v5 = version == codec::ProtocolVersion::v5;
    auto& slot = slots_[(v5 ? 2u : 0u) + (retain ? 1u : 0u)];
    if (slot.ready.load(std::memory_order_acquire)) return slot.bytes;
    std::lock_guard lock(mutex_);
    if (!slot.ready.load(std::memory_order_relaxed)) {
        auto bytes = std::make_shared<Bytes>();
        PublishFor receiver;
        receiver.retain = retain;
        if (encode_publish(message, receiver, version, TimePoint{}, *bytes)) slot.bytes = std::move(bytes);
        slot.ready.store(true, std::memory_order_release);
    }
    return slot.bytes;
}

}  // namespace moatmq::broker
