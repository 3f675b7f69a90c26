#pragma once
// Persistence: what the broker core needs from durable storage, declared here so that the core never
// knows the storage engine (src/store implements it on RocksDB; the record format is in
// docs/persistence.md).
//
// The model is a log of mutations. The broker's memory stays the authority while it runs; every change
// to state that must survive a restart (a persistent session, its subscriptions, the QoS 1/2 messages
// queued or in flight for it, the ids of QoS 2 messages it sent us and has not released, its will,
// retained messages) is also handed to the store as a put or an erase, in the order the broker makes
// the changes. Calls never wait for the disk: the store appends them to its next commit and numbers
// them. written() is the number of the latest mutation, durable() that of the latest one known to be
// on disk (under the configured sync policy). Whoever must not say something to a client before the
// state behind it is durable — a PUBACK, a PUBREC, a SUBACK — compares the two and, if needed, asks
// when_durable() to be told. One commit (one fsync) covers every mutation made while the previous
// commit was being written: group commit.
//
// Threads: every member may be called from any thread; the calls of one thread are kept in order, and
// calls ordered by a lock in the broker (a session's mutex) are kept in that order.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/message.hpp"
#include "codec/packet.hpp"

namespace moatmq::broker {

// Milliseconds since the Unix epoch. Deadlines are stored in wall-clock time: the broker's steady clock
// starts again at every boot.
using WallMillis = std::int64_t;

// A message as stored: its expiry in wall-clock time.
struct StoredMessage {
    MessagePtr message;
    std::optional<WallMillis> expires_at;
};

struct StoredSubscription {
    std::string filter;  // as subscribed, "$share/..." included
    codec::SubscriptionOptions options;
    std::uint32_t subscription_id = 0;  // 0 = none
};

// Where a QoS 1/2 delivery to a session stands.
enum class StoredStage : std::uint8_t {
    queued = 0,
    awaiting_puback = 1,
    awaiting_pubrec = 2,
    awaiting_pubcomp = 3
};

// One QoS 1/2 message on its way to a session: queued, or in flight with a packet id.
struct StoredDelivery {
    std::uint64_t seq = 0;  // the session's order of deliveries, never reused by the session
    StoredMessage message;
    codec::QoS qos = codec::QoS::at_least_once;
    bool retain = false;
    std::vector<std::uint32_t> subscription_ids;
    std::uint16_t packet_id = 0;  // 0 while queued
    StoredStage stage = StoredStage::queued;
};

struct StoredWill {
    StoredMessage message;
    std::uint32_t delay_interval = 0;  // seconds
    // Set for a delayed will whose connection has closed: when it is to be published. Unset for the
    // will of a connected client (a crash of the broker counts as that connection closing abnormally).
    std::optional<WallMillis> publish_at;
};

// A persistent session (Session Expiry Interval > 0).
struct StoredSession {
    std::string client_id;
    std::uint32_t expiry_interval = 0;  // seconds; 0xFFFFFFFF = never
    // When it expires, if it is offline with a finite expiry. Unset while a client is connected: after a
    // crash the expiry counts from the restart.
    std::optional<WallMillis> expires_at;
    codec::ProtocolVersion version = codec::ProtocolVersion::v5;
    std::optional<StoredWill> will;

    // Not part of the session record; filled in by Persistence loading (StoredState).
    std::vector<StoredSubscription> subscriptions;
    std::vector<StoredDelivery> deliveries;  // in seq order
    std::vector<std::uint16_t> inbound_qos2;
};

// Everything a store holds, as loaded at startup.
struct StoredState {
    std::vector<StoredSession> sessions;
    std::vector<StoredMessage> retained;
};

class Persistence {
public:
    virtual ~Persistence() = default;

    // The session record (client id, expiry, version, will): not its subscriptions, deliveries or ids.
    virtual void put_session(const StoredSession& session) = 0;
    // The session and everything stored for it.
    virtual void erase_session(std::string_view client_id) = 0;

    virtual void put_subscription(std::string_view client_id, const StoredSubscription& subscription) = 0;
    virtual void erase_subscription(std::string_view client_id, std::string_view filter) = 0;

    // A new delivery (the message with it), its progress, and its end (acknowledged, expired, dropped).
    virtual void put_delivery(std::string_view client_id, const StoredDelivery& delivery) = 0;
    virtual void put_delivery_stage(std::string_view client_id, std::uint64_t seq, std::uint16_t packet_id,
                                    StoredStage stage) = 0;
    virtual void erase_delivery(std::string_view client_id, std::uint64_t seq) = 0;

    // Packet ids of QoS 2 messages received from the client, PUBREC sent, PUBREL not yet received.
    virtual void put_inbound_qos2(std::string_view client_id, std::uint16_t packet_id) = 0;
    virtual void erase_inbound_qos2(std::string_view client_id, std::uint16_t packet_id) = 0;

    virtual void put_retained(const StoredMessage& message) = 0;
    virtual void erase_retained(std::string_view topic) = 0;

    // Mutations between begin_atomic() and end_atomic() (on one thread) reach the disk in one commit or
    // not at all: e.g. a QoS 2 message queued for its receivers and the id that stops a resend of it
    // from being routed again. Keep the span short: commits wait for it. Nesting is not allowed.
    virtual void begin_atomic() = 0;
    virtual void end_atomic() = 0;

    // False while the store cannot write (disk full, I/O error): the broker refuses new QoS 1/2 messages
    // until it can again. The store keeps retrying the failed commit.
    virtual bool writable() const noexcept = 0;

    // Sequence numbers of mutations: the latest made (by any thread, and by the calling thread), and
    // the latest durable. A connection waits only for what its own handling wrote.
    virtual std::uint64_t written() const noexcept = 0;
    virtual std::uint64_t written_by_this_thread() const noexcept = 0;
    virtual std::uint64_t durable() const noexcept = 0;

    // Calls `done(true)` once every mutation up to `seq` is durable, or `done(false)` if the commit that
    // holds it failed. Called on the store's own thread (or at once, on this one, if already durable):
    // post from there to where the work belongs.
    virtual void when_durable(std::uint64_t seq, std::function<void(bool ok)> done) = 0;
};

}  // namespace moatmq::broker
