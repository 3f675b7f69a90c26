// The transport's threads and listeners: N workers, one io_context and one thread each; acceptors on
// worker 0; accepted sockets handed out round-robin, each pinned to its worker for life.
#include "transport/server.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <charconv>
#include <condition_variable>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_set>

#include "observe/log.hpp"
#include "security/tls/server_tls.hpp"
#include "transport/detail/accepted_socket.hpp"
#include "transport/detail/plain_socket.hpp"
#include "transport/detail/poller.hpp"
#include "transport/detail/session.hpp"
#include "transport/detail/socket_link.hpp"
#include "transport/detail/tls_session.hpp"
#include "transport/detail/ws_session.hpp"

namespace moatmq::transport {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

namespace {

// Connections one listener accepts before the worker's other work gets a turn.
constexpr int kMaxAcceptsPerTurn = 64;

struct Worker {
    explicit Worker(std::size_t max_queued_bytes)
        : gate(std::make_shared<detail::WorkerGate>(io.get_executor(), max_queued_bytes))
    {
        deadlines.start_timer(io);
    }
    ~Worker() { deadlines.stop_timer(); }  // before `io`; sessions destroyed with `io` still leave the queue
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    // Declared before `io`: sessions destroyed with `io` still reach them.
    detail::DeadlineQueue deadlines;  // its sessions' deadlines, on one timer
    detail::SessionContext context;   // what its sessions share (set up by Server::Impl)
    asio::io_context io{1};           // run by exactly one thread
    detail::Poller poller{io};        // its plain-TCP sockets' readiness (after `io`: destroyed before it)
    std::shared_ptr<detail::WorkerGate> gate;
    asio::executor_work_guard<asio::io_context::executor_type> guard{io.get_executor()};
    std::vector<std::byte> read_buffer = std::vector<std::byte>(detail::kReadChunk);
    std::vector<std::byte> tls_staging = std::vector<std::byte>(detail::TlsStream::kRecordSize);
    std::unordered_set<detail::SocketLink*> live;  // this worker's connections; its thread only
    std::thread thread;
};

struct Listener {
    ListenerSpec spec;
    tcp::acceptor acceptor;
    BoundListener bound;
};

std::string format_endpoint(const tcp::endpoint& endpoint)
{
    const auto address = endpoint.address();
    const auto port = std::to_string(endpoint.port());
    return address.is_v6() ? "[" + address.to_string() + "]:" + port : address.to_string() + ":" + port;
}

// "127.0.0.1:1883", "[::1]:1883", "localhost:1883".
tcp::endpoint parse_bind(const ListenerSpec& spec)
{
    auto fail = [&](const std::string& why) {
        return std::runtime_error("listener " + spec.name + ": bind \"" + spec.bind + "\": " + why);
    };
    const auto colon = spec.bind.rfind(':');
    if (colon == std::string::npos) throw fail("expected host:port");
    std::string host = spec.bind.substr(0, colon);
    const std::string port_text = spec.bind.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (host == "localhost") host = "127.0.0.1";

    unsigned port = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port > 65535) {
        throw fail("invalid port \"" + port_text + "\"");
    }
    boost::system::error_code address_error;
    const auto address = asio::ip::make_address(host, address_error);
    if (address_error) throw fail("\"" + host + "\" is not an IP address");
    return {address, static_cast<unsigned short>(port)};
}

}  // namespace

class Server::Impl {
public:
    Impl(TransportOptions options, ConnectionFactory factory, const Clock& clock)
        : options_(std::move(options)), factory_(std::move(factory)), clock_(clock)
    {
        const unsigned threads =
            options_.threads != 0 ? options_.threads : std::max(1U, std::thread::hardware_concurrency());
        for (unsigned i = 0; i < threads; ++i) {
            auto worker = std::make_unique<Worker>(options_.max_queued_bytes);
            worker->context = detail::SessionContext{
                &factory_,
                &clock_,
                worker->read_buffer,
                worker->tls_staging,
                options_.close_linger,
                options_.handshake_timeout,
                [this, w = worker.get()](const std::shared_ptr<detail::SocketLink>& link,
                                         std::exception_ptr e) { end_session(*w, link, std::move(e)); },
                &worker->deadlines,
                &worker->poller,
                &worker->io};
            workers_.push_back(std::move(worker));
        }
    }

    ~Impl()
    {
        stop();
        // Links may outlive the Server (the broker holds them): from now on their post() is a no-op.
        for (auto& worker : workers_) {
            std::lock_guard lock(worker->gate->mutex);
            worker->gate->open = false;
        }
    }

    std::vector<BoundListener> listen()
    {
        std::vector<BoundListener> result;
        for (const auto& spec : options_.listeners) {
            const auto endpoint = parse_bind(spec);
            tcp::acceptor acceptor(workers_.front()->io);
            boost::system::error_code ec;
            acceptor.open(endpoint.protocol(), ec);
            if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
            if (!ec && endpoint.address().is_v6()) acceptor.set_option(asio::ip::v6_only(true), ec);
            if (!ec) acceptor.bind(endpoint, ec);
            // Accepted sockets inherit TCP_NODELAY (Linux), and the accept loop never blocks.
            if (!ec) acceptor.set_option(tcp::no_delay(true), ec);
            if (!ec) acceptor.non_blocking(true, ec);
            if (!ec) acceptor.listen(tcp::socket::max_listen_connections, ec);
            if (ec) {
                throw std::runtime_error("listener " + spec.name + ": cannot listen on " + spec.bind + ": " +
                                         ec.message());
            }
            const auto local = acceptor.local_endpoint();
            BoundListener bound{spec.name, format_endpoint(local), local.address().is_loopback()};
            result.push_back(bound);
            listeners_.push_back(std::make_unique<Listener>(Listener{spec, std::move(acceptor), bound}));
        }
        return result;
    }

    void set_periodic_task(PeriodicTask task) { periodic_ = std::move(task); }

    void start()
    {
        if (started_) return;
        started_ = true;
        auto& io = workers_.front()->io;
        for (auto& listener : listeners_) {
            asio::co_spawn(io, accept_loop(this, listener.get()),
                           [name = listener->spec.name](std::exception_ptr e) {
                               if (e) log_exception("listener " + name + " stopped", e);
                           });
        }
        if (periodic_) {
            periodic_timer_.emplace(io);
            asio::co_spawn(io, periodic_loop(this), [](std::exception_ptr e) {
                if (e) log_exception("periodic task stopped", e);
            });
        }
        for (auto& worker : workers_) {
            worker->thread = std::thread([this, w = worker.get()] { run_worker(*w); });
        }
    }

    void stop_accepting()
    {
        auto close_all = [this] {
            for (auto& listener : listeners_) {
                boost::system::error_code ignored;
                listener->acceptor.close(ignored);
            }
        };
        if (!started_ || stopped_) {
            close_all();
            return;
        }
        std::promise<void> done;
        asio::post(workers_.front()->io, [&] {
            close_all();
            done.set_value();
        });
        done.get_future().wait();
    }

    bool wait_for_connections(std::chrono::milliseconds timeout)
    {
        std::unique_lock lock(mutex_);
        return idle_.wait_for(lock, timeout, [this] { return connections_.load() == 0; });
    }

    void stop()
    {
        if (stopped_) return;
        if (!started_) {
            stopped_ = true;
            return;
        }
        stop_accepting();
        stopped_ = true;
        for (auto& worker : workers_) {
            asio::post(worker->io, [this, w = worker.get()] {
                // Copy: abort() ends sessions, whose completions erase from `live`.
                const std::vector<detail::SocketLink*> links(w->live.begin(), w->live.end());
                for (auto* link : links)
                    link->abort("server stopping");
                if (w == workers_.front().get() && periodic_timer_) periodic_timer_->cancel();
            });
            worker->guard.reset();
        }
        // Every session ends once its socket is closed; a worker still busy after this long is stopped.
        {
            std::unique_lock lock(mutex_);
            const bool finished = threads_done_cv_.wait_for(
                lock, std::chrono::seconds(5), [this] { return threads_done_ == workers_.size(); });
            if (!finished) {
                log::warn("transport: workers still busy after 5 s; stopping them");
                for (auto& worker : workers_)
                    worker->io.stop();
            }
        }
        for (auto& worker : workers_) {
            if (worker->thread.joinable()) worker->thread.join();
        }
    }

    std::size_t connection_count() const noexcept { return connections_.load(); }

private:
    static void log_exception(const std::string& what, const std::exception_ptr& e)
    {
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& x) {
            log::error("{}: {}", what, x.what());
        } catch (...) {
            log::error("{}: unknown exception", what);
        }
    }

    void run_worker(Worker& worker)
    {
        for (;;) {
            try {
                worker.io.run();
                break;
            } catch (...) {
                // A posted task threw: a broken invariant in that task, not in the worker.
                log_exception("worker task failed", std::current_exception());
            }
        }
        std::lock_guard lock(mutex_);
        ++threads_done_;
        threads_done_cv_.notify_all();
    }

    Worker& next_worker() noexcept { return *workers_[next_worker_++ % workers_.size()]; }

    // Accepts every waiting connection (accept4: one call each, accepted_socket.hpp), at most
    // kMaxAcceptsPerTurn, then waits for the listener to be readable again. The wait re-arms the
    // listener in epoll, which reports at once any connection still waiting after a full batch.
    static awaitable<void> accept_loop(Impl* self, Listener* listener)
    {
        auto& acceptor = listener->acceptor;
        for (;;) {
            for (int accepted = 0; accepted < kMaxAcceptsPerTurn; ++accepted) {
                if (!acceptor.is_open()) co_return;
                int error = 0;
                const auto connection = detail::accept_connection(acceptor.native_handle(), error);
                if (connection) {
                    self->start_session(self->next_worker(), *connection, *listener);
                    continue;
                }
                if (error == 0) break;  // none left
                // Out of descriptors or memory: pause instead of spinning.
                log::warn("listener {}: accept failed: {}", listener->spec.name,
                          boost::system::error_code(error, boost::system::system_category()).message());
                asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(100));
                co_await pause.async_wait(asio::as_tuple(use_awaitable));
                break;
            }
            if (!acceptor.is_open()) co_return;
            auto [ec] = co_await acceptor.async_wait(tcp::acceptor::wait_read, asio::as_tuple(use_awaitable));
            if (!acceptor.is_open() || ec == asio::error::operation_aborted) co_return;
        }
    }

    static awaitable<void> periodic_loop(Impl* self)
    {
        for (;;) {
            const auto now = self->clock_.now();
            const auto next = self->periodic_(now);
            const auto at_latest = now + std::chrono::seconds(1);
            self->periodic_timer_->expires_at(next ? std::min(*next, at_latest) : at_latest);
            auto [ec] = co_await self->periodic_timer_->async_wait(asio::as_tuple(use_awaitable));
            if (ec || self->stopped_) co_return;
        }
    }

    // Runs on worker 0 (the acceptors' thread); the session itself is created on `worker`. Plain TCP
    // keeps the accepted descriptor as it is (a PlainSocket, polled by the worker's Poller); TLS and
    // WebSocket hand it to an Asio socket.
    void start_session(Worker& worker, const detail::Accepted& accepted, const Listener& listener)
    {
        const bool plain = listener.spec.tls == nullptr && !listener.spec.websocket;
        detail::PlainSocket plain_peer;
        tcp::socket peer(worker.io);
        if (plain) {
            plain_peer = detail::PlainSocket(accepted.fd);
        } else if (const auto ec = detail::adopt_accepted(peer, accepted)) {
            log::warn("listener {}: connection from {} dropped: {}", listener.spec.name,
                      format_endpoint(accepted.remote), ec.message());
            return;
        }
        const auto& remote = accepted.remote;
        if (connections_.load() >= options_.max_connections) {
            log::warn("listener {}: connection from {} refused: max_connections ({}) reached",
                      listener.spec.name, format_endpoint(remote), options_.max_connections);
            return;  // the socket closes here
        }

        const auto id = ++next_id_;
        broker::ConnectionInfo info;
        info.listener = listener.spec.name;
        info.remote_address = format_endpoint(remote);
        info.listener_is_loopback = listener.bound.loopback;
        info.tls = listener.spec.tls != nullptr;
        log::info("connection accepted",
                  {{"id", id}, {"listener", info.listener}, {"remote", info.remote_address}});

        ++connections_;
        auto link =
            std::make_shared<detail::SocketLink>(worker.gate, id, listener.spec.name, std::move(info));
        if (listener.spec.websocket && listener.spec.tls) {
            start_wss_session(worker, std::move(peer), std::move(link), listener.spec.tls->current());
            return;
        }
        if (listener.spec.websocket) {
            start_ws_session(worker, std::move(peer), std::move(link));
            return;
        }
        if (listener.spec.tls) {
            start_tls_session(worker, std::move(peer), std::move(link), listener.spec.tls->current());
            return;
        }
        // The broker's Connection is created on the worker the socket is pinned to; the session then
        // registers with the worker's poller and ends through end_session() (the context's on_end).
        asio::post(worker.io, [this, w = &worker, peer = std::move(plain_peer), link]() mutable {
            w->live.insert(link.get());
            try {
                if (!detail::open_session(std::move(peer), link, w->context)) end_session(*w, link, nullptr);
            } catch (...) {
                end_session(*w, link, std::current_exception());
            }
        });
    }

    // TLS: the session starts with the handshake; the broker's Connection comes after it (read_tls).
    void start_tls_session(Worker& worker, tcp::socket peer, std::shared_ptr<detail::SocketLink> link,
                           std::shared_ptr<const security::tls::TlsContext> tls)
    {
        asio::post(worker.io, [this, w = &worker, peer = std::move(peer), link = std::move(link),
                               tls = std::move(tls)]() mutable {
            w->live.insert(link.get());
            SSL* ssl = tls->new_ssl();
            if (ssl == nullptr) {
                link->set_end_reason("out of memory for TLS");
                end_session(*w, link, nullptr);
                return;
            }
            auto session = std::make_shared<detail::Session<detail::TlsStream>>(
                detail::TlsStream(std::move(peer), std::move(tls), ssl, w->context.write_staging), link,
                w->context);
            asio::co_spawn(w->io, detail::read_tls(session), [this, link, w, session](std::exception_ptr e) {
                session->end();
                end_session(*w, link, e);
            });
        });
    }

    // WebSocket: the session starts with the HTTP upgrade; the broker's Connection comes after it.
    void start_ws_session(Worker& worker, tcp::socket peer, std::shared_ptr<detail::SocketLink> link)
    {
        asio::post(worker.io, [this, w = &worker, peer = std::move(peer), link = std::move(link)]() mutable {
            w->live.insert(link.get());
            using Plain = detail::WsStream<tcp::socket>;
            auto session = std::make_shared<detail::Session<Plain>>(Plain(std::move(peer)), link, w->context);
            asio::co_spawn(w->io, detail::read_ws(session), [this, link, w, session](std::exception_ptr e) {
                session->end();
                end_session(*w, link, e);
            });
        });
    }

    // Secure WebSocket: the TLS handshake, then the HTTP upgrade, then the broker's Connection.
    void start_wss_session(Worker& worker, tcp::socket peer, std::shared_ptr<detail::SocketLink> link,
                           std::shared_ptr<const security::tls::TlsContext> tls)
    {
        asio::post(worker.io, [this, w = &worker, peer = std::move(peer), link = std::move(link),
                               tls = std::move(tls)]() mutable {
            w->live.insert(link.get());
            SSL* ssl = tls->new_ssl();
            if (ssl == nullptr) {
                link->set_end_reason("out of memory for TLS");
                end_session(*w, link, nullptr);
                return;
            }
            using Secure = detail::WsStream<detail::TlsStream>;
            auto session = std::make_shared<detail::Session<Secure>>(
                Secure(detail::TlsStream(std::move(peer), std::move(tls), ssl, w->context.write_staging)),
                link, w->context);
            asio::co_spawn(w->io, detail::read_ws(session), [this, link, w, session](std::exception_ptr e) {
                session->end();
                end_session(*w, link, e);
            });
        });
    }

    // The end of a session (the co_spawn completion, or a refusal): the socket is closed.
    void end_session(Worker& worker, const std::shared_ptr<detail::SocketLink>& link,
                     std::exception_ptr e) noexcept
    {
        try {
            if (e) {
                log_exception("connection " + std::to_string(link->id()) + " failed", e);
                link->set_end_reason("internal error");
            }
            auto connection = link->detach_connection();
            if (connection) connection->on_closed();
        } catch (...) {
            log_exception("connection " + std::to_string(link->id()) + ": on_closed failed",
                          std::current_exception());
        }
        worker.live.erase(link.get());
        const auto& reason = link->end_reason().empty() ? std::string("closed") : link->end_reason();
        log::info("connection closed", {{"id", link->id()},
                                        {"listener", link->listener()},
                                        {"remote", link->remote_address()},
                                        {"reason", reason}});
        if (--connections_ == 0) {
            std::lock_guard lock(mutex_);
            idle_.notify_all();
        }
    }

    TransportOptions options_;
    ConnectionFactory factory_;
    const Clock& clock_;
    std::vector<std::unique_ptr<Worker>> workers_;
    std::vector<std::unique_ptr<Listener>> listeners_;
    PeriodicTask periodic_;
    std::optional<asio::steady_timer> periodic_timer_;
    std::atomic<std::size_t> next_worker_{0};
    std::atomic<std::uint64_t> next_id_{0};
    std::atomic<std::size_t> connections_{0};
    std::atomic<bool> started_{false};
    std::atomic<bool> stopped_{false};
    std::mutex mutex_;
    std::condition_variable idle_;
    std::condition_variable threads_done_cv_;
    std::size_t threads_done_ = 0;
};

Server::Server(TransportOptions options, ConnectionFactory factory, const Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(factory), clock))
{
}

Server::~Server() = default;

std::vector<BoundListener> Server::listen()
{
    return impl_->listen();
}
void Server::set_periodic_task(PeriodicTask task)
{
    impl_->set_periodic_task(std::move(task));
}
void Server::start()
{
    impl_->start();
}
void Server::stop_accepting()
{
    impl_->stop_accepting();
}
bool Server::wait_for_connections(std::chrono::milliseconds timeout)
{
    return impl_->wait_for_connections(timeout);
}
void Server::stop()
{
    impl_->stop();
}
std::size_t Server::connection_count() const noexcept
{
    return impl_->connection_count();
}

}  // namespace moatmq::transport
