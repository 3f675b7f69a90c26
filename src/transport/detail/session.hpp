#pragma once
// The per-connection coroutine: socket <-> Connection. Private to the transport (it includes Asio).
//
// A session is three loops over one stream, run as a parallel group on the connection's worker:
//  - read:     bytes from the socket go straight to Connection::on_bytes, which decodes and handles
//              every whole packet in them (the codec keeps any partial packet);
//  - write:    everything queued since the last write leaves in one gather write;
//  - deadline: a timer for Connection::next_deadline() (connect timeout, keep alive, retransmission).
// When one loop ends (peer gone, I/O error, close() flushed, an exception) the others are cancelled.
// Expected endings are values (as_tuple); an exception travels to the co_spawn completion, which logs
// it and closes this connection only.
//
// Stream types plug in through read_loop() and linger() overloads: plain TCP reads with a readiness
// wait and a non-blocking read into the worker's shared buffer, so an idle TCP connection holds no
// read buffer at all. A TLS or WebSocket stream (a later issue) adds its own overloads; the write and
// deadline loops are generic.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <exception>
#include <span>
#include <string>
#include <vector>

#include "transport/detail/socket_link.hpp"
#include "transport/server.hpp"

namespace moatmq::transport::detail {

using asio::awaitable;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

// Bytes read per read call: large, so that a burst of small packets is decoded in one go.
inline constexpr std::size_t kReadChunk = 64 * 1024;
// Full reads in a row before yielding to the worker's other connections.
inline constexpr int kMaxReadsPerTurn = 16;

struct SessionContext {
    const ConnectionFactory* factory = nullptr;
    const Clock* clock = nullptr;
    std::span<std::byte> read_buffer;  // the worker's; only ever used synchronously
    std::chrono::milliseconds close_linger{};
};

inline bool was_cancelled(const asio::cancellation_state& state)
{
    return state.cancelled() != asio::cancellation_type::none;
}

// Words for the "connection closed" log line.
inline std::string describe_io_end(const boost::system::error_code& ec)
{
    if (ec == asio::error::eof) return "peer closed";
    if (ec == asio::error::connection_reset) return "connection reset";
    if (ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor) return "aborted";
    return ec.message();
}

// Hands bytes to the connection, unless it is closing (then input is read and dropped, so that the
// peer's last packets do not turn our close into a reset).
inline void deliver(SocketLink& link, ByteView bytes)
{
    if (link.close_requested() || link.aborted() || link.connection() == nullptr) return;
    link.connection()->on_bytes(bytes);
    link.after_connection_call();
}

// Plain TCP. The socket is non-blocking. It reads before it waits: Asio's readiness wait only sees
// data that arrives after it starts, so the socket is drained (a short read or would_block) first.
inline awaitable<void> read_loop(tcp::socket& socket, SocketLink* link, std::span<std::byte> buffer)
{
    bool wait = false;
    for (;;) {
        if (wait) {
            auto [ec] = co_await socket.async_wait(tcp::socket::wait_read, asio::as_tuple(use_awaitable));
            if (ec) {
                link->set_end_reason(describe_io_end(ec));
                co_return;
            }
        }
        wait = true;
        for (int reads = 1;; ++reads) {
            boost::system::error_code ec;
            const std::size_t n = socket.read_some(asio::buffer(buffer.data(), buffer.size()), ec);
            if (ec == asio::error::would_block || ec == asio::error::try_again) break;
            if (ec) {
                link->set_end_reason(describe_io_end(ec));
                co_return;
            }
            deliver(*link, ByteView{buffer.data(), n});
            if (link->aborted()) co_return;
            if (n < buffer.size()) break;  // drained
            if (reads == kMaxReadsPerTurn) {
                wait = false;  // more is waiting: come back after the others had their turn
                break;
            }
        }
        if (!wait) co_await asio::post(socket.get_executor(), use_awaitable);
    }
}

// After a close() has been flushed: half-close, then read and drop until the peer closes its side or
// the linger time is up.
inline awaitable<void> drain(tcp::socket& socket, std::span<std::byte> buffer)
{
    for (;;) {
        boost::system::error_code ec;
        socket.read_some(asio::buffer(buffer.data(), buffer.size()), ec);
        if (ec == asio::error::would_block || ec == asio::error::try_again) {
            auto [wait_ec] =
                co_await socket.async_wait(tcp::socket::wait_read, asio::as_tuple(use_awaitable));
            if (wait_ec) co_return;
        } else if (ec) {
            co_return;
        }
    }
}

inline awaitable<void> linger(tcp::socket& socket, std::span<std::byte> buffer,
                              std::chrono::milliseconds timeout)
{
    using namespace asio::experimental::awaitable_operators;
    boost::system::error_code ec;
    socket.shutdown(tcp::socket::shutdown_send, ec);
    if (ec) co_return;
    asio::steady_timer timer(socket.get_executor(), timeout);
    co_await (drain(socket, buffer) || timer.async_wait(asio::as_tuple(use_awaitable)));
}

template <class Stream>
awaitable<void> write_loop(Stream& stream, SocketLink* link)
{
    std::vector<broker::SharedBytes> writing;
    std::vector<asio::const_buffer> buffers;
    for (;;) {
        if (!link->writer_has_work()) {
            if (link->close_requested() || link->aborted()) co_return;
            link->set_writer_idle(true);
            co_await link->wake_timer().async_wait(asio::as_tuple(use_awaitable));
            link->set_writer_idle(false);
            if (was_cancelled(co_await asio::this_coro::cancellation_state)) co_return;
            continue;
        }
        link->take_pending(writing);
        buffers.clear();
        for (const auto& packet : writing)
            buffers.emplace_back(packet->data(), packet->size());
        auto [ec, n] = co_await asio::async_write(stream, buffers, asio::as_tuple(use_awaitable));
        link->written(n);
        writing.clear();  // releases the shared packets now, not at the next write
        if (ec) {
            link->set_end_reason(describe_io_end(ec));
            co_return;
        }
    }
}

inline awaitable<void> deadline_loop(SocketLink* link, const Clock* clock)
{
    for (;;) {
        link->arm_deadline();
        auto [ec] = co_await link->deadline_timer().async_wait(asio::as_tuple(use_awaitable));
        if (was_cancelled(co_await asio::this_coro::cancellation_state) || link->aborted()) co_return;
        if (!ec && !link->close_requested() && link->connection() != nullptr) {
            link->connection()->on_timer(clock->now());
        }
    }
}

// One connection, from the factory to the last byte. `stream` lives in this frame; the loops borrow
// it, and this frame outlives them (it awaits the group).
// Points the link at the session's socket and timers, and away from them when the frame ends (also
// when it unwinds, or is destroyed with its io_context).
class AttachedIo {
public:
    AttachedIo(SocketLink& link, LowestSocket& socket, Timer& wake, Timer& deadline) : link_(link)
    {
        link_.attach(&socket, &wake, &deadline);
    }
    ~AttachedIo() { link_.detach_io(); }
    AttachedIo(const AttachedIo&) = delete;
    AttachedIo& operator=(const AttachedIo&) = delete;

private:
    SocketLink& link_;
};

template <class Stream>
awaitable<void> run_session(Stream stream, std::shared_ptr<SocketLink> link, SessionContext context)
{
    Timer wake(stream.get_executor(), TimePoint::max());
    Timer deadline(stream.get_executor(), TimePoint::max());
    const AttachedIo attached(*link, stream.lowest_layer(), wake, deadline);
    link->set_connection((*context.factory)(link->info(), link));
    if (link->connection() == nullptr) {
        link->set_end_reason("refused by broker");
        co_return;
    }

    auto executor = co_await asio::this_coro::executor;
    auto [order, read_error, write_error, deadline_error] =
        co_await asio::experimental::make_parallel_group(
            asio::co_spawn(executor, read_loop(stream, link.get(), context.read_buffer), asio::deferred),
            asio::co_spawn(executor, write_loop(stream, link.get()), asio::deferred),
            asio::co_spawn(executor, deadline_loop(link.get(), context.clock), asio::deferred))
            .async_wait(asio::experimental::wait_for_one(), asio::deferred);

    // Only the loop that ended first matters: the others ended because they were cancelled.
    const std::exception_ptr errors[] = {read_error, write_error, deadline_error};
    if (errors[order[0]]) std::rethrow_exception(errors[order[0]]);

    if (link->close_requested() && !link->aborted()) {
        co_await linger(stream, context.read_buffer, context.close_linger);
    }
}

}  // namespace moatmq::transport::detail
