#pragma once
// PlainSocket: a plain-TCP connection's descriptor, owned (closed by the destructor), non-blocking
// (accept4 with SOCK_NONBLOCK), with no Asio object around it: its readiness comes from the worker's
// Poller (poller.hpp), so an idle connection holds four bytes here and no reactor state (issue #5).
// Private to the transport.
//
// send_gather(): non-blocking sendmsg() straight from the queued packets, up to kMaxIovecs at a time,
// until everything is sent or the socket's send buffer is full (would_block: the caller waits for
// EPOLLOUT and calls it again, going on from where it stopped). Asio's async_write sends at most 64
// buffers per call and goes through the io_context queue between calls, which let a subscriber with
// thousands of small packets queued send 64 of them per event-loop turn.
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/system/error_code.hpp>
#include <cerrno>
#include <cstddef>
#include <span>
#include <utility>
#include <vector>

namespace moatmq::transport::detail {

// Iovecs per sendmsg() call: Linux's IOV_MAX.
inline constexpr std::size_t kMaxIovecs = 1024;

// How far a gather write got: the buffer and the offset in it to go on from, and the bytes sent.
struct SendProgress {
    std::size_t index = 0;
    std::size_t offset = 0;
    std::size_t written = 0;
};

class PlainSocket {
public:
    PlainSocket() = default;
    explicit PlainSocket(int fd) noexcept : fd_(fd) {}
    PlainSocket(PlainSocket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    PlainSocket& operator=(PlainSocket&& other) noexcept
    {
        if (this != &other) {
            close();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    ~PlainSocket() { close(); }

    int native_handle() const noexcept { return fd_; }
    bool is_open() const noexcept { return fd_ >= 0; }

    // Closing also takes the socket out of the poller's epoll set.
    void close() noexcept
    {
        if (fd_ >= 0) ::close(std::exchange(fd_, -1));
    }

    // One recv(). eof when the peer has closed; would_block when nothing is there.
    std::size_t read_some(std::span<std::byte> buffer, boost::system::error_code& ec) noexcept
    {
        for (;;) {
            const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
            if (n > 0) {
                ec = {};
                return static_cast<std::size_t>(n);
            }
            if (n == 0) {
                ec = boost::asio::error::eof;
                return 0;
            }
            if (errno == EINTR) continue;
            ec = errno == EWOULDBLOCK ? boost::asio::error::would_block : error_from_errno();
            return 0;
        }
    }

    void shutdown_send(boost::system::error_code& ec) noexcept
    {
        ec = ::shutdown(fd_, SHUT_WR) == 0 ? boost::system::error_code{} : error_from_errno();
    }

    // Sends `buffers` from `progress` on: no error once all is sent, would_block when the socket is full.
    boost::system::error_code send_gather(const std::vector<boost::asio::const_buffer>& buffers,
                                          SendProgress& progress) noexcept
    {
        while (progress.index < buffers.size()) {
            std::array<iovec, kMaxIovecs> iov;
            std::size_t count = 0;
            for (std::size_t i = progress.index; i < buffers.size() && count < iov.size(); ++i, ++count) {
                const auto& buffer = buffers[i];
                const std::size_t skip = i == progress.index ? progress.offset : 0;
                iov[count].iov_base = const_cast<char*>(static_cast<const char*>(buffer.data()) + skip);
                iov[count].iov_len = buffer.size() - skip;
            }
            msghdr message{};
            message.msg_iov = iov.data();
            message.msg_iovlen = count;
            const ssize_t sent = ::sendmsg(fd_, &message, MSG_DONTWAIT | MSG_NOSIGNAL);
            if (sent < 0) {
                if (errno == EINTR) continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK) return boost::asio::error::would_block;
                return error_from_errno();
            }
            advance(buffers, progress, static_cast<std::size_t>(sent));
        }
        return {};
    }

private:
    static boost::system::error_code error_from_errno() noexcept
    {
        return {errno, boost::asio::error::get_system_category()};
    }

    static void advance(const std::vector<boost::asio::const_buffer>& buffers, SendProgress& progress,
                        std::size_t n) noexcept
    {
        progress.written += n;
        while (progress.index < buffers.size()) {
            const std::size_t rest = buffers[progress.index].size() - progress.offset;
            if (n < rest) {
                progress.offset += n;
                return;
            }
            n -= rest;
            ++progress.index;
            progress.offset = 0;
        }
    }

    int fd_ = -1;
};

}  // namespace moatmq::transport::detail
