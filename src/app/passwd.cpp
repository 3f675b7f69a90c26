// moatmq passwd: edits a password file (docs/authentication.md). The password never appears in output,
// is held in a Secret (wiped after use), and is read without echo when it comes from a terminal.
#include "app/passwd.hpp"

#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>

#include "app/exit_codes.hpp"
#include "security/authn/password_file.hpp"
#include "security/authn/secret.hpp"

namespace moatmq::app {
namespace {

namespace authn = security::authn;

constexpr std::size_t kMaxPasswordSize = 65535;  // the most an MQTT CONNECT can carry

struct PasswdOptions {
    std::string file;
    std::string user;
    bool create = false;
    bool remove = false;
    bool from_stdin = false;
    std::optional<std::string> password;
    authn::Argon2Params argon2;
    std::uint32_t scram_iterations = authn::kDefaultScramIterations;
};

std::optional<authn::Secret> read_line(std::istream& in)
{
    std::string line;
    if (!std::getline(in, line)) {
        authn::wipe_string(line);
        return std::nullopt;
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return authn::Secret::adopt(std::move(line));
}

// Echo off on the terminal for the lifetime of this object.
class NoEcho {
public:
    explicit NoEcho(int fd) : fd_(fd)
    {
        if (::tcgetattr(fd_, &saved_) != 0) return;
        termios quiet = saved_;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        active_ = ::tcsetattr(fd_, TCSANOW, &quiet) == 0;
    }
    ~NoEcho()
    {
        if (active_) ::tcsetattr(fd_, TCSANOW, &saved_);
    }
    NoEcho(const NoEcho&) = delete;
    NoEcho& operator=(const NoEcho&) = delete;

private:
    int fd_;
    termios saved_{};
    bool active_ = false;
};

std::optional<authn::Secret> prompt(std::istream& in, std::ostream& err, const char* text)
{
    err << text << std::flush;
    const NoEcho quiet{STDIN_FILENO};
    auto line = read_line(in);
    err << '\n';
    return line;
}

// The new password, or nullopt after printing why not.
std::optional<authn::Secret> new_password(PasswdOptions& options, std::istream& in, bool terminal,
                                          std::ostream& err)
{
    std::optional<authn::Secret> password;
    if (options.password) {
        err << "moatmq passwd: warning: a password on the command line can be seen by other users (ps, shell "
               "history); prefer the prompt or --stdin\n";
        password = authn::Secret::adopt(std::move(*options.password));
        options.password.reset();
    } else if (options.from_stdin) {
        password = read_line(in);
        if (!password) {
            err << "moatmq passwd: no password on standard input\n";
            return std::nullopt;
        }
    } else {
        if (!terminal) {
            err << "moatmq passwd: standard input is not a terminal; use --stdin to read the password from "
                   "it\n";
            return std::nullopt;
        }
        password = prompt(in, err, "Password: ");
        auto again = prompt(in, err, "Reenter password: ");
        if (!password || !again || !(*password == *again)) {
            err << "moatmq passwd: passwords do not match\n";
            return std::nullopt;
        }
    }
    if (password->empty()) {
        err << "moatmq passwd: empty password refused\n";
        return std::nullopt;
    }
    if (password->size() > kMaxPasswordSize) {
        err << "moatmq passwd: password longer than " << kMaxPasswordSize << " bytes refused\n";
        return std::nullopt;
    }
    return password;
}

// Overwrites the argument that carried --password so that it no longer shows in /proc/PID/cmdline.
void hide_password_argument(int argc, char** argv)
{
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg{argv[i]};
        if (arg == "--password" && i + 1 < argc) {
            std::memset(argv[i + 1], '*', std::strlen(argv[i + 1]));
        } else if (arg.starts_with("--password=")) {
            std::memset(argv[i] + 11, '*', arg.size() - 11);
        }
    }
}

int run(int argc, char** argv, std::istream& in, bool terminal, std::ostream& out, std::ostream& err)
{
    PasswdOptions options;
    CLI::App app{"Add, change or delete a user in a password file (Argon2id + SCRAM keys)", "moatmq passwd"};
    app.add_option("FILE", options.file, "Password file")->required();
    app.add_option("USER", options.user, "User name")->required();
    auto* create = app.add_flag("-c,--create", options.create, "Create FILE (refused if it exists)");
    auto* remove = app.add_flag("-D,--delete", options.remove, "Delete USER instead of setting a password");
    auto* from_stdin =
        app.add_flag("--stdin", options.from_stdin, "Read the password from one line of standard input");
    auto* password = app.add_option("--password", options.password,
                                    "The password itself (visible to other users: avoid; prints a warning)");
    app.add_option("--argon2-memory", options.argon2.memory_kib, "Argon2id memory in KiB")
        ->capture_default_str();
    app.add_option("--argon2-iterations", options.argon2.iterations, "Argon2id passes")
        ->capture_default_str();
    app.add_option("--argon2-parallelism", options.argon2.parallelism, "Argon2id lanes")
        ->capture_default_str();
    app.add_option("--scram-iterations", options.scram_iterations, "PBKDF2 iterations of the SCRAM keys")
        ->capture_default_str()
        ->check(CLI::Range(authn::kMinScramIterations, authn::kMaxScramIterations));
    create->excludes(remove);
    from_stdin->excludes(password);
    remove->excludes(from_stdin)->excludes(password);
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        out << app.help();
        return kExitOk;
    } catch (const CLI::ParseError& e) {
        err << "moatmq passwd: " << e.what() << '\n';
        return kExitUsage;
    }
    hide_password_argument(argc, argv);
    if (!authn::valid_username(options.user)) {
        err << "moatmq passwd: invalid user name (empty, ':' or a control character)\n";
        return kExitUsage;
    }

    const std::filesystem::path path{options.file};
    authn::PasswordFile file;
    std::error_code exists_error;
    if (options.create) {
        if (std::filesystem::exists(path, exists_error)) {
            err << "moatmq passwd: " << options.file << " exists; without -c the user is added to it\n";
            return kExitFailure;
        }
    } else {
        auto loaded = authn::PasswordFile::load(path);
        if (!loaded) {
            err << "moatmq passwd: " << loaded.error().to_string() << '\n';
            return kExitFailure;
        }
        file = std::move(*loaded);
    }

    if (options.remove) {
        if (!file.remove(options.user)) {
            err << "moatmq passwd: " << options.file << ": no user " << options.user << '\n';
            return kExitFailure;
        }
    } else {
        auto secret = new_password(options, in, terminal, err);
        if (!secret) return kExitFailure;
        auto hash = authn::PasswordHash::make_argon2id(secret->view(), options.argon2);
        if (!hash) {
            err << "moatmq passwd: " << hash.error().message() << '\n';
            return kExitFailure;
        }
        authn::PasswordEntry entry{options.user, std::move(*hash), {}};
        for (const auto mechanism : {authn::ScramMechanism::sha256, authn::ScramMechanism::sha512}) {
            auto keys =
                authn::ScramCredentials::generate(mechanism, secret->view(), options.scram_iterations);
            if (!keys) {
                err << "moatmq passwd: " << keys.error().message() << '\n';
                return kExitFailure;
            }
            entry.scram.push_back(std::move(*keys));
        }
        secret->wipe();
        const bool existed = file.find(options.user) != nullptr;
        (void)file.upsert(std::move(entry));
        if (auto ec = file.write_atomically(path)) {
            err << "moatmq passwd: cannot write " << options.file << ": " << ec.message() << '\n';
            return kExitFailure;
        }
        out << (existed ? "changed" : "added") << " user " << options.user << " in " << options.file
            << " (argon2id, scram-sha-256, scram-sha-512; mode 0600)\n";
        return kExitOk;
    }
    if (auto ec = file.write_atomically(path)) {
        err << "moatmq passwd: cannot write " << options.file << ": " << ec.message() << '\n';
        return kExitFailure;
    }
    out << "deleted user " << options.user << " from " << options.file << '\n';
    return kExitOk;
}

}  // namespace

int run_passwd(int argc, char** argv)
{
    return run(argc, argv, std::cin, ::isatty(STDIN_FILENO) == 1, std::cout, std::cerr);
}

int run_passwd(int argc, char** argv, std::istream& in, std::ostream& out, std::ostream& err)
{
    return run(argc, argv, in, false, out, err);
}

}  // namespace moatmq::app
