#pragma once
// MqttConnection: one lean MQTT client connection of the load generator, driven by coroutines on one
// io_context thread (not thread-safe; everything happens on the executor it was made with).
//
// Unlike client::Client (a thread per client, one packet per call) it is made for thousands of
// connections on a few threads and millions of packets per second:
// - writes go to an outbox that the caller fills with pre-encoded packets; flush() sends it at once
//   with one non-blocking send, and only what the kernel did not take waits for an asynchronous write
//   (one at a time: its completion flushes what accumulated meanwhile), no coroutine per write;
// - a waiting sender is woken through its stored completion handler, not a timer (a timer only when
//   it waits for a point in time: fixed-rate sending);
// - reads take large chunks and hand every whole packet in them to a callback, framed by the codec
//   and not decoded (packet_scan.hpp);
// - an idle connection holds no buffers: release_buffers() after the handshake.
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <string>

#include "codec/codec_error.hpp"
#include "codec/packet.hpp"
#include "common/bytes.hpp"
#include "common/result.hpp"
#include "loadgen/packet_scan.hpp"

namespace moatmq::loadgen {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct SessionSettings {
    codec::ProtocolVersion version = codec::ProtocolVersion::v311;
    std::string client_id;
    std::uint16_t keep_alive = 60;
};

// The first address `host` resolves to (synchronous; before the run). Throws std::runtime_error.
tcp::endpoint resolve_endpoint(const std::string& host, std::uint16_t port);

// The CONNECT packet of a benchmark client: clean session, no credentials.
Bytes encode_connect(const SessionSettings& settings);

// Why a CONNACK refused the connection ("connection refused: 0x87"), or success.
error_code check_connack(const codec::Packet& packet);

class MqttConnection {
public:
    explicit MqttConnection(asio::any_io_executor executor) : socket_(executor), timer_(executor) {}
    MqttConnection(const MqttConnection&) = delete;
    MqttConnection& operator=(const MqttConnection&) = delete;

    // Caps the kernel's send buffer (before open()). A flat-out publisher would otherwise park megabytes
    // in its socket that the broker reads long after the measured window, and that reach the next run.
    void limit_send_buffer(int bytes) noexcept { send_buffer_ = bytes; }

    // TCP connect, CONNECT, and the CONNACK, within `timeout`.
    asio::awaitable<error_code> open(tcp::endpoint endpoint, SessionSettings settings,
                                     std::chrono::milliseconds timeout);
    // SUBSCRIBE to one filter and wait for a SUBACK granting it, within `timeout`.
    asio::awaitable<error_code> subscribe(std::string filter, codec::QoS qos,
                                          std::chrono::milliseconds timeout);

    // Outgoing bytes: append pre-encoded packets to outbox(), then flush().
    Bytes& outbox() noexcept { return pending_; }
    void flush();
    // Bytes appended and not yet taken by the kernel.
    std::size_t queued() const noexcept { return pending_.size() + writing_.size() - written_; }
    error_code write_error() const noexcept { return write_error_; }

    // Suspends the one sender of this connection until notify() or `until` (Clock::time_point::max():
    // only notify()).
    asio::awaitable<void> wait(Clock::time_point until);
    // Resumes a wait() (posted: the sender runs after the caller returns to the event loop).
    void notify();
    // A wait() until notify() (not until a point in time) is suspended.
    bool waiting_for_notify() const noexcept { return static_cast<bool>(waiter_); }
    // notify() once the asynchronous write in progress completes (a sender waiting for room in the
    // outbox); at once when none is in progress.
    void notify_after_write();

    // Reads until the connection ends (or close()), handing every whole packet to
    // on_packet(const codec::FixedHeader&, ByteView packet) and then calling on_chunk() once per read;
    // flushes the outbox after each read so that what the callbacks queued goes out together.
    // Returns why it ended.
    template <class OnPacket, class OnChunk>
    asio::awaitable<error_code> read_packets(OnPacket on_packet, OnChunk on_chunk);
    template <class OnPacket>
    asio::awaitable<error_code> read_packets(OnPacket on_packet)
    {
        return read_packets(std::move(on_packet), [] {});
    }

    // Frees the read buffer (idle connections).
    void release_buffers();
    bool is_open() const noexcept { return socket_.is_open(); }
    tcp::socket& socket() noexcept { return socket_; }
    void close() noexcept;

private:
    static constexpr std::size_t kReadChunk = 64 * 1024;
    void write_rest();  // an asynchronous write of writing_ from written_
    // One whole packet, decoded by the codec (handshake only).
    asio::awaitable<Result<codec::Packet>> read_packet();
    asio::awaitable<error_code> fill();  // reads more into in_, growing it when a packet needs it
    bool need_room_for(std::size_t packet_size);

    tcp::socket socket_;
    asio::steady_timer timer_;  // wait() for a point in time
    bool timer_armed_ = false;
    asio::any_completion_handler<void()> waiter_;  // wait() until notify()
    bool notify_after_write_ = false;
    codec::ProtocolVersion version_ = codec::ProtocolVersion::v311;
    Bytes in_;
    std::size_t in_begin_ = 0;
    std::size_t in_end_ = 0;
    Bytes pending_;  // appended since the last flush()
    Bytes writing_;  // being written asynchronously, written_ bytes of it already sent
    std::size_t written_ = 0;
    bool write_active_ = false;
    int send_buffer_ = 0;
    error_code write_error_;
};

template <class OnPacket, class OnChunk>
asio::awaitable<error_code> MqttConnection::read_packets(OnPacket on_packet, OnChunk on_chunk)
{
    if (in_.size() < kReadChunk) need_room_for(kReadChunk);
    codec::DecodeOptions options;
    options.version = version_;
    options.sender = codec::Sender::server;
    for (;;) {
        for (;;) {
            const ByteView available{in_.data() + in_begin_, in_end_ - in_begin_};
            auto header = codec::decode_fixed_header(available, options);
            if (!header) {
                if (header.error() == codec::CodecError::need_more) break;
                co_return header.error();
            }
            if (header->packet_size() > available.size()) {
                need_room_for(header->packet_size());
                break;
            }
            on_packet(*header, available.first(header->packet_size()));
            in_begin_ += header->packet_size();
        }
        on_chunk();
        flush();
        if (auto ec = co_await fill(); ec) co_return ec;
    }
}

}  // namespace moatmq::loadgen
