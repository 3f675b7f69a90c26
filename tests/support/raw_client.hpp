#pragma once
// RawClient: a blocking TCP client for sending hand-made bytes to the broker (malformed packets,
// conformance cases). Every read has a deadline; 127.0.0.1 or ::1 only.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace moatmq::test {

using namespace std::chrono_literals;

class RawClient {
public:
    // Connects to host:port; throws std::runtime_error on failure.
    RawClient(std::uint16_t port, const std::string& host = "127.0.0.1");
    ~RawClient();
    RawClient(const RawClient&) = delete;
    RawClient& operator=(const RawClient&) = delete;

    // Sends every byte; false if the connection is gone.
    bool send(const std::vector<std::uint8_t>& bytes);

    // Reads `count` bytes, or fewer if the peer closes or the timeout passes first. Never more: the
    // rest stays for the next read.
    std::vector<std::uint8_t> read(std::size_t count, std::chrono::milliseconds timeout = 5s);

    // True when the peer closes (EOF or reset) within `timeout`; bytes arriving meanwhile are dropped.
    bool wait_closed(std::chrono::milliseconds timeout = 5s);

private:
    int fd_ = -1;
};

// MQTT 3.1.1 CONNECT with clean session, keep alive 60 and the given client id.
std::vector<std::uint8_t> connect_packet_311(const std::string& client_id);
inline const std::vector<std::uint8_t> kPingreq{0xC0, 0x00};
inline const std::vector<std::uint8_t> kPingresp{0xD0, 0x00};

}  // namespace moatmq::test
