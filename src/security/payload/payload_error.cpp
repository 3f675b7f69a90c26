#include "security/payload/payload_error.hpp"

#include <string>

namespace moatmq::security::payload {
namespace {

// Boost's error_category has a protected non-virtual destructor by design; categories are never deleted
// through a base pointer.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class PayloadCategory final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "moatmq.payload"; }

    std::string message(int value) const override
    {
        switch (static_cast<PayloadError>(value)) {
            case PayloadError::malformed:
                return "not an encrypted payload envelope (malformed or truncated)";
            case PayloadError::unsupported_version:
                return "unsupported envelope version";
            case PayloadError::unknown_algorithm:
                return "unknown or disallowed envelope algorithm";
            case PayloadError::unknown_key_id:
                return "no key with this key id";
            case PayloadError::authentication_failed:
                return "authentication failed (wrong key, tampered data, or sealed for another topic)";
            case PayloadError::stale:
                return "stale: older than the replay window";
            case PayloadError::from_the_future:
                return "timestamp too far in the future";
            case PayloadError::replayed:
                return "replayed: this envelope was already received";
            case PayloadError::too_large:
                return "payload too large to encrypt";
            case PayloadError::key_invalid:
                return "invalid key (must be 32 bytes)";
            case PayloadError::key_file_invalid:
                return "invalid payload key file";
            case PayloadError::crypto_failure:
                return "cryptographic library failure";
        }
        return "unknown payload error";
    }
};
#pragma GCC diagnostic pop

}  // namespace

const boost::system::error_category& payload_category() noexcept
{
    static const PayloadCategory category;
    return category;
}

}  // namespace moatmq::security::payload
