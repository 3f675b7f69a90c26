#include "broker/authenticator.hpp"

namespace moatmq::broker {

std::uint8_t v311_return_code(AuthReason reason) noexcept
{
    switch (reason) {
        case AuthReason::success:
            return 0x00;
        case AuthReason::bad_username_or_password:
            return 0x04;  // bad user name or password
        case AuthReason::continue_authentication:
        case AuthReason::not_authorized:
        case AuthReason::banned:
        case AuthReason::bad_authentication_method:
            return 0x05;  // not authorized
    }
    return 0x05;
}

std::string_view to_string(AuthMethod method) noexcept
{
    switch (method) {
        case AuthMethod::anonymous:
            return "anonymous";
        case AuthMethod::password:
            return "password";
        case AuthMethod::scram:
            return "scram";
        case AuthMethod::certificate:
            return "cert";
        case AuthMethod::psk:
            return "psk";
    }
    return "unknown";
}

}  // namespace moatmq::broker
