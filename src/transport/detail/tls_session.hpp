#pragma once
// A TLS connection's coroutine: the handshake (bounded by handshake_timeout), the peer's identity, the
// broker's Connection, then the read loop. Private to the transport (Asio and OpenSSL).
//
// A handshake that fails (plaintext or HTTP sent to a TLS port, an untrusted, expired or revoked client
// certificate, no certificate where one is required, an unknown PSK identity) or a certificate without
// the configured identity field ends this connection only, and its "connection closed" log line says
// why. The broker never sees such a connection.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <string>

#include "observe/log.hpp"
#include "transport/detail/session.hpp"
#include "transport/detail/tls_stream.hpp"

namespace moatmq::transport::detail {

template <class Handler>
void write_all(TlsStream& stream, const std::vector<asio::const_buffer>& buffers, Handler handler)
{
    stream.async_write_all(buffers, std::move(handler));
}

inline void shutdown_send(TlsStream& stream, boost::system::error_code& ec)
{
    stream.shutdown_send(ec);
}

// Words for an SSL call that failed with SSL_ERROR_SYSCALL or SSL_ERROR_SSL during reading.
inline std::string describe_tls_end(const SSL* ssl, int error)
{
    if (error == SSL_ERROR_ZERO_RETURN) return "peer closed";
    if (error == SSL_ERROR_SYSCALL) {
        ERR_clear_error();
        return errno == ECONNRESET ? "connection reset" : "peer closed";
    }
    return "TLS error: " + security::tls::describe_handshake_failure(ssl, error);
}

inline TlsStream& tls_layer(TlsStream& stream)
{
    return stream;
}

// True once the handshake is done; otherwise the link holds the reason. `Stream`: TlsStream, or a
// WebSocket over one (tls_layer() finds it).
template <class Stream>
awaitable<bool> tls_handshake(std::shared_ptr<Session<Stream>> session)
{
    auto& stream = tls_layer(session->stream());
    auto& link = session->link();
    asio::steady_timer deadline(stream.get_executor(), session->context().handshake_timeout);
    deadline.async_wait([weak = std::weak_ptr<Session<Stream>>(session)](boost::system::error_code ec) {
        if (ec) return;
        if (auto self = weak.lock()) self->link().abort("TLS handshake timeout");
    });
    // The client speaks first: wait for its hello rather than try a read that would find nothing.
    auto wait = tcp::socket::wait_read;
    for (;;) {
        auto [ec] = co_await stream.lowest_layer().async_wait(wait, asio::as_tuple(use_awaitable));
        if (ec) {
            link.set_end_reason(describe_io_end(ec));
            co_return false;
        }
        if (!stream.open()) co_return false;
        ERR_clear_error();
        const int r = SSL_do_handshake(stream.ssl());
        if (r == 1) co_return true;
        const int error = SSL_get_error(stream.ssl(), r);
        if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) {
            link.set_end_reason("TLS handshake failed: " +
                                security::tls::describe_handshake_failure(stream.ssl(), error));
            co_return false;
        }
        wait = error == SSL_ERROR_WANT_READ ? tcp::socket::wait_read : tcp::socket::wait_write;
    }
}

// Hands the peer's identity to the link (so to the broker), or refuses the certificate.
template <class Stream>
bool accept_peer(Session<Stream>& session)
{
    auto& stream = tls_layer(session.stream());
    auto& link = session.link();
    SSL* ssl = stream.ssl();
    auto peer = stream.context().peer(ssl);
    const auto* cipher = SSL_get_current_cipher(ssl);
    log::info("tls established", {{"id", link.id()},
                                  {"listener", link.listener()},
                                  {"protocol", SSL_get_version(ssl)},
                                  {"cipher", cipher != nullptr ? SSL_CIPHER_get_name(cipher) : "?"},
                                  {"resumed", SSL_session_reused(ssl) == 1},
                                  {"psk", peer.psk},
                                  {"identity", peer.identity ? *peer.identity : std::string{}}});
    if (peer.refused) {
        link.set_end_reason("TLS client refused: " + *peer.refused);
        return false;
    }
    link.set_tls_identity(std::move(peer.identity), peer.psk);
    return true;
}

// The connection's coroutine. Reads like a plain-TCP session (session.hpp), through OpenSSL: every decrypted
// byte goes into the worker's shared buffer, which is handed to the Connection when full or when OpenSSL has
// nothing more without the socket. Read-ahead may leave whole records inside OpenSSL, so reading goes on
// until OpenSSL asks for the socket (WANT_READ), never just until a short read.
inline awaitable<void> read_tls(std::shared_ptr<Session<TlsStream>> session)
{
    if (!co_await tls_handshake(session)) co_return;
    if (!accept_peer(*session) || !attach_connection(*session)) co_return;

    auto& stream = session->stream();
    auto& link = session->link();
    SSL* ssl = stream.ssl();
    const auto buffer = session->context().read_buffer;
    auto wait = tcp::socket::wait_read;
    bool must_wait = false;
    for (;;) {
        if (must_wait) {
            auto [ec] = co_await stream.lowest_layer().async_wait(wait, asio::as_tuple(use_awaitable));
            if (ec) {
                link.set_end_reason(describe_io_end(ec));
                co_return;
            }
        }
        must_wait = true;
        std::size_t filled = 0;
        for (int full_buffers = 0;;) {
            if (!stream.open()) co_return;
            ERR_clear_error();
            std::size_t n = 0;
            const int r = SSL_read_ex(ssl, buffer.data() + filled, buffer.size() - filled, &n);
            if (r == 1) {
                filled += n;
                if (filled < buffer.size()) continue;
                session->deliver(ByteView{buffer.data(), filled});
                filled = 0;
                if (link.aborted()) co_return;
                if (++full_buffers == kMaxReadsPerTurn) {
                    must_wait = false;  // more is waiting: come back after the others had their turn
                    break;
                }
                continue;
            }
            const int error = SSL_get_error(ssl, r);
            if (filled > 0) {
                session->deliver(ByteView{buffer.data(), filled});
                filled = 0;
                if (link.aborted()) co_return;
            }
            if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
                wait = error == SSL_ERROR_WANT_READ ? tcp::socket::wait_read : tcp::socket::wait_write;
                break;
            }
            link.set_end_reason(describe_tls_end(ssl, error));
            co_return;
        }
        if (!must_wait) co_await asio::post(stream.get_executor(), use_awaitable);
    }
}

}  // namespace moatmq::transport::detail
