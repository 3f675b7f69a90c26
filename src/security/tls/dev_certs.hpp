#pragma once
// Development certificates (`moatmq certs init DIR`, `moatmq certs client DIR NAME`, and the embedded
// default configuration's first start): a private CA and certificates it signs, all ECDSA P-256 with
// SHA-256, made with OpenSSL's API.
//
//   DIR/ca.crt      CA certificate "moatmq development CA", 10 years, the file clients trust (--cafile)
//   DIR/ca.key      its key
//   DIR/server.crt  server certificate for localhost, 127.0.0.1 and ::1 (serverAuth), 1 year
//   DIR/server.key
//   DIR/NAME.crt    client certificate with CN=NAME (clientAuth), 1 year, from make_client_cert
//   DIR/NAME.key
//
// Keys are written with mode 0600, certificates 0644. Existing files are never overwritten: a call
// that would overwrite one throws and writes nothing. For development and tests only; a production
// deployment brings its own PKI.
#include <filesystem>
#include <string>

namespace moatmq::security::tls {

struct DevCaFiles {
    std::filesystem::path ca_cert, ca_key, server_cert, server_key;
};

// The file names init_dev_certs() writes in `dir` (whether they exist or not).
DevCaFiles dev_ca_files(const std::filesystem::path& dir);

// Creates `dir` (mode 0700 when new) and the CA and server files. Throws std::runtime_error when a file
// already exists or cannot be written.
DevCaFiles init_dev_certs(const std::filesystem::path& dir);

// Signs a client certificate with DIR/ca.key: writes DIR/NAME.crt and DIR/NAME.key and returns the
// certificate's path. NAME: 1..64 letters, digits, '-', '_', '.'; not "ca" or "server".
std::filesystem::path make_client_cert(const std::filesystem::path& dir, const std::string& name);

}  // namespace moatmq::security::tls
