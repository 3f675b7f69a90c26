#pragma once
// Internal to moatmq_config: the words each enum is written as in the file, shared by the loader and
// renderer.
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "config/config.hpp"

namespace moatmq::config {

template <class E>
struct EnumWords;

#define MOATMQ_ENUM_WORDS(E, ...)                                                                   \
    template <>                                                                                     \
    struct EnumWords<E> {                                                                           \
        static constexpr auto table = std::to_array<std::pair<E, std::string_view>>({__VA_ARGS__}); \
    };

MOATMQ_ENUM_WORDS(ListenerProtocol, {ListenerProtocol::mqtt, "mqtt"}, {ListenerProtocol::ws, "ws"})
MOATMQ_ENUM_WORDS(ClientCertMode, {ClientCertMode::none, "none"}, {ClientCertMode::optional, "optional"},
                  {ClientCertMode::require, "require"})
MOATMQ_ENUM_WORDS(CertIdentity, {CertIdentity::none, "none"}, {CertIdentity::cn, "cn"},
                  {CertIdentity::san_dns, "san-dns"}, {CertIdentity::san_email, "san-email"},
                  {CertIdentity::san_uri, "san-uri"}, {CertIdentity::subject, "subject"})
MOATMQ_ENUM_WORDS(TlsVersion, {TlsVersion::v1_2, "1.2"}, {TlsVersion::v1_3, "1.3"})
MOATMQ_ENUM_WORDS(ScramMechanism, {ScramMechanism::sha256, "sha256"}, {ScramMechanism::sha512, "sha512"})
MOATMQ_ENUM_WORDS(AclDefault, {AclDefault::deny, "deny"}, {AclDefault::allow, "allow"})
MOATMQ_ENUM_WORDS(StoreSync, {StoreSync::always, "always"}, {StoreSync::periodic, "periodic"},
                  {StoreSync::none, "none"})
MOATMQ_ENUM_WORDS(LogLevel, {LogLevel::trace, "trace"}, {LogLevel::debug, "debug"}, {LogLevel::info, "info"},
                  {LogLevel::warn, "warn"}, {LogLevel::error, "error"})
MOATMQ_ENUM_WORDS(LogFormat, {LogFormat::text, "text"}, {LogFormat::json, "json"})

#undef MOATMQ_ENUM_WORDS

template <class E>
std::string_view word_of(E value)
{
    for (const auto& [v, word] : EnumWords<E>::table) {
        if (v == value) return word;
    }
    return "?";
}

template <class E>
std::optional<E> enum_of(std::string_view word)
{
    for (const auto& [v, w] : EnumWords<E>::table) {
        if (w == word) return v;
    }
    return std::nullopt;
}

// "\"none\", \"optional\" or \"require\"", for error messages.
template <class E>
std::string word_list()
{
    std::string out;
    const auto& table = EnumWords<E>::table;
    for (std::size_t i = 0; i < table.size(); ++i) {
        if (i > 0) out += (i + 1 == table.size()) ? " or " : ", ";
        out += "\"" + std::string(table[i].second) + "\"";
    }
    return out;
}

}  // namespace moatmq::config
