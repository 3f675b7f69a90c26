// MQTT conformance: one row per normative statement of MQTT 3.1.1 / 5.0, sent as raw bytes over loopback
// to the real moatmq broker, which must answer with exactly the expected packets (a CONNACK or SUBACK
// with the reason code, a 5.0 DISCONNECT with the reason code) and close the connection where the spec
// says so. Rows are named by the statement, e.g. "SUBSCRIBE qos=3 [MQTT-3.8.3-4]".
//
// Where the spec lets the server choose between reason codes (or between a SUBACK and a DISCONNECT),
// the row lists each acceptable answer; where it names one, the row names only that one. A failing row is a
// broker deviation, never loosened here.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <sstream>

#include "broker_process.hpp"
#include "mqtt_bytes.hpp"
#include "raw_client.hpp"

namespace moatmq::test {
namespace {

using namespace bytes;

// The limits the rows rely on (packet size, Receive Maximum, Topic Alias Maximum, client id length).
constexpr std::uint32_t kMaxPacketSize = 1024;
constexpr const char* kLimits =
    "[limits]\n"
    "max_packet_size = 1024\n"
    "receive_maximum = 2\n"
    "topic_alias_maximum = 2\n"
    "max_client_id_length = 23\n";

// One expected packet from the broker. The body must be `head` (its last byte may instead be any of
// `or_codes`), then, when `tail` is set (5.0 packets with properties), a property block of any content
// and then exactly `tail`; a property block may be left out when `tail` is empty, as the spec allows.
// `any_body` checks the first byte only.
struct Reply {
    std::uint8_t first = 0;
    Bytes head;
    std::optional<Bytes> tail;
    std::vector<std::uint8_t> or_codes;
    bool any_body = false;
};

Reply exact(std::uint8_t first, Bytes body)
{
    return Reply{first, std::move(body), std::nullopt, {}, false};
}
// 5.0 CONNACK refusing with `code` (Session Present 0), properties of any content.
Reply connack5(std::uint8_t code)
{
    return Reply{0x20, {0x00, code}, Bytes{}, {}, false};
}
// 5.0 DISCONNECT with `code` (or one of `or_codes`), properties of any content.
Reply disconnect5(std::uint8_t code, std::vector<std::uint8_t> or_codes = {})
{
    return Reply{0xE0, {code}, Bytes{}, std::move(or_codes), false};
}
// 5.0 SUBACK for packet id 1 with the given reason codes.
Reply suback5(Bytes codes)
{
    return Reply{0x90, {0x00, 0x01}, std::move(codes), {}, false};
}
Reply any_of_type(std::uint8_t first)
{
    return Reply{first, {}, std::nullopt, {}, true};
}

std::string hex(const Bytes& data)
{
    std::ostringstream out;
    for (const auto byte : data)
        out << std::hex << (byte < 16 ? "0" : "") << int{byte} << ' ';
    return out.str();
}

// Empty when `packet` matches `reply`, else what differs.
std::string mismatch(const Packet& packet, const Reply& reply)
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
    if (at == body.size() && reply.tail->empty()) return {};  // property block left out
    std::uint32_t length = 0;
    std::uint32_t multiplier = 1;
    for (int i = 0; i < 4 && at < body.size(); ++i) {
        const auto byte = body[at++];
        length += (byte & 0x7Fu) * multiplier;
        multiplier *= 128;
        if ((byte & 0x80) == 0) break;
    }
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

Case either(Case c, std::vector<Reply> or_replies, bool or_closes)
{
    c.or_replies = std::move(or_replies);
    c.or_closes = or_closes;
    return c;
}

void PrintTo(const Case& c, std::ostream* out)
{
    *out << c.name;
}

// Sends the case's bytes to `broker` on a fresh connection and checks the answer.
void run_case(BrokerProcess& broker, const Case& c)
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
// A broker that turns the optional 5.0 features off (announced in CONNACK, enforced on use).
struct FeaturesOff {
    static constexpr const char* text =
        "[limits]\n"
        "max_qos = 1\n"
        "retain_available = false\n"
        "wildcard_subscription_available = false\n"
        "subscription_identifier_available = false\n"
        "shared_subscription_available = false\n";
};

class Conformance : public BrokerSuite<DefaultLimits> {};
class ConformanceFeaturesOff : public BrokerSuite<FeaturesOff> {};

TEST_P(Conformance, BrokerAnswersAsTheSpecSays)
{
    ASSERT_TRUE(broker_);
    run_case(*broker_, GetParam());
}

TEST_P(ConformanceFeaturesOff, BrokerAnswersAsTheSpecSays)
{
    ASSERT_TRUE(broker_);
    run_case(*broker_, GetParam());
}

// Helpers for the rows.
const Bytes kPingreqBytes{0xC0, 0x00};
Bytes prop_byte(std::uint8_t id, std::uint8_t value)
{
    return {id, value};
}
Bytes prop_u16(std::uint8_t id, std::uint16_t value)
{
    return cat({Bytes{id}, u16(value)});
}
Bytes subscribe311(std::uint16_t packet_id, std::string_view filter, std::uint8_t qos)
{
    return packet(0x82, cat({u16(packet_id), str(filter), Bytes{qos}}));
}
Bytes publish311(std::string_view topic, std::uint8_t flags, std::uint16_t packet_id = 0)
{
    auto body = str(topic);
    if ((flags & 0x06) != 0) body = cat({body, u16(packet_id)});
    body = cat({body, Bytes{'x'}});
    return packet(static_cast<std::uint8_t>(0x30 | flags), body);
}
// Three QoS 2 PUBLISHes without PUBREL: one more than the broker's Receive Maximum of 2.
Bytes three_qos2_publishes()
{
    return cat(
        {publish5("rm/t", "1", 0x04, 1), publish5("rm/t", "2", 0x04, 2), publish5("rm/t", "3", 0x04, 3)});
}

std::vector<Case> cases()
{
    const std::string long_id(24, 'x');  // one over max_client_id_length
    const std::string big_payload(kMaxPacketSize, 'p');
    return {
        // ---- CONNECT ----
        {"CONNECT 3.1.1 protocol name MQTX closes [MQTT-3.1.2-1]",
         Session::none,
         packet(0x10, cat({str("MQTX"), Bytes{0x04, 0x02}, u16(60), str("c")})),
         {},
         true},
        {"CONNECT 5.0 protocol name MQTX CONNACK 0x84 [MQTT-3.1.2-1]",
         Session::none,
         packet(0x10, cat({str("MQTX"), Bytes{0x05, 0x02}, u16(60), props(), str("c")})),
         {connack5(0x84)},
         true},
        {"CONNECT protocol level 6 CONNACK rc 1 [MQTT-3.1.2-2]",
         Session::none,
         packet(0x10, cat({str("MQTT"), Bytes{0x06, 0x02}, u16(60), str("c")})),
         {exact(0x20, {0x00, 0x01})},
         true},
        {"CONNECT 3.1.1 reserved flag set closes [MQTT-3.1.2-3]",
         Session::none,
         connect311("c", 0x03),
         {},
         true},
        {"CONNECT 5.0 reserved flag set CONNACK 0x81 [MQTT-3.1.2-3]",
         Session::none,
         connect5("c", 0x03),
         {connack5(0x81)},
         true},
        {"CONNECT 3.1.1 second CONNECT closes [MQTT-3.1.0-2]", Session::v311, connect311("again"), {}, true},
        {"CONNECT 5.0 second CONNECT DISCONNECT 0x82 [MQTT-3.1.0-2]",
         Session::v5,
         connect5("again"),
         {disconnect5(0x82)},
         true},
        {"PINGREQ before CONNECT closes [MQTT-3.1.0-1]", Session::none, kPingreqBytes, {}, true},
        {"SUBSCRIBE before CONNECT closes [MQTT-3.1.0-1]", Session::none, subscribe311(1, "a", 0), {}, true},
        {"CONNECT 3.1.1 will flag 0 with will QoS 1 closes [MQTT-3.1.2-11]",
         Session::none,
         connect311("c", 0x0A),
         {},
         true},
        {"CONNECT 3.1.1 will QoS 3 closes [MQTT-3.1.2-14]",
         Session::none,
         connect311("c", 0x1E, 60, cat({str("w"), str("m")})),
         {},
         true},
        {"CONNECT 3.1.1 will retain without will flag closes [MQTT-3.1.2-15]",
         Session::none,
         connect311("c", 0x22),
         {},
         true},
        {"CONNECT 5.0 will QoS 3 CONNACK 0x81 [MQTT-3.1.2-12]",
         Session::none,
         connect5("c", 0x1E, 60, {}, cat({props(), str("w"), str("m")})),
         {connack5(0x81)},
         true},
        {"CONNECT 5.0 will retain without will flag CONNACK 0x81 [MQTT-3.1.2-13]",
         Session::none,
         connect5("c", 0x22),
         {connack5(0x81)},
         true},
        {"CONNECT 3.1.1 password without user name closes [MQTT-3.1.2-22]",
         Session::none,
         connect311("c", 0x42, 60, str("secret")),
         {},
         true},
        {"CONNECT 3.1.1 empty client id without clean session CONNACK rc 2 [MQTT-3.1.3-8]",
         Session::none,
         connect311("", 0x00),
         {exact(0x20, {0x00, 0x02})},
         true},
        {"CONNECT 3.1.1 client id over the broker's maximum CONNACK rc 2 [MQTT-3.1.3-5]",
         Session::none,
         connect311(long_id),
         {exact(0x20, {0x00, 0x02})},
         true},
        {"CONNECT 5.0 client id over the broker's maximum CONNACK 0x85 [MQTT-3.1.3-5]",
         Session::none,
         connect5(long_id),
         {connack5(0x85)},
         true},
        {"CONNECT 3.1.1 client id invalid UTF-8 closes [MQTT-1.5.3-1]",
         Session::none,
         connect311("c\xC0\xAF"),
         {},
         true},
        {"CONNECT 5.0 duplicate Session Expiry Interval CONNACK 0x82 [MQTT-2.2.2-2]",
         Session::none,
         connect5("c", 0x02, 60, cat({Bytes{0x11}, u32(10), Bytes{0x11}, u32(20)})),
         {connack5(0x82)},
         true},
        {"CONNECT 5.0 Topic Alias property not allowed CONNACK 0x81 [MQTT-2.2.2-2]",
         Session::none,
         connect5("c", 0x02, 60, prop_u16(0x23, 1)),
         {connack5(0x81)},
         true},
        {"CONNECT 5.0 Receive Maximum 0 CONNACK 0x82 [MQTT-3.1.2.11.3]",
         Session::none,
         connect5("c", 0x02, 60, prop_u16(0x21, 0)),
         {connack5(0x82)},
         true},

        // ---- fixed header ----
        {"remaining length of 5 bytes closes (3.1.1) [MQTT-2.2.3]",
         Session::v311,
         Bytes{0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01},
         {},
         true},
        {"remaining length of 5 bytes DISCONNECT 0x81 [MQTT-1.5.5]",
         Session::v5,
         Bytes{0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01},
         {disconnect5(0x81)},
         true},
        {"SUBSCRIBE flags 0000 closes [MQTT-3.8.1-1]",
         Session::v311,
         packet(0x80, cat({u16(1), str("a"), Bytes{0}})),
         {},
         true},
        {"UNSUBSCRIBE flags 0000 closes [MQTT-3.10.1-1]",
         Session::v311,
         packet(0xA0, cat({u16(1), str("a")})),
         {},
         true},
        {"PUBREL flags 0000 closes [MQTT-3.6.1-1]", Session::v311, packet(0x60, u16(1)), {}, true},
        {"PUBACK flags 0010 closes [MQTT-2.2.2-2]", Session::v311, packet(0x42, u16(1)), {}, true},
        {"PINGREQ flags 0001 closes [MQTT-2.2.2-2]", Session::v311, Bytes{0xC1, 0x00}, {}, true},
        {"DISCONNECT flags 0001 closes [MQTT-2.2.2-2]", Session::v311, Bytes{0xE1, 0x00}, {}, true},
        {"SUBSCRIBE 5.0 flags 0000 DISCONNECT 0x81 [MQTT-2.1.3-1]",
         Session::v5,
         packet(0x80, cat({u16(1), props(), str("a"), Bytes{0}})),
         {disconnect5(0x81)},
         true},
        {"reserved packet type 15 closes (3.1.1) [MQTT-2.2.1]", Session::v311, Bytes{0xF0, 0x00}, {}, true},

        // ---- PUBLISH ----
        {"PUBLISH 3.1.1 topic invalid UTF-8 closes [MQTT-1.5.3-1]",
         Session::v311,
         publish311("a\xC0\xAF", 0),
         {},
         true},
        {"PUBLISH 5.0 topic invalid UTF-8 DISCONNECT 0x81 [MQTT-1.5.4-1]",
         Session::v5,
         publish5("a\xC0\xAF", "x"),
         {disconnect5(0x81)},
         true},
        {"PUBLISH 5.0 topic with a UTF-16 surrogate DISCONNECT 0x81 [MQTT-1.5.4-1]",
         Session::v5,
         publish5("a\xED\xA0\x80", "x"),
         {disconnect5(0x81)},
         true},
        {"PUBLISH 3.1.1 topic with U+0000 closes [MQTT-1.5.3-2]",
         Session::v311,
         publish311(std::string_view("a\0b", 3), 0),
         {},
         true},
        {"PUBLISH 5.0 topic with U+0000 DISCONNECT 0x81 [MQTT-1.5.4-2]",
         Session::v5,
         publish5(std::string_view("a\0b", 3), "x"),
         {disconnect5(0x81)},
         true},
        {"PUBLISH 3.1.1 topic with + closes [MQTT-3.3.2-2]", Session::v311, publish311("a/+", 0), {}, true},
        {"PUBLISH 5.0 topic with # DISCONNECT 0x90 [MQTT-3.3.2-2]",
         Session::v5,
         publish5("a/#", "x"),
         {disconnect5(0x90)},
         true},
        {"PUBLISH 3.1.1 empty topic closes [MQTT-4.7.3-1]", Session::v311, publish311("", 0), {}, true},
        {"PUBLISH 5.0 empty topic without alias DISCONNECT 0x82 [MQTT-3.3.2-1]",
         Session::v5,
         publish5("", "x"),
         {disconnect5(0x82)},
         true},
        {"PUBLISH 3.1.1 QoS 3 closes [MQTT-3.3.1-4]", Session::v311, publish311("a", 0x06, 1), {}, true},
        {"PUBLISH 5.0 QoS 3 DISCONNECT 0x81 [MQTT-3.3.1-4]",
         Session::v5,
         publish5("a", "x", 0x06, 1),
         {disconnect5(0x81)},
         true},
        {"PUBLISH 3.1.1 DUP on QoS 0 closes [MQTT-3.3.1-2]", Session::v311, publish311("a", 0x08), {}, true},
        {"PUBLISH 5.0 DUP on QoS 0 DISCONNECT 0x81 [MQTT-3.3.1-2]",
         Session::v5,
         publish5("a", "x", 0x08),
         {disconnect5(0x81)},
         true},
        {"PUBLISH 3.1.1 QoS 1 packet id 0 closes [MQTT-2.3.1-1]",
         Session::v311,
         publish311("a", 0x02, 0),
         {},
         true},
        {"PUBLISH 5.0 QoS 1 packet id 0 DISCONNECT 0x81 or 0x82 [MQTT-2.2.1-3]",
         Session::v5,
         publish5("a", "x", 0x02, 0),
         {disconnect5(0x81, {0x82})},
         true},
        {"PUBLISH 3.1.1 QoS 1 PUBACK with its packet id [MQTT-4.3.2-1]",
         Session::v311,
         publish311("ok", 0x02, 7),
         {exact(0x40, {0x00, 0x07})},
         false},
        {"PUBLISH 3.1.1 QoS 2 PUBREC with its packet id [MQTT-4.3.3-1]",
         Session::v311,
         publish311("ok", 0x04, 9),
         {exact(0x50, {0x00, 0x09})},
         false},
        {"PUBLISH 5.0 duplicate Payload Format Indicator DISCONNECT 0x82 [MQTT-2.2.2-2]",
         Session::v5,
         publish5("a", "x", 0, 0, cat({prop_byte(0x01, 1), prop_byte(0x01, 1)})),
         {disconnect5(0x82)},
         true},
        {"PUBLISH 5.0 Session Expiry property not allowed DISCONNECT 0x81 [MQTT-2.2.2-2]",
         Session::v5,
         publish5("a", "x", 0, 0, cat({Bytes{0x11}, u32(5)})),
         {disconnect5(0x81)},
         true},
        {"PUBLISH 5.0 Subscription Identifier from the client DISCONNECT 0x82 or 0x81 [MQTT-3.3.4-6]",
         Session::v5,
         publish5("a", "x", 0, 0, Bytes{0x0B, 0x05}),
         {disconnect5(0x82, {0x81})},
         true},
        {"PUBLISH 5.0 Topic Alias 0 DISCONNECT 0x94 [MQTT-3.3.2-8]",
         Session::v5,
         publish5("a", "x", 0, 0, prop_u16(0x23, 0)),
         {disconnect5(0x94, {0x82})},
         true},
        {"PUBLISH 5.0 Topic Alias over the maximum DISCONNECT 0x94 [MQTT-3.3.2-10]",
         Session::v5,
         publish5("a", "x", 0, 0, prop_u16(0x23, 3)),
         {disconnect5(0x94)},
         true},
        {"PUBLISH 5.0 unknown Topic Alias with empty topic DISCONNECT 0x82 [MQTT-3.3.2.3.4]",
         Session::v5,
         publish5("", "x", 0, 0, prop_u16(0x23, 1)),
         {disconnect5(0x82)},
         true},
        {"PUBLISH 3.1.1 over Maximum Packet Size closes [MQTT-3.1.2-24]",
         Session::v311,
         packet(0x30, cat({str("big"), Bytes(big_payload.begin(), big_payload.end())})),
         {},
         true},
        {"PUBLISH 5.0 over Maximum Packet Size DISCONNECT 0x95 [MQTT-3.2.2-15]",
         Session::v5,
         publish5("big", big_payload),
         {disconnect5(0x95)},
         true},
        {"PUBLISH 5.0 Receive Maximum exceeded DISCONNECT 0x93 [MQTT-3.3.4-9]",
         Session::v5,
         three_qos2_publishes(),
         {any_of_type(0x50), any_of_type(0x50), disconnect5(0x93)},
         true},

        // ---- SUBSCRIBE / UNSUBSCRIBE ----
        {"SUBSCRIBE 3.1.1 grants QoS 0 1 2 [MQTT-3.8.4-1]",
         Session::v311,
         packet(0x82, cat({u16(1), str("a"), Bytes{0}, str("b"), Bytes{1}, str("c/#"), Bytes{2}})),
         {exact(0x90, {0x00, 0x01, 0x00, 0x01, 0x02})},
         false},
        {"SUBSCRIBE 5.0 grants QoS 0 1 2 [MQTT-3.8.4-1]",
         Session::v5,
         packet(0x82, cat({u16(1), props(), str("a"), Bytes{0}, str("b"), Bytes{1}, str("c/#"), Bytes{2}})),
         {suback5({0x00, 0x01, 0x02})},
         false},
        {"SUBSCRIBE 3.1.1 qos=3 closes [MQTT-3.8.3-4]", Session::v311, subscribe311(1, "a", 3), {}, true},
        {"SUBSCRIBE 5.0 qos=3 DISCONNECT 0x81 or 0x82 [MQTT-3.8.3-4]",
         Session::v5,
         subscribe5(1, "a", 3),
         {disconnect5(0x81, {0x82})},
         true},
        {"SUBSCRIBE 3.1.1 reserved option bits closes [MQTT-3.8.3-4]",
         Session::v311,
         subscribe311(1, "a", 0x41),
         {},
         true},
        {"SUBSCRIBE 5.0 reserved option bits DISCONNECT 0x81 [MQTT-3.8.3-5]",
         Session::v5,
         subscribe5(1, "a", 0xC1),
         {disconnect5(0x81)},
         true},
        {"SUBSCRIBE 5.0 retain handling 3 DISCONNECT 0x82 [MQTT-3.8.3-5]",
         Session::v5,
         subscribe5(1, "a", 0x31),
         {disconnect5(0x82, {0x81})},
         true},
        {"SUBSCRIBE 3.1.1 no filters closes [MQTT-3.8.3-3]", Session::v311, packet(0x82, u16(1)), {}, true},
        {"SUBSCRIBE 5.0 no filters DISCONNECT 0x82 [MQTT-3.8.3-2]",
         Session::v5,
         packet(0x82, cat({u16(1), props()})),
         {disconnect5(0x82, {0x81})},
         true},
        {"SUBSCRIBE 3.1.1 packet id 0 closes [MQTT-2.3.1-1]",
         Session::v311,
         subscribe311(0, "a", 0),
         {},
         true},
        {"SUBSCRIBE 3.1.1 filter a/#/b closes [MQTT-4.7.1-2]",
         Session::v311,
         subscribe311(1, "a/#/b", 0),
         {},
         true},
        // A filter breaking the wildcard rules is not "correctly formed", which is what SUBACK and
        // DISCONNECT 0x8F (Topic Filter invalid) are defined for: it is a Malformed Packet (4.13).
        {"SUBSCRIBE 5.0 filter a+/b DISCONNECT 0x81 [MQTT-4.7.1-2]",
         Session::v5,
         subscribe5(1, "a+/b", 0),
         {disconnect5(0x81, {0x82})},
         true},
        {"SUBSCRIBE 5.0 filter a/#/b DISCONNECT 0x81 [MQTT-4.7.1-1]",
         Session::v5,
         subscribe5(1, "a/#/b", 0),
         {disconnect5(0x81, {0x82})},
         true},
        {"SUBSCRIBE 5.0 filter invalid UTF-8 DISCONNECT 0x81 [MQTT-1.5.4-1]",
         Session::v5,
         subscribe5(1, "a\xC0\xAF", 0),
         {disconnect5(0x81)},
         true},
        {"SUBSCRIBE 5.0 No Local on a shared subscription DISCONNECT 0x82 [MQTT-3.8.3-4]",
         Session::v5,
         subscribe5(1, "$share/g/a", 0x04),
         {disconnect5(0x82)},
         true},
        {"SUBSCRIBE 5.0 Subscription Identifier 0 DISCONNECT 0x82 [MQTT-3.8.2.1.2]",
         Session::v5,
         subscribe5(1, "a", 0, Bytes{0x0B, 0x00}),
         {disconnect5(0x82, {0x81})},
         true},
        {"UNSUBSCRIBE 3.1.1 no filters closes [MQTT-3.10.3-2]",
         Session::v311,
         packet(0xA2, u16(1)),
         {},
         true},
        {"UNSUBSCRIBE 5.0 no filters DISCONNECT 0x82 [MQTT-3.10.3-2]",
         Session::v5,
         packet(0xA2, cat({u16(1), props()})),
         {disconnect5(0x82, {0x81})},
         true},
        {"UNSUBSCRIBE 3.1.1 UNSUBACK with its packet id [MQTT-3.10.4-4]",
         Session::v311,
         packet(0xA2, cat({u16(5), str("none")})),
         {exact(0xB0, {0x00, 0x05})},
         false},
        {"UNSUBSCRIBE 5.0 of no subscription UNSUBACK 0x11 [MQTT-3.11.3-1]",
         Session::v5,
         packet(0xA2, cat({u16(5), props(), str("none")})),
         {Reply{0xB0, {0x00, 0x05}, Bytes{0x11}, {}, false}},
         false},

        // ---- more CONNECT ----
        {"CONNECT 3.1 MQIsdp level 3 accepted [MQTT-3.1.2-2]",
         Session::none,
         packet(0x10, cat({str("MQIsdp"), Bytes{0x03, 0x02}, u16(60), str("old")})),
         {exact(0x20, {0x00, 0x00})},
         false},
        {"CONNECT 3.1.1 empty client id with clean session accepted [MQTT-3.1.3-6]",
         Session::none,
         connect311(""),
         {exact(0x20, {0x00, 0x00})},
         false},
        {"CONNECT 3.1.1 user name flag without a user name closes [MQTT-3.1.2-19]",
         Session::none,
         connect311("c", 0x82),
         {},
         true},
        {"CONNECT 5.0 Maximum Packet Size 0 CONNACK 0x82 [MQTT-3.1.2.11.4]",
         Session::none,
         connect5("c", 0x02, 60, cat({Bytes{0x27}, u32(0)})),
         {connack5(0x82)},
         true},
        {"CONNECT 5.0 Request Problem Information 2 CONNACK 0x82 [MQTT-3.1.2.11.7]",
         Session::none,
         connect5("c", 0x02, 60, prop_byte(0x17, 2)),
         {connack5(0x82)},
         true},
        {"CONNECT 5.0 unsupported Authentication Method CONNACK 0x8C or 0x87 [MQTT-4.12.0-1]",
         Session::none,
         connect5("c", 0x02, 60, cat({Bytes{0x15}, str("NOPE-1")})),
         {Reply{0x20, {0x00, 0x8C}, Bytes{}, {0x87}, false}},
         true},
        {"AUTH 5.0 without an Authentication Method in CONNECT DISCONNECT 0x82 [MQTT-4.12]",
         Session::v5,
         packet(0xF0, cat({Bytes{0x18}, props()})),
         {disconnect5(0x82)},
         true},

        // ---- more flows ----
        {"PUBLISH 5.0 Topic Alias set then used is accepted [MQTT-3.3.2-12]",
         Session::v5,
         cat({publish5("alias/t", "x", 0x02, 1, prop_u16(0x23, 1)),
              publish5("", "y", 0x02, 2, prop_u16(0x23, 1))}),
         {Reply{0x40, {0x00, 0x01}, std::nullopt, {}, true},
          Reply{0x40, {0x00, 0x02}, std::nullopt, {}, true}},
         false},
        {"PUBREL 3.1.1 for an unknown packet id PUBCOMP [MQTT-4.3.3-11]",
         Session::v311,
         packet(0x62, u16(5)),
         {exact(0x70, {0x00, 0x05})},
         false},
        {"PUBREL 5.0 for an unknown packet id PUBCOMP 0x92 [MQTT-4.3.3-11]",
         Session::v5,
         packet(0x62, u16(5)),
         {Reply{0x70, {0x00, 0x05, 0x92}, Bytes{}, {}, false}},
         false},
        {"PUBACK 3.1.1 for an unknown packet id is ignored [MQTT-4.3.2]",
         Session::v311,
         packet(0x40, u16(9)),
         {},
         false},
        // ---- others ----
        {"PINGREQ answered with PINGRESP [MQTT-3.12.4-1]",
         Session::v311,
         kPingreqBytes,
         {exact(0xD0, {})},
         false},
        {"DISCONNECT 3.1.1 closes the connection [MQTT-3.14.4-1]",
         Session::v311,
         Bytes{0xE0, 0x00},
         {},
         true},
        {"DISCONNECT 5.0 invalid reason code DISCONNECT 0x81 or 0x82 [MQTT-3.14.2.1]",
         Session::v5,
         packet(0xE0, Bytes{0x03, 0x00}),
         {disconnect5(0x81, {0x82})},
         true},
    };
}

std::vector<Case> features_off_cases()
{
    return {
        {"PUBLISH 5.0 QoS 2 over Maximum QoS 1 DISCONNECT 0x9B [MQTT-3.2.2-11]",
         Session::v5,
         publish5("a", "x", 0x04, 1),
         {disconnect5(0x9B)},
         true},
        {"PUBLISH 3.1.1 QoS 2 over the broker's maximum QoS 1 closes [MQTT-3.2.2-11]",
         Session::v311,
         publish311("a", 0x04, 1),
         {},
         true},
        {"PUBLISH 5.0 retained with Retain Available 0 DISCONNECT 0x9A [MQTT-3.2.2-14]",
         Session::v5,
         publish5("a", "x", 0x01),
         {disconnect5(0x9A)},
         true},
        {"SUBSCRIBE 5.0 QoS 2 granted QoS 1 under Maximum QoS 1 [MQTT-3.2.2-9]",
         Session::v5,
         subscribe5(1, "a", 0x02),
         {suback5({0x01})},
         false},
        either({"SUBSCRIBE 5.0 wildcard with Wildcard Subscription Available 0 0xA2 [MQTT-3.2.2.3.14]",
                Session::v5,
                subscribe5(1, "a/#", 0x01),
                {suback5({0xA2})},
                false},
               {disconnect5(0xA2)}, true),
        either({"SUBSCRIBE 5.0 shared with Shared Subscription Available 0 0x9E [MQTT-3.2.2.3.16]",
                Session::v5,
                subscribe5(1, "$share/g/a", 0x01),
                {suback5({0x9E})},
                false},
               {disconnect5(0x9E)}, true),
        {"SUBSCRIBE 5.0 Subscription Identifier with Subscription Identifiers Available 0 DISCONNECT 0xA1 "
         "[MQTT-3.2.2.3.15]",
         Session::v5,
         subscribe5(1, "a", 0x01, Bytes{0x0B, 0x05}),
         {disconnect5(0xA1)},
         true},
    };
}

std::string test_name(const ::testing::TestParamInfo<Case>& info)
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

INSTANTIATE_TEST_SUITE_P(Mqtt, Conformance, ::testing::ValuesIn(cases()), test_name);
INSTANTIATE_TEST_SUITE_P(Mqtt, ConformanceFeaturesOff, ::testing::ValuesIn(features_off_cases()), test_name);

}  // namespace
}  // namespace moatmq::test
