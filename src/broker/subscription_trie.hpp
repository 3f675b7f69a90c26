#pragma once
// SubscriptionTrie: every subscription of every session, indexed by topic level, for matching the topic of
// a PUBLISH against all filters at once. The structure is explained at the top of subscription_trie.cpp.
//
// Threads: safe from any thread. match() and pick_shared_member() take a shared lock only, so publishes
// on different worker threads match concurrently; insert/erase take the exclusive lock briefly.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "broker/delivery.hpp"
#include "broker/message.hpp"
#include "codec/packet.hpp"
#include "common/result.hpp"

namespace moatmq::broker {

// One subscription that matched a topic. For a shared subscription the trie has already picked the one
// member of the group (round-robin) and `shared_group` names the group; 0 for an ordinary subscription.
struct SubscriptionMatch {
    SessionId session = 0;
    codec::SubscriptionOptions options;
    std::uint32_t subscription_id = 0;  // 5.0 Subscription Identifier; 0 = none (0 is not a valid id)
    SharedGroupId shared_group = 0;
};

class SubscriptionTrie {
public:
    SubscriptionTrie();
    ~SubscriptionTrie();
    SubscriptionTrie(const SubscriptionTrie&) = delete;
    SubscriptionTrie& operator=(const SubscriptionTrie&) = delete;

    // Adds or replaces the subscription of `session` to `filter` (a valid filter, possibly
    // "$share/{group}/{filter}"). Re-subscribing to the same filter replaces options and identifier
    // [MQTT-3.8.4-3]. Returns whether the session already had this subscription. An invalid
    // filter returns its codec error and changes nothing.
    Result<bool> insert(SessionId session, std::string_view filter, const codec::SubscriptionOptions& options,
                        std::uint32_t subscription_id = 0);

    // Removes the subscription; returns whether it existed.
    bool erase(SessionId session, std::string_view filter);

    // Removes every subscription of `session`; returns how many there were.
    std::size_t erase_all(SessionId session);

    // Appends to `out` every subscription whose filter matches `topic` (a valid topic name): ordinary
    // subscriptions one entry each (a session with overlapping filters appears several times), shared
    // groups one entry each for the member picked round-robin. `out` is not cleared: callers reuse one
    // vector so that a warmed lookup does not allocate. The order is unspecified.
    // Returns how many trie nodes contributed ordinary subscriptions: when at most 1, no session appears
    // twice among the ordinary matches, and a caller merging per session can skip that work.
    std::size_t match(std::string_view topic, std::vector<SubscriptionMatch>& out) const;

    // For a shared group whose chosen member went away with a message in flight: the next member
    // round-robin other than `excluding` (online ones first), or nothing if the group is gone or has
    // no other member.
    std::optional<SubscriptionMatch> pick_shared_member(SharedGroupId group, SessionId excluding) const;

    // Whether `session` is connected; sessions are online until told otherwise. A shared group picks
    // online members while it has any, and otherwise an offline one (whose session queues the
    // message). Ordinary subscriptions are unaffected. erase_all() forgets the session.
    void set_online(SessionId session, bool online);

    // Filters `session` is subscribed to (as given to insert, "$share/..." included), in no set order.
    std::vector<std::string> filters_of(SessionId session) const;

    // Number of subscriptions (a shared group of n members counts n), for $SYS.
    std::size_t size() const;

private:
    struct Node;
    struct SharedGroup;

    bool erase_locked(SessionId session, std::string_view filter);

    mutable std::shared_mutex mutex_;
    std::unique_ptr<Node> root_;
    std::unordered_map<SessionId, std::vector<std::string>> filters_by_session_;
    std::unordered_map<SharedGroupId, SharedGroup*> groups_;
    std::unordered_set<SessionId> offline_;
    SharedGroupId next_group_id_ = 1;
    std::size_t size_ = 0;
};

}  // namespace moatmq::broker
