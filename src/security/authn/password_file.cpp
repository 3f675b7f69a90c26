#include "security/authn/password_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <fstream>
#include <stdexcept>

#include "security/authn/authn_crypto.hpp"
#include "security/authn/authn_error.hpp"

namespace moatmq::security::authn {
namespace {

error_code system_error(int value)
{
    return {value, boost::system::generic_category()};
}

}  // namespace

const PasswordHash& PasswordFile::unknown_user_hash()
{
    static const PasswordHash hash = [] {
        std::array<std::byte, 32> password{};
        if (!crypto::random_bytes(password))
            throw std::runtime_error("no randomness for the dummy password hash");
        auto made = PasswordHash::make_argon2id(as_chars(password));
        wipe_memory(password);
        return std::move(made).value();
    }();
    return hash;
}

namespace {

Result<PasswordEntry> parse_entry(std::string_view line)
{
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return make_error_code(AuthnError::malformed_line);
    std::string user{line.substr(0, colon)};
    if (!valid_username(user)) return make_error_code(AuthnError::invalid_username);
    line.remove_prefix(colon + 1);
    // Hashes and base64 never contain ':', so the remaining ':' separate the optional SCRAM fields.
    auto end = line.find(':');
    auto hash = PasswordHash::parse(line.substr(0, end));
    if (!hash) return hash.error();
    PasswordEntry out{std::move(user), std::move(*hash), {}};
    while (end != std::string_view::npos) {
        line.remove_prefix(end + 1);
        end = line.find(':');
        auto scram = ScramCredentials::parse_field(line.substr(0, end));
        if (!scram) return scram.error();
        for (const auto& have : out.scram)
            if (have.mechanism == scram->mechanism) return make_error_code(AuthnError::malformed_scram_field);
        out.scram.push_back(std::move(*scram));
    }
    return out;
}

}  // namespace

bool valid_username(std::string_view user) noexcept
{
    if (user.empty()) return false;
    for (const char c : user) {
        const auto u = static_cast<unsigned char>(c);
        if (c == ':' || u < 0x20 || u == 0x7F) return false;
    }
    return true;
}

std::string format_entry(const PasswordEntry& entry)
{
    std::string line = entry.user + ':' + entry.hash.text();
    for (const auto& scram : entry.scram) {
        line += ':';
        line += scram.to_field();
    }
    return line;
}

std::string PasswordFileError::to_string() const
{
    std::string out = file;
    if (line != 0) out += ':' + std::to_string(line);
    out += ": ";
    out += code.message();
    return out;
}

void throw_exception_from_error(const PasswordFileError& error, const boost::source_location&)
{
    throw std::runtime_error(error.to_string());
}

PasswordFileResult<PasswordFile> PasswordFile::parse(std::string_view text, std::string_view file_name)
{
    PasswordFile file;
    std::uint32_t number = 0;
    while (!text.empty()) {
        ++number;
        const auto eol = text.find('\n');
        const auto raw = text.substr(0, eol);
        text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
        auto line = raw;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // files edited on Windows

        Line stored{std::string{raw}, std::nullopt};  // kept as read, '\r' included
        const auto first = line.find_first_not_of(" \t");
        if (first != std::string_view::npos && line[first] != '#') {
            auto entry = parse_entry(line);
            if (!entry) return PasswordFileError{std::string{file_name}, number, entry.error()};
            if (file.index_.contains(entry->user))
                return PasswordFileError{std::string{file_name}, number,
                                         make_error_code(AuthnError::duplicate_user)};
            file.index_.emplace(entry->user, file.lines_.size());
            stored.entry = std::move(*entry);
        }
        file.lines_.push_back(std::move(stored));
    }
    return file;
}

PasswordFileResult<PasswordFile> PasswordFile::load(const std::filesystem::path& path)
{
    const auto name = path.string();
    std::ifstream in(path, std::ios::binary);
    if (!in) return PasswordFileError{name, 0, system_error(errno != 0 ? errno : ENOENT)};
    std::error_code size_error;
    const auto size = std::filesystem::file_size(path, size_error);
    if (size_error) return PasswordFileError{name, 0, system_error(size_error.value())};
    if (size > kMaxPasswordFileSize) return PasswordFileError{name, 0, system_error(EFBIG)};
    std::string text(static_cast<std::size_t>(size), '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    return parse(text, name);
}

const PasswordEntry* PasswordFile::find(std::string_view user) const noexcept
{
    const auto it = index_.find(user);
    return it == index_.end() ? nullptr : &*lines_[it->second].entry;
}

const ScramCredentials* PasswordFile::scram(std::string_view user, ScramMechanism mechanism) const noexcept
{
    const auto* entry = find(user);
    if (entry == nullptr) return nullptr;
    for (const auto& c : entry->scram)
        if (c.mechanism == mechanism) return &c;
    return nullptr;
}

std::size_t PasswordFile::size() const noexcept
{
    return index_.size();
}

bool PasswordFile::verify(std::string_view user, const Secret& password) const
{
    const auto* entry = find(user);
    if (entry == nullptr) {
        (void)unknown_user_hash().verify(password.view());  // same cost as a wrong password
        return false;
    }
    return entry->hash.verify(password.view());
}

bool PasswordFile::upsert(PasswordEntry entry)
{
    if (!valid_username(entry.user)) return false;
    auto text = format_entry(entry);
    if (const auto it = index_.find(entry.user); it != index_.end()) {
        lines_[it->second] = Line{std::move(text), std::move(entry)};
        return true;
    }
    index_.emplace(entry.user, lines_.size());
    lines_.push_back(Line{std::move(text), std::move(entry)});
    return true;
}

bool PasswordFile::remove(std::string_view user)
{
    const auto it = index_.find(user);
    if (it == index_.end()) return false;
    lines_.erase(lines_.begin() + static_cast<std::ptrdiff_t>(it->second));
    reindex();
    return true;
}

void PasswordFile::reindex()
{
    index_.clear();
    for (std::size_t i = 0; i < lines_.size(); ++i)
        if (lines_[i].entry) index_.emplace(lines_[i].entry->user, i);
}

std::string PasswordFile::format() const
{
    std::string out;
    for (const auto& line : lines_) {
        out += line.text;
        out += '\n';
    }
    return out;
}

error_code PasswordFile::write_atomically(const std::filesystem::path& path) const
{
    auto dir = path.parent_path();
    if (dir.empty()) dir = ".";
    std::string temp = (dir / ("." + path.filename().string() + ".tmp.XXXXXX")).string();
    // mkstemp creates the file with mode 0600 and O_EXCL: nobody else can have it open.
    const int fd = ::mkstemp(temp.data());
    if (fd < 0) return system_error(errno);
    const auto text = format();
    error_code ec;
    if (::fchmod(fd, S_IRUSR | S_IWUSR) != 0) ec = system_error(errno);
    std::size_t done = 0;
    while (!ec && done < text.size()) {
        const auto n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            ec = system_error(errno);
            break;
        }
        done += static_cast<std::size_t>(n);
    }
    if (!ec && ::fsync(fd) != 0) ec = system_error(errno);
    if (::close(fd) != 0 && !ec) ec = system_error(errno);
    if (!ec && ::rename(temp.c_str(), path.c_str()) != 0) ec = system_error(errno);
    if (ec) {
        ::unlink(temp.c_str());
        return ec;
    }
    // Make the rename itself durable.
    const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {
        (void)::fsync(dir_fd);
        ::close(dir_fd);
    }
    return {};
}

}  // namespace moatmq::security::authn
