#include "security/payload/key_file.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <fstream>
#include <optional>

#include "security/payload/payload_error.hpp"

namespace moatmq::security::payload {
namespace {

constexpr std::string_view kHeader = "moatmq-payload-key 1";

std::string_view trim(std::string_view s) noexcept
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

int hex_digit(char c) noexcept
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Decodes exactly out.size() bytes of hex.
bool decode_hex(std::string_view hex, std::span<std::byte> out) noexcept
{
    if (hex.size() != out.size() * 2) return false;
    for (std::size_t i = 0; i < out.size(); ++i) {
        const int hi = hex_digit(hex[2 * i]);
        const int lo = hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) return false;
        out[i] = static_cast<std::byte>((hi << 4) | lo);
    }
    return true;
}

}  // namespace

Result<PayloadKey> parse_key_file(std::string_view text)
{
    const auto invalid = make_error_code(PayloadError::key_file_invalid);
    bool header_seen = false;
    std::optional<KeyId> id;
    std::array<std::byte, kKeySize> secret{};
    bool secret_seen = false;
    auto wipe = [&secret] { OPENSSL_cleanse(secret.data(), secret.size()); };

    while (!text.empty()) {
        const auto eol = text.find('\n');
        const auto line = trim(text.substr(0, eol));
        text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
        if (line.empty() || line.front() == '#') continue;
        if (!header_seen) {
            if (line != kHeader) return invalid;
            header_seen = true;
            continue;
        }
        const auto space = line.find_first_of(" \t");
        if (space == std::string_view::npos) {
            wipe();
            return invalid;
        }
        const auto name = line.substr(0, space);
        const auto value = trim(line.substr(space + 1));
        if (name == "id" && !id) {
            KeyId parsed{};
            if (!decode_hex(value, parsed)) {
                wipe();
                return invalid;
            }
            id = parsed;
        } else if (name == "key" && !secret_seen) {
            if (!decode_hex(value, secret)) {
                wipe();
                return invalid;
            }
            secret_seen = true;
        } else {
            wipe();
            return invalid;
        }
    }
    if (!header_seen || !id || !secret_seen) {
        wipe();
        return invalid;
    }
    auto key = PayloadKey::from_bytes(*id, secret);
    wipe();
    return key;
}

std::string format_key_file(const PayloadKey& key)
{
    std::string text;
    text.reserve(256);  // one allocation: no stray copies of the secret left in freed memory
    text += "# moatmq payload encryption key: anyone holding this file can read and forge messages.\n";
    text += kHeader;
    text += "\nid " + to_hex(key.id()) + "\nkey ";
    auto hex = to_hex(key.secret());
    text += hex;
    OPENSSL_cleanse(hex.data(), hex.size());
    text += '\n';
    return text;
}

Result<PayloadKey> load_key_file(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) return error_code{errno != 0 ? errno : ENOENT, boost::system::generic_category()};
    std::string text;
    // Key files are a few lines; refuse anything large before reading it.
    std::array<char, 4096> buffer{};
    in.read(buffer.data(), buffer.size());
    const auto n = static_cast<std::size_t>(in.gcount());
    if (!in.eof()) {
        OPENSSL_cleanse(buffer.data(), buffer.size());
        return make_error_code(PayloadError::key_file_invalid);
    }
    auto key = parse_key_file(std::string_view{buffer.data(), n});
    OPENSSL_cleanse(buffer.data(), buffer.size());
    return key;
}

error_code write_key_file(const std::filesystem::path& path, const PayloadKey& key)
{
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return {errno, boost::system::generic_category()};
    auto text = format_key_file(key);
    std::size_t done = 0;
    error_code ec;
    while (done < text.size()) {
        const auto n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            ec = {errno, boost::system::generic_category()};
            break;
        }
        done += static_cast<std::size_t>(n);
    }
    OPENSSL_cleanse(text.data(), text.size());
    if (!ec && ::fsync(fd) != 0) ec = {errno, boost::system::generic_category()};
    if (::close(fd) != 0 && !ec) ec = {errno, boost::system::generic_category()};
    if (ec) ::unlink(path.c_str());
    return ec;
}

bool key_file_too_open(const std::filesystem::path& path)
{
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return false;
    return (st.st_mode & (S_IRWXG | S_IRWXO)) != 0;
}

}  // namespace moatmq::security::payload
