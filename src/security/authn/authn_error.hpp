#pragma once
// Why authentication material could not be parsed, made or checked. A wrong password is not an error
// (verification returns false); these are for broken files, broken SCRAM exchanges and crypto failures.
#include <cstdint>
#include <type_traits>

#include "common/result.hpp"

namespace moatmq::security::authn {

enum class AuthnError : std::uint8_t {
    malformed_hash = 1,      // a hash field that is not one of the known forms
    unsupported_hash,        // a recognised prefix whose parameters this build does not accept
    malformed_scram_field,   // a scram-sha-*$... field that does not parse
    malformed_line,          // no ':' or an empty user name
    duplicate_user,          // the same user name on two lines
    invalid_username,        // ':' or a control character in a user name
    scram_malformed,         // a SCRAM message that breaks RFC 5802's grammar
    scram_channel_binding,   // anything but "n,," (no channel binding, no authzid)
    scram_nonce_mismatch,    // client-final's nonce is not the one the server sent
    scram_invalid_proof,     // wrong password or a tampered proof
    scram_unknown_user,      // only inside the server; reported to the peer as invalid proof
    scram_out_of_order,      // a step called in the wrong state
    scram_server_signature,  // the client could not verify the server (wrong server or tampering)
    crypto_failure,          // OpenSSL or libargon2 failed (no randomness, out of memory)
};

const boost::system::error_category& authn_category() noexcept;

inline error_code make_error_code(AuthnError e) noexcept
{
    return {static_cast<int>(e), authn_category()};
}

}  // namespace moatmq::security::authn

template <>
struct boost::system::is_error_code_enum<moatmq::security::authn::AuthnError> : std::true_type {
};
