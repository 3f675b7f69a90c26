#pragma once
// moatmq::client::Client: a small blocking MQTT 3.1.1 / 5.0 client for the CLI tools, the tests and
// the load generator.
//
// Each Client owns one connection and one I/O thread (Asio, hidden behind a pimpl so that this header
// stays cheap to include). Calls block the calling thread until the broker has answered or the
// configured timeout has passed; they are not meant to be called from several threads at once.
// Received PUBLISH packets are acknowledged on the I/O thread (PUBACK, or PUBREC/PUBCOMP for QoS 2,
// delivered once) and queued for receive().
//
// Errors come back as error_codes: ClientError for timeouts and lost connections, or a broker's
// reason code (client_error.hpp), whose message() reads like "not authorized (0x87)".
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/client_error.hpp"
#include "codec/packet.hpp"
#include "codec/protocol.hpp"
#include "common/bytes.hpp"
#include "common/result.hpp"

namespace moatmq::client {

struct TlsOptions {
    std::string cafile;    // PEM trust anchors; empty = the system's default trust store
    std::string certfile;  // client certificate chain (PEM), for mutual TLS
    std::string keyfile;   // its private key (PEM)
    std::string version;   // "" (any of 1.2/1.3), "tlsv1.2" or "tlsv1.3": use exactly that version
    // Skip the host name check (like mosquitto's --insecure); the certificate chain is still verified.
    bool insecure = false;
};

// MQTT 5 enhanced authentication (spec §4.12), e.g. SCRAM. The client calls these on its I/O thread
// during connect(): initial_data() for CONNECT, challenge() for each AUTH (Continue Authentication)
// from the broker, finish() with the Authentication Data of a successful CONNACK.
class Authenticator {
public:
    virtual ~Authenticator() = default;
    virtual std::string method() const = 0;
    virtual Result<Bytes> initial_data() = 0;
    virtual Result<Bytes> challenge(ByteView server_data) = 0;
    // An error here (e.g. the server's signature does not verify) fails connect().
    virtual error_code finish(ByteView server_data) = 0;
};

struct ConnectOptions {
    std::string host = "localhost";
    std::uint16_t port = 1883;
    codec::ProtocolVersion version = codec::ProtocolVersion::v311;
    std::string client_id;  // empty: 5.0 brokers assign one; 3.1.1 needs clean_start
    bool clean_start = true;
    std::uint16_t keep_alive = 60;  // seconds; 0 disables PINGREQ
    std::optional<std::string> username;
    std::optional<std::string> password;  // wiped when the Client is destroyed
    std::optional<codec::Will> will;
    codec::Properties properties;  // CONNECT properties (5.0)
    std::optional<TlsOptions> tls;
    std::shared_ptr<Authenticator> authenticator;  // 5.0 only
    // Bound on each wait for the broker (connect, acks, subscribe, disconnect).
    std::chrono::milliseconds timeout{10'000};
    // Called on the I/O thread with a one-line description of each packet sent and received (-d).
    std::function<void(std::string_view)> debug;
};

struct ConnectResult {
    bool session_present = false;
    codec::Properties properties;  // CONNACK properties (5.0), e.g. assigned client id
};

struct Message {
    std::string topic;
    Bytes payload;
    codec::QoS qos = codec::QoS::at_most_once;
    bool retain = false;
    codec::Properties properties;
};

class Client {
public:
    Client();
    ~Client();  // closes the connection (without DISCONNECT if disconnect() was not called)
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // Resolves, connects (TCP or TLS), sends CONNECT, runs any AUTH exchange and waits for CONNACK.
    // A refusal returns the CONNACK reason. Call once per Client.
    Result<ConnectResult> connect(ConnectOptions options);

    // QoS 0: returns once the packet is queued for sending. QoS 1: waits for PUBACK. QoS 2: waits for
    // PUBREC, sends PUBREL, waits for PUBCOMP. A 5.0 error reason in PUBACK/PUBREC is returned as error.
    // The packet id is assigned here.
    error_code publish(std::string topic, Bytes payload, codec::QoS qos, bool retain = false,
                       codec::Properties properties = {});

    // Waits for SUBACK; returns its reason codes, one per filter (granted QoS or a refusal).
    Result<std::vector<codec::ReasonCode>> subscribe(std::vector<codec::TopicSubscription> subscriptions,
                                                     codec::Properties properties = {});
    // Waits for UNSUBACK; 5.0 reason codes (empty for 3.1.1).
    Result<std::vector<codec::ReasonCode>> unsubscribe(std::vector<std::string> filters,
                                                       codec::Properties properties = {});

    // The next received message: std::nullopt if none arrived within `timeout`; an error once the
    // connection is gone and the queue is empty (e.g. the broker's DISCONNECT reason).
    Result<std::optional<Message>> receive(std::chrono::milliseconds timeout);

    // Sends DISCONNECT after everything queued, waits until it is written, closes. Idempotent.
    error_code disconnect(codec::ReasonCode reason = codec::ReasonCode::Success);

    // The reason the connection ended, once it has (empty while connected or before connect()).
    error_code close_reason() const;

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace moatmq::client
