// Every control packet type, in MQTT 3.1, 3.1.1 and 5.0, as a hand-checked byte vector that is checked
// in all three directions: decode(bytes) gives the packet, encode(packet) gives exactly the bytes, and
// the bytes fed to a StreamDecoder one at a time give the packet only once its last byte is in.
// Each vector's comment counts its Remaining Length; section numbers are the 5.0 specification's
// (3.1.1 uses the same numbers for the same packets).
#include <gtest/gtest.h>

#include <functional>

#include "codec_test_support.hpp"

namespace moatmq::codec::test {
namespace {

constexpr auto v31 = ProtocolVersion::v31;
constexpr auto v311 = ProtocolVersion::v311;
constexpr auto v5 = ProtocolVersion::v5;
constexpr auto client = Sender::client;
constexpr auto server = Sender::server;

struct Vector {
    const char* name;
    ProtocolVersion version;
    Sender sender;
    const char* bytes;
    std::function<Packet()> packet;
};

template <class Ack>
Ack ack(std::uint16_t id, ReasonCode reason, Properties properties = {})
{
    Ack a;
    a.packet_id = id;
    a.reason = reason;
    a.properties = std::move(properties);
    return a;
}

Publish publish(std::string topic, QoS qos, std::uint16_t id, std::string payload)
{
    Publish p = make_publish(std::move(topic), to_bytes(payload));
    p.qos = qos;
    p.packet_id = id;
    return p;
}

// §3.1: "c1", will "w"/"bye" QoS 1 retained, user "u", password "p", keep alive 10 (flags 0xEE).
Connect full_connect(ProtocolVersion version)
{
    Connect c;
    c.version = version;
    c.keep_alive = 10;
    c.client_id = "c1";
    Will& w = c.will.emplace();
    w.topic = "w";
    w.payload = to_bytes("bye");
    w.qos = QoS::at_least_once;
    w.retain = true;
    c.username = "u";
    c.password = to_bytes("p");
    return c;
}

Properties user_property()
{
    Properties p;
    p.user_properties = {{"k", "v"}};
    return p;
}

const Vector kVectors[] = {
    // ---- MQTT 3.1 (protocol name "MQIsdp", level 3); the other packets are those of 3.1.1.
    // 8 name + 1 level + 1 flags + 2 keep alive + 4 "c1" + 3 "w" + 5 "bye" + 3 "u" + 3 "p" = 30
    {"CONNECT 3.1", v31, client,
     "10 1e 00 06 4d 51 49 73 64 70 03 ee 00 0a 00 02 63 31 00 01 77 00 03 62 79 65 00 01 75 00 01 70",
     [] { return Packet{full_connect(v31)}; }},
    // 5 topic "a/b" + 2 packet id + 2 payload = 9
    {"PUBLISH QoS 1 3.1", v31, client, "32 09 00 03 61 2f 62 00 07 68 69",
     [] { return Packet{publish("a/b", QoS::at_least_once, 7, "hi")}; }},

    // ---- MQTT 3.1.1
    // 6 "MQTT" + 1 + 1 + 2 + 18 of payload = 28 (§3.1)
    {"CONNECT 3.1.1", v311, client,
     "10 1c 00 04 4d 51 54 54 04 ee 00 0a 00 02 63 31 00 01 77 00 03 62 79 65 00 01 75 00 01 70",
     [] { return Packet{full_connect(v311)}; }},
    // §3.2: session present, return code 0
    {"CONNACK accepted 3.1.1", v311, server, "20 02 01 00",
     [] {
         Connack c;
         c.session_present = true;
         return Packet{c};
     }},
    // return code 5, not authorized
    {"CONNACK refused 3.1.1", v311, server, "20 02 00 05",
     [] {
         Connack c;
         c.reason = ReasonCode::NotAuthorized;
         return Packet{c};
     }},
    // §3.3: QoS 0, no packet id: 5 topic + 2 payload = 7
    {"PUBLISH QoS 0 3.1.1", v311, client, "30 07 00 03 61 2f 62 68 69",
     [] { return Packet{publish("a/b", QoS::at_most_once, 0, "hi")}; }},
    // flags DUP 8 | QoS 1 2 | RETAIN 1 = 0xB: 5 + 2 + 2 = 9
    {"PUBLISH QoS 1 DUP RETAIN 3.1.1", v311, client, "3b 09 00 03 61 2f 62 00 07 68 69",
     [] {
         Publish p = publish("a/b", QoS::at_least_once, 7, "hi");
         p.dup = true;
         p.retain = true;
         return Packet{p};
     }},
    // §3.3 QoS 2: 5 + 2 + 0 = 7 (empty payload)
    {"PUBLISH QoS 2 3.1.1", v311, server, "34 07 00 03 61 2f 62 01 00",
     [] { return Packet{publish("a/b", QoS::exactly_once, 256, "")}; }},
    // §3.4-3.7: packet id only; PUBREL's flags are 0010
    {"PUBACK 3.1.1", v311, client, "40 02 00 0a",
     [] { return Packet{ack<Puback>(10, ReasonCode::Success)}; }},
    {"PUBREC 3.1.1", v311, server, "50 02 00 0a",
     [] { return Packet{ack<Pubrec>(10, ReasonCode::Success)}; }},
    {"PUBREL 3.1.1", v311, client, "62 02 00 0a",
     [] { return Packet{ack<Pubrel>(10, ReasonCode::Success)}; }},
    {"PUBCOMP 3.1.1", v311, server, "70 02 00 0a",
     [] { return Packet{ack<Pubcomp>(10, ReasonCode::Success)}; }},
    // §3.8: flags 0010; 2 id + (5 "a/b" + 1 QoS 0) + (3 "#" + 1 QoS 2) = 12
    {"SUBSCRIBE 3.1.1", v311, client, "82 0c 00 02 00 03 61 2f 62 00 00 01 23 02",
     [] {
         Subscribe s;
         s.packet_id = 2;
         s.subscriptions = {{"a/b", {}}, {"#", {QoS::exactly_once}}};
         return Packet{s};
     }},
    // §3.9: 2 id + return codes 0, 2 and 0x80 (failure) = 5
    {"SUBACK 3.1.1", v311, server, "90 05 00 02 00 02 80",
     [] {
         Suback s;
         s.packet_id = 2;
         s.reasons = {ReasonCode::Success, ReasonCode::GrantedQoS2, ReasonCode::UnspecifiedError};
         return Packet{s};
     }},
    // §3.10: flags 0010; 2 id + 5 "a/b" = 7
    {"UNSUBSCRIBE 3.1.1", v311, client, "a2 07 00 01 00 03 61 2f 62",
     [] {
         Unsubscribe u;
         u.packet_id = 1;
         u.filters = {"a/b"};
         return Packet{u};
     }},
    // §3.11: packet id only
    {"UNSUBACK 3.1.1", v311, server, "b0 02 00 01",
     [] {
         Unsuback u;
         u.packet_id = 1;
         return Packet{u};
     }},
    {"PINGREQ 3.1.1", v311, client, "c0 00", [] { return Packet{Pingreq{}}; }},
    {"PINGRESP 3.1.1", v311, server, "d0 00", [] { return Packet{Pingresp{}}; }},
    {"DISCONNECT 3.1.1", v311, client, "e0 00", [] { return Packet{Disconnect{}}; }},

    // ---- MQTT 5.0
    // §3.1: flags 0x86 (user name, will, clean start). 6 + 1 + 1 + 2 + properties (1 + 5 Session
    // Expiry 120 + 3 Receive Maximum 10) + 3 "c" + will properties (1 + 5 Will Delay 5) + 3 "t"
    // + 3 "x" + 3 "u" = 37
    {"CONNECT 5.0", v5, client,
     "10 25 00 04 4d 51 54 54 05 86 00 3c 08 11 00 00 00 78 21 00 0a 00 01 63 05 18 00 00 00 05 00 01 74"
     " 00 01 78 00 01 75",
     [] {
         Connect c;
         c.client_id = "c";
         c.properties.session_expiry_interval = 120;
         c.properties.receive_maximum = 10;
         Will& w = c.will.emplace();
         w.topic = "t";
         w.payload = to_bytes("x");
         w.properties.will_delay_interval = 5;
         c.username = "u";
         return Packet{c};
     }},
    // §3.1.2.9: 5.0 allows a password without a user name (flags 0x42). 10 + 1 + 3 "a" + 4 "pw" = 18
    {"CONNECT password only 5.0", v5, client, "10 12 00 04 4d 51 54 54 05 42 00 3c 00 00 01 61 00 02 70 77",
     [] {
         Connect c;
         c.client_id = "a";
         c.password = to_bytes("pw");
         return Packet{c};
     }},
    // §3.2: 2 + properties (1 + 5 Assigned Client Identifier "id" + 3 Topic Alias Maximum 10
    // + 2 Maximum QoS 1) = 13
    {"CONNACK 5.0", v5, server, "20 0d 01 00 0a 12 00 02 69 64 22 00 0a 24 01",
     [] {
         Connack c;
         c.session_present = true;
         c.properties.assigned_client_identifier = "id";
         c.properties.topic_alias_maximum = 10;
         c.properties.maximum_qos = 1;
         return Packet{c};
     }},
    // reason 0x87 Not authorized, empty properties: 3
    {"CONNACK refused 5.0", v5, server, "20 03 00 87 00",
     [] {
         Connack c;
         c.reason = ReasonCode::NotAuthorized;
         return Packet{c};
     }},
    // §3.3: QoS 2, 5 "a/b" + 2 id + properties (1 + 3 Topic Alias 5) + 2 "hi" = 13
    {"PUBLISH QoS 2 5.0", v5, client, "34 0d 00 03 61 2f 62 00 07 03 23 00 05 68 69",
     [] {
         Publish p = publish("a/b", QoS::exactly_once, 7, "hi");
         p.properties.topic_alias = 5;
         return Packet{p};
     }},
    // §3.3.2.3.4: empty topic with a Topic Alias: 2 + 4 + 1 = 7
    {"PUBLISH alias only 5.0", v5, client, "30 07 00 00 03 23 00 05 78",
     [] {
         Publish p = publish("", QoS::at_most_once, 0, "x");
         p.properties.topic_alias = 5;
         return Packet{p};
     }},
    // §3.3.4: a server's PUBLISH with two Subscription Identifiers: 3 "a" + 1 + 4 + 2 = 10
    {"PUBLISH subscription identifiers 5.0", v5, server, "30 0a 00 01 61 04 0b 01 0b 02 68 69",
     [] {
         Publish p = publish("a", QoS::at_most_once, 0, "hi");
         p.properties.subscription_identifiers = {1, 2};
         return Packet{p};
     }},
    // §3.4.2.1: Success without properties is the 2-byte short form
    {"PUBACK short 5.0", v5, client, "40 02 00 0a",
     [] { return Packet{ack<Puback>(10, ReasonCode::Success)}; }},
    // §3.4.2.1: a reason without properties omits the Property Length: 3
    {"PUBACK reason 5.0", v5, server, "40 03 00 0a 10",
     [] { return Packet{ack<Puback>(10, ReasonCode::NoMatchingSubscribers)}; }},
    // §3.5: 2 id + 1 reason 0x87 + properties (1 + 5 Reason String "no") = 9
    {"PUBREC reason string 5.0", v5, server, "50 09 00 0a 87 05 1f 00 02 6e 6f",
     [] {
         Properties p;
         p.reason_string = "no";
         return Packet{ack<Pubrec>(10, ReasonCode::NotAuthorized, p)};
     }},
    // §3.6: 0x92 Packet Identifier not found: 3
    {"PUBREL reason 5.0", v5, client, "62 03 00 0a 92",
     [] { return Packet{ack<Pubrel>(10, ReasonCode::PacketIdentifierNotFound)}; }},
    // §3.7: Success with a User Property keeps the reason byte: 2 + 1 + 1 + 7 = 11
    {"PUBCOMP user property 5.0", v5, server, "70 0b 00 0a 00 07 26 00 01 6b 00 01 76",
     [] { return Packet{ack<Pubcomp>(10, ReasonCode::Success, user_property())}; }},
    // §3.8: 2 id + properties (1 + 2 Subscription Identifier 5) + 5 "a/#" + options 0x2D
    // (Retain Handling 2, Retain As Published, No Local, QoS 1) = 11
    {"SUBSCRIBE 5.0", v5, client, "82 0b 00 01 02 0b 05 00 03 61 2f 23 2d",
     [] {
         Subscribe s;
         s.packet_id = 1;
         s.subscriptions = {{"a/#", {QoS::at_least_once, true, true, RetainHandling::dont_send}}};
         s.properties.subscription_identifiers = {5};
         return Packet{s};
     }},
    // §3.9: 2 id + 1 empty properties + reasons 0x00 0x02 0x87 = 6
    {"SUBACK 5.0", v5, server, "90 06 00 01 00 00 02 87",
     [] {
         Suback s;
         s.packet_id = 1;
         s.reasons = {ReasonCode::Success, ReasonCode::GrantedQoS2, ReasonCode::NotAuthorized};
         return Packet{s};
     }},
    // §3.10: 2 id + properties (1 + 7 User Property k=v) + 5 "a/b" = 15
    {"UNSUBSCRIBE 5.0", v5, client, "a2 0f 00 01 07 26 00 01 6b 00 01 76 00 03 61 2f 62",
     [] {
         Unsubscribe u;
         u.packet_id = 1;
         u.filters = {"a/b"};
         u.properties = user_property();
         return Packet{u};
     }},
    // §3.11: 2 id + 1 empty properties + reasons 0x00 0x11 = 5
    {"UNSUBACK 5.0", v5, server, "b0 05 00 01 00 00 11",
     [] {
         Unsuback u;
         u.packet_id = 1;
         u.reasons = {ReasonCode::Success, ReasonCode::NoSubscriptionExisted};
         return Packet{u};
     }},
    {"PINGREQ 5.0", v5, client, "c0 00", [] { return Packet{Pingreq{}}; }},
    {"PINGRESP 5.0", v5, server, "d0 00", [] { return Packet{Pingresp{}}; }},
    // §3.14.2.1: Normal Disconnection without properties has Remaining Length 0
    {"DISCONNECT normal 5.0", v5, client, "e0 00", [] { return Packet{Disconnect{}}; }},
    // a client's DISCONNECT with Session Expiry 10: 1 reason + 1 + 5 = 7
    {"DISCONNECT session expiry 5.0", v5, client, "e0 07 00 05 11 00 00 00 0a",
     [] {
         Disconnect d;
         d.properties.session_expiry_interval = 10;
         return Packet{d};
     }},
    // a server's DISCONNECT 0x8B Server shutting down, no properties: 1
    {"DISCONNECT server 5.0", v5, server, "e0 01 8b",
     [] {
         return Packet{Disconnect{ReasonCode::ServerShuttingDown, {}}};
     }},
    // §3.15.2.1: Success without properties has Remaining Length 0
    {"AUTH success 5.0", v5, server, "f0 00", [] { return Packet{Auth{}}; }},
    // §3.15: 0x18 Continue authentication + properties (1 + 8 Method "SCRAM" + 4 Data "z") = 14
    {"AUTH continue 5.0", v5, client, "f0 0e 18 0c 15 00 05 53 43 52 41 4d 16 00 01 7a",
     [] {
         Auth a{ReasonCode::ContinueAuthentication, {}};
         a.properties.authentication_method = "SCRAM";
         a.properties.authentication_data = to_bytes("z");
         return Packet{a};
     }},
};

TEST(PacketVectors, DecodeGivesThePacket)
{
    for (const auto& v : kVectors) {
        SCOPED_TRACE(v.name);
        const Bytes bytes = hex(v.bytes);
        auto decoded = decode(bytes, opts(v.version, v.sender));
        ASSERT_TRUE(decoded) << decoded.error().message();
        EXPECT_EQ(decoded->consumed, bytes.size());
        EXPECT_EQ(decoded->packet, v.packet());
    }
}

TEST(PacketVectors, EncodeGivesExactlyTheBytes)
{
    for (const auto& v : kVectors) {
        SCOPED_TRACE(v.name);
        Bytes out;
        auto n = encode(v.packet(), v.version, out);
        ASSERT_TRUE(n) << n.error().message();
        EXPECT_EQ(to_hex(out), to_hex(hex(v.bytes)));
        EXPECT_EQ(encoded_size(v.packet(), v.version), out.size());
    }
}

TEST(PacketVectors, OneByteAtATimeGivesThePacketOnlyAtItsLastByte)
{
    for (const auto& v : kVectors) {
        SCOPED_TRACE(v.name);
        const Bytes bytes = hex(v.bytes);
        StreamDecoder decoder(opts(v.version, v.sender));
        for (std::size_t i = 0; i + 1 < bytes.size(); ++i) {
            decoder.feed(ByteView{bytes}.subspan(i, 1));
            auto next = decoder.next();
            ASSERT_TRUE(next) << "byte " << i << ": " << next.error().message();
            ASSERT_FALSE(next->has_value()) << "a packet before its last byte, at byte " << i;
            EXPECT_EQ(decoder.buffered(), i + 1);
        }
        decoder.feed(ByteView{bytes}.last(1));
        auto last = decoder.next();
        ASSERT_TRUE(last) << last.error().message();
        ASSERT_TRUE(last->has_value());
        EXPECT_EQ(**last, v.packet());
        EXPECT_EQ(decoder.buffered(), 0u);
    }
}

// Every type of one version back to back, one byte at a time, through one decoder: each packet comes
// out whole and in order, whatever precedes it in the buffer.
TEST(PacketVectors, AllOfAVersionBackToBackOneByteAtATime)
{
    for (const auto version : {v311, v5}) {
        for (const auto sender : {client, server}) {
            SCOPED_TRACE(static_cast<int>(version) * 10 + static_cast<int>(sender));
            Bytes all;
            std::vector<Packet> expected;
            for (const auto& v : kVectors) {
                if (v.version != version || v.sender != sender) continue;
                const Bytes b = hex(v.bytes);
                all.insert(all.end(), b.begin(), b.end());
                expected.push_back(v.packet());
            }
            StreamDecoder decoder(opts(version, sender));
            std::vector<Packet> got;
            for (std::size_t i = 0; i < all.size(); ++i) {
                decoder.feed(ByteView{all}.subspan(i, 1));
                auto next = decoder.next();
                ASSERT_TRUE(next) << next.error().message();
                if (*next) got.push_back(std::move(**next));
            }
            EXPECT_EQ(got, expected);
        }
    }
}

// The vectors cover every packet type in 3.1.1 (all but AUTH) and in 5.0.
TEST(PacketVectors, CoverEveryPacketTypeInEachVersion)
{
    for (const auto version : {v311, v5}) {
        std::uint32_t seen = 0;
        for (const auto& v : kVectors) {
            if (v.version == version) seen |= 1u << static_cast<unsigned>(packet_type(v.packet()));
        }
        const unsigned last = version == v5 ? 15 : 14;
        for (unsigned t = 1; t <= last; ++t)
            EXPECT_NE(seen & (1u << t), 0u)
                << "no vector of type " << t << " for version " << static_cast<int>(version);
    }
}

}  // namespace
}  // namespace moatmq::codec::test
