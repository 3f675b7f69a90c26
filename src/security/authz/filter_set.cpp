#include "security/authz/filter_set.hpp"

namespace moatmq::security::authz {

FilterSet::FilterSet() : root_(std::make_unique<Node>()) {}
FilterSet::~FilterSet() = default;
FilterSet::FilterSet(FilterSet&&) noexcept = default;
FilterSet& FilterSet::operator=(FilterSet&&) noexcept = default;

void FilterSet::insert(std::string_view filter)
{
    Node* node = root_.get();
    std::size_t pos = 0;
    for (;;) {
        const auto slash = filter.find('/', pos);
        const auto level =
            filter.substr(pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos);
        if (level == "#") {
            if (node->hash) return;
            node->hash = true;
            break;
        }
        if (level == "+") {
            if (!node->plus) node->plus = std::make_unique<Node>();
            node = node->plus.get();
        } else {
            auto it = node->children.find(level);
            if (it == node->children.end())
                it = node->children.emplace(std::string(level), std::make_unique<Node>()).first;
            node = it->second.get();
        }
        if (slash == std::string_view::npos) {
            if (node->end) return;
            node->end = true;
            break;
        }
        pos = slash + 1;
    }
    filters_.emplace_back(filter);
}

// `pos`: where the next level of `topic` starts; past the end when every level has been consumed.
bool FilterSet::match(const Node& node, std::string_view topic, std::size_t pos, bool dollar) noexcept
{
    if (pos > topic.size()) return node.end || node.hash;
    if (node.hash && !dollar) return true;
    const auto slash = topic.find('/', pos);
    const auto end = slash == std::string_view::npos ? topic.size() : slash;
    const auto next = end + 1;
    if (!node.children.empty()) {
        auto it = node.children.find(topic.substr(pos, end - pos));
        if (it != node.children.end() && match(*it->second, topic, next, false)) return true;
    }
    return node.plus && !dollar && match(*node.plus, topic, next, false);
}

bool FilterSet::matches(std::string_view topic) const noexcept
{
    if (filters_.empty()) return false;
    return match(*root_, topic, 0, !topic.empty() && topic.front() == '$');
}

}  // namespace moatmq::security::authz
