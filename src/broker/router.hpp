#pragma once
// Router: who receives a message. Owns the subscription trie and the retained store; knows nothing of
// sessions beyond their ids, nor of connections, queues or protocol versions.
//
// Overlapping subscriptions of one session give that session ONE delivery: the QoS is the highest any
// of them grants (capped by the message) and, for 5.0, every matching Subscription Identifier is
// attached to it. The spec allows one delivery or one per subscription [MQTT-3.3.4-3..5]; one is what
// 3.1.1 requires [MQTT-3.3.5-1], so both versions share a single rule, clients never see duplicates,
// and the publish path encodes and queues one packet per session instead of several.
// Shared subscriptions are the exception: each group picks one member round-robin and that delivery
// stays separate (tagged with its group) even if the member also has an ordinary matching
// subscription, as spec §4.8.2 describes, so the core can hand it to another member if needed.
//
// Threads: safe from any thread. route() only takes shared locks.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "broker/delivery.hpp"
#include "broker/message.hpp"
#include "broker/retained_store.hpp"
#include "broker/subscription_trie.hpp"
#include "codec/packet.hpp"
#include "common/clock.hpp"
#include "common/result.hpp"

namespace moatmq::broker {

class Router {
public:
    // Adds or replaces a subscription (`filter` validated by the codec, may be "$share/{group}/...").
    // Returns whether the session already had this filter: Retain Handling 1 sends retained messages
    // only if it did not [MQTT-3.3.1-10]. A malformed shared filter is returned as the codec's error.
    Result<bool> subscribe(SessionId session, std::string_view filter,
                           const codec::SubscriptionOptions& options, std::uint32_t subscription_id = 0);

    // Returns whether the subscription existed (UNSUBACK 0x00 vs 0x11).
    bool unsubscribe(SessionId session, std::string_view filter);

    // When a session ends: removes all its subscriptions; returns how many.
    std::size_t unsubscribe_all(SessionId session);

    // Overwrites `out` with one Delivery per receiver of `message` (see the top of this file): qos =
    // min(message, granted), retain = message.retain only where Retain As Published is set
    // [MQTT-3.3.1-12..13], subscription identifiers of 5.0 subscriptions, no delivery to `publisher`
    // on a No Local subscription [MQTT-3.8.3-3]. `publisher` is the publishing session, nullopt for
    // messages the broker itself publishes ($SYS). `out`'s elements are reused: pass the same vector
    // every time and a warmed route does not allocate. The order of deliveries is unspecified.
    void route(const Message& message, std::optional<SessionId> publisher, std::vector<Delivery>& out) const;

    // For a shared delivery whose receiver went away before completing it (spec §4.8.2): the delivery
    // for another member of `group`, or nullopt if there is none (the message is then dropped).
    std::optional<Delivery> route_shared_again(SharedGroupId group, const Message& message,
                                               SessionId excluding) const;

    // Tell the router when a session's connection comes and goes: a shared group delivers to online
    // members while it has any (an offline persistent member would only queue the message, and drop
    // QoS 0). Sessions are online until told otherwise; unsubscribe_all() forgets the session.
    void set_online(SessionId session, bool online) { trie_.set_online(session, online); }

    // Retained messages. Call retain() for every PUBLISH with RETAIN=1 (an empty payload clears the
    // topic), in addition to route(). `record`: see RetainedStore::set.
    void retain(MessagePtr message, const std::function<void()>& record = {});

    // Retained messages to send for a new subscription to `filter`, in no set order. Appends to
    // `out`. Nothing for a shared subscription: retained messages are sent only for non-shared ones
    // (spec §3.3.1.3). The caller applies Retain Handling (using subscribe()'s answer), and sends each
    // with RETAIN=1 (spec §3.3.1.3) at min(message QoS, granted QoS).
    void retained_for(std::string_view filter, TimePoint now, std::vector<MessagePtr>& out) const;

    RetainedStore& retained() noexcept { return retained_; }
    const RetainedStore& retained() const noexcept { return retained_; }
    const SubscriptionTrie& subscriptions() const noexcept { return trie_; }

    std::size_t subscription_count() const { return trie_.size(); }
    std::size_t retained_count() const { return retained_.size(); }

private:
    SubscriptionTrie trie_;
    RetainedStore retained_;
};

}  // namespace moatmq::broker
