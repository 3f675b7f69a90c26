#pragma once
// Why a payload envelope could not be made or opened. The messages are what `moatmq sub` prints per
// rejected message, so they say what happened in words a user can act on.
#include <cstdint>
#include <type_traits>

#include "common/result.hpp"

namespace moatmq::security::payload {

enum class PayloadError : std::uint8_t {
    malformed = 1,          // shorter than header + tag, or not an envelope at all
    unsupported_version,    // version byte not known to this build
    unknown_algorithm,      // algorithm byte not known, or not allowed here
    unknown_key_id,         // no key with the envelope's key id in the keyring
    authentication_failed,  // wrong key, any byte changed, or sealed for a different topic
    stale,                  // authentic, but older than the replay window
    from_the_future,        // authentic, but timestamped further ahead than the window allows
    replayed,               // authentic, but this exact envelope was already accepted
    too_large,              // plaintext over the limit of one MQTT packet
    key_invalid,            // a key that is not 32 bytes
    key_file_invalid,       // key file not in the documented format
    crypto_failure,         // OpenSSL reported an internal failure (e.g. no randomness)
};

const boost::system::error_category& payload_category() noexcept;

inline error_code make_error_code(PayloadError e) noexcept
{
    return {static_cast<int>(e), payload_category()};
}

}  // namespace moatmq::security::payload

template <>
struct boost::system::is_error_code_enum<moatmq::security::payload::PayloadError> : std::true_type {
};
