// The Broker across real threads: connections pinned to different worker threads, deliveries handed
// over through ClientLink::post. Bounded in count and time; run it under TSan to check the locking.
#include "broker/broker.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "codec/decoder.hpp"
#include "codec/encoder.hpp"

namespace moatmq::broker {
namespace {

using namespace std::chrono_literals;

// One worker thread with a task queue: what an io_context is to the transport.
class Worker {
public:
    Worker() : thread_([this] { run(); }) {}
    ~Worker()
    {
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        wake_.notify_one();
        thread_.join();
    }
    void post(std::function<void()> task)
    {
        {
            std::lock_guard lock(mutex_);
            tasks_.push_back(std::move(task));
        }
        wake_.notify_one();
    }

private:
    void run()
    {
        for (;;) {
            std::function<void()> task;
            {
                std::unique_lock lock(mutex_);
                wake_.wait(lock, [this] { return stop_ || !tasks_.empty(); });
                if (tasks_.empty()) return;
                task = std::move(tasks_.front());
                tasks_.pop_front();
            }
            task();
        }
    }
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> tasks_;
    bool stop_ = false;
    std::thread thread_;
};

// A client on a worker: every call into its Connection runs on that worker. It acknowledges QoS 1
// PUBLISHes it receives and records their payloads.
class ThreadedClient final : public ClientLink, public std::enable_shared_from_this<ThreadedClient> {
public:
    explicit ThreadedClient(Worker& worker) : worker_(worker) {}
    const std::string& remote_address() const noexcept override { return remote_address_; }

    void start(Broker& broker)
    {
        auto self = shared_from_this();
        worker_.post([self, &broker] { self->connection_ = broker.accept(ConnectionInfo{}, self); });
    }
    void send_packet(codec::Packet packet)
    {
        auto self = shared_from_this();
        worker_.post([self, packet = std::move(packet)] {
            Bytes bytes;
            ASSERT_TRUE(codec::encode(packet, codec::ProtocolVersion::v5, bytes));
            if (self->connection_) self->connection_->on_bytes(bytes);
        });
    }
    void finish()
    {
        auto self = shared_from_this();
        worker_.post([self] {
            if (self->connection_) self->connection_->on_closed();
            self->connection_.reset();
        });
    }

    void send(SharedBytes packet) override
    {
        auto decoded =
            codec::decode(*packet, codec::DecodeOptions{codec::ProtocolVersion::v5, codec::Sender::server});
        ASSERT_TRUE(decoded);
        if (auto* publish = std::get_if<codec::Publish>(&decoded->packet)) {
            {
                std::lock_guard lock(mutex_);
                payloads_.insert(std::string(as_chars(publish->payload)));
                ++publishes_;
            }
            if (publish->qos == codec::QoS::at_least_once) {
                send_packet(codec::Puback{publish->packet_id, codec::ReasonCode::Success, {}});
            }
        }
        if (std::holds_alternative<codec::Connack>(decoded->packet)) connected_ = true;
        if (std::holds_alternative<codec::Suback>(decoded->packet)) subscribed_ = true;
    }
    std::size_t queued_bytes() const noexcept override { return 0; }
    void close(std::string_view) override { finish(); }  // the transport reports the close on the next turn
    void post(std::function<void()> task) override { worker_.post(std::move(task)); }

    std::size_t distinct() const
    {
        std::lock_guard lock(mutex_);
        return payloads_.size();
    }
    std::set<std::string> payload_set() const
    {
        std::lock_guard lock(mutex_);
        return payloads_;
    }
    std::size_t publishes() const
    {
        std::lock_guard lock(mutex_);
        return publishes_;
    }
    std::atomic<bool> connected_{false};
    std::atomic<bool> subscribed_{false};

private:
    Worker& worker_;
    const std::string remote_address_ = "127.0.0.1:1";
    std::unique_ptr<Connection> connection_;
    mutable std::mutex mutex_;
    std::set<std::string> payloads_;
    std::size_t publishes_ = 0;
};

codec::Connect connect_packet(std::string id)
{
    codec::Connect c;
    c.client_id = std::move(id);
    c.keep_alive = 0;
    return c;
}

template <class Predicate>
bool wait_for(Predicate done)
{
    for (int i = 0; i < 2000; ++i) {  // at most 10 s
        if (done()) return true;
        std::this_thread::sleep_for(5ms);
    }
    return done();
}

TEST(Broker, PublishersOnTwoThreadsDeliverEveryQos1MessageExactlyOnce)
{
    SteadyClock clock;
    BrokerOptions options;
    options.sys_interval = 0ms;
    options.max_queued_messages = 100'000;
    Broker broker(options, clock);
    {
        Worker a;
        Worker b;
        auto subscriber = std::make_shared<ThreadedClient>(b);
        subscriber->start(broker);
        subscriber->send_packet(connect_packet("sub"));
        codec::Subscribe subscribe;
        subscribe.packet_id = 1;
        subscribe.subscriptions.push_back({"t/+", codec::SubscriptionOptions{codec::QoS::at_least_once}});
        subscriber->send_packet(subscribe);
        ASSERT_TRUE(wait_for([&] { return subscriber->subscribed_.load(); }));

        constexpr int kPerPublisher = 2000;
        std::vector<std::shared_ptr<ThreadedClient>> publishers;
        for (int p = 0; p < 2; ++p) {
            auto publisher = std::make_shared<ThreadedClient>(p == 0 ? a : b);
            publisher->start(broker);
            publisher->send_packet(connect_packet("pub" + std::to_string(p)));
            publishers.push_back(publisher);
        }
        for (int i = 0; i < kPerPublisher; ++i) {
            for (int p = 0; p < 2; ++p) {
                codec::Publish publish;
                publish.topic = "t/" + std::to_string(p);
                publish.payload = to_bytes(std::to_string(p) + ":" + std::to_string(i));
                publish.qos = codec::QoS::at_least_once;
                publish.packet_id = static_cast<std::uint16_t>(i % 60000 + 1);
                publishers[static_cast<std::size_t>(p)]->send_packet(publish);
            }
        }
        EXPECT_TRUE(wait_for([&] { return subscriber->distinct() == 2 * kPerPublisher; }));
        EXPECT_EQ(subscriber->publishes(), std::size_t{2 * kPerPublisher});  // none twice
        for (auto& p : publishers)
            p->finish();
        subscriber->finish();
        ASSERT_TRUE(wait_for([&] { return broker.stats().clients_connected.load() == 0; }));
    }  // workers joined before the broker goes
    EXPECT_EQ(broker.stats().messages_received.load(), 4000u);
    EXPECT_EQ(broker.stats().messages_sent.load(), 4000u);
}

TEST(Broker, TakeoversAcrossThreadsKeepTheSessionConsistent)
{
    SteadyClock clock;
    BrokerOptions options;
    options.sys_interval = 0ms;
    options.max_queued_messages = 100'000;
    Broker broker(options, clock);
    std::vector<std::shared_ptr<ThreadedClient>> incarnations;
    {
        Worker a;
        Worker b;
        auto publisher = std::make_shared<ThreadedClient>(a);
        publisher->start(broker);
        publisher->send_packet(connect_packet("pub"));
        constexpr int kMessages = 1000;
        constexpr int kIncarnations = 20;
        for (int n = 0; n < kIncarnations; ++n) {
            auto c = std::make_shared<ThreadedClient>(n % 2 ? a : b);
            c->start(broker);
            auto connect = connect_packet("roaming");
            connect.clean_start = n == 0;
            connect.properties.session_expiry_interval = 3600;
            c->send_packet(connect);
            // Connections on two workers: without waiting, incarnation n could attach before n - 1 and
            // be taken over by it, and the last one would not be the one that holds the session.
            ASSERT_TRUE(wait_for([&] { return c->connected_.load(); }));
            if (n == 0) {
                codec::Subscribe subscribe;
                subscribe.packet_id = 1;
                subscribe.subscriptions.push_back(
                    {"r", codec::SubscriptionOptions{codec::QoS::at_least_once}});
                c->send_packet(subscribe);
                ASSERT_TRUE(wait_for([&] { return c->subscribed_.load(); }));
            }
            incarnations.push_back(c);
            for (int i = n * kMessages / kIncarnations; i < (n + 1) * kMessages / kIncarnations; ++i) {
                codec::Publish publish;
                publish.topic = "r";
                publish.payload = to_bytes(std::to_string(i));
                publish.qos = codec::QoS::at_least_once;
                publish.packet_id = static_cast<std::uint16_t>(i + 1);
                publisher->send_packet(publish);
            }
        }
        // Every message reaches some incarnation (QoS 1: at least once, a resend may repeat one).
        auto distinct = [&] {
            std::set<std::string> all;
            for (auto& c : incarnations) {
                auto got = c->payload_set();
                all.insert(got.begin(), got.end());
            }
            return all.size();
        };
        EXPECT_TRUE(wait_for([&] { return distinct() == std::size_t{kMessages}; })) << distinct();
        EXPECT_TRUE(wait_for([&] { return broker.stats().clients_connected.load() == 2; }));
        publisher->finish();
        incarnations.back()->finish();
        EXPECT_TRUE(wait_for([&] { return broker.stats().clients_connected.load() == 0; }));
    }
    EXPECT_EQ(broker.stats().clients_total.load(), 1u);  // the persistent session remains
}

}  // namespace
}  // namespace moatmq::broker
