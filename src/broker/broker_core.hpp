#pragma once
// BrokerCore: the shared state behind Broker and every ClientConnection — the session registry, the
// router, the broker-wide timers (delayed wills, session expiry, $SYS) — and the operations that
// cross sessions: publishing (fan-out), attaching a connection to a session (takeover), detaching it.
//
// Locks, always taken in this order and never the other way round:
//   registry_mutex_ (shared on the publish path, exclusive on connect/close/expiry)
//   -> Session::mutex (one session at a time)
//   -> the router's internal locks (leaf).
// timers_mutex_, connections_mutex_ and pressure_mutex_ (taken under a Session::mutex) are leaves too;
// sys_mutex_ is held while publishing $SYS, never held while taking another lock. Wills are published, and
// takeover/shutdown notices posted, only after every lock is released.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "broker/broker_options.hpp"
#include "broker/broker_stats.hpp"
#include "broker/client_link.hpp"
#include "broker/delivery_pressure.hpp"
#include "broker/drop_log.hpp"
#include "broker/message.hpp"
#include "broker/payload_policy.hpp"
#include "broker/persistence.hpp"
#include "broker/router.hpp"
#include "broker/session.hpp"
#include "broker/sys_topics.hpp"
#include "common/clock.hpp"
#include "common/intrusive_list.hpp"

namespace moatmq::broker {

class ClientConnection;

// What a connection asks for when its CONNECT is accepted.
struct AttachRequest {
    std::string client_id;
    bool clean_start = true;
    std::uint32_t expiry_interval = 0;
    std::optional<WillSpec> will;
    codec::ProtocolVersion version = codec::ProtocolVersion::v5;
};

struct AttachResult {
    std::shared_ptr<Session> session;
    std::uint64_t generation = 0;
    bool session_present = false;
};

class BrokerCore {
public:
    BrokerCore(BrokerOptions options, const Clock& clock);
    ~BrokerCore();

    const BrokerOptions& options() const noexcept { return options_; }
    const Clock& clock() const noexcept { return clock_; }
    BrokerStats& stats() noexcept { return stats_; }
    Router& router() noexcept { return router_; }
    const PayloadPolicy& payload_policy() const noexcept { return payload_policy_; }
    // The store (persistence.hpp), or null when state is kept in memory only.
    Persistence* persistence() const noexcept { return options_.persistence; }

    // Loads what a store held at startup (before any connection): persistent sessions with their
    // subscriptions, queued and in-flight messages and inbound QoS 2 ids, and retained messages.
    // Sessions and messages that expired meanwhile are dropped (and erased from the store); wills whose
    // time has come are published.
    void restore(StoredState state);

    // Wall-clock time (stored) from and to the broker's clock (not stored: it restarts at boot).
    WallMillis to_wall(TimePoint at) const;
    TimePoint from_wall(WallMillis at) const;
    StoredMessage stored_message(const MessagePtr& message) const;

    // Routes `message` to every matching session and applies its retain flag. `publisher` is the
    // publishing session (for No Local), nullopt for the broker's own messages. `from`, if given, is the
    // publishing connection: registered as waiting with every receiving session that is behind
    // (delivery_pressure.hpp). Returns the number of sessions that matched.
    std::size_t publish(const MessagePtr& message, std::optional<SessionId> publisher,
                        Publisher* from = nullptr);

    // Publishes a will message (its Message Expiry Interval, if any, counts from now).
    void publish_will(const MessagePtr& will);

    // Queues `item` for `session` (dropping it when the session's queue is full, or when the session is
    // offline and the QoS is 0), and wakes the owner's thread if this is the first of a batch.
    void deliver(Session& session, QueuedMessage item, Publisher* from = nullptr);

    // Delivery pressure (delivery_pressure.hpp).
    const PressureLimits& pressure() const noexcept { return pressure_; }
    // The publishers waiting for `session` to drain, taken off its list. Requires session.mutex.
    std::vector<WaitingPublisher> take_waiting_locked(Session& session);
    // Tells each of them, on its own worker, that it may read again.
    static void resume_publishers(std::vector<WaitingPublisher> waiting);

    // Makes `owner` the connection of the session of request.client_id: resumes it (clean start 0),
    // or starts a new one, discarding any old one. A connection already attached is told, on its own
    // thread, that its session was taken over.
    AttachResult attach(AttachRequest request, const std::shared_ptr<ClientConnection>& owner,
                        const std::shared_ptr<ClientLink>& link);

    // The connection owning `session` at `generation` has closed. `with_will`: the close was
    // abnormal or a 5.0 DISCONNECT 0x04; the will goes out now, after its delay, or when the session
    // ends, whichever is first. Ends the session if its expiry interval is 0.
    void detach(const std::shared_ptr<Session>& session, std::uint64_t generation, bool with_will);

    // A client id not in use, for a CONNECT with an empty one.
    std::string assign_client_id();

    std::shared_ptr<Session> find_session(SessionId id) const;

    // Live connections, for shutdown. Unregistering one that is not registered does nothing.
    void register_connection(ClientConnection& connection);
    void unregister_connection(ClientConnection& connection);
    bool shutting_down() const;
    void shutdown();

    void on_timer(TimePoint now);
    std::optional<TimePoint> next_deadline() const;

    void warn(std::string_view text) const;

private:
    struct Ended {  // what is left to do, outside the locks, when a session ends
        std::optional<MessagePtr> will;
        std::vector<QueuedMessage> shared;
        std::uint64_t discarded = 0;  // queued messages that die with the session (counted as dropped)
        std::string client_id;
        std::vector<WaitingPublisher> waiting;  // publishers paused for it, to resume
    };
    // Requires registry_mutex_ exclusively and session.mutex.
    Ended end_session_locked(Session& session);
    // Writes the session record of a persistent session. Requires session.mutex.
    void persist_session_locked(const Session& session);
    void finish(Ended ended, SessionId from);
    // Shared-subscription messages that `session` will not complete: to another member (spec §4.8.2).
    // Returns how many found no member (they are dropped and counted).
    std::uint64_t reroute_shared(std::vector<QueuedMessage> items, SessionId from);
    // Counts messages discarded with the session of `client_id` and logs the rate-limited summary.
    void note_discarded(std::uint64_t messages, std::string_view client_id);
    void schedule(TimePoint at, const std::shared_ptr<Session>& session);
    void publish_sys(TimePoint now);

    BrokerOptions options_;
    const Clock& clock_;
    BrokerStats stats_;
    PayloadPolicy payload_policy_;
    Router router_;

    mutable std::shared_mutex registry_mutex_;
    // The sessions by client id: a set of the sessions themselves, hashed and compared by their own
    // client_id (a 16-byte node per session, no copy of the id). Found by a std::string_view too. by_id_
    // owns them; both always hold the same sessions.
    struct ClientIdHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view id) const noexcept
        {
            return std::hash<std::string_view>{}(id);
        }
        std::size_t operator()(const Session* session) const noexcept { return (*this)(session->client_id); }
    };
    struct ClientIdEqual {
        using is_transparent = void;
        static std::string_view id(std::string_view text) noexcept { return text; }
        static std::string_view id(const Session* session) noexcept { return session->client_id; }
        template <class A, class B>
        bool operator()(const A& a, const B& b) const noexcept
        {
            return id(a) == id(b);
        }
    };
    std::unordered_set<Session*, ClientIdHash, ClientIdEqual> by_client_id_;
    std::unordered_map<SessionId, std::shared_ptr<Session>> by_id_;
    SessionId next_session_id_ = 1;
    std::uint64_t next_assigned_id_ = 1;

    mutable std::mutex connections_mutex_;
    IntrusiveList<ClientConnection> connections_;  // the links live in each connection
    bool shutting_down_ = false;

    mutable std::mutex timers_mutex_;
    std::multimap<TimePoint, std::weak_ptr<Session>> timers_;
    std::optional<TimePoint> next_sys_;
    std::mutex sys_mutex_;  // leaf; guards sys_topics_
    SysTopics sys_topics_;
    DropLog drop_log_;

    const PressureLimits pressure_;
    std::mutex pressure_mutex_;  // leaf, under a Session::mutex; guards waiting_
    std::unordered_map<SessionId, std::vector<WaitingPublisher>> waiting_;
};

}  // namespace moatmq::broker
