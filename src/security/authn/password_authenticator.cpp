#include "security/authn/password_authenticator.hpp"

#include <algorithm>
#include <utility>

#include "security/authn/authn_crypto.hpp"
#include "security/authn/authn_error.hpp"
#include "security/authn/scram.hpp"

namespace moatmq::security::authn {

struct PasswordAuthenticator::Shared {
    Shared(ThrottleOptions options, const Clock& clock) : throttle(options, clock) {}

    std::mutex mutex;
    FailureThrottle throttle;
    Bytes scram_fake_key = Bytes(32);  // salts shown to unknown users (ScramServer)

    Duration failed(std::string_view address, std::string_view user)
    {
        const std::lock_guard lock{mutex};
        return throttle.record_failure(address, user);
    }
    void succeeded(std::string_view user)
    {
        const std::lock_guard lock{mutex};
        throttle.record_success(user);
    }
    bool banned(std::string_view address, std::string_view user)
    {
        const std::lock_guard lock{mutex};
        return throttle.banned(address, user);
    }
};

namespace {

AuthDecision accept(AuthMethod method, std::string identity)
{
    AuthDecision d;
    d.outcome = AuthDecision::Outcome::accept;
    d.reason = AuthReason::success;
    d.method = method;
    d.identity = std::move(identity);
    return d;
}

AuthDecision reject(AuthReason reason, AuthMethod method, std::string reason_string, std::string log_detail)
{
    AuthDecision d;
    d.outcome = AuthDecision::Outcome::reject;
    d.reason = reason;
    d.method = method;
    d.reason_string = std::move(reason_string);
    d.log_detail = std::move(log_detail);
    return d;
}

AuthDecision banned_decision(AuthMethod method)
{
    auto d = reject(AuthReason::banned, method, "too many failed attempts",
                    "address or user name banned after repeated failures");
    d.security_event = true;
    return d;
}

class ScramConversation final : public AuthConversation {
public:
    ScramConversation(std::shared_ptr<PasswordAuthenticator::Shared> shared, ScramServer server,
                      std::string address)
        : shared_(std::move(shared)), server_(std::move(server)), address_(std::move(address))
    {
    }

    std::string_view method_name() const noexcept override { return mechanism_name(server_.mechanism()); }

    AuthDecision step(ByteView auth_data) override
    {
        auto final_message = server_.client_final(as_chars(auth_data));
        if (!final_message) {
            const bool wrong_proof = final_message.error() == AuthnError::scram_invalid_proof;
            auto d = reject(wrong_proof ? AuthReason::bad_username_or_password : AuthReason::not_authorized,
                            AuthMethod::scram, "authentication failed",
                            std::string{method_name()} + ": " + final_message.error().message());
            d.attempted_user = server_.username();
            d.delay = shared_->failed(address_, server_.username());
            return d;
        }
        shared_->succeeded(server_.username());
        auto d = accept(AuthMethod::scram, server_.username());
        d.auth_data = to_bytes(*final_message);
        return d;
    }

private:
    std::shared_ptr<PasswordAuthenticator::Shared> shared_;
    ScramServer server_;
    std::string address_;
};

}  // namespace

PasswordAuthenticator::PasswordAuthenticator(AuthPolicy policy, std::shared_ptr<const PasswordFile> passwords,
                                             const Clock& clock)
    : policy_(std::move(policy)),
      shared_(std::make_shared<Shared>(policy_.throttle, clock)),
      passwords_(std::move(passwords))
{
    if (!crypto::random_bytes(shared_->scram_fake_key))
        throw std::runtime_error("no randomness for the SCRAM unknown-user key");
}

PasswordAuthenticator::~PasswordAuthenticator() = default;

void PasswordAuthenticator::replace_password_file(std::shared_ptr<const PasswordFile> passwords)
{
    const std::lock_guard lock{passwords_mutex_};
    passwords_ = std::move(passwords);
}

std::shared_ptr<const PasswordFile> PasswordAuthenticator::passwords() const
{
    const std::lock_guard lock{passwords_mutex_};
    return passwords_;
}

PasswordAuthenticator::Stats PasswordAuthenticator::stats() const
{
    const std::lock_guard lock{shared_->mutex};
    return {shared_->throttle.tracked(), shared_->throttle.banned_count()};
}

AuthDecision PasswordAuthenticator::authenticate(const AuthRequest& request)
{
    // 1. MQTT 5 enhanced authentication.
    if (request.auth_method) {
        const auto mechanism = mechanism_from_name(*request.auth_method);
        if (!mechanism ||
            std::find(policy_.scram.begin(), policy_.scram.end(), *mechanism) == policy_.scram.end())
            return reject(AuthReason::bad_authentication_method, AuthMethod::scram,
                          "unsupported authentication method",
                          "authentication method not offered: " + std::string{*request.auth_method});
        return start_scram(request, *mechanism);
    }

    // 2. Identity from the TLS layer.
    if (request.tls_identity) {
        const auto method = request.tls_identity_is_psk ? AuthMethod::psk : AuthMethod::certificate;
        const std::string identity{*request.tls_identity};
        if (request.username && *request.username != identity)
            return reject(AuthReason::bad_username_or_password, method,
                          "user name differs from the TLS identity",
                          "CONNECT user name differs from the TLS identity");
        if (!request.password) {
            if (!requires_password(request.listener)) return accept(method, identity);
            return reject(AuthReason::bad_username_or_password, method,
                          "this listener needs a password as well as the TLS identity",
                          "TLS identity without the password listener " + std::string{request.listener} +
                              " requires (require_password)");
        }
        return check_password(request, identity, method);
    }

    // 3. User name and password.
    if (request.password) {
        if (!request.listener_tls && !request.listener_loopback && !policy_.allow_plaintext_passwords) {
            auto d =
                reject(AuthReason::not_authorized, AuthMethod::password,
                       "passwords are refused on this unencrypted listener; use TLS",
                       "password sent over a plaintext network listener (allow_plaintext_passwords = false)");
            d.security_event = true;
            return d;
        }
        if (!request.username || request.username->empty())
            return reject(AuthReason::bad_username_or_password, AuthMethod::password,
                          "password without user name", "password without user name");
        return check_password(request, *request.username, AuthMethod::password);
    }

    // 4. A user name alone proves nothing.
    if (request.username)
        return reject(AuthReason::bad_username_or_password, AuthMethod::password,
                      "user name without password", "user name without password");

    // 5. Anonymous.
    bool anonymous = policy_.allow_anonymous;
    if (const auto it = policy_.listener_allow_anonymous.find(request.listener);
        it != policy_.listener_allow_anonymous.end())
        anonymous = it->second;
    if (anonymous && !requires_password(request.listener)) return accept(AuthMethod::anonymous, {});
    return reject(AuthReason::not_authorized, AuthMethod::anonymous, "anonymous clients are not allowed",
                  "anonymous client refused on listener " + std::string{request.listener});
}

AuthDecision PasswordAuthenticator::check_password(const AuthRequest& request, std::string_view user,
                                                   AuthMethod method)
{
    if (shared_->banned(request.remote_address, user)) {
        auto d = banned_decision(method);
        d.attempted_user = std::string{user};
        return d;
    }
    const auto file = passwords();
    // Without a file, verify against an empty one: the dummy hash keeps the cost of a wrong password.
    static const PasswordFile empty;
    const Secret password{*request.password};
    const bool ok = (file ? *file : empty).verify(user, password);
    if (ok) {
        shared_->succeeded(user);
        auto d = accept(method, std::string{user});
        if (policy_.rehash_on_login && file != nullptr) {
            const auto* entry = file->find(user);
            if (entry != nullptr && entry->hash.kind() != PasswordHash::Kind::argon2id)
                rehash(user, password, d);
        }
        return d;
    }
    auto d = reject(AuthReason::bad_username_or_password, method, "bad user name or password",
                    file ? "wrong password or unknown user" : "no password file configured");
    d.attempted_user = std::string{user};
    d.delay = shared_->failed(request.remote_address, user);
    return d;
}

void PasswordAuthenticator::rehash(std::string_view user, const Secret& password, AuthDecision& d)
{
    const std::lock_guard lock{rehash_mutex_};
    // From disk, not from memory: edits made since the last load (moatmq passwd before a SIGHUP) are kept.
    auto current = PasswordFile::load(policy_.password_path);
    if (!current) {
        d.log_detail = "rehash_on_login skipped: " + current.error().to_string();
        return;
    }
    const auto* entry = current->find(user);
    if (entry == nullptr || entry->hash.kind() == PasswordHash::Kind::argon2id) return;  // changed meanwhile
    auto hash = PasswordHash::make_argon2id(password.view());
    if (!hash) {
        d.log_detail = "rehash_on_login skipped: " + hash.error().message();
        return;
    }
    PasswordEntry updated{std::string{user}, std::move(*hash), entry->scram};
    (void)current->upsert(std::move(updated));
    if (const auto ec = current->write_atomically(policy_.password_path)) {
        d.log_detail = "rehash_on_login: " + policy_.password_path.string() + " not written: " + ec.message();
        return;
    }
    replace_password_file(std::make_shared<const PasswordFile>(std::move(*current)));
    d.log_detail = "password entry rewritten as Argon2id (rehash_on_login)";
}

AuthDecision PasswordAuthenticator::start_scram(const AuthRequest& request, ScramMechanism mechanism)
{
    auto file = passwords();
    ScramServer server{mechanism,
                       [file, mechanism](std::string_view user) -> std::optional<ScramCredentials> {
                           const auto* c = file ? file->scram(user, mechanism) : nullptr;
                           if (c == nullptr) return std::nullopt;
                           return *c;
                       },
                       shared_->scram_fake_key};
    auto server_first = server.client_first(as_chars(request.auth_data));
    if (!server_first)
        return reject(AuthReason::not_authorized, AuthMethod::scram, "malformed SCRAM client-first message",
                      std::string{mechanism_name(mechanism)} + ": " + server_first.error().message());
    if (request.username && *request.username != server.username())
        return reject(AuthReason::bad_username_or_password, AuthMethod::scram,
                      "CONNECT user name differs from the SCRAM user name",
                      "CONNECT user name differs from the SCRAM user name");
    if (shared_->banned(request.remote_address, server.username())) {
        auto d = banned_decision(AuthMethod::scram);
        d.attempted_user = server.username();
        return d;
    }

    AuthDecision d;
    d.outcome = AuthDecision::Outcome::continue_auth;
    d.reason = AuthReason::continue_authentication;
    d.method = AuthMethod::scram;
    d.auth_data = to_bytes(*server_first);
    d.conversation =
        std::make_unique<ScramConversation>(shared_, std::move(server), std::string{request.remote_address});
    return d;
}

}  // namespace moatmq::security::authn
