#include "codec/reason_code.hpp"

namespace moatmq::codec {

std::string_view to_string(ReasonCode code) noexcept
{
    switch (code) {
        case ReasonCode::Success:
            return "success";
        case ReasonCode::GrantedQoS1:
            return "granted QoS 1";
        case ReasonCode::GrantedQoS2:
            return "granted QoS 2";
        case ReasonCode::DisconnectWithWillMessage:
            return "disconnect with will message";
        case ReasonCode::NoMatchingSubscribers:
            return "no matching subscribers";
        case ReasonCode::NoSubscriptionExisted:
            return "no subscription existed";
        case ReasonCode::ContinueAuthentication:
            return "continue authentication";
        case ReasonCode::ReAuthenticate:
            return "re-authenticate";
        case ReasonCode::UnspecifiedError:
            return "unspecified error";
        case ReasonCode::MalformedPacket:
            return "malformed packet";
        case ReasonCode::ProtocolError:
            return "protocol error";
        case ReasonCode::ImplementationSpecificError:
            return "implementation specific error";
        case ReasonCode::UnsupportedProtocolVersion:
            return "unsupported protocol version";
        case ReasonCode::ClientIdentifierNotValid:
            return "client identifier not valid";
        case ReasonCode::BadUserNameOrPassword:
            return "bad user name or password";
        case ReasonCode::NotAuthorized:
            return "not authorized";
        case ReasonCode::ServerUnavailable:
            return "server unavailable";
        case ReasonCode::ServerBusy:
            return "server busy";
        case ReasonCode::Banned:
            return "banned";
        case ReasonCode::ServerShuttingDown:
            return "server shutting down";
        case ReasonCode::BadAuthenticationMethod:
            return "bad authentication method";
        case ReasonCode::KeepAliveTimeout:
            return "keep alive timeout";
        case ReasonCode::SessionTakenOver:
            return "session taken over";
        case ReasonCode::TopicFilterInvalid:
            return "topic filter invalid";
        case ReasonCode::TopicNameInvalid:
            return "topic name invalid";
        case ReasonCode::PacketIdentifierInUse:
            return "packet identifier in use";
        case ReasonCode::PacketIdentifierNotFound:
            return "packet identifier not found";
        case ReasonCode::ReceiveMaximumExceeded:
            return "receive maximum exceeded";
        case ReasonCode::TopicAliasInvalid:
            return "topic alias invalid";
        case ReasonCode::PacketTooLarge:
            return "packet too large";
        case ReasonCode::MessageRateTooHigh:
            return "message rate too high";
        case ReasonCode::QuotaExceeded:
            return "quota exceeded";
        case ReasonCode::AdministrativeAction:
            return "administrative action";
        case ReasonCode::PayloadFormatInvalid:
            return "payload format invalid";
        case ReasonCode::RetainNotSupported:
            return "retain not supported";
        case ReasonCode::QoSNotSupported:
            return "QoS not supported";
        case ReasonCode::UseAnotherServer:
            return "use another server";
        case ReasonCode::ServerMoved:
            return "server moved";
        case ReasonCode::SharedSubscriptionsNotSupported:
            return "shared subscriptions not supported";
        case ReasonCode::ConnectionRateExceeded:
            return "connection rate exceeded";
        case ReasonCode::MaximumConnectTime:
            return "maximum connect time";
        case ReasonCode::SubscriptionIdentifiersNotSupported:
            return "subscription identifiers not supported";
        case ReasonCode::WildcardSubscriptionsNotSupported:
            return "wildcard subscriptions not supported";
    }
    return "unknown reason code";
}

bool is_defined(std::uint8_t value) noexcept
{
    // Table 2-6: 0x00-0x02, 0x04, 0x10, 0x11, 0x18, 0x19, 0x80-0xA2.
    switch (value) {
        case 0x00:
        case 0x01:
        case 0x02:
        case 0x04:
        case 0x10:
        case 0x11:
        case 0x18:
        case 0x19:
            return true;
        default:
            return value >= 0x80 && value <= 0xA2;
    }
}

ConnectReturnCode311 to_connect_return_code(ReasonCode code) noexcept
{
    switch (code) {
        case ReasonCode::Success:
            return ConnectReturnCode311::Accepted;
        case ReasonCode::UnsupportedProtocolVersion:
            return ConnectReturnCode311::UnacceptableProtocolVersion;
        case ReasonCode::ClientIdentifierNotValid:
            return ConnectReturnCode311::IdentifierRejected;
        case ReasonCode::BadUserNameOrPassword:
        case ReasonCode::BadAuthenticationMethod:
            return ConnectReturnCode311::BadUserNameOrPassword;
        case ReasonCode::NotAuthorized:
        case ReasonCode::Banned:
            return ConnectReturnCode311::NotAuthorized;
        default:
            // Busy, shutting down, moved, quota, rate, and the errors 3.1.1 has no word for.
            return ConnectReturnCode311::ServerUnavailable;
    }
}

ReasonCode from_connect_return_code(ConnectReturnCode311 code) noexcept
{
    switch (code) {
        case ConnectReturnCode311::Accepted:
            return ReasonCode::Success;
        case ConnectReturnCode311::UnacceptableProtocolVersion:
            return ReasonCode::UnsupportedProtocolVersion;
        case ConnectReturnCode311::IdentifierRejected:
            return ReasonCode::ClientIdentifierNotValid;
        case ConnectReturnCode311::ServerUnavailable:
            return ReasonCode::ServerUnavailable;
        case ConnectReturnCode311::BadUserNameOrPassword:
            return ReasonCode::BadUserNameOrPassword;
        case ConnectReturnCode311::NotAuthorized:
            return ReasonCode::NotAuthorized;
    }
    return ReasonCode::UnspecifiedError;
}

}  // namespace moatmq::codec
