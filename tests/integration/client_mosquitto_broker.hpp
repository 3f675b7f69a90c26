#pragma once
// MosquittoBroker: Debian's Mosquitto broker (/usr/sbin/mosquitto), started for one test with its own
// configuration in a temporary directory, on a free port of 127.0.0.1. The constructor waits until the
// port accepts a TCP connection (bounded retries, no fixed sleep) and throws if it never does.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "child_process.hpp"
#include "temp_dir.hpp"

namespace moatmq::test {

inline constexpr const char* kMosquittoBinary = "/usr/sbin/mosquitto";

bool mosquitto_available();

class MosquittoBroker {
public:
    // `extra` is appended to the listener's configuration (e.g. "allow_anonymous false\n"), and may
    // name files written beforehand with dir().
    explicit MosquittoBroker(std::string extra = "allow_anonymous true\n",
                             std::shared_ptr<TempDir> dir = std::make_shared<TempDir>("moatmq-mosquitto"));
    ~MosquittoBroker();
    MosquittoBroker(const MosquittoBroker&) = delete;
    MosquittoBroker& operator=(const MosquittoBroker&) = delete;

    std::uint16_t port() const noexcept { return port_; }
    const std::filesystem::path& dir() const noexcept { return dir_->path(); }
    std::string log() const { return process_ ? process_->err() + process_->out() : std::string{}; }

private:
    std::shared_ptr<TempDir> dir_;
    std::unique_ptr<ChildProcess> process_;
    std::uint16_t port_ = 0;
};

// A free TCP port on 127.0.0.1 (bound to port 0 and released: another process could take it before
// the caller binds it, which callers handle by retrying).
std::uint16_t free_loopback_port();

// True once 127.0.0.1:port accepts a TCP connection.
bool accepts_connection(std::uint16_t port);

}  // namespace moatmq::test
