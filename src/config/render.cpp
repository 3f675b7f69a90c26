#include "config/render.hpp"

#include <cstdio>
#include <sstream>

#include "config/enum_words.hpp"

namespace moatmq::config {
namespace {

// A TOML basic string: quotes, backslashes and control characters escaped; other UTF-8 as it is.
std::string toml_string(std::string_view text)
{
    std::string out = "\"";
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (byte < 0x20 || byte == 0x7f) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(byte));
            out += escaped;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

class Writer {
public:
    void table(std::string_view header)
    {
        if (out_.tellp() > 0) out_ << '\n';
        out_ << header << '\n';
    }
    void raw(std::string_view key, std::string_view value)
    {
        out_ << indent_ << key << " = " << value << '\n';
    }
    void string(std::string_view key, std::string_view value) { raw(key, toml_string(value)); }
    void boolean(std::string_view key, bool value) { raw(key, value ? "true" : "false"); }
    void number(std::string_view key, std::uint64_t value) { raw(key, std::to_string(value)); }
    void duration(std::string_view key, std::chrono::milliseconds value)
    {
        string(key, format_duration(value));
    }
    template <class E>
    void word(std::string_view key, E value)
    {
        string(key, word_of(value));
    }
    void path(std::string_view key, const Path& value) { string(key, value.string()); }
    void path(std::string_view key, const std::optional<Path>& value)
    {
        if (value) {
            path(key, *value);
        } else {
            comment(std::string(key) + " is not set");
        }
    }
    void comment(std::string_view text) { out_ << indent_ << "# " << text << '\n'; }
    void indent(bool on) { indent_ = on ? "  " : ""; }

    std::string str() const { return out_.str(); }

private:
    std::ostringstream out_;
    std::string indent_;
};

void render_tls(Writer& w, const TlsConfig& tls)
{
    w.indent(true);
    w.table("  [listener.tls]");
    w.path("cert", tls.cert);
    w.path("key", tls.key);
    w.path("ca", tls.ca);
    w.word("client_cert", tls.client_cert);
    w.word("identity", tls.identity);
    w.word("min_version", tls.min_version);
    w.path("crl", tls.crl);
    w.path("psk_file", tls.psk_file);
    w.number("verify_depth", tls.verify_depth);
    w.path("ocsp_response", tls.ocsp_response);
    if (!tls.ciphers.empty()) w.string("ciphers", tls.ciphers);
    if (!tls.ciphersuites.empty()) w.string("ciphersuites", tls.ciphersuites);
    if (!tls.groups.empty()) w.string("groups", tls.groups);
    w.path("key_passphrase_file", tls.key_passphrase_file);
    for (const auto& sni : tls.sni) {
        w.table("  [[listener.tls.sni]]");
        w.string("host", sni.host);
        w.path("cert", sni.cert);
        w.path("key", sni.key);
    }
    w.indent(false);
}

}  // namespace

std::string render_effective(const Config& config)
{
    Writer w;
    w.comment("moatmq effective configuration: defaults filled in, paths absolute, sizes in bytes.");

    w.table("[broker]");
    w.path("data_dir", config.broker.data_dir);
    w.number("threads", config.broker.threads);
    w.duration("sys_interval", config.broker.sys_interval);
    w.string("response_information_prefix", config.broker.response_information_prefix);

    for (const auto& listener : config.listeners) {
        w.table("[[listener]]");
        w.string("name", listener.name);
        w.string("bind", listener.bind.to_string());
        w.comment(listener.bind.is_loopback() ? "loopback only" : "reachable from the network");
        w.word("protocol", listener.protocol);
        if (listener.allow_anonymous) {
            w.boolean("allow_anonymous", *listener.allow_anonymous);
        } else {
            w.comment(std::string("allow_anonymous is not set: ") +
                      (config.auth.allow_anonymous ? "true" : "false") + " from [auth]");
        }
        w.boolean("require_password", listener.require_password);
        if (listener.tls) render_tls(w, *listener.tls);
    }

    const AuthConfig& auth = config.auth;
    w.table("[auth]");
    w.path("password_file", auth.password_file);
    w.boolean("allow_anonymous", auth.allow_anonymous);
    w.boolean("allow_plaintext_passwords", auth.allow_plaintext_passwords);
    std::string scram = "[";
    for (std::size_t i = 0; i < auth.scram.size(); ++i) {
        scram += (i > 0 ? ", " : "") + toml_string(word_of(auth.scram[i]));
    }
    w.raw("scram", scram + "]");
    w.string("failure_backoff", format_backoff(auth.failure_backoff));
    w.number("ban_after", auth.ban_after);
    w.duration("failure_window", auth.failure_window);
    w.boolean("rehash_on_login", auth.rehash_on_login);

    w.table("[acl]");
    w.path("file", config.acl.file);
    w.word("default", config.acl.default_action);
    w.boolean("strict_subscribe", config.acl.strict_subscribe);
    w.boolean("disconnect_on_denied_publish", config.acl.disconnect_on_denied_publish);

    w.table("[policy]");
    std::string topics = "[";
    for (std::size_t i = 0; i < config.policy.encrypted_topics.size(); ++i) {
        topics += (i > 0 ? ", " : "") + toml_string(config.policy.encrypted_topics[i]);
    }
    w.raw("encrypted_topics", topics + "]");

    w.table("[store]");
    w.word("sync", config.store.sync);
    w.duration("sync_interval", config.store.sync_interval);

    w.table("[log]");
    w.word("level", config.log.level);
    w.word("format", config.log.format);
    w.path("audit_file", config.log.audit_file);

    const LimitsConfig& limits = config.limits;
    w.table("[limits]");
    w.number("max_packet_size", limits.max_packet_size);
    w.number("max_connections", limits.max_connections);
    w.number("max_queued_messages", limits.max_queued_messages);
    w.number("max_queued_bytes", limits.max_queued_bytes);
    w.number("max_inflight_messages", limits.max_inflight_messages);
    w.number("receive_maximum", limits.receive_maximum);
    w.number("topic_alias_maximum", limits.topic_alias_maximum);
    w.number("max_client_id_length", limits.max_client_id_length);
    w.duration("connect_timeout", limits.connect_timeout);
    w.duration("max_keep_alive", limits.max_keep_alive);
    if (limits.max_session_expiry == kNeverExpire) {
        w.string("max_session_expiry", "never");
    } else {
        w.duration("max_session_expiry", limits.max_session_expiry);
    }
    w.number("max_qos", limits.max_qos);
    w.boolean("retain_available", limits.retain_available);
    w.boolean("wildcard_subscription_available", limits.wildcard_subscription_available);
    w.boolean("subscription_identifier_available", limits.subscription_identifier_available);
    w.boolean("shared_subscription_available", limits.shared_subscription_available);
    return w.str();
}

}  // namespace moatmq::config
