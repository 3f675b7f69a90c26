#include "broker/broker.hpp"

#include "broker/broker_core.hpp"
#include "broker/client_connection.hpp"

namespace moatmq::broker {
namespace {

// What the transport holds: a unique handle on a connection that other threads reach only through
// weak pointers (posted tasks). Destroying the handle without on_closed() counts as a close.
class ConnectionHandle final : public Connection {
public:
    explicit ConnectionHandle(std::shared_ptr<ClientConnection> connection)
        : connection_(std::move(connection))
    {
    }
    ~ConnectionHandle() override { connection_->on_closed(); }
    ConnectionHandle(const ConnectionHandle&) = delete;
    ConnectionHandle& operator=(const ConnectionHandle&) = delete;

    void on_bytes(ByteView bytes) override { connection_->on_bytes(bytes); }
    void on_closed() override { connection_->on_closed(); }
    std::optional<TimePoint> next_deadline() const override { return connection_->next_deadline(); }
    void on_timer(TimePoint now) override { connection_->on_timer(now); }

private:
    std::shared_ptr<ClientConnection> connection_;
};

}  // namespace

Broker::Broker(BrokerOptions options, const Clock& clock)
    : core_(std::make_unique<BrokerCore>(std::move(options), clock))
{
}

Broker::~Broker() = default;

std::unique_ptr<Connection> Broker::accept(ConnectionInfo info, std::shared_ptr<ClientLink> link)
{
    auto connection = std::make_shared<ClientConnection>(*core_, std::move(info), std::move(link));
    core_->register_connection(*connection);
    return std::make_unique<ConnectionHandle>(std::move(connection));
}

void Broker::restore(StoredState state)
{
    core_->restore(std::move(state));
}

void Broker::on_timer(TimePoint now)
{
    core_->on_timer(now);
}

std::optional<TimePoint> Broker::next_deadline() const
{
    return core_->next_deadline();
}

void Broker::shutdown()
{
    core_->shutdown();
}

const BrokerStats& Broker::stats() const noexcept
{
    return core_->stats();
}

const BrokerOptions& Broker::options() const noexcept
{
    return core_->options();
}

}  // namespace moatmq::broker
