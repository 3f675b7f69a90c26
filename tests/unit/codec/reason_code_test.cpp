// Reason codes (§2.4), the 3.1.1 CONNACK return codes, and how codec errors map onto them.
#include <gtest/gtest.h>

#include <algorithm>
#include <initializer_list>
#include <iterator>

#include "codec/codec_error.hpp"
#include "codec/protocol.hpp"
#include "codec/reason_code.hpp"
#include "codec_test_support.hpp"

namespace moatmq::codec {
namespace {

using test::hex;
using test::opts;

TEST(ReasonCode, WordsForLogs)
{
    EXPECT_EQ(to_string(ReasonCode::NotAuthorized), "not authorized");
    EXPECT_EQ(to_string(ReasonCode::Success), "success");
    EXPECT_EQ(to_string(ReasonCode::PacketTooLarge), "packet too large");
    EXPECT_EQ(to_string(ReasonCode::WildcardSubscriptionsNotSupported),
              "wildcard subscriptions not supported");
}

TEST(ReasonCode, EveryDefinedCodeHasWords)
{
    int defined = 0;
    for (int v = 0; v < 256; ++v) {
        if (!is_defined(static_cast<std::uint8_t>(v))) continue;
        ++defined;
        EXPECT_NE(to_string(static_cast<ReasonCode>(v)), "unknown reason code") << v;
    }
    EXPECT_EQ(defined, 43);
    EXPECT_FALSE(is_defined(0x03));
    EXPECT_FALSE(is_defined(0xA3));
}

// Table 2-6 (§2.4): all 43 reason codes, by value, with the spec's name (in lower case for logs).
TEST(ReasonCode, EveryCodeHasTheSpecsValueAndName)
{
    using enum ReasonCode;
    const struct {
        ReasonCode code;
        std::uint8_t value;
        std::string_view words;
    } table[] = {
        {Success, 0x00, "success"},
        {GrantedQoS1, 0x01, "granted QoS 1"},
        {GrantedQoS2, 0x02, "granted QoS 2"},
        {DisconnectWithWillMessage, 0x04, "disconnect with will message"},
        {NoMatchingSubscribers, 0x10, "no matching subscribers"},
        {NoSubscriptionExisted, 0x11, "no subscription existed"},
        {ContinueAuthentication, 0x18, "continue authentication"},
        {ReAuthenticate, 0x19, "re-authenticate"},
        {UnspecifiedError, 0x80, "unspecified error"},
        {MalformedPacket, 0x81, "malformed packet"},
        {ProtocolError, 0x82, "protocol error"},
        {ImplementationSpecificError, 0x83, "implementation specific error"},
        {UnsupportedProtocolVersion, 0x84, "unsupported protocol version"},
        {ClientIdentifierNotValid, 0x85, "client identifier not valid"},
        {BadUserNameOrPassword, 0x86, "bad user name or password"},
        {NotAuthorized, 0x87, "not authorized"},
        {ServerUnavailable, 0x88, "server unavailable"},
        {ServerBusy, 0x89, "server busy"},
        {Banned, 0x8A, "banned"},
        {ServerShuttingDown, 0x8B, "server shutting down"},
        {BadAuthenticationMethod, 0x8C, "bad authentication method"},
        {KeepAliveTimeout, 0x8D, "keep alive timeout"},
        {SessionTakenOver, 0x8E, "session taken over"},
        {TopicFilterInvalid, 0x8F, "topic filter invalid"},
        {TopicNameInvalid, 0x90, "topic name invalid"},
        {PacketIdentifierInUse, 0x91, "packet identifier in use"},
        {PacketIdentifierNotFound, 0x92, "packet identifier not found"},
        {ReceiveMaximumExceeded, 0x93, "receive maximum exceeded"},
        {TopicAliasInvalid, 0x94, "topic alias invalid"},
        {PacketTooLarge, 0x95, "packet too large"},
        {MessageRateTooHigh, 0x96, "message rate too high"},
        {QuotaExceeded, 0x97, "quota exceeded"},
        {AdministrativeAction, 0x98, "administrative action"},
        {PayloadFormatInvalid, 0x99, "payload format invalid"},
        {RetainNotSupported, 0x9A, "retain not supported"},
        {QoSNotSupported, 0x9B, "QoS not supported"},
        {UseAnotherServer, 0x9C, "use another server"},
        {ServerMoved, 0x9D, "server moved"},
        {SharedSubscriptionsNotSupported, 0x9E, "shared subscriptions not supported"},
        {ConnectionRateExceeded, 0x9F, "connection rate exceeded"},
        {MaximumConnectTime, 0xA0, "maximum connect time"},
        {SubscriptionIdentifiersNotSupported, 0xA1, "subscription identifiers not supported"},
        {WildcardSubscriptionsNotSupported, 0xA2, "wildcard subscriptions not supported"},
    };
    EXPECT_EQ(std::size(table), 43u);
    for (const auto& row : table) {
        EXPECT_EQ(static_cast<std::uint8_t>(row.code), row.value) << row.words;
        EXPECT_TRUE(is_defined(row.value)) << row.words;
        EXPECT_EQ(to_string(row.code), row.words);
    }
    EXPECT_EQ(NormalDisconnection, Success);  // 0x00 has three names
    EXPECT_EQ(GrantedQoS0, Success);
}

// Which reason codes each 5.0 packet may carry (Tables 3-1, 3-4 to 3-11) and, for DISCONNECT, who
// may send which; every other byte is refused by the decoder. 3.1.1: CONNACK return codes 0-5
// (Table 3.1) and SUBACK return codes 0, 1, 2 and 0x80 [MQTT-3.9.3-2].
TEST(ReasonCode, EachPacketAcceptsExactlyTheCodesOfItsTable)
{
    using V = std::initializer_list<int>;
    const V connack{0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
                    0x8A, 0x8C, 0x90, 0x95, 0x97, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F};
    const V puback{0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99};
    const V pubrel{0x00, 0x92};
    const V suback{0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2};
    const V unsuback{0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91};
    const V disconnect_client{0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x90,
                              0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99};
    const V disconnect_server{0x00, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D, 0x8E,
                              0x8F, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A,
                              0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2};
    const V auth{0x00, 0x18, 0x19};
    const V connack_311{0, 1, 2, 3, 4, 5};
    const V suback_311{0x00, 0x01, 0x02, 0x80};
    const auto v5 = ProtocolVersion::v5;
    const auto v311 = ProtocolVersion::v311;
    const struct {
        const char* name;
        const char* before;  // the packet up to its reason code
        const char* after;   // and after it
        ProtocolVersion version;
        Sender sender;
        V codes;
    } packets[] = {
        {"CONNACK", "20 03 00", "00", v5, Sender::server, connack},
        {"PUBACK", "40 04 00 01", "00", v5, Sender::client, puback},
        {"PUBREC", "50 04 00 01", "00", v5, Sender::server, puback},
        {"PUBREL", "62 04 00 01", "00", v5, Sender::client, pubrel},
        {"PUBCOMP", "70 04 00 01", "00", v5, Sender::server, pubrel},
        {"SUBACK", "90 04 00 01 00", "", v5, Sender::server, suback},
        {"UNSUBACK", "b0 04 00 01 00", "", v5, Sender::server, unsuback},
        {"DISCONNECT from a client", "e0 02", "00", v5, Sender::client, disconnect_client},
        {"DISCONNECT from a server", "e0 02", "00", v5, Sender::server, disconnect_server},
        {"AUTH", "f0 02", "00", v5, Sender::client, auth},
        {"CONNACK 3.1.1", "20 02 00", "", v311, Sender::server, connack_311},
        {"SUBACK 3.1.1", "90 03 00 01", "", v311, Sender::server, suback_311},
    };
    for (const auto& p : packets) {
        for (int code = 0; code < 256; ++code) {
            Bytes bytes = hex(p.before);
            bytes.push_back(static_cast<std::byte>(code));
            const Bytes after = hex(p.after);
            bytes.insert(bytes.end(), after.begin(), after.end());
            const bool listed = std::find(p.codes.begin(), p.codes.end(), code) != p.codes.end();
            auto decoded = decode(bytes, opts(p.version, p.sender));
            if (listed) {
                EXPECT_TRUE(decoded) << p.name << " refused 0x" << std::hex << code;
            } else {
                ASSERT_FALSE(decoded) << p.name << " accepted 0x" << std::hex << code;
                EXPECT_EQ(decoded.error(), make_error_code(CodecError::reason_code_invalid))
                    << p.name << " 0x" << std::hex << code;
            }
        }
    }
    EXPECT_EQ(reason_code(CodecError::reason_code_invalid), ReasonCode::ProtocolError);
}

TEST(ReasonCode, ErrorsAreFrom0x80)
{
    EXPECT_FALSE(is_error(ReasonCode::GrantedQoS2));
    EXPECT_TRUE(is_error(ReasonCode::UnspecifiedError));
}

TEST(ConnectReturnCode, RoundTripsThroughReasonCodes)
{
    for (int rc = 0; rc <= 5; ++rc) {
        const auto code = static_cast<ConnectReturnCode311>(rc);
        EXPECT_EQ(to_connect_return_code(from_connect_return_code(code)), code) << rc;
    }
}

// Every rule the decoder reports, with the reason code an MQTT 5 receiver sends for it (§4.13, §2.4):
// 0x81 for what the spec calls a Malformed Packet, 0x82 for a Protocol Error, and the specific codes
// where the spec names one. MQTT 3.1.1 has no reason codes: the receiver closes the connection
// [MQTT-4.8.0-1], except that a CONNECT refused for its protocol level or client identifier is answered
// with a CONNACK return code first (1 [MQTT-3.1.2-2], 2 [MQTT-3.1.3-9]), which to_connect_return_code()
// gives from the same reason code.
TEST(CodecError, MapsToTheSpecsReasonCodes)
{
    using enum CodecError;
    using R = ReasonCode;
    const struct {
        CodecError error;
        ReasonCode reason;
    } table[] = {
        {reserved_packet_type, R::MalformedPacket},                     // [MQTT-2.1.2]
        {reserved_flags, R::MalformedPacket},                           // [MQTT-2.1.3-1]
        {remaining_length_invalid, R::MalformedPacket},                 // §1.5.5
        {packet_too_large, R::PacketTooLarge},                          // [MQTT-3.1.2-24] §4.13
        {truncated, R::MalformedPacket},                                // §1.5
        {trailing_bytes, R::MalformedPacket},                           // §1.5
        {invalid_utf8, R::MalformedPacket},                             // [MQTT-1.5.4-1]
        {null_character, R::MalformedPacket},                           // [MQTT-1.5.4-2]
        {invalid_protocol_name, R::UnsupportedProtocolVersion},         // [MQTT-3.1.2-1]
        {unsupported_protocol_version, R::UnsupportedProtocolVersion},  // [MQTT-3.1.2-2]
        {connect_reserved_flag, R::MalformedPacket},                    // [MQTT-3.1.2-3]
        {will_flags_inconsistent, R::MalformedPacket},                  // [MQTT-3.1.2-11..13]
        {password_without_username, R::MalformedPacket},                // 3.1.1 [MQTT-3.1.2-22]
        {client_id_invalid, R::ClientIdentifierNotValid},               // [MQTT-3.1.3-8]
        {invalid_qos, R::MalformedPacket},                              // [MQTT-3.3.1-4]
        {dup_with_qos0, R::MalformedPacket},                            // [MQTT-3.3.1-2]
        {packet_id_zero, R::ProtocolError},                             // [MQTT-2.2.1-3]
        {topic_name_invalid, R::TopicNameInvalid},                      // [MQTT-3.3.2-2]
        {topic_filter_invalid, R::MalformedPacket},                     // [MQTT-4.7.1-1] [MQTT-4.7.1-2]
        {shared_subscription_invalid, R::ProtocolError},                // [MQTT-4.8.2-1] [MQTT-3.8.3-4]
        {no_topic_filters, R::ProtocolError},                           // [MQTT-3.8.3-2] [MQTT-3.10.3-2]
        {subscription_options_reserved, R::MalformedPacket},            // [MQTT-3.8.3-5]
        {retain_handling_invalid, R::ProtocolError},                    // §3.8.3.1
        {reason_code_invalid, R::ProtocolError},
        {connack_flags_reserved, R::MalformedPacket},     // [MQTT-3.2.2-1]
        {property_unknown, R::MalformedPacket},           // §2.2.2.2
        {property_not_allowed, R::MalformedPacket},       // §2.2.2.2
        {property_duplicate, R::ProtocolError},           // each property's section
        {property_value_invalid, R::ProtocolError},       // e.g. §3.1.2.11.3
        {subscription_id_from_client, R::ProtocolError},  // [MQTT-3.3.4-6]
        {unexpected_packet, R::ProtocolError},
        {field_too_long, R::ImplementationSpecificError},  // encoder only
        {topic_alias_missing, R::ProtocolError},           // §3.3.2.3.4
    };
    // One row per error the decoder can report (need_more is not one).
    EXPECT_EQ(std::size(table), static_cast<std::size_t>(topic_alias_missing) - 1);
    std::uint64_t seen = 0;
    for (const auto& row : table) {
        EXPECT_EQ(reason_code(row.error), row.reason) << make_error_code(row.error).message();
        seen |= std::uint64_t{1} << static_cast<unsigned>(row.error);
    }
    EXPECT_EQ(seen, ((std::uint64_t{1} << (static_cast<unsigned>(topic_alias_missing) + 1)) - 1) & ~3ull)
        << "every error from reserved_packet_type to topic_alias_missing, once";

    EXPECT_EQ(to_connect_return_code(reason_code(unsupported_protocol_version)),
              ConnectReturnCode311::UnacceptableProtocolVersion);
    EXPECT_EQ(to_connect_return_code(reason_code(client_id_invalid)),
              ConnectReturnCode311::IdentifierRejected);
}

TEST(CodecError, MessagesCiteTheRule)
{
    const error_code ec = make_error_code(CodecError::invalid_qos);
    EXPECT_EQ(ec.category().name(), std::string("moatmq.codec"));
    EXPECT_NE(ec.message().find("MQTT-3.3.1-4"), std::string::npos);
    for (int e = 1; e <= static_cast<int>(CodecError::topic_alias_missing); ++e)
        EXPECT_NE(make_error_code(static_cast<CodecError>(e)).message(), "unknown codec error") << e;
}

TEST(CodecError, NeedMoreIsRecognised)
{
    EXPECT_TRUE(is_need_more(make_error_code(CodecError::need_more)));
    EXPECT_FALSE(is_need_more(make_error_code(CodecError::truncated)));
    EXPECT_FALSE(is_need_more(error_code{}));
}

TEST(PacketType, Names)
{
    EXPECT_EQ(to_string(PacketType::connect), "CONNECT");
    EXPECT_EQ(to_string(PacketType::auth), "AUTH");
}

}  // namespace
}  // namespace moatmq::codec
