#pragma once
// BindAddress: the `bind` of a listener, "host:port" with a numeric IPv4 host or "[v6]:port" for IPv6.
// Host names are refused on purpose: what a listener is exposed to must not depend on DNS.
// Port 0 means "any free port" (tests read the port the broker really got from its ready line).
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "config/config_error.hpp"

namespace moatmq::config {

class BindAddress {
public:
    enum class Family { ipv4, ipv6 };

    BindAddress() = default;  // 127.0.0.1:0

    // "127.0.0.1:1883", "0.0.0.0:0", "[::1]:8883", "[::]:1883". The error has a message and no position.
    static ConfigResult<BindAddress> parse(std::string_view text);

    // The host in canonical numeric form, without brackets: "127.0.0.1", "::1". Feed it to
    // asio::ip::make_address.
    const std::string& host() const { return host_; }
    std::uint16_t port() const { return port_; }
    Family family() const { return family_; }

    // 127.0.0.0/8, ::1 and the IPv4-mapped ::ffff:127.0.0.0/104: only this machine can connect.
    bool is_loopback() const;
    // 0.0.0.0 or ::, every interface.
    bool is_unspecified() const;

    // Canonical text, parseable again: "127.0.0.1:1883", "[::1]:1883".
    std::string to_string() const;

    bool operator==(const BindAddress&) const = default;

private:
    BindAddress(Family family, std::string host, std::uint16_t port)
        : family_(family), host_(std::move(host)), port_(port)
    {
    }

    Family family_ = Family::ipv4;
    std::string host_ = "127.0.0.1";
    std::uint16_t port_ = 0;
};

}  // namespace moatmq::config
