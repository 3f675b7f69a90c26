#pragma once
// The conformance runner: a row (Case) is one normative statement of MQTT 3.1.1 / 5.0, as the bytes a
// client sends and the packets the broker must answer with (Reply), then whether it must close. Rows
// are sent over loopback to the real moatmq broker by run_case(); BrokerSuite starts one broker per
// suite with the configuration the rows rely on.
//
// Where the spec lets the server choose between reason codes (or between a SUBACK and a DISCONNECT),
// the row lists each acceptable answer; where it names one, the row names only that one. A failing row
// is a broker deviation, never loosened here.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "broker_process.hpp"
#include "mqtt_bytes.hpp"
#include "raw_client.hpp"

namespace moatmq::test::conformance {

using namespace bytes;

// The limits the rows of the default suite rely on (packet size, Receive Maximum, Topic Alias Maximum,
// client id length).
constexpr std::uint32_t kMaxPacketSize = 1024;
constexpr const char* kLimits =
    "[limits]\n"
    "max_packet_size = 1024\n"
    "receive_maximum = 2\n"
    "topic_alias_maximum = 2\n"
    "max_client_id_length = 23\n";

// One expected packet from the broker. The body must be `head` (its last byte may instead be any of
// `or_codes`), then, when `tail` is set (5.0 packets with properties), a property block of any content
// and then exactly `tail`; a property block may be left out when `tail` is empty and the packet type
// allows it.
// `any_body` checks the first byte only.
struct Reply {
    std::uint8_t first = 0;
    Bytes head;
    std::optional<Bytes> tail;
    std::vector<std::uint8_t> or_codes;
    bool any_body = false;
};

inline Reply exact(std::uint8_t first, Bytes body)
{
    return Reply{first, std::move(body), std::nullopt, {}, false};
}
// 5.0 CONNACK refusing with `code` (Session Present 0), properties of any content.
inline Reply connack5(std::uint8_t code)
{
    return Reply{0x20, {0x00, code}, Bytes{}, {}, false};
}
// 5.0 DISCONNECT with `code` (or one of `or_codes`), properties of any content.
inline Reply disconnect5(std::uint8_t code, std::vector<std::uint8_t> or_codes = {})
{
    return Reply{0xE0, {code}, Bytes{}, std::move(or_codes), false};
}
// 5.0 SUBACK for packet id 1 with the given reason codes.
inline Reply suback5(Bytes codes)
{
    return Reply{0x90, {0x00, 0x01}, std::move(codes), {}, false};
}
inline Reply any_of_type(std::uint8_t first)
{
    return Reply{first, {}, std::nullopt, {}, true};
}

inline std::string hex(const Bytes& data)
{
    std::ostringstream out;
    for (const auto byte : data)
        out << std::hex << (byte < 16 ? "0" : "") << int{byte} << ' ';
    return out.str();
}

// Empty when `packet` matches `reply`, else what differs.
inline std::string mismatch(const Packet& packet, const Reply& reply)
{
    const auto got = cat({Bytes{packet.first}, packet.body});
    const std::string seen = " (got " + hex(got) + ")";
    if (packet.first != reply.first) return "first byte differs" + seen;
    if (reply.any_body) return {};
    const auto& body = packet.body;
    if (body.size() < reply.head.size()) return "body shorter than expected" + seen;
    for (std::size_t i = 0; i < reply.head.size(); ++i) {
        if (body[i] == reply.head[i]) continue;
        const bool last = i + 1 == reply.head.size();
        if (last && std::find(reply.or_codes.begin(), reply.or_codes.end(), body[i]) != reply.or_codes.end())
            continue;
        return "byte " + std::to_string(i) + " of the body differs" + seen;
    }
    std::size_t at = reply.head.size();
    if (!reply.tail) return at == body.size() ? std::string{} : "body longer than expected" + seen;
    // Only PUBACK, PUBREC, PUBREL, PUBCOMP, DISCONNECT and AUTH may leave out their property block
    // (spec §3.4.2.2 and its siblings); CONNACK, SUBACK and UNSUBACK must carry one [MQTT-2.2.2-1].
    const int type = packet.first >> 4;
    const bool may_omit = (type >= 4 && type <= 7) || type >= 14;
    if (at == body.size() && reply.tail->empty() && may_omit) return {};  // property block left out
    if (at == body.size()) return "property block missing" + seen;
    const std::uint32_t length = read_varint(body, at);
    at += length;
    if (at > body.size()) return "property block overruns the body" + seen;
    if (!std::equal(body.begin() + static_cast<std::ptrdiff_t>(at), body.end(), reply.tail->begin(),
                    reply.tail->end()))
        return "bytes after the properties differ" + seen;
    return {};
}

enum class Session : std::uint8_t { none, v311, v5 };

struct Case {
    std::string name;  // the statement, e.g. "SUBSCRIBE qos=3 [MQTT-3.8.3-4]"
    Session session;   // a CONNECT (and its successful CONNACK) sent before `send`, or none
    Bytes send;
    std::vector<Reply> replies;  // expected in this order
    bool closes;                 // then the broker closes the connection; else it must stay open
    // Where the spec allows two answers (e.g. SUBACK 0xA2 or DISCONNECT 0xA2), the other one; chosen
    // when the first packet's first byte is that of or_replies[0].
    std::vector<Reply> or_replies = {};
    bool or_closes = false;
};

inline Case either(Case c, std::vector<Reply> or_replies, bool or_closes)
{
    c.or_replies = std::move(or_replies);
    c.or_closes = or_closes;
    return c;
}

inline void PrintTo(const Case& c, std::ostream* out)
{
    *out << c.name;
}

// Sends the case's bytes to `broker` on a fresh connection and checks the answer.
inline void run_case(BrokerProcess& broker, const Case& c)
{
    static int client_number = 0;
    RawClient client(broker.port());
    const auto id = "conf" + std::to_string(++client_number);
    if (c.session != Session::none) {
        ASSERT_TRUE(client.send(c.session == Session::v5 ? connect5(id) : connect311(id)));
        const auto connack = read_packet(client);
        ASSERT_TRUE(connack) << "no CONNACK";
        ASSERT_EQ(connack->first, 0x20);
        ASSERT_GE(connack->body.size(), 2u);
        ASSERT_EQ(connack->body[1], 0x00) << "CONNECT refused with " << int{connack->body[1]};
    }
    ASSERT_TRUE(client.send(c.send));
    const auto* replies = &c.replies;
    bool closes = c.closes;
    for (std::size_t i = 0; i < replies->size(); ++i) {
        const auto packet = read_packet(client);
        ASSERT_TRUE(packet) << "reply " << i << " (first byte 0x" << std::hex << int{(*replies)[i].first}
                            << ") never came: closed or timed out";
        if (i == 0 && !c.or_replies.empty() && packet->first == c.or_replies[0].first) {
            replies = &c.or_replies;
            closes = c.or_closes;
        }
        EXPECT_EQ(mismatch(*packet, (*replies)[i]), "") << "reply " << i;
    }
    if (closes) {
        // Nothing more before the close: no second answer, nothing after a DISCONNECT [MQTT-3.14.4-1],
        // no DISCONNECT where only a close is allowed [MQTT-3.14.0-1].
        const auto extra = read_packet(client);
        EXPECT_FALSE(extra) << "sent 0x" << std::hex << int{extra ? extra->first : 0} << " before closing";
        EXPECT_TRUE(client.wait_closed(5s)) << "the broker kept the connection open";
    } else {
        // Still serving: a PINGREQ is answered (and nothing else was sent before the PINGRESP).
        ASSERT_TRUE(client.send(kPingreq));
        const auto pong = read_packet(client);
        ASSERT_TRUE(pong) << "closed or silent after a valid exchange";
        EXPECT_EQ(pong->first, 0xD0) << "unexpected packet 0x" << std::hex << int{pong->first};
    }
}

// One broker per suite, started with `Config::text`.
template <typename Config>
class BrokerSuite : public ::testing::TestWithParam<Case> {
protected:
    static void SetUpTestSuite() { broker_ = std::make_unique<BrokerProcess>(test_config(Config::text)); }
    static void TearDownTestSuite()
    {
        if (broker_) {
            EXPECT_EQ(broker_->stop(), 0) << broker_->log();
        }
        broker_.reset();
    }
    static inline std::unique_ptr<BrokerProcess> broker_;
};

struct DefaultLimits {
    static constexpr const char* text = kLimits;
};
// Helpers for the rows.
inline const Bytes kPingreqBytes{0xC0, 0x00};
inline Bytes prop_byte(std::uint8_t id, std::uint8_t value)
{
    return {id, value};
}
inline Bytes prop_u16(std::uint8_t id, std::uint16_t value)
{
    return cat({Bytes{id}, u16(value)});
}
inline Bytes subscribe311(std::uint16_t packet_id, std::string_view filter, std::uint8_t qos)
{
    return packet(0x82, cat({u16(packet_id), str(filter), Bytes{qos}}));
}
inline Bytes publish311(std::string_view topic, std::uint8_t flags, std::uint16_t packet_id = 0)
{
    auto body = str(topic);
    if ((flags & 0x06) != 0) body = cat({body, u16(packet_id)});
    body = cat({body, Bytes{'x'}});
    return packet(static_cast<std::uint8_t>(0x30 | flags), body);
}
inline std::string test_name(const ::testing::TestParamInfo<Case>& info)
{
    std::string name = std::to_string(info.index) + "_";
    for (const char ch : info.param.name) {
        if (std::isalnum(static_cast<unsigned char>(ch)) != 0)
            name += ch;
        else if (name.back() != '_')
            name += '_';
    }
    while (name.back() == '_')
        name.pop_back();
    return name;
}

}  // namespace moatmq::test::conformance
