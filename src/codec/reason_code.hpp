#pragma once
// MQTT 5.0 reason codes (spec §2.4) and the MQTT 3.1.1 CONNACK return codes mapped onto them.
#include <cstdint>
#include <string_view>

namespace moatmq::codec {

enum class ReasonCode : std::uint8_t {
    Success = 0x00,  // also NormalDisconnection and GrantedQoS0
    GrantedQoS1 = 0x01,
    GrantedQoS2 = 0x02,
    DisconnectWithWillMessage = 0x04,
    NoMatchingSubscribers = 0x10,
    NoSubscriptionExisted = 0x11,
    ContinueAuthentication = 0x18,
    ReAuthenticate = 0x19,
    UnspecifiedError = 0x80,
    MalformedPacket = 0x81,
    ProtocolError = 0x82,
    ImplementationSpecificError = 0x83,
    UnsupportedProtocolVersion = 0x84,
    ClientIdentifierNotValid = 0x85,
    BadUserNameOrPassword = 0x86,
    NotAuthorized = 0x87,
    ServerUnavailable = 0x88,
    ServerBusy = 0x89,
    Banned = 0x8A,
    ServerShuttingDown = 0x8B,
    BadAuthenticationMethod = 0x8C,
    KeepAliveTimeout = 0x8D,
    SessionTakenOver = 0x8E,
    TopicFilterInvalid = 0x8F,
    TopicNameInvalid = 0x90,
    PacketIdentifierInUse = 0x91,
    PacketIdentifierNotFound = 0x92,
    ReceiveMaximumExceeded = 0x93,
    TopicAliasInvalid = 0x94,
    PacketTooLarge = 0x95,
    MessageRateTooHigh = 0x96,
    QuotaExceeded = 0x97,
    AdministrativeAction = 0x98,
    PayloadFormatInvalid = 0x99,
    RetainNotSupported = 0x9A,
    QoSNotSupported = 0x9B,
    UseAnotherServer = 0x9C,
    ServerMoved = 0x9D,
    SharedSubscriptionsNotSupported = 0x9E,
    ConnectionRateExceeded = 0x9F,
    MaximumConnectTime = 0xA0,
    SubscriptionIdentifiersNotSupported = 0xA1,
    WildcardSubscriptionsNotSupported = 0xA2,
};

inline constexpr ReasonCode NormalDisconnection = ReasonCode::Success;
inline constexpr ReasonCode GrantedQoS0 = ReasonCode::Success;

// Words for logs and CLI output, e.g. "not authorized".
std::string_view to_string(ReasonCode code) noexcept;

// True for every code the spec defines (any packet); false for the gaps (0x03, 0x05..0x0F, ...).
bool is_defined(std::uint8_t value) noexcept;

constexpr bool is_error(ReasonCode code) noexcept
{
    return static_cast<std::uint8_t>(code) >= 0x80;
}

// MQTT 3.1.1 CONNACK return codes [MQTT-3.2.2.3].
enum class ConnectReturnCode311 : std::uint8_t {
    Accepted = 0,
    UnacceptableProtocolVersion = 1,
    IdentifierRejected = 2,
    ServerUnavailable = 3,
    BadUserNameOrPassword = 4,
    NotAuthorized = 5,
};

// The 3.1.1 return code that best expresses a 5.0 reason code, and back.
ConnectReturnCode311 to_connect_return_code(ReasonCode code) noexcept;
ReasonCode from_connect_return_code(ConnectReturnCode311 code) noexcept;

}  // namespace moatmq::codec
