// Issue 2's list of validation rules, one row per rule and protocol version, each a hand-checked
// malformed packet: the decoder must report that rule (the CodecError), and for MQTT 5 the reason
// code to send (§4.13: CONNACK or DISCONNECT with it, then close). MQTT 3.1.1 has no reason codes: the
// receiver closes the connection [MQTT-4.8.0-1] (a CONNECT with an unsupported level first gets
// CONNACK return code 1 [MQTT-3.1.2-2]). The per-packet test files hold more cases of each rule.
#include <gtest/gtest.h>

#include "codec_test_support.hpp"

namespace moatmq::codec::test {
namespace {

struct Rule {
    const char* rule;
    ProtocolVersion version;
    const char* bytes;
    CodecError error;
    ReasonCode reason;  // what a 5.0 receiver sends; for 3.1.1 rows, what reason_code() maps to
    std::uint32_t max_packet_size = kMaxRemainingLength + 5;
};

constexpr auto v311 = ProtocolVersion::v311;
constexpr auto v5 = ProtocolVersion::v5;
using E = CodecError;
using R = ReasonCode;

const Rule kRules[] = {
    // Reserved flag bits: PUBREL's flags must be 0010 [MQTT-3.6.1-1] [MQTT-2.1.3-1].
    {"reserved flags", v311, "60 02 00 01", E::reserved_flags, R::MalformedPacket},
    {"reserved flags", v5, "60 02 00 01", E::reserved_flags, R::MalformedPacket},
    // Remaining Length in more than 4 bytes (§1.5.5).
    {"remaining length over 4 bytes", v311, "30 ff ff ff ff 01", E::remaining_length_invalid,
     R::MalformedPacket},
    {"remaining length over 4 bytes", v5, "30 ff ff ff ff 01", E::remaining_length_invalid,
     R::MalformedPacket},
    // Remaining Length over the limit: 15 + 2 header bytes > 16, refused from the header alone.
    {"remaining length over the limit", v311, "30 0f", E::packet_too_large, R::PacketTooLarge, 16},
    {"remaining length over the limit", v5, "30 0f", E::packet_too_large, R::PacketTooLarge, 16},
    // Ill-formed UTF-8 (an overlong C0 AF) in the topic [MQTT-1.5.4-1].
    {"invalid UTF-8", v311, "30 04 00 02 c0 af", E::invalid_utf8, R::MalformedPacket},
    {"invalid UTF-8", v5, "30 05 00 02 c0 af 00", E::invalid_utf8, R::MalformedPacket},
    // U+0000 in the topic [MQTT-1.5.4-2].
    {"U+0000", v311, "30 04 00 02 61 00", E::null_character, R::MalformedPacket},
    {"U+0000", v5, "30 05 00 02 61 00 00", E::null_character, R::MalformedPacket},
    // A wildcard in a topic name, "a/#" [MQTT-3.3.2-2].
    {"wildcard in a topic name", v311, "30 05 00 03 61 2f 23", E::topic_name_invalid, R::TopicNameInvalid},
    {"wildcard in a topic name", v5, "30 06 00 03 61 2f 23 00", E::topic_name_invalid, R::TopicNameInvalid},
    // Topic filter "a/#/b": '#' not last [MQTT-4.7.1-1].
    {"filter a/#/b", v311, "82 0a 00 01 00 05 61 2f 23 2f 62 00", E::topic_filter_invalid,
     R::MalformedPacket},
    {"filter a/#/b", v5, "82 0b 00 01 00 00 05 61 2f 23 2f 62 00", E::topic_filter_invalid,
     R::MalformedPacket},
    // Topic filter "a+": '+' not a whole level [MQTT-4.7.1-2].
    {"filter a+", v311, "82 07 00 01 00 02 61 2b 00", E::topic_filter_invalid, R::MalformedPacket},
    {"filter a+", v5, "82 08 00 01 00 00 02 61 2b 00", E::topic_filter_invalid, R::MalformedPacket},
    // Two Topic Aliases in one PUBLISH (§3.3.2.3.4: "more than once" is a Protocol Error).
    {"duplicate property", v5, "30 0a 00 01 61 06 23 00 01 23 00 02", E::property_duplicate,
     R::ProtocolError},
    // Session Expiry Interval in a PUBLISH: not valid for the packet type (§2.2.2.2).
    {"property not allowed", v5, "30 09 00 01 61 05 11 00 00 00 01", E::property_not_allowed,
     R::MalformedPacket},
    // Packet identifier 0 in a QoS 1 PUBLISH [MQTT-2.2.1-3].
    {"packet id 0", v311, "32 07 00 03 61 2f 62 00 00", E::packet_id_zero, R::ProtocolError},
    {"packet id 0", v5, "32 08 00 03 61 2f 62 00 00 00", E::packet_id_zero, R::ProtocolError},
    // QoS 3 in PUBLISH [MQTT-3.3.1-4] and in subscription options [MQTT-3.8.3-4].
    {"QoS 3 in PUBLISH", v311, "36 07 00 03 61 2f 62 00 01", E::invalid_qos, R::MalformedPacket},
    {"QoS 3 in PUBLISH", v5, "36 08 00 03 61 2f 62 00 01 00", E::invalid_qos, R::MalformedPacket},
    {"QoS 3 in SUBSCRIBE", v311, "82 06 00 01 00 01 61 03", E::invalid_qos, R::MalformedPacket},
    {"QoS 3 in SUBSCRIBE", v5, "82 07 00 01 00 00 01 61 03", E::invalid_qos, R::MalformedPacket},
    // Will QoS 1 (flags 0x0A) without the Will Flag [MQTT-3.1.2-11] (3.1.1: [MQTT-3.1.2-13]).
    {"will flags inconsistent", v311, "10 0d 00 04 4d 51 54 54 04 0a 00 3c 00 01 61",
     E::will_flags_inconsistent, R::MalformedPacket},
    {"will flags inconsistent", v5, "10 0e 00 04 4d 51 54 54 05 0a 00 3c 00 00 01 61",
     E::will_flags_inconsistent, R::MalformedPacket},
    // Protocol name "MQTX" [MQTT-3.1.2-1].
    {"protocol name unsupported", v311, "10 0d 00 04 4d 51 54 58 04 02 00 3c 00 01 61",
     E::invalid_protocol_name, R::UnsupportedProtocolVersion},
    {"protocol name unsupported", v5, "10 0e 00 04 4d 51 54 58 05 02 00 3c 00 00 01 61",
     E::invalid_protocol_name, R::UnsupportedProtocolVersion},
    // Protocol level 6 [MQTT-3.1.2-2].
    {"protocol level unsupported", v311, "10 0d 00 04 4d 51 54 54 06 02 00 3c 00 01 61",
     E::unsupported_protocol_version, R::UnsupportedProtocolVersion},
};

TEST(ValidationRules, EachRuleIsReportedWithTheSpecsOutcome)
{
    for (const auto& r : kRules) {
        SCOPED_TRACE(std::string(r.rule) + (r.version == v5 ? " (5.0)" : " (3.1.1)"));
        DecodeOptions o = opts(r.version, Sender::client);
        o.max_packet_size = r.max_packet_size;
        EXPECT_EQ(decode_error(hex(r.bytes), o), r.error);
        EXPECT_EQ(reason_code(r.error), r.reason);
        EXPECT_NE(make_error_code(r.error).message(), "unknown codec error");
        // The same through a StreamDecoder fed one byte at a time: the same rule, at the packet's end
        // at the latest (from the header alone for what the header decides).
        StreamDecoder decoder(o);
        const Bytes bytes = hex(r.bytes);
        error_code error;
        for (std::size_t i = 0; i < bytes.size() && !error; ++i) {
            decoder.feed(ByteView{bytes}.subspan(i, 1));
            auto next = decoder.next();
            if (!next)
                error = next.error();
            else
                EXPECT_FALSE(next->has_value());
        }
        EXPECT_EQ(error, make_error_code(r.error));
    }
}

// 3.1.1's one answer before the close: an unsupported protocol level gets CONNACK return code 1
// [MQTT-3.1.2-2], and a refused client identifier return code 2 [MQTT-3.1.3-9], both from the same
// reason code as 5.0's.
TEST(ValidationRules, ConnectRefusalsMapToThe311ReturnCodes)
{
    EXPECT_EQ(to_connect_return_code(reason_code(E::unsupported_protocol_version)),
              ConnectReturnCode311::UnacceptableProtocolVersion);
    EXPECT_EQ(to_connect_return_code(reason_code(E::client_id_invalid)),
              ConnectReturnCode311::IdentifierRejected);
    // 3.1.1: a client id of zero bytes with Clean Session 0 [MQTT-3.1.3-8].
    EXPECT_EQ(decode_error(hex("10 0c 00 04 4d 51 54 54 04 00 00 3c 00 00"), v311_from_client()),
              E::client_id_invalid);
}

}  // namespace
}  // namespace moatmq::codec::test
