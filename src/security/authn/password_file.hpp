#pragma once
// The password file (DESIGN.md §6, docs/authentication.md): one user a line,
//
//   user:<hash>[:scram-sha-256$...][:scram-sha-512$...]
//
// <hash> is a PasswordHash ($argon2id$, Mosquitto $7$ or $6$), so a file written by mosquitto_passwd is read
// unchanged. The optional SCRAM fields are what `moatmq passwd` adds for MQTT 5 enhanced authentication.
// Blank lines and lines starting with '#' are kept as they are. Every line is parsed when the file is
// loaded: one malformed line rejects the whole file with "FILE:LINE: why", so a broken file never half-works.
//
// A loaded PasswordFile is immutable in use: the broker shares it as shared_ptr<const PasswordFile> between
// threads and swaps in a new one on reload. `moatmq passwd` edits a copy and writes it with
// write_atomically().
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>

#include "common/result.hpp"
#include "security/authn/password_hash.hpp"
#include "security/authn/scram_credentials.hpp"
#include "security/authn/secret.hpp"

namespace moatmq::security::authn {

struct PasswordFileError {
    std::string file;        // as given to parse()/load()
    std::uint32_t line = 0;  // 1-based; 0 when the error has no line (file missing, too large)
    error_code code;         // AuthnError, or the file system's

    // "FILE:LINE: message", or "FILE: message" without a line.
    std::string to_string() const;
};

// Lets PasswordFileResult<T>::value() throw std::runtime_error(to_string()): for main() and tests only.
[[noreturn]] void throw_exception_from_error(const PasswordFileError& error,
                                             const boost::source_location& where);

template <class T>
using PasswordFileResult = boost::system::result<T, PasswordFileError>;

struct PasswordEntry {
    std::string user;
    PasswordHash hash;
    std::vector<ScramCredentials> scram;  // at most one per mechanism
};

inline constexpr std::size_t kMaxPasswordFileSize = 64U << 20;  // refuse larger files before reading them

class PasswordFile {
public:
    PasswordFile() = default;

    // `file_name` only names the file in errors.
    static PasswordFileResult<PasswordFile> parse(std::string_view text, std::string_view file_name);
    // Reads and parses `path`; errors carry path as given.
    static PasswordFileResult<PasswordFile> load(const std::filesystem::path& path);

    const PasswordEntry* find(std::string_view user) const noexcept;
    const ScramCredentials* scram(std::string_view user, ScramMechanism mechanism) const noexcept;
    std::size_t size() const noexcept;

    // True when `user` exists and `password` matches. An unknown user costs the same as a wrong password
    // (an Argon2id verification with the default parameters against a dummy hash), so timing does not
    // reveal which users exist. Blocking: call from a worker, never an I/O thread.
    bool verify(std::string_view user, const Secret& password) const;

    // The hash unknown users are verified against: Argon2id with the default Argon2Params and a random
    // password nobody knows, made once per process on first use (costs one hash).
    static const PasswordHash& unknown_user_hash();

    // Adds `entry` at the end, or replaces the entry of the same user in place. False for a user name
    // that cannot be written (empty, ':', control characters).
    bool upsert(PasswordEntry entry);
    // False when the user was not there.
    bool remove(std::string_view user);

    // The file's text: untouched lines (comments, other users) byte for byte as read.
    std::string format() const;
    // Writes format() to a temporary file in the same directory (mode 0600), fsyncs it and renames it over
    // `path`, so readers see the old file or the new one, never a mix.
    error_code write_atomically(const std::filesystem::path& path) const;

private:
    struct Line {
        std::string text;                    // as read (without the newline); regenerated when edited
        std::optional<PasswordEntry> entry;  // none: a comment or blank line
    };
    void reindex();

    std::vector<Line> lines_;
    std::map<std::string, std::size_t, std::less<>> index_;  // user -> position in lines_
};

// A user name the file can hold: non-empty, no ':', no control characters.
bool valid_username(std::string_view user) noexcept;

// The line `moatmq passwd` writes for an entry.
std::string format_entry(const PasswordEntry& entry);

}  // namespace moatmq::security::authn
