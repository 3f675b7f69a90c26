#include "child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace moatmq::test {

namespace {

struct Pipe {
    int read = -1;
    int write = -1;
};

Pipe make_pipe()
{
    std::array<int, 2> fds{};
    if (::pipe2(fds.data(), O_CLOEXEC) != 0)
        throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
    return {fds[0], fds[1]};
}

int decode_status(int status)
{
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

int remaining_ms(std::chrono::steady_clock::time_point deadline)
{
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

}  // namespace

ChildProcess::ChildProcess(std::vector<std::string> argv)
{
    if (argv.empty()) throw std::invalid_argument("ChildProcess: empty argv");
    std::vector<char*> args;
    for (auto& arg : argv)
        args.push_back(arg.data());
    args.push_back(nullptr);

    const Pipe out = make_pipe();
    const Pipe err = make_pipe();

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out.write, 1);
    posix_spawn_file_actions_adddup2(&actions, err.write, 2);

    // The child starts with default signal dispositions and nothing blocked, whatever the test does.
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t none;
    sigemptyset(&none);
    sigset_t all;
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &all);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    const int rc = ::posix_spawnp(&pid_, args[0], &actions, &attributes, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    ::close(out.write);
    ::close(err.write);
    if (rc != 0) {
        ::close(out.read);
        ::close(err.read);
        pid_ = -1;
        throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
    }
    pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
    reader_ = std::thread([this, o = out.read, e = err.read] { read_output(o, e); });
}

ChildProcess::~ChildProcess()
{
    if (pid_ > 0 && !exit_code_) ::kill(pid_, SIGKILL);
    finish(5s);
    stop_reader_ = true;
    if (reader_.joinable()) reader_.join();
    if (pidfd_ >= 0) ::close(pidfd_);
}

void ChildProcess::read_output(int out_fd, int err_fd)
{
    std::array<pollfd, 2> fds{{{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}}};
    std::array<char, 4096> buffer{};
    int open = 2;
    while (open > 0) {
        if (stop_reader_) break;
        const int ready = ::poll(fds.data(), fds.size(), 100);
        if (ready < 0 && errno != EINTR) break;
        if (ready <= 0) continue;
        for (std::size_t i = 0; i < fds.size(); ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0) continue;
            const auto n = ::read(fds[i].fd, buffer.data(), buffer.size());
            if (n > 0) {
                std::lock_guard lock(mutex_);
                (i == 0 ? out_ : err_).append(buffer.data(), static_cast<std::size_t>(n));
                changed_.notify_all();
            } else if (n == 0 || errno != EINTR) {
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open;
            }
        }
    }
    for (auto& fd : fds) {
        if (fd.fd >= 0) ::close(fd.fd);
    }
    std::lock_guard lock(mutex_);
    output_closed_ = true;
    changed_.notify_all();
}

bool ChildProcess::wait_until(const std::function<bool(const std::string&, const std::string&)>& done,
                              std::chrono::milliseconds timeout)
{
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, timeout, [&] { return done(out_, err_) || output_closed_; });
    return done(out_, err_);
}

bool ChildProcess::wait_for_output(std::string_view text, std::chrono::milliseconds timeout)
{
    return wait_until(
        [text](const std::string& out, const std::string& err) {
            return out.find(text) != std::string::npos || err.find(text) != std::string::npos;
        },
        timeout);
}

std::optional<int> ChildProcess::wait_exit(std::chrono::milliseconds timeout)
{
    if (exit_code_) return exit_code_;
    if (pid_ < 0) return std::nullopt;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (int attempts = 0; attempts < 10'000; ++attempts) {
        int status = 0;
        const pid_t reaped = ::waitpid(pid_, &status, WNOHANG);
        if (reaped == pid_) {
            exit_code_ = decode_status(status);
            return exit_code_;
        }
        if (reaped < 0 && errno != EINTR) return std::nullopt;
        const int left = remaining_ms(deadline);
        if (left == 0) return std::nullopt;
        // The pidfd becomes readable when the child exits.
        pollfd fd{pidfd_, POLLIN, 0};
        if (pidfd_ < 0 || ::poll(&fd, 1, std::min(left, 50)) < 0) ::usleep(1000);
    }
    return std::nullopt;
}

void ChildProcess::signal(int signo)
{
    if (pid_ > 0 && !exit_code_) ::kill(pid_, signo);
}

ProgramResult ChildProcess::finish(std::chrono::milliseconds timeout)
{
    ProgramResult result;
    if (pid_ > 0 && !exit_code_) {
        if (!wait_exit(timeout)) {
            result.timed_out = true;
            ::kill(pid_, SIGKILL);
            wait_exit(5s);
        }
    }
    if (reader_.joinable()) {
        // The output ends when the child (and anything it started) has closed its ends.
        std::unique_lock lock(mutex_);
        changed_.wait_for(lock, 5s, [this] { return output_closed_; });
    }
    std::lock_guard lock(mutex_);
    result.exit_code = result.timed_out ? -1 : exit_code_.value_or(-1);
    result.out = out_;
    result.err = err_;
    return result;
}

std::string ChildProcess::out() const
{
    std::lock_guard lock(mutex_);
    return out_;
}

std::string ChildProcess::err() const
{
    std::lock_guard lock(mutex_);
    return err_;
}

ProgramResult run_program(std::vector<std::string> argv, std::chrono::milliseconds timeout)
{
    ChildProcess child(std::move(argv));
    return child.finish(timeout);
}

}  // namespace moatmq::test
