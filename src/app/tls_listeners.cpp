#include "app/tls_listeners.hpp"

#include <filesystem>
#include <stdexcept>

#include "observe/log.hpp"
#include "security/tls/dev_certs.hpp"

namespace moatmq::app {

namespace tls = security::tls;

namespace {

tls::ClientCertMode map(config::ClientCertMode mode)
{
    switch (mode) {
        case config::ClientCertMode::none:
            return tls::ClientCertMode::none;
        case config::ClientCertMode::optional:
            return tls::ClientCertMode::optional;
        case config::ClientCertMode::require:
            return tls::ClientCertMode::require;
    }
    return tls::ClientCertMode::require;
}

tls::IdentityField map(config::CertIdentity identity)
{
    switch (identity) {
        case config::CertIdentity::none:
            return tls::IdentityField::none;
        case config::CertIdentity::cn:
            return tls::IdentityField::cn;
        case config::CertIdentity::san_dns:
            return tls::IdentityField::san_dns;
        case config::CertIdentity::san_email:
            return tls::IdentityField::san_email;
        case config::CertIdentity::san_uri:
            return tls::IdentityField::san_uri;
        case config::CertIdentity::subject:
            return tls::IdentityField::subject;
    }
    return tls::IdentityField::none;
}

// The embedded default serves local-tls with development certificates: made on first start.
void ensure_dev_certs(const config::ListenerConfig& listener)
{
    const auto& cert = *listener.tls->cert;
    std::error_code ec;
    if (std::filesystem::exists(cert, ec)) return;
    const auto files = tls::init_dev_certs(cert.parent_path());
    log::info(
        "generated a development CA and server certificate in {}; clients trust {} (e.g. "
        "mosquitto_sub --cafile {} -p 8883)",
        cert.parent_path().string(), files.ca_cert.string(), files.ca_cert.string());
}

void log_warnings(const std::string& name, const tls::ServerTls& listener)
{
    for (const auto& warning : listener.current()->warnings())
        log::warn("listener {}: TLS: {}", name, warning);
}

}  // namespace

tls::ServerTlsOptions server_tls_options(const config::ListenerConfig& listener)
{
    const auto& in = *listener.tls;
    tls::ServerTlsOptions out;
    out.listener = listener.name;
    out.cert = in.cert;
    out.key = in.key;
    out.ca = in.ca;
    out.client_cert = map(in.client_cert);
    out.identity = map(in.identity);
    out.min_version =
        in.min_version == config::TlsVersion::v1_3 ? tls::MinVersion::v1_3 : tls::MinVersion::v1_2;
    out.crl = in.crl;
    out.psk_file = in.psk_file;
    out.verify_depth = in.verify_depth;
    out.ocsp_response = in.ocsp_response;
    out.ciphers = in.ciphers;
    out.ciphersuites = in.ciphersuites;
    out.groups = in.groups;
    out.key_passphrase_file = in.key_passphrase_file;
    for (const auto& sni : in.sni)
        out.sni.push_back(tls::SniCertificate{sni.host, sni.cert, sni.key});
    out.alpn = listener.protocol == config::ListenerProtocol::ws ? std::vector<std::string>{"http/1.1"}
                                                                 : std::vector<std::string>{"mqtt"};
    return out;
}

TlsListeners::TlsListeners(const config::Config& config, bool embedded_default)
{
    for (const auto& listener : config.listeners) {
        if (!listener.tls) continue;
        try {
            if (embedded_default && listener.tls->cert) ensure_dev_certs(listener);
            auto server = std::make_shared<tls::ServerTls>(server_tls_options(listener));
            log_warnings(listener.name, *server);
            listeners_.emplace(listener.name, std::move(server));
        } catch (const std::exception& e) {
            throw std::runtime_error("listener " + listener.name + ": TLS: " + e.what());
        }
    }
}

std::shared_ptr<tls::ServerTls> TlsListeners::find(const std::string& listener) const
{
    const auto it = listeners_.find(listener);
    return it == listeners_.end() ? nullptr : it->second;
}

void TlsListeners::reload_all()
{
    for (auto& [name, listener] : listeners_)
        reload(name, *listener, "SIGHUP");
}

void TlsListeners::reload_changed()
{
    for (auto& [name, listener] : listeners_) {
        if (listener->files_changed()) reload(name, *listener, "files changed");
    }
}

void TlsListeners::reload(const std::string& name, tls::ServerTls& listener, const char* why)
{
    if (auto error = listener.reload()) {
        log::error("listener {}: TLS reload ({}) refused, the previous certificates stay in force: {}", name,
                   why, *error);
        return;
    }
    log::info("listener {}: TLS reloaded ({}); new connections use the new files", name, why);
    log_warnings(name, listener);
}

}  // namespace moatmq::app
