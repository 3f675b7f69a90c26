#pragma once
// Session: the state of one MQTT session that outlives its network connections (spec §4.1): the
// messages queued for the client, the QoS 1/2 messages sent and not yet acknowledged (the outbound
// in-flight window), the packet ids of QoS 2 messages received and not yet released, the will, and
// the expiry. Subscriptions themselves live in the router's trie, keyed by SessionId.
//
// Ownership and threads. A session is shared (shared_ptr) between the broker's registry, the
// connection currently attached to it (its owner) and publishers on any worker thread that deliver to
// it. Every field below `mutex` is guarded by it. The lock is per session and held briefly, so the
// publish path never takes a broker-wide exclusive lock.
//
// Deliveries: a publisher appends to `queue` and, if the session is attached and no drain is pending,
// posts ONE task to the owner's thread (ClientLink::post) that drains the queue; further deliveries
// before that task runs ride along in the same batch. The owner moves queued messages into the
// in-flight window as the client's Receive Maximum allows and sends them.
//
// Takeover: a new connection for the same client id becomes the owner under the lock and bumps
// `generation`; the previous owner notices (owner_generation != generation) and touches nothing more.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "broker/client_link.hpp"
#include "broker/delivery.hpp"
#include "broker/message.hpp"
#include "broker/message_queue.hpp"
#include "broker/packet_id_set.hpp"
#include "codec/packet.hpp"
#include "common/boxed.hpp"
#include "common/clock.hpp"
#include "common/small_mutex.hpp"

namespace moatmq::broker {

class ClientConnection;
class PublishEncoding;

// One message on its way to this session.
struct QueuedMessage {
    MessagePtr message;
    codec::QoS qos = codec::QoS::at_most_once;
    bool retain = false;
    std::vector<std::uint32_t> subscription_ids;
    SharedGroupId shared_group = 0;
    // Shared among the receivers of one publish: encodings that every receiver of a variant can use.
    std::shared_ptr<PublishEncoding> encoding;
    // The delivery's number in the store (persistence.hpp), 0 when it is not stored.
    std::uint64_t stored_seq = 0;
    // What it counts against [limits].max_queued_bytes while queued (queued_size()); set when queued.
    std::size_t bytes = 0;
};

// The bytes a message counts for in a session's queue: its topic and payload.
inline std::size_t queued_size(const Message& message) noexcept
{
    return message.topic.size() + message.payload.size();
}

struct QueuedBytes {
    std::size_t operator()(const QueuedMessage& item) const noexcept { return item.bytes; }
};

struct InflightMessage {
    enum class Stage : std::uint8_t { awaiting_puback, awaiting_pubrec, awaiting_pubcomp };
    QueuedMessage queued;
    std::uint16_t packet_id = 0;
    Stage stage = Stage::awaiting_puback;
};

// The will of the connection attached to the session (spec §3.1.2.5), kept with the session so that
// a takeover on another thread can decide its fate.
struct WillSpec {
    MessagePtr message;
    std::uint32_t delay_interval = 0;  // seconds (5.0 Will Delay Interval)
};

class Session {
public:
    Session(SessionId session_id, std::string id_of_client)
        : id(session_id), client_id(std::move(id_of_client))
    {
    }

    const SessionId id;
    const std::string client_id;

    // The small fields together, in one 16-byte run after the lock: with its control block a Session
    // stays in the allocator's 256-byte class (240 bytes; issue #5: memory per idle connection). One more
    // field here crosses into the 320-byte class: box what is rarely set.
    mutable SmallMutex mutex;
    // --- guarded by mutex ---
    bool ended = false;               // removed from the registry; deliveries are dropped
    bool connected = false;           // a connection is attached
    bool drain_posted = false;        // a drain task is on its way to the owner
    bool overflow_warned = false;     // the queue-full warning was logged for this episode
    bool client_bound = false;        // the last drain stopped for the client itself (delivery_pressure.hpp)
    bool publishers_waiting = false;  // publishers are paused until this queue drains (delivery_pressure.hpp)
    codec::ProtocolVersion version = codec::ProtocolVersion::v5;
    // Written to the broker's Persistence (expiry interval > 0 at CONNECT, and a store configured).
    bool persistent = false;
    std::uint32_t expiry_interval = 0;      // seconds; 0xFFFFFFFF = never
    std::uint64_t generation = 0;           // bumped whenever the owner changes
    std::weak_ptr<ClientConnection> owner;  // attached connection, if any
    // Its link, for posting drains. Weak: the transport may own the connection through its link, and a
    // strong reference here would close a cycle session -> link -> connection -> session.
    std::weak_ptr<ClientLink> owner_link;
    MessageQueue<QueuedMessage, QueuedBytes> queue;  // not yet sent (offline, or waiting for quota)
    // No message in `queue` expires before this (a lower bound: kept by enqueue() and drop_expired()).
    TimePoint queued_expiry_bound = TimePoint::max();
    // Sent, unacknowledged, in send order. A queue: acknowledgements come mostly in order, and taking
    // the oldest off a vector moved every other one (O(window) per PUBACK).
    MessageQueue<InflightMessage> inflight;
    PacketIdSet inbound_qos2;  // PUBREC sent, PUBREL not yet received
    std::uint16_t last_packet_id = 0;
    // How many ids after last_packet_id are known to be free (allocate_packet_id() scans the window only
    // when this runs out). Set to 0 wherever an in-flight message gets an id not from allocate_packet_id().
    std::uint16_t free_ids_ahead = 0;
    std::uint32_t subscription_count = 0;  // filters held in the router, for max_subscriptions
    // Rarely set (an idle client without a will has none of them): boxed, one pointer each when empty.
    Boxed<TimePoint> expires_at;     // while offline with a finite expiry
    Boxed<WillSpec> will;            // will of the attached connection
    Boxed<MessagePtr> pending_will;  // delayed will of a closed connection
    Boxed<TimePoint> pending_will_at;
    std::uint64_t next_stored_seq = 1;  // the next StoredDelivery::seq

    bool attached() const { return connected; }

    // A packet id not used by any in-flight message (guarded by mutex); 0 when all 65,535 are in use.
    std::uint16_t allocate_packet_id();

    // Appends `item` to `queue` (guarded by mutex). Every message is queued through here, which keeps
    // queued_expiry_bound.
    void enqueue(QueuedMessage item);

    // Removes queued messages whose expiry has passed; returns how many. The store numbers of those
    // that were stored are appended to `stored`, if given, for the caller to erase.
    std::size_t drop_expired(TimePoint now, std::vector<std::uint64_t>* stored = nullptr);
};

}  // namespace moatmq::broker
