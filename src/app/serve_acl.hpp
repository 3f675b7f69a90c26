#pragma once
// Authorization for `moatmq serve` ([acl], docs/authorization.md): loads [acl].file into an AclAuthorizer
// and hands it to the broker through BrokerOptions, with a reporter that writes each denial and each
// SUBSCRIBE decision to the audit log ([log].audit_file) and denials to the main log (both rate-limited
// per connection by the authorizer). A file that cannot be read or parsed stops the broker before it
// listens (FILE:LINE); on SIGHUP a new file replaces the rules only if it parses, otherwise the rules in
// force stay and the error is logged.
#include <filesystem>
#include <memory>
#include <optional>

#include "broker/broker_options.hpp"
#include "common/clock.hpp"
#include "config/config.hpp"
#include "observe/audit_log.hpp"
#include "security/authz/acl_authorizer.hpp"

namespace moatmq::app {

class ServeAcl {
public:
    // Throws std::runtime_error with "FILE:LINE: message" when [acl].file cannot be loaded. `audit` may be
    // null (no audit log). `clock` must outlive this object.
    ServeAcl(const config::Config& cfg, std::shared_ptr<observe::AuditLog> audit, const Clock& clock);

    // Sets the broker's authorizer and disconnect_on_denied_publish (nothing without [acl].file).
    void configure(broker::BrokerOptions& options) const;

    // SIGHUP with the newly loaded configuration: re-reads [acl].file (and default / strict_subscribe).
    // `reload_number` ends every line it logs ("(reload #N)").
    void reload(const config::Config& cfg, unsigned reload_number);

private:
    std::shared_ptr<security::authz::AclAuthorizer> authorizer_;  // null: no ACL
    bool disconnect_on_denied_publish_ = false;
};

}  // namespace moatmq::app
