#include "security/tls/dev_certs.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <memory>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace moatmq::security::tls {
namespace {

constexpr long kDay = 24L * 60 * 60;

struct X509Free {
    void operator()(X509* x) const noexcept { X509_free(x); }
};
struct PkeyFree {
    void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
};
struct BioFree {
    void operator()(BIO* b) const noexcept { BIO_free(b); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using KeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

[[noreturn]] void fail(const std::string& what)
{
    const unsigned long error = ERR_peek_last_error();
    ERR_clear_error();
    const char* reason = error != 0 ? ERR_reason_error_string(error) : nullptr;
    throw std::runtime_error(what + (reason != nullptr ? std::string(": ") + reason : std::string{}));
}

KeyPtr new_key()
{
    KeyPtr key(EVP_EC_gen("P-256"));
    if (!key) fail("cannot generate a P-256 key");
    return key;
}

void add_extension(X509* cert, X509* issuer, int nid, const char* value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (extension == nullptr || X509_add_ext(cert, extension, -1) != 1) {
        X509_EXTENSION_free(extension);
        fail(std::string("cannot add extension ") + OBJ_nid2sn(nid));
    }
    X509_EXTENSION_free(extension);
}

struct CertSpec {
    std::string common_name;
    long days = 365;
    bool ca = false;
    const char* key_usage = nullptr;
    const char* extended_key_usage = nullptr;
    const char* alt_names = nullptr;
};

// A certificate for `key`, signed by `issuer_key` (self-signed when `issuer` is null).
X509Ptr make_cert(const CertSpec& spec, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key)
{
    X509Ptr cert(X509_new());
    if (!cert) fail("out of memory");
    unsigned char serial[16];
    if (RAND_bytes(serial, sizeof serial) != 1) fail("the random generator failed");
    serial[0] &= 0x7f;  // a positive INTEGER
    BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
    const bool serial_ok =
        bn != nullptr && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get())) != nullptr;
    BN_free(bn);
    if (!serial_ok) fail("cannot set the serial number");
    X509_set_version(cert.get(), X509_VERSION_3);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);  // tolerate a little clock skew
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), spec.days * kDay);
    X509_set_pubkey(cert.get(), key);
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1, -1, 0);
    X509_set_issuer_name(cert.get(), issuer != nullptr ? X509_get_subject_name(issuer) : name);
    X509* signer = issuer != nullptr ? issuer : cert.get();
    add_extension(cert.get(), signer, NID_basic_constraints,
                  spec.ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    add_extension(cert.get(), signer, NID_key_usage, spec.key_usage);
    add_extension(cert.get(), signer, NID_subject_key_identifier, "hash");
    if (issuer != nullptr) add_extension(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
    if (spec.extended_key_usage != nullptr) {
        add_extension(cert.get(), signer, NID_ext_key_usage, spec.extended_key_usage);
    }
    if (spec.alt_names != nullptr) add_extension(cert.get(), signer, NID_subject_alt_name, spec.alt_names);
    if (X509_sign(cert.get(), issuer_key, EVP_sha256()) == 0) fail("cannot sign the certificate");
    return cert;
}

std::string to_pem(const std::function<int(BIO*)>& write)
{
    std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
    if (!bio || write(bio.get()) != 1) fail("cannot encode PEM");
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    std::string pem(data, static_cast<std::size_t>(length));
    return pem;
}

std::string cert_pem(X509* cert)
{
    return to_pem([cert](BIO* bio) { return PEM_write_bio_X509(bio, cert); });
}

std::string key_pem(EVP_PKEY* key)
{
    return to_pem([key](BIO* bio) {
        return PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
    });
}

// Creates `path` exclusively (never replaces a file) with `mode`.
void write_new_file(const std::filesystem::path& path, std::string content, mode_t mode)
{
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        const int error = errno;
        OPENSSL_cleanse(content.data(), content.size());
        throw std::runtime_error(path.string() + ": " + std::strerror(error));
    }
    std::size_t done = 0;
    while (done < content.size()) {
        const auto n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const int error = errno;
            ::close(fd);
            OPENSSL_cleanse(content.data(), content.size());
            throw std::runtime_error(path.string() + ": " + std::strerror(error));
        }
        done += static_cast<std::size_t>(n);
    }
    ::fchmod(fd, mode);  // whatever the umask said
    ::close(fd);
    OPENSSL_cleanse(content.data(), content.size());
}

void refuse_existing(const std::vector<std::filesystem::path>& paths)
{
    for (const auto& path : paths) {
        std::error_code ec;
        if (std::filesystem::exists(path, ec)) {
            throw std::runtime_error(path.string() + " exists already (never overwritten)");
        }
    }
}

template <class T, class Free, class Read>
std::unique_ptr<T, Free> read_pem(const std::filesystem::path& path, Read read)
{
    std::unique_ptr<BIO, BioFree> bio(BIO_new_file(path.c_str(), "r"));
    if (!bio) throw std::runtime_error(path.string() + ": cannot be read");
    std::unique_ptr<T, Free> value(read(bio.get(), nullptr, nullptr, nullptr));
    if (!value) fail(path.string() + ": not PEM");
    return value;
}

}  // namespace

DevCaFiles dev_ca_files(const std::filesystem::path& dir)
{
    return {dir / "ca.crt", dir / "ca.key", dir / "server.crt", dir / "server.key"};
}

DevCaFiles init_dev_certs(const std::filesystem::path& dir)
{
    const auto files = dev_ca_files(dir);
    std::error_code ec;
    if (std::filesystem::create_directories(dir, ec)) {
        std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
    } else if (ec) {
        throw std::runtime_error(dir.string() + ": cannot create the directory: " + ec.message());
    }
    refuse_existing({files.ca_cert, files.ca_key, files.server_cert, files.server_key});

    auto ca_key = new_key();
    auto ca =
        make_cert({"moatmq development CA", 3650, true, "critical,keyCertSign,cRLSign", nullptr, nullptr},
                  ca_key.get(), nullptr, ca_key.get());
    auto server_key = new_key();
    auto server = make_cert({"localhost", 365, false, "critical,digitalSignature", "serverAuth",
                             "DNS:localhost,IP:127.0.0.1,IP:::1"},
                            server_key.get(), ca.get(), ca_key.get());

    write_new_file(files.ca_key, key_pem(ca_key.get()), 0600);
    write_new_file(files.ca_cert, cert_pem(ca.get()), 0644);
    write_new_file(files.server_key, key_pem(server_key.get()), 0600);
    write_new_file(files.server_cert, cert_pem(server.get()), 0644);
    return files;
}

std::filesystem::path make_client_cert(const std::filesystem::path& dir, const std::string& name)
{
    const bool name_ok =
        !name.empty() && name.size() <= 64 && name != "ca" && name != "server" &&
        name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") ==
            std::string::npos &&
        name.front() != '.';
    if (!name_ok) {
        throw std::runtime_error("client name \"" + name +
                                 "\": use 1..64 letters, digits, '-', '_', '.' (not \"ca\" or \"server\")");
    }
    const auto ca_files = dev_ca_files(dir);
    const auto cert_path = dir / (name + ".crt");
    const auto key_path = dir / (name + ".key");
    refuse_existing({cert_path, key_path});
    auto ca = read_pem<X509, X509Free>(ca_files.ca_cert, PEM_read_bio_X509);
    auto ca_key = read_pem<EVP_PKEY, PkeyFree>(ca_files.ca_key, PEM_read_bio_PrivateKey);
    auto key = new_key();
    auto cert = make_cert({name, 365, false, "critical,digitalSignature", "clientAuth", nullptr}, key.get(),
                          ca.get(), ca_key.get());
    write_new_file(key_path, key_pem(key.get()), 0600);
    write_new_file(cert_path, cert_pem(cert.get()), 0644);
    return cert_path;
}

}  // namespace moatmq::security::tls
