#pragma once
// AclFile: an access control list in Mosquitto's acl_file grammar, parsed and checked, not yet compiled
// (acl_policy.hpp does that). The grammar, one statement per line:
//
//   # comment                             (also after leading blanks; blank lines are ignored)
//   topic [read|write|readwrite|deny] FILTER
//   pattern [read|write|readwrite|deny] FILTER     FILTER may hold %u (user name) and %c (client id)
//   user NAME                             the topic lines after it, up to the next `user`, are NAME's
//
// As in Mosquitto: the access word is optional (default readwrite) — `topic a/b` is readwrite on "a/b", and a
// lone `topic read` is readwrite on the topic "read"; FILTER is the rest of the line, blanks inside kept,
// trailing blanks removed; NAME is the rest of the line; a `user` named twice adds to the same block;
// `pattern` lines apply to every client wherever they appear. Words are separated by spaces or tabs.
// Unlike Mosquitto, a FILTER that is not a valid MQTT topic filter, a "$share/..." filter, a missing NAME
// or any other line is an error naming FILE:LINE, so that a typo never silently changes who may do what.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>

namespace moatmq::security::authz {

enum class Access : std::uint8_t { read, write, readwrite, deny };

std::string_view to_string(Access access) noexcept;

struct AclRule {
    Access access = Access::readwrite;
    std::string filter;      // a valid topic filter; a pattern's still holds %u / %c
    std::uint32_t line = 0;  // 1-based line in the file, for messages

    bool operator==(const AclRule&) const = default;
};

struct AclUserBlock {
    std::string name;
    std::vector<AclRule> rules;

    bool operator==(const AclUserBlock&) const = default;
};

struct AclFile {
    std::vector<AclRule> general;     // `topic` lines before the first `user` line
    std::vector<AclUserBlock> users;  // one block per distinct name, in order of first appearance
    std::vector<AclRule> patterns;    // every `pattern` line

    bool operator==(const AclFile&) const = default;
};

struct AclError {
    std::string file;
    std::uint32_t line = 0;  // 0: not about one line (the file cannot be read)
    std::string message;

    // "FILE:LINE: message", or "FILE: message" without a line.
    std::string to_string() const;

    bool operator==(const AclError&) const = default;
};

template <class T>
using AclResult = boost::system::result<T, AclError>;

// Lets AclResult<T>::value() throw std::runtime_error(to_string()); for main() and tests.
[[noreturn]] void throw_exception_from_error(const AclError& error, const boost::source_location& where);

inline constexpr std::size_t kMaxAclFileSize = 16 * 1024 * 1024;

// Parses `text`; errors name `file_name` and the line. Never throws for bad input.
AclResult<AclFile> parse_acl(std::string_view text, std::string_view file_name);

// Reads and parses `file` (at most kMaxAclFileSize bytes).
AclResult<AclFile> load_acl_file(const std::filesystem::path& file);

}  // namespace moatmq::security::authz
