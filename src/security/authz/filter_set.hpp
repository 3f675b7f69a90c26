#pragma once
// FilterSet: a set of topic filters, indexed by level so that "does any of them match this topic?" costs a
// walk down the topic's levels, not a scan of every filter. The decision on every delivery asks it, and
// an ACL may hold tens of thousands of rules.
//
// Each node is one level of some filter: literal children by name, one '+' child, and two flags — a filter
// ends here, or a filter ends here with '#'. A topic is matched by walking its levels from the root,
// following the literal child and the '+' child; a node with '#' matches whatever remains, including
// nothing ("a/#" matches "a"). At the root, '+' and '#' are not followed for a topic starting with '$'
// [MQTT-4.7.2-1]. The walk's depth is bounded by the longest filter, not by the topic.
//
// Immutable once built (insert before sharing); matches() is then safe from any thread.
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/string_hash.hpp"

namespace moatmq::security::authz {

class FilterSet {
public:
    FilterSet();
    ~FilterSet();
    FilterSet(FilterSet&&) noexcept;
    FilterSet& operator=(FilterSet&&) noexcept;

    // `filter`: a valid, non-shared topic filter. Duplicates are kept once.
    void insert(std::string_view filter);

    // Whether some filter of the set matches `topic` (a valid topic name).
    bool matches(std::string_view topic) const noexcept;

    // The filters, in insertion order, duplicates removed.
    const std::vector<std::string>& filters() const noexcept { return filters_; }
    bool empty() const noexcept { return filters_.empty(); }
    std::size_t size() const noexcept { return filters_.size(); }

private:
    struct Node {
        std::unordered_map<std::string, std::unique_ptr<Node>, StringHash, std::equal_to<>> children;
        std::unique_ptr<Node> plus;
        bool end = false;   // a filter ends at this level
        bool hash = false;  // a filter ends with '#' below this level
    };
    static bool match(const Node& node, std::string_view topic, std::size_t pos, bool dollar) noexcept;

    std::unique_ptr<Node> root_;
    std::vector<std::string> filters_;
};

}  // namespace moatmq::security::authz
