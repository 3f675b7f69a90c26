#include "config/bind_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <array>
#include <charconv>
#include <cstring>

namespace moatmq::config {
namespace {

ConfigError bad_bind(std::string_view text, std::string_view why)
{
    return ConfigError::without_position("invalid bind \"" + std::string(text) + "\": " + std::string(why));
}

}  // namespace

ConfigResult<BindAddress> BindAddress::parse(std::string_view text)
{
    std::string_view host;
    std::string_view port_text;
    Family family = Family::ipv4;
    if (text.starts_with('[')) {
        const auto close = text.find(']');
        if (close == std::string_view::npos) return bad_bind(text, "missing ']' after the IPv6 address");
        host = text.substr(1, close - 1);
        std::string_view rest = text.substr(close + 1);
        if (!rest.starts_with(':')) return bad_bind(text, "expected \":port\" after ']'");
        port_text = rest.substr(1);
        family = Family::ipv6;
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos) {
            return bad_bind(text, "expected \"host:port\", e.g. \"127.0.0.1:1883\" or \"[::1]:1883\"");
        }
        host = text.substr(0, colon);
        port_text = text.substr(colon + 1);
        if (host.find(':') != std::string_view::npos) {
            return bad_bind(text, "an IPv6 address must be in brackets, e.g. \"[::1]:1883\"");
        }
    }
    if (host.empty()) return bad_bind(text, "missing host (use \"0.0.0.0\" or \"[::]\" for every interface)");
    if (port_text.empty()) return bad_bind(text, "missing port");
    if (port_text.size() > 5) return bad_bind(text, "port must be between 0 and 65535");
    unsigned port = 0;
    for (char c : port_text) {
        if (c < '0' || c > '9') return bad_bind(text, "port must be a number between 0 and 65535");
    }
    std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port > 65535) return bad_bind(text, "port must be between 0 and 65535");

    // inet_pton wants a NUL-terminated string, and accepts exactly the numeric forms (no names, no zone ids).
    const std::string host_z(host);
    std::array<char, INET6_ADDRSTRLEN> canonical{};
    if (family == Family::ipv4) {
        in_addr address{};
        if (inet_pton(AF_INET, host_z.c_str(), &address) != 1) {
            return bad_bind(
                text, "host must be a numeric IPv4 address like 127.0.0.1 (host names are not allowed)");
        }
        inet_ntop(AF_INET, &address, canonical.data(), canonical.size());
    } else {
        in6_addr address{};
        if (inet_pton(AF_INET6, host_z.c_str(), &address) != 1) {
            return bad_bind(text, "host must be a numeric IPv6 address like ::1");
        }
        inet_ntop(AF_INET6, &address, canonical.data(), canonical.size());
    }
    return BindAddress{family, std::string(canonical.data()), static_cast<std::uint16_t>(port)};
}

bool BindAddress::is_loopback() const
{
    if (family_ == Family::ipv4) {
        in_addr address{};
        inet_pton(AF_INET, host_.c_str(), &address);
        return (ntohl(address.s_addr) >> 24) == 127;
    }
    in6_addr address{};
    inet_pton(AF_INET6, host_.c_str(), &address);
    if (IN6_IS_ADDR_LOOPBACK(&address)) return true;
    return IN6_IS_ADDR_V4MAPPED(&address) && address.s6_addr[12] == 127;
}

bool BindAddress::is_unspecified() const
{
    return host_ == "0.0.0.0" || host_ == "::";
}

std::string BindAddress::to_string() const
{
    if (family_ == Family::ipv6) return "[" + host_ + "]:" + std::to_string(port_);
    return host_ + ":" + std::to_string(port_);
}

}  // namespace moatmq::config
