#pragma once
// TlsContext: one immutable server-side TLS configuration of a listener, built from its files (the
// certificate chain and key, the client CA bundle, CRLs, the PSK table, the certificates chosen by SNI).
// Reloading builds a new one (ServerTls); a connection keeps the context it started with (a shared_ptr) for
// its whole life.
//
// Policy (docs/tls.md): TLS 1.2 and 1.3 only (min_version may raise it to 1.3); for TLS 1.2 only ECDHE
// with AES-GCM or ChaCha20-Poly1305 (and, with a psk_file, the PSK suites); groups X25519, P-256, P-384;
// no renegotiation, no compression; ALPN from the options; session resumption by tickets (TicketKeys)
// and by a server-side session cache.
//
// OpenSSL types appear only as opaque pointers, so including this costs nothing.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "security/tls/psk_table.hpp"
#include "security/tls/ticket_keys.hpp"
#include "security/tls/tls_options.hpp"

typedef struct ssl_st SSL;          // NOLINT: OpenSSL's own declarations, without its headers
typedef struct ssl_ctx_st SSL_CTX;  // NOLINT

namespace moatmq::security::tls {

// Who the peer is once the handshake is done.
struct PeerIdentity {
    std::optional<std::string> identity;  // for ConnectionInfo::tls_identity
    bool psk = false;                     // the identity is a PSK identity (not a certificate's)
    std::optional<std::string> refused;   // the certificate lacks the configured identity field: why
};

class TlsContext {
public:
    // Reads every file of `options` and builds the context. Throws std::runtime_error naming the file
    // and what is wrong with it (unreadable, not PEM, passphrase-protected key, key not matching the
    // certificate, no CRL in the CRL file, malformed psk_file line).
    static std::shared_ptr<const TlsContext> build(const ServerTlsOptions& options,
                                                   std::shared_ptr<TicketKeys> ticket_keys);
    ~TlsContext();
    TlsContext(const TlsContext&) = delete;
    TlsContext& operator=(const TlsContext&) = delete;

    // A new server-side connection object (the caller owns it: SSL_free); nullptr when out of memory.
    SSL* new_ssl() const;

    // After a successful handshake (a resumed one too): the PSK identity, or the configured field of
    // the client certificate, or nothing (no certificate, or identity = none).
    PeerIdentity peer(const SSL* ssl) const;

    const ServerTlsOptions& options() const noexcept { return options_; }
    TicketKeys& ticket_keys() const noexcept { return *ticket_keys_; }
    const PskTable* psk() const noexcept { return psk_ ? &*psk_ : nullptr; }
    const std::string& ocsp_response() const noexcept { return ocsp_der_; }
    // What the build found worth a warning (a group-readable key_passphrase_file); the app logs it.
    const std::vector<std::string>& warnings() const noexcept { return warnings_; }

    // The SNI callback's work: switches `ssl` to the certificate configured for the server name it
    // asked for, if any (else the default certificate stays).
    void choose_certificate(SSL* ssl) const;

private:
    struct Handle;
    TlsContext(ServerTlsOptions options, std::shared_ptr<TicketKeys> ticket_keys);
    SSL_CTX* make_ctx(const std::filesystem::path* cert, const std::filesystem::path* key,
                      const std::string* passphrase, bool is_default);

    ServerTlsOptions options_;
    std::shared_ptr<TicketKeys> ticket_keys_;
    std::optional<PskTable> psk_;
    std::string alpn_wire_;  // the ALPN list in wire format (length-prefixed names)
    std::string ocsp_der_;   // the stapled OCSP response, if configured
    std::vector<std::string> warnings_;
    std::unique_ptr<Handle> handle_;
};

// Why a handshake failed, in words for the log: the client certificate's verification error
// ("certificate revoked", "certificate has expired", ...) or OpenSSL's reason ("wrong version number"
// for plaintext sent to a TLS port). `ssl_error` is SSL_get_error()'s value; call it right after the
// failing call, on the same thread (it reads OpenSSL's error queue).
std::string describe_handshake_failure(const SSL* ssl, int ssl_error);

}  // namespace moatmq::security::tls
