#include "client/packet_text.hpp"

#include <type_traits>

namespace moatmq::client {
namespace {

int q(codec::QoS qos)
{
    return static_cast<int>(qos);
}

std::string code(codec::ReasonCode reason)
{
    return std::string{codec::to_string(reason)} + " (" + std::to_string(static_cast<int>(reason)) + ")";
}

}  // namespace

std::string describe(const codec::Packet& packet)
{
    return std::visit(
        [](const auto& p) -> std::string {
            using T = std::decay_t<decltype(p)>;
            if constexpr (std::is_same_v<T, codec::Connect>) {
                return "CONNECT (v" + std::to_string(static_cast<int>(p.version)) + ", c" +
                       std::to_string(p.clean_start ? 1 : 0) + ", k" + std::to_string(p.keep_alive) +
                       ", id '" + p.client_id + "'" +
                       (p.username ? ", u'" + *p.username + "'" : std::string{}) +
                       (p.password ? ", password (hidden)" : std::string{}) + (p.will ? ", will" : "") + ")";
            } else if constexpr (std::is_same_v<T, codec::Connack>) {
                return "CONNACK (s" + std::to_string(p.session_present ? 1 : 0) + ", " + code(p.reason) + ")";
            } else if constexpr (std::is_same_v<T, codec::Publish>) {
                return "PUBLISH (d" + std::to_string(p.dup ? 1 : 0) + ", q" + std::to_string(q(p.qos)) +
                       ", r" + std::to_string(p.retain ? 1 : 0) + ", m" + std::to_string(p.packet_id) +
                       ", '" + p.topic + "', ... (" + std::to_string(p.payload.size()) + " bytes))";
            } else if constexpr (std::is_same_v<T, codec::Subscribe>) {
                std::string text = "SUBSCRIBE (m" + std::to_string(p.packet_id);
                for (const auto& s : p.subscriptions) {
                    text += ", '" + s.filter + "' q" + std::to_string(q(s.options.qos));
                }
                return text + ")";
            } else if constexpr (std::is_same_v<T, codec::Suback>) {
                std::string text = "SUBACK (m" + std::to_string(p.packet_id);
                for (auto r : p.reasons)
                    text += ", " + std::to_string(static_cast<int>(r));
                return text + ")";
            } else if constexpr (std::is_same_v<T, codec::Unsubscribe>) {
                return "UNSUBSCRIBE (m" + std::to_string(p.packet_id) + ")";
            } else if constexpr (std::is_same_v<T, codec::Unsuback>) {
                return "UNSUBACK (m" + std::to_string(p.packet_id) + ")";
            } else if constexpr (std::is_same_v<T, codec::Pingreq>) {
                return "PINGREQ";
            } else if constexpr (std::is_same_v<T, codec::Pingresp>) {
                return "PINGRESP";
            } else if constexpr (std::is_same_v<T, codec::Disconnect>) {
                return "DISCONNECT (" + code(p.reason) + ")";
            } else if constexpr (std::is_same_v<T, codec::Auth>) {
                return "AUTH (" + code(p.reason) + ")";
            } else {
                return std::string{codec::to_string(T::type)} + " (m" + std::to_string(p.packet_id) + ", " +
                       code(p.reason) + ")";
            }
        },
        packet);
}

}  // namespace moatmq::client
