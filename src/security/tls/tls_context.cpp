#include "security/tls/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "security/tls/cert_identity.hpp"

namespace moatmq::security::tls {
namespace {

// TLS 1.2 suites: forward secret, AEAD. TLS 1.3 keeps OpenSSL's default suites (all AEAD).
constexpr const char* kCertCiphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
// TLS 1.2 PSK suites for constrained devices (RFC 4279, 5489, 7905): ECDHE-PSK first.
constexpr const char* kPskCiphers =
    "ECDHE-PSK-CHACHA20-POLY1305:ECDHE-PSK-AES128-CBC-SHA256:PSK-AES128-GCM-SHA256:PSK-AES256-GCM-SHA384:"
    "PSK-CHACHA20-POLY1305";
constexpr const char* kGroups = "X25519:P-256:P-384";
constexpr long kSessionTimeoutSeconds = 7200;  // tickets and cache entries: 2 h
constexpr long kSessionCacheSize = 20'000;

struct BioFree {
    void operator()(BIO* bio) const noexcept { BIO_free(bio); }
};
struct PkeyFree {
    void operator()(EVP_PKEY* key) const noexcept { EVP_PKEY_free(key); }
};
struct InfoStackFree {
    void operator()(STACK_OF(X509_INFO) * infos) const noexcept
    {
        sk_X509_INFO_pop_free(infos, X509_INFO_free);
    }
};

// OpenSSL's last error as words ("no start line"), emptying its queue.
std::string openssl_reason()
{
    const unsigned long error = ERR_peek_last_error();
    ERR_clear_error();
    if (error == 0) return "unknown error";
    const char* reason = ERR_reason_error_string(error);
    return reason != nullptr ? reason : "error " + std::to_string(error);
}

std::runtime_error file_error(const char* key, const std::filesystem::path& path, const std::string& why)
{
    return std::runtime_error(std::string(key) + " " + path.string() + ": " + why);
}

std::string read_file(const char* key, const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) throw file_error(key, path, "cannot be read");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// The passphrase callback: never prompts on a terminal (OpenSSL's default callback would). With no
// passphrase configured an encrypted key just fails to load.
int give_passphrase(char* buffer, int size, int, void* user)
{
    const auto* passphrase = static_cast<const std::string*>(user);
    if (passphrase == nullptr || size <= 0 || passphrase->size() > static_cast<std::size_t>(size)) return -1;
    std::memcpy(buffer, passphrase->data(), passphrase->size());
    return static_cast<int>(passphrase->size());
}

// key_passphrase_file: its first line, without the line end. A group- or other-readable file is
// accepted with a warning (the passphrase is as secret as the key).
std::string read_passphrase(const std::filesystem::path& path, std::vector<std::string>& warnings)
{
    std::string text = read_file("key_passphrase_file", path);
    const auto end = text.find_first_of("\r\n");
    std::string passphrase = text.substr(0, end);
    OPENSSL_cleanse(text.data(), text.size());
    if (passphrase.empty())
        throw file_error("key_passphrase_file", path, "is empty (the passphrase is its first line)");
    std::error_code ec;
    const auto perms = std::filesystem::status(path, ec).permissions();
    using std::filesystem::perms;
    if (!ec && (perms & (perms::group_read | perms::others_read)) != perms::none) {
        warnings.push_back("key_passphrase_file " + path.string() +
                           " is readable by group or others; restrict it (chmod 600)");
    }
    return passphrase;
}

void load_key(SSL_CTX* ctx, const std::filesystem::path& path, const std::string* passphrase)
{
    std::string pem = read_file("key", path);
    const bool encrypted = pem.find("ENCRYPTED") != std::string::npos;
    std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    std::unique_ptr<EVP_PKEY, PkeyFree> key(
        bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, give_passphrase,
                                      const_cast<std::string*>(passphrase))
            : nullptr);
    OPENSSL_cleanse(pem.data(), pem.size());
    if (encrypted && passphrase == nullptr) {
        ERR_clear_error();
        throw file_error(
            "key", path,
            "is protected by a passphrase: set key_passphrase_file to a file holding it (mode "
            "0600), or store the key unencrypted with mode 0600 (openssl pkey -in KEY -out PLAIN)");
    }
    if (!key && encrypted) {
        ERR_clear_error();
        throw file_error(
            "key", path,
            "cannot be decrypted with the passphrase of key_passphrase_file (wrong passphrase?)");
    }
    if (!key) throw file_error("key", path, "not a PEM private key (" + openssl_reason() + ")");
    if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
        throw file_error("key", path, "does not match the certificate (" + openssl_reason() + ")");
    }
}

void load_crls(SSL_CTX* ctx, const std::filesystem::path& path)
{
    std::unique_ptr<BIO, BioFree> bio(BIO_new_file(path.c_str(), "r"));
    if (!bio) throw file_error("crl", path, "cannot be read");
    std::unique_ptr<STACK_OF(X509_INFO), InfoStackFree> infos(
        PEM_X509_INFO_read_bio(bio.get(), nullptr, nullptr, nullptr));
    if (!infos) throw file_error("crl", path, "not PEM (" + openssl_reason() + ")");
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    int count = 0;
    for (int i = 0; i < sk_X509_INFO_num(infos.get()); ++i) {
        X509_INFO* info = sk_X509_INFO_value(infos.get(), i);
        if (info->crl == nullptr) continue;
        if (X509_STORE_add_crl(store, info->crl) != 1) throw file_error("crl", path, openssl_reason());
        ++count;
    }
    if (count == 0) throw file_error("crl", path, "holds no X509 CRL");
    X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
}

const TlsContext* context_of(const SSL* ssl)
{
    return static_cast<const TlsContext*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
}

int select_alpn(SSL* ssl, const unsigned char** out, unsigned char* out_length, const unsigned char* in,
                unsigned int in_length, void* arg)
{
    (void)ssl;
    const auto* wire = static_cast<const std::string*>(arg);
    unsigned char* chosen = nullptr;
    if (SSL_select_next_proto(&chosen, out_length, reinterpret_cast<const unsigned char*>(wire->data()),
                              static_cast<unsigned int>(wire->size()), in,
                              in_length) != OPENSSL_NPN_NEGOTIATED) {
        return SSL_TLSEXT_ERR_NOACK;  // served without ALPN rather than refused
    }
    *out = chosen;
    return SSL_TLSEXT_ERR_OK;
}

// OCSP stapling: a client that asks for the certificate status gets the configured response.
int staple_ocsp(SSL* ssl, void*)
{
    const TlsContext* context = context_of(ssl);
    if (context == nullptr || context->ocsp_response().empty()) return SSL_TLSEXT_ERR_NOACK;
    const auto& der = context->ocsp_response();
    auto* copy = static_cast<unsigned char*>(OPENSSL_memdup(der.data(), der.size()));  // OpenSSL frees it
    if (copy == nullptr) return SSL_TLSEXT_ERR_NOACK;
    // SSL_set_tlsext_status_ocsp_resp() without its C cast.
    SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_STATUS_REQ_OCSP_RESP, static_cast<long>(der.size()), copy);
    return SSL_TLSEXT_ERR_OK;
}

unsigned int find_psk(SSL* ssl, const char* identity, unsigned char* psk, unsigned int max_length)
{
    const TlsContext* context = context_of(ssl);
    if (context == nullptr || context->psk() == nullptr || identity == nullptr) return 0;
    const auto entry = context->psk()->find(identity);
    if (!entry || entry->key.size() > max_length) return 0;  // unknown identity: the handshake fails
    std::memcpy(psk, entry->key.data(), entry->key.size());
    // TLS 1.3 external PSKs do not show in SSL_get_psk_identity(): remember which one it was. The
    // pointer stays valid as long as the connection, which holds this context.
    SSL_set_app_data(ssl, const_cast<std::string*>(entry->identity));
    return static_cast<unsigned int>(entry->key.size());
}

}  // namespace

struct TlsContext::Handle {
    SSL_CTX* ctx = nullptr;
    std::vector<std::pair<std::string, SSL_CTX*>> sni;  // host (lower case) -> its context
    ~Handle()
    {
        SSL_CTX_free(ctx);
        for (auto& entry : sni)
            SSL_CTX_free(entry.second);
    }
};

namespace {

bool sni_matches(std::string_view pattern, std::string_view name)
{
    if (pattern.starts_with("*.")) {
        const auto dot = name.find('.');
        return dot != std::string_view::npos && dot > 0 && name.substr(dot + 1) == pattern.substr(2);
    }
    return pattern == name;
}

// SNI: switch the connection to the context of the certificate for the requested name. Clients
// without SNI or with another name keep the default certificate.
int on_servername(SSL* ssl, int*, void*)
{
    if (const TlsContext* context = context_of(ssl)) context->choose_certificate(ssl);
    return SSL_TLSEXT_ERR_OK;
}

}  // namespace

TlsContext::TlsContext(ServerTlsOptions options, std::shared_ptr<TicketKeys> ticket_keys)
    : options_(std::move(options)), ticket_keys_(std::move(ticket_keys)), handle_(std::make_unique<Handle>())
{
}

TlsContext::~TlsContext() = default;

void TlsContext::choose_certificate(SSL* ssl) const
{
    const char* requested = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    if (requested == nullptr) return;
    std::string name(requested);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const auto& [host, ctx] : handle_->sni) {
        if (sni_matches(host, name)) {
            SSL_set_SSL_CTX(ssl, ctx);
            return;
        }
    }
}

// One OpenSSL context with every setting of the listener and the certificate `cert`/`key`. SNI
// contexts get the same settings (OpenSSL reads verification, ALPN and status callbacks from the
// context a connection was switched to) but never the OCSP response, which is for the default `cert`.
SSL_CTX* TlsContext::make_ctx(const std::filesystem::path* cert, const std::filesystem::path* key,
                              const std::string* passphrase, bool is_default)
{
    const ServerTlsOptions& options = options_;
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == nullptr) throw std::runtime_error("TLS: cannot create a context: " + openssl_reason());
    if (is_default) {
        handle_->ctx = ctx;
    } else {
        handle_->sni.back().second = ctx;
    }
    SSL_CTX_set_app_data(ctx, this);
    SSL_CTX_set_min_proto_version(ctx,
                                  options.min_version == MinVersion::v1_3 ? TLS1_3_VERSION : TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                                 SSL_OP_NO_COMPRESSION | SSL_OP_IGNORE_UNEXPECTED_EOF);
    // Idle connections give their record buffers back; writes may resume from another buffer.
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_read_ahead(ctx, 1);
    std::string ciphers = options.cert ? kCertCiphers : "";
    if (options.psk_file) ciphers += std::string(ciphers.empty() ? "" : ":") + kPskCiphers;
    if (!options.ciphers.empty()) ciphers = options.ciphers;
    if (SSL_CTX_set_cipher_list(ctx, ciphers.c_str()) != 1) {
        throw std::runtime_error("ciphers \"" + ciphers + "\": no usable TLS 1.2 cipher (" +
                                 openssl_reason() + ")");
    }
    if (!options.ciphersuites.empty() && SSL_CTX_set_ciphersuites(ctx, options.ciphersuites.c_str()) != 1) {
        throw std::runtime_error("ciphersuites \"" + options.ciphersuites + "\": no usable TLS 1.3 suite (" +
                                 openssl_reason() + ")");
    }
    const std::string groups = options.groups.empty() ? kGroups : options.groups;
    if (SSL_CTX_set1_groups_list(ctx, groups.c_str()) != 1) {
        throw std::runtime_error("groups \"" + groups + "\": not a usable group list (" + openssl_reason() +
                                 ")");
    }

    if (cert != nullptr) {
        if (SSL_CTX_use_certificate_chain_file(ctx, cert->c_str()) != 1) {
            throw file_error("cert", *cert, "not a PEM certificate chain (" + openssl_reason() + ")");
        }
        load_key(ctx, *key, passphrase);
    }

    if (options.client_cert != ClientCertMode::none) {
        if (SSL_CTX_load_verify_file(ctx, options.ca->c_str()) != 1) {
            throw file_error("ca", *options.ca, "not a PEM certificate bundle (" + openssl_reason() + ")");
        }
        if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(options.ca->c_str())) {
            SSL_CTX_set_client_CA_list(ctx, names);
        }
        if (options.crl) load_crls(ctx, *options.crl);
        const int mode = options.client_cert == ClientCertMode::require
                             ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT
                             : SSL_VERIFY_PEER;
        SSL_CTX_set_verify(ctx, mode, nullptr);
        SSL_CTX_set_verify_depth(ctx, static_cast<int>(options.verify_depth));
    }

    if (is_default && !ocsp_der_.empty()) {
        // SSL_CTX_set_tlsext_status_cb() without its C cast.
        SSL_CTX_callback_ctrl(ctx, SSL_CTRL_SET_TLSEXT_STATUS_REQ_CB,
                              reinterpret_cast<void (*)()>(staple_ocsp));
    }

    if (psk_) SSL_CTX_set_psk_server_callback(ctx, find_psk);

    if (!alpn_wire_.empty()) SSL_CTX_set_alpn_select_cb(ctx, select_alpn, &alpn_wire_);

    // Resumption: the session id context ties sessions to this listener (and is required once client
    // certificates are verified); tickets use the listener's rotating keys; the cache serves clients
    // that resume by session id.
    unsigned char sid_context[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(options.listener.data()), options.listener.size(),
           sid_context);
    SSL_CTX_set_session_id_context(ctx, sid_context, sizeof sid_context);
    if (options.psk_file) {
        // A PSK handshake is already cheap (no certificates), and a resumed session would not carry the
        // PSK identity in TLS 1.3: listeners with a psk_file do not resume.
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
        SSL_CTX_set_num_tickets(ctx, 0);
    } else {
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
        SSL_CTX_sess_set_cache_size(ctx, kSessionCacheSize);
        SSL_CTX_set_timeout(ctx, kSessionTimeoutSeconds);
        SSL_CTX_set_num_tickets(ctx, 1);
        TicketKeys::install(ctx);
    }
    return ctx;
}

std::shared_ptr<const TlsContext> TlsContext::build(const ServerTlsOptions& options,
                                                    std::shared_ptr<TicketKeys> ticket_keys)
{
    ERR_clear_error();
    std::shared_ptr<TlsContext> self(new TlsContext(options, std::move(ticket_keys)));
    std::string passphrase;
    if (options.key_passphrase_file)
        passphrase = read_passphrase(*options.key_passphrase_file, self->warnings_);
    struct Cleanse {
        std::string& text;
        ~Cleanse() { OPENSSL_cleanse(text.data(), text.size()); }
    } cleanse{passphrase};
    const std::string* pass = options.key_passphrase_file ? &passphrase : nullptr;

    if (options.ocsp_response) {
        self->ocsp_der_ = read_file("ocsp_response", *options.ocsp_response);
        const auto* data = reinterpret_cast<const unsigned char*>(self->ocsp_der_.data());
        OCSP_RESPONSE* response =
            d2i_OCSP_RESPONSE(nullptr, &data, static_cast<long>(self->ocsp_der_.size()));
        if (response == nullptr) {
            throw file_error("ocsp_response", *options.ocsp_response,
                             "not a DER OCSP response (" + openssl_reason() + ")");
        }
        OCSP_RESPONSE_free(response);
    }
    if (options.psk_file) self->psk_ = PskTable::load(*options.psk_file);
    for (const auto& name : options.alpn) {
        if (name.empty() || name.size() > 255) continue;
        self->alpn_wire_ += static_cast<char>(name.size());
        self->alpn_wire_ += name;
    }

    SSL_CTX* ctx = self->make_ctx(options.cert ? &*options.cert : nullptr,
                                  options.key ? &*options.key : nullptr, pass, /*is_default=*/true);
    for (const auto& sni : options.sni) {
        self->handle_->sni.emplace_back(sni.host, nullptr);
        try {
            self->make_ctx(&sni.cert, &sni.key, pass, /*is_default=*/false);
        } catch (const std::exception& e) {
            throw std::runtime_error("sni host " + sni.host + ": " + e.what());
        }
    }
    if (!options.sni.empty()) {
        // SSL_CTX_set_tlsext_servername_callback() without its C cast.
        SSL_CTX_callback_ctrl(ctx, SSL_CTRL_SET_TLSEXT_SERVERNAME_CB,
                              reinterpret_cast<void (*)()>(on_servername));
    }
    ERR_clear_error();
    return self;
}

SSL* TlsContext::new_ssl() const
{
    return SSL_new(handle_->ctx);
}

PeerIdentity TlsContext::peer(const SSL* ssl) const
{
    PeerIdentity result;
    if (const auto* psk_identity = static_cast<const std::string*>(SSL_get_app_data(ssl))) {
        result.identity = *psk_identity;
        result.psk = true;
        return result;
    }
    const X509* certificate = SSL_get0_peer_certificate(ssl);
    if (certificate == nullptr || options_.identity == IdentityField::none) return result;
    auto mapped = certificate_identity(*certificate, options_.identity);
    if (auto* refused = std::get_if<IdentityRefused>(&mapped)) {
        result.refused =
            std::move(refused->reason) + " (identity = \"" + to_string(options_.identity) + "\")";
    } else {
        result.identity = std::move(std::get<std::string>(mapped));
    }
    return result;
}

std::string describe_handshake_failure(const SSL* ssl, int ssl_error)
{
    const long verify = SSL_get_verify_result(ssl);
    const unsigned long error = ERR_peek_last_error();
    ERR_clear_error();
    if (verify != X509_V_OK) {
        return std::string("client certificate refused: ") + X509_verify_cert_error_string(verify);
    }
    if (ssl_error == SSL_ERROR_SSL && error != 0) {
        const char* reason = ERR_reason_error_string(error);
        return reason != nullptr ? reason : "TLS error " + std::to_string(error);
    }
    if (ssl_error == SSL_ERROR_ZERO_RETURN || ssl_error == SSL_ERROR_SYSCALL)
        return "peer closed during handshake";
    return "TLS error " + std::to_string(ssl_error);
}

}  // namespace moatmq::security::tls
