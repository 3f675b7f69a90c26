// ClientConnection, part 1: lifecycle, CONNECT/CONNACK, timers, closing and sending.
// The packet flows after CONNECT (PUBLISH and its acks, SUBSCRIBE, DISCONNECT) are in
// client_connection_flows.cpp.
#include "broker/client_connection.hpp"

#include <algorithm>
#include <chrono>
#include <string>
#include <type_traits>

#include "broker/broker_core.hpp"
#include "broker/publish_encoding.hpp"
#include "codec/encoder.hpp"
#include "codec/topic.hpp"

namespace moatmq::broker {
namespace {

using codec::ReasonCode;

// Enough of a CONNECT to read its protocol level: fixed header (5) + name (2 + 6) + level (1).
constexpr std::size_t kConnectPrefix = 14;

template <class... F>
struct Overloaded : F... {
    using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

const char* version_name(codec::ProtocolVersion version)
{
    switch (version) {
        case codec::ProtocolVersion::v31:
            return "3.1";
        case codec::ProtocolVersion::v311:
            return "3.1.1";
        case codec::ProtocolVersion::v5:
            return "5.0";
    }
    return "?";
}

}  // namespace

ClientConnection::ClientConnection(BrokerCore& core, ConnectionInfo info, std::shared_ptr<ClientLink> link)
    : core_(core),
      link_(std::move(link)),
      decoder_(codec::DecodeOptions{codec::ProtocolVersion::v5, codec::Sender::client,
                                    core.options().max_packet_size}),
      connect_deadline_(core.clock().now() + core.options().connect_timeout),
      last_received_(core.clock().now())
{
    rare().info = std::move(info);
}

ClientConnection::~ClientConnection()
{
    core_.unregister_connection(*this);  // normally on_closed() did
}

ClientConnection::Rare& ClientConnection::rare()
{
    if (!rare_) rare_ = std::make_unique<Rare>();
    return *rare_;
}

void ClientConnection::release_rare() noexcept
{
    if (!rare_) return;
    const Rare& r = *rare_;
    if (r.connect_prefix.empty() && !r.pending_connect && !r.refusal && r.auth_method_name.empty() &&
        !r.conversation && r.inbound_aliases.empty() && r.outbound_aliases.empty())
        rare_.reset();  // info and claimed_username serve authentication: none can follow without a method
}

const std::string& ClientConnection::client_id() const noexcept
{
    static const std::string none;
    if (session_) return session_->client_id;
    return rare_ ? rare_->client_id : none;
}

const std::string& ClientConnection::auth_method_name() const noexcept
{
    static const std::string none;
    return rare_ ? rare_->auth_method_name : none;
}

void ClientConnection::log(LogLevel level, std::string_view text) const
{
    const auto& sink = core_.options().log;
    if (!sink) return;
    std::string line = "client ";
    line += client_id().empty() ? "(no id)" : client_id();
    line += " [" + remote_address() + "]: ";
    line += text;
    sink(level, line);
}

// ---------------------------------------------------------------------------------------------------
// Bytes in

void ClientConnection::on_bytes(ByteView bytes)
{
    const StoreCall call(*this);
    if (state_ == State::closing || state_ == State::closed) return;
    if (refusal_pending())
        return;  // a failed authentication waits for its delayed answer; the connection is done
    core_.stats().bytes_received.fetch_add(bytes.size(), std::memory_order_relaxed);
    if (state_ == State::awaiting_connect && (!rare_ || rare_->connect_prefix.size() < kConnectPrefix)) {
        auto& prefix = rare().connect_prefix;
        const auto take = std::min(bytes.size(), kConnectPrefix - prefix.size());
        prefix.insert(prefix.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(take));
    }
    // Decoded in place; what is left when this returns (a partial packet, or packets that wait for
    // the authentication) is copied then.
    decoder_.lend(bytes);
    struct Keep {
        codec::StreamDecoder& decoder;
        ~Keep() { decoder.keep_lent(); }
    } keep{decoder_};
    if (state_ == State::authenticating) {
        // Nothing after the CONNECT is processed until it is decided: the bytes wait in the decoder, up to
        // one packet's worth (a client has no reason to send more before its CONNACK).
        if (decoder_.buffered() > core_.options().max_packet_size) {
            log(LogLevel::info, "closed: too much data while the CONNECT is being authenticated");
            close_now("too much data while the CONNECT is being authenticated");
        }
        return;
    }
    decode_buffered();
}

void ClientConnection::decode_buffered()
{
    if (decoding_) return;  // an inline authentication decision, from inside this loop
    decoding_ = true;
    AckBatch acks(*this);
    bool window_freed = false;     // PUBACKs freed room in the in-flight window: one drain() at the end
    std::optional<TimePoint> now;  // one clock read per batch of packets, not per packet
    while (state_ == State::awaiting_connect || state_ == State::auth_exchange ||
           state_ == State::connected) {
        if (state_ == State::connected) {
            // A PUBACK with reason Success and no properties (every 3.1.1 PUBACK, most 5.0 ones) is read
            // straight from its 4 bytes: next() would build and move a whole Packet for its packet id.
            const ByteView bytes = decoder_.pending();
            if (bytes.size() >= 4 && bytes[0] == std::byte{0x40} && bytes[1] == std::byte{0x02}) {
                const auto id = static_cast<std::uint16_t>(std::to_integer<unsigned>(bytes[2]) << 8 |
                                                           std::to_integer<unsigned>(bytes[3]));
                if (id != 0) {  // else next() reports the malformed packet
                    decoder_.skip(4);
                    if (!now) now = core_.clock().now();
                    last_received_ = *now;
                    window_freed = take_puback(id) || window_freed;
                    continue;
                }
            }
        }
        auto next = decoder_.next();
        if (!next) {
            on_decode_error(next.error());
            break;
        }
        if (!*next) break;
        if (!now) now = core_.clock().now();
        last_received_ = *now;
        handle(**next);
    }
    decoding_ = false;
    if (decoder_.buffered() == 0) decoder_.shrink();
    acks.send();
    if (window_freed) drain();  // the window has room again
}

void ClientConnection::on_decode_error(const error_code& ec)
{
    auto reason = ReasonCode::MalformedPacket;
    if (ec.category() == codec::codec_category())
        reason = codec::reason_code(static_cast<codec::CodecError>(ec.value()));
    const std::string why = "malformed packet: " + ec.message();
    if (state_ == State::awaiting_connect) {
        if (ec == codec::CodecError::unsupported_protocol_version) {
            // [MQTT-3.1.2-2]: CONNACK 0x01 (3.1.1 form, which every version's client can read), then close.
            log(LogLevel::info, why);
            refuse_connect(ReasonCode::UnsupportedProtocolVersion, codec::ProtocolVersion::v311);
            return;
        }
        const auto version =
            codec::peek_connect_version(rare_ ? ByteView(rare_->connect_prefix) : ByteView{});
        if (ec == codec::CodecError::client_id_invalid && version) {
            // Every version answers a refused client id with a CONNACK: 3.1.1 return code 2
            // [MQTT-3.1.3-9], 5.0 0x85.
            log(LogLevel::info, why);
            refuse_connect(ReasonCode::ClientIdentifierNotValid, *version);
            return;
        }
        if (version == codec::ProtocolVersion::v5) {
            // 5.0: a CONNACK with the reason code, then close [MQTT-4.13.1-1].
            log(LogLevel::info, why);
            refuse_connect(reason, codec::ProtocolVersion::v5, why);
            return;
        }
        // 3.1.1: close without a CONNACK [MQTT-4.8.0-1].
        log(LogLevel::info, why);
        close_now(why);
        return;
    }
    if (state_ == State::auth_exchange) {  // after CONNECT, before CONNACK
        log(LogLevel::info, why);
        refuse_connect(reason, version_, why);
        return;
    }
    close_with(reason, why);
}

void ClientConnection::handle(codec::Packet& packet)
{
    if (state_ == State::awaiting_connect) {
        if (auto* connect = std::get_if<codec::Connect>(&packet)) {
            handle_connect(*connect);
        } else {
            // The first packet from a client MUST be CONNECT [MQTT-3.1.0-1].
            log(LogLevel::info, "first packet is not CONNECT");
            close_now("first packet is not CONNECT");
        }
        return;
    }
    if (state_ == State::auth_exchange) {
        // Until the exchange ends, only AUTH (or DISCONNECT) may come from the client.
        if (auto* auth = std::get_if<codec::Auth>(&packet)) {
            handle_auth(*auth);
        } else if (std::holds_alternative<codec::Disconnect>(packet)) {
            log(LogLevel::info, "disconnected during authentication");
            close_now("disconnected during authentication");
        } else {
            refuse_connect(ReasonCode::ProtocolError, version_,
                           "only AUTH may follow CONNECT until authenticated");
        }
        return;
    }
    std::visit(Overloaded{
                   [this](codec::Connect&) {
                       close_with(ReasonCode::ProtocolError, "second CONNECT [MQTT-3.1.0-2]");
                   },
                   [this](codec::Publish& p) { handle_publish(p); },
                   [this](codec::Puback& p) { handle_puback(p); },
                   [this](codec::Pubrec& p) { handle_pubrec(p); },
                   [this](codec::Pubrel& p) { handle_pubrel(p); },
                   [this](codec::Pubcomp& p) { handle_pubcomp(p); },
                   [this](codec::Subscribe& p) { handle_subscribe(p); },
                   [this](codec::Unsubscribe& p) { handle_unsubscribe(p); },
                   [this](codec::Pingreq&) { send(codec::Pingresp{}); },  // [MQTT-3.12.4-1]
                   [this](codec::Disconnect& p) { handle_disconnect(p); },
                   [this](codec::Auth& p) { handle_auth(p); },
                   [this](auto&) { close_with(ReasonCode::ProtocolError, "packet a server never accepts"); },
               },
               packet);
}

// ---------------------------------------------------------------------------------------------------
// CONNECT

void ClientConnection::refuse_connect(ReasonCode reason, codec::ProtocolVersion version, std::string_view why)
{
    version_ = version;
    codec::Connack connack;
    connack.reason = reason;
    if (v5() && !why.empty()) connack.properties.reason_string = std::string(why);
    send(connack);
    close_now(why.empty() ? std::string_view("CONNECT refused") : why);
}

void ClientConnection::handle_connect(codec::Connect& connect)
{
    const auto& options = core_.options();
    version_ = connect.version;
    auto decode_options = decoder_.options();
    decode_options.version = version_;
    decoder_.set_options(decode_options);
    if (rare_) rare_->connect_prefix = Bytes{};
    // Known before any answer: a refusing CONNACK keeps to it too [MQTT-3.2.2-19] [MQTT-3.1.2-24].
    if (v5() && connect.properties.maximum_packet_size)
        client_maximum_packet_size_ = *connect.properties.maximum_packet_size;

    if (core_.shutting_down()) {
        log(LogLevel::info, "refused: shutting down");
        refuse_connect(v5() ? ReasonCode::ServerShuttingDown : ReasonCode::ServerUnavailable, version_);
        return;
    }

    std::string client_id = std::move(connect.client_id);
    bool assigned = false;
    if (client_id.empty()) {
        if (!v5() && !connect.clean_start) {
            // 3.1.1: an empty id needs clean session = 1 [MQTT-3.1.3-8]; return code 2 [MQTT-3.1.3-9].
            log(LogLevel::info, "refused: empty client id without clean session");
            refuse_connect(ReasonCode::ClientIdentifierNotValid, version_);
            return;
        }
        client_id = core_.assign_client_id();  // [MQTT-3.1.3-6]
        assigned = true;
    }
    if (client_id.size() > options.max_client_id_length) {
        log(LogLevel::info, "refused: client id too long");
        refuse_connect(ReasonCode::ClientIdentifierNotValid, version_);
        return;
    }

    std::optional<WillSpec> will;
    bool will_refused = false;
    if (connect.will) {
        auto& w = *connect.will;
        if (codec::validate_topic_name(w.topic)) {
            log(LogLevel::info, "refused: invalid will topic");
            refuse_connect(ReasonCode::TopicNameInvalid, version_, "invalid will topic");
            return;
        }
        if (v5() && static_cast<int>(w.qos) > static_cast<int>(options.maximum_qos)) {
            refuse_connect(ReasonCode::QoSNotSupported, version_,
                           "will QoS above Maximum QoS");  // [MQTT-3.2.2-12]
            return;
        }
        if (v5() && w.retain && !options.retain_available) {
            refuse_connect(ReasonCode::RetainNotSupported, version_,
                           "retain not available");  // [MQTT-3.2.2-13]
            return;
        }
        // A plaintext will on an encrypted topic is never published (payload_policy.hpp): 5.0 refuses
        // the CONNECT with 0x99, 3.1.1 (no such return code) connects without the will.
        will_refused = core_.payload_policy().refuses(w.topic, w.payload, w.retain);
        if (will_refused) {
            core_.stats().messages_refused.fetch_add(1, std::memory_order_relaxed);
            log(LogLevel::warning, "will refused: payload on encrypted topic \"" + w.topic +
                                       "\" is not an encrypted envelope (client id " + client_id +
                                       (v5() ? "); CONNECT refused" : "); will discarded"));
            if (v5()) {
                refuse_connect(ReasonCode::PayloadFormatInvalid, version_,
                               "will payload on an encrypted topic is not an encrypted envelope");
                return;
            }
        }
    }
    if (connect.will && !will_refused) {
        auto& w = *connect.will;
        auto message = std::make_shared<Message>();
        message->topic = std::move(w.topic);
        message->payload = std::move(w.payload);
        message->qos = std::min(w.qos, options.maximum_qos);
        message->retain = w.retain && options.retain_available;
        message->origin_client_id = client_id;
        WillSpec spec;
        if (v5()) {
            spec.delay_interval = w.properties.will_delay_interval.value_or(0);
            message->properties = std::move(w.properties);
            message->properties.will_delay_interval.reset();
            // message_expiry_interval stays: BrokerCore::publish_will starts it when the will goes out.
        }
        spec.message = std::move(message);
        will = std::move(spec);
    }

    // Keep alive: the client's, unless the broker caps it (5.0 tells the client: Server Keep Alive).
    std::uint16_t keep_alive = connect.keep_alive;
    std::optional<std::uint16_t> server_keep_alive;
    if (v5() && options.max_keep_alive != 0 && (keep_alive == 0 || keep_alive > options.max_keep_alive)) {
        keep_alive = options.max_keep_alive;
        server_keep_alive = keep_alive;  // [MQTT-3.2.2-21]
    }
    // Silence for 1.5 x keep alive closes the connection [MQTT-3.1.2-24].
    keep_alive_ = std::chrono::milliseconds(std::int64_t{keep_alive} * 1500);  // zero: none

    std::uint32_t expiry = 0;
    std::optional<std::uint32_t> expiry_told;
    if (v5()) {
        expiry = connect.properties.session_expiry_interval.value_or(0);
        if (expiry > options.max_session_expiry_interval)
            expiry_told = expiry = options.max_session_expiry_interval;
        client_receive_maximum_ = connect.properties.receive_maximum.value_or(65535);
        client_topic_alias_maximum_ = connect.properties.topic_alias_maximum.value_or(0);
        request_problem_information_ = connect.properties.request_problem_information.value_or(1) != 0;
    } else {
        expiry = connect.clean_start ? 0 : options.max_session_expiry_interval;
        client_receive_maximum_ = options.max_inflight_messages;
    }
    // The outbound window: never more than the client allows [MQTT-3.3.4-7], nor more than we keep.
    client_receive_maximum_ = std::min(client_receive_maximum_, options.max_inflight_messages);
    expiry_at_connect_ = expiry;
    rare().client_id = client_id;

    rare().pending_connect =
        PendingConnect{AttachRequest{client_id, connect.clean_start, expiry, std::move(will), version_},
                       assigned, server_keep_alive, expiry_told,
                       v5() && connect.properties.request_response_information.value_or(0) == 1};
    authenticate_connect(connect);  // finish_connect() follows, now or from a posted task
}

void ClientConnection::finish_connect(const Bytes& auth_data)
{
    const auto& options = core_.options();
    PendingConnect pending = std::move(*rare().pending_connect);
    rare_->pending_connect.reset();
    const std::string client_id = pending.request.client_id;
    if (options.authorizer) {
        permissions_ = options.authorizer->permissions_for(
            ClientIdentity{identity(), client_id, rare_->info.listener, remote_address()});
    }
    if (pending.request.will && !identity().empty()) {
        // The will's ACL check runs when it is published, perhaps long after this connection: it carries
        // the identity it is checked for.
        auto will = std::make_shared<Message>(*pending.request.will->message);
        will->origin_username = identity();
        pending.request.will->message = std::move(will);
    }
    auto attached = core_.attach(std::move(pending.request), shared_from_this(), link_);
    session_ = std::move(attached.session);
    generation_ = attached.generation;
    state_ = State::connected;

    codec::Connack connack;
    connack.session_present = attached.session_present;  // [MQTT-3.2.2-2] [MQTT-3.2.2-3]
    if (v5()) {
        auto& p = connack.properties;
        if (pending.assigned_client_id) p.assigned_client_identifier = client_id;  // [MQTT-3.2.2-16]
        p.receive_maximum = options.receive_maximum;
        if (options.maximum_qos != codec::QoS::exactly_once)
            p.maximum_qos = static_cast<std::uint8_t>(options.maximum_qos);
        if (!options.retain_available) p.retain_available = 0;
        p.maximum_packet_size = options.max_packet_size;
        if (options.topic_alias_maximum != 0) p.topic_alias_maximum = options.topic_alias_maximum;
        if (!options.wildcard_subscription_available) p.wildcard_subscription_available = 0;
        if (!options.subscription_identifier_available) p.subscription_identifier_available = 0;
        if (!options.shared_subscription_available) p.shared_subscription_available = 0;
        p.server_keep_alive = pending.server_keep_alive;
        p.session_expiry_interval = pending.expiry_told;
        if (pending.request_response_information && !options.response_information_prefix.empty())
            p.response_information = options.response_information_prefix + client_id;
        if (!auth_method_name().empty()) {
            p.authentication_method = auth_method_name();
            if (!auth_data.empty()) p.authentication_data = auth_data;  // SCRAM's server-final
        }
    }
    note_store_writes();  // the session record: a CONNACK says the session exists
    send(connack);
    log(LogLevel::info, std::string("connected (MQTT ") + version_name(version_) +
                            (attached.session_present ? ", session resumed)" : ", new session)"));

    release_rare();  // an idle connection keeps none of the CONNECT's state

    resend_inflight();
    drain();
    decode_buffered();  // what the client sent after its CONNECT while it was being authenticated
}

// ---------------------------------------------------------------------------------------------------
// Timers and closing

std::optional<TimePoint> ClientConnection::next_deadline() const
{
    if (refusal_pending()) return rare_->refusal->at;  // a throttled answer: the connect timeout waits for it
    if (state_ == State::awaiting_connect || state_ == State::authenticating ||
        state_ == State::auth_exchange)
        return connect_deadline_;
    if (state_ == State::connected && keep_alive_ != Duration::zero()) return last_received_ + keep_alive_;
    return std::nullopt;
}

void ClientConnection::on_timer(TimePoint now)
{
    const StoreCall call(*this);
    if (refusal_pending()) {
        if (now < rare_->refusal->at) return;
        const PendingRefusal refusal = std::move(*rare_->refusal);
        rare_->refusal.reset();
        refuse_authentication(refusal.reason, refusal.reason_string);
        return;
    }
    if ((state_ == State::awaiting_connect || state_ == State::authenticating ||
         state_ == State::auth_exchange) &&
        now >= connect_deadline_) {
        log(LogLevel::info, "closed: no CONNECT within the connect timeout");
        close_now("no CONNECT within the connect timeout");
        return;
    }
    if (state_ == State::connected && keep_alive_ != Duration::zero() &&
        now >= last_received_ + keep_alive_) {
        close_with(ReasonCode::KeepAliveTimeout, "keep alive timeout");  // [MQTT-3.1.2-24]
    }
}

void ClientConnection::close_with(ReasonCode reason, std::string_view why)
{
    if (state_ == State::closing || state_ == State::closed) return;
    send_batched_acks();  // the batch's earlier packets are answered before the connection closes
    log(LogLevel::info, std::string("closing: ") + std::string(why));
    const bool connected = state_ == State::connected;
    state_ = State::closing;  // before the DISCONNECT: it does not wait behind held packets
    if (v5() && connected) {
        codec::Disconnect disconnect;
        disconnect.reason = reason;
        disconnect.properties.reason_string = std::string(why);  // dropped if over the client's limit
        send(disconnect);
    }
    link_->close(why);
}

void ClientConnection::close_now(std::string_view why)
{
    state_ = State::closing;
    link_->close(why);
}

void ClientConnection::on_taken_over()
{
    if (state_ != State::connected) return;
    log(LogLevel::info, "session taken over by a new connection");
    publish_will_on_close_ = false;  // the new connection's attach already decided the will's fate
    close_with(ReasonCode::SessionTakenOver, "session taken over");  // [MQTT-3.1.4-3]
}

void ClientConnection::on_shutdown()
{
    publish_will_on_close_ = false;
    if (state_ == State::awaiting_connect || state_ == State::authenticating ||
        state_ == State::auth_exchange) {
        close_now("broker shutting down");
        return;
    }
    close_with(ReasonCode::ServerShuttingDown, "broker shutting down");
}

void ClientConnection::on_closed()
{
    if (state_ == State::closed) return;
    const bool was_connected = session_ != nullptr;
    state_ = State::closed;
    core_.unregister_connection(*this);
    if (rare_) {
        rare_->conversation.reset();
        rare_->refusal.reset();
    }
    if (session_) core_.detach(session_, generation_, publish_will_on_close_);
    if (was_connected) log(LogLevel::info, publish_will_on_close_ ? "closed abnormally" : "closed");
    session_.reset();  // after the log line: the session holds the client id
}

// ---------------------------------------------------------------------------------------------------
// Sending

// ---------------------------------------------------------------------------------------------------
// Acknowledgements of one batch of decoded packets

namespace {

// The acknowledgements (PUBACK, PUBREC, PUBCOMP) a connection answers one read's packets with, encoded
// into one buffer and queued as one packet when the batch ends: one allocation and one queued packet per
// read, not two allocations and a packet per acknowledgement. One per thread: a worker decodes one
// connection's batch at a time; `owner` is that connection while its batch is being decoded.
struct PendingAcks {
    const ClientConnection* owner = nullptr;
    Bytes bytes;
};
thread_local PendingAcks t_acks;

}  // namespace

ClientConnection::AckBatch::AckBatch(ClientConnection& c) : c_(c), owner_(t_acks.owner == nullptr)
{
    if (owner_) t_acks.owner = &c_;
}

ClientConnection::AckBatch::~AckBatch()
{
    if (!owner_) return;
    t_acks.owner = nullptr;
    t_acks.bytes.clear();  // only left there when an exception ended the batch
}

void ClientConnection::AckBatch::send()
{
    if (owner_) c_.send_batched_acks();
}

void ClientConnection::send_batched_acks()
{
    if (t_acks.owner != this || t_acks.bytes.empty()) return;
    // Copied out at its size; the thread's buffer keeps its capacity for the next batch.
    auto packets = std::make_shared<const Bytes>(t_acks.bytes.begin(), t_acks.bytes.end());
    t_acks.bytes.clear();
    send_bytes(std::move(packets));
}

bool ClientConnection::send_bytes(SharedBytes bytes)
{
    send_batched_acks();  // what the batch answered so far goes first: packets keep their order
    core_.stats().bytes_sent.fetch_add(bytes->size(), std::memory_order_relaxed);
    // Group commit (persistence.hpp): a packet sent after a store mutation waits for its commit, and
    // every later packet waits behind it, so that order is kept. Packets sent while closing do not wait
    // (what is held is dropped: not acknowledged, the client sends it again).
    if (auto* store = core_.persistence(); store != nullptr && state_ == State::connected) {
        if (held_ || store_needed_ > store->durable()) {
            if (!held_) held_ = std::make_unique<MessageQueue<HeldPacket>>();
            held_->push_back(HeldPacket{store_needed_, std::move(bytes)});
            wait_for_store();
            return true;
        }
    }
    link_->send(std::move(bytes));
    return true;
}

ClientConnection::StoreCall::StoreCall(ClientConnection& c) : c_(c), outer_(!c.in_store_call_)
{
    if (!outer_) return;
    c_.in_store_call_ = true;
    if (auto* store = c_.core_.persistence()) c_.store_seen_ = store->written_by_this_thread();
}

ClientConnection::StoreCall::~StoreCall()
{
    if (outer_) c_.in_store_call_ = false;
}

void ClientConnection::note_store_writes()
{
    auto* store = core_.persistence();
    if (store == nullptr) return;
    const auto written = store->written_by_this_thread();
    if (written > store_seen_) store_needed_ = std::max(store_needed_, written);  // made during this call
    store_seen_ = written;
}

void ClientConnection::wait_for_store()
{
    if (store_wait_ || !held_) return;
    store_wait_ = true;
    // The store calls back on its own thread; the answer comes back to this one through the link.
    core_.persistence()->when_durable(held_->front().seq, [weak = weak_from_this(), link = link_](bool ok) {
        link->post([weak, ok] {
            if (auto self = weak.lock()) self->on_store_commit(ok);
        });
    });
}

void ClientConnection::on_store_commit(bool ok)
{
    const StoreCall call(*this);
    store_wait_ = false;
    if (state_ != State::connected) {
        held_.reset();
        return;
    }
    if (!ok) {
        held_.reset();
        close_with(ReasonCode::UnspecifiedError,
                   "store write failed: unacknowledged messages must be sent again");
        return;
    }
    const auto durable = core_.persistence()->durable();
    while (held_ && held_->front().seq <= durable) {
        link_->send(std::move(held_->front().bytes));
        held_->pop_front();
        if (held_->empty()) held_.reset();  // an idle connection keeps no queue
    }
    wait_for_store();
}

bool ClientConnection::send(const codec::Packet& packet)
{
    auto out = std::make_shared<Bytes>();
    if (!codec::encode(packet, version_, *out)) return false;
    const bool too_large = out->size() > client_maximum_packet_size_;
    // A client that set Request Problem Information to 0 gets no Reason String or User Properties
    // except in PUBLISH, CONNACK and DISCONNECT [MQTT-3.1.2-29].
    const bool quiet =
        v5() && !request_problem_information_ && !std::holds_alternative<codec::Connack>(packet) &&
        !std::holds_alternative<codec::Disconnect>(packet) && !std::holds_alternative<codec::Publish>(packet);
    if (too_large || quiet) {
        // Over the client's limit: drop the Reason String and User Properties first [MQTT-3.1.2-25]
        // [MQTT-3.4.2-3]. A PUBLISH's user properties belong to the message and are never dropped.
        codec::Packet stripped = packet;
        std::visit(
            [](auto& p) {
                if constexpr (requires { p.properties; } &&
                              !std::is_same_v<std::decay_t<decltype(p)>, codec::Publish>) {
                    p.properties.reason_string.reset();
                    p.properties.user_properties.clear();
                }
            },
            stripped);
        out->clear();
        if (!codec::encode(stripped, version_, *out)) return false;
        if (out->size() > client_maximum_packet_size_) {
            core_.warn("packet for client " + client_id() + " exceeds its Maximum Packet Size: not sent");
            return false;
        }
    }
    return send_bytes(std::move(out));
}

template <class Ack>
bool ClientConnection::send_ack(const Ack& ack)
{
    if (!ack.properties.reason_string && ack.properties.user_properties.empty()) {
        // Nothing that Request Problem Information or the Maximum Packet Size could strip.
        if (t_acks.owner == this) {  // answering a packet of this connection's batch: sent with the batch
            Bytes& batch = t_acks.bytes;
            const auto before = batch.size();
            if (!codec::encode(ack, version_, batch)) return false;
            if (batch.size() - before <= client_maximum_packet_size_) return true;
            batch.resize(before);
            return send(codec::Packet{ack});
        }
        auto out = std::make_shared<Bytes>();
        if (!codec::encode(ack, version_, *out)) return false;
        if (out->size() <= client_maximum_packet_size_) return send_bytes(std::move(out));
    }
    return send(codec::Packet{ack});
}
template bool ClientConnection::send_ack(const codec::Puback&);
template bool ClientConnection::send_ack(const codec::Pubrec&);
template bool ClientConnection::send_ack(const codec::Pubrel&);
template bool ClientConnection::send_ack(const codec::Pubcomp&);

bool ClientConnection::send_publish(const QueuedMessage& item, std::uint16_t packet_id, bool dup)
{
    auto& stats = core_.stats();
    const Message& message = *item.message;
    // The common fan-out case shares one encoding among receivers.
    if (item.qos == codec::QoS::at_most_once && item.encoding && item.subscription_ids.empty() &&
        client_topic_alias_maximum_ == 0) {
        auto bytes = item.encoding->qos0(message, item.retain, version_);
        if (!bytes || bytes->size() > client_maximum_packet_size_) {
            stats.messages_dropped.fetch_add(1, std::memory_order_relaxed);
            return false;
        }
        stats.messages_sent.fetch_add(1, std::memory_order_relaxed);
        return send_bytes(std::move(bytes));
    }

    PublishFor receiver;
    receiver.qos = item.qos;
    receiver.retain = item.retain;
    receiver.dup = dup;
    receiver.packet_id = packet_id;
    receiver.subscription_ids = &item.subscription_ids;
    std::optional<std::uint16_t> new_alias;
    if (v5() && client_topic_alias_maximum_ > 0) {
        // Outbound aliases: the first PUBLISH on a topic carries topic and alias, later ones only the
        // alias, while the client's Topic Alias Maximum allows new ones [MQTT-3.3.2-8].
        auto& outbound_aliases = rare().outbound_aliases;
        if (auto it = outbound_aliases.find(message.topic); it != outbound_aliases.end()) {
            receiver.topic_alias = it->second;
            receiver.alias_only = true;
        } else if (outbound_aliases.size() < client_topic_alias_maximum_) {
            new_alias = static_cast<std::uint16_t>(outbound_aliases.size() + 1);
            receiver.topic_alias = new_alias;
        }
    }
    auto out = std::make_shared<Bytes>();
    const auto now = message.expires_at ? core_.clock().now() : TimePoint{};
    if (!encode_publish(message, receiver, version_, now, *out) ||
        out->size() > client_maximum_packet_size_) {
        // Too large for the client: discarded as if sent [MQTT-3.1.2-25].
        stats.messages_dropped.fetch_add(1, std::memory_order_relaxed);
        return false;
    }
    if (new_alias) rare().outbound_aliases.emplace(message.topic, *new_alias);
    stats.messages_sent.fetch_add(1, std::memory_order_relaxed);
    return send_bytes(std::move(out));
}

}  // namespace moatmq::broker
