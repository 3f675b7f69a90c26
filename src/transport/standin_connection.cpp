#include "transport/standin_connection.hpp"

#include <chrono>
#include <variant>

#include "codec/codec_error.hpp"
#include "codec/decoder.hpp"
#include "codec/encoder.hpp"
#include "observe/log.hpp"

namespace moatmq::transport {

namespace {

using namespace std::chrono_literals;

class StandInConnection final : public broker::Connection {
public:
    StandInConnection(broker::ConnectionInfo info, std::shared_ptr<broker::ClientLink> link,
                      const Clock& clock)
        : info_(std::move(info)), link_(std::move(link)), clock_(clock), deadline_(clock.now() + 10s)
    {
        decoder_.set_options({codec::ProtocolVersion::v5, codec::Sender::client, 1024 * 1024});
    }

    void on_bytes(ByteView bytes) override
    {
        if (closing_) return;
        decoder_.feed(bytes);
        for (;;) {
            auto next = decoder_.next();
            if (!next) {
                log::info("malformed packet",
                          {{"remote", info_.remote_address}, {"error", next.error().message()}});
                close();
                return;
            }
            if (!*next) break;
            handle(std::move(**next));
            if (closing_) return;
        }
        if (connected_ && keep_alive_.count() > 0) deadline_ = clock_.now() + keep_alive_ * 3 / 2;
    }

    void on_closed() override { closing_ = true; }

    std::optional<TimePoint> next_deadline() const override
    {
        if (closing_ || (connected_ && keep_alive_.count() == 0)) return std::nullopt;
        return deadline_;
    }

    void on_timer(TimePoint now) override
    {
        if (!closing_ && now >= deadline_) close();
    }

private:
    void handle(codec::Packet packet)
    {
        if (!connected_ && !std::holds_alternative<codec::Connect>(packet)) {
            close();  // the first packet must be CONNECT [MQTT-3.1.0-1]
            return;
        }
        if (auto* connect = std::get_if<codec::Connect>(&packet)) {
            if (connected_) {
                close();  // a second CONNECT is a protocol violation [MQTT-3.1.0-2]
                return;
            }
            connected_ = true;
            version_ = connect->version;
            keep_alive_ = std::chrono::seconds(connect->keep_alive);
            decoder_.set_options({version_, codec::Sender::client, 1024 * 1024});
            codec::Connack connack;
            if (version_ == codec::ProtocolVersion::v5 && connect->client_id.empty()) {
                connack.properties.assigned_client_identifier = "standin-" + std::to_string(++counter_);
            }
            send(connack);
        } else if (auto* publish = std::get_if<codec::Publish>(&packet)) {
            if (publish->qos == codec::QoS::at_least_once) send(ack<codec::Puback>(publish->packet_id));
            if (publish->qos == codec::QoS::exactly_once) send(ack<codec::Pubrec>(publish->packet_id));
        } else if (auto* pubrel = std::get_if<codec::Pubrel>(&packet)) {
            send(ack<codec::Pubcomp>(pubrel->packet_id));
        } else if (auto* subscribe = std::get_if<codec::Subscribe>(&packet)) {
            codec::Suback suback;
            suback.packet_id = subscribe->packet_id;
            suback.reasons.assign(subscribe->subscriptions.size(), codec::GrantedQoS0);
            send(suback);
        } else if (auto* unsubscribe = std::get_if<codec::Unsubscribe>(&packet)) {
            codec::Unsuback unsuback;
            unsuback.packet_id = unsubscribe->packet_id;
            if (version_ == codec::ProtocolVersion::v5) {
                unsuback.reasons.assign(unsubscribe->filters.size(),
                                        codec::ReasonCode::NoSubscriptionExisted);
            }
            send(unsuback);
        } else if (std::holds_alternative<codec::Pingreq>(packet)) {
            send(codec::Pingresp{});
        } else if (std::holds_alternative<codec::Disconnect>(packet)) {
            close();
        } else {
            close();
        }
    }

    template <class Ack>
    static Ack ack(std::uint16_t packet_id)
    {
        Ack packet;
        packet.packet_id = packet_id;
        return packet;
    }

    void send(const codec::Packet& packet)
    {
        auto bytes = std::make_shared<Bytes>();
        if (!codec::encode(packet, version_, *bytes)) {
            close();
            return;
        }
        link_->send(std::move(bytes));
    }

    void close()
    {
        closing_ = true;
        link_->close();
    }

    static inline unsigned counter_ = 0;

    broker::ConnectionInfo info_;
    std::shared_ptr<broker::ClientLink> link_;
    const Clock& clock_;
    codec::StreamDecoder decoder_;
    codec::ProtocolVersion version_ = codec::ProtocolVersion::v5;
    std::chrono::seconds keep_alive_{0};
    TimePoint deadline_;
    bool connected_ = false;
    bool closing_ = false;
};

}  // namespace

std::unique_ptr<broker::Connection> make_standin_connection(broker::ConnectionInfo info,
                                                            std::shared_ptr<broker::ClientLink> link,
                                                            const Clock& clock)
{
    return std::make_unique<StandInConnection>(std::move(info), std::move(link), clock);
}

}  // namespace moatmq::transport
