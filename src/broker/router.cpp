#include "broker/router.hpp"

#include <algorithm>
#include <utility>

#include "codec/topic.hpp"

namespace moatmq::broker {
namespace {

codec::QoS min_qos(codec::QoS a, codec::QoS b) noexcept
{
    return a < b ? a : b;
}

// The next element of `out` to fill: reuses an existing element (and its subscription_ids capacity)
// before growing the vector.
Delivery& next_delivery(std::vector<Delivery>& out, std::size_t& used)
{
    if (used == out.size()) out.emplace_back();
    Delivery& delivery = out[used++];
    delivery.subscription_ids.clear();
    delivery.shared_group = 0;
    return delivery;
}

}  // namespace

Result<bool> Router::subscribe(SessionId session, std::string_view filter,
                               const codec::SubscriptionOptions& options, std::uint32_t subscription_id)
{
    return trie_.insert(session, filter, options, subscription_id);
}

bool Router::unsubscribe(SessionId session, std::string_view filter)
{
    return trie_.erase(session, filter);
}

std::size_t Router::unsubscribe_all(SessionId session)
{
    return trie_.erase_all(session);
}

void Router::route(const Message& message, std::optional<SessionId> publisher,
                   std::vector<Delivery>& out) const
{
    thread_local std::vector<SubscriptionMatch> matches;
    matches.clear();
    const std::size_t ordinary_nodes = trie_.match(message.topic, matches);

    // Ordinary matches first, grouped by session so that one session's overlapping subscriptions are
    // adjacent; shared-group picks after them, each its own delivery.
    auto shared_begin = std::partition(matches.begin(), matches.end(),
                                       [](const SubscriptionMatch& m) { return m.shared_group == 0; });
    if (ordinary_nodes > 1) {
        std::sort(matches.begin(), shared_begin, [](const SubscriptionMatch& a, const SubscriptionMatch& b) {
            return a.session < b.session;
        });
    }

    std::size_t used = 0;
    for (auto first = matches.begin(); first != shared_begin;) {
        auto last = first;
        bool receives = false;
        codec::QoS granted = codec::QoS::at_most_once;
        bool retain_as_published = false;
        for (; last != shared_begin && last->session == first->session; ++last) {
            // No Local: not back to the session that published it [MQTT-3.8.3-3].
            if (last->options.no_local && publisher == last->session) continue;
            receives = true;
            granted = std::max(granted, last->options.qos);
            retain_as_published = retain_as_published || last->options.retain_as_published;
        }
        if (receives) {
            Delivery& delivery = next_delivery(out, used);
            delivery.session = first->session;
            delivery.qos = min_qos(message.qos, granted);  // [MQTT-3.3.4-2] [MQTT-3.8.4-8]
            // Live deliveries carry RETAIN=1 only under Retain As Published [MQTT-3.3.1-12..13].
            delivery.retain = message.retain && retain_as_published;
            for (auto m = first; m != last; ++m) {
                if (m->subscription_id == 0) continue;
                if (m->options.no_local && publisher == m->session) continue;
                delivery.subscription_ids.push_back(m->subscription_id);
            }
            if (delivery.subscription_ids.size() > 1) {
                std::sort(delivery.subscription_ids.begin(), delivery.subscription_ids.end());
                delivery.subscription_ids.erase(
                    std::unique(delivery.subscription_ids.begin(), delivery.subscription_ids.end()),
                    delivery.subscription_ids.end());
            }
        }
        first = last;
    }

    // No Local is not applied to shared subscriptions: setting it on one is a Protocol Error that
    // SUBSCRIBE handling rejects [MQTT-3.8.3-4].
    for (auto m = shared_begin; m != matches.end(); ++m) {
        Delivery& delivery = next_delivery(out, used);
        delivery.session = m->session;
        delivery.qos = min_qos(message.qos, m->options.qos);
        delivery.retain = message.retain && m->options.retain_as_published;
        if (m->subscription_id != 0) delivery.subscription_ids.push_back(m->subscription_id);
        delivery.shared_group = m->shared_group;
    }
    out.resize(used);
}

std::optional<Delivery> Router::route_shared_again(SharedGroupId group, const Message& message,
                                                   SessionId excluding) const
{
    auto member = trie_.pick_shared_member(group, excluding);
    if (!member) return std::nullopt;
    Delivery delivery;
    delivery.session = member->session;
    delivery.qos = min_qos(message.qos, member->options.qos);
    delivery.retain = message.retain && member->options.retain_as_published;
    if (member->subscription_id != 0) delivery.subscription_ids.push_back(member->subscription_id);
    delivery.shared_group = group;
    return delivery;
}

void Router::retain(MessagePtr message, const std::function<void()>& record)
{
    retained_.set(std::move(message), record);
}

void Router::retained_for(std::string_view filter, TimePoint now, std::vector<MessagePtr>& out) const
{
    auto shared = codec::parse_shared_filter(filter);
    if (!shared || *shared) return;  // invalid, or shared: no retained messages (spec §3.3.1.3)
    retained_.match(filter, now, out);
}

}  // namespace moatmq::broker
