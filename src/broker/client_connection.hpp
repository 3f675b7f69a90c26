#pragma once
// ClientConnection: the broker's side of one client connection (see connection.hpp), sans-I/O. It
// decodes packets, runs the CONNECT handshake, the QoS 1/2 state machines in both directions, topic
// aliases, keep alive and flow control, and sends through its ClientLink.
//
// Threads: every member runs on the connection's worker thread — the public Connection calls, and the
// tasks other threads post to it (drain, takeover, shutdown), which hold only a weak_ptr and do
// nothing once the connection is gone.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "broker/authenticator.hpp"
#include "broker/authorizer.hpp"
#include "broker/broker_core.hpp"
#include "broker/broker_options.hpp"
#include "broker/client_link.hpp"
#include "broker/connection.hpp"
#include "broker/session.hpp"
#include "codec/decoder.hpp"
#include "codec/packet.hpp"
#include "common/boxed.hpp"
#include "common/intrusive_list.hpp"

namespace moatmq::broker {

class BrokerCore;

// An IntrusiveListNode for BrokerCore's list of live connections (for shutdown).
class ClientConnection final : public std::enable_shared_from_this<ClientConnection>,
                               public IntrusiveListNode {
public:
    ClientConnection(BrokerCore& core, ConnectionInfo info, std::shared_ptr<ClientLink> link);
    ~ClientConnection();
    ClientConnection(const ClientConnection&) = delete;
    ClientConnection& operator=(const ClientConnection&) = delete;

    void on_bytes(ByteView bytes);
    void on_closed();
    std::optional<TimePoint> next_deadline() const;
    void on_timer(TimePoint now);

    // Who the client is, as authentication decided (authenticator.hpp): its user name, the identity its
    // TLS certificate or PSK established, or "" for an anonymous client. Set before the CONNACK and never
    // changed afterwards (a re-authentication that would change it closes the connection). This is what
    // ACLs check. Worker thread only.
    const std::string& identity() const noexcept
    {
        static const std::string anonymous;
        return identity_ ? *identity_ : anonymous;
    }
    AuthMethod auth_method() const noexcept { return auth_method_; }
    const std::shared_ptr<ClientLink>& link() const noexcept { return link_; }

    // Posted by other threads.
    void drain();           // sends what is queued for the session, as quota allows, one slice at a time
    void resume_reading();  // a session this connection published to has caught up (delivery_pressure.hpp)
    void on_taken_over();   // another connection took the session [MQTT-3.1.4-3]
    void on_shutdown();     // the broker is stopping

private:
    // authenticating: the CONNECT is being checked (a job on run_blocking) or its refusal is being delayed;
    // nothing more is decoded meanwhile. auth_exchange: SCRAM, waiting for the client's next AUTH.
    enum class State : std::uint8_t {
        awaiting_connect,
        authenticating,
        auth_exchange,
        connected,
        closing,
        closed
    };

    // What an accepted CONNECT still has to do once authentication says yes.
    struct PendingConnect {
        AttachRequest request;
        bool assigned_client_id = false;
        std::optional<std::uint16_t> server_keep_alive;
        std::optional<std::uint32_t> expiry_told;
        bool request_response_information = false;
    };
    struct PendingRefusal {  // a failed authentication answered only at `at` (failure throttling)
        TimePoint at;
        AuthReason reason = AuthReason::not_authorized;
        std::string reason_string;
    };

    void handle(codec::Packet& packet);
    void handle_connect(codec::Connect& connect);
    void handle_publish(codec::Publish& publish);
    void handle_puback(const codec::Puback& ack);
    bool take_puback(std::uint16_t packet_id);  // true when it freed room in the in-flight window
    void handle_pubrec(const codec::Pubrec& ack);
    void handle_pubrel(const codec::Pubrel& ack);
    void handle_pubcomp(const codec::Pubcomp& ack);
    void handle_subscribe(const codec::Subscribe& subscribe);
    void handle_unsubscribe(const codec::Unsubscribe& unsubscribe);
    void handle_disconnect(const codec::Disconnect& disconnect);
    void handle_auth(codec::Auth& auth);
    void decode_buffered();

    // Authentication (client_connection_auth.cpp).
    void finish_connect(const Bytes& auth_data);
    void authenticate_connect(codec::Connect& connect);
    void start_reauthentication(codec::Auth& auth);
    // Runs authenticate() through run_blocking and comes back with on_auth_decision() on this thread.
    void run_authentication(std::optional<std::string> username, std::optional<Bytes> password,
                            std::optional<std::string> method, Bytes data);
    void on_auth_decision(AuthDecision decision);
    void apply_decision(AuthDecision decision);
    void audit(const AuthDecision& decision);
    void refuse_authentication(AuthReason reason, const std::string& reason_string);

    void refuse_connect(codec::ReasonCode reason, codec::ProtocolVersion version, std::string_view why = {});
    void on_decode_error(const error_code& ec);
    // Closes the connection: 5.0 sends DISCONNECT with `reason` first. The will is published
    // (this is not a client's DISCONNECT).
    void close_with(codec::ReasonCode reason, std::string_view why);
    // Closes the connection with nothing more sent (what is queued is still written): the state and the
    // transport's close reason `why` in one place.
    void close_now(std::string_view why);
    void resend_inflight();

    // Encodes and sends `packet`. Packets over the client's Maximum Packet Size lose their Reason
    // String and User Properties, and are not sent if still too large [MQTT-3.1.2-25] [MQTT-3.4.2-3].
    bool send(const codec::Packet& packet);
    // The acknowledgements of the QoS flows, sent per message: encoded without building a Packet when
    // they carry no Reason String or User Properties (same bytes, same rules).
    bool send(const codec::Puback& ack) { return send_ack(ack); }
    bool send(const codec::Pubrec& ack) { return send_ack(ack); }
    bool send(const codec::Pubrel& ack) { return send_ack(ack); }
    bool send(const codec::Pubcomp& ack) { return send_ack(ack); }
    template <class Ack>
    bool send_ack(const Ack& ack);
    bool send_bytes(SharedBytes bytes);
    // Acknowledgements answering one decode_buffered() batch go out together (client_connection.cpp):
    // an AckBatch makes this connection the thread's batch owner for its lifetime (unless a batch is
    // already open: then acknowledgements go out one by one); send() queues what was gathered.
    class AckBatch {
    public:
        explicit AckBatch(ClientConnection& c);
        ~AckBatch();
        AckBatch(const AckBatch&) = delete;
        AckBatch& operator=(const AckBatch&) = delete;
        void send();

    private:
        ClientConnection& c_;
        bool owner_;
    };
    void send_batched_acks();  // queues what this connection's open batch gathered, if any
    // Sends one PUBLISH of `item` (packet id 0 for QoS 0); false if it had to be dropped because it is
    // over the client's Maximum Packet Size.
    bool send_publish(const QueuedMessage& item, std::uint16_t packet_id, bool dup);
    bool owns_session_locked() const;
    bool v5() const noexcept { return version_ == codec::ProtocolVersion::v5; }
    void log(LogLevel level, std::string_view text) const;

    // The peer's address and the client id are not copied here (issue #5: an idle connection in
    // mimalloc's 256-byte class): the link keeps the address, the session the id (rare_ until then).
    const std::string& remote_address() const noexcept { return link_->remote_address(); }
    const std::string& client_id() const noexcept;

    BrokerCore& core_;
    std::shared_ptr<ClientLink> link_;  // never null
    codec::StreamDecoder decoder_;
    TimePoint connect_deadline_;
    TimePoint last_received_;
    Duration keep_alive_{};  // 1.5 x the negotiated keep alive; zero when there is none

    std::shared_ptr<Session> session_;
    std::uint64_t generation_ = 0;
    // The small fields sit together (no padding between them: an idle connection's size, issue #5).
    State state_ = State::awaiting_connect;
    codec::ProtocolVersion version_ = codec::ProtocolVersion::v5;
    bool publish_will_on_close_ = true;  // false after a normal DISCONNECT, a takeover or shutdown
    bool slow_warned_ = false;           // a slow-subscriber warning was logged and not yet cleared
    std::uint32_t expiry_at_connect_ = 0;

    // What the client told us in CONNECT (5.0; defaults for 3.1.1).
    std::uint16_t client_receive_maximum_ = 65535;
    std::uint16_t client_topic_alias_maximum_ = 0;
    std::uint32_t client_maximum_packet_size_ = codec::kMaxRemainingLength + 5;
    bool request_problem_information_ = true;
    bool in_store_call_ = false;  // see StoreCall
    bool store_wait_ = false;     // a when_durable() call is outstanding
    AuthMethod auth_method_ = AuthMethod::anonymous;

    // --- authentication ---
    Boxed<std::string> identity_;  // unset for an anonymous client; read through identity()
    // What identity() may touch (authorizer.hpp), from the CONNECT's acceptance on; null without an ACL.
    std::unique_ptr<ClientPermissions> permissions_;
    bool authenticating_live_ = false;  // a re-authentication (AUTH 0x19) is in progress
    bool auth_job_pending_ = false;     // run_blocking has our job; its answer is awaited
    bool decoding_ = false;             // inside decode_buffered(): an inline decision must not re-enter it
    // Sessions this connection waits for (delivery_pressure.hpp): its link reads nothing while not 0.
    std::uint32_t read_pauses_ = 0;

    // What a connection uses only while it connects or authenticates, or for MQTT 5 features that many
    // clients never use (enhanced authentication, topic aliases): allocated on first use by rare(), and
    // freed again once the CONNECT is done if nothing in it is still needed (release_rare()), so that an
    // idle connection does not carry it (issue #5: memory per idle connection).
    struct Rare {
        ConnectionInfo info;  // kept while authentication may still need it (CONNECT, 5.0 re-authentication)
        std::string client_id;  // the CONNECT's (or the assigned one), until the session has it
        Bytes connect_prefix;   // the first bytes, to answer a malformed CONNECT in its own version
        std::optional<PendingConnect> pending_connect;
        std::optional<PendingRefusal> refusal;
        std::string auth_method_name;                 // 5.0 Authentication Method of the CONNECT; "" = none
        std::optional<std::string> claimed_username;  // the CONNECT's user name, for the audit log
        std::unique_ptr<AuthConversation> conversation;  // a SCRAM exchange in progress (CONNECT or re-auth)
        std::unordered_map<std::uint16_t, std::string> inbound_aliases;   // client -> us
        std::unordered_map<std::string, std::uint16_t> outbound_aliases;  // us -> client
    };
    Rare& rare();
    void release_rare() noexcept;
    bool refusal_pending() const noexcept { return rare_ && rare_->refusal; }
    const std::string& auth_method_name() const noexcept;
    std::unique_ptr<Rare> rare_;

    // --- durable state (persistence.hpp) ---
    // Packets sent after a store mutation wait here, in order, until the store has committed it: a
    // PUBACK/PUBREC/SUBACK/CONNACK never leaves before what it acknowledges is durable.
    struct HeldPacket {
        std::uint64_t seq = 0;  // Persistence::written() when it was sent
        SharedBytes bytes;
    };
    // Packets sent from now on wait for the store writes made during this call (persistence.hpp):
    // called where an answer promises durability (acknowledgements, an outgoing QoS 2 PUBLISH whose
    // packet id was stored). Writes that promise nothing (erasing an acknowledged delivery) hold nothing.
    void note_store_writes();
    void wait_for_store();
    void on_store_commit(bool ok);
    // Held for every call into the connection (outermost only): notes what this thread had written
    // before it, so that only writes made while handling this connection make its packets wait.
    class StoreCall {
    public:
        explicit StoreCall(ClientConnection& c);
        ~StoreCall();
        StoreCall(const StoreCall&) = delete;
        StoreCall& operator=(const StoreCall&) = delete;

    private:
        ClientConnection& c_;
        bool outer_;
    };
    std::uint64_t store_seen_ = 0;    // the thread's written seq when last looked at
    std::uint64_t store_needed_ = 0;  // this connection's writes: durable before its next packet goes
    std::unique_ptr<MessageQueue<HeldPacket>> held_;  // null when nothing is held (most of the time)
};

}  // namespace moatmq::broker
