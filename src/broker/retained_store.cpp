// Retained messages in a tree of topic levels: "a/b" lives at root → a → b. A filter lookup walks the
// tree level by level: a literal level follows one child, '+' every child, '#' the whole subtree
// including the node it hangs from ("a/#" matches "a" [MQTT-4.7.1-2]). At the root, '+' and '#' skip
// children whose name starts with '$' [MQTT-4.7.2-1]. Walks use explicit stacks (topics can be tens of
// thousands of levels deep); nodes left empty by a removal are pruned.
#include "broker/retained_store.hpp"

#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "common/string_hash.hpp"

namespace moatmq::broker {
namespace {

struct Level {
    std::string_view text;
    std::size_t next;  // start of the following level; npos after the last
};

Level level_at(std::string_view path, std::size_t pos) noexcept
{
    std::size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) return {path.substr(pos), std::string_view::npos};
    return {path.substr(pos, slash - pos), slash + 1};
}

bool expired(const Message& message, TimePoint now) noexcept
{
    return message.expires_at && *message.expires_at <= now;
}

}  // namespace

struct RetainedStore::Node {
    Node* parent = nullptr;
    std::string level;
    std::unordered_map<std::string, std::unique_ptr<Node>, StringHash, std::equal_to<>> children;
    MessagePtr message;

    const Node* find_child(std::string_view text) const
    {
        auto it = children.find(text);
        return it == children.end() ? nullptr : it->second.get();
    }
};

namespace {

// Visits `top` and everything below it, without recursion.
template <class NodeT, class F>
void for_each_in(NodeT& top, F&& visit)
{
    std::vector<NodeT*> pending{&top};
    while (!pending.empty()) {
        NodeT* node = pending.back();
        pending.pop_back();
        visit(*node);
        for (auto& [level, child] : node->children)
            pending.push_back(child.get());
    }
}

}  // namespace

RetainedStore::RetainedStore() : root_(std::make_unique<Node>()) {}

RetainedStore::~RetainedStore()
{
    // Free the tree bottom-up without recursion.
    std::vector<std::unique_ptr<Node>> pending;
    pending.push_back(std::move(root_));
    while (!pending.empty()) {
        std::unique_ptr<Node> node = std::move(pending.back());
        pending.pop_back();
        for (auto& [level, child] : node->children)
            pending.push_back(std::move(child));
    }
}

void RetainedStore::set(MessagePtr message, const std::function<void()>& record)
{
    if (!message) return;
    std::unique_lock lock(mutex_);
    if (message->payload.empty()) {
        clear_locked(message->topic);  // an empty retained payload is never stored [MQTT-3.3.1-7]
        if (record) record();
        return;
    }
    Node* node = root_.get();
    const std::string_view topic = message->topic;
    for (std::size_t pos = 0; pos != std::string_view::npos;) {
        Level level = level_at(topic, pos);
        auto it = node->children.find(level.text);
        if (it == node->children.end()) {
            auto child = std::make_unique<Node>();
            child->parent = node;
            child->level = std::string(level.text);
            it = node->children.emplace(child->level, std::move(child)).first;
        }
        node = it->second.get();
        pos = level.next;
    }
    if (!node->message) ++size_;
    node->message = std::move(message);
    if (record) record();
}

bool RetainedStore::clear(std::string_view topic)
{
    std::unique_lock lock(mutex_);
    return clear_locked(topic);
}

bool RetainedStore::clear_locked(std::string_view topic)
{
    Node* node = root_.get();
    for (std::size_t pos = 0; pos != std::string_view::npos && node != nullptr;) {
        Level level = level_at(topic, pos);
        auto it = node->children.find(level.text);
        node = it == node->children.end() ? nullptr : it->second.get();
        pos = level.next;
    }
    if (node == nullptr || !node->message) return false;
    remove_locked(*node);
    return true;
}

void RetainedStore::remove_locked(Node& target)
{
    target.message.reset();
    --size_;
    Node* node = &target;
    while (node != root_.get() && !node->message && node->children.empty()) {
        Node* parent = node->parent;
        parent->children.erase(parent->children.find(std::string_view(node->level)));
        node = parent;
    }
}

void RetainedStore::match(std::string_view filter, TimePoint now, std::vector<MessagePtr>& out) const
{
    struct Frame {
        const Node* node;
        std::size_t pos;  // start of the next filter level; npos when the filter is consumed
    };
    auto take = [&](const Node& node) {
        if (node.message && !expired(*node.message, now)) out.push_back(node.message);
    };
    auto is_dollar = [](const std::string& level) { return !level.empty() && level.front() == '$'; };

    std::shared_lock lock(mutex_);
    std::vector<Frame> stack{{root_.get(), 0}};
    while (!stack.empty()) {
        Frame frame = stack.back();
        stack.pop_back();
        const Node& node = *frame.node;
        const bool at_root = frame.node == root_.get();
        if (frame.pos == std::string_view::npos) {
            take(node);
            continue;
        }
        Level level = level_at(filter, frame.pos);
        if (level.text == "#") {
            // Everything below, and the parent level itself [MQTT-4.7.1-2].
            if (!at_root) take(node);
            for (const auto& [name, child] : node.children) {
                if (at_root && is_dollar(name)) continue;
                for_each_in(*static_cast<const Node*>(child.get()), take);
            }
        } else if (level.text == "+") {
            for (const auto& [name, child] : node.children) {
                if (at_root && is_dollar(name)) continue;
                stack.push_back({child.get(), level.next});
            }
        } else if (const Node* child = node.find_child(level.text)) {
            stack.push_back({child, level.next});
        }
    }
}

MessagePtr RetainedStore::find(std::string_view topic, TimePoint now) const
{
    std::shared_lock lock(mutex_);
    const Node* node = root_.get();
    for (std::size_t pos = 0; pos != std::string_view::npos && node != nullptr;) {
        Level level = level_at(topic, pos);
        node = node->find_child(level.text);
        pos = level.next;
    }
    if (node == nullptr || !node->message || expired(*node->message, now)) return nullptr;
    return node->message;
}

std::size_t RetainedStore::purge_expired(TimePoint now)
{
    std::unique_lock lock(mutex_);
    std::vector<Node*> doomed;
    for_each_in(*root_, [&](Node& node) {
        if (node.message && expired(*node.message, now)) doomed.push_back(&node);
    });
    // A doomed node is only pruned once its own message is gone, i.e. after its turn here, so every
    // pointer in `doomed` is still valid when reached.
    for (Node* node : doomed)
        remove_locked(*node);
    return doomed.size();
}

std::vector<MessagePtr> RetainedStore::all() const
{
    std::shared_lock lock(mutex_);
    std::vector<MessagePtr> messages;
    messages.reserve(size_);
    for_each_in(*root_, [&](const Node& node) {
        if (node.message) messages.push_back(node.message);
    });
    return messages;
}

std::size_t RetainedStore::size() const
{
    std::shared_lock lock(mutex_);
    return size_;
}

}  // namespace moatmq::broker
