#pragma once
// PasswordAuthenticator: the authentication chain of DESIGN.md §1 over a password file, SCRAM, and the
// identity the TLS layer established, with the policies of [auth] (DESIGN.md §5):
//
//   1. Authentication Method set (5.0): SCRAM-SHA-256/512 when offered, else reject 0x8C.
//   2. TLS identity (certificate or PSK): it becomes the user name; with a password as well, the password
//      must verify for that identity; a CONNECT user name that differs from it is refused (0x86). On a
//      listener with require_password, the password is not optional (0x86 without one).
//   3. Password: refused on a listener that is neither TLS nor loopback unless allow_plaintext_passwords
//      (0x87, a security event); otherwise checked against the password file (0x86 on failure).
//   4. User name without password: 0x86.
//   5. Nothing: anonymous, when the listener (or [auth]) allows it and does not require a password;
//      else 0x87.
//
// Failed password and SCRAM attempts go through the FailureThrottle (delay, then ban: 0x8A). Thread-safe:
// the password file is an immutable snapshot swapped under a mutex, the throttle has its own mutex.
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "security/authn/authenticator.hpp"
#include "security/authn/failure_throttle.hpp"
#include "security/authn/password_file.hpp"
#include "security/authn/scram_credentials.hpp"

namespace moatmq::security::authn {

struct AuthPolicy {
    bool allow_anonymous = false;                                       // [auth].allow_anonymous
    std::map<std::string, bool, std::less<>> listener_allow_anonymous;  // [[listener]].allow_anonymous
    std::set<std::string, std::less<>> listeners_requiring_password;    // [[listener]].require_password
    bool allow_plaintext_passwords = false;
    std::vector<ScramMechanism> scram{ScramMechanism::sha256, ScramMechanism::sha512};
    ThrottleOptions throttle;
    // [auth].rehash_on_login: after a successful password login, a Mosquitto $6$/$7$ entry is rewritten as
    // Argon2id in `password_path` (re-read from disk, edited, written atomically; other lines kept).
    bool rehash_on_login = false;
    std::filesystem::path password_path;
};

class PasswordAuthenticator final : public Authenticator {
public:
    // `passwords` may be null (no [auth].password_file): every password is then refused, after the same
    // dummy verification an unknown user gets. `clock` must outlive this object and its conversations.
    PasswordAuthenticator(AuthPolicy policy, std::shared_ptr<const PasswordFile> passwords,
                          const Clock& clock);
    ~PasswordAuthenticator() override;

    AuthDecision authenticate(const AuthRequest& request) override;
    // Only a password (verified against its hash, maybe rehashed into the file) or an enhanced
    // authentication method (SCRAM) may cost much; anonymous clients and TLS identities without a
    // password are decided from the policy alone.
    bool may_block(const AuthRequest& request) const override
    {
        return request.password.has_value() || request.auth_method.has_value();
    }

    // SIGHUP: the new file applies to the next attempt; exchanges in progress keep what they looked up.
    void replace_password_file(std::shared_ptr<const PasswordFile> passwords);

    struct Stats {
        std::size_t throttled_keys = 0;
        std::size_t banned_keys = 0;
    };
    Stats stats() const;

    // Shared with SCRAM conversations, which may outlive a call (not the authenticator's clock).
    struct Shared;

private:
    AuthDecision start_scram(const AuthRequest& request, ScramMechanism mechanism);
    AuthDecision check_password(const AuthRequest& request, std::string_view user, AuthMethod method);
    std::shared_ptr<const PasswordFile> passwords() const;
    bool requires_password(std::string_view listener) const
    {
        return policy_.listeners_requiring_password.contains(listener);
    }
    // rehash_on_login for `user`, whose `password` just verified; says what happened in d.log_detail.
    void rehash(std::string_view user, const Secret& password, AuthDecision& d);

    AuthPolicy policy_;
    std::shared_ptr<Shared> shared_;
    mutable std::mutex passwords_mutex_;
    std::shared_ptr<const PasswordFile> passwords_;
    std::mutex rehash_mutex_;  // one rewrite of the file at a time
};

}  // namespace moatmq::security::authn
