#include "security/authz/acl_file.hpp"

#include <fstream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <system_error>

#include "codec/topic.hpp"
#include "codec/utf8.hpp"

namespace moatmq::security::authz {
namespace {

bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view text)
{
    while (!text.empty() && (is_blank(text.front()) || text.front() == '\r'))
        text.remove_prefix(1);
    while (!text.empty() && (is_blank(text.back()) || text.back() == '\r'))
        text.remove_suffix(1);
    return text;
}

// The first word of `text` (already trimmed) and the trimmed rest.
std::pair<std::string_view, std::string_view> split_word(std::string_view text)
{
    std::size_t end = 0;
    while (end < text.size() && !is_blank(text[end]))
        ++end;
    return {text.substr(0, end), trim(text.substr(end))};
}

std::optional<Access> access_word(std::string_view word)
{
    if (word == "read") return Access::read;
    if (word == "write") return Access::write;
    if (word == "readwrite") return Access::readwrite;
    if (word == "deny") return Access::deny;
    return std::nullopt;
}

// A pattern is checked as the filter it becomes for a user and client id that are one plain level.
std::string with_placeholders_filled(std::string_view pattern)
{
    std::string out;
    out.reserve(pattern.size());
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] == '%' && i + 1 < pattern.size() && (pattern[i + 1] == 'u' || pattern[i + 1] == 'c')) {
            out += 'x';
            ++i;
        } else {
            out += pattern[i];
        }
    }
    return out;
}

class Parser {
public:
    explicit Parser(std::string_view file_name) : file_(file_name) {}

    AclResult<AclFile> run(std::string_view text)
    {
        std::uint32_t number = 0;
        std::size_t pos = 0;
        for (;;) {
            const auto newline = text.find('\n', pos);
            const auto end = newline == std::string_view::npos ? text.size() : newline;
            if (auto error = statement(trim(text.substr(pos, end - pos)), ++number)) return *error;
            if (newline == std::string_view::npos) break;
            pos = newline + 1;
        }
        return std::move(result_);
    }

private:
    AclError error(std::uint32_t line, std::string message) const
    {
        return AclError{std::string(file_), line, std::move(message)};
    }

    std::optional<AclError> statement(std::string_view line, std::uint32_t number)
    {
        if (line.empty() || line.front() == '#') return std::nullopt;
        if (line.find('\0') != std::string_view::npos) return error(number, "NUL character");
        auto [keyword, rest] = split_word(line);
        if (keyword == "user") {
            if (rest.empty()) return error(number, "`user` without a user name");
            if (codec::detail::check_utf8(rest) != codec::CodecError{})
                return error(number, "user name is not valid UTF-8");
            current_user_ = find_or_add_user(rest);
            return std::nullopt;
        }
        if (keyword != "topic" && keyword != "pattern") {
            return error(number, "unknown statement \"" + std::string(keyword.substr(0, 64)) +
                                     "\" (expected topic, pattern, user or a # comment)");
        }
        const bool pattern = keyword == "pattern";
        if (rest.empty()) return error(number, "`" + std::string(keyword) + "` without a topic filter");
        AclRule rule;
        rule.line = number;
        auto [first, filter] = split_word(rest);
        if (filter.empty()) {
            filter = first;  // `topic FILTER`: read and write (Mosquitto: the access word is optional)
        } else {
            auto access = access_word(first);
            if (!access) {
                return error(number, "unknown access \"" + std::string(first.substr(0, 64)) +
                                         "\" (expected read, write, readwrite or deny)");
            }
            rule.access = *access;
        }
        const std::string checked = pattern ? with_placeholders_filled(filter) : std::string(filter);
        if (codec::validate_topic_filter(checked)) return error(number, "invalid topic filter");
        if (auto shared = codec::parse_shared_filter(checked); !shared || shared->has_value())
            return error(number, "a shared subscription ($share/...) is not a topic filter");
        rule.filter = std::string(filter);
        if (pattern) {
            result_.patterns.push_back(std::move(rule));
        } else if (current_user_) {
            result_.users[*current_user_].rules.push_back(std::move(rule));
        } else {
            result_.general.push_back(std::move(rule));
        }
        return std::nullopt;
    }

    std::size_t find_or_add_user(std::string_view name)
    {
        for (std::size_t i = 0; i < result_.users.size(); ++i) {
            if (result_.users[i].name == name) return i;
        }
        result_.users.push_back(AclUserBlock{std::string(name), {}});
        return result_.users.size() - 1;
    }

    std::string_view file_;
    AclFile result_;
    std::optional<std::size_t> current_user_;
};

}  // namespace

std::string_view to_string(Access access) noexcept
{
    switch (access) {
        case Access::read:
            return "read";
        case Access::write:
            return "write";
        case Access::readwrite:
            return "readwrite";
        case Access::deny:
            return "deny";
    }
    return "?";
}

std::string AclError::to_string() const
{
    std::string out = file;
    if (line != 0) out += ":" + std::to_string(line);
    out += ": " + message;
    return out;
}

void throw_exception_from_error(const AclError& error, const boost::source_location&)
{
    throw std::runtime_error(error.to_string());
}

AclResult<AclFile> parse_acl(std::string_view text, std::string_view file_name)
{
    return Parser(file_name).run(text);
}

AclResult<AclFile> load_acl_file(const std::filesystem::path& file)
{
    const std::string name = file.string();
    std::error_code ec;
    const auto size = std::filesystem::file_size(file, ec);
    if (ec) return AclError{name, 0, "cannot read: " + ec.message()};
    if (size > kMaxAclFileSize) {
        return AclError{name, 0, "larger than " + std::to_string(kMaxAclFileSize / (1024 * 1024)) + " MiB"};
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) return AclError{name, 0, "cannot open"};
    std::string text;
    text.reserve(static_cast<std::size_t>(size));
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (in.bad()) return AclError{name, 0, "read error"};
    if (text.size() > kMaxAclFileSize) return AclError{name, 0, "file grew while being read"};
    return parse_acl(text, name);
}

}  // namespace moatmq::security::authz
