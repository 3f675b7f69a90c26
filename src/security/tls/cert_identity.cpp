#include "security/tls/cert_identity.hpp"

#include <openssl/bio.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace moatmq::security::tls {
namespace {

constexpr std::size_t kMaxMqttString = 65535;

struct GeneralNamesFree {
    void operator()(GENERAL_NAMES* names) const noexcept { GENERAL_NAMES_free(names); }
};
struct BioFree {
    void operator()(BIO* bio) const noexcept { BIO_free(bio); }
};

// UTF-8 (lead and continuation bytes; the broker's codec checks the rest), no C0/DEL control
// characters, no NUL: what a username may hold.
bool acceptable(const std::string& value)
{
    if (value.empty() || value.size() > kMaxMqttString) return false;
    std::size_t i = 0;
    while (i < value.size()) {
        const auto c = static_cast<unsigned char>(value[i]);
        if (c < 0x20 || c == 0x7f) return false;
        std::size_t extra = 0;
        if (c < 0x80) {
            extra = 0;
        } else if ((c & 0xE0) == 0xC0 && c >= 0xC2) {
            extra = 1;
        } else if ((c & 0xF0) == 0xE0) {
            extra = 2;
        } else if ((c & 0xF8) == 0xF0 && c <= 0xF4) {
            extra = 3;
        } else {
            return false;
        }
        if (i + extra >= value.size()) return false;
        for (std::size_t k = 1; k <= extra; ++k) {
            if ((static_cast<unsigned char>(value[i + k]) & 0xC0) != 0x80) return false;
        }
        i += extra + 1;
    }
    return true;
}

std::variant<std::string, IdentityRefused> checked(std::string value, const char* what)
{
    if (!acceptable(value)) {
        return IdentityRefused{std::string("certificate ") + what +
                               " is not usable as a username (empty, too long, control characters or not "
                               "UTF-8)"};
    }
    return value;
}

std::variant<std::string, IdentityRefused> common_name(const X509& certificate)
{
    const X509_NAME* subject = X509_get_subject_name(&certificate);
    const int index = subject != nullptr ? X509_NAME_get_index_by_NID(subject, NID_commonName, -1) : -1;
    if (index < 0) return IdentityRefused{"certificate has no subject commonName (CN)"};
    const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
    unsigned char* utf8 = nullptr;
    const int length = ASN1_STRING_to_UTF8(&utf8, data);
    if (length < 0) return IdentityRefused{"certificate commonName cannot be read as UTF-8"};
    std::string value(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(length));
    OPENSSL_free(utf8);
    return checked(std::move(value), "commonName");
}

std::variant<std::string, IdentityRefused> alt_name(const X509& certificate, int type, const char* what)
{
    std::unique_ptr<GENERAL_NAMES, GeneralNamesFree> names(
        static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(&certificate, NID_subject_alt_name, nullptr, nullptr)));
    if (names) {
        for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
            const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
            if (name->type != type) continue;
            const ASN1_IA5STRING* text = name->d.ia5;  // dNSName, rfc822Name and URI are all IA5Strings
            std::string value(reinterpret_cast<const char*>(ASN1_STRING_get0_data(text)),
                              static_cast<std::size_t>(ASN1_STRING_length(text)));
            return checked(std::move(value), what);
        }
    }
    return IdentityRefused{std::string("certificate has no subjectAltName ") + what};
}

std::variant<std::string, IdentityRefused> whole_subject(const X509& certificate)
{
    std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
    const X509_NAME* subject = X509_get_subject_name(&certificate);
    if (!bio || subject == nullptr || X509_NAME_entry_count(subject) == 0) {
        return IdentityRefused{"certificate has an empty subject"};
    }
    if (X509_NAME_print_ex(bio.get(), subject, 0, XN_FLAG_RFC2253) < 0) {
        return IdentityRefused{"certificate subject cannot be printed"};
    }
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    return checked(std::string(data, static_cast<std::size_t>(length)), "subject");
}

}  // namespace

std::variant<std::string, IdentityRefused> certificate_identity(const X509& certificate, IdentityField field)
{
    switch (field) {
        case IdentityField::cn:
            return common_name(certificate);
        case IdentityField::san_dns:
            return alt_name(certificate, GEN_DNS, "dNSName");
        case IdentityField::san_email:
            return alt_name(certificate, GEN_EMAIL, "rfc822Name (email)");
        case IdentityField::san_uri:
            return alt_name(certificate, GEN_URI, "URI");
        case IdentityField::subject:
            return whole_subject(certificate);
        case IdentityField::none:
            break;
    }
    return IdentityRefused{"no identity field configured"};
}

const char* to_string(IdentityField field)
{
    switch (field) {
        case IdentityField::none:
            return "none";
        case IdentityField::cn:
            return "cn";
        case IdentityField::san_dns:
            return "san-dns";
        case IdentityField::san_email:
            return "san-email";
        case IdentityField::san_uri:
            return "san-uri";
        case IdentityField::subject:
            return "subject";
    }
    return "?";
}

}  // namespace moatmq::security::tls
