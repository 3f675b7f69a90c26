// moatmq serve [-c FILE]: loads the configuration, starts the listeners and runs until SIGINT/SIGTERM.
//
// Signals are blocked in every thread and taken synchronously by the main thread (sigwait), so no
// handler runs in the middle of the workers' code: SIGINT/SIGTERM start a graceful shutdown (stop
// accepting, let the broker close every connection, exit 0), SIGHUP is the reload hook.
//
// Once every listener is bound, one line says so, naming each listener and the address it really got
// (a port 0 in the configuration becomes the port the OS chose). Tests and scripts wait for it:
//   moatmq ready listener=local address=127.0.0.1:41234
#include <pthread.h>

#include <csignal>
#include <exception>
#include <iostream>
#include <string>

#include "app/commands.hpp"
#include "common/clock.hpp"
#include "config/default_config.hpp"
#include "config/loader.hpp"
#include "observe/log.hpp"
#include "transport/server.hpp"
#include "transport/standin_connection.hpp"

namespace moatmq::app {

namespace {

// How long the broker's shutdown may take to close every connection before the rest are cut.
constexpr std::chrono::seconds kShutdownGrace{5};

sigset_t serve_signals()
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    return set;
}

transport::TransportOptions transport_options_from(const config::Config& cfg)
{
    transport::TransportOptions options;
    options.threads = cfg.broker.threads;
    options.max_connections = cfg.limits.max_connections;
    for (const auto& listener : cfg.listeners) {
        if (listener.tls) {
            // TODO(transport): TLS listeners (mqtts, wss) arrive with the TLS issue.
            log::warn("listener {}: TLS is not available yet; listener skipped", listener.name);
            continue;
        }
        if (listener.protocol != config::ListenerProtocol::mqtt) {
            // TODO(transport): WebSocket listeners arrive with the WebSocket issue.
            log::warn("listener {}: WebSocket is not available yet; listener skipped", listener.name);
            continue;
        }
        options.listeners.push_back({listener.name, listener.bind.to_string()});
    }
    return options;
}

// Waits for SIGINT or SIGTERM; handles SIGHUP meanwhile.
int wait_for_stop_signal(const sigset_t& signals)
{
    for (;;) {
        int signal = 0;
        if (sigwait(&signals, &signal) != 0) continue;
        if (signal == SIGHUP) {
            log::info("reload requested (SIGHUP)");
            continue;
        }
        return signal;
    }
}

}  // namespace

int run_serve(const ServeOptions& options)
{
    // Before any thread starts, so that every thread inherits the mask.
    const sigset_t signals = serve_signals();
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    auto loaded =
        options.config_file ? config::load_config_file(*options.config_file) : config::load_default_config();
    if (!loaded) {
        std::cerr << loaded.error().to_string() << '\n';
        return kExitFailure;
    }
    const config::Config& cfg = *loaded;
    observe::init_logging(cfg.log);

    auto transport_options = transport_options_from(cfg);
    if (transport_options.listeners.empty()) {
        log::error("no listener can be served; nothing to do");
        return kExitFailure;
    }

    SteadyClock clock;
    transport::Server server(
        std::move(transport_options),
        [&clock](broker::ConnectionInfo info, std::shared_ptr<broker::ClientLink> link) {
            return transport::make_standin_connection(std::move(info), std::move(link), clock);
        },
        clock);

    std::vector<transport::BoundListener> bound;
    try {
        bound = server.listen();
    } catch (const std::exception& e) {
        log::error("{}", e.what());
        return kExitFailure;
    }
    server.start();

    std::string ready = "moatmq ready";
    for (const auto& listener : bound)
        ready += " listener=" + listener.name + " address=" + listener.address;
    log::info("{}", ready);
    observe::flush_logs();

    const int signal = wait_for_stop_signal(signals);
    log::info("shutting down ({})", signal == SIGINT ? "SIGINT" : "SIGTERM");
    server.stop_accepting();
    if (!server.wait_for_connections(kShutdownGrace)) {
        log::warn("{} connections still open after {} s; closing them", server.connection_count(),
                  kShutdownGrace.count());
    }
    server.stop();
    log::info("stopped");
    observe::flush_logs();
    return kExitOk;
}

}  // namespace moatmq::app
