#pragma once
// RetainedStore: the last retained message of each topic, found by topic filter when a subscription is
// made (spec §3.3.1.3). Stored in a tree of topic levels so that a wildcard lookup visits only the
// branches the filter can match, not every retained message.
//
// Threads: safe from any thread; lookups share a lock, changes take it exclusively.
#include <cstddef>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <string_view>
#include <vector>

#include "broker/message.hpp"
#include "common/clock.hpp"

namespace moatmq::broker {

class RetainedStore {
public:
    RetainedStore();
    ~RetainedStore();
    RetainedStore(const RetainedStore&) = delete;
    RetainedStore& operator=(const RetainedStore&) = delete;

    // Applies a PUBLISH with RETAIN=1: stores `message` as the retained message of its topic, replacing
    // any previous one, or — for an empty payload — removes the topic's retained message and stores
    // nothing [MQTT-3.3.1-6] [MQTT-3.3.1-7]. The message is shared, never copied.
    // `record`, if given, runs under the lock that orders the changes, right after this one: what it
    // records elsewhere (the store's put or erase of the topic's retained message) is then in the same
    // order as the changes here, however many threads set the same topic at once.
    void set(MessagePtr message, const std::function<void()>& record = {});

    // Removes the retained message of `topic`; returns whether there was one.
    bool clear(std::string_view topic);

    // Appends to `out` the retained message of every topic matching `filter` (a valid, non-shared
    // filter; '$' topics are not matched by a leading wildcard [MQTT-4.7.2-1]). Messages whose expiry
    // has passed at `now` are skipped: an expired message is never delivered [MQTT-3.3.2-5].
    void match(std::string_view filter, TimePoint now, std::vector<MessagePtr>& out) const;

    // The retained message of exactly `topic`, if any and not expired.
    MessagePtr find(std::string_view topic, TimePoint now) const;

    // Drops every message expired at `now`; returns how many. Call periodically (e.g. before reading
    // size() for $SYS) so that expired messages do not hold memory.
    std::size_t purge_expired(TimePoint now);

    // Every stored message (expired ones included until purged), e.g. to persist or reload them.
    std::vector<MessagePtr> all() const;

    // Number of stored messages, for $SYS.
    std::size_t size() const;

private:
    struct Node;

    bool clear_locked(std::string_view topic);
    // Removes the message of `node` and prunes the branch it leaves empty.
    void remove_locked(Node& node);

    mutable std::shared_mutex mutex_;
    std::unique_ptr<Node> root_;
    std::size_t size_ = 0;
};

}  // namespace moatmq::broker
