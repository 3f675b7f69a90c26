#pragma once
// PahoClient: an Eclipse Paho C++ async_client (the third-party peer of the MQTT 5 integration tests)
// with every event turned into something a test can await with a deadline.
//
//   PahoClient sub(broker.port(), "sub");
//   sub.connect();                                  // MQTT 5, clean start, waits for CONNACK
//   sub.subscribe("a/#", 1);
//   auto message = sub.next(5s);                    // std::nullopt when nothing arrived in time
//
// Messages are queued by the Paho callback thread and taken by the test thread; nothing sleeps to
// synchronise. A test that checks "X does not arrive" publishes a marker after X and waits for it.
#include <mqtt/async_client.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker_process.hpp"

namespace moatmq::test {

using namespace std::chrono_literals;

inline constexpr auto kPahoTimeout = 10s;

struct PahoMessage {
    std::string topic;
    std::string payload;
    int qos = 0;
    bool retained = false;
    bool duplicate = false;
    mqtt::properties properties;
};

class PahoClient {
public:
    PahoClient(std::uint16_t port, std::string client_id, int version = MQTTVERSION_5)
        : client_id_(std::move(client_id)),
          version_(version),
          client_("tcp://127.0.0.1:" + std::to_string(port), client_id_, mqtt::create_options(version))
    {
        client_.set_message_callback([this](mqtt::const_message_ptr message) {
            std::lock_guard lock(mutex_);
            messages_.push_back(PahoMessage{message->get_topic(), message->get_payload_str(),
                                            message->get_qos(), message->is_retained(),
                                            message->is_duplicate(), message->get_properties()});
            changed_.notify_all();
        });
        client_.set_connection_lost_handler([this](const std::string&) {
            std::lock_guard lock(mutex_);
            lost_ = true;
            changed_.notify_all();
        });
        client_.set_disconnected_handler([this](const mqtt::properties&, mqtt::ReasonCode reason) {
            std::lock_guard lock(mutex_);
            server_disconnect_ = reason;
            lost_ = true;
            changed_.notify_all();
        });
    }

    ~PahoClient()
    {
        try {
            if (client_.is_connected()) client_.disconnect()->wait_for(2s);
        } catch (const mqtt::exception&) {
            // the broker may already be gone; nothing to clean up then
        }
    }

    PahoClient(const PahoClient&) = delete;
    PahoClient& operator=(const PahoClient&) = delete;

    // Options with the version of this client, clean start and keep alive 60 s; tests add to them.
    mqtt::connect_options_builder options() const
    {
        auto builder = mqtt::connect_options_builder().mqtt_version(version_).keep_alive_interval(60s);
        if (version_ >= MQTTVERSION_5)
            builder.clean_start(true);
        else
            builder.clean_session(true);
        return builder;
    }

    // Connects and waits for the CONNACK; throws mqtt::exception when refused or timed out.
    mqtt::connect_response connect() { return connect(options().finalize()); }
    mqtt::connect_response connect(mqtt::connect_options options)
    {
        {
            std::lock_guard lock(mutex_);
            lost_ = false;
            server_disconnect_.reset();
        }
        // Paho C++ 1.2 loses CONNECT properties when connect_options are moved or assigned (the C
        // struct keeps pointing at the old copy): set them again on the object that is passed on.
        if (version_ >= MQTTVERSION_5) {
            const mqtt::properties properties = options.get_properties();
            options.set_properties(properties);
        }
        auto token = client_.connect(options);
        if (!token->wait_for(kPahoTimeout)) throw std::runtime_error("no CONNACK for " + client_id_);
        return token->get_connect_response();
    }

    // Subscribes and returns the SUBACK reason codes (QoS granted or a failure code).
    std::vector<mqtt::ReasonCode> subscribe(const std::string& filter, int qos,
                                            const mqtt::subscribe_options& subscribe_options = {},
                                            const mqtt::properties& properties = {})
    {
        // A 3.1.1 client must not pass 5.0 subscribe options, not even the defaults.
        auto token = version_ >= MQTTVERSION_5 ? client_.subscribe(filter, qos, subscribe_options, properties)
                                               : client_.subscribe(filter, qos);
        if (!token->wait_for(kPahoTimeout)) throw std::runtime_error("no SUBACK for " + filter);
        return token->get_subscribe_response().get_reason_codes();
    }

    // Publishes and waits for it to complete (QoS 0 sent, PUBACK, or PUBCOMP).
    void publish(const std::string& topic, const std::string& payload, int qos = 1, bool retained = false,
                 const mqtt::properties& properties = {})
    {
        auto message = mqtt::message_ptr_builder()
                           .topic(topic)
                           .payload(payload)
                           .qos(qos)
                           .retained(retained)
                           .properties(properties)
                           .finalize();
        if (!client_.publish(message)->wait_for(kPahoTimeout))
            throw std::runtime_error("publish to " + topic + " did not complete");
    }

    // A normal DISCONNECT (5.0: with `reason`), waited for.
    void disconnect(mqtt::ReasonCode reason = mqtt::ReasonCode::SUCCESS,
                    const mqtt::properties& properties = {})
    {
        auto options =
            mqtt::disconnect_options_builder().reason_code(reason).properties(properties).finalize();
        client_.disconnect(std::move(options))->wait_for(kPahoTimeout);
    }

    // The next message received, or std::nullopt when none arrives within `timeout`.
    std::optional<PahoMessage> next(std::chrono::milliseconds timeout = 5s)
    {
        std::unique_lock lock(mutex_);
        if (!changed_.wait_for(lock, timeout, [this] { return !messages_.empty(); })) return std::nullopt;
        auto message = std::move(messages_.front());
        messages_.pop_front();
        return message;
    }

    // Messages up to and including the first on `marker_topic`, waiting at most `timeout` for it. The
    // marker, published after the messages under test, bounds a "must not arrive" check.
    std::vector<PahoMessage> until_marker(const std::string& marker_topic,
                                          std::chrono::milliseconds timeout = 5s)
    {
        std::vector<PahoMessage> received;
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (int i = 0; i < 10'000; ++i) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left <= 0ms) break;
            auto message = next(left);
            if (!message) break;
            const bool marker = message->topic == marker_topic;
            received.push_back(std::move(*message));
            if (marker) break;
        }
        return received;
    }

    // True once the connection is gone (lost, or closed by a server DISCONNECT) within `timeout`.
    bool wait_lost(std::chrono::milliseconds timeout = 5s)
    {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout, [this] { return lost_; });
    }

    // The reason code of a server DISCONNECT, once one arrived within `timeout`.
    std::optional<mqtt::ReasonCode> wait_server_disconnect(std::chrono::milliseconds timeout = 5s)
    {
        std::unique_lock lock(mutex_);
        changed_.wait_for(lock, timeout, [this] { return server_disconnect_.has_value(); });
        return server_disconnect_;
    }

    mqtt::async_client& client() { return client_; }
    const std::string& id() const { return client_id_; }

private:
    std::string client_id_;
    int version_;
    mqtt::async_client client_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<PahoMessage> messages_;
    bool lost_ = false;
    std::optional<mqtt::ReasonCode> server_disconnect_;
};

// The topics of `received`, in arrival order.
inline std::vector<std::string> topics_of(const std::vector<PahoMessage>& received)
{
    std::vector<std::string> topics;
    for (const auto& message : received)
        topics.push_back(message.topic);
    return topics;
}

// The payloads of the messages on `topic` in `received` (e.g. until_marker()'s), in arrival order.
inline std::vector<std::string> payloads_on(const std::vector<PahoMessage>& received, std::string_view topic)
{
    std::vector<std::string> payloads;
    for (const auto& message : received)
        if (message.topic == topic) payloads.push_back(message.payload);
    return payloads;
}

// test_config() with `keys` added to its [broker] table (e.g. "sys_interval = \"200ms\"\n").
inline std::string config_with_broker_keys(std::string_view keys)
{
    auto config = test_config();
    const std::string_view table = "[broker]\n";
    config.insert(config.find(table) + table.size(), keys);
    return config;
}

// A property of `properties`, or std::nullopt when absent.
template <typename T>
std::optional<T> property_of(const mqtt::properties& properties, mqtt::property::code code)
{
    if (!properties.contains(code)) return std::nullopt;
    return mqtt::get<T>(properties, code);
}

}  // namespace moatmq::test
