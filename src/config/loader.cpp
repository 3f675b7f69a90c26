// The loader turns TOML text into a validated Config. toml++ is used here and in toml_impl.cpp only.
//
// How it reads: every table of the schema is walked by a TableReader, which asks for the keys it knows
// (recording them as known), converts each value with a file position at hand, and at the end reports
// every key it was not asked for as unknown (with a "did you mean" from the known keys). Errors are
// collected rather than returned at the first one, because toml++ tables iterate in key order, not file
// order: the error reported is the one nearest the top of the file, so the user fixes errors top-down.
#include "config/loader.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "config/enum_words.hpp"
#include "config/size.hpp"
#include "config/toml.hpp"
#include "config/topic_filter_syntax.hpp"

namespace moatmq::config {
namespace {

constexpr std::uintmax_t kMaxConfigFileSize = 4 * 1024 * 1024;
constexpr std::uint64_t kMqttMaxPacketSize =
    268'435'455;  // largest Remaining Length + 5 header bytes, rounded

struct Position {
    std::uint32_t line = 0;
    std::uint32_t column = 0;
};

Position position_of(const toml::source_region& region)
{
    return Position{region.begin.line, region.begin.column};
}

class Diagnostics {
public:
    explicit Diagnostics(std::string file) : file_(std::move(file)) {}

    void add(Position where, std::string message)
    {
        errors_.push_back(ConfigError{file_, where.line, where.column, std::move(message)});
    }
    void add(const toml::node& node, std::string message)
    {
        add(position_of(node.source()), std::move(message));
    }

    // Unknown keys are worded at the end, once every table has said which keys it knows: a key that belongs
    // to another table is most often written below the wrong header ("threads" after a [[listener]]).
    void add_known_key(std::string_view key, const std::string& table) { key_tables_.emplace(key, table); }
    void add_unknown_key(Position where, std::string path, std::string key, std::string suggestion)
    {
        unknown_.push_back({where, std::move(path), std::move(key), std::move(suggestion)});
    }

    bool empty() const { return errors_.empty() && unknown_.empty(); }

    // The error nearest the top of the file.
    ConfigError first()
    {
        for (auto& unknown : unknown_)
            add(unknown.where, unknown_key_message(unknown));
        unknown_.clear();
        return *std::min_element(errors_.begin(), errors_.end(), [](const auto& a, const auto& b) {
            return std::tie(a.line, a.column) < std::tie(b.line, b.column);
        });
    }

private:
    struct UnknownKey {
        Position where;
        std::string path;
        std::string key;
        std::string suggestion;  // a close known key of the same table, or empty
    };

    std::string unknown_key_message(const UnknownKey& unknown) const;

    std::string file_;
    std::vector<ConfigError> errors_;
    std::vector<UnknownKey> unknown_;
    std::multimap<std::string, std::string, std::less<>> key_tables_;  // key -> tables that know it
};

std::string_view type_phrase(const toml::node& node)
{
    switch (node.type()) {
        case toml::node_type::table:
            return "a table";
        case toml::node_type::array:
            return "an array";
        case toml::node_type::string:
            return "a string";
        case toml::node_type::integer:
            return "an integer";
        case toml::node_type::floating_point:
            return "a float";
        case toml::node_type::boolean:
            return "a boolean";
        case toml::node_type::date:
            return "a date";
        case toml::node_type::time:
            return "a time";
        case toml::node_type::date_time:
            return "a date-time";
        default:
            return "nothing";
    }
}

std::size_t edit_distance(std::string_view a, std::string_view b)
{
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j)
        row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

std::string quote_text(std::string_view text)
{
    std::string out = "\"";
    for (char c : text) {
        if (static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\') {
            out += '?';  // messages quote user text; keep them on one line
        } else {
            out += c;
        }
    }
    return out + "\"";
}

std::string Diagnostics::unknown_key_message(const UnknownKey& unknown) const
{
    std::string message = "unknown key " + quote_text(unknown.path);
    if (!unknown.suggestion.empty())
        return message + " (did you mean " + quote_text(unknown.suggestion) + "?)";
    const auto [begin, end] = key_tables_.equal_range(unknown.key);
    if (begin != end) {
        const std::string& table = begin->second;
        message += " (" + quote_text(unknown.key) + " is a key of " +
                   (table.empty() ? "the top level" : "[" + table + "]") +
                   "; a key belongs to the nearest table header above it)";
    }
    return message;
}

// Reads one table of the schema. `name` is the table's dotted name for messages ("limits", "listener.tls").
class TableReader {
public:
    TableReader(const toml::table& table, std::string name, Diagnostics& diagnostics, const Path& base_dir)
        : table_(table), name_(std::move(name)), diagnostics_(diagnostics), base_dir_(base_dir)
    {
    }

    const toml::table& table() const { return table_; }
    Diagnostics& diagnostics() { return diagnostics_; }
    const Path& base_dir() const { return base_dir_; }

    // The node under `key`, or nullptr; either way `key` is a known key of this table.
    const toml::node* take(std::string_view key)
    {
        known_.emplace(key);
        return table_.get(key);
    }

    std::string path(std::string_view key) const
    {
        return name_.empty() ? std::string(key) : name_ + "." + std::string(key);
    }

    void error(const toml::node& node, std::string_view key, std::string_view message)
    {
        diagnostics_.add(node, path(key) + ": " + std::string(message));
    }
    void wrong_type(const toml::node& node, std::string_view key, std::string_view expected)
    {
        error(node, key, "expected " + std::string(expected) + ", got " + std::string(type_phrase(node)));
    }
    void missing(std::string_view key)
    {
        diagnostics_.add(table_, (name_.empty() ? std::string("") : "[" + name_ + "]: ") +
                                     "missing required key " + quote_text(key));
    }

    void read(std::string_view key, bool& out)
    {
        const toml::node* node = take(key);
        if (node == nullptr) return;
        if (auto value = node->value_exact<bool>()) {
            out = *value;
        } else {
            wrong_type(*node, key, "true or false");
        }
    }
    void read(std::string_view key, std::optional<bool>& out)
    {
        bool value = false;
        const toml::node* node = table_.get(key);
        read(key, value);
        if (node != nullptr && node->is_boolean()) out = value;
    }

    template <class T>
    void read_integer(std::string_view key, T& out, std::int64_t min, std::int64_t max)
    {
        const toml::node* node = take(key);
        if (node == nullptr) return;
        const auto value = node->value_exact<std::int64_t>();
        if (!value) return wrong_type(*node, key, "an integer");
        if (*value < min || *value > max) {
            return error(*node, key,
                         "must be between " + std::to_string(min) + " and " + std::to_string(max));
        }
        out = static_cast<T>(*value);
    }

    template <class T>
    void read_size(std::string_view key, T& out, std::uint64_t min, std::uint64_t max)
    {
        const toml::node* node = take(key);
        if (node == nullptr) return;
        std::uint64_t bytes = 0;
        if (auto integer = node->value_exact<std::int64_t>()) {
            if (*integer < 0) return error(*node, key, "a size cannot be negative");
            bytes = static_cast<std::uint64_t>(*integer);
        } else if (auto text = node->value_exact<std::string>()) {
            auto parsed = parse_size(*text);
            if (!parsed) return error(*node, key, parsed.error().message);
            bytes = *parsed;
        } else {
            return wrong_type(*node, key, "a size (integer bytes, or a string like \"64KiB\")");
        }
        if (bytes < min || bytes > max) {
            return error(*node, key,
                         "must be between " + std::to_string(min) + " and " + std::to_string(max) + " bytes");
        }
        out = static_cast<T>(bytes);
    }

    template <class D>
    void read_duration(std::string_view key, D& out, std::chrono::milliseconds min,
                       std::chrono::milliseconds max, bool zero_allowed = false)
    {
        const toml::node* node = take(key);
        if (node == nullptr) return;
        const auto text = node->value_exact<std::string>();
        if (!text) return wrong_type(*node, key, "a duration string like \"10s\"");
        auto parsed = parse_duration(*text);
        if (!parsed) return error(*node, key, parsed.error().message);
        const bool is_zero = parsed->count() == 0;
        if (!(zero_allowed && is_zero) && (*parsed < min || *parsed > max)) {
            return error(*node, key,
                         "must be between " + format_duration(min) + " and " + format_duration(max) +
                             (zero_allowed ? " (or 0s)" : ""));
        }
        if constexpr (std::is_same_v<D, std::chrono::seconds>) {
            if (parsed->count() % 1000 != 0) return error(*node, key, "must be a whole number of seconds");
            out = std::chrono::duration_cast<std::chrono::seconds>(*parsed);
        } else {
            out = *parsed;
        }
    }

    void read(std::string_view key, std::string& out)
    {
        const toml::node* node = take(key);
        if (node == nullptr) return;
        auto text = node->value_exact<std::string>();
        if (!text) return wrong_type(*node, key, "a string");
        if (text->find('\0') != std::string::npos)
            return error(*node, key, "must not contain NUL characters");
        out = std::move(*text);
    }

    // A file or directory path; relative paths are resolved against the configuration file's directory.
    void read_path(std::string_view key, std::optional<Path>& out)
    {
        const toml::node* node = take(key);
        if (node == nullptr) return;
        auto text = node->value_exact<std::string>();
        if (!text) return wrong_type(*node, key, "a path string");
        if (text->empty()) return error(*node, key, "must not be empty");
        if (text->find('\0') != std::string::npos)
            return error(*node, key, "must not contain NUL characters");
        Path path{*text};
        if (path.is_relative()) path = base_dir_ / path;
        out = path.lexically_normal();
    }
    void read_path(std::string_view key, Path& out)
    {
        std::optional<Path> path;
        read_path(key, path);
        if (path) out = std::move(*path);
    }

    template <class E>
    void read_enum(std::string_view key, E& out)
    {
        const toml::node* node = take(key);
        if (node == nullptr) return;
        auto text = node->value_exact<std::string>();
        if (!text) return wrong_type(*node, key, "one of " + word_list<E>());
        if (auto value = enum_of<E>(*text)) {
            out = *value;
        } else {
            error(*node, key, "unknown value " + quote_text(*text) + ", expected " + word_list<E>());
        }
    }

    // A sub-table: nullptr (absent, or wrong type and reported).
    const toml::table* read_table(std::string_view key)
    {
        const toml::node* node = take(key);
        if (node == nullptr) return nullptr;
        if (const auto* table = node->as_table()) return table;
        error(*node, key, "must be a table ([" + path(key) + "]), got " + std::string(type_phrase(*node)));
        return nullptr;
    }

    // Reports every key of the table that no read asked for.
    void finish()
    {
        for (const auto& known : known_)
            diagnostics_.add_known_key(known, name_);
        for (const auto& [key, node] : table_) {
            if (known_.contains(key.str())) continue;
            std::string best;
            std::size_t best_distance = 3;  // suggest only close matches
            for (const auto& candidate : known_) {
                const std::size_t distance = edit_distance(key.str(), candidate);
                if (distance < best_distance) {
                    best_distance = distance;
                    best = candidate;
                }
            }
            diagnostics_.add_unknown_key(position_of(key.source()), path(key.str()), std::string(key.str()),
                                         std::move(best));
        }
    }

private:
    const toml::table& table_;
    std::string name_;
    Diagnostics& diagnostics_;
    const Path& base_dir_;
    std::set<std::string, std::less<>> known_;
};

// Runs `read` over the table `key` of `parent` (an empty table when absent) and reports its unknown keys.
template <class F>
void with_table(TableReader& parent, std::string_view key, const Path& base_dir, F&& read)
{
    static const toml::table kEmpty;
    const toml::table* table = parent.read_table(key);
    TableReader reader(table != nullptr ? *table : kEmpty, parent.path(key), parent.diagnostics(), base_dir);
    read(reader);
    reader.finish();
}

constexpr std::int64_t kMaxU16 = std::numeric_limits<std::uint16_t>::max();
constexpr std::int64_t kMaxU32 = std::numeric_limits<std::uint32_t>::max();
using std::chrono::milliseconds;
constexpr milliseconds kHour{3'600'000};
constexpr milliseconds kDay{86'400'000};

void read_broker(TableReader& r, BrokerConfig& out)
{
    r.read_path("data_dir", out.data_dir);
    r.read_integer("threads", out.threads, 0, 1024);
    r.read_duration("sys_interval", out.sys_interval, milliseconds{100}, kDay, /*zero_allowed=*/true);
    r.read("response_information_prefix", out.response_information_prefix);
}

bool valid_sni_host(std::string_view host)
{
    if (host.starts_with("*.")) host.remove_prefix(2);
    if (host.empty() || host.size() > 253 || host.front() == '.' || host.back() == '.') return false;
    return std::all_of(host.begin(), host.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
               c == '.';
    });
}

// [[listener.tls.sni]]: an array of tables with host, cert and key, hosts unique (case-insensitive).
void read_sni(TableReader& r, const toml::node& node, std::vector<SniCertConfig>& out)
{
    const auto* array = node.as_array();
    if (array == nullptr) {
        return r.error(node, "sni",
                       "must be an array of tables ([[listener.tls.sni]], with two brackets), got " +
                           std::string(type_phrase(node)));
    }
    std::set<std::string, std::less<>> hosts;
    for (const toml::node& element : *array) {
        const auto* table = element.as_table();
        if (table == nullptr) {
            r.error(element, "sni", "each entry must be a table with host, cert and key");
            continue;
        }
        TableReader reader(*table, "listener.tls.sni", r.diagnostics(), r.base_dir());
        SniCertConfig entry;
        std::optional<Path> cert;
        std::optional<Path> key;
        if (const toml::node* host = table->get("host")) {
            reader.read("host", entry.host);
            if (host->is_string()) {
                std::string lower = entry.host;
                std::transform(lower.begin(), lower.end(), lower.begin(),
                               [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
                if (!valid_sni_host(entry.host)) {
                    reader.error(*host, "host",
                                 "must be a DNS name or \"*.\" and a domain, got " + quote_text(entry.host));
                } else if (!hosts.insert(lower).second) {
                    reader.error(*host, "host", "duplicate SNI host " + quote_text(entry.host));
                }
                entry.host = std::move(lower);
            }
        } else {
            reader.missing("host");
        }
        reader.read_path("cert", cert);
        reader.read_path("key", key);
        if (!table->get("cert")) reader.missing("cert");
        if (!table->get("key")) reader.missing("key");
        reader.finish();
        if (cert) entry.cert = *cert;
        if (key) entry.key = *key;
        out.push_back(std::move(entry));
    }
}

void read_tls(TableReader& r, TlsConfig& out)
{
    r.read_path("cert", out.cert);
    r.read_path("key", out.key);
    r.read_path("ca", out.ca);
    r.read_enum("client_cert", out.client_cert);
    r.read_enum("identity", out.identity);
    r.read_enum("min_version", out.min_version);
    r.read_path("crl", out.crl);
    r.read_path("psk_file", out.psk_file);
    r.read_integer("verify_depth", out.verify_depth, 1, 100);
    r.read_path("ocsp_response", out.ocsp_response);
    r.read("ciphers", out.ciphers);
    r.read("ciphersuites", out.ciphersuites);
    r.read("groups", out.groups);
    r.read_path("key_passphrase_file", out.key_passphrase_file);
    if (const toml::node* node = r.take("sni")) read_sni(r, *node, out.sni);

    // Cross-key rules: reported at the [listener.tls] header.
    auto fail = [&](std::string message) {
        r.diagnostics().add(r.table(), "[listener.tls]: " + std::move(message));
    };
    if (out.cert.has_value() != out.key.has_value()) {
        fail("\"cert\" and \"key\" go together: set both or neither");
    } else if (!out.cert && !out.psk_file) {
        fail("needs \"cert\" and \"key\" (or \"psk_file\" for a TLS-PSK-only listener)");
    }
    if (!out.sni.empty() && !out.cert)
        fail("[[listener.tls.sni]] certificates need a default \"cert\" and \"key\" for other clients");
    if (out.ocsp_response && !out.cert)
        fail("\"ocsp_response\" is stapled to the server certificate: set \"cert\"");
    if (out.client_cert != ClientCertMode::none && !out.ca) {
        fail("client_cert = \"" + std::string(to_string(out.client_cert)) +
             "\" needs \"ca\", the trust anchors for client certificates");
    }
    if (out.identity != CertIdentity::none && out.client_cert == ClientCertMode::none) {
        fail("identity = \"" + std::string(to_string(out.identity)) +
             "\" needs client certificates: set client_cert to \"optional\" or \"require\"");
    }
    if (out.crl && out.client_cert == ClientCertMode::none) {
        fail(
            "\"crl\" is checked against client certificates: set client_cert to \"optional\" or \"require\"");
    }
}

bool valid_listener_name(std::string_view name)
{
    if (name.empty() || name.size() > 64) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
               c == '_' || c == '.' || c == ':' || c == '[' || c == ']';
    });
}

// Names and addresses of the listeners read so far, for the duplicate checks.
struct ListenerSeen {
    std::set<std::string, std::less<>> names;
    std::map<std::string, std::string, std::less<>> binds;  // canonical address -> listener name
};

void read_listener(TableReader& r, ListenerConfig& out, const Path& base_dir, ListenerSeen& seen)
{
    bool have_bind = false;
    if (const toml::node* node = r.take("bind")) {
        if (auto text = node->value_exact<std::string>()) {
            if (auto bind = BindAddress::parse(*text)) {
                out.bind = *bind;
                have_bind = true;
                const auto other = seen.binds.find(out.bind.to_string());
                if (out.bind.port() != 0 && other != seen.binds.end()) {
                    r.error(*node, "bind",
                            "address " + out.bind.to_string() + " is already bound by listener " +
                                quote_text(other->second));
                }
            } else {
                r.error(*node, "bind", bind.error().message);
            }
        } else {
            r.wrong_type(*node, "bind", "a string \"host:port\"");
        }
    } else {
        r.missing("bind");
    }

    out.name = have_bind ? out.bind.to_string() : "";
    if (const toml::node* node = r.table().get("name")) {
        r.read("name", out.name);
        if (node->is_string()) {
            if (!valid_listener_name(out.name)) {
                r.error(*node, "name",
                        "must be 1 to 64 letters, digits or \"-_.:[]\", got " + quote_text(out.name));
            }
            if (seen.names.contains(out.name)) {
                r.error(*node, "name", "duplicate listener name " + quote_text(out.name));
            }
        }
    } else {
        r.take("name");
    }
    r.read_enum("protocol", out.protocol);
    r.read("allow_anonymous", out.allow_anonymous);
    r.read("require_password", out.require_password);
    if (const toml::table* tls = r.read_table("tls")) {
        TableReader reader(*tls, "listener.tls", r.diagnostics(), base_dir);
        read_tls(reader, out.tls.emplace());
        reader.finish();
    }
    seen.names.insert(out.name);
    if (have_bind && out.bind.port() != 0) seen.binds.emplace(out.bind.to_string(), out.name);
}

void read_listeners(TableReader& root, std::vector<ListenerConfig>& out, const Path& base_dir)
{
    const toml::node* node = root.take("listener");
    if (node == nullptr) {
        root.diagnostics().add(Position{1, 1},
                               "no [[listener]] defined: the broker would accept no connection");
        return;
    }
    const auto* array = node->as_array();
    if (array == nullptr) {
        return root.error(*node, "listener",
                          "must be an array of tables ([[listener]], with two brackets), got " +
                              std::string(type_phrase(*node)));
    }
    if (array->empty()) {
        return root.error(*node, "listener", "no listener defined: the broker would accept no connection");
    }
    ListenerSeen seen;
    for (const toml::node& element : *array) {
        const auto* table = element.as_table();
        if (table == nullptr) {
            root.error(element, "listener",
                       "each listener must be a table, got " + std::string(type_phrase(element)));
            continue;
        }
        TableReader reader(*table, "listener", root.diagnostics(), base_dir);
        read_listener(reader, out.emplace_back(), base_dir, seen);
        reader.finish();
    }
}

void read_auth(TableReader& r, AuthConfig& out)
{
    r.read_path("password_file", out.password_file);
    r.read("allow_anonymous", out.allow_anonymous);
    r.read("allow_plaintext_passwords", out.allow_plaintext_passwords);
    if (const toml::node* node = r.take("scram")) {
        const auto* array = node->as_array();
        if (array == nullptr) {
            r.wrong_type(*node, "scram", "an array like [\"sha256\", \"sha512\"]");
        } else {
            out.scram.clear();
            for (const toml::node& element : *array) {
                auto word = element.value_exact<std::string>();
                auto mechanism = word ? enum_of<ScramMechanism>(*word) : std::nullopt;
                if (!mechanism) {
                    r.error(element, "scram", "each entry must be one of " + word_list<ScramMechanism>());
                } else if (std::find(out.scram.begin(), out.scram.end(), *mechanism) != out.scram.end()) {
                    r.error(element, "scram", quote_text(*word) + " is listed twice");
                } else {
                    out.scram.push_back(*mechanism);
                }
            }
        }
    }
    if (const toml::node* node = r.take("failure_backoff")) {
        if (auto text = node->value_exact<std::string>()) {
            if (auto backoff = parse_backoff(*text)) {
                if (*backoff && (*backoff)->maximum > kHour) {
                    r.error(*node, "failure_backoff", "the maximum delay must be at most 1h");
                } else {
                    out.failure_backoff = *backoff;
                }
            } else {
                r.error(*node, "failure_backoff", backoff.error().message);
            }
        } else {
            r.wrong_type(*node, "failure_backoff", "a string like \"1s..60s\" or \"off\"");
        }
    }
    r.read_integer("ban_after", out.ban_after, 0, 1'000'000);
    r.read_duration("failure_window", out.failure_window, milliseconds{1000}, 30 * kDay);
    r.read("rehash_on_login", out.rehash_on_login);
}

void read_acl(TableReader& r, AclConfig& out)
{
    r.read_path("file", out.file);
    r.read_enum("default", out.default_action);
    r.read("strict_subscribe", out.strict_subscribe);
    r.read("disconnect_on_denied_publish", out.disconnect_on_denied_publish);
}

void read_policy(TableReader& r, PolicyConfig& out)
{
    const toml::node* node = r.take("encrypted_topics");
    if (node == nullptr) return;
    const auto* array = node->as_array();
    if (array == nullptr) return r.wrong_type(*node, "encrypted_topics", "an array of topic filters");
    for (const toml::node& element : *array) {
        auto filter = element.value_exact<std::string>();
        if (!filter) {
            r.wrong_type(element, "encrypted_topics", "a topic filter string");
        } else if (auto why = topic_filter_syntax_error(*filter)) {
            r.error(element, "encrypted_topics", "invalid topic filter " + quote_text(*filter) + ": " + *why);
        } else {
            out.encrypted_topics.push_back(std::move(*filter));
        }
    }
}

void read_store(TableReader& r, StoreConfig& out)
{
    r.read_enum("sync", out.sync);
    r.read_duration("sync_interval", out.sync_interval, milliseconds{1}, kHour);
}

void read_log(TableReader& r, LogConfig& out)
{
    r.read_enum("level", out.level);
    r.read_enum("format", out.format);
    r.read_path("audit_file", out.audit_file);
}

void read_limits(TableReader& r, LimitsConfig& out)
{
    r.read_size("max_packet_size", out.max_packet_size, 64, kMqttMaxPacketSize);
    r.read_integer("max_connections", out.max_connections, 1, kMaxU32);
    r.read_integer("max_queued_messages", out.max_queued_messages, 1, kMaxU32);
    r.read_size("max_queued_bytes", out.max_queued_bytes, 1, std::uint64_t{1} << 40);
    r.read_integer("max_inflight_messages", out.max_inflight_messages, 1, kMaxU16);
    r.read_integer("receive_maximum", out.receive_maximum, 1, kMaxU16);
    r.read_integer("topic_alias_maximum", out.topic_alias_maximum, 0, kMaxU16);
    r.read_integer("max_client_id_length", out.max_client_id_length, 23, kMaxU16);
    r.read_duration("connect_timeout", out.connect_timeout, milliseconds{1}, kHour);
    r.read_duration("max_keep_alive", out.max_keep_alive, milliseconds{1000}, milliseconds{kMaxU16 * 1000},
                    /*zero_allowed=*/true);
    const toml::node* expiry = r.table().get("max_session_expiry");
    if (expiry != nullptr && expiry->value_exact<std::string>() == "never") {
        r.take("max_session_expiry");
        out.max_session_expiry = kNeverExpire;
    } else {
        r.read_duration("max_session_expiry", out.max_session_expiry, milliseconds{0},
                        milliseconds{(kMaxU32 - 1) * 1000});
    }
    r.read_integer("max_qos", out.max_qos, 0, 2);
    r.read("retain_available", out.retain_available);
    r.read("wildcard_subscription_available", out.wildcard_subscription_available);
    r.read("subscription_identifier_available", out.subscription_identifier_available);
    r.read("shared_subscription_available", out.shared_subscription_available);
}

ConfigResult<Config> load_table(const toml::table& root_table, Diagnostics& diagnostics, const Path& base_dir)
{
    Config config;
    TableReader root(root_table, "", diagnostics, base_dir);
    with_table(root, "broker", base_dir, [&](TableReader& r) { read_broker(r, config.broker); });
    read_listeners(root, config.listeners, base_dir);
    with_table(root, "auth", base_dir, [&](TableReader& r) { read_auth(r, config.auth); });
    with_table(root, "acl", base_dir, [&](TableReader& r) { read_acl(r, config.acl); });
    with_table(root, "policy", base_dir, [&](TableReader& r) { read_policy(r, config.policy); });
    with_table(root, "store", base_dir, [&](TableReader& r) { read_store(r, config.store); });
    with_table(root, "log", base_dir, [&](TableReader& r) { read_log(r, config.log); });
    with_table(root, "limits", base_dir, [&](TableReader& r) { read_limits(r, config.limits); });
    root.finish();
    // The default data_dir is relative too, and resolves like a relative path written in the file.
    if (config.broker.data_dir.is_relative()) {
        config.broker.data_dir = (base_dir / config.broker.data_dir).lexically_normal();
    }
    if (!diagnostics.empty()) return diagnostics.first();
    return config;
}

}  // namespace

ConfigResult<Config> load_config_string(std::string_view text, std::string_view source_name,
                                        const std::filesystem::path& base_dir)
{
    Diagnostics diagnostics{std::string(source_name)};
    std::error_code ec;
    Path base = std::filesystem::absolute(base_dir, ec);
    if (ec) base = base_dir;

    toml::parse_result parsed = toml::parse(text, std::string(source_name));
    if (!parsed) {
        const auto& error = parsed.error();
        diagnostics.add(position_of(error.source()), std::string(error.description()));
        return diagnostics.first();
    }
    return load_table(parsed.table(), diagnostics, base.lexically_normal());
}

ConfigResult<Config> load_config_file(const std::filesystem::path& file)
{
    const std::string name = file.string();
    std::error_code ec;
    const auto status = std::filesystem::status(file, ec);
    if (ec || !std::filesystem::exists(status)) {
        const std::string why = ec ? ec.message() : std::string("No such file or directory");
        return ConfigError{name, 0, 0, "cannot read the configuration file: " + why};
    }
    if (!std::filesystem::is_regular_file(status)) {
        return ConfigError{name, 0, 0, "cannot read the configuration file: not a regular file"};
    }
    const auto size = std::filesystem::file_size(file, ec);
    if (ec || size > kMaxConfigFileSize) {
        return ConfigError{name, 0, 0, "the configuration file is larger than 4 MiB"};
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) return ConfigError{name, 0, 0, "cannot open the configuration file (permissions?)"};
    std::ostringstream text;
    if (size > 0) text << in.rdbuf();

    Path base_dir = std::filesystem::absolute(file, ec).parent_path();
    if (ec) base_dir = file.parent_path();
    return load_config_string(text.str(), name, base_dir);
}

}  // namespace moatmq::config
