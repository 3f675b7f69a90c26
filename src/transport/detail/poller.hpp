#pragma once
// Poller: the readiness of one worker's plain-TCP sockets, on an epoll instance of the worker's own.
// Private to the transport (it includes Asio).
//
// Why: through Asio, every socket costs a reactor descriptor state (the 192 B mimalloc class) and, while
// it waits, a readiness-wait operation (112 B): about 300 of the 1,500 bytes of an idle connection
// (issue #5). Here a socket costs one epoll registration in the kernel and nothing in the process; the
// event's data is the Client (the session) itself, called directly, with no allocation per wait.
//
// How: each socket is added once, edge-triggered, for reading and writing (EPOLLIN | EPOLLOUT |
// EPOLLRDHUP | EPOLLET), and stays so until it is closed: no epoll_ctl per wait. Edge-triggered means a
// client is told when readiness *arrives*, so it must read until a short read or EAGAIN (or remember that
// it stopped early) and, after a sendmsg() that would block, wait for the next event with EPOLLOUT.
// EPOLLOUT also comes with every other event of a writable socket; clients ignore it unless a write is
// blocked. Closing a socket removes it from the epoll set (accepted sockets are never duplicated).
//
// The epoll descriptor itself is waited on through ONE Asio descriptor on the worker's io_context, so
// the worker thread stays one io_context loop: when it is readable, the poller takes up to kBatch
// events (epoll_wait, no timeout), calls their clients, and then either waits again (fewer than kBatch
// events: none was left) or, after a full batch, posts itself to take the rest after the worker's other
// handlers had their turn. It waits only after a batch that drained the set: the Asio registration is
// edge-triggered too, and a wait started while events are pending would not see them.
//
// The poller waits only while it has clients, so that a worker with no connections has no pending work
// and its io_context can run out when the server stops (as the DeadlineQueue does). A client that goes
// away calls remove(), which also drops any of its events still in the batch being dispatched (a
// client's handler may close another client's socket). Worker thread only.
#include <sys/epoll.h>
#include <unistd.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/basic_stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/system/error_code.hpp>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <system_error>

#include "observe/log.hpp"

namespace moatmq::transport::detail {

class Poller {
public:
    // What a registered socket belongs to. on_ready() gets the epoll event mask (EPOLLIN, EPOLLOUT,
    // EPOLLRDHUP, EPOLLERR, EPOLLHUP); it may remove this or any other client. It must not throw: the
    // poller would stop in the middle of a batch.
    class Client {
    public:
        virtual void on_ready(std::uint32_t events) noexcept = 0;

    protected:
        ~Client() = default;
    };

    // Events taken per epoll_wait call.
    static constexpr int kBatch = 64;

    explicit Poller(boost::asio::io_context& io) : descriptor_(io.get_executor())
    {
        const int fd = ::epoll_create1(EPOLL_CLOEXEC);
        if (fd < 0) throw std::system_error(errno, std::system_category(), "epoll_create1");
        boost::system::error_code ec;
        descriptor_.assign(fd, ec);
        if (ec) {
            ::close(fd);
            throw std::system_error(ec, "poller");
        }
    }
    Poller(const Poller&) = delete;
    Poller& operator=(const Poller&) = delete;

    // Registers a socket for the rest of its life (until it is closed), for `client`.
    boost::system::error_code add(int fd, Client& client) noexcept
    {
        epoll_event event{};
        event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
        event.data.ptr = &client;
        if (::epoll_ctl(descriptor_.native_handle(), EPOLL_CTL_ADD, fd, &event) != 0) {
            return {errno, boost::system::system_category()};
        }
        if (++clients_ == 1 && !waiting_ && !dispatching_ && !posted_) wait();
        return {};
    }

    // `client` is going (its socket closed, or about to be): none of its events is delivered any more.
    void remove(Client& client) noexcept
    {
        for (int i = next_; i < count_; ++i) {
            if (events_[static_cast<std::size_t>(i)].data.ptr == &client)
                events_[static_cast<std::size_t>(i)].data.ptr = nullptr;
        }
        if (--clients_ == 0 && waiting_) {
            boost::system::error_code ignored;
            descriptor_.cancel(ignored);  // the worker may run out of work
        }
    }

    std::size_t clients() const noexcept { return clients_; }

private:
    void wait()
    {
        waiting_ = true;
        descriptor_.async_wait(boost::asio::posix::descriptor_base::wait_read,
                               [this](boost::system::error_code ec) {
                                   waiting_ = false;
                                   if (ec && ec != boost::asio::error::operation_aborted) {
                                       log::error("transport: poller wait failed: {}", ec.message());
                                       return;
                                   }
                                   if (clients_ != 0) dispatch();
                               });
    }

    void dispatch()
    {
        dispatching_ = true;
        int n = 0;
        do {
            n = ::epoll_wait(descriptor_.native_handle(), events_.data(), kBatch, 0);
        } while (n < 0 && errno == EINTR);
        if (n < 0) {
            dispatching_ = false;
            log::error("transport: epoll_wait failed: {}", std::system_category().message(errno));
            return;
        }
        count_ = n;
        for (next_ = 0; next_ < count_;) {
            const auto& event = events_[static_cast<std::size_t>(next_++)];
            if (event.data.ptr != nullptr) static_cast<Client*>(event.data.ptr)->on_ready(event.events);
        }
        count_ = 0;
        next_ = 0;
        dispatching_ = false;
        if (clients_ == 0) return;
        if (n == kBatch) {  // maybe more: take them after the worker's other handlers
            posted_ = true;
            boost::asio::post(descriptor_.get_executor(), [this] {
                posted_ = false;
                if (clients_ != 0) dispatch();
            });
            return;
        }
        wait();
    }

    boost::asio::posix::basic_stream_descriptor<boost::asio::io_context::executor_type> descriptor_;
    std::array<epoll_event, kBatch> events_{};
    int count_ = 0;  // events in the batch being dispatched
    int next_ = 0;   // the next of them to deliver
    std::size_t clients_ = 0;
    bool waiting_ = false;
    bool dispatching_ = false;
    bool posted_ = false;
};

}  // namespace moatmq::transport::detail
