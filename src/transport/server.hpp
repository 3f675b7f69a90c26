#pragma once
// Server: the transport's worker threads, listeners and connections. Asio stays behind this header:
// the app and the tests include it without paying for Asio.
//
// Life cycle (one thread, usually main): listen() binds every listener, start() runs the workers and
// begins accepting, stop_accepting() closes the listeners, wait_for_connections() lets the broker's
// shutdown play out, stop() closes what is left and joins the workers. The destructor calls stop().
//
// Each accepted socket is pinned round-robin to one worker (one io_context, one thread); the
// ConnectionFactory runs on that worker and the Connection it returns is only ever used there.
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "broker/client_link.hpp"
#include "broker/connection.hpp"
#include "common/clock.hpp"
#include "transport/transport_options.hpp"

namespace moatmq::transport {

// Creates the broker's side of a new connection (Broker::accept). Called on the connection's worker
// thread; returning nullptr refuses the connection (it is closed at once).
using ConnectionFactory = std::function<std::unique_ptr<broker::Connection>(
    broker::ConnectionInfo, std::shared_ptr<broker::ClientLink>)>;

// A broker-wide timer: called with the current time on worker 0, returns when it wants to run next.
// It is also called at least once a second, whatever it returned.
using PeriodicTask = std::function<std::optional<TimePoint>(TimePoint now)>;

class Server {
public:
    // `clock` must outlive the Server; it is the clock the broker uses (deadlines are compared to it).
    Server(TransportOptions options, ConnectionFactory factory, const Clock& clock);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds and listens on every listener, in order. Throws std::runtime_error naming the listener and
    // the address when one cannot be bound (a startup failure). Nothing is accepted before start().
    std::vector<BoundListener> listen();

    // Runs `task` on worker 0 from start() until stop(). At most one; call before start().
    void set_periodic_task(PeriodicTask task);

    // Starts the worker threads and accepting.
    void start();

    // Closes every listener; established connections carry on. Returns once the listeners are closed.
    void stop_accepting();

    // Waits until no connection is left, or until `timeout`; true when none is left.
    bool wait_for_connections(std::chrono::milliseconds timeout);

    // Closes every remaining connection at once (Connection::on_closed is called for each), stops the
    // workers and joins them. Idempotent.
    void stop();

    std::size_t connection_count() const noexcept;

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace moatmq::transport
