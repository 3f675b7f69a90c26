#pragma once
// Accepting a connection in one system call: accept4() returns the socket already non-blocking and
// close-on-exec, with the peer's address. Private to the transport (it includes Asio).
//
// Asio's async_accept costs four calls per connection where this costs one: accept(), then getpeername()
// for remote_endpoint(), ioctl(FIONBIO) to make the socket non-blocking, and, because Asio marks every
// assigned descriptor as possibly duplicated, an epoll_ctl(EPOLL_CTL_DEL) before its close(). TCP_NODELAY
// needs no call either: Linux copies it from the listening socket (set once in Server::listen()).
//
// Plain TCP keeps the descriptor as it is (a PlainSocket on the worker's Poller: plain_socket.hpp,
// poller.hpp). TLS and WebSocket hand it to an Asio socket: adopt_accepted() tells Asio what accept4()
// guarantees, through its per-socket state flags (detail::socket_ops, public members of the reactive socket
// service's implementation type, unchanged since Boost 1.66): the descriptor is non-blocking (as if
// non_blocking(true) had been called: reads return would_block instead of polling) and no duplicate of
// another (close() may leave it to the kernel to drop it from epoll).
// tests/unit/transport/accepted_socket_test.cpp checks both behaviours.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>
#include <cerrno>
#include <cstring>
#include <optional>

namespace moatmq::transport::detail {

namespace asio = boost::asio;

// One accepted connection: its descriptor (owned by the caller until adopted) and the peer's address.
struct Accepted {
    int fd = -1;
    asio::ip::tcp::endpoint remote;
};

inline asio::ip::tcp::endpoint endpoint_of(const sockaddr_storage& address) noexcept
{
    if (address.ss_family == AF_INET6) {
        sockaddr_in6 v6{};
        std::memcpy(&v6, &address, sizeof(v6));
        asio::ip::address_v6::bytes_type bytes;
        std::memcpy(bytes.data(), &v6.sin6_addr, bytes.size());
        return {asio::ip::address_v6(bytes, v6.sin6_scope_id), ntohs(v6.sin6_port)};
    }
    sockaddr_in v4{};
    std::memcpy(&v4, &address, sizeof(v4));
    return {asio::ip::address_v4(ntohl(v4.sin_addr.s_addr)), ntohs(v4.sin_port)};
}

// accept4() on a non-blocking listening socket. nullopt with `error` 0: nothing is waiting. nullopt with
// `error` set: accept4's errno; transient network errors of the new connection (it went away, or the
// network did) are skipped here and never returned.
inline std::optional<Accepted> accept_connection(int listener_fd, int& error) noexcept
{
    for (;;) {
        sockaddr_storage address{};
        socklen_t length = sizeof(address);
        const int fd = ::accept4(listener_fd, reinterpret_cast<sockaddr*>(&address), &length,
                                 SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            error = 0;
            return Accepted{fd, endpoint_of(address)};
        }
        switch (errno) {
            case EAGAIN:
#if EWOULDBLOCK != EAGAIN
            case EWOULDBLOCK:
#endif
                error = 0;
                return std::nullopt;
            // accept(2): pending network errors of the new socket, passed on as errors; try the next one.
            case EINTR:
            case ECONNABORTED:
            case EPROTO:
            case ENOPROTOOPT:
            case EHOSTDOWN:
            case ENONET:
            case EHOSTUNREACH:
            case EOPNOTSUPP:
            case ENETDOWN:
            case ENETUNREACH:
                continue;
            default:  // EMFILE, ENFILE, ENOBUFS, ENOMEM, or the listener closed
                error = errno;
                return std::nullopt;
        }
    }
}

// Reaches the state flags that basic_socket keeps in its protected implementation object.
template <class Socket>
struct SocketStateAccess : Socket {
    static auto& state(Socket& socket) noexcept
    {
        auto member = &SocketStateAccess::impl_;  // protected: named through this derived class
        return (socket.*member).get_implementation().state_;
    }
};

// Hands an accept4()ed descriptor (SOCK_NONBLOCK) to `socket`, which registers it with its io_context's
// reactor (one epoll_ctl ADD). On error the descriptor is closed.
template <class Socket>
boost::system::error_code adopt_accepted(Socket& socket, const Accepted& accepted) noexcept
{
    namespace ops = asio::detail::socket_ops;
    boost::system::error_code ec;
    const auto protocol = accepted.remote.address().is_v6() ? asio::ip::tcp::v6() : asio::ip::tcp::v4();
    socket.assign(protocol, accepted.fd, ec);
    if (ec) {
        ::close(accepted.fd);
        return ec;
    }
    auto& state = SocketStateAccess<Socket>::state(socket);
    state = static_cast<ops::state_type>((state | ops::non_blocking) & ~ops::possible_dup);
    return ec;
}

}  // namespace moatmq::transport::detail
