#pragma once
// SocketLink: the ClientLink of one socket, and the state its session coroutine shares with the
// broker's Connection. Private to the transport (it includes Asio); only server.cpp includes it.
//
// Everything here runs on the connection's worker thread except post(), which only hands a task to the
// io_context. The outgoing queue is two vectors of shared packets: send() appends to `pending_`, and
// the writer swaps it with `writing_` and writes all of it with one gather write. send() wakes the
// writer by cancelling its idle timer; the wake-up runs after the current handler returns, so every
// packet queued during one on_bytes() goes out in the same write.
//
// Lifetime: the broker may keep the link (a shared_ptr) after the connection, and even after the
// Server, is gone. So the link owns no Asio object: the socket and the timers live in the session's
// coroutine frame, and the link only points at them while the session runs (attach/detach_io). post()
// goes through the worker's gate, which the Server closes before its io_context is destroyed.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "broker/client_link.hpp"
#include "broker/connection.hpp"
#include "common/clock.hpp"

namespace moatmq::transport::detail {

namespace asio = boost::asio;
using Executor = asio::io_context::executor_type;
using LowestSocket = asio::ip::tcp::socket::lowest_layer_type;
using Timer = asio::steady_timer;

// Whether a worker's io_context still accepts work; shared by the worker and its links.
struct WorkerGate {
    std::mutex mutex;
    bool open = true;
};

class SocketLink final : public broker::ClientLink, public std::enable_shared_from_this<SocketLink> {
public:
    SocketLink(Executor executor, std::shared_ptr<WorkerGate> gate, std::uint64_t id,
               broker::ConnectionInfo info, std::size_t max_queued_bytes)
        : executor_(executor),
          gate_(std::move(gate)),
          id_(id),
          info_(std::move(info)),
          max_queued_bytes_(max_queued_bytes)
    {
    }

    // --- broker::ClientLink ---
    void send(broker::SharedBytes packet) override
    {
        if (close_requested_ || aborted_ || !packet) return;
        queued_bytes_ += packet->size();
        pending_.push_back(std::move(packet));
        if (queued_bytes_ > max_queued_bytes_) {
            abort("outgoing queue over limit (peer not reading)");
            return;
        }
        wake_writer();
    }

    std::size_t queued_bytes() const noexcept override { return queued_bytes_; }

    void close() override
    {
        if (close_requested_ || aborted_) return;
        close_requested_ = true;
        if (end_reason_.empty()) end_reason_ = "closed by broker";
        wake_writer();
        if (deadline_ != nullptr) deadline_->cancel();  // no more on_timer() once closing
    }

    // A task posted after the Server has stopped is dropped: there is no thread left to run it.
    void post(std::function<void()> task) override
    {
        std::lock_guard lock(gate_->mutex);
        if (!gate_->open) return;
        asio::post(executor_, [weak = weak_from_this(), task = std::move(task)] {
            task();
            if (auto self = weak.lock()) self->after_connection_call();
        });
    }

    // --- the session's side ---
    const broker::ConnectionInfo& info() const noexcept { return info_; }
    std::uint64_t id() const noexcept { return id_; }
    broker::Connection* connection() const noexcept { return connection_.get(); }
    void set_connection(std::unique_ptr<broker::Connection> connection)
    {
        connection_ = std::move(connection);
    }

    // The session's socket (the one under the stream, so that abort() can close it whatever the stream
    // type) and timers, owned by the session's frame. detach_io() must run before they are destroyed.
    void attach(LowestSocket* socket, Timer* wake, Timer* deadline) noexcept
    {
        socket_ = socket;
        wake_ = wake;
        deadline_ = deadline;
    }
    void detach_io() noexcept
    {
        socket_ = nullptr;
        wake_ = nullptr;
        deadline_ = nullptr;
        aborted_ = true;
        writer_idle_ = false;
    }

    bool close_requested() const noexcept { return close_requested_; }
    bool aborted() const noexcept { return aborted_; }
    bool writer_has_work() const noexcept { return !pending_.empty(); }

    // Why the connection ended, for the log line; the first reason recorded wins.
    const std::string& end_reason() const noexcept { return end_reason_; }
    void set_end_reason(std::string reason)
    {
        if (end_reason_.empty()) end_reason_ = std::move(reason);
    }

    // Closes the socket now, without flushing: cancels every pending operation of the session.
    void abort(std::string reason)
    {
        set_end_reason(std::move(reason));
        if (aborted_) return;
        aborted_ = true;
        if (socket_ != nullptr) {
            boost::system::error_code ignored;
            socket_->close(ignored);
        }
        if (wake_ != nullptr) wake_->cancel();
        if (deadline_ != nullptr) deadline_->cancel();
    }

    // Moves the queued packets into `out` (emptied first) for one gather write.
    void take_pending(std::vector<broker::SharedBytes>& out)
    {
        out.clear();
        out.swap(pending_);
    }
    void written(std::size_t bytes) noexcept
    {
        queued_bytes_ -= bytes < queued_bytes_ ? bytes : queued_bytes_;
    }

    Timer& wake_timer() noexcept { return *wake_; }
    void set_writer_idle(bool idle) noexcept { writer_idle_ = idle; }

    // The connection's next deadline, as the timer is armed for it (none once closing).
    Timer& deadline_timer() noexcept { return *deadline_; }
    void arm_deadline()
    {
        armed_ = current_deadline();
        deadline_->expires_at(armed_.value_or(TimePoint::max()));
    }

    // After every call into the Connection: re-arm the deadline timer if the deadline moved.
    void after_connection_call()
    {
        if (connection_ && deadline_ != nullptr && current_deadline() != armed_) deadline_->cancel();
    }

    // The session is over: no call into the Connection may follow. Breaks the Connection -> link ->
    // Connection cycle (the broker may keep the link longer, e.g. in a session's delivery list).
    std::unique_ptr<broker::Connection> detach_connection() noexcept
    {
        detach_io();
        pending_.clear();
        queued_bytes_ = 0;
        return std::move(connection_);
    }

private:
    void wake_writer()
    {
        if (writer_idle_ && wake_ != nullptr) {
            writer_idle_ = false;
            wake_->cancel();
        }
    }

    std::optional<TimePoint> current_deadline() const
    {
        if (!connection_ || close_requested_ || aborted_) return std::nullopt;
        return connection_->next_deadline();
    }

    Executor executor_;
    std::shared_ptr<WorkerGate> gate_;
    Timer* wake_ = nullptr;
    Timer* deadline_ = nullptr;
    std::optional<TimePoint> armed_;
    std::uint64_t id_;
    broker::ConnectionInfo info_;
    std::size_t max_queued_bytes_;
    std::unique_ptr<broker::Connection> connection_;
    LowestSocket* socket_ = nullptr;
    std::vector<broker::SharedBytes> pending_;
    std::size_t queued_bytes_ = 0;
    bool writer_idle_ = false;
    bool close_requested_ = false;
    bool aborted_ = false;
    std::string end_reason_;
};

}  // namespace moatmq::transport::detail
