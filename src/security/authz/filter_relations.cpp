#include "security/authz/filter_relations.hpp"

#include <algorithm>
#include <vector>

namespace moatmq::security::authz {
namespace {

// A filter as its levels before any '#', and whether it ends in '#'.
struct Levels {
    std::vector<std::string_view> levels;
    bool hash = false;

    bool first_is_wildcard() const { return levels.empty() ? hash : levels.front() == "+"; }
};

Levels split(std::string_view filter)
{
    Levels out;
    std::size_t pos = 0;
    for (;;) {
        const auto slash = filter.find('/', pos);
        const auto level =
            filter.substr(pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos);
        if (slash == std::string_view::npos) {
            if (level == "#") {
                out.hash = true;
            } else {
                out.levels.push_back(level);
            }
            return out;
        }
        out.levels.push_back(level);
        pos = slash + 1;
    }
}

bool is_dollar_literal(std::string_view level)
{
    return !level.empty() && level.front() == '$';
}

std::optional<std::vector<std::string_view>> intersect_levels(const Levels& a, const Levels& b, bool& hash)
{
    const auto na = a.levels.size();
    const auto nb = b.levels.size();
    if (!a.hash && !b.hash && na != nb) return std::nullopt;
    if (!a.hash && b.hash && na < nb) return std::nullopt;
    if (a.hash && !b.hash && nb < na) return std::nullopt;
    hash = a.hash && b.hash;
    std::vector<std::string_view> out;
    out.reserve(std::max(na, nb));
    for (std::size_t i = 0; i < std::max(na, nb); ++i) {
        if (i >= na) {
            out.push_back(b.levels[i]);  // a ended in '#'
        } else if (i >= nb) {
            out.push_back(a.levels[i]);
        } else if (a.levels[i] == "+") {
            out.push_back(b.levels[i]);
        } else if (b.levels[i] == "+" || a.levels[i] == b.levels[i]) {
            out.push_back(a.levels[i]);
        } else {
            return std::nullopt;
        }
    }
    // The '$' rule: a first-level wildcard never stands for a '$' level.
    if (!out.empty() && is_dollar_literal(out.front()) && (a.first_is_wildcard() || b.first_is_wildcard()))
        return std::nullopt;
    return out;
}

// One filter of the cover while walking G: its levels and how many are consumed.
struct Cursor {
    const Levels* filter;
    std::size_t at;

    bool at_hash() const { return at == filter->levels.size() && filter->hash; }
    bool at_end() const { return at == filter->levels.size() && !filter->hash; }
    bool has_level() const { return at < filter->levels.size(); }
    std::string_view level() const { return filter->levels[at]; }
};

bool any_at_hash(const std::vector<Cursor>& cursors)
{
    return std::any_of(cursors.begin(), cursors.end(), [](const Cursor& c) { return c.at_hash(); });
}

bool any_at_end(const std::vector<Cursor>& cursors)
{
    return std::any_of(cursors.begin(), cursors.end(), [](const Cursor& c) { return c.at_end(); });
}

// The cursors that match one more level of G: `literal` (nullopt: a value none of them names, i.e. '+').
std::vector<Cursor> advance_cursors(const std::vector<Cursor>& cursors,
                                    std::optional<std::string_view> literal)
{
    std::vector<Cursor> out;
    for (const auto& c : cursors) {
        if (!c.has_level()) continue;
        if (c.level() == "+" || (literal && c.level() == *literal)) out.push_back(Cursor{c.filter, c.at + 1});
    }
    return out;
}

// G's remaining levels from `at` on, then its '#' if it has one.
bool covered(const Levels& g, std::size_t at, std::vector<Cursor> cursors)
{
    for (;;) {
        if (cursors.empty()) return false;  // G matches at least one topic here; nothing matches it
        if (any_at_hash(cursors)) return true;
        if (at == g.levels.size()) break;
        const auto level = g.levels[at];
        cursors = advance_cursors(cursors, level == "+" ? std::nullopt : std::optional(level));
        ++at;
    }
    if (!g.hash) return any_at_end(cursors);
    // G's '#': "end here" (a topic that has no more levels; none at the very first level) and "one more
    // level of any value, then '#' again".
    for (;;) {
        if (at > 0 && !any_at_end(cursors)) return false;
        cursors = advance_cursors(cursors, std::nullopt);
        ++at;
        if (cursors.empty()) return false;
        if (any_at_hash(cursors)) return true;
    }
}

}  // namespace

std::optional<std::string> filter_intersection(std::string_view a, std::string_view b)
{
    const auto la = split(a);
    const auto lb = split(b);
    bool hash = false;
    auto levels = intersect_levels(la, lb, hash);
    if (!levels) return std::nullopt;
    std::string out;
    for (std::size_t i = 0; i < levels->size(); ++i) {
        if (i > 0) out += '/';
        out += (*levels)[i];
    }
    if (hash) out += levels->empty() ? "#" : "/#";
    return out;
}

// Walks the levels of a filter without allocating.
class LevelReader {
public:
    explicit LevelReader(std::string_view filter) : rest_(filter) {}

    std::optional<std::string_view> next()
    {
        if (done_) return std::nullopt;
        const auto slash = rest_.find('/');
        if (slash == std::string_view::npos) {
            done_ = true;
            return rest_;
        }
        auto level = rest_.substr(0, slash);
        rest_.remove_prefix(slash + 1);
        return level;
    }

private:
    std::string_view rest_;
    bool done_ = false;
};

// The same answer as intersect_levels(...).has_value(), level by level and without allocating: it runs for
// every rule on every SUBSCRIBE.
bool filters_overlap(std::string_view a, std::string_view b)
{
    LevelReader ra(a);
    LevelReader rb(b);
    for (bool first = true;; first = false) {
        const auto la = ra.next();
        const auto lb = rb.next();
        if (!la && !lb) return true;
        if (la == "#" || lb == "#") {
            // '#' matches whatever the other has left, nothing included; at the first level not a '$' one.
            const auto other = la == "#" ? lb : la;
            return !(first && other && is_dollar_literal(*other));
        }
        if (!la || !lb) return false;
        if (*la == "+" || *lb == "+") {
            const auto other = *la == "+" ? *lb : *la;
            if (first && is_dollar_literal(other)) return false;
        } else if (*la != *lb) {
            return false;
        }
    }
}

bool filter_covered_by(std::string_view filter, std::span<const std::string_view> cover)
{
    const auto g = split(filter);
    std::vector<Levels> parts;
    parts.reserve(cover.size());
    for (auto f : cover)
        parts.push_back(split(f));
    // The '$' rule at the first level: G's '$' topics are matched only by filters naming that level.
    const bool dollar = !g.levels.empty() && is_dollar_literal(g.levels.front());
    std::vector<Cursor> cursors;
    for (const auto& part : parts) {
        if (dollar && part.first_is_wildcard()) continue;
        cursors.push_back(Cursor{&part, 0});
    }
    return covered(g, 0, std::move(cursors));
}

}  // namespace moatmq::security::authz
