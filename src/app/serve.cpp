// moatmq serve [-c FILE]: loads the configuration, starts the listeners and runs until SIGINT/SIGTERM.
//
// Signals are blocked in every thread and taken synchronously by the main thread (sigwait), so no
// handler runs in the middle of the workers' code: SIGINT/SIGTERM start a graceful shutdown (stop
// accepting, let the broker close every connection, exit 0), SIGHUP is the reload hook. While waiting,
// the main thread also looks every 2 s for TLS files changed on disk, and reloads those listeners.
//
// Once every listener is bound, one line says so, naming each listener and the address it really got
// (a port 0 in the configuration becomes the port the OS chose). Tests and scripts wait for it:
//   moatmq ready listener=local address=127.0.0.1:41234
#include <pthread.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <ctime>
#include <exception>
#include <iostream>
#include <limits>
#include <optional>
#include <string>

#include "app/allocator.hpp"
#include "app/commands.hpp"
#include "app/exit_codes.hpp"
#include "app/serve_acl.hpp"
#include "app/serve_auth.hpp"
#include "app/serve_store.hpp"
#include "app/tls_listeners.hpp"
#include "broker/broker.hpp"
#include "common/clock.hpp"
#include "config/default_config.hpp"
#include "config/loader.hpp"
#include "observe/log.hpp"
#include "security/payload/envelope.hpp"
#include "transport/server.hpp"

namespace moatmq::app {

namespace {

// How long the broker's shutdown may take to close every connection before the rest are cut.
constexpr std::chrono::seconds kShutdownGrace{5};
// How often TLS certificate, key, CA, CRL and PSK files are checked for changes.
constexpr std::chrono::seconds kTlsFilePoll{2};

sigset_t serve_signals()
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    return set;
}

template <class To, class From>
To clamp_to(From value)
{
    return static_cast<To>(
        std::min<std::uint64_t>(static_cast<std::uint64_t>(value), std::numeric_limits<To>::max()));
}

broker::BrokerOptions broker_options_from(const config::Config& cfg)
{
    const auto& limits = cfg.limits;
    broker::BrokerOptions options;
    options.max_packet_size = limits.max_packet_size;
    options.max_queued_messages = limits.max_queued_messages;
    options.max_queued_bytes = clamp_to<std::size_t>(limits.max_queued_bytes);
    options.receive_maximum = limits.receive_maximum;
    options.max_inflight_messages = limits.max_inflight_messages;
    options.topic_alias_maximum = limits.topic_alias_maximum;
    options.max_keep_alive = clamp_to<std::uint16_t>(limits.max_keep_alive.count());
    options.max_session_expiry_interval = clamp_to<std::uint32_t>(limits.max_session_expiry.count());
    options.max_client_id_length = limits.max_client_id_length;
    options.maximum_qos = static_cast<codec::QoS>(std::min<std::uint8_t>(limits.max_qos, 2));
    options.retain_available = limits.retain_available;
    options.wildcard_subscription_available = limits.wildcard_subscription_available;
    options.subscription_identifier_available = limits.subscription_identifier_available;
    options.shared_subscription_available = limits.shared_subscription_available;
    options.response_information_prefix = cfg.broker.response_information_prefix;
    options.connect_timeout = limits.connect_timeout;
    options.sys_interval = cfg.broker.sys_interval;
    // [policy]: the broker checks only the envelope's shape; it never holds keys.
    options.encrypted_topics = cfg.policy.encrypted_topics;
    options.encrypted_payload_acceptable = [](ByteView payload) {
        return security::payload::is_well_formed_envelope(payload);
    };
    options.version = "moatmq 0.1.0";
    options.log = [](broker::LogLevel level, std::string_view text) {
        switch (level) {
            case broker::LogLevel::debug:
                log::debug("{}", text);
                break;
            case broker::LogLevel::info:
                log::info("{}", text);
                break;
            case broker::LogLevel::warning:
                log::warn("{}", text);
                break;
        }
    };
    return options;
}

transport::TransportOptions transport_options_from(const config::Config& cfg, const TlsListeners& tls)
{
    transport::TransportOptions options;
    options.threads = cfg.broker.threads;
    options.max_connections = cfg.limits.max_connections;
    // The broker drops QoS 0 for a slow subscriber at max_queued_bytes; the transport's hard cap (the
    // peer stopped reading altogether) sits well above it.
    options.max_queued_bytes =
        std::max<std::size_t>(64 * 1024 * 1024, 8 * clamp_to<std::size_t>(cfg.limits.max_queued_bytes));
    options.handshake_timeout = cfg.limits.connect_timeout;
    for (const auto& listener : cfg.listeners) {
        const bool websocket = listener.protocol == config::ListenerProtocol::ws;
        options.listeners.push_back(
            {listener.name, listener.bind.to_string(), tls.find(listener.name), websocket});
    }
    return options;
}

// SIGHUP: re-reads the configuration file and applies what can change while running (for now the log
// level; later issues add credentials, ACLs and certificates). A broken file is reported and the
// running settings stay.
void reload(const ServeOptions& options, TlsListeners& tls, ServeAuth& auth, ServeAcl& acl)
{
    static unsigned reloads = 0;  // numbers the reload's log lines: "(reload #N)"
    const unsigned reload_number = ++reloads;
    log::info("reload requested (SIGHUP, reload #{})", reload_number);
    tls.reload_all();
    if (!options.config_file) {
        log::info("reload: running on the embedded default; nothing to reload");
        return;
    }
    auto loaded = config::load_config_file(*options.config_file);
    if (!loaded) {
        log::error("reload failed, keeping the running settings: {} (reload #{})", loaded.error().to_string(),
                   reload_number);
        return;
    }
    auth.reload(*loaded);
    acl.reload(*loaded, reload_number);
    const auto level = loaded->log.level;
    observe::set_log_level(level);
    // Logged at a level the new setting still shows, so that the confirmation is never lost.
    observe::write(std::max(level, observe::LogLevel::info), "reload done: log level {}",
                   observe::to_string(level));
}

// Waits for SIGINT or SIGTERM; handles SIGHUP and TLS file changes meanwhile.
int wait_for_stop_signal(const sigset_t& signals, const ServeOptions& options, TlsListeners& tls,
                         ServeAuth& auth, ServeAcl& acl)
{
    const timespec poll{kTlsFilePoll.count(), 0};
    for (;;) {
        const int signal = sigtimedwait(&signals, nullptr, &poll);
        if (signal < 0) {
            if (errno == EAGAIN) tls.reload_changed();
            continue;
        }
        if (signal == SIGHUP) {
            reload(options, tls, auth, acl);
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

    std::optional<TlsListeners> tls;
    try {
        tls.emplace(cfg, !options.config_file.has_value());
    } catch (const std::exception& e) {
        log::error("{}", e.what());
        return kExitFailure;
    }
    auto transport_options = transport_options_from(cfg, *tls);
    if (transport_options.listeners.empty()) {
        log::error("no listener can be served; nothing to do");
        return kExitFailure;
    }

    // Declared in this order so that the server (its threads and connections) goes before the broker.
    SteadyClock clock;
    std::optional<ServeAuth> auth;  // outlives the broker: its workers post decisions to connections
    try {
        auth.emplace(cfg, clock);  // a bad password file stops us here, naming FILE:LINE
    } catch (const std::exception& e) {
        log::error("{}", e.what());
        return kExitFailure;
    }
    std::optional<ServeAcl> acl;  // outlives the broker, like auth
    try {
        acl.emplace(cfg, auth->audit_log(), clock);  // a bad ACL file stops us here, naming FILE:LINE
    } catch (const std::exception& e) {
        log::error("{}", e.what());
        return kExitFailure;
    }
    auto store = open_store(cfg);  // outlives the broker; a store that cannot be read stops us here
    if (!store) return kExitFailure;
    auto broker_options = broker_options_from(cfg);
    auth->configure(broker_options);
    acl->configure(broker_options);
    broker_options.persistence = store->store.get();
    broker::Broker broker(std::move(broker_options), clock);
    broker.restore(std::move(store->state));
    transport::Server server(
        std::move(transport_options),
        [&broker](broker::ConnectionInfo info, std::shared_ptr<broker::ClientLink> link) {
            return broker.accept(std::move(info), std::move(link));
        },
        clock);
    server.set_periodic_task([&broker](TimePoint now) {
        broker.on_timer(now);
        return broker.next_deadline();
    });

    std::vector<transport::BoundListener> bound;
    try {
        bound = server.listen();
    } catch (const std::exception& e) {
        log::error("{}", e.what());
        return kExitFailure;
    }
    server.start();

    log::info("memory allocator: {}", allocator_name());
    std::string ready = "moatmq ready";
    for (const auto& listener : bound)
        ready += " listener=" + listener.name + " address=" + listener.address;
    log::info("{}", ready);
    observe::flush_logs();

    const int signal = wait_for_stop_signal(signals, options, *tls, *auth, *acl);
    log::info("shutting down ({})", signal == SIGINT ? "SIGINT" : "SIGTERM");
    server.stop_accepting();
    broker.shutdown();  // DISCONNECT (5.0: server shutting down) to every client, through its own thread
    if (!server.wait_for_connections(kShutdownGrace)) {
        log::warn("{} connections still open after {} s; closing them", server.connection_count(),
                  kShutdownGrace.count());
    }
    server.stop();
    log_store_counters(*store->store);
    log::info("stopped");
    observe::flush_logs();
    return kExitOk;
}

}  // namespace moatmq::app
