#pragma once
// AclPolicy: an AclFile compiled for fast decisions, and IdentityRules, the rules one client is judged by.
//
// Who gets which rules. Every client gets the general block (the `topic` lines before the first `user`
// line — everyone's, anonymous clients included), its user block if it has a user name with one, and the
// `pattern` lines with %u replaced by its user name and %c by its client id. The user name is the
// authenticated identity (certificate or PSK identity included); "" is an anonymous client.
//
// Substitution never widens access (the CVE-2017-7650 class of bug). A value that is empty (anonymous,
// for %u), starts with '$' or contains '+', '#' or '/' could turn "devices/%u/#" into a wildcard, into
// someone else's subtree, or "%c/#" into "$SYS/#", so it is unusable:
//   - a client with an unusable user name or client id gets no grant from any pattern at all;
//   - a pattern that grants and needs an unusable value (%u for an anonymous client) is skipped;
//   - a `deny` pattern that needs an unusable value is widened instead: cut at the first level holding the
//     placeholder and ended with '#' ("devices/%u/secret" -> "devices/#"), which contains every topic the
//     real value could have named. Widening a denial is always safe.
//
// One decision, for a topic T and an action (publish = write, receive = read):
//   1. publishing to $SYS (first level exactly "$SYS") is denied, whatever the rules say;
//   2. a `deny` rule matching T denies (denials are considered first, as in Mosquitto);
//   3. a rule granting the action (read / write / readwrite) and matching T allows;
//   4. otherwise the default ([acl].default: deny unless set to allow).
// '$' topics are matched only by rules whose first level is literal ('+' and '#' never match them), so
// `topic read #` does not open $SYS; `topic read $SYS/#` does.
//
// SUBSCRIBE is judged on the filter F (for "$share/g/F", on F), against the readable set R = (what read
// rules and the default grant) minus (what deny rules match):
//   - default: granted when F meets R — some readable topic could arrive through it. `secret/#` for a
//     client with no readable topic under secret/ is refused; `#` is granted to anyone who may read
//     something, and delivers only what is readable (the receive check runs on every message).
//   - strict_subscribe: granted only when R contains every topic F matches: read rules cover F (as a union:
//     filter_relations.hpp) and no deny rule meets it.
// Mosquitto's acl_file never checks SUBSCRIBE at all; docs/authorization.md explains the difference.
//
// Threads: both types are immutable after construction; share them freely. IdentityRules keeps the
// policy's compiled parts alive.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/string_hash.hpp"
#include "security/authz/acl_file.hpp"
#include "security/authz/filter_set.hpp"

namespace moatmq::security::authz {

struct AclOptions {
    bool default_allow = false;     // [acl].default = "allow"
    bool strict_subscribe = false;  // [acl].strict_subscribe

    bool operator==(const AclOptions&) const = default;
};

// A list of rules, compiled: what they deny, what they let read, what they let write.
struct RuleSet {
    FilterSet deny;
    FilterSet read;
    FilterSet write;

    void add(Access access, std::string_view filter);
    bool empty() const noexcept { return deny.empty() && read.empty() && write.empty(); }
};

class IdentityRules {
public:
    bool may_publish(std::string_view topic) const noexcept;
    bool may_receive(std::string_view topic) const noexcept;
    // `filter`: a valid, non-shared topic filter (the caller strips "$share/{group}/").
    bool may_subscribe(std::string_view filter) const;

    const AclOptions& options() const noexcept { return options_; }

private:
    friend class AclPolicy;
    bool decide(bool write, std::string_view topic) const noexcept;

    AclOptions options_;
    std::vector<std::shared_ptr<const RuleSet>> sets_;  // general, user, patterns without placeholders, own
};

class AclPolicy {
public:
    AclPolicy(const AclFile& file, AclOptions options);

    // The rules for a client; `username` "" = anonymous.
    IdentityRules rules_for(std::string_view username, std::string_view client_id) const;

    const AclOptions& options() const noexcept { return options_; }
    std::size_t rule_count() const noexcept { return rule_count_; }

private:
    AclOptions options_;
    std::size_t rule_count_ = 0;
    std::shared_ptr<const RuleSet> general_;
    std::unordered_map<std::string, std::shared_ptr<const RuleSet>, StringHash, std::equal_to<>> users_;
    std::shared_ptr<const RuleSet> fixed_patterns_;  // pattern lines without %u / %c: the same for everyone
    std::vector<AclRule> patterns_;                  // pattern lines with %u or %c
};

// Whether `value` may be put in place of %u / %c (see the top of this file).
bool usable_substitution(std::string_view value) noexcept;

// `pattern` with %u and %c replaced; for a deny pattern, an unusable value widens it (see above). nullopt:
// the rule does not apply (a grant needing an unusable value). Exposed for tests.
std::optional<std::string> substitute_pattern(std::string_view pattern, Access access,
                                              std::string_view username, std::string_view client_id);

}  // namespace moatmq::security::authz
