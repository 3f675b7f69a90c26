#include "app/serve_acl.hpp"

#include <stdexcept>
#include <string>
#include <utility>

#include "observe/log.hpp"

namespace moatmq::app {
namespace {

using security::authz::AclDecisionRecord;
using security::authz::AclOptions;
using security::authz::AclPolicy;

AclOptions acl_options(const config::AclConfig& acl)
{
    return AclOptions{.default_allow = acl.default_action == config::AclDefault::allow,
                      .strict_subscribe = acl.strict_subscribe};
}

security::authz::AclResult<std::shared_ptr<const AclPolicy>> load(const config::AclConfig& acl)
{
    auto file = security::authz::load_acl_file(*acl.file);
    if (!file) return file.error();
    return std::make_shared<const AclPolicy>(*file, acl_options(acl));
}

// Called on worker threads, already rate-limited per connection by the authorizer.
void report(const std::shared_ptr<observe::AuditLog>& audit, const AclDecisionRecord& r)
{
    const auto action = security::authz::to_string(r.action);
    const std::string_view outcome = r.allowed ? "allow" : "deny";
    if (audit) {
        audit->write("authorization", {{"listener", r.listener},
                                       {"remote", r.remote_address},
                                       {"client_id", r.client_id},
                                       {"username", r.username},
                                       {"action", action},
                                       {"topic", r.topic},
                                       {"outcome", outcome},
                                       {"suppressed", r.suppressed}});
    }
    if (!r.allowed) {
        log::info("not authorized", {{"action", action},
                                     {"topic", r.topic},
                                     {"client_id", r.client_id},
                                     {"username", r.username},
                                     {"suppressed", r.suppressed}});
    }
}

}  // namespace

ServeAcl::ServeAcl(const config::Config& cfg, std::shared_ptr<observe::AuditLog> audit, const Clock& clock)
    : disconnect_on_denied_publish_(cfg.acl.disconnect_on_denied_publish)
{
    if (!cfg.acl.file) return;
    auto policy = load(cfg.acl);
    if (!policy) throw std::runtime_error(policy.error().to_string());
    log::info("acl: {} rules from {} (default {}{})", (*policy)->rule_count(), cfg.acl.file->string(),
              config::to_string(cfg.acl.default_action),
              cfg.acl.strict_subscribe ? ", strict subscribe" : "");
    authorizer_ = std::make_shared<security::authz::AclAuthorizer>(
        std::move(*policy), [audit = std::move(audit)](const AclDecisionRecord& r) { report(audit, r); },
        clock);
}

void ServeAcl::configure(broker::BrokerOptions& options) const
{
    options.authorizer = authorizer_;
    options.disconnect_on_denied_publish = disconnect_on_denied_publish_;
}

void ServeAcl::reload(const config::Config& cfg, unsigned reload_number)
{
    if (!authorizer_) {
        if (cfg.acl.file)
            log::warn("acl: [acl].file was added; restart to enable the ACL (reload #{})", reload_number);
        return;
    }
    if (!cfg.acl.file) {
        // Never from an ACL to none on a reload: that would open every topic to every client.
        log::error(
            "acl: [acl].file was removed; keeping the rules in force, restart to run without an ACL "
            "(reload #{})",
            reload_number);
        return;
    }
    auto policy = load(cfg.acl);
    if (!policy) {
        log::error("acl reload failed, keeping the rules in force: {} (reload #{})",
                   policy.error().to_string(), reload_number);
        return;
    }
    const auto rules = (*policy)->rule_count();
    authorizer_->replace(std::move(*policy));
    log::info("acl reloaded: {} rules from {} (reload #{})", rules, cfg.acl.file->string(), reload_number);
}

}  // namespace moatmq::app
