#pragma once
// SocketLink: the ClientLink of one socket, and the state its session shares with the broker's
// Connection. Private to the transport (it includes Asio); only server.cpp includes it.
//
// Everything here runs on the connection's worker thread except post(), which only hands a task to the
// io_context. The outgoing queue is two vectors of shared packets: send() appends to `pending_`
// (allocated by the first send, freed once everything is written: an idle link holds no queue), and
// the session swaps it with its own and writes all of it with one gather write. The first send() of a
// turn schedules that write for the end of the turn, so every packet queued during one on_bytes() (or
// one batch of posted deliveries) goes out in the same write.
//
// Lifetime: the broker may keep the link (a shared_ptr) after the connection, and even after the
// Server, is gone. So the link owns no Asio object: it reaches the socket and deadline through
// SessionHooks, which the session sets while it lives. post() goes through the worker's gate, which
// the Server closes before its io_context is destroyed.
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "broker/client_link.hpp"
#include "broker/connection.hpp"
#include "common/boxed.hpp"
#include "common/clock.hpp"

namespace moatmq::transport::detail {

namespace asio = boost::asio;
using Executor = asio::io_context::executor_type;

// Whether a worker's io_context still accepts work, and its executor; shared by the worker and its links
// (one pointer per link instead of a copy of the executor).
struct WorkerGate {
    WorkerGate(Executor worker_executor, std::size_t max_queued)
        : executor(worker_executor), max_queued_bytes(max_queued)
    {
    }
    std::mutex mutex;
    bool open = true;
    const Executor executor;
    const std::size_t max_queued_bytes;  // TransportOptions::max_queued_bytes, for every link of the worker
};

// What the link asks of the session that owns the socket (implemented per stream type).
class SessionHooks {
public:
    virtual void want_write() = 0;                // something was queued, or close() asked for a final flush
    virtual void deadline_changed() = 0;          // the connection's next deadline may have moved
    virtual void abort_io() = 0;                  // close the socket now; the session ends
    virtual void pause_reading(bool paused) = 0;  // ClientLink::pause_reading (plain TCP only)
protected:
    ~SessionHooks() = default;
};

class SocketLink final : public broker::ClientLink, public std::enable_shared_from_this<SocketLink> {
public:
    // `listener` is the listener's name, owned by the Server: the link may outlive the Server, but its
    // name is only read while the Server runs (the connection's creation and its "closed" log line).
    SocketLink(std::shared_ptr<WorkerGate> gate, std::uint64_t id, const std::string& listener,
               broker::ConnectionInfo info)
        : gate_(std::move(gate)),
          id_(id),
          listener_(&listener),
          remote_address_(std::move(info.remote_address)),
          listener_is_loopback_(info.listener_is_loopback),
          tls_(info.tls),
          tls_psk_(info.tls_psk)
    {
        if (info.tls_identity) tls_identity_ = std::move(*info.tls_identity);
    }

    // --- broker::ClientLink ---
    void send(broker::SharedBytes packet) override
    {
        if (close_requested_ || aborted_ || !packet) return;
        queued_bytes_ += packet->size();
        if (!pending_) pending_ = std::make_unique<std::vector<broker::SharedBytes>>();
        pending_->push_back(std::move(packet));
        if (queued_bytes_ > gate_->max_queued_bytes) {
            abort("outgoing queue over limit (peer not reading)");
            return;
        }
        if (hooks_ != nullptr) hooks_->want_write();
    }

    std::size_t queued_bytes() const noexcept override { return queued_bytes_; }

    void close(std::string_view reason) override
    {
        if (close_requested_ || aborted_) return;
        close_requested_ = true;
        set_end_reason(reason.empty() ? std::string("closed by broker") : std::string(reason));
        if (hooks_ != nullptr) {
            hooks_->want_write();
            hooks_->deadline_changed();  // no more on_timer() once closing
        }
    }

    // A task posted after the Server has stopped is dropped: there is no thread left to run it.
    void post(std::function<void()> task) override
    {
        std::lock_guard lock(gate_->mutex);
        if (!gate_->open) return;
        asio::post(gate_->executor, [weak = weak_from_this(), task = std::move(task)] {
            task();
            if (auto self = weak.lock()) self->after_connection_call();
        });
    }

    void pause_reading(bool paused) override
    {
        if (hooks_ != nullptr) hooks_->pause_reading(paused);
    }

    const std::string& remote_address() const noexcept override { return remote_address_; }

    // --- the session's side ---
    // The ConnectionInfo for the broker's Connection, once, when it is created. The link keeps the parts
    // it logs, not the struct: the TLS identity goes to the Connection (issue #5: an idle connection's
    // memory).
    broker::ConnectionInfo take_connection_info()
    {
        broker::ConnectionInfo info;
        info.listener = *listener_;
        info.remote_address = remote_address_;
        info.listener_is_loopback = listener_is_loopback_;
        info.tls = tls_;
        if (tls_identity_) info.tls_identity = std::move(*tls_identity_);
        tls_identity_.reset();
        info.tls_psk = tls_psk_;
        return info;
    }
    const std::string& listener() const noexcept { return *listener_; }
    // TLS: who the handshake proved the peer to be; set before the Connection is created.
    void set_tls_identity(std::optional<std::string> identity, bool psk)
    {
        tls_identity_ = std::move(identity);
        tls_psk_ = psk;
    }
    std::uint64_t id() const noexcept { return id_; }
    broker::Connection* connection() const noexcept { return connection_.get(); }
    void set_connection(std::unique_ptr<broker::Connection> connection)
    {
        connection_ = std::move(connection);
    }

    // The session sets itself here while it owns the socket, and clears it before it goes.
    void set_hooks(SessionHooks* hooks) noexcept { hooks_ = hooks; }

    bool close_requested() const noexcept { return close_requested_; }
    bool aborted() const noexcept { return aborted_; }
    bool has_pending() const noexcept { return pending_ && !pending_->empty(); }

    // Why the connection ended, for the log line; the first reason recorded wins.
    const std::string& end_reason() const noexcept
    {
        static const std::string none;
        return end_reason_ ? *end_reason_ : none;
    }
    void set_end_reason(std::string reason)
    {
        if (end_reason().empty()) end_reason_ = std::move(reason);
    }

    // Closes the socket now, without flushing: the session ends.
    void abort(std::string reason)
    {
        set_end_reason(std::move(reason));
        if (aborted_) return;
        aborted_ = true;
        if (hooks_ != nullptr) hooks_->abort_io();
    }

    // Moves the queued packets into `out` (emptied first) for one gather write.
    void take_pending(std::vector<broker::SharedBytes>& out)
    {
        out.clear();
        if (pending_) out.swap(*pending_);
    }
    void written(std::size_t bytes) noexcept
    {
        queued_bytes_ -= bytes < queued_bytes_ ? bytes : queued_bytes_;
    }
    // Nothing is queued: frees the queue's memory (an idle connection keeps none).
    void release_queue() noexcept
    {
        if (pending_ && pending_->empty()) pending_.reset();
    }

    // The deadline the timer should be armed for: none once closing.
    std::optional<TimePoint> current_deadline() const
    {
        if (!connection_ || close_requested_ || aborted_) return std::nullopt;
        return connection_->next_deadline();
    }

    // After every call into the Connection.
    void after_connection_call()
    {
        if (hooks_ != nullptr) hooks_->deadline_changed();
    }

    // The session is over: no call into the Connection may follow. Breaks the Connection -> link ->
    // Connection cycle (the broker may keep the link longer, e.g. in a session's delivery list).
    std::unique_ptr<broker::Connection> detach_connection() noexcept
    {
        hooks_ = nullptr;
        aborted_ = true;
        pending_.reset();
        queued_bytes_ = 0;
        return std::move(connection_);
    }

private:
    std::shared_ptr<WorkerGate> gate_;
    SessionHooks* hooks_ = nullptr;
    std::uint64_t id_;
    const std::string* listener_;      // the listener's name (the Server's)
    std::string remote_address_;       // "203.0.113.5:51234" or "[::1]:51234"
    Boxed<std::string> tls_identity_;  // TLS: until the Connection is created
    std::unique_ptr<broker::Connection> connection_;
    std::unique_ptr<std::vector<broker::SharedBytes>> pending_;  // null when nothing is queued
    std::size_t queued_bytes_ = 0;
    bool close_requested_ = false;
    bool aborted_ = false;
    bool listener_is_loopback_;
    bool tls_;
    bool tls_psk_;
    Boxed<std::string> end_reason_;  // set when the connection ends
};

}  // namespace moatmq::transport::detail
