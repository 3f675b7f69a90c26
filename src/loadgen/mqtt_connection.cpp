#include "loadgen/mqtt_connection.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "codec/decoder.hpp"
#include "codec/encoder.hpp"

namespace moatmq::loadgen {

using asio::as_tuple;
using asio::awaitable;
using asio::use_awaitable;

namespace {

// Closes the socket if the handshake is not over by the deadline, which fails the pending operation.
class Deadline {
public:
    Deadline(tcp::socket& socket, std::chrono::milliseconds timeout) : timer_(socket.get_executor())
    {
        timer_.expires_after(timeout);
        timer_.async_wait([&socket, expired = expired_](const error_code& ec) {
            if (ec) return;
            *expired = true;
            error_code ignored;
            socket.close(ignored);
        });
    }
    ~Deadline() { timer_.cancel(); }
    bool expired() const noexcept { return *expired_; }

private:
    asio::steady_timer timer_;
    std::shared_ptr<bool> expired_ = std::make_shared<bool>(false);
};

}  // namespace

tcp::endpoint resolve_endpoint(const std::string& host, std::uint16_t port)
{
    asio::io_context io;
    tcp::resolver resolver{io};
    error_code ec;
    const auto results = resolver.resolve(host, std::to_string(port), ec);
    if (ec || results.empty())
        throw std::runtime_error("cannot resolve " + host + ": " + (ec ? ec.message() : "no address"));
    return results.begin()->endpoint();
}

Bytes encode_connect(const SessionSettings& settings)
{
    codec::Connect connect;
    connect.version = settings.version;
    connect.clean_start = true;
    connect.keep_alive = settings.keep_alive;
    connect.client_id = settings.client_id;
    Bytes out;
    if (auto encoded = codec::encode(connect, settings.version, out); !encoded)
        throw std::invalid_argument("cannot encode CONNECT: " + encoded.error().message());
    return out;
}

error_code check_connack(const codec::Packet& packet)
{
    const auto* connack = std::get_if<codec::Connack>(&packet);
    if (connack == nullptr) return codec::CodecError::unexpected_packet;
    if (connack->reason != codec::ReasonCode::Success)
        return error_code{static_cast<int>(connack->reason), boost::system::generic_category()};
    return {};
}

awaitable<error_code> MqttConnection::open(tcp::endpoint endpoint, SessionSettings settings,
                                           std::chrono::milliseconds timeout)
{
    version_ = settings.version;
    Deadline deadline{socket_, timeout};
    if (send_buffer_ > 0) {
        error_code ec;
        socket_.open(endpoint.protocol(), ec);
        if (!ec) socket_.set_option(asio::socket_base::send_buffer_size(send_buffer_), ec);
        if (ec) co_return ec;
    }
    auto [connect_ec] = co_await socket_.async_connect(endpoint, as_tuple(use_awaitable));
    if (connect_ec) co_return deadline.expired() ? asio::error::timed_out : connect_ec;
    error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
    socket_.non_blocking(true, ignored);  // flush() writes without blocking
    const Bytes connect = encode_connect(settings);
    auto [write_ec, written] =
        co_await asio::async_write(socket_, asio::buffer(connect), as_tuple(use_awaitable));
    if (write_ec) co_return deadline.expired() ? asio::error::timed_out : write_ec;
    auto packet = co_await read_packet();
    if (!packet) co_return deadline.expired() ? asio::error::timed_out : packet.error();
    co_return check_connack(*packet);
}

awaitable<error_code> MqttConnection::subscribe(std::string filter, codec::QoS qos,
                                                std::chrono::milliseconds timeout)
{
    Deadline deadline{socket_, timeout};
    codec::Subscribe subscribe;
    subscribe.packet_id = 1;
    codec::TopicSubscription subscription;
    subscription.filter = std::move(filter);
    subscription.options.qos = qos;
    subscribe.subscriptions.push_back(std::move(subscription));
    Bytes out;
    if (auto encoded = codec::encode(subscribe, version_, out); !encoded) co_return encoded.error();
    auto [write_ec, written] =
        co_await asio::async_write(socket_, asio::buffer(out), as_tuple(use_awaitable));
    if (write_ec) co_return write_ec;
    for (int skipped = 0; skipped < 1000; ++skipped) {  // retained messages may come before the SUBACK
        auto packet = co_await read_packet();
        if (!packet) co_return deadline.expired() ? asio::error::timed_out : packet.error();
        const auto* suback = std::get_if<codec::Suback>(&*packet);
        if (suback == nullptr) continue;
        if (suback->reasons.size() != 1 || static_cast<std::uint8_t>(suback->reasons[0]) >= 0x80)
            co_return error_code{EACCES, boost::system::generic_category()};
        co_return error_code{};
    }
    co_return codec::CodecError::unexpected_packet;
}

awaitable<Result<codec::Packet>> MqttConnection::read_packet()
{
    codec::DecodeOptions options;
    options.version = version_;
    options.sender = codec::Sender::server;
    if (in_.empty()) in_.resize(256);
    for (;;) {
        const ByteView available{in_.data() + in_begin_, in_end_ - in_begin_};
        auto header = codec::decode_fixed_header(available, options);
        if (header && header->packet_size() <= available.size()) {
            auto decoded = codec::decode(available, options);
            if (!decoded) co_return decoded.error();
            in_begin_ += decoded->consumed;
            co_return std::move(decoded->packet);
        }
        if (!header && header.error() != codec::CodecError::need_more) co_return header.error();
        if (header) need_room_for(header->packet_size());
        if (auto ec = co_await fill(); ec) co_return ec;
    }
}

bool MqttConnection::need_room_for(std::size_t packet_size)
{
    // Move the partial packet to the front, then grow to hold a whole packet (bounded by the codec's
    // maximum packet size, which decode_fixed_header enforces).
    if (in_begin_ > 0) {
        std::memmove(in_.data(), in_.data() + in_begin_, in_end_ - in_begin_);
        in_end_ -= in_begin_;
        in_begin_ = 0;
    }
    if (in_.size() < packet_size) in_.resize(packet_size);
    return true;
}

awaitable<error_code> MqttConnection::fill()
{
    if (in_begin_ == in_end_) in_begin_ = in_end_ = 0;
    if (in_end_ == in_.size()) need_room_for(in_.size() + 1);
    auto [ec, n] = co_await socket_.async_read_some(asio::buffer(in_.data() + in_end_, in_.size() - in_end_),
                                                    as_tuple(use_awaitable));
    if (ec) co_return ec;
    in_end_ += n;
    co_return error_code{};
}

void MqttConnection::release_buffers()
{
    if (in_begin_ == in_end_) Bytes{}.swap(in_), in_begin_ = in_end_ = 0;
    if (!write_active_) Bytes{}.swap(pending_), Bytes{}.swap(writing_);
}

void MqttConnection::flush()
{
    if (write_active_ || pending_.empty() || write_error_) return;
    // Most of the time the kernel takes everything: no asynchronous operation, nothing to wake.
    error_code ec;
    const std::size_t n = socket_.write_some(asio::buffer(pending_), ec);
    if (ec && ec != asio::error::would_block) {
        write_error_ = ec;
        pending_.clear();
        return;
    }
    if (n == pending_.size()) {
        pending_.clear();
        return;
    }
    pending_.swap(writing_);
    written_ = n;
    write_rest();
}

void MqttConnection::write_rest()
{
    write_active_ = true;
    asio::async_write(socket_, asio::buffer(writing_.data() + written_, writing_.size() - written_),
                      [this](const error_code& ec, std::size_t) {
                          write_active_ = false;
                          writing_.clear();
                          written_ = 0;
                          if (ec) write_error_ = ec;
                          flush();  // what accumulated meanwhile
                          if (notify_after_write_) {
                              notify_after_write_ = false;
                              notify();
                          }
                      });
}

void MqttConnection::notify()
{
    if (waiter_) asio::post(socket_.get_executor(), std::exchange(waiter_, nullptr));
    if (timer_armed_) {
        timer_armed_ = false;
        timer_.cancel();
    }
}

void MqttConnection::notify_after_write()
{
    if (write_active_)
        notify_after_write_ = true;
    else
        notify();
}

awaitable<void> MqttConnection::wait(Clock::time_point until)
{
    if (until == Clock::time_point::max()) {
        co_await asio::async_initiate<decltype(use_awaitable), void()>(
            // Constructed and swapped in: Boost 1.81's move assignment of any_completion_handler
            // wraps the handler in itself without end (fixed in 1.82).
            [this](auto handler) { asio::any_completion_handler<void()>(std::move(handler)).swap(waiter_); },
            use_awaitable);
        co_return;
    }
    timer_.expires_at(until);
    timer_armed_ = true;
    co_await timer_.async_wait(as_tuple(use_awaitable));
    timer_armed_ = false;
}

void MqttConnection::close() noexcept
{
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    notify();
}

}  // namespace moatmq::loadgen
