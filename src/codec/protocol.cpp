#include "codec/protocol.hpp"

namespace moatmq::codec {

std::string_view to_string(PacketType type) noexcept
{
    switch (type) {
        case PacketType::connect:
            return "CONNECT";
        case PacketType::connack:
            return "CONNACK";
        case PacketType::publish:
            return "PUBLISH";
        case PacketType::puback:
            return "PUBACK";
        case PacketType::pubrec:
            return "PUBREC";
        case PacketType::pubrel:
            return "PUBREL";
        case PacketType::pubcomp:
            return "PUBCOMP";
        case PacketType::subscribe:
            return "SUBSCRIBE";
        case PacketType::suback:
            return "SUBACK";
        case PacketType::unsubscribe:
            return "UNSUBSCRIBE";
        case PacketType::unsuback:
            return "UNSUBACK";
        case PacketType::pingreq:
            return "PINGREQ";
        case PacketType::pingresp:
            return "PINGRESP";
        case PacketType::disconnect:
            return "DISCONNECT";
        case PacketType::auth:
            return "AUTH";
    }
    return "RESERVED";
}

}  // namespace moatmq::codec
