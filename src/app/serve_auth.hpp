#pragma once
// Authentication for `moatmq serve` ([auth], [[listener]].allow_anonymous, [log].audit_file): builds the
// PasswordAuthenticator, the thread pool that runs password checks off the transport's threads, and the
// audit log, and hands them to the broker through BrokerOptions. A password file that cannot be read
// stops the broker before it listens (FILE:LINE); on SIGHUP a new file replaces the running one only if it
// parses, otherwise the running one stays and the error is logged.
#include <memory>

#include "broker/broker_options.hpp"
#include "config/config.hpp"
#include "observe/audit_log.hpp"
#include "security/authn/auth_workers.hpp"
#include "security/authn/password_authenticator.hpp"

namespace moatmq::app {

class ServeAuth {
public:
    // Throws std::runtime_error naming the file (and line) when the password file or the audit log cannot
    // be opened. `clock` must outlive this object.
    ServeAuth(const config::Config& cfg, const Clock& clock);
    ~ServeAuth();
    ServeAuth(const ServeAuth&) = delete;
    ServeAuth& operator=(const ServeAuth&) = delete;

    // Sets the broker's authenticator, run_blocking and audit_authentication. The broker must be destroyed
    // before this object (its connections may still post decisions made by its workers).
    void configure(broker::BrokerOptions& options);

    // SIGHUP with the newly loaded configuration: re-reads [auth].password_file; reopens the audit log
    // (log rotation). Other [auth] settings take effect at the next start.
    void reload(const config::Config& cfg);

    // The audit log ([log].audit_file), shared with authorisation; null when none is configured.
    const std::shared_ptr<observe::AuditLog>& audit_log() const noexcept { return audit_; }

private:
    std::shared_ptr<observe::AuditLog> audit_;
    std::shared_ptr<security::authn::PasswordAuthenticator> authenticator_;
    std::unique_ptr<security::authn::AuthWorkers> workers_;
};

}  // namespace moatmq::app
