// ClientConnection, part 2: the packet flows of a connected client — PUBLISH in both directions with
// the QoS 1/2 state machines, SUBSCRIBE/UNSUBSCRIBE with retained delivery, DISCONNECT.
//
// Outbound (broker -> client), per message: queued in the session -> moved into the in-flight window
// when the client's Receive Maximum allows [MQTT-4.9.0-2] -> PUBLISH sent -> QoS 1: PUBACK frees it;
// QoS 2: PUBREC -> PUBREL sent -> PUBCOMP frees it. Unacknowledged messages stay in the session and are
// sent again, with DUP, when the client reconnects [MQTT-4.4.0-1] — never otherwise.
// Inbound (client -> broker), QoS 2: the message is routed when its PUBLISH arrives and its packet id
// remembered until PUBREL; a PUBLISH repeating that id is acknowledged but not routed again
// [MQTT-4.3.3-10], which is what makes it exactly once.
#include <algorithm>
#include <chrono>
#include <utility>

#include "broker/broker_core.hpp"
#include "broker/client_connection.hpp"
#include "codec/topic.hpp"

namespace moatmq::broker {
namespace {

using codec::ReasonCode;
using Stage = InflightMessage::Stage;

// Searched from the oldest: acknowledgements come mostly in send order, so usually the first one.
auto inflight_position(Session& session, std::uint16_t packet_id)
{
    return std::find_if(session.inflight.begin(), session.inflight.end(),
                        [packet_id](const InflightMessage& m) { return m.packet_id == packet_id; });
}

InflightMessage* find_inflight(Session& session, std::uint16_t packet_id)
{
    auto it = inflight_position(session, packet_id);
    return it == session.inflight.end() ? nullptr : &*it;
}

// The store's side of the QoS flows (persistence.hpp); nothing for a session that is not stored.
// Each requires the session's mutex, which keeps the store's order that of the session.
void store_stage(BrokerCore& core, const Session& session, const InflightMessage& m)
{
    if (!session.persistent || m.queued.stored_seq == 0) return;
    const auto stage = m.stage == Stage::awaiting_puback   ? StoredStage::awaiting_puback
                       : m.stage == Stage::awaiting_pubrec ? StoredStage::awaiting_pubrec
                                                           : StoredStage::awaiting_pubcomp;
    core.persistence()->put_delivery_stage(session.client_id, m.queued.stored_seq, m.packet_id, stage);
}

void store_done(BrokerCore& core, const Session& session, std::uint64_t stored_seq)
{
    if (!session.persistent || stored_seq == 0) return;
    core.persistence()->erase_delivery(session.client_id, stored_seq);
}

// Removes the in-flight message `packet_id` from the session and the store.
using InflightPosition = decltype(inflight_position(std::declval<Session&>(), 0));

// Ends the flow of the in-flight message at `it`, found by the caller.
void finish_inflight(BrokerCore& core, Session& session, InflightPosition it)
{
    store_done(core, session, it->queued.stored_seq);
    session.inflight.erase(it);
}

void finish_inflight(BrokerCore& core, Session& session, std::uint16_t packet_id)
{
    auto it = inflight_position(session, packet_id);
    if (it != session.inflight.end()) finish_inflight(core, session, it);
}

}  // namespace

bool ClientConnection::owns_session_locked() const
{
    return session_ && session_->generation == generation_ && !session_->ended;
}

// ---------------------------------------------------------------------------------------------------
// Outbound

// One slice of the queue per call (delivery_pressure.hpp): at most kDrainMessages messages or kDrainBytes
// queued bytes, then the next slice is posted, so that a backlog does not hold the worker.
void ClientConnection::drain()
{
    const StoreCall call(*this);
    if (state_ != State::connected || !session_) return;
    struct ToSend {
        QueuedMessage item;
        std::uint16_t packet_id;
    };
    // The batch's memory is reused from one drain to the next on this thread (taken out, so that a
    // drain within a drain would simply get its own); one allocation less per drain.
    thread_local std::vector<ToSend> spare;
    std::vector<ToSend> batch;
    batch.swap(spare);
    bool more = false;                     // stopped at the slice's end: this drain posts the next one
    std::vector<WaitingPublisher> resume;  // publishers paused for this session that may read again
    {
        std::lock_guard lock(session_->mutex);
        if (!owns_session_locked()) return;
        session_->drain_posted = false;
        if (session_->queued_expiry_bound != TimePoint::max()) {  // else nothing queued can expire
            std::vector<std::uint64_t> expired_stored;
            if (auto expired = session_->drop_expired(core_.clock().now(), &expired_stored)) {
                core_.stats().messages_dropped.fetch_add(expired, std::memory_order_relaxed);
            }
            for (auto seq : expired_stored)
                store_done(core_, *session_, seq);
        }
        const auto& pressure = core_.pressure();
        // The link still holds earlier output: the client (its socket) is what is slow, not this worker.
        bool client_bound = link_->queued_bytes() >= pressure.client_bound_bytes;
        std::size_t slice_bytes = 0;
        while (!session_->queue.empty()) {
            if (batch.size() >= kDrainMessages || slice_bytes >= kDrainBytes) {
                more = true;
                break;
            }
            auto& front = session_->queue.front();
            if (permissions_ && !permissions_->may_receive(front.message->topic)) {
                // Checked as it leaves, under the rules in force now: whatever route it took and however
                // long it waited, a message this client may not read is never sent.
                core_.stats().acl_receive_denied.fetch_add(1, std::memory_order_relaxed);
                store_done(core_, *session_, front.stored_seq);
                session_->queue.pop_front();
                continue;
            }
            std::uint16_t packet_id = 0;
            if (front.qos != codec::QoS::at_most_once) {
                // Waiting for the client's acknowledgements: it is the client that is behind.
                if (session_->inflight.size() >= client_receive_maximum_) {  // [MQTT-3.3.4-7]
                    client_bound = true;
                    break;
                }
                packet_id = session_->allocate_packet_id();
                if (packet_id == 0) {
                    client_bound = true;
                    break;
                }
                session_->inflight.push_back(InflightMessage{front, packet_id,
                                                             front.qos == codec::QoS::at_least_once
                                                                 ? Stage::awaiting_puback
                                                                 : Stage::awaiting_pubrec});
                // QoS 2 only: after a restart it must go out again with the same packet id. A QoS 1
                // message is simply sent again as a new one.
                if (front.qos == codec::QoS::exactly_once)
                    store_stage(core_, *session_, session_->inflight.back());
            }
            slice_bytes += front.bytes;
            batch.push_back(ToSend{std::move(front), packet_id});
            session_->queue.pop_front();
        }
        session_->client_bound = client_bound;
        if (more) session_->drain_posted = true;
        if (session_->publishers_waiting &&
            (client_bound || pressure.under_low(session_->queue.size(), session_->queue.weight()))) {
            resume = core_.take_waiting_locked(*session_);
        }
    }
    BrokerCore::resume_publishers(std::move(resume));
    // An outgoing QoS 2 PUBLISH waits for its stored packet id (see above).
    if (std::any_of(batch.begin(), batch.end(), [](const ToSend& s) {
            return s.item.qos == codec::QoS::exactly_once && s.item.stored_seq != 0;
        })) {
        note_store_writes();
    }
    std::vector<std::uint16_t> undeliverable;
    for (auto& [item, packet_id] : batch) {
        if (item.qos == codec::QoS::at_most_once &&
            link_->queued_bytes() > core_.options().max_queued_bytes) {
            // A slow subscriber: QoS 0 is dropped rather than buffered without bound.
            core_.stats().messages_dropped.fetch_add(1, std::memory_order_relaxed);
            if (!slow_warned_) {
                slow_warned_ = true;
                log(LogLevel::warning, "slow subscriber: dropping QoS 0 messages");
            }
            continue;
        }
        slow_warned_ = false;
        if (!send_publish(item, packet_id, false) && packet_id != 0) undeliverable.push_back(packet_id);
    }
    batch.clear();
    if (batch.capacity() <= kDrainMessages) spare.swap(batch);
    // After this slice's sends, so that the link's write of them is queued before the next slice.
    if (more) {
        link_->post([weak = weak_from_this()] {
            if (auto self = weak.lock()) self->drain();
        });
    }
    if (!undeliverable.empty()) {
        std::lock_guard lock(session_->mutex);
        if (!owns_session_locked()) return;
        for (auto id : undeliverable)
            finish_inflight(core_, *session_, id);
    }
}

void ClientConnection::resume_reading()
{
    if (read_pauses_ == 0) return;
    if (--read_pauses_ == 0) link_->pause_reading(false);
}

void ClientConnection::resend_inflight()
{
    std::vector<InflightMessage> inflight;
    {
        std::lock_guard lock(session_->mutex);
        if (!owns_session_locked()) return;
        inflight.assign(session_->inflight.begin(), session_->inflight.end());
    }
    std::vector<std::uint16_t> undeliverable;
    for (const auto& m : inflight) {
        if (m.stage == Stage::awaiting_pubcomp) {
            send(codec::Pubrel{m.packet_id, ReasonCode::Success, {}});
        } else if (permissions_ && !permissions_->may_receive(m.queued.message->topic)) {
            // The rules changed while the client was away: not sent again.
            core_.stats().acl_receive_denied.fetch_add(1, std::memory_order_relaxed);
            undeliverable.push_back(m.packet_id);
        } else if (!send_publish(m.queued, m.packet_id, true)) {  // DUP = 1 [MQTT-3.3.1-1]
            undeliverable.push_back(m.packet_id);
        }
    }
    if (!undeliverable.empty()) {
        std::lock_guard lock(session_->mutex);
        if (!owns_session_locked()) return;
        for (auto id : undeliverable)
            finish_inflight(core_, *session_, id);
    }
}

void ClientConnection::handle_puback(const codec::Puback& ack)
{
    if (take_puback(ack.packet_id)) drain();  // the window has room again
}

bool ClientConnection::take_puback(std::uint16_t packet_id)
{
    std::lock_guard lock(session_->mutex);
    if (!owns_session_locked()) return false;
    auto it = inflight_position(*session_, packet_id);
    if (it == session_->inflight.end() || it->stage != Stage::awaiting_puback) return false;  // unknown id
    finish_inflight(core_, *session_, it);
    return true;
}

void ClientConnection::handle_pubrec(const codec::Pubrec& ack)
{
    enum class Answer { none, release, not_found } answer = Answer::none;
    bool freed = false;
    {
        std::lock_guard lock(session_->mutex);
        if (!owns_session_locked()) return;
        auto* m = find_inflight(*session_, ack.packet_id);
        if (!m) {
            answer = Answer::not_found;
        } else if (m->stage == Stage::awaiting_pubrec && codec::is_error(ack.reason)) {
            // The client refused the message: the flow ends here [MQTT-4.3.3-4].
            finish_inflight(core_, *session_, ack.packet_id);
            freed = true;
        } else if (m->stage != Stage::awaiting_puback) {
            m->stage = Stage::awaiting_pubcomp;  // the message is now the client's [MQTT-4.3.3-3]
            store_stage(core_, *session_, *m);   // after a restart: PUBREL again, never the PUBLISH
            answer = Answer::release;
        }
    }
    note_store_writes();
    if (answer == Answer::release) send(codec::Pubrel{ack.packet_id, ReasonCode::Success, {}});
    if (answer == Answer::not_found) {
        send(codec::Pubrel{
            ack.packet_id, v5() ? ReasonCode::PacketIdentifierNotFound : ReasonCode::Success, {}});
    }
    if (freed) drain();
}

void ClientConnection::handle_pubcomp(const codec::Pubcomp& ack)
{
    {
        std::lock_guard lock(session_->mutex);
        if (!owns_session_locked()) return;
        auto* m = find_inflight(*session_, ack.packet_id);
        if (!m || m->stage != Stage::awaiting_pubcomp) return;
        finish_inflight(core_, *session_, ack.packet_id);
    }
    drain();
}

// ---------------------------------------------------------------------------------------------------
// Inbound

void ClientConnection::handle_publish(codec::Publish& publish)
{
    const auto& options = core_.options();
    core_.stats().messages_received.fetch_add(1, std::memory_order_relaxed);
    if (static_cast<int>(publish.qos) > static_cast<int>(options.maximum_qos)) {
        close_with(ReasonCode::QoSNotSupported, "PUBLISH above Maximum QoS");  // [MQTT-3.2.2-11]
        return;
    }
    if (publish.retain && !options.retain_available) {
        close_with(ReasonCode::RetainNotSupported,
                   "retained PUBLISH, retain not available");  // [MQTT-3.2.2-14]
        return;
    }
    if (v5() && publish.properties.topic_alias) {
        const auto alias = *publish.properties.topic_alias;
        if (alias == 0 || alias > options.topic_alias_maximum) {
            close_with(ReasonCode::TopicAliasInvalid,
                       "topic alias out of range");  // [MQTT-3.3.2-9] [MQTT-3.3.2-10]
            return;
        }
        auto& inbound_aliases = rare().inbound_aliases;
        if (publish.topic.empty()) {
            auto it = inbound_aliases.find(alias);
            if (it == inbound_aliases.end()) {
                close_with(ReasonCode::ProtocolError, "unknown topic alias");
                return;
            }
            publish.topic = it->second;
        } else {
            inbound_aliases[alias] = publish.topic;  // [MQTT-3.3.2-12]
        }
    }
    if (publish.topic.empty()) {
        close_with(ReasonCode::ProtocolError, "PUBLISH without topic");
        return;
    }
    const auto packet_id = publish.packet_id;
    const auto qos = publish.qos;
    if (qos == codec::QoS::exactly_once) {
        std::unique_lock lock(session_->mutex);
        if (!owns_session_locked()) return;
        if (session_->inbound_qos2.contains(packet_id)) {
            // A resend of a message already routed: acknowledge, do not deliver again [MQTT-4.3.3-10].
            lock.unlock();
            send(codec::Pubrec{packet_id, ReasonCode::Success, {}});
            return;
        }
        if (session_->inbound_qos2.size() >= options.receive_maximum) {
            lock.unlock();
            close_with(ReasonCode::ReceiveMaximumExceeded, "Receive Maximum exceeded");  // [MQTT-3.3.4-9]
            return;
        }
    }

    auto* store = qos == codec::QoS::at_most_once ? nullptr : core_.persistence();
    if (store != nullptr && !store->writable() && !v5()) {
        // The store cannot write (disk full): a QoS 1/2 message is not accepted. 3.1.1 has no way to say
        // so in PUBACK/PUBREC: the connection closes unacknowledged, and the client sends it again later.
        core_.stats().messages_refused.fetch_add(1, std::memory_order_relaxed);
        close_with(ReasonCode::QuotaExceeded, "store not writable: QoS 1/2 message not accepted");
        return;
    }
    struct Atomic {  // the routing and the inbound id of one message: committed together or not at all
        Persistence* store;
        explicit Atomic(Persistence* s) : store(s)
        {
            if (store) store->begin_atomic();
        }
        ~Atomic()
        {
            if (store) store->end_atomic();
        }
        Atomic(const Atomic&) = delete;
        Atomic& operator=(const Atomic&) = delete;
    } atomic(store);

    auto reason = ReasonCode::Success;
    if (publish.topic.starts_with("$SYS")) {
        // The broker's own namespace: clients do not write to it.
        reason = ReasonCode::NotAuthorized;
    } else if (permissions_ && !permissions_->may_publish(publish.topic)) {
        // Not routed, not retained; the authorizer reports it (audit log). 5.0 QoS 1/2 hear 0x87; QoS 0 and
        // 3.1.1 cannot be told: dropped, or disconnected if the operator asked for it.
        reason = ReasonCode::NotAuthorized;
        core_.stats().acl_publish_denied.fetch_add(1, std::memory_order_relaxed);
        if (options.disconnect_on_denied_publish && (qos == codec::QoS::at_most_once || !v5())) {
            close_with(ReasonCode::NotAuthorized, "PUBLISH not authorized");
            return;
        }
    } else if (store != nullptr && !store->writable()) {
        // The store cannot write (disk full): nothing is routed; the client may try again later.
        reason = ReasonCode::QuotaExceeded;
        core_.stats().messages_refused.fetch_add(1, std::memory_order_relaxed);
    } else if (core_.payload_policy().refuses(publish.topic, publish.payload, publish.retain)) {
        // Plaintext on an encrypted topic: not routed, not retained (payload_policy.hpp). 3.1.1 and
        // QoS 0 cannot be told: dropped. The log names the topic, never the payload.
        reason = ReasonCode::PayloadFormatInvalid;
        core_.stats().messages_refused.fetch_add(1, std::memory_order_relaxed);
        log(LogLevel::warning, "PUBLISH refused: payload on encrypted topic \"" + publish.topic +
                                   "\" is not an encrypted envelope");
    } else {
        auto message = std::make_shared<Message>();
        message->topic = std::move(publish.topic);
        message->payload = std::move(publish.payload);
        message->qos = qos;
        message->retain = publish.retain;
        if (v5()) {
            message->properties = std::move(publish.properties);
            message->properties.topic_alias.reset();
            message->properties.subscription_identifiers.clear();
            if (auto expiry = message->properties.message_expiry_interval) {
                message->expires_at = core_.clock().now() + std::chrono::seconds(*expiry);
                message->properties.message_expiry_interval.reset();
            }
        }
        Publisher from{this, &link_, 0};
        const auto matched = core_.publish(message, session_->id, &from);
        if (matched == 0 && v5()) reason = ReasonCode::NoMatchingSubscribers;
        if (from.waits > 0) {
            // A receiving session's worker is behind: read nothing more until it has caught up.
            if (read_pauses_ == 0) link_->pause_reading(true);
            read_pauses_ += from.waits;
        }
    }
    if (!v5()) reason = ReasonCode::Success;
    // An acknowledgement says: durable for every persistent receiver (and as retained).
    if (qos != codec::QoS::at_most_once) note_store_writes();
    if (qos == codec::QoS::at_least_once) {
        send(codec::Puback{packet_id, reason, {}});
    } else if (qos == codec::QoS::exactly_once) {
        if (!codec::is_error(reason)) {
            std::lock_guard lock(session_->mutex);
            if (owns_session_locked()) {
                session_->inbound_qos2.insert(packet_id);
                if (session_->persistent) core_.persistence()->put_inbound_qos2(client_id(), packet_id);
            }
        }
        send(codec::Pubrec{packet_id, reason, {}});
    }
}

void ClientConnection::handle_pubrel(const codec::Pubrel& release)
{
    bool known = false;
    {
        std::lock_guard lock(session_->mutex);
        if (!owns_session_locked()) return;
        known = session_->inbound_qos2.erase(release.packet_id) > 0;
        if (known && session_->persistent)
            core_.persistence()->erase_inbound_qos2(client_id(), release.packet_id);
    }
    // [MQTT-4.3.3-11]: PUBCOMP with the same id; 5.0 says when the id was unknown.
    note_store_writes();  // the id may be reused after PUBCOMP: its erasure must not be lost
    send(codec::Pubcomp{
        release.packet_id, known || !v5() ? ReasonCode::Success : ReasonCode::PacketIdentifierNotFound, {}});
}

// ---------------------------------------------------------------------------------------------------
// Subscriptions

void ClientConnection::handle_subscribe(const codec::Subscribe& subscribe)
{
    const auto& options = core_.options();
    const auto& ids = subscribe.properties.subscription_identifiers;
    if (!ids.empty() && !options.subscription_identifier_available) {
        close_with(ReasonCode::SubscriptionIdentifiersNotSupported, "subscription identifier not available");
        return;
    }
    const std::uint32_t subscription_id = ids.empty() ? 0 : ids.front();
    const auto now = core_.clock().now();
    codec::Suback suback;
    suback.packet_id = subscribe.packet_id;
    std::vector<QueuedMessage> retained;
    std::vector<MessagePtr> found;
    for (const auto& wanted : subscribe.subscriptions) {
        auto refuse = [&](ReasonCode reason) {
            suback.reasons.push_back(v5() ? reason : ReasonCode::UnspecifiedError);
        };
        auto shared = codec::parse_shared_filter(wanted.filter);
        if (!shared || codec::validate_topic_filter(wanted.filter)) {
            refuse(ReasonCode::TopicFilterInvalid);
            continue;
        }
        const bool is_shared = shared->has_value();
        if (is_shared && wanted.options.no_local) {
            close_with(ReasonCode::ProtocolError, "No Local on a shared subscription");  // [MQTT-3.8.3-4]
            return;
        }
        if (is_shared && !options.shared_subscription_available) {
            refuse(ReasonCode::SharedSubscriptionsNotSupported);
            continue;
        }
        const std::string_view filter = is_shared ? (*shared)->filter : std::string_view(wanted.filter);
        if (!options.wildcard_subscription_available &&
            filter.find_first_of("+#") != std::string_view::npos) {
            refuse(ReasonCode::WildcardSubscriptionsNotSupported);
            continue;
        }
        if (permissions_ && !permissions_->may_subscribe(filter)) {
            // For that filter only; a shared subscription is judged on its filter part.
            core_.stats().acl_subscribe_denied.fetch_add(1, std::memory_order_relaxed);
            refuse(ReasonCode::NotAuthorized);
            continue;
        }
        auto granted = wanted.options;
        granted.qos = std::min(granted.qos, options.maximum_qos);  // [MQTT-3.8.4-6]
        {
            // Bounded memory: a session holds at most max_subscriptions filters. Replacing an existing
            // subscription is always allowed.
            std::lock_guard lock(session_->mutex);
            if (session_->subscription_count >= options.max_subscriptions) {
                const auto filters = core_.router().subscriptions().filters_of(session_->id);
                if (std::find(filters.begin(), filters.end(), wanted.filter) == filters.end()) {
                    refuse(ReasonCode::QuotaExceeded);
                    continue;
                }
            }
        }
        auto existed = core_.router().subscribe(session_->id, wanted.filter, granted, subscription_id);
        if (!existed) {
            refuse(ReasonCode::TopicFilterInvalid);
            continue;
        }
        {
            std::lock_guard lock(session_->mutex);
            if (!*existed) ++session_->subscription_count;
            // Under the session's lock: a session ended meanwhile (takeover) must not get it back.
            if (session_->persistent && !session_->ended) {
                core_.persistence()->put_subscription(
                    client_id(), StoredSubscription{wanted.filter, granted, subscription_id});
            }
        }
        suback.reasons.push_back(static_cast<ReasonCode>(granted.qos));
        // Retained messages for a new subscription, per Retain Handling [MQTT-3.3.1-9] [MQTT-3.3.1-10]
        // [MQTT-3.3.1-11]; never for a shared one (spec §4.8.2).
        const auto handling = granted.retain_handling;
        if (is_shared || handling == codec::RetainHandling::dont_send ||
            (handling == codec::RetainHandling::send_if_new && *existed)) {
            continue;
        }
        found.clear();
        core_.router().retained_for(wanted.filter, now, found);
        for (auto& message : found) {
            QueuedMessage item;
            item.qos = std::min(message->qos, granted.qos);
            item.retain = true;  // retained messages sent on subscribe keep RETAIN=1 [MQTT-3.3.1-9]
            if (subscription_id != 0) item.subscription_ids.push_back(subscription_id);
            item.message = std::move(message);
            retained.push_back(std::move(item));
        }
    }
    {
        // A takeover with clean start may have ended the session while we subscribed: leave nothing
        // behind in the router for a session that no longer exists.
        std::lock_guard lock(session_->mutex);
        if (session_->ended) core_.router().unsubscribe_all(session_->id);
    }
    note_store_writes();
    send(suback);  // [MQTT-3.8.4-1]
    for (auto& item : retained)
        core_.deliver(*session_, std::move(item));
}

void ClientConnection::handle_unsubscribe(const codec::Unsubscribe& unsubscribe)
{
    codec::Unsuback unsuback;
    unsuback.packet_id = unsubscribe.packet_id;
    for (const auto& filter : unsubscribe.filters) {
        const bool existed = core_.router().unsubscribe(session_->id, filter);
        if (existed) {
            std::lock_guard lock(session_->mutex);
            if (session_->subscription_count > 0) --session_->subscription_count;
            if (session_->persistent && !session_->ended)
                core_.persistence()->erase_subscription(client_id(), filter);
        }
        if (v5())
            unsuback.reasons.push_back(existed ? ReasonCode::Success : ReasonCode::NoSubscriptionExisted);
    }
    send(unsuback);  // [MQTT-3.10.4-4]
}

// ---------------------------------------------------------------------------------------------------
// DISCONNECT

void ClientConnection::handle_disconnect(const codec::Disconnect& disconnect)
{
    if (v5()) {
        if (auto expiry = disconnect.properties.session_expiry_interval) {
            if (expiry_at_connect_ == 0 && *expiry != 0) {
                close_with(ReasonCode::ProtocolError,
                           "session expiry set at DISCONNECT after 0");  // [MQTT-3.14.2-2]
                return;
            }
            std::lock_guard lock(session_->mutex);
            if (owns_session_locked()) {
                session_->expiry_interval = std::min(*expiry, core_.options().max_session_expiry_interval);
            }
        }
        // Only a DISCONNECT with reason 0x00 discards the will [MQTT-3.14.4-3]; 0x04 asks for it, and
        // so does any error the client reports (spec §3.1.2.5: "closed without a DISCONNECT with
        // Reason Code 0x00").
        publish_will_on_close_ = disconnect.reason != ReasonCode::Success;
    } else {
        publish_will_on_close_ = false;  // [MQTT-3.1.2-10]
    }
    log(LogLevel::info, "DISCONNECT received");
    send_batched_acks();  // the packets before the DISCONNECT are answered
    close_now("DISCONNECT received");
}

}  // namespace moatmq::broker
