#pragma once
// TlsListeners: the app's side of TLS. Builds a security::tls::ServerTls for every [listener.tls] of the
// configuration, and reloads them on SIGHUP or when their files change on disk (polled by serve's
// signal loop). With the embedded default configuration, the development CA and server certificate
// are generated on first start (data_dir/certs) and the log says where the CA file is.
#include <map>
#include <memory>
#include <string>

#include "config/config.hpp"
#include "security/tls/server_tls.hpp"

namespace moatmq::app {

class TlsListeners {
public:
    // Throws std::runtime_error naming the listener and the file when a listener's TLS cannot be set up
    // (the broker then refuses to start).
    TlsListeners(const config::Config& config, bool embedded_default);

    // The listener's TLS, or nullptr for a plain listener.
    std::shared_ptr<security::tls::ServerTls> find(const std::string& listener) const;

    // Re-reads every listener's files (SIGHUP). A listener whose new files are broken keeps the old
    // ones; each outcome is logged.
    void reload_all();
    // The same, for the listeners whose files changed since they were last read.
    void reload_changed();

private:
    void reload(const std::string& name, security::tls::ServerTls& tls, const char* why);

    std::map<std::string, std::shared_ptr<security::tls::ServerTls>> listeners_;
};

// The [listener.tls] table as the TLS library takes it.
security::tls::ServerTlsOptions server_tls_options(const config::ListenerConfig& listener);

}  // namespace moatmq::app
