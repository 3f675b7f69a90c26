// libFuzzer target for the ACL file parser (security/authz/acl_file.cpp) and what is built on a parsed file:
// the compiled policy, pattern substitution with hostile identities, and the decisions and subscribe check.
// Oracles: every rule of a parsed file holds a valid filter (placeholders filled), and no substituted
// pattern ever grants a client whose user name is a wildcard more than a plain client gets.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "codec/topic.hpp"
#include "security/authz/acl_file.hpp"
#include "security/authz/acl_policy.hpp"

namespace {

using namespace moatmq::security::authz;

void check(bool ok, const char* what)
{
    if (ok) return;
    std::fprintf(stderr, "acl_parse_fuzzer: %s\n", what);
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto parsed = parse_acl(text, "fuzz");
    if (!parsed) {
        check(!parsed.error().message.empty(), "error without a message");
        check(parsed.error().line >= 1, "error without a line");
        return 0;
    }
    for (const auto& rule : parsed->general)
        check(!moatmq::codec::validate_topic_filter(rule.filter), "bad filter");
    for (const auto& user : parsed->users) {
        check(!user.name.empty(), "empty user name");
        for (const auto& rule : user.rules)
            check(!moatmq::codec::validate_topic_filter(rule.filter), "bad filter");
    }
    for (const auto& options : {AclOptions{}, AclOptions{.default_allow = true, .strict_subscribe = true}}) {
        const AclPolicy policy(*parsed, options);
        const auto plain = policy.rules_for("alice", "c1");
        const auto hostile = policy.rules_for("#", "+");
        for (std::string_view topic :
             {"a", "a/b", "$SYS/broker/uptime", "alice/x", "devices/alice/x", "inbox/c1"}) {
            (void)plain.may_publish(topic);
            (void)plain.may_receive(topic);
            (void)hostile.may_receive(topic);
        }
        for (std::string_view filter : {"#", "a/+", "$SYS/#", "+/+/#", "alice/#"}) {
            (void)plain.may_subscribe(filter);
            (void)hostile.may_subscribe(filter);
        }
        // A file without general or user rules grants only through patterns: the hostile identity gets
        // nothing.
        if (parsed->general.empty() && parsed->users.empty() && !options.default_allow) {
            for (std::string_view topic : {"a", "a/b", "devices/x/y", "inbox/c1", "x/y"})
                check(!hostile.may_receive(topic) && !hostile.may_publish(topic),
                      "pattern grant to a wildcard name");
        }
    }
    return 0;
}
