#pragma once
// ChildProcess: runs a program (the moatmq binary, mosquitto_pub/sub, ...) with stdin from /dev/null
// and stdout/stderr captured by a reader thread. Every wait takes a deadline; a child still running
// when the object is destroyed is killed (SIGKILL) and reaped.
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace moatmq::test {

using namespace std::chrono_literals;

struct ProgramResult {
    int exit_code = -1;  // the exit status; 128 + signal when killed by a signal; -1 when timed out
    bool timed_out = false;
    std::string out;  // stdout
    std::string err;  // stderr
};

class ChildProcess {
public:
    // Starts argv[0] (searched in PATH when it has no '/'). Throws std::runtime_error if it cannot.
    explicit ChildProcess(std::vector<std::string> argv);
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    pid_t pid() const noexcept { return pid_; }

    // Waits until `done(stdout, stderr)` is true, or the child's output has ended, or `timeout`.
    bool wait_until(const std::function<bool(const std::string& out, const std::string& err)>& done,
                    std::chrono::milliseconds timeout);
    // Waits until `text` appears in stdout or stderr.
    bool wait_for_output(std::string_view text, std::chrono::milliseconds timeout);

    // Waits for the child to exit; std::nullopt on timeout (the child keeps running).
    std::optional<int> wait_exit(std::chrono::milliseconds timeout);

    void signal(int signo);  // no-op once the child has been reaped

    // Kills (SIGKILL) if still running, reaps, and returns what was captured.
    ProgramResult finish(std::chrono::milliseconds timeout);

    std::string out() const;
    std::string err() const;

private:
    void read_output(int out_fd, int err_fd);

    pid_t pid_ = -1;
    int pidfd_ = -1;
    std::optional<int> exit_code_;
    std::thread reader_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::string out_;
    std::string err_;
    bool output_closed_ = false;
    std::atomic<bool> stop_reader_{false};  // a grandchild may hold the pipes open
};

// Runs a program to completion with a timeout (killed when it runs over) and captures its output.
ProgramResult run_program(std::vector<std::string> argv, std::chrono::milliseconds timeout = 20s);

}  // namespace moatmq::test
