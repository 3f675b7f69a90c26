// Client::Impl: one io_context on one thread; every piece of protocol state below is touched only on
// that thread. Public calls co_spawn an operation onto it and wait on the future.
//
// Flows:
//  - Outgoing packets go through write_queue_; one writer coroutine drains it (so writes never
//    interleave), batching whatever queued meanwhile into one gather write.
//  - The reader coroutine decodes incoming packets. Acks (PUBACK, PUBREC, PUBCOMP, SUBACK, UNSUBACK)
//    complete the Waiter registered under their packet id; a Waiter is a timer that the reader cancels,
//    so waiting for a reply and its deadline are one async_wait.
//  - Incoming QoS 2 follows method B of the spec (§4.3.3): deliver on first PUBLISH, remember the id
//    until PUBREL, drop duplicate PUBLISHes with a remembered id.
#include "client/client.hpp"

#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <variant>

#include "client/packet_text.hpp"
#include "codec/decoder.hpp"
#include "codec/encoder.hpp"

namespace moatmq::client {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;
using codec::Packet;
using codec::ProtocolVersion;
using codec::QoS;
using codec::ReasonCode;
constexpr auto as_tuple_awaitable = asio::as_tuple(use_awaitable);

namespace {

using TlsStream = ssl::stream<tcp::socket>;

template <class Ack>
Ack ack_for(std::uint16_t packet_id)
{
    Ack ack;
    ack.packet_id = packet_id;
    return ack;
}

// SSL_set_tlsext_host_name() is a macro with a C cast; this is what it expands to.
void set_sni(SSL* ssl, const std::string& host)
{
    SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(host.c_str()));
}

bool is_ip_address(const std::string& host)
{
    error_code ec;
    (void)asio::ip::make_address(host, ec);
    return !ec;
}

}  // namespace

class Client::Impl {
public:
    Impl() : work_(asio::make_work_guard(ioc_)), thread_([this] { ioc_.run(); }) {}

    ~Impl()
    {
        asio::post(ioc_, [this] { close(make_error_code(ClientError::not_connected)); });
        work_.reset();
        thread_.join();
        if (options_.password) OPENSSL_cleanse(options_.password->data(), options_.password->size());
    }

    template <class T>
    T run(awaitable<T> operation)
    {
        return asio::co_spawn(ioc_, std::move(operation), asio::use_future).get();
    }

    // ---- operations (run on the I/O thread) ----

    awaitable<Result<ConnectResult>> do_connect(ConnectOptions options);
    awaitable<error_code> do_publish(codec::Publish publish);
    awaitable<Result<std::vector<ReasonCode>>> do_subscribe(codec::Subscribe subscribe);
    awaitable<Result<std::vector<ReasonCode>>> do_unsubscribe(codec::Unsubscribe unsubscribe);
    awaitable<error_code> do_disconnect(ReasonCode reason);

    Result<std::optional<Message>> receive(std::chrono::milliseconds timeout)
    {
        std::unique_lock lock(inbox_mutex_);
        inbox_ready_.wait_for(lock, timeout, [this] { return !inbox_.empty() || inbox_closed_; });
        if (!inbox_.empty()) {
            Message message = std::move(inbox_.front());
            inbox_.pop_front();
            return std::optional<Message>{std::move(message)};
        }
        if (inbox_closed_) return inbox_error_;
        return std::optional<Message>{};
    }

    error_code close_reason() const
    {
        std::lock_guard lock(inbox_mutex_);
        return inbox_closed_ ? inbox_error_ : error_code{};
    }

private:
    struct Waiter {
        explicit Waiter(asio::io_context& ioc) : timer(ioc) {}
        asio::steady_timer timer;
        std::optional<Packet> response;
    };

    // ---- transport ----
    awaitable<error_code> open_stream();  // uses options_
    awaitable<std::tuple<error_code, std::size_t>> read_some(asio::mutable_buffer buffer);
    awaitable<std::tuple<error_code, std::size_t>> write_all(const std::vector<asio::const_buffer>& buffers);
    awaitable<Result<Packet>> read_packet();

    // ---- protocol ----
    void send(const Packet& packet);
    awaitable<void> writer();
    awaitable<void> reader();
    awaitable<void> keep_alive(std::chrono::seconds interval);
    void on_packet(Packet packet);
    void deliver(codec::Publish& publish);
    Result<std::uint16_t> next_packet_id();
    awaitable<Result<Packet>> wait_for(std::uint16_t packet_id);
    awaitable<error_code> drain_writes();
    void close(error_code reason);
    void debug(std::string_view direction, const Packet& packet)
    {
        if (options_.debug) options_.debug(std::string{direction} + " " + describe(packet));
    }

    asio::io_context ioc_;
    asio::executor_work_guard<asio::io_context::executor_type> work_;
    ConnectOptions options_;
    std::optional<ssl::context> tls_context_;
    std::variant<std::monostate, tcp::socket, TlsStream> stream_;
    codec::StreamDecoder decoder_{codec::DecodeOptions{ProtocolVersion::v5, codec::Sender::server}};
    std::vector<std::byte> read_buffer_ = std::vector<std::byte>(16 * 1024);

    bool connected_ = false;
    bool closed_ = false;
    error_code close_error_;
    std::deque<Bytes> write_queue_;
    bool writing_ = false;
    bool write_failed_ = false;
    std::vector<asio::steady_timer*> drain_waiters_;
    std::map<std::uint16_t, Waiter*> waiters_;
    std::uint16_t last_packet_id_ = 0;
    std::set<std::uint16_t> inbound_qos2_;
    std::chrono::steady_clock::time_point last_sent_{};
    std::chrono::steady_clock::time_point last_received_{};
    std::optional<asio::steady_timer> keep_alive_timer_;

    mutable std::mutex inbox_mutex_;  // leaf lock: inbox between the I/O thread and receive()
    std::condition_variable inbox_ready_;
    std::deque<Message> inbox_;
    bool inbox_closed_ = false;
    error_code inbox_error_;

    std::thread thread_;  // last: started after every member above exists
};

// ---------------------------------------------------------------------------------------------------
// Transport

awaitable<error_code> Client::Impl::open_stream()
{
    const ConnectOptions& options = options_;  // a member: outlives the coroutine
    tcp::resolver resolver(ioc_);
    auto [rec, endpoints] =
        co_await resolver.async_resolve(options.host, std::to_string(options.port), as_tuple_awaitable);
    if (rec) co_return rec;
    tcp::socket socket(ioc_);
    auto [cec, endpoint] = co_await asio::async_connect(socket, endpoints, as_tuple_awaitable);
    if (cec) co_return cec;
    socket.set_option(tcp::no_delay(true));

    if (!options.tls) {
        stream_.emplace<tcp::socket>(std::move(socket));
        co_return error_code{};
    }
    const TlsOptions& tls = *options.tls;
    error_code ec;
    auto& context = tls_context_.emplace(ssl::context::tls_client);
    context.set_verify_mode(ssl::verify_peer);
    if (tls.cafile.empty()) {
        context.set_default_verify_paths(ec);
    } else {
        context.load_verify_file(tls.cafile, ec);
    }
    if (ec) co_return ec;
    if (!tls.certfile.empty()) {
        context.use_certificate_chain_file(tls.certfile, ec);
        if (ec) co_return ec;
        context.use_private_key_file(tls.keyfile.empty() ? tls.certfile : tls.keyfile, ssl::context::pem, ec);
        if (ec) co_return ec;
    }
    if (!tls.version.empty()) {
        const int version = tls.version == "tlsv1.3" ? TLS1_3_VERSION : TLS1_2_VERSION;
        SSL_CTX_set_min_proto_version(context.native_handle(), version);
        SSL_CTX_set_max_proto_version(context.native_handle(), version);
    }
    auto& stream = stream_.emplace<TlsStream>(std::move(socket), context);
    if (!is_ip_address(options.host)) set_sni(stream.native_handle(), options.host);
    if (!tls.insecure) stream.set_verify_callback(ssl::host_name_verification(options.host));
    auto [hec] = co_await stream.async_handshake(ssl::stream_base::client, as_tuple_awaitable);
    co_return hec;
}

awaitable<std::tuple<error_code, std::size_t>> Client::Impl::read_some(asio::mutable_buffer buffer)
{
    if (auto* socket = std::get_if<tcp::socket>(&stream_)) {
        co_return co_await socket->async_read_some(buffer, as_tuple_awaitable);
    }
    if (auto* tls = std::get_if<TlsStream>(&stream_)) {
        co_return co_await tls->async_read_some(buffer, as_tuple_awaitable);
    }
    co_return std::tuple{make_error_code(ClientError::not_connected), std::size_t{0}};
}

awaitable<std::tuple<error_code, std::size_t>> Client::Impl::write_all(
    const std::vector<asio::const_buffer>& buffers)
{
    if (auto* socket = std::get_if<tcp::socket>(&stream_)) {
        co_return co_await asio::async_write(*socket, buffers, as_tuple_awaitable);
    }
    if (auto* tls = std::get_if<TlsStream>(&stream_)) {
        co_return co_await asio::async_write(*tls, buffers, as_tuple_awaitable);
    }
    co_return std::tuple{make_error_code(ClientError::not_connected), std::size_t{0}};
}

awaitable<Result<Packet>> Client::Impl::read_packet()
{
    for (;;) {
        auto next = decoder_.next();
        if (!next) co_return next.error();
        if (*next) {
            last_received_ = std::chrono::steady_clock::now();
            debug("received", **next);
            co_return std::move(**next);
        }
        auto [ec, n] = co_await read_some(asio::buffer(read_buffer_));
        if (ec) {
            co_return (ec == asio::error::eof || ec == ssl::error::stream_truncated)
                ? make_error_code(ClientError::connection_closed)
                : ec;
        }
        decoder_.feed(ByteView{read_buffer_.data(), n});
    }
}

// ---------------------------------------------------------------------------------------------------
// Protocol machinery

void Client::Impl::send(const Packet& packet)
{
    if (closed_) return;
    debug("sending", packet);
    Bytes bytes;
    if (auto encoded = codec::encode(packet, options_.version, bytes); !encoded) {
        close(encoded.error());
        return;
    }
    write_queue_.push_back(std::move(bytes));
    if (!writing_) {
        writing_ = true;
        asio::co_spawn(ioc_, writer(), asio::detached);
    }
}

awaitable<void> Client::Impl::writer()
{
    while (!write_queue_.empty() && !closed_) {
        std::deque<Bytes> batch;
        batch.swap(write_queue_);
        std::vector<asio::const_buffer> buffers;
        buffers.reserve(batch.size());
        for (const auto& b : batch)
            buffers.emplace_back(b.data(), b.size());
        auto [ec, n] = co_await write_all(buffers);
        if (ec) {
            write_failed_ = true;
            close(ec);
            break;
        }
        last_sent_ = std::chrono::steady_clock::now();
    }
    writing_ = false;
    for (auto* timer : drain_waiters_)
        timer->cancel();
    drain_waiters_.clear();
}

awaitable<error_code> Client::Impl::drain_writes()
{
    if (writing_ && !closed_) {
        asio::steady_timer timer(ioc_);
        timer.expires_after(options_.timeout);
        drain_waiters_.push_back(&timer);
        auto [ec] = co_await timer.async_wait(as_tuple_awaitable);
        std::erase(drain_waiters_, &timer);
        if (!ec) co_return make_error_code(ClientError::timeout);
    }
    // Everything queued was written: a close that came after it (e.g. the broker answering our
    // DISCONNECT by closing) does not make the drain fail.
    if (!writing_ && write_queue_.empty() && !write_failed_) co_return error_code{};
    co_return closed_ ? close_error_ : make_error_code(ClientError::timeout);
}

Result<std::uint16_t> Client::Impl::next_packet_id()
{
    for (int tries = 0; tries < 65'535; ++tries) {
        last_packet_id_ = static_cast<std::uint16_t>(last_packet_id_ == 65'535 ? 1 : last_packet_id_ + 1);
        if (!waiters_.contains(last_packet_id_)) return last_packet_id_;
    }
    return make_error_code(ClientError::packet_ids_exhausted);
}

// Waits for the reply to `packet_id`. The caller registers nothing: this registers, waits, unregisters.
awaitable<Result<Packet>> Client::Impl::wait_for(std::uint16_t packet_id)
{
    if (closed_) co_return close_error_;
    Waiter waiter(ioc_);
    waiter.timer.expires_after(options_.timeout);
    waiters_[packet_id] = &waiter;
    co_await waiter.timer.async_wait(as_tuple_awaitable);
    waiters_.erase(packet_id);
    if (waiter.response) co_return std::move(*waiter.response);
    if (closed_) co_return close_error_;
    co_return make_error_code(ClientError::timeout);
}

void Client::Impl::close(error_code reason)
{
    if (closed_) return;
    closed_ = true;
    connected_ = false;
    close_error_ = reason;
    error_code ignored;
    if (auto* socket = std::get_if<tcp::socket>(&stream_)) {
        socket->shutdown(tcp::socket::shutdown_both, ignored);
        socket->close(ignored);
    } else if (auto* tls = std::get_if<TlsStream>(&stream_)) {
        tls->lowest_layer().shutdown(tcp::socket::shutdown_both, ignored);
        tls->lowest_layer().close(ignored);
    }
    for (auto& [id, waiter] : waiters_)
        waiter->timer.cancel();
    for (auto* timer : drain_waiters_)
        timer->cancel();
    if (keep_alive_timer_) keep_alive_timer_->cancel();
    {
        std::lock_guard lock(inbox_mutex_);
        inbox_closed_ = true;
        inbox_error_ = reason;
    }
    inbox_ready_.notify_all();
}

awaitable<void> Client::Impl::reader()
{
    while (!closed_) {
        auto packet = co_await read_packet();
        if (!packet) {
            close(packet.error());
            co_return;
        }
        on_packet(std::move(*packet));
    }
}

void Client::Impl::deliver(codec::Publish& publish)
{
    Message message{std::move(publish.topic), std::move(publish.payload), publish.qos, publish.retain,
                    std::move(publish.properties)};
    {
        std::lock_guard lock(inbox_mutex_);
        inbox_.push_back(std::move(message));
    }
    inbox_ready_.notify_one();
}

void Client::Impl::on_packet(Packet packet)
{
    auto complete = [this](std::uint16_t id, Packet reply) {
        if (auto it = waiters_.find(id); it != waiters_.end() && !it->second->response) {
            it->second->response = std::move(reply);
            it->second->timer.cancel();
        }
        // An ack nobody waits for (e.g. after a timeout) is ignored.
    };
    std::visit(
        [&](auto& p) {
            using T = std::decay_t<decltype(p)>;
            if constexpr (std::is_same_v<T, codec::Publish>) {
                if (p.qos == QoS::at_most_once) {
                    deliver(p);
                } else if (p.qos == QoS::at_least_once) {
                    const auto id = p.packet_id;
                    deliver(p);
                    send(ack_for<codec::Puback>(id));
                } else {
                    const auto id = p.packet_id;
                    if (inbound_qos2_.insert(id).second) deliver(p);  // a duplicate is not delivered twice
                    send(ack_for<codec::Pubrec>(id));
                }
            } else if constexpr (std::is_same_v<T, codec::Pubrel>) {
                inbound_qos2_.erase(p.packet_id);
                send(ack_for<codec::Pubcomp>(p.packet_id));
            } else if constexpr (std::is_same_v<T, codec::Puback> || std::is_same_v<T, codec::Pubrec> ||
                                 std::is_same_v<T, codec::Pubcomp> || std::is_same_v<T, codec::Suback> ||
                                 std::is_same_v<T, codec::Unsuback>) {
                complete(p.packet_id, std::move(packet));
            } else if constexpr (std::is_same_v<T, codec::Pingresp>) {
                // last_received_ was updated by read_packet(): that is all keep alive needs.
            } else if constexpr (std::is_same_v<T, codec::Disconnect>) {
                close(make_reason_error(p.reason));
            } else {
                // CONNACK twice, AUTH re-authentication we did not start, or a client-only packet.
                close(make_error_code(ClientError::protocol_error));
            }
        },
        packet);
}

awaitable<void> Client::Impl::keep_alive(std::chrono::seconds interval)
{
    // Send PINGREQ when nothing was sent for half the interval, so the broker always hears from us
    // within it [MQTT-3.1.2-23]; give up when nothing was received for 1.5 intervals.
    const auto half = std::chrono::duration_cast<std::chrono::steady_clock::duration>(interval) / 2;
    auto& timer = keep_alive_timer_.emplace(ioc_);
    while (!closed_) {
        timer.expires_after(half);
        auto [ec] = co_await timer.async_wait(as_tuple_awaitable);
        if (ec || closed_) co_return;
        const auto now = std::chrono::steady_clock::now();
        if (now - last_received_ > interval + half) {
            close(make_error_code(ClientError::keep_alive_timeout));
            co_return;
        }
        if (now - last_sent_ >= half) send(codec::Pingreq{});
    }
}

// ---------------------------------------------------------------------------------------------------
// Operations

awaitable<Result<ConnectResult>> Client::Impl::do_connect(ConnectOptions options)
{
    options_ = std::move(options);
    decoder_.set_options(codec::DecodeOptions{options_.version, codec::Sender::server});

    // One deadline for resolve + connect + TLS + CONNECT/AUTH/CONNACK: on expiry the socket is closed,
    // which ends whatever is pending.
    // The flag is shared with the handler, which may already be queued when the coroutine finishes.
    auto timed_out = std::make_shared<bool>(false);
    asio::steady_timer deadline(ioc_);
    deadline.expires_after(options_.timeout);
    deadline.async_wait([this, timed_out](error_code ec) {
        if (ec || connected_ || closed_) return;
        *timed_out = true;
        error_code ignored;
        if (auto* socket = std::get_if<tcp::socket>(&stream_)) socket->close(ignored);
        if (auto* tls = std::get_if<TlsStream>(&stream_)) tls->lowest_layer().close(ignored);
    });
    auto fail = [&](error_code ec) -> Result<ConnectResult> {
        deadline.cancel();
        if (*timed_out) ec = make_error_code(ClientError::timeout);
        close(ec);
        return ec;
    };

    if (auto ec = co_await open_stream()) co_return fail(ec);

    codec::Connect connect;
    connect.version = options_.version;
    connect.clean_start = options_.clean_start;
    connect.keep_alive = options_.keep_alive;
    connect.client_id = options_.client_id;
    connect.will = options_.will;
    connect.username = options_.username;
    if (options_.password) connect.password = to_bytes(*options_.password);
    connect.properties = options_.properties;
    auto* auth = options_.version == ProtocolVersion::v5 ? options_.authenticator.get() : nullptr;
    if (auth != nullptr) {
        auto data = auth->initial_data();
        if (!data) co_return fail(make_error_code(ClientError::authentication_failed));
        connect.properties.authentication_method = auth->method();
        if (!data->empty()) connect.properties.authentication_data = std::move(*data);
    }
    send(connect);
    if (connect.password) OPENSSL_cleanse(connect.password->data(), connect.password->size());

    for (;;) {
        auto packet = co_await read_packet();
        if (!packet) co_return fail(packet.error());
        if (auto* connack = std::get_if<codec::Connack>(&*packet)) {
            if (codec::is_error(connack->reason)) {
                co_return fail(
                    options_.version == ProtocolVersion::v5
                        ? make_reason_error(connack->reason)
                        : make_connect_return_error(codec::to_connect_return_code(connack->reason)));
            }
            if (auth != nullptr) {
                const Bytes empty;
                const auto& data = connack->properties.authentication_data;
                if (auth->finish(data ? ByteView{*data} : ByteView{empty})) {
                    co_return fail(make_error_code(ClientError::authentication_failed));
                }
            }
            deadline.cancel();
            connected_ = true;
            ConnectResult result{connack->session_present, connack->properties};
            std::uint16_t interval = options_.keep_alive;
            if (connack->properties.server_keep_alive) interval = *connack->properties.server_keep_alive;
            if (connack->properties.maximum_packet_size) {
                // Nothing to do for sending here: encode() does not know the limit; the broker enforces it.
            }
            asio::co_spawn(ioc_, reader(), asio::detached);
            if (interval > 0)
                asio::co_spawn(ioc_, keep_alive(std::chrono::seconds{interval}), asio::detached);
            co_return result;
        }
        auto* challenge = std::get_if<codec::Auth>(&*packet);
        if (challenge == nullptr || auth == nullptr ||
            challenge->reason != ReasonCode::ContinueAuthentication) {
            co_return fail(make_error_code(ClientError::protocol_error));
        }
        const Bytes empty;
        const auto& server_data = challenge->properties.authentication_data;
        auto reply = auth->challenge(server_data ? ByteView{*server_data} : ByteView{empty});
        if (!reply) co_return fail(make_error_code(ClientError::authentication_failed));
        codec::Auth answer;
        answer.reason = ReasonCode::ContinueAuthentication;
        answer.properties.authentication_method = auth->method();
        answer.properties.authentication_data = std::move(*reply);
        send(answer);
    }
}

awaitable<error_code> Client::Impl::do_publish(codec::Publish publish)
{
    if (!connected_) co_return closed_ ? close_error_ : make_error_code(ClientError::not_connected);
    if (publish.qos == QoS::at_most_once) {
        send(publish);
        co_return error_code{};
    }
    auto id = next_packet_id();
    if (!id) co_return id.error();
    publish.packet_id = *id;
    const bool exactly_once = publish.qos == QoS::exactly_once;
    send(publish);
    auto reply = co_await wait_for(*id);
    if (!reply) co_return reply.error();
    if (!exactly_once) {
        auto* puback = std::get_if<codec::Puback>(&*reply);
        if (puback == nullptr) co_return make_error_code(ClientError::protocol_error);
        co_return codec::is_error(puback->reason) ? make_reason_error(puback->reason) : error_code{};
    }
    auto* pubrec = std::get_if<codec::Pubrec>(&*reply);
    if (pubrec == nullptr) co_return make_error_code(ClientError::protocol_error);
    if (codec::is_error(pubrec->reason)) co_return make_reason_error(pubrec->reason);
    send(ack_for<codec::Pubrel>(*id));
    auto done = co_await wait_for(*id);
    if (!done) co_return done.error();
    auto* pubcomp = std::get_if<codec::Pubcomp>(&*done);
    if (pubcomp == nullptr) co_return make_error_code(ClientError::protocol_error);
    co_return codec::is_error(pubcomp->reason) ? make_reason_error(pubcomp->reason) : error_code{};
}

awaitable<Result<std::vector<ReasonCode>>> Client::Impl::do_subscribe(codec::Subscribe subscribe)
{
    if (!connected_) co_return closed_ ? close_error_ : make_error_code(ClientError::not_connected);
    auto id = next_packet_id();
    if (!id) co_return id.error();
    subscribe.packet_id = *id;
    send(subscribe);
    auto reply = co_await wait_for(*id);
    if (!reply) co_return reply.error();
    auto* suback = std::get_if<codec::Suback>(&*reply);
    if (suback == nullptr) co_return make_error_code(ClientError::protocol_error);
    co_return std::move(suback->reasons);
}

awaitable<Result<std::vector<ReasonCode>>> Client::Impl::do_unsubscribe(codec::Unsubscribe unsubscribe)
{
    if (!connected_) co_return closed_ ? close_error_ : make_error_code(ClientError::not_connected);
    auto id = next_packet_id();
    if (!id) co_return id.error();
    unsubscribe.packet_id = *id;
    send(unsubscribe);
    auto reply = co_await wait_for(*id);
    if (!reply) co_return reply.error();
    auto* unsuback = std::get_if<codec::Unsuback>(&*reply);
    if (unsuback == nullptr) co_return make_error_code(ClientError::protocol_error);
    co_return std::move(unsuback->reasons);
}

awaitable<error_code> Client::Impl::do_disconnect(ReasonCode reason)
{
    if (!connected_) co_return error_code{};
    send(codec::Disconnect{reason, {}});
    auto ec = co_await drain_writes();
    if (auto* tls = std::get_if<TlsStream>(&stream_); tls != nullptr && !ec) {
        // Best effort close_notify, bounded to a second: the broker usually just closes.
        asio::steady_timer guard(ioc_);
        guard.expires_after(
            std::min<std::chrono::steady_clock::duration>(options_.timeout, std::chrono::seconds{1}));
        guard.async_wait([tls](error_code wec) {
            if (!wec) tls->lowest_layer().cancel();
        });
        co_await tls->async_shutdown(as_tuple_awaitable);
    }
    close(make_error_code(ClientError::not_connected));
    co_return ec;
}

// ---------------------------------------------------------------------------------------------------
// Client

Client::Client() : impl_(std::make_unique<Impl>()) {}
Client::~Client() = default;

Result<ConnectResult> Client::connect(ConnectOptions options)
{
    return impl_->run(impl_->do_connect(std::move(options)));
}

error_code Client::publish(std::string topic, Bytes payload, QoS qos, bool retain,
                           codec::Properties properties)
{
    codec::Publish publish;
    publish.topic = std::move(topic);
    publish.payload = std::move(payload);
    publish.qos = qos;
    publish.retain = retain;
    publish.properties = std::move(properties);
    return impl_->run(impl_->do_publish(std::move(publish)));
}

Result<std::vector<ReasonCode>> Client::subscribe(std::vector<codec::TopicSubscription> subscriptions,
                                                  codec::Properties properties)
{
    codec::Subscribe subscribe;
    subscribe.subscriptions = std::move(subscriptions);
    subscribe.properties = std::move(properties);
    return impl_->run(impl_->do_subscribe(std::move(subscribe)));
}

Result<std::vector<ReasonCode>> Client::unsubscribe(std::vector<std::string> filters,
                                                    codec::Properties properties)
{
    codec::Unsubscribe unsubscribe;
    unsubscribe.filters = std::move(filters);
    unsubscribe.properties = std::move(properties);
    return impl_->run(impl_->do_unsubscribe(std::move(unsubscribe)));
}

Result<std::optional<Message>> Client::receive(std::chrono::milliseconds timeout)
{
    return impl_->receive(timeout);
}

error_code Client::disconnect(ReasonCode reason)
{
    return impl_->run(impl_->do_disconnect(reason));
}

error_code Client::close_reason() const
{
    return impl_->close_reason();
}

}  // namespace moatmq::client
