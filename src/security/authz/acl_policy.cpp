#include "security/authz/acl_policy.hpp"

#include <algorithm>

#include "security/authz/filter_relations.hpp"

namespace moatmq::security::authz {
namespace {

bool is_sys_topic(std::string_view topic) noexcept
{
    return topic == "$SYS" || topic.starts_with("$SYS/");
}

bool has_placeholder(std::string_view pattern) noexcept
{
    return pattern.find("%u") != std::string_view::npos || pattern.find("%c") != std::string_view::npos;
}

std::shared_ptr<const RuleSet> compile(const std::vector<AclRule>& rules)
{
    auto set = std::make_shared<RuleSet>();
    for (const auto& rule : rules)
        set->add(rule.access, rule.filter);
    return set;
}

}  // namespace

void RuleSet::add(Access access, std::string_view filter)
{
    switch (access) {
        case Access::deny:
            deny.insert(filter);
            break;
        case Access::read:
            read.insert(filter);
            break;
        case Access::write:
            write.insert(filter);
            break;
        case Access::readwrite:
            read.insert(filter);
            write.insert(filter);
            break;
    }
}

bool usable_substitution(std::string_view value) noexcept
{
    // '$' first: "%c/#" must not give a client that calls itself "$SYS" the broker's topics.
    return !value.empty() && value.front() != '$' && value.find_first_of("+#/") == std::string_view::npos;
}

std::optional<std::string> substitute_pattern(std::string_view pattern, Access access,
                                              std::string_view username, std::string_view client_id)
{
    const bool user_ok = usable_substitution(username);
    const bool client_ok = usable_substitution(client_id);
    std::string out;
    out.reserve(pattern.size() + username.size() + client_id.size());
    std::size_t level_start = 0;  // in `out`
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        const char c = pattern[i];
        if (c == '/') level_start = out.size() + 1;
        if (c != '%' || i + 1 >= pattern.size() || (pattern[i + 1] != 'u' && pattern[i + 1] != 'c')) {
            out += c;
            continue;
        }
        const bool user = pattern[i + 1] == 'u';
        if (user ? !user_ok : !client_ok) {
            if (access != Access::deny) return std::nullopt;
            out.resize(level_start);
            out += '#';
            return out;
        }
        out += user ? username : client_id;
        ++i;
    }
    return out;
}

AclPolicy::AclPolicy(const AclFile& file, AclOptions options) : options_(options)
{
    general_ = compile(file.general);
    rule_count_ = file.general.size() + file.patterns.size();
    for (const auto& user : file.users) {
        users_.emplace(user.name, compile(user.rules));
        rule_count_ += user.rules.size();
    }
    std::vector<AclRule> fixed;
    for (const auto& rule : file.patterns) {
        (has_placeholder(rule.filter) ? patterns_ : fixed).push_back(rule);
    }
    fixed_patterns_ = compile(fixed);
}

IdentityRules AclPolicy::rules_for(std::string_view username, std::string_view client_id) const
{
    IdentityRules rules;
    rules.options_ = options_;
    if (!general_->empty()) rules.sets_.push_back(general_);
    if (!username.empty()) {
        if (auto it = users_.find(username); it != users_.end() && !it->second->empty())
            rules.sets_.push_back(it->second);
    }
    // A user name or client id that could widen a pattern takes away every pattern grant; pattern denials
    // still apply (widened where needed).
    const bool grants = usable_substitution(client_id) && (username.empty() || usable_substitution(username));
    if (!fixed_patterns_->empty()) {
        if (grants) {
            rules.sets_.push_back(fixed_patterns_);
        } else if (!fixed_patterns_->deny.empty()) {
            auto denials = std::make_shared<RuleSet>();
            for (const auto& filter : fixed_patterns_->deny.filters())
                denials->add(Access::deny, filter);
            rules.sets_.push_back(std::move(denials));
        }
    }
    if (!patterns_.empty()) {
        auto own = std::make_shared<RuleSet>();
        for (const auto& rule : patterns_) {
            if (!grants && rule.access != Access::deny) continue;
            if (auto filter = substitute_pattern(rule.filter, rule.access, username, client_id))
                own->add(rule.access, *filter);
        }
        if (!own->empty()) rules.sets_.push_back(std::move(own));
    }
    return rules;
}

bool IdentityRules::decide(bool write, std::string_view topic) const noexcept
{
    for (const auto& set : sets_) {
        if (set->deny.matches(topic)) return false;
    }
    for (const auto& set : sets_) {
        if ((write ? set->write : set->read).matches(topic)) return true;
    }
    return options_.default_allow;
}

bool IdentityRules::may_publish(std::string_view topic) const noexcept
{
    if (is_sys_topic(topic)) return false;
    return decide(true, topic);
}

bool IdentityRules::may_receive(std::string_view topic) const noexcept
{
    return decide(false, topic);
}

bool IdentityRules::may_subscribe(std::string_view filter) const
{
    // Only the rules that meet the filter matter; usually a handful even in a large file.
    std::vector<std::string_view> denials;
    for (const auto& set : sets_) {
        for (const auto& f : set->deny.filters()) {
            if (filters_overlap(f, filter)) denials.push_back(f);
        }
    }
    if (options_.default_allow) {
        // Everything not denied is readable.
        if (options_.strict_subscribe) return denials.empty();
        return !filter_covered_by(filter, denials);
    }
    if (options_.strict_subscribe) {
        if (!denials.empty()) return false;
        std::vector<std::string_view> reads;
        for (const auto& set : sets_) {
            for (const auto& f : set->read.filters()) {
                if (filters_overlap(f, filter)) reads.push_back(f);
            }
        }
        return filter_covered_by(filter, reads);
    }
    // The first read rule whose common part with the filter is not all denied grants it.
    for (const auto& set : sets_) {
        for (const auto& f : set->read.filters()) {
            if (!filters_overlap(f, filter)) continue;
            const auto common = filter_intersection(filter, f);
            if (common && !filter_covered_by(*common, denials)) return true;
        }
    }
    return false;
}

}  // namespace moatmq::security::authz
