#pragma once
// One-line descriptions of packets for debug output (`-d`), in the spirit of mosquitto's:
//   PUBLISH (d0, q1, r0, m3, 'sensors/t', ... (5 bytes))
// Passwords and authentication data are never printed, only their presence and length.
#include <string>

#include "codec/packet.hpp"

namespace moatmq::client {

std::string describe(const codec::Packet& packet);

}  // namespace moatmq::client
