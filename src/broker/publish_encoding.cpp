#include "broker/publish_encoding.hpp"

#include <chrono>

#include "codec/encoder.hpp"

namespace moatmq::broker {

codec::Publish make_publish(const Message& message, codec::QoS qos, bool retain,
                            const std::vector<std::uint32_t>& subscription_ids,
                            codec::ProtocolVersion version, TimePoint now)
{
    codec::Publish publish;
    publish.topic = message.topic;
    publish.payload = message.payload;
    publish.qos = qos;
    publish.retain = retain;
    if (version == codec::ProtocolVersion::v5) {
        publish.properties = message.properties;
        publish.properties.topic_alias.reset();
        publish.properties.subscription_identifiers = subscription_ids;
        publish.properties.message_expiry_interval.reset();
        if (message.expires_at) {
            const auto left = std::chrono::ceil<std::chrono::seconds>(*message.expires_at - now).count();
            publish.properties.message_expiry_interval = static_cast<std::uint32_t>(left > 0 ? left : 0);
        }
    }
    return publish;
}

SharedBytes PublishEncoding::qos0(const Message& message, bool retain, codec::ProtocolVersion version)
{
    const bool v5 = version == codec::ProtocolVersion::v5;
    auto& slot = slots_[(v5 ? 2u : 0u) + (retain ? 1u : 0u)];
    std::call_once(slot.once, [&] {
        auto publish = make_publish(message, codec::QoS::at_most_once, retain, {}, version, TimePoint{});
        auto bytes = std::make_shared<Bytes>();
        if (codec::encode(publish, version, *bytes)) slot.bytes = std::move(bytes);
    });
    return slot.bytes;
}

}  // namespace moatmq::broker
