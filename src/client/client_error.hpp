#pragma once
// Errors the client reports. Two kinds:
//  - ClientError: things that happened on our side or on the wire (timeout, connection closed, ...).
//  - A broker's refusal: an error_code in reason_category() whose value is the MQTT 5 reason code,
//    or in connect_return_category() for a 3.1.1 CONNACK return code. Its message() is the reason in
//    words with the code, e.g. "not authorized (0x87)", which is what the CLI prints.
#include <cstdint>
#include <optional>
#include <type_traits>

#include "codec/reason_code.hpp"
#include "common/result.hpp"

namespace moatmq::client {

enum class ClientError : std::uint8_t {
    timeout = 1,            // the broker did not answer within the configured timeout
    connection_closed,      // the broker closed the connection (or it was lost)
    protocol_error,         // the broker sent something the protocol does not allow here
    not_connected,          // an operation before connect() succeeded or after disconnect()
    keep_alive_timeout,     // no PINGRESP within the keep alive interval
    authentication_failed,  // the enhanced authentication exchange failed on our side
    packet_ids_exhausted,   // 65,535 operations in flight
    invalid_argument,       // e.g. a topic the encoder cannot represent
};

const boost::system::error_category& client_category() noexcept;
const boost::system::error_category& reason_category() noexcept;
const boost::system::error_category& connect_return_category() noexcept;

inline error_code make_error_code(ClientError e) noexcept
{
    return {static_cast<int>(e), client_category()};
}

// A broker's refusal with an MQTT 5 reason code, e.g. "not authorized (0x87)".
inline error_code make_reason_error(codec::ReasonCode reason) noexcept
{
    return {static_cast<int>(reason), reason_category()};
}

// A 3.1.1 CONNACK refusal, e.g. "not authorized (return code 5)".
inline error_code make_connect_return_error(codec::ConnectReturnCode311 code) noexcept
{
    return {static_cast<int>(code), connect_return_category()};
}

// The reason code carried by `ec` when it is a broker's refusal (either category); nullopt otherwise.
std::optional<codec::ReasonCode> broker_reason(const error_code& ec) noexcept;

}  // namespace moatmq::client

template <>
struct boost::system::is_error_code_enum<moatmq::client::ClientError> : std::true_type {
};
