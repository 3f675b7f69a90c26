#include "app/serve_auth.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <thread>

#include "observe/log.hpp"

namespace moatmq::app {
namespace {

namespace authn = security::authn;

// Password checks waiting for a thread before new CONNECTs are answered with Server busy: at ~50 ms each
// on two threads, about 13 s of work.
constexpr std::size_t kMaxQueuedChecks = 512;

authn::AuthPolicy policy_from(const config::Config& cfg)
{
    authn::AuthPolicy policy;
    policy.allow_anonymous = cfg.auth.allow_anonymous;
    for (const auto& listener : cfg.listeners) {
        if (listener.allow_anonymous)
            policy.listener_allow_anonymous[listener.name] = *listener.allow_anonymous;
        if (listener.require_password) policy.listeners_requiring_password.insert(listener.name);
    }
    policy.allow_plaintext_passwords = cfg.auth.allow_plaintext_passwords;
    policy.scram.clear();
    for (const auto mechanism : cfg.auth.scram)
        policy.scram.push_back(mechanism == config::ScramMechanism::sha256 ? authn::ScramMechanism::sha256
                                                                           : authn::ScramMechanism::sha512);
    policy.throttle.enabled = cfg.auth.failure_backoff.has_value();
    if (cfg.auth.failure_backoff) {
        policy.throttle.backoff_initial = cfg.auth.failure_backoff->initial;
        policy.throttle.backoff_maximum = cfg.auth.failure_backoff->maximum;
    }
    policy.throttle.ban_after = cfg.auth.ban_after;
    policy.throttle.failure_window = cfg.auth.failure_window;
    policy.rehash_on_login = cfg.auth.rehash_on_login && cfg.auth.password_file.has_value();
    if (cfg.auth.password_file) policy.password_path = *cfg.auth.password_file;
    return policy;
}

std::shared_ptr<const authn::PasswordFile> load_passwords(const config::Config& cfg)
{
    if (!cfg.auth.password_file) return nullptr;
    auto loaded = authn::PasswordFile::load(*cfg.auth.password_file);
    if (!loaded) throw std::runtime_error(loaded.error().to_string());
    return std::make_shared<const authn::PasswordFile>(std::move(*loaded));
}

}  // namespace

ServeAuth::ServeAuth(const config::Config& cfg, const Clock& clock)
{
    if (cfg.log.audit_file) {
        auto opened = observe::AuditLog::open(*cfg.log.audit_file);
        if (!opened)
            throw std::runtime_error(cfg.log.audit_file->string() +
                                     ": cannot open the audit log: " + opened.error().message());
        audit_ = std::move(*opened);
    }
    auto passwords = load_passwords(cfg);
    if (passwords)
        log::info("password file {}: {} users", cfg.auth.password_file->string(), passwords->size());
    authenticator_ =
        std::make_shared<authn::PasswordAuthenticator>(policy_from(cfg), std::move(passwords), clock);
    // Half the cores (at least one): password checks must not starve the transport's threads.
    const std::size_t threads = std::max(1U, std::thread::hardware_concurrency() / 2);
    workers_ = std::make_unique<authn::AuthWorkers>(threads, kMaxQueuedChecks);
}

ServeAuth::~ServeAuth() = default;

void ServeAuth::configure(broker::BrokerOptions& options)
{
    options.authenticator = authenticator_;
    options.run_blocking = [workers = workers_.get()](std::function<void()> job) {
        return workers->submit(std::move(job));
    };
    if (!audit_) return;
    options.audit_authentication = [audit = audit_](const broker::AuthAuditRecord& r) {
        if (r.reauthentication) {
            audit->write("authentication", {{"listener", r.listener},
                                            {"remote", r.remote_address},
                                            {"client_id", r.client_id},
                                            {"username", r.username},
                                            {"method", broker::to_string(r.method)},
                                            {"outcome", r.success ? "success" : "failure"},
                                            {"reason", r.reason},
                                            {"reauthentication", true}});
            return;
        }
        audit->write("authentication", {{"listener", r.listener},
                                        {"remote", r.remote_address},
                                        {"client_id", r.client_id},
                                        {"username", r.username},
                                        {"method", broker::to_string(r.method)},
                                        {"outcome", r.success ? "success" : "failure"},
                                        {"reason", r.reason}});
    };
}

void ServeAuth::reload(const config::Config& cfg)
{
    if (audit_) {
        if (auto reopened = audit_->reopen(); !reopened)
            log::error("reload: audit log {} not reopened: {}", audit_->path().string(),
                       reopened.error().message());
    }
    if (!cfg.auth.password_file) {
        log::info("reload: no [auth].password_file; the running password file stays");
        return;
    }
    auto loaded = authn::PasswordFile::load(*cfg.auth.password_file);
    if (!loaded) {
        log::error("reload: password file rejected, the previous one stays in force: {}",
                   loaded.error().to_string());
        return;
    }
    const auto users = loaded->size();
    authenticator_->replace_password_file(std::make_shared<const authn::PasswordFile>(std::move(*loaded)));
    log::info("reload: password file {}: {} users", cfg.auth.password_file->string(), users);
}

}  // namespace moatmq::app
