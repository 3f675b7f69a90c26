#pragma once
// TlsStream: a TLS server connection driven straight on the non-blocking socket (SSL_set_fd), without
// asio::ssl::stream. Private to the transport; only server.cpp includes it (through session.hpp users).
//
// Why not asio::ssl::stream: it keeps two 17 KiB buffers per connection for its whole life. Here the
// idle cost is the SSL object alone: OpenSSL's record buffers are released when empty
// (SSL_MODE_RELEASE_BUFFERS), reads decrypt into the worker's shared read buffer, and writes encrypt
// from the worker's shared staging buffer. Only when the socket is full does a connection keep a copy
// of the record OpenSSL must retry (`blocked_`), until it is sent.
//
// Writing keeps the transport's one-write-per-turn design: the packets queued in a turn are copied
// into records of up to 16 KiB (one SSL_write each, one record per send), not one record per packet.
//
// Every SSL call clears OpenSSL's per-thread error queue first: the worker's connections share it.
// No SSL call is made once the socket is closed (its descriptor number may already be reused).
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/compose.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <cstring>
#include <memory>
#include <span>
#include <vector>

#include "security/tls/tls_context.hpp"

namespace moatmq::transport::detail {

namespace asio = boost::asio;

struct SslFree {
    void operator()(SSL* ssl) const noexcept
    {
        // A connection that ends without close_notify (the client just closed the socket after its
        // DISCONNECT) keeps its session resumable: TLS 1.1+ no longer asks to forget it, and OpenSSL
        // would otherwise drop it from the server-side cache on SSL_free.
        if (SSL_is_init_finished(ssl)) SSL_set_shutdown(ssl, SSL_get_shutdown(ssl) | SSL_SENT_SHUTDOWN);
        SSL_free(ssl);
    }
};

class TlsStream {
public:
    using executor_type = asio::ip::tcp::socket::executor_type;
    using lowest_layer_type = asio::ip::tcp::socket;
    static constexpr std::size_t kRecordSize = 16 * 1024;  // TLS's largest record

    // Takes `ssl` (from context->new_ssl()). `staging` is the worker's, at least kRecordSize bytes.
    TlsStream(asio::ip::tcp::socket socket, std::shared_ptr<const security::tls::TlsContext> context,
              SSL* ssl, std::span<std::byte> staging)
        : socket_(std::move(socket)), context_(std::move(context)), ssl_(ssl), staging_(staging)
    {
        SSL_set_fd(ssl_.get(), static_cast<int>(socket_.native_handle()));
        SSL_set_accept_state(ssl_.get());
    }

    executor_type get_executor() { return socket_.get_executor(); }
    lowest_layer_type& lowest_layer() noexcept { return socket_; }
    // For Beast's get_lowest_layer() and its closing of the socket.
    using next_layer_type = asio::ip::tcp::socket;
    next_layer_type& next_layer() noexcept { return socket_; }
    SSL* ssl() const noexcept { return ssl_.get(); }
    const security::tls::TlsContext& context() const noexcept { return *context_; }
    bool open() const noexcept { return socket_.is_open(); }

    // Writes every byte of `buffers` (which must stay valid until the handler runs), then calls
    // handler(error_code, bytes_written). One write at a time. The handler may run before this returns.
    template <class Handler>
    void async_write_all(const std::vector<asio::const_buffer>& buffers, Handler handler)
    {
        buffers_ = &buffers;
        index_ = 0;
        offset_ = 0;
        written_ = 0;
        continue_write(std::move(handler));
    }

    // Asio's AsyncReadStream and AsyncWriteStream, for Beast (WebSocket over TLS). One read and one
    // write may be outstanding at a time. Handlers never run inside the initiating call.
    template <class MutableBuffers, class Token>
    auto async_read_some(const MutableBuffers& buffers, Token&& token)
    {
        return asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
            ReadOp{this, *asio::buffer_sequence_begin(buffers)}, token, socket_);
    }

    template <class ConstBuffers, class Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& token)
    {
        std::size_t size = 0;  // consumed from `buffers` now: the staging copy is what gets written
        if (blocked_.empty()) {
            for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers);
                 ++it) {
                const asio::const_buffer buffer(*it);
                const std::size_t n = std::min(buffer.size(), kRecordSize - size);
                std::memcpy(staging_.data() + size, buffer.data(), n);
                size += n;
                if (size == kRecordSize) break;
            }
        }
        return asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(WriteOp{this, size},
                                                                                        token, socket_);
    }

    // Sends close_notify if the socket takes it now (never waits), then half-closes the TCP side.
    void shutdown_send(boost::system::error_code& ec)
    {
        if (!open()) return;
        if (blocked_.empty()) {
            ERR_clear_error();
            SSL_shutdown(ssl_.get());
            ERR_clear_error();
        }
        socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    }

private:
    struct ReadOp {
        TlsStream* self_;
        asio::mutable_buffer buffer_;
        bool done_ = false;
        boost::system::error_code result_{};
        std::size_t n_ = 0;

        template <class Self>
        void operator()(Self& self, boost::system::error_code ec = {})
        {
            if (done_) {
                self.complete(result_, n_);
                return;
            }
            if (!ec && self_->open() && buffer_.size() > 0) {
                ERR_clear_error();
                const int r = SSL_read_ex(self_->ssl(), buffer_.data(), buffer_.size(), &n_);
                if (r != 1) {
                    const int error = SSL_get_error(self_->ssl(), r);
                    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
                        self_->socket_.async_wait(error == SSL_ERROR_WANT_READ
                                                      ? asio::ip::tcp::socket::wait_read
                                                      : asio::ip::tcp::socket::wait_write,
                                                  std::move(self));
                        return;
                    }
                    ERR_clear_error();
                    n_ = 0;
                    result_ = error == SSL_ERROR_ZERO_RETURN
                                  ? boost::system::error_code(asio::error::eof)
                                  : boost::system::error_code(asio::error::connection_reset);
                }
            } else if (ec) {
                result_ = ec;
            } else if (!self_->open()) {
                result_ = asio::error::bad_descriptor;
            }
            done_ = true;
            asio::post(self_->get_executor(), std::move(self));
        }
    };

    struct WriteOp {
        TlsStream* self_;
        std::size_t size_;  // bytes taken from the caller's buffers (in staging_, or blocked_ on a retry)
        bool done_ = false;
        boost::system::error_code result_{};

        template <class Self>
        void operator()(Self& self, boost::system::error_code ec = {})
        {
            if (done_) {
                self.complete(result_, result_ ? 0 : size_);
                return;
            }
            if (ec || !self_->open()) {
                result_ = ec ? ec : asio::error::bad_descriptor;
            } else {
                std::span<const std::byte> chunk =
                    self_->blocked_.empty() ? std::span<const std::byte>(self_->staging_.data(), size_)
                                            : std::span<const std::byte>(self_->blocked_);
                ERR_clear_error();
                std::size_t n = 0;
                const int r = chunk.empty() ? 1 : SSL_write_ex(self_->ssl(), chunk.data(), chunk.size(), &n);
                if (r == 1) {
                    if (!self_->blocked_.empty()) std::vector<std::byte>().swap(self_->blocked_);
                } else {
                    const int error = SSL_get_error(self_->ssl(), r);
                    if (error == SSL_ERROR_WANT_WRITE || error == SSL_ERROR_WANT_READ) {
                        if (self_->blocked_.empty()) self_->blocked_.assign(chunk.begin(), chunk.end());
                        self_->socket_.async_wait(error == SSL_ERROR_WANT_WRITE
                                                      ? asio::ip::tcp::socket::wait_write
                                                      : asio::ip::tcp::socket::wait_read,
                                                  std::move(self));
                        return;
                    }
                    ERR_clear_error();
                    result_ = asio::error::connection_reset;
                }
            }
            done_ = true;
            asio::post(self_->get_executor(), std::move(self));
        }
    };

    // Copies the next up-to-16-KiB of the packets into the staging buffer; returns how much.
    std::size_t gather()
    {
        std::size_t filled = 0;
        while (index_ < buffers_->size() && filled < kRecordSize) {
            const auto& buffer = (*buffers_)[index_];
            const std::size_t n = std::min(buffer.size() - offset_, kRecordSize - filled);
            std::memcpy(staging_.data() + filled, static_cast<const std::byte*>(buffer.data()) + offset_, n);
            filled += n;
            offset_ += n;
            if (offset_ == buffer.size()) {
                ++index_;
                offset_ = 0;
            }
        }
        return filled;
    }

    template <class Handler>
    void continue_write(Handler handler)
    {
        for (;;) {
            if (!open()) {
                handler(asio::error::bad_descriptor, written_);
                return;
            }
            std::span<const std::byte> chunk;
            if (!blocked_.empty()) {
                chunk = blocked_;
            } else {
                chunk = std::span<const std::byte>(staging_.data(), gather());
                if (chunk.empty()) {
                    handler(boost::system::error_code{}, written_);
                    return;
                }
            }
            ERR_clear_error();
            std::size_t n = 0;
            const int r = SSL_write_ex(ssl_.get(), chunk.data(), chunk.size(), &n);
            if (r == 1) {
                written_ += chunk.size();
                if (!blocked_.empty()) std::vector<std::byte>().swap(blocked_);  // released: rare path
                continue;
            }
            const int error = SSL_get_error(ssl_.get(), r);
            if (error == SSL_ERROR_WANT_WRITE || error == SSL_ERROR_WANT_READ) {
                // OpenSSL holds part of this record and must be given the same bytes again.
                if (blocked_.empty()) blocked_.assign(chunk.begin(), chunk.end());
                const auto wait = error == SSL_ERROR_WANT_WRITE ? asio::ip::tcp::socket::wait_write
                                                                : asio::ip::tcp::socket::wait_read;
                socket_.async_wait(
                    wait, [this, handler = std::move(handler)](boost::system::error_code ec) mutable {
                        if (ec) {
                            handler(ec, written_);
                            return;
                        }
                        continue_write(std::move(handler));
                    });
                return;
            }
            ERR_clear_error();
            handler(error == SSL_ERROR_SYSCALL ? asio::error::connection_reset : asio::error::fault,
                    written_);
            return;
        }
    }

    asio::ip::tcp::socket socket_;
    std::shared_ptr<const security::tls::TlsContext> context_;
    std::unique_ptr<SSL, SslFree> ssl_;
    std::span<std::byte> staging_;
    std::vector<std::byte> blocked_;
    const std::vector<asio::const_buffer>* buffers_ = nullptr;
    std::size_t index_ = 0;
    std::size_t offset_ = 0;
    std::size_t written_ = 0;
};

}  // namespace moatmq::transport::detail
