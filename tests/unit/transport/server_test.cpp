// The transport over real loopback sockets, with a scripted Connection in place of the broker: bytes in,
// packets out, close() flushing first, deadlines, post() from other threads, limits, stop().
#include "transport/server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>

#include "raw_client.hpp"

namespace moatmq::transport {
namespace {

using namespace std::chrono_literals;
using test::RawClient;

std::vector<std::uint8_t> bytes_of(std::string_view text)
{
    return {text.begin(), text.end()};
}

broker::SharedBytes shared(std::string_view text)
{
    return std::make_shared<const Bytes>(to_bytes(text));
}

// What the scripted connections saw, shared with the test thread.
struct Record {
    std::mutex mutex;
    std::condition_variable changed;
    int accepted = 0;
    int closed = 0;
    std::string received;
    std::vector<std::shared_ptr<broker::ClientLink>> links;
    std::thread::id connection_thread;

    bool wait(const std::function<bool()>& done, std::chrono::milliseconds timeout = 5s)
    {
        std::unique_lock lock(mutex);
        return changed.wait_for(lock, timeout, done);
    }
};

// A Connection that records what happens and runs `on_bytes_script` for each read.
class ScriptedConnection final : public broker::Connection {
public:
    using Script = std::function<void(broker::ClientLink&, ByteView)>;

    ScriptedConnection(std::shared_ptr<broker::ClientLink> link, Record& record, Script script,
                       std::optional<TimePoint> deadline)
        : link_(std::move(link)), record_(record), script_(std::move(script)), deadline_(deadline)
    {
    }

    void on_bytes(ByteView bytes) override
    {
        {
            std::lock_guard lock(record_.mutex);
            record_.received.append(as_chars(bytes));
            record_.connection_thread = std::this_thread::get_id();
            record_.changed.notify_all();
        }
        if (script_) script_(*link_, bytes);
    }

    void on_closed() override
    {
        std::lock_guard lock(record_.mutex);
        ++record_.closed;
        record_.changed.notify_all();
    }

    std::optional<TimePoint> next_deadline() const override { return deadline_; }

    void on_timer(TimePoint now) override
    {
        if (deadline_ && now >= *deadline_) {
            deadline_.reset();
            link_->send(shared("timer"));
        }
    }

private:
    std::shared_ptr<broker::ClientLink> link_;
    Record& record_;
    Script script_;
    std::optional<TimePoint> deadline_;
};

struct Harness {
    explicit Harness(ScriptedConnection::Script script = {}, std::optional<Duration> deadline_after = {},
                     TransportOptions options = {})
    {
        if (options.listeners.empty()) options.listeners.push_back({"test", "127.0.0.1:0", nullptr});
        if (options.threads == 0) options.threads = 2;
        server = std::make_unique<Server>(
            std::move(options),
            [this, script, deadline_after](broker::ConnectionInfo, std::shared_ptr<broker::ClientLink> link) {
                std::optional<TimePoint> deadline;
                if (deadline_after) deadline = clock.now() + *deadline_after;
                {
                    std::lock_guard lock(record.mutex);
                    ++record.accepted;
                    record.links.push_back(link);
                    record.changed.notify_all();
                }
                return std::make_unique<ScriptedConnection>(std::move(link), record, script, deadline);
            },
            clock);
        bound = server->listen();
        server->start();
    }

    std::uint16_t port() const
    {
        return static_cast<std::uint16_t>(
            std::stoi(bound.at(0).address.substr(bound.at(0).address.rfind(':') + 1)));
    }

    SteadyClock clock;
    Record record;
    std::unique_ptr<Server> server;
    std::vector<BoundListener> bound;
};

TEST(Server, ListenReportsThePortTheOsChose)
{
    Harness harness;
    ASSERT_EQ(harness.bound.size(), 1U);
    EXPECT_EQ(harness.bound[0].name, "test");
    EXPECT_TRUE(harness.bound[0].loopback);
    EXPECT_NE(harness.port(), 0);
}

TEST(Server, ListenFailureNamesTheListener)
{
    Harness first;
    TransportOptions options;
    options.listeners.push_back({"second", first.bound[0].address, nullptr});
    SteadyClock clock;
    Server server(
        options, [](auto, auto) { return std::unique_ptr<broker::Connection>(); }, clock);
    try {
        server.listen();
        FAIL() << "bound a port already in use";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("second"), std::string::npos) << e.what();
    }
}

TEST(Server, BytesReachTheConnectionAndItsPacketsReachThePeer)
{
    Harness harness([](broker::ClientLink& link, ByteView bytes) {
        link.send(std::make_shared<const Bytes>(bytes.begin(), bytes.end()));
    });
    RawClient client(harness.port());
    ASSERT_TRUE(client.send(bytes_of("hello")));
    EXPECT_EQ(client.read(5), bytes_of("hello"));
}

TEST(Server, EverythingQueuedInOneTurnArrivesInOrder)
{
    Harness harness([](broker::ClientLink& link, ByteView) {
        for (int i = 0; i < 1000; ++i)
            link.send(shared(std::to_string(i % 10)));
    });
    RawClient client(harness.port());
    ASSERT_TRUE(client.send(bytes_of("x")));
    const auto received = client.read(1000);
    ASSERT_EQ(received.size(), 1000U);
    for (std::size_t i = 0; i < received.size(); ++i)
        ASSERT_EQ(received[i], '0' + i % 10) << "at " << i;
}

TEST(Server, ABurstLargerThanOneReadArrivesInFull)
{
    Harness harness;
    RawClient client(harness.port());
    // Many reads' worth at once: the session reads one chunk per turn and must come back for the rest
    // without a new readiness event (the poller is edge-triggered).
    std::vector<std::uint8_t> burst(1024 * 1024);
    for (std::size_t i = 0; i < burst.size(); ++i)
        burst[i] = static_cast<std::uint8_t>('a' + i % 26);
    ASSERT_TRUE(client.send(burst));
    ASSERT_TRUE(harness.record.wait([&] { return harness.record.received.size() >= burst.size(); }));
    std::lock_guard lock(harness.record.mutex);
    EXPECT_EQ(harness.record.received, std::string(burst.begin(), burst.end()));
}

TEST(Server, AWriteThatFillsTheSocketGoesOnAsThePeerReads)
{
    static constexpr std::size_t kChunk = 64 * 1024;
    static constexpr int kChunks = 256;  // 16 MiB: far more than the socket buffers hold
    TransportOptions options;
    options.max_queued_bytes = 2 * kChunk * kChunks;
    Harness harness(
        [](broker::ClientLink& link, ByteView) {
            for (int i = 0; i < kChunks; ++i)
                link.send(std::make_shared<const Bytes>(kChunk, static_cast<std::byte>('a' + i % 26)));
        },
        {}, options);
    RawClient client(harness.port());
    ASSERT_TRUE(client.send(bytes_of("x")));
    for (int i = 0; i < kChunks; ++i) {
        const auto chunk = client.read(kChunk);
        ASSERT_EQ(chunk.size(), kChunk) << "chunk " << i;
        ASSERT_EQ(chunk.front(), 'a' + i % 26) << "chunk " << i;
        ASSERT_EQ(chunk.back(), 'a' + i % 26) << "chunk " << i;
    }
}

TEST(Server, CloseWritesWhatIsQueuedThenCloses)
{
    Harness harness([](broker::ClientLink& link, ByteView) {
        link.send(shared("bye"));
        link.close("done");
        link.send(shared("never"));  // after close(): dropped
    });
    RawClient client(harness.port());
    ASSERT_TRUE(client.send(bytes_of("x")));
    EXPECT_EQ(client.read(3), bytes_of("bye"));
    EXPECT_TRUE(client.wait_closed());
    EXPECT_TRUE(harness.record.wait([&] { return harness.record.closed == 1; }));
}

TEST(Server, PeerClosingCallsOnClosedOnce)
{
    Harness harness;
    {
        RawClient client(harness.port());
        ASSERT_TRUE(harness.record.wait([&] { return harness.record.accepted == 1; }));
    }
    EXPECT_TRUE(harness.record.wait([&] { return harness.record.closed == 1; }));
    EXPECT_TRUE(harness.server->wait_for_connections(5s));
    EXPECT_EQ(harness.record.closed, 1);
}

TEST(Server, DeadlineCallsOnTimer)
{
    Harness harness({}, 50ms);
    RawClient client(harness.port());
    EXPECT_EQ(client.read(5), bytes_of("timer"));
}

TEST(Server, EveryConnectionsDeadlineFiresOnASharedWorker)
{
    TransportOptions options;
    options.threads = 1;  // every connection's deadline in the same worker's queue
    Harness harness({}, 50ms, options);
    RawClient first(harness.port());
    RawClient second(harness.port());
    RawClient third(harness.port());
    EXPECT_EQ(third.read(5), bytes_of("timer"));
    EXPECT_EQ(first.read(5), bytes_of("timer"));
    EXPECT_EQ(second.read(5), bytes_of("timer"));
}

// The default, threads = 0: one worker per core. Accepted sockets are spread round-robin over the
// workers, and each connection is created and served on one worker only (its io_context), for life.
class PinnedConnection final : public broker::Connection {
public:
    PinnedConnection(std::shared_ptr<broker::ClientLink> link, std::mutex& mutex,
                     std::set<std::thread::id>& threads)
        : link_(std::move(link)), mutex_(mutex), threads_(threads)
    {
    }

    void on_bytes(ByteView bytes) override
    {
        {
            std::lock_guard lock(mutex_);
            threads_.insert(std::this_thread::get_id());
        }
        link_->send(std::make_shared<const Bytes>(bytes.begin(), bytes.end()));
    }
    void on_closed() override {}
    std::optional<TimePoint> next_deadline() const override { return std::nullopt; }
    void on_timer(TimePoint) override {}

private:
    std::shared_ptr<broker::ClientLink> link_;
    std::mutex& mutex_;
    std::set<std::thread::id>& threads_;
};

TEST(Server, ByDefaultOneWorkerPerCoreAndEachConnectionStaysOnItsWorker)
{
    const std::size_t cores = std::max(1U, std::thread::hardware_concurrency());
    std::mutex mutex;
    std::vector<std::thread::id> created_on;           // per connection, in accept order
    std::vector<std::set<std::thread::id>> served_on;  // per connection: every thread of on_bytes
    served_on.reserve(4 * cores);                      // no reallocation under the connections' feet
    SteadyClock clock;
    TransportOptions options;  // threads = 0
    options.listeners.push_back({"test", "127.0.0.1:0", nullptr});
    Server server(
        options,
        [&](broker::ConnectionInfo, std::shared_ptr<broker::ClientLink> link) {
            std::lock_guard lock(mutex);
            created_on.push_back(std::this_thread::get_id());
            served_on.emplace_back();
            return std::make_unique<PinnedConnection>(std::move(link), mutex, served_on.back());
        },
        clock);
    const auto bound = server.listen();
    server.start();
    const auto port =
        static_cast<std::uint16_t>(std::stoi(bound.at(0).address.substr(bound.at(0).address.rfind(':') + 1)));

    std::vector<std::unique_ptr<RawClient>> clients;
    for (std::size_t i = 0; i < 2 * cores; ++i)
        clients.push_back(std::make_unique<RawClient>(port));
    for (int round = 0; round < 3; ++round) {
        for (auto& client : clients) {
            ASSERT_TRUE(client->send(bytes_of("x")));
            ASSERT_EQ(client->read(1), bytes_of("x"));
        }
    }
    std::lock_guard lock(mutex);
    ASSERT_EQ(created_on.size(), 2 * cores);
    const std::set<std::thread::id> workers(created_on.begin(), created_on.end());
    EXPECT_EQ(workers.size(), cores) << "workers that took connections, for " << 2 * cores << " connections";
    for (std::size_t i = 0; i < created_on.size(); ++i)
        EXPECT_EQ(served_on[i], std::set<std::thread::id>{created_on[i]}) << "connection " << i << " moved";
}

TEST(Server, PostFromAnotherThreadRunsOnTheConnectionsThread)
{
    Harness harness;
    RawClient client(harness.port());
    ASSERT_TRUE(client.send(bytes_of("x")));  // records the connection's thread
    ASSERT_TRUE(harness.record.wait([&] { return !harness.record.received.empty(); }));

    std::shared_ptr<broker::ClientLink> link;
    {
        std::lock_guard lock(harness.record.mutex);
        link = harness.record.links.at(0);
    }
    std::atomic<bool> same_thread{false};
    std::thread other([&] {
        link->post([&, link] {
            {
                std::lock_guard lock(harness.record.mutex);
                same_thread = std::this_thread::get_id() == harness.record.connection_thread;
            }
            link->send(shared("posted"));
        });
    });
    other.join();
    EXPECT_EQ(client.read(6), bytes_of("posted"));
    EXPECT_TRUE(same_thread);
}

TEST(Server, PostAfterTheConnectionClosedStillRunsTheTask)
{
    Harness harness;
    {
        RawClient client(harness.port());
        ASSERT_TRUE(harness.record.wait([&] { return harness.record.accepted == 1; }));
    }
    ASSERT_TRUE(harness.record.wait([&] { return harness.record.closed == 1; }));
    std::shared_ptr<broker::ClientLink> link = harness.record.links.at(0);
    std::mutex mutex;
    std::condition_variable ran_cv;
    bool ran = false;
    link->post([&] {
        link->send(shared("dropped"));  // the socket is gone: ignored
        std::lock_guard lock(mutex);
        ran = true;
        ran_cv.notify_all();
    });
    std::unique_lock lock(mutex);
    EXPECT_TRUE(ran_cv.wait_for(lock, 5s, [&] { return ran; }));
}

TEST(Server, ALinkKeptAfterTheServerIsGoneIsHarmless)
{
    std::shared_ptr<broker::ClientLink> link;
    {
        Harness harness;
        RawClient client(harness.port());
        ASSERT_TRUE(harness.record.wait([&] { return harness.record.accepted == 1; }));
        std::lock_guard lock(harness.record.mutex);
        link = harness.record.links.at(0);
    }
    // As a broker session may, after shutdown: nothing runs, nothing crashes.
    link->send(shared("late"));
    link->post([] { FAIL() << "ran without a worker"; });
    link->close("late");
    EXPECT_EQ(link->queued_bytes(), 0U);
}

// The server's end of connections to `port` in this process (the server runs in the test process): the
// descriptors whose local port is `port`, listening sockets excluded.
std::vector<int> accepted_descriptors(std::uint16_t port)
{
    std::vector<int> found;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
        int fd = -1;
        try {
            fd = std::stoi(entry.path().filename().string());
        } catch (const std::exception&) {
            continue;
        }
        sockaddr_in local{};
        socklen_t length = sizeof(local);
        if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) != 0 ||
            local.sin_family != AF_INET || ntohs(local.sin_port) != port)
            continue;
        sockaddr_in peer{};
        length = sizeof(peer);
        if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) == 0) found.push_back(fd);
    }
    return found;
}

TEST(Server, AcceptedSocketsAreNonBlockingCloseOnExecAndWithoutNagle)
{
    Harness harness([](broker::ClientLink& link, ByteView bytes) {
        link.send(std::make_shared<const Bytes>(bytes.begin(), bytes.end()));
    });
    RawClient client(harness.port());
    ASSERT_TRUE(client.send(bytes_of("x")));
    ASSERT_EQ(client.read(1), bytes_of("x"));  // accepted, and served
    const auto fds = accepted_descriptors(harness.port());
    ASSERT_EQ(fds.size(), 1U);
    EXPECT_NE(::fcntl(fds[0], F_GETFL) & O_NONBLOCK, 0);
    EXPECT_NE(::fcntl(fds[0], F_GETFD) & FD_CLOEXEC, 0);
    int nodelay = 0;
    socklen_t length = sizeof(nodelay);
    ASSERT_EQ(::getsockopt(fds[0], IPPROTO_TCP, TCP_NODELAY, &nodelay, &length), 0);
    EXPECT_EQ(nodelay, 1);  // inherited from the listening socket
}

TEST(Server, ABurstOfConnectionsIsAcceptedInFull)
{
    Harness harness([](broker::ClientLink& link, ByteView bytes) {
        link.send(std::make_shared<const Bytes>(bytes.begin(), bytes.end()));
    });
    // More than one accept batch (64), all queued before the server looks.
    std::vector<std::unique_ptr<RawClient>> clients;
    for (int i = 0; i < 150; ++i)
        clients.push_back(std::make_unique<RawClient>(harness.port()));
    ASSERT_TRUE(harness.record.wait([&] { return harness.record.accepted == 150; }));
    for (auto& client : clients) {
        ASSERT_TRUE(client->send(bytes_of("y")));
        EXPECT_EQ(client->read(1), bytes_of("y"));
    }
}

TEST(Server, ConnectionsOverTheLimitAreClosedAtOnce)
{
    TransportOptions options;
    options.max_connections = 1;
    Harness harness({}, {}, options);
    RawClient first(harness.port());
    ASSERT_TRUE(harness.record.wait([&] { return harness.record.accepted == 1; }));
    RawClient second(harness.port());
    EXPECT_TRUE(second.wait_closed());
    EXPECT_EQ(harness.record.accepted, 1);
}

TEST(Server, APeerThatStopsReadingIsClosedAtTheHardQueueCap)
{
    TransportOptions options;
    options.max_queued_bytes = 1024 * 1024;
    Harness harness(
        [](broker::ClientLink& link, ByteView) {
            auto chunk = std::make_shared<const Bytes>(64 * 1024);
            for (int i = 0; i < 64; ++i)
                link.send(chunk);  // 4 MiB at once, nobody reading
        },
        {}, options);
    RawClient client(harness.port());
    ASSERT_TRUE(client.send(bytes_of("x")));
    EXPECT_TRUE(harness.record.wait([&] { return harness.record.closed == 1; }));
}

// Runs an empty task on the link's worker and waits for it: everything the worker had to do before
// (a readiness event for bytes already in the socket included) has had its turn.
bool worker_turn(Record& record, broker::ClientLink& link)
{
    bool ran = false;
    link.post([&] {
        std::lock_guard lock(record.mutex);
        ran = true;
        record.changed.notify_all();
    });
    return record.wait([&] { return ran; });
}

std::shared_ptr<broker::ClientLink> first_link(Record& record)
{
    std::lock_guard lock(record.mutex);
    return record.links.at(0);
}

TEST(Server, APausedConnectionReadsNothingUntilResumed)
{
    Harness harness([](broker::ClientLink& link, ByteView bytes) {
        if (bytes.size() == 1 && bytes[0] == std::byte{'p'}) link.pause_reading(true);  // backpressure
    });
    RawClient client(harness.port());
    ASSERT_TRUE(client.send(bytes_of("p")));
    ASSERT_TRUE(harness.record.wait([&] { return harness.record.received == "p"; }));
    const auto link = first_link(harness.record);
    ASSERT_TRUE(client.send(bytes_of("later")));
    for (int turn = 0; turn < 3; ++turn)
        ASSERT_TRUE(worker_turn(harness.record, *link));
    {
        std::lock_guard lock(harness.record.mutex);
        EXPECT_EQ(harness.record.received, "p");  // in the socket, not read
    }
    link->post([link] { link->pause_reading(false); });
    EXPECT_TRUE(harness.record.wait([&] { return harness.record.received == "plater"; }));
}

TEST(Server, APausedConnectionStillClosesAndStops)
{
    Harness harness([](broker::ClientLink& link, ByteView) { link.pause_reading(true); });
    {
        RawClient closing(harness.port());
        ASSERT_TRUE(closing.send(bytes_of("x")));
        ASSERT_TRUE(harness.record.wait([&] { return harness.record.received == "x"; }));
        const auto link = first_link(harness.record);
        link->post([link] { link->close("closing"); });  // the broker closes it: the linger reads again
        EXPECT_TRUE(closing.wait_closed());
    }  // the peer's close ends the linger
    EXPECT_TRUE(harness.record.wait([&] { return harness.record.closed == 1; }));

    RawClient stopped(harness.port());
    ASSERT_TRUE(stopped.send(bytes_of("y")));
    ASSERT_TRUE(harness.record.wait([&] { return harness.record.received == "xy"; }));
    harness.server->stop_accepting();
    harness.server->stop();  // a paused reader holds no pending read: stop must still end it
    EXPECT_EQ(harness.record.closed, 2);
    EXPECT_TRUE(stopped.wait_closed());
    EXPECT_EQ(harness.server->connection_count(), 0U);
}

TEST(Server, StopClosesEveryConnection)
{
    Harness harness;
    RawClient a(harness.port());
    RawClient b(harness.port());
    ASSERT_TRUE(harness.record.wait([&] { return harness.record.accepted == 2; }));
    harness.server->stop_accepting();
    harness.server->stop();
    EXPECT_EQ(harness.record.closed, 2);
    EXPECT_TRUE(a.wait_closed());
    EXPECT_TRUE(b.wait_closed());
    EXPECT_EQ(harness.server->connection_count(), 0U);
}

TEST(Server, PeriodicTaskRunsUntilStop)
{
    std::mutex mutex;
    std::condition_variable cv;
    int runs = 0;
    SteadyClock clock;
    TransportOptions options;
    options.threads = 1;
    options.listeners.push_back({"test", "127.0.0.1:0", nullptr});
    Server server(
        options, [](auto, auto) { return std::unique_ptr<broker::Connection>(); }, clock);
    server.set_periodic_task([&](TimePoint now) -> std::optional<TimePoint> {
        std::lock_guard lock(mutex);
        ++runs;
        cv.notify_all();
        return now + 10ms;
    });
    server.listen();
    server.start();
    {
        std::unique_lock lock(mutex);
        EXPECT_TRUE(cv.wait_for(lock, 5s, [&] { return runs >= 3; }));
    }
    server.stop();
}

}  // namespace
}  // namespace moatmq::transport
