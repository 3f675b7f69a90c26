// The client against a scripted fake broker on 127.0.0.1: what goes on the wire field by field (CONNECT
// with will, credentials and properties; SUBSCRIBE / PUBLISH / UNSUBSCRIBE properties) and the flows
// Mosquitto cannot show us (AUTH exchanges, duplicate QoS 2 deliveries, a broker's DISCONNECT, a broker
// that never answers a CONNECT or a PINGREQ). The fake side uses blocking sockets with a receive
// timeout, so no step can hang the test.
#include <sys/socket.h>
#include <sys/time.h>

#include <gtest/gtest.h>
#include <atomic>
#include <boost/asio.hpp>
#include <thread>

#include "client/client.hpp"
#include "codec/decoder.hpp"
#include "codec/encoder.hpp"

namespace moatmq::client {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

class FakeBroker {
public:
    FakeBroker() : acceptor_(ioc_, tcp::endpoint{asio::ip::make_address("127.0.0.1"), 0}) {}

    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

    void accept(codec::ProtocolVersion version)
    {
        acceptor_.accept(socket_);
        timeval tv{5, 0};  // bound every blocking read
        ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        version_ = version;
        decoder_.set_options(codec::DecodeOptions{version, codec::Sender::client});
    }

    // The next packet from the client, or std::nullopt if it closed or went quiet for 5 s.
    std::optional<codec::Packet> read()
    {
        for (;;) {
            auto next = decoder_.next();
            if (!next) return std::nullopt;
            if (*next) return std::move(**next);
            std::array<std::byte, 4096> buffer{};
            boost::system::error_code ec;
            const auto n = socket_.read_some(asio::buffer(buffer), ec);
            if (ec) return std::nullopt;
            decoder_.feed(ByteView{buffer.data(), n});
        }
    }

    void write(const codec::Packet& packet)
    {
        Bytes bytes;
        ASSERT_TRUE(codec::encode(packet, version_, bytes));
        asio::write(socket_, asio::buffer(bytes));
    }

    void close() { socket_.close(); }

private:
    asio::io_context ioc_;
    tcp::acceptor acceptor_;
    tcp::socket socket_{ioc_};
    codec::StreamDecoder decoder_{codec::DecodeOptions{codec::ProtocolVersion::v5, codec::Sender::client}};
    codec::ProtocolVersion version_ = codec::ProtocolVersion::v5;
};

ConnectOptions options_for(const FakeBroker& broker, codec::ProtocolVersion version)
{
    ConnectOptions options;
    options.host = "127.0.0.1";
    options.port = broker.port();
    options.version = version;
    options.client_id = "loopback";
    options.timeout = 3s;
    return options;
}

class ScriptedAuthenticator final : public Authenticator {
public:
    std::string method() const override { return "TEST-SCRAM"; }
    Result<Bytes> initial_data() override { return to_bytes("client-first"); }
    Result<Bytes> challenge(ByteView server_data) override
    {
        challenges.emplace_back(as_chars(server_data));
        return to_bytes("client-final");
    }
    error_code finish(ByteView server_data) override
    {
        final_data = std::string{as_chars(server_data)};
        return accept_final ? error_code{} : make_error_code(ClientError::authentication_failed);
    }

    std::vector<std::string> challenges;
    std::string final_data;
    bool accept_final = true;
};

codec::Auth auth_packet(codec::ReasonCode reason, std::string_view data)
{
    codec::Auth auth;
    auth.reason = reason;
    auth.properties.authentication_method = "TEST-SCRAM";
    auth.properties.authentication_data = to_bytes(data);
    return auth;
}

TEST(ClientLoopback, EnhancedAuthenticationRunsTheAuthExchange)
{
    FakeBroker broker;
    auto authenticator = std::make_shared<ScriptedAuthenticator>();
    std::thread server([&] {
        broker.accept(codec::ProtocolVersion::v5);
        auto connect = broker.read();
        ASSERT_TRUE(connect && std::holds_alternative<codec::Connect>(*connect));
        const auto& props = std::get<codec::Connect>(*connect).properties;
        EXPECT_EQ(props.authentication_method, "TEST-SCRAM");
        EXPECT_EQ(props.authentication_data, to_bytes("client-first"));
        broker.write(auth_packet(codec::ReasonCode::ContinueAuthentication, "server-first"));
        auto answer = broker.read();
        ASSERT_TRUE(answer && std::holds_alternative<codec::Auth>(*answer));
        EXPECT_EQ(std::get<codec::Auth>(*answer).reason, codec::ReasonCode::ContinueAuthentication);
        EXPECT_EQ(std::get<codec::Auth>(*answer).properties.authentication_data, to_bytes("client-final"));
        codec::Connack connack;
        connack.properties.authentication_method = "TEST-SCRAM";
        connack.properties.authentication_data = to_bytes("server-final");
        broker.write(connack);
        broker.read();  // DISCONNECT
    });
    auto options = options_for(broker, codec::ProtocolVersion::v5);
    options.authenticator = authenticator;
    Client client;
    auto connected = client.connect(options);
    EXPECT_TRUE(connected) << connected.error().message();
    client.disconnect();
    server.join();
    EXPECT_EQ(authenticator->challenges, std::vector<std::string>{"server-first"});
    EXPECT_EQ(authenticator->final_data, "server-final");
}

TEST(ClientLoopback, AuthenticatorRejectingTheServerFailsConnect)
{
    FakeBroker broker;
    auto authenticator = std::make_shared<ScriptedAuthenticator>();
    authenticator->accept_final = false;
    std::thread server([&] {
        broker.accept(codec::ProtocolVersion::v5);
        broker.read();
        broker.write(codec::Connack{});
        broker.read();
    });
    auto options = options_for(broker, codec::ProtocolVersion::v5);
    options.authenticator = authenticator;
    Client client;
    auto connected = client.connect(options);
    ASSERT_FALSE(connected);
    EXPECT_EQ(connected.error(), make_error_code(ClientError::authentication_failed));
    server.join();
}

TEST(ClientLoopback, RefusalCarriesTheReasonCode)
{
    FakeBroker broker;
    std::thread server([&] {
        broker.accept(codec::ProtocolVersion::v5);
        broker.read();
        codec::Connack connack;
        connack.reason = codec::ReasonCode::Banned;
        broker.write(connack);
        broker.read();
    });
    Client client;
    auto connected = client.connect(options_for(broker, codec::ProtocolVersion::v5));
    ASSERT_FALSE(connected);
    EXPECT_EQ(connected.error(), make_reason_error(codec::ReasonCode::Banned));
    server.join();
}

TEST(ClientLoopback, DuplicateQos2PublishIsDeliveredOnceAndTheFlowCompletes)
{
    FakeBroker broker;
    std::vector<codec::Packet> from_client;  // read by the test only after join()
    std::atomic<int> acks{0};
    std::thread server([&] {
        broker.accept(codec::ProtocolVersion::v311);
        broker.read();
        broker.write(codec::Connack{});
        codec::Publish publish;
        publish.topic = "t";
        publish.payload = to_bytes("once");
        publish.qos = codec::QoS::exactly_once;
        publish.packet_id = 5;
        broker.write(publish);
        publish.dup = true;
        broker.write(publish);
        for (int i = 0; i < 2; ++i) {
            if (auto p = broker.read()) from_client.push_back(*p);  // PUBREC, PUBREC
        }
        ++acks;
        codec::Pubrel pubrel;
        pubrel.packet_id = 5;
        broker.write(pubrel);
        if (auto p = broker.read()) from_client.push_back(*p);  // PUBCOMP
        ++acks;
        broker.read();  // DISCONNECT
    });
    Client client;
    ASSERT_TRUE(client.connect(options_for(broker, codec::ProtocolVersion::v311)));
    auto first = client.receive(3s);
    ASSERT_TRUE(first && *first);
    EXPECT_EQ(as_chars((*first)->payload), "once");
    auto second = client.receive(300ms);
    ASSERT_TRUE(second);
    EXPECT_FALSE(*second);  // the duplicate was not delivered again
    // Wait (bounded) for the PUBCOMP to go out before disconnecting.
    for (int i = 0; i < 100 && acks < 2; ++i)
        std::this_thread::sleep_for(20ms);
    client.disconnect();
    server.join();
    ASSERT_EQ(from_client.size(), 3u);
    EXPECT_TRUE(std::holds_alternative<codec::Pubrec>(from_client[0]));
    EXPECT_TRUE(std::holds_alternative<codec::Pubrec>(from_client[1]));
    EXPECT_TRUE(std::holds_alternative<codec::Pubcomp>(from_client[2]));
}

TEST(ClientLoopback, Qos1PublishWithErrorPubackReturnsTheReason)
{
    FakeBroker broker;
    std::thread server([&] {
        broker.accept(codec::ProtocolVersion::v5);
        broker.read();
        broker.write(codec::Connack{});
        auto publish = broker.read();
        ASSERT_TRUE(publish && std::holds_alternative<codec::Publish>(*publish));
        codec::Puback puback;
        puback.packet_id = std::get<codec::Publish>(*publish).packet_id;
        puback.reason = codec::ReasonCode::PayloadFormatInvalid;
        broker.write(puback);
        broker.read();
    });
    Client client;
    ASSERT_TRUE(client.connect(options_for(broker, codec::ProtocolVersion::v5)));
    auto ec = client.publish("secure/t", to_bytes("plain"), codec::QoS::at_least_once);
    EXPECT_EQ(ec, make_reason_error(codec::ReasonCode::PayloadFormatInvalid));
    EXPECT_EQ(ec.message(), "payload format invalid (0x99)");
    client.disconnect();
    server.join();
}

TEST(ClientLoopback, BrokerDisconnectEndsReceiveWithItsReason)
{
    FakeBroker broker;
    std::thread server([&] {
        broker.accept(codec::ProtocolVersion::v5);
        broker.read();
        broker.write(codec::Connack{});
        codec::Disconnect disconnect;
        disconnect.reason = codec::ReasonCode::SessionTakenOver;
        broker.write(disconnect);
        broker.close();
    });
    Client client;
    ASSERT_TRUE(client.connect(options_for(broker, codec::ProtocolVersion::v5)));
    auto received = client.receive(3s);
    ASSERT_FALSE(received);
    EXPECT_EQ(received.error(), make_reason_error(codec::ReasonCode::SessionTakenOver));
    server.join();
}

TEST(ClientLoopback, SilentBrokerTimesOutConnect)
{
    FakeBroker broker;
    std::thread server([&] {
        broker.accept(codec::ProtocolVersion::v311);
        broker.read();  // CONNECT, never answered
        broker.read();  // until the client gives up and closes
    });
    auto options = options_for(broker, codec::ProtocolVersion::v311);
    options.timeout = 300ms;
    Client client;
    const auto start = std::chrono::steady_clock::now();
    auto connected = client.connect(options);
    ASSERT_FALSE(connected);
    EXPECT_EQ(connected.error(), make_error_code(ClientError::timeout));
    EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
    server.join();
}

TEST(ClientLoopback, IdleClientSendsPingreq)
{
    FakeBroker broker;
    std::atomic<bool> pinged{false};
    std::thread server([&] {
        broker.accept(codec::ProtocolVersion::v311);
        broker.read();
        broker.write(codec::Connack{});
        auto p = broker.read();  // within 5 s: the PINGREQ after ~0.5 s of silence
        pinged = p && std::holds_alternative<codec::Pingreq>(*p);
        broker.write(codec::Pingresp{});
        broker.read();
    });
    auto options = options_for(broker, codec::ProtocolVersion::v311);
    options.keep_alive = 1;
    Client client;
    ASSERT_TRUE(client.connect(options));
    for (int i = 0; i < 100 && !pinged; ++i)
        std::this_thread::sleep_for(20ms);
    client.disconnect();
    server.join();
    EXPECT_TRUE(pinged);
}

TEST(ClientLoopback, ConnectCarriesCredentialsWillAndPropertiesAndReturnsTheConnackProperties)
{
    FakeBroker broker;
    std::optional<codec::Connect> seen;  // read by the test only after join()
    std::thread server([&] {
        broker.accept(codec::ProtocolVersion::v5);
        if (auto p = broker.read(); p && std::holds_alternative<codec::Connect>(*p)) {
            seen = std::get<codec::Connect>(*p);
        }
        codec::Connack connack;
        connack.session_present = true;
        connack.properties.assigned_client_identifier = "given-by-broker";
        connack.properties.receive_maximum = 7;
        broker.write(connack);
        broker.read();  // DISCONNECT
    });
    auto options = options_for(broker, codec::ProtocolVersion::v5);
    options.client_id = "dev-1";
    options.clean_start = false;
    options.keep_alive = 42;
    options.username = "alice";
    options.password = "pw";
    codec::Will will;
    will.topic = "status/dev-1";
    will.payload = to_bytes("gone");
    will.qos = codec::QoS::at_least_once;
    will.retain = true;
    will.properties.will_delay_interval = 5;
    will.properties.content_type = "text/plain";
    options.will = will;
    options.properties.session_expiry_interval = 3600;
    options.properties.user_properties = {{"site", "lab"}};
    Client client;
    auto connected = client.connect(options);
    ASSERT_TRUE(connected) << connected.error().message();
    EXPECT_TRUE(connected->session_present);
    EXPECT_EQ(connected->properties.assigned_client_identifier, "given-by-broker");
    EXPECT_EQ(connected->properties.receive_maximum, 7);
    client.disconnect();
    server.join();
    ASSERT_TRUE(seen);
    EXPECT_EQ(seen->version, codec::ProtocolVersion::v5);
    EXPECT_EQ(seen->client_id, "dev-1");
    EXPECT_FALSE(seen->clean_start);
    EXPECT_EQ(seen->keep_alive, 42);
    EXPECT_EQ(seen->username, "alice");
    EXPECT_EQ(seen->password, to_bytes("pw"));
    EXPECT_EQ(seen->will, will);
    EXPECT_EQ(seen->properties.session_expiry_interval, 3600u);
    EXPECT_EQ(seen->properties.user_properties, options.properties.user_properties);
}

TEST(ClientLoopback, SubscribePublishReceiveAndUnsubscribeCarryTheirProperties)
{
    FakeBroker broker;
    std::optional<codec::Subscribe> subscribe;  // read by the test only after join()
    std::optional<codec::Publish> published;
    std::optional<codec::Unsubscribe> unsubscribe;
    codec::Properties delivered_properties;
    delivered_properties.content_type = "application/json";
    delivered_properties.user_properties = {{"origin", "fake"}};
    delivered_properties.subscription_identifiers = {7};
    std::thread server([&] {
        broker.accept(codec::ProtocolVersion::v5);
        broker.read();
        broker.write(codec::Connack{});
        auto s = broker.read();
        if (!s || !std::holds_alternative<codec::Subscribe>(*s)) return;
        subscribe = std::get<codec::Subscribe>(*s);
        codec::Suback suback;
        suback.packet_id = subscribe->packet_id;
        suback.reasons = {codec::ReasonCode::GrantedQoS1, codec::ReasonCode::NotAuthorized};
        broker.write(suback);
        auto p = broker.read();
        if (!p || !std::holds_alternative<codec::Publish>(*p)) return;
        published = std::get<codec::Publish>(*p);
        codec::Puback puback;
        puback.packet_id = published->packet_id;
        broker.write(puback);
        codec::Publish to_client;
        to_client.topic = "a/b";
        to_client.payload = to_bytes("{}");
        to_client.retain = true;
        to_client.properties = delivered_properties;
        broker.write(to_client);
        auto u = broker.read();
        if (!u || !std::holds_alternative<codec::Unsubscribe>(*u)) return;
        unsubscribe = std::get<codec::Unsubscribe>(*u);
        codec::Unsuback unsuback;
        unsuback.packet_id = unsubscribe->packet_id;
        unsuback.reasons = {codec::ReasonCode::Success, codec::ReasonCode::NoSubscriptionExisted};
        broker.write(unsuback);
        broker.read();  // DISCONNECT
    });
    Client client;
    ASSERT_TRUE(client.connect(options_for(broker, codec::ProtocolVersion::v5)));

    codec::TopicSubscription wanted{"a/#", {}};
    wanted.options.qos = codec::QoS::exactly_once;
    wanted.options.no_local = true;
    codec::Properties subscribe_properties;
    subscribe_properties.subscription_identifiers = {7};
    auto granted =
        client.subscribe({wanted, codec::TopicSubscription{"private/#", {}}}, subscribe_properties);
    ASSERT_TRUE(granted) << granted.error().message();
    EXPECT_EQ(*granted, (std::vector{codec::ReasonCode::GrantedQoS1, codec::ReasonCode::NotAuthorized}));

    codec::Properties publish_properties;
    publish_properties.message_expiry_interval = 60;
    publish_properties.response_topic = "replies/me";
    publish_properties.correlation_data = to_bytes("req-1");
    publish_properties.user_properties = {{"unit", "C"}};
    EXPECT_FALSE(
        client.publish("a/b", to_bytes("21.5"), codec::QoS::at_least_once, false, publish_properties));

    auto received = client.receive(3s);
    ASSERT_TRUE(received && *received);
    EXPECT_EQ((*received)->topic, "a/b");
    EXPECT_TRUE((*received)->retain);
    EXPECT_EQ((*received)->properties, delivered_properties);

    codec::Properties unsubscribe_properties;
    unsubscribe_properties.user_properties = {{"reason", "leaving"}};
    auto removed = client.unsubscribe({"a/#", "never/subscribed"}, unsubscribe_properties);
    ASSERT_TRUE(removed) << removed.error().message();
    EXPECT_EQ(*removed, (std::vector{codec::ReasonCode::Success, codec::ReasonCode::NoSubscriptionExisted}));
    client.disconnect();
    server.join();

    ASSERT_TRUE(subscribe && published && unsubscribe);
    EXPECT_EQ(subscribe->subscriptions, (std::vector{wanted, codec::TopicSubscription{"private/#", {}}}));
    EXPECT_EQ(subscribe->properties, subscribe_properties);
    EXPECT_EQ(published->topic, "a/b");
    EXPECT_EQ(published->qos, codec::QoS::at_least_once);
    EXPECT_EQ(published->properties, publish_properties);
    EXPECT_EQ(unsubscribe->filters, (std::vector<std::string>{"a/#", "never/subscribed"}));
    EXPECT_EQ(unsubscribe->properties, unsubscribe_properties);
}

TEST(ClientLoopback, Mqtt311UnsubscribeIsAcknowledgedWithoutReasons)
{
    FakeBroker broker;
    std::thread server([&] {
        broker.accept(codec::ProtocolVersion::v311);
        broker.read();
        broker.write(codec::Connack{});
        auto u = broker.read();
        if (!u || !std::holds_alternative<codec::Unsubscribe>(*u)) return;
        codec::Unsuback unsuback;
        unsuback.packet_id = std::get<codec::Unsubscribe>(*u).packet_id;
        broker.write(unsuback);
        broker.read();  // DISCONNECT
    });
    Client client;
    ASSERT_TRUE(client.connect(options_for(broker, codec::ProtocolVersion::v311)));
    auto removed = client.unsubscribe({"a/#"});
    ASSERT_TRUE(removed) << removed.error().message();
    EXPECT_TRUE(removed->empty());
    client.disconnect();
    server.join();
}

TEST(ClientLoopback, BrokerThatStopsAnsweringPingsEndsTheConnectionWithKeepAliveTimeout)
{
    FakeBroker broker;
    int pings = 0;  // read by the test only after join()
    std::thread server([&] {
        broker.accept(codec::ProtocolVersion::v311);
        broker.read();
        broker.write(codec::Connack{});
        // Read (and never answer) until the client gives up and closes: about 1.5 s with keep alive 1.
        while (auto p = broker.read()) {
            if (std::holds_alternative<codec::Pingreq>(*p)) ++pings;
        }
    });
    auto options = options_for(broker, codec::ProtocolVersion::v311);
    options.keep_alive = 1;
    Client client;
    ASSERT_TRUE(client.connect(options));
    auto received = client.receive(10s);  // ends early: the connection closes
    ASSERT_FALSE(received);
    EXPECT_EQ(received.error(), make_error_code(ClientError::keep_alive_timeout));
    EXPECT_EQ(client.close_reason(), make_error_code(ClientError::keep_alive_timeout));
    server.join();
    EXPECT_GE(pings, 1);
}

TEST(ClientLoopback, OperationsBeforeConnectFail)
{
    Client client;
    EXPECT_EQ(client.publish("t", {}, codec::QoS::at_most_once), make_error_code(ClientError::not_connected));
    EXPECT_FALSE(client.subscribe({codec::TopicSubscription{"t", {}}}));
    EXPECT_FALSE(client.disconnect());
}

}  // namespace
}  // namespace moatmq::client
