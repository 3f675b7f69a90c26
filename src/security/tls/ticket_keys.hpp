#pragma once
// TicketKeys: the keys that encrypt TLS session tickets (stateless resumption), rotated in memory.
//
// A ticket is encrypted (AES-256-CBC) and authenticated (HMAC-SHA256) under the current key; a ticket
// under the current or the previous key is accepted, and every resumed handshake gets a fresh ticket
// under the current key (TLS 1.3 clients use each ticket once); older tickets are refused and the
// client does a full handshake. The current key is replaced every `rotation`, so a
// stolen key opens at most two rotations' worth of tickets (forward secrecy for resumed sessions is
// bounded by this). Keys are random, never written anywhere, wiped when replaced, and shared by every
// context of one listener, so a certificate reload does not invalidate the tickets clients hold.
//
// Thread-safe: the OpenSSL callback runs on any worker.
#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>

typedef struct ssl_ctx_st SSL_CTX;  // NOLINT: OpenSSL's own declaration, without its headers

namespace moatmq::security::tls {

class TicketKeys {
public:
    explicit TicketKeys(std::chrono::seconds rotation = std::chrono::hours(12));
    ~TicketKeys();
    TicketKeys(const TicketKeys&) = delete;
    TicketKeys& operator=(const TicketKeys&) = delete;

    // Makes `context` encrypt and decrypt its tickets with these keys. `this` must outlive the context's
    // use (the context's app data must be the TlsContext that owns a shared_ptr to this).
    static void install(SSL_CTX* context);

    struct Key {
        std::array<unsigned char, 16> name{};
        std::array<unsigned char, 32> aes{};
        std::array<unsigned char, 32> hmac{};
    };

    // For a new ticket: the current key (rotating it first when due).
    Key current();
    // For a ticket presented by a client: 1 = current key, 2 = previous key (re-issue), 0 = unknown.
    int find(const unsigned char (&name)[16], Key& out);

private:
    void rotate_if_due();

    std::mutex mutex_;
    std::chrono::seconds rotation_;
    std::chrono::steady_clock::time_point rotated_at_;
    Key current_;
    Key previous_;
    bool have_previous_ = false;
};

}  // namespace moatmq::security::tls
