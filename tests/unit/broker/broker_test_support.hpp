#pragma once
// Test doubles for the broker core: FakeLink records what the broker sends and holds posted tasks until
// the test runs them; TestClient speaks MQTT to a Connection through the codec; BrokerTest owns a
// Broker on a ManualClock. No sockets, no threads, no sleeps.
#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "broker/broker.hpp"
#include "codec/decoder.hpp"
#include "codec/encoder.hpp"
#include "codec/packet.hpp"

namespace moatmq::broker::test {

using namespace std::chrono_literals;

class FakeLink final : public ClientLink {
public:
    explicit FakeLink(std::string remote_address = "127.0.0.1:1") : remote_address_(std::move(remote_address))
    {
    }

    void send(SharedBytes packet) override
    {
        queued_ += packet->size();
        sent_.push_back(std::move(packet));
    }
    std::size_t queued_bytes() const noexcept override { return written_ ? 0 : queued_; }
    void close(std::string_view reason) override
    {
        if (!closed_) close_reason_ = reason;
        closed_ = true;
    }
    void post(std::function<void()> task) override
    {
        std::lock_guard lock(mutex_);
        tasks_.push_back(std::move(task));
    }
    void pause_reading(bool paused) override
    {
        reading_paused_ = paused;
        ++pause_changes_;
    }
    const std::string& remote_address() const noexcept override { return remote_address_; }

    // Runs posted tasks (including those they post); returns how many ran.
    std::size_t run_posted()
    {
        std::size_t ran = 0;
        for (;;) {
            std::function<void()> task;
            {
                std::lock_guard lock(mutex_);
                if (tasks_.empty()) return ran;
                task = std::move(tasks_.front());
                tasks_.pop_front();
            }
            task();
            ++ran;
        }
    }
    // Runs the oldest posted task, if any (one event-loop step of this connection's worker).
    bool run_one()
    {
        std::function<void()> task;
        {
            std::lock_guard lock(mutex_);
            if (tasks_.empty()) return false;
            task = std::move(tasks_.front());
            tasks_.pop_front();
        }
        task();
        return true;
    }
    std::size_t posted() const
    {
        std::lock_guard lock(mutex_);
        return tasks_.size();
    }

    bool closed() const { return closed_; }
    // What close() gave for the transport's "connection closed" log line.
    const std::string& close_reason() const { return close_reason_; }
    // Backpressure: whether the broker asked the transport to stop reading, and how often it changed it.
    bool reading_paused() const { return reading_paused_; }
    int pause_changes() const { return pause_changes_; }
    // When false, queued_bytes() reports everything ever sent: a subscriber that never reads.
    void set_written(bool written) { written_ = written; }
    std::vector<SharedBytes> take_sent() { return std::exchange(sent_, {}); }

private:
    std::string remote_address_;
    mutable std::mutex mutex_;
    std::deque<std::function<void()>> tasks_;
    std::vector<SharedBytes> sent_;
    std::size_t queued_ = 0;
    bool written_ = true;
    bool closed_ = false;
    std::string close_reason_;
    bool reading_paused_ = false;
    int pause_changes_ = 0;
};

// One MQTT client driving one Connection.
class TestClient {
public:
    TestClient(Broker& broker, codec::ProtocolVersion version)
        : TestClient(broker, version, ConnectionInfo{"test", "127.0.0.1:1", true, false, {}})
    {
    }
    TestClient(Broker& broker, codec::ProtocolVersion version, ConnectionInfo info)
        : version_(version),
          link_(std::make_shared<FakeLink>(info.remote_address)),
          connection_(broker.accept(std::move(info), link_))
    {
    }

    void send(const codec::Packet& packet)
    {
        Bytes bytes;
        ASSERT_TRUE(codec::encode(packet, version_, bytes)) << "test packet does not encode";
        send_raw(bytes);
    }
    void send_raw(ByteView bytes)
    {
        if (connection_ && !closed_notified_) connection_->on_bytes(bytes);
    }

    // Decoded packets the broker sent since the last call.
    std::vector<codec::Packet> received()
    {
        decode_sent();
        std::vector<codec::Packet> out(std::make_move_iterator(inbox_.begin()),
                                       std::make_move_iterator(inbox_.end()));
        inbox_.clear();
        return out;
    }
    template <class T>
    std::vector<T> received_of()
    {
        std::vector<T> out;
        for (auto& p : received()) {
            if (auto* t = std::get_if<T>(&p)) out.push_back(std::move(*t));
        }
        return out;
    }

    // CONNECT; returns the CONNACK.
    codec::Connack connect(codec::Connect connect)
    {
        connect.version = version_;
        send(connect);
        // Only the CONNACK is consumed: what follows it (resent or queued messages) stays for received().
        decode_sent();
        EXPECT_FALSE(inbox_.empty()) << "no CONNACK";
        if (inbox_.empty()) return {};
        auto* connack = std::get_if<codec::Connack>(&inbox_.front());
        EXPECT_NE(connack, nullptr) << "first packet is not CONNACK";
        codec::Connack result = connack ? *connack : codec::Connack{};
        inbox_.pop_front();
        return result;
    }
    codec::Connack connect(std::string client_id, bool clean_start = true, std::uint32_t expiry = 0)
    {
        codec::Connect c;
        c.client_id = std::move(client_id);
        c.clean_start = clean_start;
        c.keep_alive = 0;
        if (version_ == codec::ProtocolVersion::v5 && expiry != 0)
            c.properties.session_expiry_interval = expiry;
        return connect(std::move(c));
    }

    void subscribe(std::string filter, codec::QoS qos = codec::QoS::at_most_once, std::uint16_t packet_id = 1)
    {
        codec::Subscribe s;
        s.packet_id = packet_id;
        s.subscriptions.push_back({std::move(filter), codec::SubscriptionOptions{qos}});
        send(s);
    }
    void publish(std::string topic, std::string_view payload, codec::QoS qos = codec::QoS::at_most_once,
                 std::uint16_t packet_id = 0, bool retain = false)
    {
        codec::Publish p;
        p.topic = std::move(topic);
        p.payload = to_bytes(payload);
        p.qos = qos;
        p.packet_id = packet_id;
        p.retain = retain;
        send(p);
    }
    void disconnect(codec::ReasonCode reason = codec::ReasonCode::Success)
    {
        codec::Disconnect d;
        d.reason = reason;
        send(d);
    }

    // Transport side: the socket went away (after close(), or the peer vanished).
    void drop()
    {
        if (!closed_notified_ && connection_) {
            closed_notified_ = true;
            connection_->on_closed();
        }
    }
    bool closed_notified() const { return closed_notified_; }

    FakeLink& link() { return *link_; }
    Connection& connection() { return *connection_; }
    codec::ProtocolVersion version() const { return version_; }

private:
    void decode_sent()
    {
        for (auto& bytes : link_->take_sent()) {
            // Whole packets, one or several per send (the acknowledgements of one read).
            for (ByteView rest{*bytes}; !rest.empty();) {
                auto decoded = codec::decode(rest, codec::DecodeOptions{version_, codec::Sender::server});
                EXPECT_TRUE(decoded) << "broker sent an undecodable packet: " << decoded.error().message();
                if (!decoded) break;
                rest = rest.subspan(decoded->consumed);
                inbox_.push_back(std::move(decoded->packet));
            }
        }
    }

    codec::ProtocolVersion version_;
    std::deque<codec::Packet> inbox_;
    std::shared_ptr<FakeLink> link_;
    std::unique_ptr<Connection> connection_;
    bool closed_notified_ = false;
};

inline std::string text(const Bytes& bytes)
{
    return std::string(as_chars(bytes));
}

class BrokerTest : public ::testing::Test {
protected:
    BrokerTest() { options_.sys_interval = 0ms; }

    Broker& broker()
    {
        if (!broker_) broker_ = std::make_unique<Broker>(options_, clock_);
        return *broker_;
    }

    TestClient& client(codec::ProtocolVersion version = codec::ProtocolVersion::v5)
    {
        clients_.push_back(std::make_unique<TestClient>(broker(), version));
        return *clients_.back();
    }
    TestClient& client311() { return client(codec::ProtocolVersion::v311); }
    // A client on a connection the transport describes as `info` (listener, address, TLS identity).
    TestClient& client_on(ConnectionInfo info, codec::ProtocolVersion version = codec::ProtocolVersion::v5)
    {
        clients_.push_back(std::make_unique<TestClient>(broker(), version, std::move(info)));
        return *clients_.back();
    }

    // Runs every posted task and tells connections whose link was closed that they are closed, until
    // nothing more happens: what the worker threads and the transport would do.
    void settle()
    {
        for (bool again = true; again;) {
            again = false;
            for (auto& c : clients_) {
                if (c->link().run_posted() > 0) again = true;
                if (c->link().closed() && !c->closed_notified()) {
                    c->drop();
                    again = true;
                }
            }
        }
    }

    void advance(Duration d)
    {
        clock_.advance(d);
        broker().on_timer(clock_.now());
        for (auto& c : clients_) {
            if (!c->closed_notified()) c->connection().on_timer(clock_.now());
        }
        settle();
    }

    ManualClock clock_;
    BrokerOptions options_;
    std::unique_ptr<Broker> broker_;
    std::vector<std::unique_ptr<TestClient>> clients_;
};

}  // namespace moatmq::broker::test
