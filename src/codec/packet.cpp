#include "codec/packet.hpp"

namespace moatmq::codec {

PacketType packet_type(const Packet& packet) noexcept
{
    // The variant's alternatives are in packet-type order, CONNECT (1) first.
    static_assert(std::is_same_v<std::variant_alternative_t<0, Packet>, Connect>);
    static_assert(std::is_same_v<std::variant_alternative_t<14, Packet>, Auth>);
    return static_cast<PacketType>(packet.index() + 1);
}

}  // namespace moatmq::codec
