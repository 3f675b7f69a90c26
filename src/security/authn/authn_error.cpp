#include "security/authn/authn_error.hpp"

#include <string>

namespace moatmq::security::authn {
namespace {

// Boost's error_category has a protected non-virtual destructor by design; categories are never deleted
// through a base pointer.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class AuthnCategory final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "moatmq.authn"; }

    std::string message(int value) const override
    {
        switch (static_cast<AuthnError>(value)) {
            case AuthnError::malformed_hash:
                return "malformed password hash (expected $argon2id$, $7$ or $6$)";
            case AuthnError::unsupported_hash:
                return "unsupported password hash parameters";
            case AuthnError::malformed_scram_field:
                return "malformed scram-sha-256/scram-sha-512 field";
            case AuthnError::malformed_line:
                return "malformed line (expected user:hash)";
            case AuthnError::duplicate_user:
                return "user listed twice";
            case AuthnError::invalid_username:
                return "invalid user name (no ':' or control characters)";
            case AuthnError::scram_malformed:
                return "malformed SCRAM message";
            case AuthnError::scram_channel_binding:
                return "SCRAM channel binding or authzid requested (only \"n,,\" is supported)";
            case AuthnError::scram_nonce_mismatch:
                return "SCRAM nonce mismatch";
            case AuthnError::scram_invalid_proof:
                return "SCRAM proof invalid";
            case AuthnError::scram_unknown_user:
                return "SCRAM unknown user";
            case AuthnError::scram_out_of_order:
                return "SCRAM message out of order";
            case AuthnError::scram_server_signature:
                return "SCRAM server signature invalid";
            case AuthnError::crypto_failure:
                return "cryptographic library failure";
        }
        return "unknown authentication error";
    }
};
#pragma GCC diagnostic pop

}  // namespace

const boost::system::error_category& authn_category() noexcept
{
    static const AuthnCategory category;
    return category;
}

}  // namespace moatmq::security::authn
