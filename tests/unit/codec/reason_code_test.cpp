// Reason codes (§2.4), the 3.1.1 CONNACK return codes, and how codec errors map onto them.
#include <gtest/gtest.h>

#include "codec/codec_error.hpp"
#include "codec/protocol.hpp"
#include "codec/reason_code.hpp"

namespace moatmq::codec {
namespace {

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

TEST(CodecError, MapsToTheSpecsReasonCodes)
{
    EXPECT_EQ(reason_code(CodecError::reserved_flags), ReasonCode::MalformedPacket);
    EXPECT_EQ(reason_code(CodecError::remaining_length_invalid), ReasonCode::MalformedPacket);
    EXPECT_EQ(reason_code(CodecError::null_character), ReasonCode::MalformedPacket);
    EXPECT_EQ(reason_code(CodecError::packet_too_large), ReasonCode::PacketTooLarge);
    EXPECT_EQ(reason_code(CodecError::unsupported_protocol_version), ReasonCode::UnsupportedProtocolVersion);
    EXPECT_EQ(reason_code(CodecError::topic_filter_invalid), ReasonCode::MalformedPacket);
    EXPECT_EQ(reason_code(CodecError::topic_alias_missing), ReasonCode::ProtocolError);
    EXPECT_EQ(reason_code(CodecError::topic_name_invalid), ReasonCode::TopicNameInvalid);
    EXPECT_EQ(reason_code(CodecError::packet_id_zero), ReasonCode::ProtocolError);
    EXPECT_EQ(reason_code(CodecError::unexpected_packet), ReasonCode::ProtocolError);
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
