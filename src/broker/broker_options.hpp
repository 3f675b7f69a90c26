#pragma once
// BrokerOptions: every limit and switch of the broker core, as a plain value. The app maps the TOML
// configuration ([limits], [broker]) onto it; the broker never reads configuration files itself.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "broker/authenticator.hpp"
#include "broker/authorizer.hpp"
#include "codec/protocol.hpp"
#include "common/bytes.hpp"

namespace moatmq::broker {

class Persistence;

enum class LogLevel : std::uint8_t { debug, info, warning };

struct BrokerOptions {
    // --- limits ([limits]) ---
    // Largest packet accepted from a client, fixed header included; announced in the 5.0 CONNACK.
    std::uint32_t max_packet_size = 1024 * 1024;
    // Messages queued per session (offline queue plus messages waiting for the client's Receive
    // Maximum). When full, new messages for that session are dropped, counted and logged.
    std::size_t max_queued_messages = 1000;
    // Bytes (topic + payload) queued per session, as max_queued_messages: when the queue holds this
    // many, new messages for that session are dropped, counted and logged. Also, QoS 0 to a slow
    // subscriber: dropped while the transport holds more than this many unwritten bytes for the
    // connection (ClientLink::queued_bytes()).
    std::size_t max_queued_bytes = 8 * 1024 * 1024;
    // Concurrent unacknowledged QoS 1/2 PUBLISHes we accept from one 5.0 client (our Receive Maximum).
    std::uint16_t receive_maximum = 1024;
    // Concurrent unacknowledged QoS 1/2 PUBLISHes we send to one client: this, or a 5.0 client's
    // Receive Maximum if lower. Further messages wait in the session's queue.
    std::uint16_t max_inflight_messages = 100;
    // Topic aliases the client may use towards us (5.0); 0 disables inbound aliases.
    std::uint16_t topic_alias_maximum = 64;
    // Largest keep alive accepted, in seconds; a 5.0 client asking for more (or for 0) is told Server
    // Keep Alive. 0 = no cap.
    std::uint16_t max_keep_alive = 0;
    // Cap on a 5.0 Session Expiry Interval, and the expiry given to 3.1.1 persistent sessions
    // (clean session = 0), in seconds. 0xFFFFFFFF = never expire.
    std::uint32_t max_session_expiry_interval = 0xFFFF'FFFF;
    // Subscriptions one session may hold; more are refused in SUBACK (5.0: 0x97 Quota exceeded).
    std::size_t max_subscriptions = 1000;
    // Client ids longer than this are refused (5.0: 0x85; 3.1.1: return code 2).
    std::size_t max_client_id_length = 256;

    // --- features, announced in the 5.0 CONNACK ---
    codec::QoS maximum_qos = codec::QoS::exactly_once;
    bool retain_available = true;
    bool wildcard_subscription_available = true;
    bool subscription_identifier_available = true;
    bool shared_subscription_available = true;
    // Response Information returned when a 5.0 client sets Request Response Information; the client id
    // is appended ("<prefix><client id>"). Empty: none is returned.
    std::string response_information_prefix;

    // --- timers ---
    // A connection that has not completed CONNECT by then is closed.
    std::chrono::milliseconds connect_timeout{10'000};
    // How often $SYS topics are published; 0 disables them.
    std::chrono::milliseconds sys_interval{10'000};

    // --- policy ([policy]) ---
    // Topic filters on which only end-to-end encrypted payloads are accepted, and the test a payload
    // on them must pass. The broker holds no keys: the app wires the envelope shape check of
    // security/payload here. What is refused and how: payload_policy.hpp.
    std::vector<std::string> encrypted_topics;
    std::function<bool(ByteView)> encrypted_payload_acceptable;

    // --- authentication ([auth]; authenticator.hpp) ---
    // Decides who may connect. Null: every client is accepted as anonymous (identity "") and enhanced
    // authentication is refused (0x8C): for tests and embedding; `moatmq serve` always sets one.
    std::shared_ptr<Authenticator> authenticator;
    // Runs a blocking job (a password check, ~50 ms) off the worker threads and returns true, or returns
    // false when it cannot take more (the CONNECT is then refused: 0x89 Server busy / 3.1.1 0x03). The job
    // posts its result back through the connection's ClientLink. Empty: jobs run inline (tests).
    std::function<bool(std::function<void()>)> run_blocking;
    // One call per final authentication decision (success or refusal), from a worker thread: the audit
    // log. Empty: none.
    std::function<void(const AuthAuditRecord&)> audit_authentication;

    // --- authorization ([acl]; authorizer.hpp, docs/authorization.md) ---
    // What each client may publish, subscribe to and receive. Null: no ACL, every topic is open (clients
    // still never publish to $SYS).
    std::shared_ptr<Authorizer> authorizer;
    // A denied PUBLISH that cannot be answered with a reason code (QoS 0, or any 3.1.1 PUBLISH) also closes
    // the connection (5.0: DISCONNECT 0x87). false: it is dropped (and reported by the authorizer).
    bool disconnect_on_denied_publish = false;

    // --- durable state ([store]) ---
    // Where persistent sessions, their QoS 1/2 messages and retained messages are written (see
    // persistence.hpp); not owned, outlives the broker. Null: everything is kept in memory only.
    Persistence* persistence = nullptr;

    // Reported in $SYS/broker/version.
    std::string version = "moatmq";

    // Where the core's log lines go (connections accepted/closed with their reason, dropped messages);
    // the app connects it to the logger. Called from any worker thread. Never given a payload or a
    // password. Empty: no logging.
    std::function<void(LogLevel, std::string_view)> log;
};

}  // namespace moatmq::broker
