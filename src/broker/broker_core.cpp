#include "broker/broker_core.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

#include "broker/client_connection.hpp"
#include "broker/publish_encoding.hpp"

namespace moatmq::broker {
namespace {

constexpr std::uint32_t kNeverExpires = 0xFFFF'FFFF;

void bump_maximum(std::atomic<std::uint64_t>& maximum, std::uint64_t value)
{
    auto seen = maximum.load(std::memory_order_relaxed);
    while (seen < value && !maximum.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
    }
}

}  // namespace

BrokerCore::BrokerCore(BrokerOptions options, const Clock& clock)
    : options_(std::move(options)),
      clock_(clock),
      stats_(clock.now()),
      payload_policy_(options_.encrypted_topics, options_.encrypted_payload_acceptable),
      sys_topics_(options_.version),
      drop_log_(std::chrono::seconds(10)),
      pressure_(options_)
{
    if (options_.sys_interval.count() > 0) next_sys_ = clock_.now();
}

BrokerCore::~BrokerCore() = default;

void BrokerCore::warn(std::string_view text) const
{
    if (options_.log) options_.log(LogLevel::warning, text);
}

// ---------------------------------------------------------------------------------------------------
// Publishing

std::size_t BrokerCore::publish(const MessagePtr& message, std::optional<SessionId> publisher,
                                Publisher* from)
{
    if (message->retain) {
        // The broker's own $SYS topics are published again after a restart; they are not stored.
        auto* store = message->topic.starts_with("$SYS") ? nullptr : persistence();
        if (!store) {
            router_.retain(message);
        } else if (message->payload.empty()) {
            router_.retain(message, [&] { store->erase_retained(message->topic); });
        } else {
            // Handed to the store under the lock that orders the change in memory: two publishers of
            // one topic at once leave the same message last in both (the store keeps the call order).
            // The record is built before, so the lock is held only for the append.
            auto stored = stored_message(message);
            router_.retain(message, [&] { store->put_retained(stored); });
        }
    }

    // One vector per thread, reused: a warmed route does not allocate for the list of deliveries.
    thread_local std::vector<Delivery> deliveries;
    router_.route(*message, publisher, deliveries);
    if (deliveries.empty()) return 0;

    // Shared among receivers; a single receiver encodes its own (one allocation less per message).
    auto encoding =
        deliveries.size() > 1 && shareable(*message) ? std::make_shared<PublishEncoding>() : nullptr;
    const auto count = deliveries.size();
    // Sessions looked up under one shared lock for the whole fan-out, not one per receiver.
    thread_local std::vector<std::shared_ptr<Session>> sessions;
    sessions.clear();
    {
        std::shared_lock lock(registry_mutex_);
        for (const auto& delivery : deliveries) {
            auto it = by_id_.find(delivery.session);
            sessions.push_back(it == by_id_.end() ? nullptr : it->second);
        }
    }
    for (std::size_t i = 0; i < count; ++i) {
        if (!sessions[i]) continue;
        auto& delivery = deliveries[i];
        deliver(*sessions[i],
                QueuedMessage{message, delivery.qos, delivery.retain, std::move(delivery.subscription_ids),
                              delivery.shared_group, encoding},
                from);
    }
    sessions.clear();  // do not keep sessions alive between publishes
    return count;
}

void BrokerCore::deliver(Session& session, QueuedMessage item, Publisher* from)
{
    std::shared_ptr<ClientLink> link;
    std::weak_ptr<ClientConnection> owner;
    {
        std::lock_guard lock(session.mutex);
        if (session.ended) return;
        if (!session.attached() && item.qos == codec::QoS::at_most_once) return;  // not queued offline
        // Full at max_queued_messages messages or max_queued_bytes bytes, whichever comes first.
        const auto full = [&] {
            return session.queue.size() >= options_.max_queued_messages ||
                   session.queue.weight() >= options_.max_queued_bytes;
        };
        if (full()) {
            std::vector<std::uint64_t> stored;
            session.drop_expired(clock_.now(), &stored);
            for (auto seq : stored)
                persistence()->erase_delivery(session.client_id, seq);
            if (full()) {
                stats_.messages_dropped.fetch_add(1, std::memory_order_relaxed);
                // One line when the queue fills, not one per dropped message.
                if (!session.overflow_warned && options_.log) {
                    options_.log(LogLevel::warning,
                                 "queue full (" + std::to_string(session.queue.size()) + " messages, " +
                                     std::to_string(session.queue.weight()) + " bytes) for client " +
                                     session.client_id + ": dropping new messages");
                }
                session.overflow_warned = true;
                return;
            }
        }
        if (session.queue.size() < options_.max_queued_messages / 2 &&
            session.queue.weight() < options_.max_queued_bytes / 2)
            session.overflow_warned = false;
        item.bytes = queued_size(*item.message);
        if (session.persistent && item.qos != codec::QoS::at_most_once) {
            // Stored before it is queued: the publisher's acknowledgement waits for this (persistence.hpp).
            item.stored_seq = session.next_stored_seq++;
            persistence()->put_delivery(
                session.client_id,
                StoredDelivery{item.stored_seq, stored_message(item.message), item.qos, item.retain,
                               item.subscription_ids, 0, StoredStage::queued});
        }
        session.enqueue(std::move(item));
        if (session.attached() && !session.drain_posted) {
            session.drain_posted = true;
            link = session.owner_link.lock();
            owner = session.owner;
        }
        // Its worker is behind (not its client): the publisher waits until the drain catches up.
        if (from != nullptr && from->connection != nullptr && session.attached() && !session.client_bound &&
            pressure_.over_high(session.queue.size(), session.queue.weight())) {
            std::lock_guard pressure(pressure_mutex_);
            auto& waiting = waiting_[session.id];
            const bool already = std::any_of(waiting.begin(), waiting.end(), [&](const WaitingPublisher& w) {
                return w.key == from->connection;
            });
            if (!already) {
                waiting.push_back(
                    WaitingPublisher{from->connection->weak_from_this(), *from->link, from->connection});
                session.publishers_waiting = true;
                ++from->waits;
            }
        }
    }
    if (link) {
        link->post([owner = std::move(owner)] {
            if (auto connection = owner.lock()) connection->drain();
        });
    }
}

std::vector<WaitingPublisher> BrokerCore::take_waiting_locked(Session& session)
{
    if (!session.publishers_waiting) return {};
    session.publishers_waiting = false;
    std::lock_guard lock(pressure_mutex_);
    auto it = waiting_.find(session.id);
    if (it == waiting_.end()) return {};
    auto waiting = std::move(it->second);
    waiting_.erase(it);
    return waiting;
}

void BrokerCore::resume_publishers(std::vector<WaitingPublisher> waiting)
{
    for (auto& w : waiting) {
        w.link->post([connection = std::move(w.connection)] {
            if (auto c = connection.lock()) c->resume_reading();
        });
    }
}

void BrokerCore::publish_will(const MessagePtr& will)
{
    if (!will) return;
    // Checked now, under the rules in force, for the identity that set it: a forbidden will is not
    // published. Clients never publish to $SYS, wills included.
    const bool sys = will->topic.starts_with("$SYS");
    if (sys || (options_.authorizer &&
                !options_.authorizer
                     ->permissions_for(ClientIdentity{will->origin_username, will->origin_client_id, {}, {}})
                     ->may_publish(will->topic))) {
        stats_.acl_publish_denied.fetch_add(1, std::memory_order_relaxed);
        warn("will of client " + will->origin_client_id + " on \"" + will->topic +
             "\" not published: not authorized");
        return;
    }
    // A will's Message Expiry Interval starts when the will is published (spec §3.1.3.2).
    if (will->properties.message_expiry_interval) {
        auto copy = std::make_shared<Message>(*will);
        copy->expires_at = clock_.now() + std::chrono::seconds(*copy->properties.message_expiry_interval);
        copy->properties.message_expiry_interval.reset();
        publish(copy, std::nullopt);
        return;
    }
    publish(will, std::nullopt);
}

std::uint64_t BrokerCore::reroute_shared(std::vector<QueuedMessage> items, SessionId from)
{
    std::uint64_t lost = 0;
    for (auto& item : items) {
        auto delivery = router_.route_shared_again(item.shared_group, *item.message, from);
        auto session = delivery ? find_session(delivery->session) : nullptr;
        if (!session) {
            ++lost;
            continue;
        }
        deliver(*session, QueuedMessage{std::move(item.message), delivery->qos, delivery->retain,
                                        std::move(delivery->subscription_ids), delivery->shared_group,
                                        std::move(item.encoding)});
    }
    return lost;
}

void BrokerCore::note_discarded(std::uint64_t messages, std::string_view client_id)
{
    if (messages == 0) return;
    stats_.messages_dropped.fetch_add(messages, std::memory_order_relaxed);
    if (auto line = drop_log_.note(clock_.now(), messages, client_id)) warn(*line);
}

// ---------------------------------------------------------------------------------------------------
// Sessions

std::shared_ptr<Session> BrokerCore::find_session(SessionId id) const
{
    std::shared_lock lock(registry_mutex_);
    auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : it->second;
}

std::string BrokerCore::assign_client_id()
{
    std::unique_lock lock(registry_mutex_);
    for (;;) {
        // Unique for this broker's lifetime; the address of the core makes collisions with ids a
        // client invents unlikely, and the registry check makes them impossible.
        char text[48];
        std::snprintf(text, sizeof text, "moatmq-%llx-%llu",
                      static_cast<unsigned long long>(reinterpret_cast<std::uintptr_t>(this) & 0xFFFFFF),
                      static_cast<unsigned long long>(next_assigned_id_++));
        if (!by_client_id_.contains(std::string_view(text))) return text;
    }
}

BrokerCore::Ended BrokerCore::end_session_locked(Session& session)
{
    Ended ended;
    if (session.persistent) persistence()->erase_session(session.client_id);
    session.persistent = false;
    session.ended = true;
    ++session.generation;
    session.owner.reset();
    session.owner_link.reset();
    session.connected = false;
    by_client_id_.erase(&session);
    by_id_.erase(session.id);
    stats_.clients_total.fetch_sub(1, std::memory_order_relaxed);
    router_.unsubscribe_all(session.id);
    // The session ends: a delayed will goes out now [MQTT-3.1.3-9] (spec §3.1.2.5).
    if (session.pending_will) ended.will = std::move(*session.pending_will);
    if (session.will) ended.will = std::move(session.will->message);
    session.pending_will.reset();
    session.will.reset();
    // Queued messages die with the session (counted, and logged in a rate-limited summary: nobody else
    // will see them go); a shared subscription's go to another member of the group.
    for (auto& item : session.queue) {
        if (item.shared_group != 0) {
            ended.shared.push_back(std::move(item));
        } else {
            ++ended.discarded;
        }
    }
    if (!session.queue.empty()) ended.client_id = session.client_id;  // for the log line
    ended.waiting = take_waiting_locked(session);
    // An unacknowledged QoS 1 shared delivery goes to another member; a QoS 2 one whose PUBLISH was sent
    // dies with the session: no other member may get it [MQTT-4.8.2-5].
    for (auto& inflight : session.inflight) {
        if (inflight.queued.shared_group == 0) continue;
        if (inflight.stage == InflightMessage::Stage::awaiting_puback) {
            ended.shared.push_back(std::move(inflight.queued));
        } else if (inflight.stage == InflightMessage::Stage::awaiting_pubrec) {
            ++ended.discarded;
            ended.client_id = session.client_id;
        }
    }
    session.queue.clear();
    session.inflight.clear();
    session.inbound_qos2.clear();
    return ended;
}

void BrokerCore::finish(Ended ended, SessionId from)
{
    resume_publishers(std::move(ended.waiting));
    if (ended.will) publish_will(*ended.will);
    const auto lost = reroute_shared(std::move(ended.shared), from);
    note_discarded(ended.discarded + lost, ended.client_id);
}

AttachResult BrokerCore::attach(AttachRequest request, const std::shared_ptr<ClientConnection>& owner,
                                const std::shared_ptr<ClientLink>& link)
{
    AttachResult result;
    std::optional<MessagePtr> will_now;
    Ended ended;
    SessionId ended_id = 0;
    std::weak_ptr<ClientConnection> previous_owner;
    std::shared_ptr<ClientLink> previous_link;
    std::vector<WaitingPublisher> waiting;  // paused for the session's previous connection
    bool replaced = false;                  // the session had a connection, which this one replaces
    {
        std::unique_lock registry(registry_mutex_);
        auto it = by_client_id_.find(std::string_view(request.client_id));
        if (it != by_client_id_.end()) {
            auto existing = by_id_.at((*it)->id);
            std::lock_guard lock(existing->mutex);
            previous_owner = existing->owner;
            replaced = existing->connected;
            if (replaced) previous_link = existing->owner_link.lock();
            if (request.clean_start) {
                ended = end_session_locked(*existing);
                ended_id = existing->id;
            } else {
                // Resumed. The previous connection's will: a will without delay goes out as that
                // connection closes abnormally; a delayed will (or a pending one) is cancelled because
                // a new connection arrived before the delay passed [MQTT-3.1.3-9] (spec §3.1.2.5).
                if (existing->will && existing->will->delay_interval == 0) will_now = existing->will->message;
                existing->will.reset();
                existing->pending_will.reset();
                existing->pending_will_at.reset();
                existing->expires_at.reset();
                ++existing->generation;
                existing->owner = owner;
                existing->owner_link = link;
                existing->connected = true;
                router_.set_online(existing->id, true);  // shared groups may pick it again
                existing->drain_posted = false;
                existing->client_bound = false;
                waiting = take_waiting_locked(*existing);
                existing->expiry_interval = request.expiry_interval;
                existing->will = std::move(request.will);
                existing->version = request.version;
                // A session stays in the store while its expiry interval is not 0. One that was not
                // stored is not stored from a resumption on (its subscriptions would be missing).
                const bool persistent = existing->persistent && request.expiry_interval > 0;
                if (existing->persistent && !persistent) persistence()->erase_session(existing->client_id);
                existing->persistent = persistent;
                persist_session_locked(*existing);
                result.session = existing;
                result.generation = existing->generation;
                result.session_present = true;
            }
        }
        if (!result.session) {
            auto session = std::make_shared<Session>(next_session_id_++, request.client_id);
            session->generation = 1;
            session->owner = owner;
            session->owner_link = link;
            session->connected = true;
            session->expiry_interval = request.expiry_interval;
            session->will = std::move(request.will);
            session->version = request.version;
            session->persistent = persistence() != nullptr && request.expiry_interval > 0;
            persist_session_locked(*session);
            by_client_id_.insert(session.get());
            by_id_[session->id] = session;
            stats_.clients_total.fetch_add(1, std::memory_order_relaxed);
            result.session = std::move(session);
            result.generation = 1;
        }
    }
    if (!replaced) {  // a takeover replaces a connected client: the count stays
        const auto connected = stats_.clients_connected.fetch_add(1, std::memory_order_relaxed) + 1;
        bump_maximum(stats_.clients_maximum, connected);
    }

    resume_publishers(std::move(waiting));
    if (previous_link) {
        previous_link->post([previous = std::move(previous_owner)] {
            if (auto connection = previous.lock()) connection->on_taken_over();
        });
    }
    if (will_now) publish_will(*will_now);
    if (ended_id != 0) finish(std::move(ended), ended_id);
    return result;
}

void BrokerCore::detach(const std::shared_ptr<Session>& session, std::uint64_t generation, bool with_will)
{
    const auto now = clock_.now();
    std::optional<MessagePtr> will_now;
    std::vector<QueuedMessage> shared;
    std::vector<WaitingPublisher> waiting;  // nothing drains an offline session: they go on
    Ended ended;
    bool end = false;
    {
        std::unique_lock registry(registry_mutex_);
        std::lock_guard lock(session->mutex);
        if (session->generation != generation || session->ended) return;
        stats_.clients_connected.fetch_sub(1, std::memory_order_relaxed);
        ++session->generation;
        session->owner.reset();
        session->owner_link.reset();
        session->connected = false;
        session->drain_posted = false;
        session->client_bound = false;
        waiting = take_waiting_locked(*session);
        router_.set_online(session->id, false);  // shared groups prefer connected members
        if (!with_will) session->will.reset();   // [MQTT-3.1.2-10] [MQTT-3.14.4-3]
        if (session->expiry_interval == 0) {
            ended = end_session_locked(*session);
            end = true;
        } else {
            if (session->expiry_interval != kNeverExpires) {
                session->expires_at = now + std::chrono::seconds(session->expiry_interval);
            }
            if (session->will) {
                if (session->will->delay_interval == 0) {
                    will_now = std::move(session->will->message);
                } else {
                    session->pending_will = std::move(session->will->message);
                    session->pending_will_at = now + std::chrono::seconds(session->will->delay_interval);
                }
                session->will.reset();
            }
            // Shared-subscription messages whose delivery has not started, and QoS 1 ones not yet
            // acknowledged, go to another member of the group; a QoS 2 delivery in progress must be
            // completed by this client when it returns (spec §4.8.2).
            session->queue.remove_if([&shared](QueuedMessage& item) {
                if (item.shared_group == 0) return false;
                shared.push_back(std::move(item));
                return true;
            });
            session->inflight.remove_if([&shared](InflightMessage& inflight) {
                if (inflight.queued.shared_group == 0 ||
                    inflight.stage != InflightMessage::Stage::awaiting_puback) {
                    return false;
                }
                shared.push_back(std::move(inflight.queued));
                return true;
            });
            if (session->persistent) {
                for (const auto& item : shared) {
                    if (item.stored_seq != 0)
                        persistence()->erase_delivery(session->client_id, item.stored_seq);
                }
                persist_session_locked(*session);
            }
        }
    }
    resume_publishers(std::move(waiting));
    if (end) {
        finish(std::move(ended), session->id);
        return;
    }
    {
        std::lock_guard lock(session->mutex);
        if (session->expires_at) schedule(*session->expires_at, session);
        if (session->pending_will_at) schedule(*session->pending_will_at, session);
    }
    if (will_now) publish_will(*will_now);
    note_discarded(reroute_shared(std::move(shared), session->id), session->client_id);
}

// ---------------------------------------------------------------------------------------------------
// Persistence

WallMillis BrokerCore::to_wall(TimePoint at) const
{
    using namespace std::chrono;
    const auto wall = system_clock::now() + duration_cast<system_clock::duration>(at - clock_.now());
    return duration_cast<milliseconds>(wall.time_since_epoch()).count();
}

TimePoint BrokerCore::from_wall(WallMillis at) const
{
    using namespace std::chrono;
    const auto now = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    return clock_.now() + milliseconds(at - now);
}

StoredMessage BrokerCore::stored_message(const MessagePtr& message) const
{
    StoredMessage stored{message, std::nullopt};
    if (message->expires_at) stored.expires_at = to_wall(*message->expires_at);
    return stored;
}

void BrokerCore::persist_session_locked(const Session& session)
{
    if (!session.persistent) return;
    StoredSession record;
    record.client_id = session.client_id;
    record.expiry_interval = session.expiry_interval;
    record.version = session.version;
    if (session.expires_at) record.expires_at = to_wall(*session.expires_at);
    if (session.pending_will) {
        record.will = StoredWill{stored_message(*session.pending_will), 0,
                                 to_wall(session.pending_will_at.value_or(clock_.now()))};
    } else if (session.will) {
        record.will =
            StoredWill{stored_message(session.will->message), session.will->delay_interval, std::nullopt};
    }
    persistence()->put_session(record);
}

void BrokerCore::restore(StoredState state)
{
    auto* store = persistence();
    const auto now = clock_.now();
    const auto wall_now = to_wall(now);
    auto message_of = [this](StoredMessage& stored) -> MessagePtr {
        if (!stored.expires_at) return std::move(stored.message);
        auto copy = std::make_shared<Message>(*stored.message);
        copy->expires_at = from_wall(*stored.expires_at);
        return copy;
    };
    for (auto& retained : state.retained) {
        if (retained.expires_at && *retained.expires_at <= wall_now) {
            if (store) store->erase_retained(retained.message->topic);
            continue;
        }
        router_.retain(message_of(retained));
    }

    std::vector<MessagePtr> wills;
    for (auto& stored : state.sessions) {
        if (stored.expires_at && *stored.expires_at <= wall_now) {
            // Expired while the broker was down: its will (always due by now) goes out, the rest is gone.
            if (stored.will) wills.push_back(message_of(stored.will->message));
            if (store) store->erase_session(stored.client_id);
            continue;
        }
        auto session = std::make_shared<Session>(next_session_id_++, stored.client_id);
        std::lock_guard lock(session->mutex);
        session->generation = 1;
        session->persistent = store != nullptr;
        session->expiry_interval = stored.expiry_interval;
        session->version = stored.version;
        if (stored.expires_at) {
            session->expires_at = from_wall(*stored.expires_at);
        } else if (stored.expiry_interval != kNeverExpires) {
            // Connected when the broker stopped: offline from now.
            session->expires_at = now + std::chrono::seconds(stored.expiry_interval);
        }
        if (stored.will) {
            auto will = message_of(stored.will->message);
            const auto at = stored.will->publish_at ? from_wall(*stored.will->publish_at)
                                                    : now + std::chrono::seconds(stored.will->delay_interval);
            if (at <= now) {
                wills.push_back(std::move(will));
            } else {
                session->pending_will = std::move(will);
                session->pending_will_at = at;
            }
        }
        for (const auto& subscription : stored.subscriptions) {
            auto existed = router_.subscribe(session->id, subscription.filter, subscription.options,
                                             subscription.subscription_id);
            if (existed && !*existed) ++session->subscription_count;
        }
        router_.set_online(session->id, false);
        for (auto& delivery : stored.deliveries) {
            QueuedMessage item;
            item.message = message_of(delivery.message);
            item.qos = delivery.qos;
            item.retain = delivery.retain;
            item.subscription_ids = std::move(delivery.subscription_ids);
            item.stored_seq = delivery.seq;
            session->next_stored_seq = std::max(session->next_stored_seq, delivery.seq + 1);
            using Stage = InflightMessage::Stage;
            switch (delivery.stage) {
                case StoredStage::queued:
                    if (item.message->expires_at && *item.message->expires_at <= now) {
                        if (store) store->erase_delivery(stored.client_id, delivery.seq);
                        break;
                    }
                    item.bytes = queued_size(*item.message);
                    session->enqueue(std::move(item));
                    break;
                case StoredStage::awaiting_puback:
                case StoredStage::awaiting_pubrec:
                case StoredStage::awaiting_pubcomp: {
                    const auto stage = delivery.stage == StoredStage::awaiting_puback ? Stage::awaiting_puback
                                       : delivery.stage == StoredStage::awaiting_pubrec
                                           ? Stage::awaiting_pubrec
                                           : Stage::awaiting_pubcomp;
                    session->last_packet_id = std::max(session->last_packet_id, delivery.packet_id);
                    session->free_ids_ahead = 0;  // the next allocation scans the ids restored here
                    session->inflight.push_back(InflightMessage{std::move(item), delivery.packet_id, stage});
                    break;
                }
            }
        }
        for (auto id : stored.inbound_qos2)
            session->inbound_qos2.insert(id);
        persist_session_locked(*session);  // the expiry and will as they now stand
        {
            std::unique_lock registry(registry_mutex_);
            if (auto it = by_client_id_.find(std::string_view(session->client_id));
                it != by_client_id_.end()) {
                by_id_.erase((*it)->id);  // a stored duplicate: the last one wins
                by_client_id_.erase(it);
            }
            by_client_id_.insert(session.get());
            by_id_[session->id] = session;
        }
        stats_.clients_total.fetch_add(1, std::memory_order_relaxed);
        if (session->expires_at) schedule(*session->expires_at, session);
        if (session->pending_will_at) schedule(*session->pending_will_at, session);
    }
    for (auto& will : wills)
        publish_will(will);
}

// ---------------------------------------------------------------------------------------------------
// Timers

void BrokerCore::schedule(TimePoint at, const std::shared_ptr<Session>& session)
{
    std::lock_guard lock(timers_mutex_);
    timers_.emplace(at, session);
}

std::optional<TimePoint> BrokerCore::next_deadline() const
{
    std::lock_guard lock(timers_mutex_);
    std::optional<TimePoint> next = next_sys_;
    if (!timers_.empty() && (!next || timers_.begin()->first < *next)) next = timers_.begin()->first;
    return next;
}

void BrokerCore::on_timer(TimePoint now)
{
    std::vector<std::shared_ptr<Session>> due;
    bool sys = false;
    {
        std::lock_guard lock(timers_mutex_);
        while (!timers_.empty() && timers_.begin()->first <= now) {
            if (auto session = timers_.begin()->second.lock()) due.push_back(std::move(session));
            timers_.erase(timers_.begin());
        }
        if (next_sys_ && *next_sys_ <= now) {
            sys = true;
            next_sys_ = now + options_.sys_interval;
        }
    }
    for (auto& session : due) {
        // Entries are hints: the session's own fields decide (it may have reconnected meanwhile).
        std::optional<MessagePtr> will;
        Ended ended;
        bool end = false;
        {
            std::unique_lock registry(registry_mutex_);
            std::lock_guard lock(session->mutex);
            if (session->ended || session->attached()) continue;
            if (session->pending_will_at && *session->pending_will_at <= now) {
                if (session->pending_will) will = std::move(*session->pending_will);
                session->pending_will.reset();
                session->pending_will_at.reset();
            }
            if (session->expires_at && *session->expires_at <= now) {
                ended = end_session_locked(*session);
                end = true;
            } else if (will) {
                persist_session_locked(*session);  // without the will that goes out now
            }
        }
        if (will) publish_will(*will);
        if (end) finish(std::move(ended), session->id);
    }
    if (auto line = drop_log_.flush(now)) warn(*line);
    if (sys) publish_sys(now);
}

void BrokerCore::publish_sys(TimePoint now)
{
    std::lock_guard lock(sys_mutex_);  // SysTopics is single-threaded; on_timer may not be
    SysSnapshot snapshot;
    snapshot.stats = stats_.snapshot();
    snapshot.uptime = now - stats_.started;
    router_.retained().purge_expired(now);
    snapshot.subscriptions = router_.subscription_count();
    snapshot.retained = router_.retained_count();
    for (auto& message : sys_topics_.build(snapshot, now))
        publish(message, std::nullopt);
}

// ---------------------------------------------------------------------------------------------------
// Connections and shutdown

void BrokerCore::register_connection(ClientConnection& connection)
{
    std::lock_guard lock(connections_mutex_);
    connections_.push_front(connection);
    stats_.connections_accepted.fetch_add(1, std::memory_order_relaxed);
}

void BrokerCore::unregister_connection(ClientConnection& connection)
{
    std::lock_guard lock(connections_mutex_);
    connections_.erase(connection);
}

bool BrokerCore::shutting_down() const
{
    std::lock_guard lock(connections_mutex_);
    return shutting_down_;
}

void BrokerCore::shutdown()
{
    struct Live {
        std::weak_ptr<ClientConnection> connection;
        std::shared_ptr<ClientLink> link;
    };
    std::vector<Live> live;
    {
        std::lock_guard lock(connections_mutex_);
        shutting_down_ = true;
        for (auto* c = connections_.front(); c != nullptr; c = connections_.next(*c))
            live.push_back(Live{c->weak_from_this(), c->link()});
    }
    for (auto& connection : live) {
        connection.link->post([weak = connection.connection] {
            if (auto c = weak.lock()) c->on_shutdown();
        });
    }
}

}  // namespace moatmq::broker
