#include "raw_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace moatmq::test {

RawClient::RawClient(std::uint16_t port, const std::string& host)
{
    sockaddr_storage address{};
    socklen_t length = 0;
    if (host.find(':') != std::string::npos) {
        auto* v6 = reinterpret_cast<sockaddr_in6*>(&address);
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) != 1)
            throw std::runtime_error("bad address " + host);
        length = sizeof(sockaddr_in6);
    } else {
        auto* v4 = reinterpret_cast<sockaddr_in*>(&address);
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) != 1)
            throw std::runtime_error("bad address " + host);
        length = sizeof(sockaddr_in);
    }
    fd_ = ::socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), length) != 0) {
        const int error = errno;
        ::close(fd_);
        throw std::runtime_error("connect to " + host + ":" + std::to_string(port) + ": " +
                                 std::strerror(error));
    }
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

RawClient::~RawClient()
{
    if (fd_ >= 0) ::close(fd_);
}

bool RawClient::send(const std::vector<std::uint8_t>& bytes)
{
    std::size_t sent = 0;
    while (sent < bytes.size()) {
        const auto n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        sent += static_cast<std::size_t>(n);
    }
    return true;
}

std::vector<std::uint8_t> RawClient::read(std::size_t count, std::chrono::milliseconds timeout)
{
    std::vector<std::uint8_t> result;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::uint8_t buffer[4096];
    while (result.size() < count) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now())
                .count();
        if (left <= 0) break;
        pollfd fd{fd_, POLLIN, 0};
        const int ready = ::poll(&fd, 1, static_cast<int>(left));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) break;
        const auto n = ::recv(fd_, buffer, std::min(sizeof buffer, count - result.size()), 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        result.insert(result.end(), buffer, buffer + n);
    }
    return result;
}

bool RawClient::wait_closed(std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::uint8_t buffer[4096];
    for (;;) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now())
                .count();
        if (left <= 0) return false;
        pollfd fd{fd_, POLLIN, 0};
        const int ready = ::poll(&fd, 1, static_cast<int>(left));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) return false;
        const auto n = ::recv(fd_, buffer, sizeof buffer, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return true;  // EOF or reset
    }
}

std::vector<std::uint8_t> connect_packet_311(const std::string& client_id)
{
    std::vector<std::uint8_t> body{0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3C};
    body.push_back(static_cast<std::uint8_t>(client_id.size() >> 8));
    body.push_back(static_cast<std::uint8_t>(client_id.size() & 0xFF));
    body.insert(body.end(), client_id.begin(), client_id.end());
    std::vector<std::uint8_t> packet{0x10, static_cast<std::uint8_t>(body.size())};  // short ids only
    packet.insert(packet.end(), body.begin(), body.end());
    return packet;
}

}  // namespace moatmq::test
