#include "security/tls/ticket_keys.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include <cstring>
#include <stdexcept>

#include "security/tls/tls_context.hpp"

namespace moatmq::security::tls {
namespace {

TicketKeys::Key random_key()
{
    TicketKeys::Key key;
    if (RAND_bytes(key.name.data(), static_cast<int>(key.name.size())) != 1 ||
        RAND_bytes(key.aes.data(), static_cast<int>(key.aes.size())) != 1 ||
        RAND_bytes(key.hmac.data(), static_cast<int>(key.hmac.size())) != 1) {
        throw std::runtime_error("TLS ticket keys: the random generator failed");
    }
    return key;
}

// AES-256-CBC, fetched from the default provider once: EVP_aes_256_cbc() makes OpenSSL 3 look the
// implementation up again on every ticket. Never freed (OpenSSL frees its providers at exit).
const EVP_CIPHER* ticket_cipher()
{
    static const EVP_CIPHER* const cipher = EVP_CIPHER_fetch(nullptr, "AES-256-CBC", nullptr);
    return cipher;
}

void wipe(TicketKeys::Key& key)
{
    OPENSSL_cleanse(&key, sizeof key);
}

bool set_hmac_key(EVP_MAC_CTX* hmac, TicketKeys::Key& key)
{
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, key.hmac.data(), key.hmac.size()),
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_end(),
    };
    return EVP_MAC_CTX_set_params(hmac, params) == 1;
}

// OpenSSL's ticket key callback: enc = 1 to make a ticket, 0 to open one.
int ticket_callback(SSL* ssl, unsigned char key_name[16], unsigned char* iv, EVP_CIPHER_CTX* cipher,
                    EVP_MAC_CTX* hmac, int enc)
{
    const auto* context = static_cast<const TlsContext*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
    if (context == nullptr) return -1;
    TicketKeys& keys = context->ticket_keys();
    TicketKeys::Key key;
    int result = 1;
    if (enc == 1) {
        key = keys.current();
        if (ticket_cipher() == nullptr || RAND_bytes(iv, EVP_CIPHER_get_iv_length(ticket_cipher())) != 1) {
            wipe(key);
            return -1;
        }
        std::memcpy(key_name, key.name.data(), key.name.size());
        if (EVP_EncryptInit_ex(cipher, ticket_cipher(), nullptr, key.aes.data(), iv) != 1) result = -1;
    } else {
        unsigned char name[16];
        std::memcpy(name, key_name, sizeof name);
        if (keys.find(name, key) == 0) return 0;  // unknown or expired key: full handshake
        // 2 = accept and issue a fresh ticket: TLS 1.3 clients use a ticket once, and OpenSSL sends a
        // new one after a resumed handshake only when asked to; TLS 1.2 clients get a ticket under the
        // current key.
        result = 2;
        if (ticket_cipher() == nullptr ||
            EVP_DecryptInit_ex(cipher, ticket_cipher(), nullptr, key.aes.data(), iv) != 1)
            result = -1;
    }
    if (result > 0 && !set_hmac_key(hmac, key)) result = -1;
    wipe(key);
    return result;
}

}  // namespace

TicketKeys::TicketKeys(std::chrono::seconds rotation)
    : rotation_(rotation), rotated_at_(std::chrono::steady_clock::now()), current_(random_key())
{
}

TicketKeys::~TicketKeys()
{
    wipe(current_);
    wipe(previous_);
}

void TicketKeys::install(SSL_CTX* context)
{
    SSL_CTX_set_tlsext_ticket_key_evp_cb(context, ticket_callback);
}

void TicketKeys::rotate_if_due()
{
    const auto now = std::chrono::steady_clock::now();
    if (now - rotated_at_ < rotation_) return;
    wipe(previous_);
    previous_ = current_;
    have_previous_ = true;
    current_ = random_key();
    rotated_at_ = now;
}

TicketKeys::Key TicketKeys::current()
{
    std::lock_guard lock(mutex_);
    rotate_if_due();
    return current_;
}

int TicketKeys::find(const unsigned char (&name)[16], Key& out)
{
    std::lock_guard lock(mutex_);
    rotate_if_due();
    if (CRYPTO_memcmp(name, current_.name.data(), sizeof name) == 0) {
        out = current_;
        return 1;
    }
    if (have_previous_ && CRYPTO_memcmp(name, previous_.name.data(), sizeof name) == 0) {
        out = previous_;
        return 2;
    }
    return 0;
}

}  // namespace moatmq::security::tls
