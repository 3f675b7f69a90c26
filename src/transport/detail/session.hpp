#pragma once
// Session: one connection's socket <-> Connection. Private to the transport (it includes Asio).
//
// Reading: bytes from the socket go straight to Connection::on_bytes, which decodes and handles every
// whole packet in them (the codec keeps any partial packet). Plain TCP reads with plain completion
// handlers (read_tcp): an idle TCP connection holds one pending readiness wait and no coroutine frame
// and no read buffer (it reads into the worker's shared buffer). When reading stops (peer gone, I/O
// error, the socket closed by abort or linger, an exception) Session::finish ends the session and the
// server's end_session calls Connection::on_closed. TLS and WebSocket sessions still read in a
// coroutine (tls_session.hpp, ws_session.hpp) whose co_spawn completion in server.cpp does the same.
// Expected endings are values; an exception ends (and is logged for) this connection only.
//
// Writing and the deadline are plain completion handlers too:
//  - write:    the first packet queued in a turn posts one write for the end of the turn, which sends
//              everything queued with one gather write, and again until the queue is empty (plain TCP:
//              non-blocking sendmsg() until done or the socket is full, see TcpGatherWrite). Once the
//              queue is empty the write state is freed, so an idle connection keeps none;
//  - deadline: Connection::next_deadline() (connect timeout, keep alive, retransmission) and the close
//              linger, in the worker's DeadlineQueue (one timer per worker, deadline_queue.hpp). A later
//              deadline does not move it: it fires early, finds nothing due, and re-arms.
//  - close():  after the final write, half-close and give the peer `close_linger` to close its side
//              (so that our last packet is not lost to a reset), reading and dropping meanwhile.
//
// What every session of a worker shares (the factory, the clock, the read and TLS staging buffers, the
// timeouts) is one SessionContext per worker; a session holds a pointer to it. Stream types plug in
// through their reader and write_all()/shutdown_send() overloads (TLS: tls_session.hpp).
#include <sys/socket.h>
#include <sys/uio.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <array>
#include <cerrno>
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "observe/log.hpp"
#include "transport/detail/deadline_queue.hpp"
#include "transport/detail/socket_link.hpp"
#include "transport/server.hpp"

namespace moatmq::transport::detail {

using asio::awaitable;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

// Plain TCP's socket, bound to the worker's io_context executor rather than the polymorphic
// any_io_executor: the socket and each of its pending operations are smaller (an idle connection holds
// both; issue #5). TLS and WebSocket streams convert it to a tcp::socket.
using TcpSocket = asio::basic_stream_socket<tcp, asio::io_context::executor_type>;

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
    // The end of a plain TCP session (its reader stopped; `error` if an exception ended it): the server's
    // bookkeeping, then Connection::on_closed(). TLS and WebSocket sessions end in their co_spawn completion.
    std::function<void(const std::shared_ptr<SocketLink>& link, std::exception_ptr error)> on_end;
    DeadlineQueue* deadlines = nullptr;  // the worker's: every session's deadline on one timer
};

// Plain TCP sessions whose reading the broker paused (ClientLink::pause_reading) hold no pending read to
// keep them alive: their worker thread keeps them here until reading resumes or the socket closes (the
// server's stop closes every socket, so none is left when the worker's thread ends).
inline std::unordered_map<const void*, std::shared_ptr<void>>& paused_reads()
{
    thread_local std::unordered_map<const void*, std::shared_ptr<void>> sessions;
    return sessions;
}

// Words for the "connection closed" log line.
inline std::string describe_io_end(const boost::system::error_code& ec)
{
    if (ec == asio::error::eof) return "peer closed";
    if (ec == asio::error::connection_reset) return "connection reset";
    if (ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor) return "aborted";
    return ec.message();
}

// Iovecs per sendmsg() call: Linux's IOV_MAX.
inline constexpr std::size_t kMaxIovecs = 1024;

// Plain TCP's gather write: non-blocking sendmsg() straight from the queued packets, up to kMaxIovecs
// at a time, until everything is sent or the socket's send buffer is full; only then does it wait for
// the socket to become writable, and go on from where it stopped. (Asio's async_write sends at most 64
// buffers per call and goes through the io_context queue between calls, which lets a subscriber with
// thousands of small packets queued send 64 of them per event-loop turn.) The handler runs inline when
// everything was sent at once. `buffers` must stay valid until it runs.
template <class Handler>
class TcpGatherWrite {
public:
    TcpGatherWrite(TcpSocket& socket, const std::vector<asio::const_buffer>& buffers, Handler handler)
        : socket_(&socket), buffers_(&buffers), handler_(std::move(handler))
    {
    }

    void operator()(boost::system::error_code ec = {})
    {
        for (;;) {
            if (ec || index_ == buffers_->size()) {
                handler_(ec, written_);
                return;
            }
            std::array<iovec, kMaxIovecs> iov;
            std::size_t count = 0;
            for (std::size_t i = index_; i < buffers_->size() && count < iov.size(); ++i, ++count) {
                const auto& buffer = (*buffers_)[i];
                const std::size_t skip = i == index_ ? offset_ : 0;
                iov[count].iov_base = const_cast<char*>(static_cast<const char*>(buffer.data()) + skip);
                iov[count].iov_len = buffer.size() - skip;
            }
            msghdr message{};
            message.msg_iov = iov.data();
            message.msg_iovlen = count;
            const ssize_t sent = ::sendmsg(socket_->native_handle(), &message, MSG_DONTWAIT | MSG_NOSIGNAL);
            if (sent < 0) {
                if (errno == EINTR) continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK) {
                    auto& socket = *socket_;
                    socket.async_wait(TcpSocket::wait_write, std::move(*this));
                    return;
                }
                ec = boost::system::error_code(errno, asio::error::get_system_category());
                continue;
            }
            advance(static_cast<std::size_t>(sent));
        }
    }

private:
    void advance(std::size_t n)
    {
        written_ += n;
        while (index_ < buffers_->size()) {
            const std::size_t rest = (*buffers_)[index_].size() - offset_;
            if (n < rest) {
                offset_ += n;
                return;
            }
            n -= rest;
            ++index_;
            offset_ = 0;
        }
    }

    TcpSocket* socket_;
    const std::vector<asio::const_buffer>* buffers_;
    Handler handler_;
    std::size_t index_ = 0;
    std::size_t offset_ = 0;
    std::size_t written_ = 0;
};

// Per stream type: one gather write of every buffer, and the half-close before lingering. TLS has
// its own overloads (tls_session.hpp), found by argument-dependent lookup.
template <class Handler>
void write_all(TcpSocket& socket, const std::vector<asio::const_buffer>& buffers, Handler handler)
{
    TcpGatherWrite<Handler>(socket, buffers, std::move(handler))();
}

inline void shutdown_send(TcpSocket& socket, boost::system::error_code& ec)
{
    socket.shutdown(TcpSocket::shutdown_send, ec);
}

template <class Stream>
class Session;
inline void read_tcp(const std::shared_ptr<Session<TcpSocket>>& session, boost::system::error_code ec = {});

template <class Stream>
class Session final : public SessionHooks,
                      public DeadlineQueue::Entry,
                      public std::enable_shared_from_this<Session<Stream>> {
public:
    Session(Stream stream, std::shared_ptr<SocketLink> link, const SessionContext& context)
        : stream_(std::move(stream)), link_(std::move(link)), context_(&context)
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

    // The reading coroutine has ended: nothing of this session may run any more.
    void end() noexcept
    {
        ended_ = true;
        close_socket();
        link_->set_hooks(nullptr);
    }

    // Plain TCP: the reader has stopped (read_tcp); ends the session and tells the server.
    void finish(std::exception_ptr error) noexcept
    {
        end();
        context_->on_end(link_, std::move(error));
    }

    // --- SessionHooks ---
    void want_write() override
    {
        if (ended_ || write_scheduled_ || writing_) return;
        write_scheduled_ = true;
        asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
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
            close_socket();  // the peer did not close in time; the reader ends
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

    // Plain TCP only (the TLS and WebSocket readers do not pause). The reader stops at its next look
    // (read_tcp: before a read, after handling one) and parks the session (paused_reads); resuming posts
    // the reader again. Closing the socket, or lingering after a close, resumes it too: the reader must
    // see the end.
    void pause_reading(bool paused) override
    {
        if constexpr (std::is_same_v<Stream, TcpSocket>) {
            read_paused_ = paused;
            if (!paused) resume_parked_read();
        }
    }
    bool read_paused() const noexcept
    {
        return read_paused_ && !ended_ && !lingering_ && !link_->close_requested() && !link_->aborted();
    }
    // The reader stops here until pause_reading(false) or the socket closes.
    void park_read() { paused_reads().emplace(this, this->shared_from_this()); }

private:
    void resume_parked_read()
    {
        if constexpr (std::is_same_v<Stream, TcpSocket>) {
            auto& parked = paused_reads();
            auto it = parked.find(this);
            if (it == parked.end()) return;
            auto self = std::static_pointer_cast<Session>(std::move(it->second));
            parked.erase(it);
            asio::post(stream_.get_executor(), [self = std::move(self)] { read_tcp(self); });
        }
    }

    void close_socket() noexcept
    {
        boost::system::error_code ignored;
        stream_.lowest_layer().close(ignored);
        context_->deadlines->cancel(*this);
        resume_parked_read();  // the reader finds the socket closed and ends the session
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
        write_all(stream_, write_->buffers,
                  [self = this->shared_from_this()](boost::system::error_code ec, std::size_t n) {
                      self->written(ec, n);
                  });
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
        resume_parked_read();  // lingering reads (and drops) until the peer closes
        boost::system::error_code ec;
        shutdown_send(stream_, ec);
        if (ec) {
            close_socket();
            return;
        }
        context_->deadlines->set(*this, std::chrono::steady_clock::now() + context_->close_linger);
    }

    Stream stream_;
    std::shared_ptr<SocketLink> link_;
    const SessionContext* context_;
    // The packets being written and their buffers; allocated for a write, freed once nothing is queued.
    struct WriteState {
        std::vector<broker::SharedBytes> packets;
        std::vector<asio::const_buffer> buffers;
    };
    std::unique_ptr<WriteState> write_;
    bool write_scheduled_ = false;
    bool writing_ = false;
    bool lingering_ = false;
    bool ended_ = false;
    bool read_paused_ = false;  // the broker asked for no reads (backpressure); plain TCP only
};

// Plain operator new/delete for an Asio operation. (Asio treats every std::allocator as "use the
// thread's recycled blocks", which may hand out a larger block than the operation needs.)
template <class T>
struct ExactAllocator {
    using value_type = T;
    ExactAllocator() = default;
    template <class U>
    ExactAllocator(const ExactAllocator<U>&) noexcept  // NOLINT(google-explicit-constructor): rebinding
    {
    }
    T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T))); }
    void deallocate(T* p, std::size_t) noexcept { ::operator delete(p); }
    template <class U>
    bool operator==(const ExactAllocator<U>&) const noexcept
    {
        return true;
    }
};

// Plain TCP's reader: plain completion handlers, not a coroutine, so that an idle connection holds one
// pending readiness wait (a small Asio operation) rather than suspended coroutine frames. The socket is
// non-blocking. It reads before it waits: Asio's readiness wait only sees data that arrives after it
// starts, so the socket is drained (a short read or would_block) first. Stops when the peer closes, on
// an I/O error, or when the socket is closed under it (abort, linger), and then calls Session::finish;
// an exception thrown while handling the bytes does the same, carrying the exception.
inline void read_tcp(const std::shared_ptr<Session<TcpSocket>>& session, boost::system::error_code ec)
{
    auto& socket = session->stream();
    auto& link = session->link();
    try {
        if (ec) {
            link.set_end_reason(describe_io_end(ec));
            session->finish(nullptr);
            return;
        }
        if (session->read_paused()) {  // the broker paused reading while this wait was pending
            session->park_read();
            return;
        }
        const auto buffer = session->context().read_buffer;
        for (int reads = 1;; ++reads) {
            const std::size_t n = socket.read_some(asio::buffer(buffer.data(), buffer.size()), ec);
            if (ec == asio::error::would_block || ec == asio::error::try_again) break;
            if (ec) {
                link.set_end_reason(describe_io_end(ec));
                session->finish(nullptr);
                return;
            }
            session->deliver(ByteView{buffer.data(), n});
            if (link.aborted()) {
                session->finish(nullptr);
                return;
            }
            if (session->read_paused()) {  // backpressure: resumed by pause_reading(false)
                session->park_read();
                return;
            }
            if (n < buffer.size()) break;  // drained
            if (reads == kMaxReadsPerTurn) {
                // More is waiting: come back after the worker's other connections had their turn.
                asio::post(socket.get_executor(), [session] { read_tcp(session); });
                return;
            }
        }
        // The wait takes a block of its own size from malloc (ExactAllocator): Asio's default recycles the
        // thread's last freed operation block, often a larger one (an accept's), and an idle connection
        // keeps it for as long as it waits.
        socket.async_wait(
            TcpSocket::wait_read,
            asio::bind_allocator(ExactAllocator<void>{}, [session](boost::system::error_code wait_ec) {
                read_tcp(session, wait_ec);
            }));
    } catch (...) {
        session->finish(std::current_exception());
    }
}

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

// Creates the session and the broker's Connection for an accepted TCP stream, on its worker. Returns
// nullptr when the broker refuses the connection.
inline std::shared_ptr<Session<TcpSocket>> open_session(TcpSocket stream, std::shared_ptr<SocketLink> link,
                                                        const SessionContext& context)
{
    auto session = std::make_shared<Session<TcpSocket>>(std::move(stream), std::move(link), context);
    if (!attach_connection(*session)) return nullptr;
    return session;
}

}  // namespace moatmq::transport::detail
