#pragma once
// Session: one connection's socket <-> Connection. Private to the transport (it includes Asio).
//
// Reading: bytes from the socket go straight to Connection::on_bytes, which decodes and handles every
// whole packet in them (the codec keeps any partial packet), read into the worker's shared buffer: an
// idle connection holds no read buffer. When reading stops (peer gone, I/O error, the socket closed by
// abort or linger, an exception) the session ends and the server's end_session calls
// Connection::on_closed. Expected endings are values; an exception ends (and is logged for) this
// connection only.
//
// Plain TCP has no Asio object per connection (issue #5: memory per idle connection). Its socket is a
// PlainSocket (a raw non-blocking descriptor, plain_socket.hpp) registered once, edge-triggered for
// reading and writing, with the worker's Poller (poller.hpp), which calls Session::on_ready() directly:
// an idle plain-TCP connection holds no pending operation, no reactor state and no coroutine frame.
// Edge-triggered, so the session remembers what the last event said: `readable_` (set by an event,
// cleared by a short read or EAGAIN) and `write_blocked_` (a gather write that would block goes on at
// the next EPOLLOUT). While it is registered the session owns itself (`self_`); Session::finish() ends
// it (through the context's on_end, the server's end_session) and lets go. Closing the socket from
// elsewhere (abort, the linger's end, the server stopping) posts that finish. Reads: at most
// kMaxReadsPerTurn full reads, then the rest is read in a posted turn. Delivery pressure
// (ClientLink::pause_reading) just stops reading; resuming reads what the socket still holds.
//
// TLS and WebSocket sessions keep their Asio streams and read in a coroutine (tls_session.hpp,
// ws_session.hpp) whose co_spawn completion in server.cpp ends them.
//
// Writing and the deadline are plain completion handlers:
//  - write:    the first packet queued in a turn posts one write for the end of the turn, which sends
//              everything queued with one gather write, and again until the queue is empty (plain TCP:
//              non-blocking sendmsg() until done or the socket is full, PlainSocket::send_gather). Once
//              the queue is empty the write state is freed, so an idle connection keeps none;
//  - deadline: Connection::next_deadline() (connect timeout, keep alive, retransmission) and the close
//              linger, in the worker's DeadlineQueue (one timer per worker, deadline_queue.hpp). A later
//              deadline does not move it: it fires early, finds nothing due, and re-arms.
//  - close():  after the final write, half-close and give the peer `close_linger` to close its side
//              (so that our last packet is not lost to a reset), reading and dropping meanwhile.
//
// What every session of a worker shares (the factory, the clock, the read and TLS staging buffers, the
// timeouts, the poller) is one SessionContext per worker; a session holds a pointer to it. Stream types
// plug in through their reader and write_all()/shutdown_send() overloads (TLS: tls_session.hpp).
#include <sys/epoll.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "observe/log.hpp"
#include "transport/detail/deadline_queue.hpp"
#include "transport/detail/plain_socket.hpp"
#include "transport/detail/poller.hpp"
#include "transport/detail/socket_link.hpp"
#include "transport/server.hpp"

namespace moatmq::transport::detail {

using asio::awaitable;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

// Bytes read per read call: large, so that a burst of small packets is decoded in one go.
inline constexpr std::size_t kReadChunk = 64 * 1024;
// Full reads in a row before yielding to the worker's other connections: one, so that with busy
// publishers the reads of all connections and the writes to subscribers interleave (16 reads of 64 KiB
// per connection per turn made a turn last a quarter of a second and starved deliveries, issue #5).
inline constexpr int kMaxReadsPerTurn = 1;

class SocketLink;

// What every session of one worker shares; the worker owns it and sessions point to it (one pointer per
// connection instead of a copy).
struct SessionContext {
    const ConnectionFactory* factory = nullptr;
    const Clock* clock = nullptr;
    std::span<std::byte> read_buffer;    // the worker's; only ever used synchronously
    std::span<std::byte> write_staging;  // the worker's, for TLS records; only ever used synchronously
    std::chrono::milliseconds close_linger{};
    std::chrono::milliseconds handshake_timeout{};  // TLS: the whole handshake must fit in it
    // The end of a plain TCP session (it stopped reading; `error` if an exception ended it): the server's
    // bookkeeping, then Connection::on_closed(). TLS and WebSocket sessions end in their co_spawn completion.
    std::function<void(const std::shared_ptr<SocketLink>& link, std::exception_ptr error)> on_end;
    DeadlineQueue* deadlines = nullptr;  // the worker's: every session's deadline on one timer
    Poller* poller = nullptr;            // the worker's: its plain-TCP sockets' readiness
    asio::io_context* io = nullptr;      // the worker's
};

// Words for the "connection closed" log line.
inline std::string describe_io_end(const boost::system::error_code& ec)
{
    if (ec == asio::error::eof) return "peer closed";
    if (ec == asio::error::connection_reset) return "connection reset";
    if (ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor) return "aborted";
    return ec.message();
}

// Plain TCP's half-close before lingering; TLS and WebSocket have their own overloads (tls_session.hpp,
// ws_session.hpp), found by argument-dependent lookup.
inline void shutdown_send(PlainSocket& socket, boost::system::error_code& ec)
{
    socket.shutdown_send(ec);
}

template <class Stream>
class Session final : public SessionHooks,
                      public DeadlineQueue::Entry,
                      public Poller::Client,
                      public std::enable_shared_from_this<Session<Stream>> {
    static constexpr bool kPlain = std::is_same_v<Stream, PlainSocket>;

public:
    Session(Stream stream, std::shared_ptr<SocketLink> link, const SessionContext& context)
        : link_(std::move(link)), context_(&context), stream_(std::move(stream))
    {
        link_->set_hooks(this);
    }
    ~Session()
    {
        context_->deadlines->cancel(*this);
        link_->set_hooks(nullptr);
    }
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    Stream& stream() noexcept { return stream_; }
    SocketLink& link() noexcept { return *link_; }
    const SessionContext& context() const noexcept { return *context_; }
    bool lingering() const noexcept { return lingering_; }

    // Bytes from the socket for the connection, unless it is closing (then they are dropped, so that the
    // peer's last packets do not turn our close into a reset).
    void deliver(ByteView bytes)
    {
        if (link_->close_requested() || link_->aborted() || link_->connection() == nullptr) return;
        link_->connection()->on_bytes(bytes);
        link_->after_connection_call();
    }

    // The session's reading has ended: nothing of this session may run any more.
    void end() noexcept
    {
        ended_ = true;
        close_socket();
        link_->set_hooks(nullptr);
    }

    // Plain TCP: registers the socket with the worker's poller; from then on the session owns itself
    // until finish(). The first event reads what the client sent with its connection. A socket already
    // closed (the broker aborted the connection while it was being created) has its finish posted.
    void start_reading()
    {
        static_assert(kPlain);
        if (ended_ || !stream_.is_open()) return;
        if (const auto ec = context_->poller->add(stream_.native_handle(), *this)) {
            link_->set_end_reason("cannot poll the socket: " + ec.message());
            finish(nullptr);
            return;
        }
        registered_ = true;
        self_ = this->shared_from_this();
    }

    // Plain TCP: reading has stopped; ends the session and tells the server (once).
    void finish(std::exception_ptr error) noexcept
    {
        if (ended_) return;
        const auto keep = std::move(self_);  // this session lives until the end of this call
        end();
        context_->on_end(link_, std::move(error));
    }

    // --- Poller::Client (plain TCP) ---
    void on_ready(std::uint32_t events) noexcept override
    {
        if constexpr (kPlain) {
            if (ended_) return;
            const auto self = this->shared_from_this();
            try {
                if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) != 0 && write_blocked_) continue_write();
            } catch (...) {
                finish(std::current_exception());
                return;
            }
            if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)) != 0) {
                readable_ = true;
                if (!read_scheduled_) read_now();
            }
        }
    }

    // --- SessionHooks ---
    void want_write() override
    {
        if (ended_ || write_scheduled_ || writing_) return;
        write_scheduled_ = true;
        asio::post(*context_->io, [self = this->shared_from_this()] {
            self->write_scheduled_ = false;
            self->write_queued();
        });
    }

    void deadline_changed() override
    {
        if (ended_ || lingering_) return;
        const auto wanted = link_->current_deadline();
        if (!wanted) {
            context_->deadlines->cancel(*this);
            return;
        }
        if (deadline_pending() && deadline() <= *wanted) return;  // fires early, then re-arms for `wanted`
        context_->deadlines->set(*this, *wanted);
    }

    // --- DeadlineQueue::Entry ---
    void deadline_reached() override
    {
        if (ended_) return;
        const auto self = this->shared_from_this();  // on_timer() may drop the last other reference
        if (lingering_) {
            close_socket();  // the peer did not close in time; the session ends
            return;
        }
        const auto now = context_->clock->now();
        const auto due = link_->current_deadline();
        if (due && *due <= now) {
            try {
                link_->connection()->on_timer(now);
            } catch (const std::exception& e) {
                log::error("connection {}: on_timer failed: {}", link_->id(), e.what());
                link_->abort("internal error");
                return;
            }
        }
        deadline_changed();
    }

    void abort_io() override { close_socket(); }

    // Plain TCP only (the TLS and WebSocket readers do not pause): no reads until pause_reading(false),
    // which reads what arrived meanwhile. Closing the socket, or lingering after a close, reads again
    // too: the session must see the end.
    void pause_reading(bool paused) override
    {
        if constexpr (kPlain) {
            read_paused_ = paused;
            if (!paused) resume_read();
        }
    }

private:
    bool read_paused() const noexcept
    {
        return read_paused_ && !ended_ && !lingering_ && !link_->close_requested() && !link_->aborted();
    }

    // Plain TCP: reads while the last event said readable, at most kMaxReadsPerTurn full reads (the
    // rest in a posted turn). A short read or EAGAIN means the socket is drained: the next event says
    // when more comes (a stream socket's short read empties its receive queue). Ends the session on
    // the peer's close, an I/O error, an abort, or an exception thrown while handling the bytes.
    void read_now() noexcept
    {
        if (ended_ || !readable_ || !stream_.is_open() || read_paused()) return;
        try {
            const auto buffer = context_->read_buffer;
            for (int reads = 1;; ++reads) {
                boost::system::error_code ec;
                const std::size_t n = stream_.read_some(buffer, ec);
                if (ec == asio::error::would_block) {
                    readable_ = false;
                    return;
                }
                if (ec) {
                    link_->set_end_reason(describe_io_end(ec));
                    finish(nullptr);
                    return;
                }
                deliver(ByteView{buffer.data(), n});
                if (link_->aborted()) {
                    finish(nullptr);
                    return;
                }
                if (ended_) return;
                if (n < buffer.size()) {
                    readable_ = false;
                    return;
                }
                if (read_paused()) return;  // backpressure: pause_reading(false) reads on
                if (reads == kMaxReadsPerTurn) {
                    // More is waiting: come back after the worker's other connections had their turn.
                    schedule_read();
                    return;
                }
            }
        } catch (...) {
            finish(std::current_exception());
        }
    }

    void schedule_read()
    {
        if (read_scheduled_) return;
        read_scheduled_ = true;
        asio::post(*context_->io, [self = this->shared_from_this()] {
            self->read_scheduled_ = false;
            self->read_now();
        });
    }

    void resume_read()
    {
        if constexpr (kPlain) {
            if (readable_ && !ended_) schedule_read();
        }
    }

    void close_socket() noexcept
    {
        if constexpr (kPlain) {
            if (stream_.is_open()) {
                if (registered_) {
                    context_->poller->remove(*this);
                    registered_ = false;
                }
                stream_.close();  // also out of the poller's epoll set
                if (!ended_) {
                    // Closed under the session (abort, linger timeout, stop): it ends in a turn of its own,
                    // not inside the call that closed it (often the Connection's).
                    asio::post(*context_->io, [self = this->shared_from_this()] {
                        self->link_->set_end_reason("aborted");
                        self->finish(nullptr);
                    });
                }
            }
        } else {
            boost::system::error_code ignored;
            stream_.lowest_layer().close(ignored);
        }
        context_->deadlines->cancel(*this);
    }

    void write_queued()
    {
        if (ended_ || writing_) return;
        if (!link_->has_pending()) {
            if (link_->close_requested() && !lingering_) start_linger();
            return;
        }
        if (!write_) write_ = std::make_unique<WriteState>();
        link_->take_pending(write_->packets);
        write_->buffers.clear();
        for (const auto& packet : write_->packets)
            write_->buffers.emplace_back(packet->data(), packet->size());
        writing_ = true;
        if constexpr (kPlain) {
            write_->progress = {};
            continue_write();
        } else {
            write_all(stream_, write_->buffers,
                      [self = this->shared_from_this()](boost::system::error_code ec, std::size_t n) {
                          self->written(ec, n);
                      });
        }
    }

    // Plain TCP: sends what the current write has left; if the socket is full, the next EPOLLOUT goes on.
    void continue_write()
    {
        write_blocked_ = false;
        const auto ec = stream_.send_gather(write_->buffers, write_->progress);
        if (ec == asio::error::would_block) {
            write_blocked_ = true;
            return;
        }
        written(ec, write_->progress.written);
    }

    void written(boost::system::error_code ec, std::size_t n)
    {
        writing_ = false;
        link_->written(n);
        write_->packets.clear();  // releases the shared packets now, not at the next write
        if (!link_->has_pending()) {
            // Nothing more to write: an idle connection keeps no write state.
            write_.reset();
            link_->release_queue();
        }
        if (ended_) return;
        if (ec) {
            link_->abort(describe_io_end(ec));
            return;
        }
        write_queued();
    }

    void start_linger()
    {
        lingering_ = true;
        resume_read();  // lingering reads (and drops) until the peer closes
        boost::system::error_code ec;
        shutdown_send(stream_, ec);
        if (ec) {
            close_socket();
            return;
        }
        context_->deadlines->set(*this, std::chrono::steady_clock::now() + context_->close_linger);
    }

    std::shared_ptr<SocketLink> link_;
    const SessionContext* context_;
    std::shared_ptr<Session> self_;  // plain TCP: while registered with the poller
    // The packets being written and their buffers; allocated for a write, freed once nothing is queued.
    struct WriteState {
        std::vector<broker::SharedBytes> packets;
        std::vector<asio::const_buffer> buffers;
        SendProgress progress;  // plain TCP
    };
    std::unique_ptr<WriteState> write_;
    // One bit each, and the stream after them (a plain socket's descriptor fills their word): a plain-TCP
    // session is 112 bytes, in the 128-byte allocator class with its control block (issue #5).
    bool write_scheduled_ : 1 = false;
    bool writing_ : 1 = false;
    bool lingering_ : 1 = false;
    bool ended_ : 1 = false;
    bool read_paused_ : 1 = false;     // the broker asked for no reads (backpressure); plain TCP only
    bool registered_ : 1 = false;      // plain TCP: with the poller
    bool readable_ : 1 = false;        // plain TCP: the last event said so, and no read has drained it since
    bool read_scheduled_ : 1 = false;  // plain TCP: a read is posted
    bool write_blocked_ : 1 = false;   // plain TCP: the gather write waits for EPOLLOUT
    Stream stream_;
};

// Creates the broker's Connection for a session, on the connection's worker: at once for plain TCP,
// after the handshake for TLS (the ConnectionInfo then says who the peer is). False when the broker
// refuses the connection (the link says why; the session is ended).
template <class Stream>
bool attach_connection(Session<Stream>& session)
{
    auto& link = session.link();
    auto shared_link = link.shared_from_this();
    link.set_connection((*session.context().factory)(link.take_connection_info(), shared_link));
    if (link.connection() == nullptr) {
        link.set_end_reason("refused by broker");
        session.end();
        return false;
    }
    link.after_connection_call();  // arms the connect timeout
    if (link.has_pending()) session.want_write();
    return true;
}

// Creates the session and the broker's Connection for an accepted plain-TCP socket, on its worker, and
// starts reading. Returns nullptr when the broker refuses the connection.
inline std::shared_ptr<Session<PlainSocket>> open_session(PlainSocket socket,
                                                          std::shared_ptr<SocketLink> link,
                                                          const SessionContext& context)
{
    auto session = std::make_shared<Session<PlainSocket>>(std::move(socket), std::move(link), context);
    if (!attach_connection(*session)) return nullptr;
    session->start_reading();
    return session;
}

}  // namespace moatmq::transport::detail
