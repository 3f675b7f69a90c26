#include "broker/sys_topics.hpp"

#include <chrono>
#include <utility>

namespace moatmq::broker {
namespace {

// Counters are monotonic, but a snapshot taken from relaxed atomics could in theory read a counter
// lower than the previous one; a rate is never negative.
std::uint64_t per_second(std::uint64_t now_total, std::uint64_t before_total, Duration elapsed)
{
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
    if (micros <= 0 || now_total <= before_total) return 0;
    const std::uint64_t delta = now_total - before_total;
    return delta * 1'000'000 / static_cast<std::uint64_t>(micros);
}

}  // namespace

SysTopics::SysTopics(std::string version) : version_(std::move(version)) {}

std::vector<MessagePtr> SysTopics::build(const SysSnapshot& snapshot, TimePoint now)
{
    const BrokerStatsSnapshot& stats = snapshot.stats;
    const Duration elapsed = first_ ? Duration::zero() : now - last_time_;
    const BrokerStatsSnapshot& before = last_.stats;
    const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(snapshot.uptime).count();

    const std::pair<std::string_view, std::string> values[] = {
        {"$SYS/broker/version", "moatmq " + version_},
        {"$SYS/broker/uptime", std::to_string(uptime) + " seconds"},
        {"$SYS/broker/clients/connected", std::to_string(stats.clients_connected)},
        {"$SYS/broker/clients/total", std::to_string(stats.clients_total)},
        {"$SYS/broker/clients/maximum", std::to_string(stats.clients_maximum)},
        {"$SYS/broker/messages/received", std::to_string(stats.messages_received)},
        {"$SYS/broker/messages/sent", std::to_string(stats.messages_sent)},
        {"$SYS/broker/publish/messages/dropped", std::to_string(stats.messages_dropped)},
        {"$SYS/broker/publish/messages/refused", std::to_string(stats.messages_refused)},
        {"$SYS/broker/auth/succeeded", std::to_string(stats.auth_succeeded)},
        {"$SYS/broker/auth/failed", std::to_string(stats.auth_failed)},
        {"$SYS/broker/acl/publish/denied", std::to_string(stats.acl_publish_denied)},
        {"$SYS/broker/acl/subscribe/denied", std::to_string(stats.acl_subscribe_denied)},
        {"$SYS/broker/acl/receive/denied", std::to_string(stats.acl_receive_denied)},
        {"$SYS/broker/bytes/received", std::to_string(stats.bytes_received)},
        {"$SYS/broker/bytes/sent", std::to_string(stats.bytes_sent)},
        {"$SYS/broker/load/messages/received/per_second",
         std::to_string(per_second(stats.messages_received, before.messages_received, elapsed))},
        {"$SYS/broker/load/messages/sent/per_second",
         std::to_string(per_second(stats.messages_sent, before.messages_sent, elapsed))},
        {"$SYS/broker/load/bytes/received/per_second",
         std::to_string(per_second(stats.bytes_received, before.bytes_received, elapsed))},
        {"$SYS/broker/load/bytes/sent/per_second",
         std::to_string(per_second(stats.bytes_sent, before.bytes_sent, elapsed))},
        {"$SYS/broker/subscriptions/count", std::to_string(snapshot.subscriptions)},
        {"$SYS/broker/retained messages/count", std::to_string(snapshot.retained)},
    };

    std::vector<MessagePtr> messages;
    for (const auto& [topic, payload] : values) {
        auto it = last_payload_.find(topic);
        if (it != last_payload_.end() && it->second == payload) continue;
        if (it == last_payload_.end()) {
            last_payload_.emplace(std::string(topic), payload);
        } else {
            it->second = payload;
        }
        auto message = std::make_shared<Message>();
        message->topic = std::string(topic);
        message->payload = to_bytes(payload);
        message->qos = codec::QoS::at_most_once;
        message->retain = true;
        messages.push_back(std::move(message));
    }

    first_ = false;
    last_time_ = now;
    last_ = snapshot;
    return messages;
}

}  // namespace moatmq::broker
