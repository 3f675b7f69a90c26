// The worker's Poller over socket pairs: readiness reaches the client through the io_context's loop,
// edge-triggered (one event per arrival, EPOLLOUT after a write that would block), more events than one
// batch, a client removed by another's handler, and no pending work once no client is left.
#include "transport/detail/poller.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <thread>
#include <vector>

namespace moatmq::transport::detail {
namespace {

using namespace std::chrono_literals;

// Two connected non-blocking stream sockets: `polled` is registered, `peer` is the test's end.
struct Pair {
    Pair()
    {
        std::array<int, 2> fds{};
        EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds.data()), 0);
        polled = fds[0];
        peer = fds[1];
    }
    ~Pair()
    {
        if (polled >= 0) ::close(polled);
        if (peer >= 0) ::close(peer);
    }
    Pair(const Pair&) = delete;
    Pair& operator=(const Pair&) = delete;

    void close_polled()
    {
        ::close(polled);
        polled = -1;
    }

    int polled = -1;
    int peer = -1;
};

struct Recorder final : Poller::Client {
    void on_ready(std::uint32_t events) noexcept override
    {
        received.push_back(events);
        if (also) also(events);
    }
    std::vector<std::uint32_t> received;
    std::function<void(std::uint32_t)> also;
};

void write_byte(int fd)
{
    const char byte = 'x';
    ASSERT_EQ(::write(fd, &byte, 1), 1);
}

// Runs the io_context until `done` or 5 s (each step waits at most 10 ms for a handler).
bool run_until(boost::asio::io_context& io, const std::function<bool()>& done)
{
    const auto until = std::chrono::steady_clock::now() + 5s;
    while (!done() && std::chrono::steady_clock::now() < until) {
        io.restart();
        io.run_one_for(10ms);
    }
    return done();
}

// Runs the io_context to its end on another thread: true when it ran out of work by itself (within
// 5 s; otherwise it is stopped and the answer is false).
bool runs_out(boost::asio::io_context& io)
{
    io.restart();
    std::promise<void> finished;
    auto done = finished.get_future();
    std::thread runner([&] {
        io.run();
        finished.set_value();
    });
    const bool ran_out = done.wait_for(5s) == std::future_status::ready;
    if (!ran_out) io.stop();
    runner.join();
    return ran_out;
}

// Everything ready now has been handled: the io_context ran out of ready handlers several times.
void settle(boost::asio::io_context& io)
{
    for (int i = 0; i < 5; ++i) {
        io.restart();
        io.poll();
    }
}

TEST(Poller, ReadinessReachesTheClientOnTheIoContextsThread)
{
    boost::asio::io_context io{1};
    Poller poller(io);
    Pair pair;
    Recorder client;
    std::thread::id thread;
    client.also = [&](std::uint32_t) { thread = std::this_thread::get_id(); };
    ASSERT_FALSE(poller.add(pair.polled, client));
    write_byte(pair.peer);
    ASSERT_TRUE(run_until(io, [&] { return !client.received.empty(); }));
    EXPECT_NE(client.received.back() & EPOLLIN, 0U);
    EXPECT_NE(client.received.back() & EPOLLOUT, 0U);  // writable too: told with every event
    EXPECT_EQ(thread, std::this_thread::get_id());
}

TEST(Poller, EdgeTriggeredOneEventPerArrival)
{
    boost::asio::io_context io{1};
    Poller poller(io);
    Pair pair;
    Recorder client;
    ASSERT_FALSE(poller.add(pair.polled, client));
    settle(io);  // the registration's own event (writable)
    const auto before = client.received.size();

    write_byte(pair.peer);
    ASSERT_TRUE(run_until(io, [&] { return client.received.size() == before + 1; }));
    settle(io);
    EXPECT_EQ(client.received.size(), before + 1);  // unread, but told once: edge-triggered

    write_byte(pair.peer);  // new data: a new edge, although the first byte is still unread
    EXPECT_TRUE(run_until(io, [&] { return client.received.size() == before + 2; }));
}

TEST(Poller, AFullSocketIsToldWhenItIsWritableAgain)
{
    boost::asio::io_context io{1};
    Poller poller(io);
    Pair pair;
    Recorder client;
    ASSERT_FALSE(poller.add(pair.polled, client));
    settle(io);
    std::vector<char> chunk(64 * 1024, 'x');
    int writes = 0;
    while (::write(pair.polled, chunk.data(), chunk.size()) > 0 && writes < 10'000)
        ++writes;
    ASSERT_EQ(errno, EAGAIN);  // full
    settle(io);
    client.received.clear();

    std::vector<char> sink(1024 * 1024);
    while (::read(pair.peer, sink.data(), sink.size()) > 0) {
    }
    ASSERT_TRUE(run_until(io, [&] { return !client.received.empty(); }));
    EXPECT_NE(client.received.back() & EPOLLOUT, 0U);
}

TEST(Poller, MoreReadySocketsThanOneBatchAreAllTold)
{
    boost::asio::io_context io{1};
    Poller poller(io);
    constexpr int kSockets = Poller::kBatch * 2 + 10;
    std::vector<std::unique_ptr<Pair>> pairs;
    std::vector<std::unique_ptr<Recorder>> clients;
    for (int i = 0; i < kSockets; ++i) {
        pairs.push_back(std::make_unique<Pair>());
        clients.push_back(std::make_unique<Recorder>());
        ASSERT_FALSE(poller.add(pairs.back()->polled, *clients.back()));
    }
    settle(io);
    for (auto& client : clients)
        client->received.clear();
    auto all_told = [&] {
        for (const auto& client : clients)
            if (client->received.empty()) return false;
        return true;
    };
    for (int round = 0; round < 2; ++round) {  // twice: after full batches the poller waits again
        for (auto& pair : pairs)
            write_byte(pair->peer);
        ASSERT_TRUE(run_until(io, all_told)) << "round " << round;
        for (const auto& client : clients)
            EXPECT_NE(client->received.back() & EPOLLIN, 0U);
        for (auto& client : clients)
            client->received.clear();
    }
}

TEST(Poller, AClientRemovedByAnotherHandlerIsNotToldAnyMore)
{
    boost::asio::io_context io{1};
    Poller poller(io);
    Pair first_pair;
    Pair second_pair;
    Recorder first;
    Recorder second;
    ASSERT_FALSE(poller.add(first_pair.polled, first));
    ASSERT_FALSE(poller.add(second_pair.polled, second));
    settle(io);
    first.received.clear();
    second.received.clear();
    // Both become ready before the poller looks; whichever is told first removes (and closes) the other,
    // as a takeover aborts another connection.
    first.also = [&](std::uint32_t) {
        poller.remove(second);
        second_pair.close_polled();
    };
    second.also = [&](std::uint32_t) {
        poller.remove(first);
        first_pair.close_polled();
    };
    write_byte(first_pair.peer);
    write_byte(second_pair.peer);
    ASSERT_TRUE(run_until(io, [&] { return first.received.size() + second.received.size() > 0; }));
    settle(io);
    EXPECT_EQ(first.received.size() + second.received.size(), 1U);
    EXPECT_EQ(poller.clients(), 1U);
}

TEST(Poller, NoClientsLeavesTheIoContextWithoutWork)
{
    boost::asio::io_context io{1};
    Poller poller(io);
    EXPECT_TRUE(runs_out(io));  // nothing pending
    Pair pair;
    Recorder client;
    ASSERT_FALSE(poller.add(pair.polled, client));
    write_byte(pair.peer);
    ASSERT_TRUE(run_until(io, [&] { return !client.received.empty(); }));
    poller.remove(client);
    pair.close_polled();
    EXPECT_TRUE(runs_out(io));  // the poller's wait was cancelled with its last client
}

TEST(Poller, AddingAClosedDescriptorFails)
{
    boost::asio::io_context io{1};
    Poller poller(io);
    Pair pair;
    const int fd = pair.polled;
    pair.close_polled();
    Recorder client;
    EXPECT_TRUE(poller.add(fd, client));
    EXPECT_EQ(poller.clients(), 0U);
}

}  // namespace
}  // namespace moatmq::transport::detail
