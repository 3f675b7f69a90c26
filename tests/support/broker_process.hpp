#pragma once
// BrokerProcess: the real moatmq binary, started for one test.
//
//   BrokerProcess broker;                        // default: one listener "local" on 127.0.0.1:0
//   run_program({"mosquitto_pub", "-p", std::to_string(broker.port()), "-t", "a", "-m", "x"});
//   EXPECT_EQ(broker.stop(), 0);                 // SIGTERM, waits for a clean exit
//
// The configuration is written to a fresh temporary directory (data_dir inside it). Listeners use port
// 0, and the ports come from the broker's ready line ("moatmq ready listener=NAME address=HOST:PORT
// ..."), which the constructor waits for with a deadline. Only 127.0.0.1 and ::1 are used.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "child_process.hpp"
#include "temp_dir.hpp"

namespace moatmq::test {

// Path of the moatmq binary under test (from CMake).
std::string moatmq_binary();

// A configuration with one plain listener named "local" on 127.0.0.1:0, and `extra` appended (more
// tables, e.g. "[limits]\nmax_packet_size = 1024\n"). `data_dir` is relative to the broker's own
// temporary directory unless absolute: pass a directory the test owns to restart a broker on its store.
std::string test_config(std::string_view extra = {}, std::string_view data_dir = "data");

class BrokerProcess {
public:
    // Starts `moatmq serve -c <dir>/moatmq.toml` and waits for the ready line. Throws
    // std::runtime_error with the broker's output if it exits or is not ready within `ready_timeout`.
    explicit BrokerProcess(std::string config = test_config(), std::chrono::milliseconds ready_timeout = 15s);
    ~BrokerProcess();  // stops the broker if still running (SIGTERM, then SIGKILL)
    BrokerProcess(const BrokerProcess&) = delete;
    BrokerProcess& operator=(const BrokerProcess&) = delete;

    // The port the listener really got. Throws std::out_of_range for an unknown listener.
    std::uint16_t port(const std::string& listener = "local") const;
    const std::string& address(const std::string& listener = "local") const;

    const std::filesystem::path& dir() const noexcept { return dir_.path(); }
    pid_t pid() const noexcept { return process_->pid(); }

    // SIGTERM, then waits up to `timeout` for the exit; returns the exit code, or -1 when the broker
    // had to be killed. Idempotent: later calls return the first result.
    int stop(std::chrono::milliseconds timeout = 15s);

    // The broker's log (stderr) so far, and a bounded wait for a line containing `text`.
    std::string log() const { return process_->err(); }
    bool wait_for_log(std::string_view text, std::chrono::milliseconds timeout = 10s)
    {
        return process_->wait_for_output(text, timeout);
    }

private:
    TempDir dir_;
    std::unique_ptr<ChildProcess> process_;
    std::map<std::string, std::string> addresses_;  // listener name -> "127.0.0.1:41234"
    std::optional<int> exit_code_;
};

// Parses "listener=NAME address=HOST:PORT" pairs from the ready line in `log`; empty if none yet.
std::map<std::string, std::string> parse_ready_line(std::string_view log);

}  // namespace moatmq::test
