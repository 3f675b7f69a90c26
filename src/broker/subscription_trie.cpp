// The subscription trie.
//
// A topic filter is a path of levels ("sensors/+/temp" is sensors → + → temp), so all filters together
// form a tree whose nodes are levels and whose subscriptions hang off the node where their filter ends.
// Each node keeps its literal children in a hash map, and its '+' and '#' children in two dedicated
// slots, so that matching a topic never scans siblings: at each node, for the next topic level, the
// matcher follows at most three edges — the literal child with that name, the '+' child, and the '#'
// child (which matches everything that remains, including nothing: "a/#" matches "a" [MQTT-4.7.1-2]).
// The cost of a lookup therefore depends on the depth of the topic and on how many filters overlap it,
// not on how many subscriptions exist. At the root, '+' and '#' are not followed for a topic starting
// with '$' [MQTT-4.7.2-1]; "$SYS/#" still matches through its literal "$SYS" child.
//
// A node holds ordinary subscriptions (one per session: re-subscribing replaces [MQTT-3.8.4-3]) and
// shared groups: "$share/g/a/b" is stored at a → b as member of group "g". Each group keeps a
// round-robin cursor, an atomic advanced under the shared lock, so picking a member does not need the
// exclusive lock; members marked offline are passed over while another member is online. A group is
// identified to the outside by a SharedGroupId that is never reused, so a stale id (group emptied
// meanwhile) finds nothing instead of a different group.
//
// Concurrency: one std::shared_mutex. match() holds it shared for the walk, so publishers on all
// worker threads match in parallel and only SUBSCRIBE/UNSUBSCRIBE/session end take it exclusively,
// briefly. A snapshot scheme (readers on an immutable copy swapped by writers) would remove even the
// shared counter's cache-line traffic; TODO(router): measure under fan-in before going there.
//
// Hostile input: filters and topics can have tens of thousands of levels, so neither matching,
// pruning nor destruction recurses; they use explicit stacks (matching reuses a per-thread one, so a
// warmed lookup does not allocate). Empty nodes are pruned on removal, so memory follows the live set.
#include "broker/subscription_trie.hpp"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <functional>
#include <mutex>

#include "codec/topic.hpp"

#include "common/string_hash.hpp"

namespace moatmq::broker {
namespace {

struct Subscriber {
    SessionId session = 0;
    codec::SubscriptionOptions options;
    std::uint32_t subscription_id = 0;
};

// Subscribers of one node or group, at most one per session. Linear search while small (the common case
// is one or a few subscribers per filter); an index by session once large, so that 100k sessions
// subscribing to one filter stay O(1) each. Iteration is over a contiguous vector either way.
class SubscriberList {
public:
    // Returns whether the session was already there (its entry is then replaced).
    bool upsert(const Subscriber& subscriber)
    {
        if (auto at = find(subscriber.session)) {
            items_[*at] = subscriber;
            return true;
        }
        items_.push_back(subscriber);
        if (index_) {
            index_->emplace(subscriber.session, items_.size() - 1);
        } else if (items_.size() >= kIndexFrom) {
            index_ = std::make_unique<std::unordered_map<SessionId, std::size_t>>();
            for (std::size_t i = 0; i < items_.size(); ++i)
                index_->emplace(items_[i].session, i);
        }
        return false;
    }

    bool erase(SessionId session)
    {
        auto at = find(session);
        if (!at) return false;
        std::size_t last = items_.size() - 1;
        if (*at != last) {
            items_[*at] = items_[last];
            if (index_) (*index_)[items_[*at].session] = *at;
        }
        items_.pop_back();
        if (index_) index_->erase(session);
        if (items_.empty()) index_.reset();
        return true;
    }

    const std::vector<Subscriber>& items() const noexcept { return items_; }
    bool empty() const noexcept { return items_.empty(); }
    std::size_t size() const noexcept { return items_.size(); }

private:
    static constexpr std::size_t kIndexFrom = 16;

    std::optional<std::size_t> find(SessionId session) const
    {
        if (index_) {
            auto it = index_->find(session);
            if (it == index_->end()) return std::nullopt;
            return it->second;
        }
        for (std::size_t i = 0; i < items_.size(); ++i) {
            if (items_[i].session == session) return i;
        }
        return std::nullopt;
    }

    std::vector<Subscriber> items_;
    std::unique_ptr<std::unordered_map<SessionId, std::size_t>> index_;  // only once large
};

// One level of a topic name or filter, and where the next one starts (npos after the last level).
struct Level {
    std::string_view text;
    std::size_t next;
};

Level level_at(std::string_view path, std::size_t pos) noexcept
{
    std::size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) return {path.substr(pos), std::string_view::npos};
    return {path.substr(pos, slash - pos), slash + 1};
}

}  // namespace

struct SubscriptionTrie::SharedGroup {
    std::string name;
    SharedGroupId id = 0;
    SubscriberList members;
    mutable std::atomic<std::size_t> cursor{0};  // round-robin position; advanced under the shared lock

    // The member whose turn it is, skipping `excluding` and, while any other is online, offline
    // members. Nullptr only if `excluding` is the sole member. The cursor moves past the member chosen,
    // so members left out do not hand an extra turn to their neighbour.
    const Subscriber* pick(std::optional<SessionId> excluding,
                           const std::unordered_set<SessionId>& offline) const
    {
        const auto& items = members.items();
        const std::size_t start = cursor.fetch_add(1, std::memory_order_relaxed);
        if (!excluding && offline.empty()) return &items[start % items.size()];  // the usual case
        const Subscriber* fallback = nullptr;
        for (std::size_t skipped = 0; skipped < items.size(); ++skipped) {
            const Subscriber& s = items[(start + skipped) % items.size()];
            if (s.session == excluding) continue;
            if (!offline.contains(s.session)) {
                if (skipped > 0) cursor.fetch_add(skipped, std::memory_order_relaxed);
                return &s;
            }
            if (fallback == nullptr) fallback = &s;
        }
        return fallback;
    }
};

struct SubscriptionTrie::Node {
    Node* parent = nullptr;
    // This node's edge label in its parent: "+", "#", or a view of its key in the parent's `children`
    // (map nodes do not move, and the key dies with this node).
    std::string_view level;
    std::unordered_map<std::string, std::unique_ptr<Node>, StringHash, std::equal_to<>> children;
    std::unique_ptr<Node> plus;
    std::unique_ptr<Node> hash;
    SubscriberList subscribers;
    std::vector<std::unique_ptr<SharedGroup>> groups;  // few per filter: a vector searched by name

    bool unused() const noexcept
    {
        return children.empty() && !plus && !hash && subscribers.empty() && groups.empty();
    }

    std::unique_ptr<Node>* slot_for(std::string_view text)
    {
        if (text == "+") return &plus;
        if (text == "#") return &hash;
        auto it = children.find(text);
        return it == children.end() ? nullptr : &it->second;
    }

    Node& child(std::string_view text)
    {
        std::unique_ptr<Node>* slot = nullptr;
        std::string_view label;
        if (text == "+" || text == "#") {
            slot = text == "+" ? &plus : &hash;
            label = text == "+" ? std::string_view("+") : std::string_view("#");
        } else {
            auto it = children.find(text);
            if (it == children.end()) it = children.emplace(std::string(text), nullptr).first;
            slot = &it->second;
            label = it->first;
        }
        if (!*slot) {
            *slot = std::make_unique<Node>();
            (*slot)->parent = this;
            (*slot)->level = label;
        }
        return **slot;
    }

    SharedGroup* group(std::string_view name) const
    {
        for (const auto& g : groups) {
            if (g->name == name) return g.get();
        }
        return nullptr;
    }
};

namespace {

// Where a subscription lives: the filter proper, and the share name for "$share/{group}/{filter}".
struct Placement {
    std::string_view path;
    std::optional<std::string_view> group;
};

Result<Placement> place(std::string_view filter) noexcept
{
    auto shared = codec::parse_shared_filter(filter);
    if (!shared) return shared.error();
    if (*shared) return Placement{(*shared)->filter, (*shared)->group};
    return Placement{filter, std::nullopt};
}

// Frees a subtree without recursion (its depth is chosen by clients).
template <class NodeT>
void destroy(std::unique_ptr<NodeT> root)
{
    std::vector<std::unique_ptr<NodeT>> pending;
    if (root) pending.push_back(std::move(root));
    while (!pending.empty()) {
        std::unique_ptr<NodeT> node = std::move(pending.back());
        pending.pop_back();
        for (auto& [level, child] : node->children)
            pending.push_back(std::move(child));
        if (node->plus) pending.push_back(std::move(node->plus));
        if (node->hash) pending.push_back(std::move(node->hash));
    }
}

}  // namespace

SubscriptionTrie::SubscriptionTrie() : root_(std::make_unique<Node>()) {}

SubscriptionTrie::~SubscriptionTrie()
{
    destroy(std::move(root_));
}

Result<bool> SubscriptionTrie::insert(SessionId session, std::string_view filter,
                                      const codec::SubscriptionOptions& options,
                                      std::uint32_t subscription_id)
{
    if (auto invalid = codec::validate_topic_filter(filter))
        return Result<bool>(boost::system::in_place_error, invalid);
    auto placement = place(filter);
    if (!placement) return Result<bool>(boost::system::in_place_error, placement.error());

    std::unique_lock lock(mutex_);
    Node* node = root_.get();
    for (std::size_t pos = 0; pos != std::string_view::npos;) {
        Level level = level_at(placement->path, pos);
        node = &node->child(level.text);
        pos = level.next;
    }

    Subscriber subscriber{session, options, subscription_id};
    bool existed = false;
    if (placement->group) {
        SharedGroup* group = node->group(*placement->group);
        if (group == nullptr) {
            auto created = std::make_unique<SharedGroup>();
            created->name = std::string(*placement->group);
            created->id = next_group_id_++;
            group = created.get();
            node->groups.push_back(std::move(created));
            groups_.emplace(group->id, group);
        }
        existed = group->members.upsert(subscriber);
    } else {
        existed = node->subscribers.upsert(subscriber);
    }
    if (!existed) {
        ++size_;
        filters_by_session_[session].emplace_back(filter);
    }
    return existed;
}

bool SubscriptionTrie::erase(SessionId session, std::string_view filter)
{
    std::unique_lock lock(mutex_);
    if (!erase_locked(session, filter)) return false;
    auto it = filters_by_session_.find(session);
    assert(it != filters_by_session_.end());
    auto& filters = it->second;
    auto at = std::find(filters.begin(), filters.end(), filter);
    assert(at != filters.end());
    *at = std::move(filters.back());
    filters.pop_back();
    if (filters.empty()) filters_by_session_.erase(it);
    return true;
}

std::size_t SubscriptionTrie::erase_all(SessionId session)
{
    std::unique_lock lock(mutex_);
    auto it = filters_by_session_.find(session);
    if (it == filters_by_session_.end()) return 0;
    std::size_t removed = 0;
    for (const auto& filter : it->second)
        removed += erase_locked(session, filter) ? 1 : 0;
    filters_by_session_.erase(it);
    return removed;
}

bool SubscriptionTrie::erase_locked(SessionId session, std::string_view filter)
{
    auto placement = place(filter);
    if (!placement) return false;

    Node* node = root_.get();
    for (std::size_t pos = 0; pos != std::string_view::npos;) {
        Level level = level_at(placement->path, pos);
        std::unique_ptr<Node>* slot = node->slot_for(level.text);
        if (slot == nullptr || !*slot) return false;
        node = slot->get();
        pos = level.next;
    }

    if (placement->group) {
        auto it = std::find_if(node->groups.begin(), node->groups.end(),
                               [&](const auto& g) { return g->name == *placement->group; });
        if (it == node->groups.end() || !(*it)->members.erase(session)) return false;
        if ((*it)->members.empty()) {
            groups_.erase((*it)->id);
            node->groups.erase(it);
        }
    } else if (!node->subscribers.erase(session)) {
        return false;
    }
    --size_;

    // Prune the branch bottom-up while it holds nothing.
    while (node != root_.get() && node->unused()) {
        Node* parent = node->parent;
        std::unique_ptr<Node>* slot = parent->slot_for(node->level);
        assert(slot != nullptr && slot->get() == node);
        if (slot == &parent->plus || slot == &parent->hash) {
            slot->reset();
        } else {
            parent->children.erase(parent->children.find(node->level));
        }
        node = parent;
    }
    return true;
}

std::size_t SubscriptionTrie::match(std::string_view topic, std::vector<SubscriptionMatch>& out) const
{
    struct Frame {
        const Node* node;
        std::size_t pos;  // start of the next topic level to match; npos when every level is consumed
    };
    thread_local std::vector<Frame> stack;
    stack.clear();

    // The nodes where matching filters end; each contributes its subscribers and groups.
    std::size_t ordinary_nodes = 0;
    auto collect = [&](const Node& node) {
        if (!node.subscribers.empty()) ++ordinary_nodes;
        for (const Subscriber& s : node.subscribers.items()) {
            out.push_back({s.session, s.options, s.subscription_id, 0});
        }
        for (const auto& group : node.groups) {
            const Subscriber* s = group->pick(std::nullopt, offline_);
            out.push_back({s->session, s->options, s->subscription_id, group->id});
        }
    };

    // Wildcards at the first level do not match '$' topics [MQTT-4.7.2-1].
    const bool dollar = !topic.empty() && topic.front() == '$';

    std::shared_lock lock(mutex_);
    stack.push_back({root_.get(), 0});
    while (!stack.empty()) {
        Frame frame = stack.back();
        stack.pop_back();
        const Node& node = *frame.node;
        const bool wildcards_allowed = !(dollar && frame.node == root_.get());

        // '#' matches every remaining level, and also none: "a/#" matches "a" [MQTT-4.7.1-2].
        if (node.hash && wildcards_allowed) collect(*node.hash);
        if (frame.pos == std::string_view::npos) {
            collect(node);
            continue;
        }
        Level level = level_at(topic, frame.pos);
        if (node.plus && wildcards_allowed) stack.push_back({node.plus.get(), level.next});
        if (!node.children.empty()) {
            auto it = node.children.find(level.text);
            if (it != node.children.end()) stack.push_back({it->second.get(), level.next});
        }
    }
    return ordinary_nodes;
}

std::optional<SubscriptionMatch> SubscriptionTrie::pick_shared_member(SharedGroupId group,
                                                                      SessionId excluding) const
{
    std::shared_lock lock(mutex_);
    auto it = groups_.find(group);
    if (it == groups_.end()) return std::nullopt;
    const SharedGroup& shared = *it->second;
    const Subscriber* s = shared.pick(excluding, offline_);
    if (s == nullptr) return std::nullopt;
    return SubscriptionMatch{s->session, s->options, s->subscription_id, shared.id};
}

void SubscriptionTrie::set_online(SessionId session, bool online)
{
    std::unique_lock lock(mutex_);
    if (online) {
        offline_.erase(session);
    } else {
        offline_.insert(session);
    }
}

std::vector<std::string> SubscriptionTrie::filters_of(SessionId session) const
{
    std::shared_lock lock(mutex_);
    auto it = filters_by_session_.find(session);
    if (it == filters_by_session_.end()) return {};
    return it->second;
}

std::size_t SubscriptionTrie::size() const
{
    std::shared_lock lock(mutex_);
    return size_;
}

}  // namespace moatmq::broker
