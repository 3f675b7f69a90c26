// accept4() and adopting its descriptor into Asio: the socket must behave as one that Asio accepted and
// made non-blocking itself (reads that would block say so, readiness waits complete), without the calls.
#include "transport/detail/accepted_socket.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/tcp.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <chrono>

#include "raw_client.hpp"

namespace moatmq::transport::detail {
namespace {

using namespace std::chrono_literals;
using tcp = asio::ip::tcp;
using Socket = asio::basic_stream_socket<tcp, asio::io_context::executor_type>;

struct Listening {
    asio::io_context io{1};
    tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
    Listening() { acceptor.non_blocking(true); }
    std::uint16_t port() const { return acceptor.local_endpoint().port(); }
};

// The connection once the kernel has queued it (connect() returns before accept() sees it on loopback
// only rarely; a bounded retry covers that).
std::optional<Accepted> accept_one(Listening& listening)
{
    for (int attempt = 0; attempt < 500; ++attempt) {
        int error = 0;
        if (auto accepted = accept_connection(listening.acceptor.native_handle(), error)) return accepted;
        if (error != 0) return std::nullopt;
        listening.io.run_for(2ms);
    }
    return std::nullopt;
}

TEST(AcceptedSocket, NothingWaitingIsNotAnError)
{
    Listening listening;
    int error = -1;
    EXPECT_FALSE(accept_connection(listening.acceptor.native_handle(), error));
    EXPECT_EQ(error, 0);
}

TEST(AcceptedSocket, ComesNonBlockingCloseOnExecWithThePeersAddress)
{
    Listening listening;
    test::RawClient client(listening.port());
    const auto accepted = accept_one(listening);
    ASSERT_TRUE(accepted);
    EXPECT_NE(::fcntl(accepted->fd, F_GETFL) & O_NONBLOCK, 0);
    EXPECT_NE(::fcntl(accepted->fd, F_GETFD) & FD_CLOEXEC, 0);
    EXPECT_EQ(accepted->remote.address(), asio::ip::make_address("127.0.0.1"));
    sockaddr_storage peer{};
    socklen_t length = sizeof(peer);
    ASSERT_EQ(::getpeername(accepted->fd, reinterpret_cast<sockaddr*>(&peer), &length), 0);
    EXPECT_EQ(accepted->remote, endpoint_of(peer));
    EXPECT_NE(accepted->remote.port(), 0);
    ::close(accepted->fd);
}

// A connection accepted with accept4() and handed to an Asio socket with adopt_accepted().
class AdoptedSocket : public ::testing::Test {
protected:
    void SetUp() override
    {
        const auto accepted = accept_one(listening);
        ASSERT_TRUE(accepted);
        ASSERT_FALSE(adopt_accepted(socket, *accepted));
    }

    Listening listening;
    test::RawClient client{listening.port()};
    Socket socket{listening.io.get_executor()};
};

TEST_F(AdoptedSocket, ReportsWouldBlockInsteadOfWaiting)
{
    // Asio must know the socket is non-blocking, or read_some() would wait in poll() for data.
    ASSERT_TRUE(socket.non_blocking());
    std::array<char, 16> buffer{};
    boost::system::error_code ec;
    EXPECT_EQ(socket.read_some(asio::buffer(buffer), ec), 0U);
    EXPECT_EQ(ec, asio::error::would_block);
}

TEST_F(AdoptedSocket, WaitsForReadinessThenReads)
{
    bool ready = false;
    socket.async_wait(Socket::wait_read, [&](boost::system::error_code ec) { ready = !ec; });
    ASSERT_TRUE(client.send({'h', 'i'}));
    for (int turn = 0; turn < 500 && !ready; ++turn)
        listening.io.run_for(2ms);
    ASSERT_TRUE(ready);
    std::array<char, 16> buffer{};
    boost::system::error_code ec;
    EXPECT_EQ(socket.read_some(asio::buffer(buffer), ec), 2U);
    EXPECT_FALSE(ec);
    socket.close();
    EXPECT_TRUE(client.wait_closed());
}

}  // namespace
}  // namespace moatmq::transport::detail
