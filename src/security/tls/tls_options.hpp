#pragma once
// What a TLS listener is made of, as the app reads it from [listener.tls] (DESIGN.md §5). Plain values:
// no OpenSSL here. Paths are absolute (the configuration loader resolves them).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace moatmq::security::tls {

enum class ClientCertMode { none, optional, require };
// Which certificate field becomes ConnectionInfo::tls_identity (and so the username).
enum class IdentityField { none, cn, san_dns, san_email, san_uri, subject };
enum class MinVersion { v1_2, v1_3 };

// A certificate chosen by SNI: a client asking for `host` gets it instead of the default `cert`.
struct SniCertificate {
    std::string host;  // lower case; "*.example.com" matches one label
    std::filesystem::path cert;
    std::filesystem::path key;
};

struct ServerTlsOptions {
    std::string listener;  // the listener's name: logs, and the session id context of resumption
    std::optional<std::filesystem::path> cert;  // certificate chain (PEM), leaf first; with `key`
    std::optional<std::filesystem::path> key;   // its private key (PEM)
    // The passphrase of an encrypted `key` (and SNI keys): the file's first line. Without it an
    // encrypted key is refused.
    std::optional<std::filesystem::path> key_passphrase_file;
    std::vector<SniCertificate> sni;          // more certificates on this listener, picked by server name
    std::optional<std::filesystem::path> ca;  // trust anchors for client certificates
    ClientCertMode client_cert = ClientCertMode::none;
    IdentityField identity = IdentityField::none;
    MinVersion min_version = MinVersion::v1_2;
    std::optional<std::filesystem::path> crl;       // revocation lists (PEM) for client certificates
    std::optional<std::filesystem::path> psk_file;  // TLS-PSK: lines "identity:hexkey"
    std::uint32_t verify_depth = 4;
    // OCSP stapling: a DER-encoded OCSP response for `cert` (e.g. from `openssl ocsp -respout`), sent
    // to clients that ask for the certificate status. Re-read with the other files.
    std::optional<std::filesystem::path> ocsp_response;
    // OpenSSL lists that replace the defaults when not empty (TLS 1.2 ciphers, TLS 1.3 suites, groups).
    std::string ciphers;
    std::string ciphersuites;
    std::string groups;
    // ALPN protocols this listener speaks, most preferred first ("mqtt"; "http/1.1" for wss). A client
    // that offers ALPN without any of them is served anyway, without ALPN.
    std::vector<std::string> alpn{"mqtt"};
};

}  // namespace moatmq::security::tls
