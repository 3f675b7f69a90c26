#pragma once
// MQTT over WebSocket (protocol = "ws" listeners; wss with [listener.tls]), with Boost.Beast. Private to
// the transport. For wss, Beast runs over TlsStream (its Asio stream interface) after the TLS handshake.
//
// The coroutine reads the HTTP upgrade request (at most 8 KiB of headers) within handshake_timeout,
// accepts it selecting the subprotocol "mqtt" when the client offers it (MQTT-6.0.0-3), then reads
// binary frames and hands their bytes to the Connection as they come: an MQTT packet may span frames
// and messages, and a frame may hold several packets; the codec does not care. A text frame closes
// the connection (MQTT-6.0.0-1). Outgoing packets queued in one turn go out as one binary message.
//
// Memory: Beast keeps a small read buffer (1.5 KiB) and, once it has written, a 4 KiB write buffer
// per connection; the frame payload buffer here is released after every read.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/websocket.hpp>
#include <string_view>
#include <type_traits>

#include "transport/detail/session.hpp"
#include "transport/detail/tls_session.hpp"

namespace moatmq::transport::detail {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

// `Next`: tcp::socket (ws) or TlsStream (wss).
template <class Next>
class WsStream {
public:
    using executor_type = tcp::socket::executor_type;
    explicit WsStream(Next next) : ws_(std::move(next)) {}
    executor_type get_executor() { return ws_.get_executor(); }
    tcp::socket& lowest_layer() noexcept { return beast::get_lowest_layer(ws_); }
    websocket::stream<Next>& ws() noexcept { return ws_; }

private:
    websocket::stream<Next> ws_;
};

inline TlsStream& tls_layer(WsStream<TlsStream>& stream)
{
    return stream.ws().next_layer();
}

inline void half_close(tcp::socket& socket, boost::system::error_code& ec)
{
    socket.shutdown(tcp::socket::shutdown_send, ec);
}
inline void half_close(TlsStream& stream, boost::system::error_code& ec)
{
    stream.shutdown_send(ec);
}

// Beast's teardown for a WebSocket over TlsStream: close_notify, then the socket is closed.
inline void teardown(beast::role_type, TlsStream& stream, boost::system::error_code& ec)
{
    stream.shutdown_send(ec);
    stream.lowest_layer().close(ec);
}
template <class Handler>
void async_teardown(beast::role_type, TlsStream& stream, Handler&& handler)
{
    boost::system::error_code ec;
    stream.shutdown_send(ec);
    stream.lowest_layer().close(ec);
    asio::post(stream.get_executor(), [handler = std::forward<Handler>(handler)]() mutable {
        handler(boost::system::error_code{});
    });
}

template <class Next, class Handler>
void write_all(WsStream<Next>& stream, const std::vector<asio::const_buffer>& buffers, Handler handler)
{
    stream.ws().async_write(buffers, std::move(handler));
}

// A WebSocket close frame (answered by the peer's; the read loop then ends), or a plain half-close
// before the upgrade.
template <class Next>
void shutdown_send(WsStream<Next>& stream, boost::system::error_code& ec)
{
    if (!stream.ws().is_open()) {
        half_close(stream.ws().next_layer(), ec);
        return;
    }
    stream.ws().async_close(websocket::close_code::normal, [](boost::system::error_code) {});
}

// Whether a Sec-WebSocket-Protocol list ("mqtt, mqttv3.1") names `wanted`.
inline bool offers_subprotocol(std::string_view list, std::string_view wanted)
{
    while (!list.empty()) {
        const auto comma = list.find(',');
        auto item = list.substr(0, comma);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t'))
            item.remove_prefix(1);
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t'))
            item.remove_suffix(1);
        if (item == wanted) return true;
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    return false;
}

inline std::string describe_ws_end(const boost::system::error_code& ec)
{
    if (ec == websocket::error::closed) return "peer closed";
    return describe_io_end(ec);
}

// True once the upgrade is done; otherwise the link holds the reason.
template <class Next>
awaitable<bool> ws_handshake(std::shared_ptr<Session<WsStream<Next>>> session)
{
    auto& ws = session->stream().ws();
    auto& link = session->link();
    asio::steady_timer deadline(ws.get_executor(), session->context().handshake_timeout);
    deadline.async_wait(
        [weak = std::weak_ptr<Session<WsStream<Next>>>(session)](boost::system::error_code ec) {
            if (ec) return;
            if (auto self = weak.lock()) self->link().abort("WebSocket handshake timeout");
        });
    beast::flat_buffer buffer(8 * 1024);
    http::request_parser<http::empty_body> parser;
    parser.header_limit(8 * 1024);
    auto [ec, n] = co_await http::async_read(ws.next_layer(), buffer, parser, asio::as_tuple(use_awaitable));
    if (ec) {
        link.set_end_reason("WebSocket handshake failed: " + ec.message());
        co_return false;
    }
    const auto& request = parser.get();
    if (!websocket::is_upgrade(request)) {
        link.set_end_reason("WebSocket handshake failed: not a WebSocket upgrade request");
        co_return false;
    }
    const bool mqtt = offers_subprotocol(request[http::field::sec_websocket_protocol], "mqtt");
    ws.set_option(websocket::stream_base::decorator([mqtt](websocket::response_type& response) {
        if (mqtt) response.set(http::field::sec_websocket_protocol, "mqtt");
        response.set(http::field::server, "moatmq");
    }));
    auto [accept_ec] = co_await ws.async_accept(request, asio::as_tuple(use_awaitable));
    if (accept_ec) {
        link.set_end_reason("WebSocket handshake failed: " + accept_ec.message());
        co_return false;
    }
    co_return true;
}

// The connection's coroutine; for wss, the TLS handshake and the peer's identity come first.
template <class Next>
awaitable<void> read_ws(std::shared_ptr<Session<WsStream<Next>>> session)
{
    if constexpr (std::is_same_v<Next, TlsStream>) {
        if (!co_await tls_handshake(session) || !accept_peer(*session)) co_return;
    }
    if (!co_await ws_handshake(session)) co_return;
    auto& ws = session->stream().ws();
    auto& link = session->link();
    ws.binary(true);
    ws.auto_fragment(false);
    if (!attach_connection(*session)) co_return;

    beast::flat_buffer data;
    for (;;) {
        auto [ec, n] = co_await ws.async_read_some(data, kReadChunk, asio::as_tuple(use_awaitable));
        if (ec) {
            link.set_end_reason(describe_ws_end(ec));
            co_return;
        }
        if (ws.got_text()) {
            link.set_end_reason("text WebSocket frame (MQTT needs binary frames)");
            co_return;
        }
        const auto bytes = data.data();
        session->deliver(ByteView{static_cast<const std::byte*>(bytes.data()), bytes.size()});
        data.consume(data.size());
        data.shrink_to_fit();  // an idle connection keeps no payload buffer
        if (link.aborted()) co_return;
    }
}

}  // namespace moatmq::transport::detail
