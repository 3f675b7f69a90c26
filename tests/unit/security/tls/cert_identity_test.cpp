#include "security/tls/cert_identity.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <utility>
#include <vector>

namespace moatmq::security::tls {
namespace {

struct X509Free {
    void operator()(X509* x) const noexcept { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

// A self-signed certificate with the given subject entries and subjectAltName ("" = none).
X509Ptr make_cert(const std::vector<std::pair<std::string, std::string>>& subject,
                  const std::string& alt_names)
{
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
    X509Ptr cert(X509_new());
    X509_set_version(cert.get(), X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME* name = X509_get_subject_name(cert.get());
    for (const auto& [field, value] : subject) {
        X509_NAME_add_entry_by_txt(name, field.c_str(), MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(value.data()),
                                   static_cast<int>(value.size()), -1, 0);
    }
    X509_set_issuer_name(cert.get(), name);
    if (!alt_names.empty()) {
        X509V3_CTX ctx;
        X509V3_set_ctx_nodb(&ctx);
        X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, alt_names.c_str());
        EXPECT_NE(ext, nullptr);
        X509_add_ext(cert.get(), ext, -1);
        X509_EXTENSION_free(ext);
    }
    X509_sign(cert.get(), key.get(), EVP_sha256());
    return cert;
}

std::string identity(const X509Ptr& cert, IdentityField field)
{
    auto result = certificate_identity(*cert, field);
    if (auto* refused = std::get_if<IdentityRefused>(&result)) return "refused: " + refused->reason;
    return std::get<std::string>(result);
}

TEST(CertIdentity, EachFieldMapsToItsValue)
{
    const auto cert = make_cert({{"O", "Acme"}, {"CN", "sensor-17"}},
                                "DNS:sensor-17.example,DNS:second.example,email:ops@example.com,"
                                "URI:spiffe://example.com/sensor-17,IP:10.0.0.1");
    EXPECT_EQ(identity(cert, IdentityField::cn), "sensor-17");
    EXPECT_EQ(identity(cert, IdentityField::san_dns), "sensor-17.example");  // the first one
    EXPECT_EQ(identity(cert, IdentityField::san_email), "ops@example.com");
    EXPECT_EQ(identity(cert, IdentityField::san_uri), "spiffe://example.com/sensor-17");
    EXPECT_EQ(identity(cert, IdentityField::subject), "CN=sensor-17,O=Acme");  // RFC 2253: reversed
}

TEST(CertIdentity, MissingFieldIsRefusedWithAReason)
{
    const auto cert = make_cert({{"O", "Acme"}}, "");
    EXPECT_EQ(identity(cert, IdentityField::cn), "refused: certificate has no subject commonName (CN)");
    EXPECT_EQ(identity(cert, IdentityField::san_dns), "refused: certificate has no subjectAltName dNSName");
    EXPECT_EQ(identity(cert, IdentityField::san_email),
              "refused: certificate has no subjectAltName rfc822Name (email)");
    EXPECT_EQ(identity(cert, IdentityField::san_uri), "refused: certificate has no subjectAltName URI");
    const auto only_dns = make_cert({{"CN", "x"}}, "DNS:x.example");
    EXPECT_EQ(identity(only_dns, IdentityField::san_email),
              "refused: certificate has no subjectAltName rfc822Name (email)");
}

TEST(CertIdentity, UnicodeCommonNameIsUtf8)
{
    const auto cert = make_cert({{"CN", "capteur-\xc3\xa9t\xc3\xa9"}}, "");
    EXPECT_EQ(identity(cert, IdentityField::cn), "capteur-\xc3\xa9t\xc3\xa9");
}

TEST(CertIdentity, ControlCharactersAreRefused)
{
    const auto cert = make_cert({{"CN", std::string("evil\nline")}}, "");
    EXPECT_EQ(identity(cert, IdentityField::cn).rfind("refused: certificate commonName is not usable", 0), 0U)
        << identity(cert, IdentityField::cn);
}

}  // namespace
}  // namespace moatmq::security::tls
