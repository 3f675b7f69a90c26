#pragma once
// The identity a client certificate proves, for ConnectionInfo::tls_identity (and so the username):
//
//   cn         the subject's commonName                      "sensor-17"
//   san-dns    the first dNSName of subjectAltName            "sensor-17.devices.example"
//   san-email  the first rfc822Name of subjectAltName         "alice@example.com"
//   san-uri    the first uniformResourceIdentifier            "spiffe://example.com/sensor-17"
//   subject    the whole subject, RFC 2253 ("CN=x,O=y"), as Mosquitto's use_subject_as_username
//
// The value must be non-empty UTF-8 without control characters and at most 65535 bytes (an MQTT
// string); otherwise, or when the field is missing, the certificate is refused with a reason.
#include <string>
#include <variant>

#include "security/tls/tls_options.hpp"

typedef struct x509_st X509;  // NOLINT: OpenSSL's own declaration, without its headers

namespace moatmq::security::tls {

struct IdentityRefused {
    std::string reason;  // "certificate has no subjectAltName dNSName"
};

// `field` must not be IdentityField::none.
std::variant<std::string, IdentityRefused> certificate_identity(const X509& certificate, IdentityField field);

const char* to_string(IdentityField field);

}  // namespace moatmq::security::tls
