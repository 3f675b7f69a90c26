#include "security/tls/psk_table.hpp"

#include <openssl/crypto.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace moatmq::security::tls {
namespace {

int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string_view trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

}  // namespace

PskTable::~PskTable()
{
    for (auto& [identity, key] : keys_)
        OPENSSL_cleanse(key.data(), key.size());
}

PskTable PskTable::load(const std::filesystem::path& file)
{
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::runtime_error("psk_file " + file.string() + ": cannot be read");
    std::ostringstream text;
    text << in.rdbuf();
    std::string content = text.str();
    auto table = parse(content, file.string());
    OPENSSL_cleanse(content.data(), content.size());
    return table;
}

PskTable PskTable::parse(std::string_view text, const std::string& name)
{
    PskTable table;
    std::size_t line_number = 0;
    while (!text.empty()) {
        ++line_number;
        const auto end = text.find('\n');
        const auto line = trim(text.substr(0, end));
        text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
        if (line.empty() || line.front() == '#') continue;
        auto fail = [&](const std::string& why) {
            return std::runtime_error(name + ":" + std::to_string(line_number) + ": " + why);
        };
        const auto colon = line.rfind(':');
        if (colon == std::string_view::npos) throw fail("expected identity:hexkey");
        const auto identity = line.substr(0, colon);
        const auto hex = line.substr(colon + 1);
        if (identity.empty() || identity.size() > kMaxIdentityLength) {
            throw fail("the identity must be 1.." + std::to_string(kMaxIdentityLength) + " bytes");
        }
        for (const char c : identity) {
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
                throw fail("control character in identity");
        }
        if (hex.empty() || hex.size() % 2 != 0 || hex.size() / 2 > kMaxKeyLength) {
            throw fail("the key must be an even number of hex digits, 1.." + std::to_string(kMaxKeyLength) +
                       " bytes");
        }
        std::vector<unsigned char> key(hex.size() / 2);
        for (std::size_t i = 0; i < key.size(); ++i) {
            const int high = hex_value(hex[2 * i]);
            const int low = hex_value(hex[2 * i + 1]);
            if (high < 0 || low < 0) {
                OPENSSL_cleanse(key.data(), key.size());
                throw fail("the key is not hex");
            }
            key[i] = static_cast<unsigned char>(high * 16 + low);
        }
        auto [it, inserted] = table.keys_.try_emplace(std::string(identity), std::move(key));
        if (!inserted) {
            OPENSSL_cleanse(key.data(), key.size());
            throw fail("identity \"" + std::string(identity) + "\" appears twice");
        }
    }
    return table;
}

std::optional<PskTable::Entry> PskTable::find(std::string_view identity) const
{
    const auto it = keys_.find(identity);
    if (it == keys_.end()) return std::nullopt;
    return Entry{&it->first, std::span<const unsigned char>(it->second)};
}

}  // namespace moatmq::security::tls
