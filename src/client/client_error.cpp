#include "client/client_error.hpp"

#include <cstdio>
#include <string>

namespace moatmq::client {
namespace {

std::string hex_code(int value)
{
    char text[8];
    std::snprintf(text, sizeof text, "0x%02X", static_cast<unsigned>(value) & 0xffu);
    return text;
}

// Boost's error_category has a protected non-virtual destructor by design; categories are never deleted
// through a base pointer.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class ClientCategory final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "moatmq.client"; }
    std::string message(int value) const override
    {
        switch (static_cast<ClientError>(value)) {
            case ClientError::timeout:
                return "timed out waiting for the broker";
            case ClientError::connection_closed:
                return "connection closed by the broker";
            case ClientError::protocol_error:
                return "protocol error from the broker";
            case ClientError::not_connected:
                return "not connected";
            case ClientError::keep_alive_timeout:
                return "keep alive timeout: the broker stopped answering";
            case ClientError::authentication_failed:
                return "enhanced authentication failed";
            case ClientError::packet_ids_exhausted:
                return "too many operations in flight";
            case ClientError::invalid_argument:
                return "invalid argument";
        }
        return "unknown client error";
    }
};

class ReasonCategory final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "mqtt.reason"; }
    std::string message(int value) const override
    {
        const auto code = static_cast<codec::ReasonCode>(value);
        return std::string{codec::to_string(code)} + " (" + hex_code(value) + ")";
    }
};

class ConnectReturnCategory final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "mqtt.connect_return_code"; }
    std::string message(int value) const override
    {
        const auto code = codec::from_connect_return_code(static_cast<codec::ConnectReturnCode311>(value));
        return std::string{codec::to_string(code)} + " (return code " + std::to_string(value) + ")";
    }
};
#pragma GCC diagnostic pop

}  // namespace

const boost::system::error_category& client_category() noexcept
{
    static const ClientCategory category;
    return category;
}

const boost::system::error_category& reason_category() noexcept
{
    static const ReasonCategory category;
    return category;
}

const boost::system::error_category& connect_return_category() noexcept
{
    static const ConnectReturnCategory category;
    return category;
}

std::optional<codec::ReasonCode> broker_reason(const error_code& ec) noexcept
{
    if (ec.category() == reason_category()) return static_cast<codec::ReasonCode>(ec.value());
    if (ec.category() == connect_return_category()) {
        return codec::from_connect_return_code(static_cast<codec::ConnectReturnCode311>(ec.value()));
    }
    return std::nullopt;
}

}  // namespace moatmq::client
