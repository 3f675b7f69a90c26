// The fixed header (§2.1) and the Variable Byte Integer (§1.5.5).
#include <gtest/gtest.h>

#include "codec/varint.hpp"
#include "codec_test_support.hpp"

namespace moatmq::codec::test {
namespace {

std::uint32_t remaining_length_of(std::string_view header_hex)
{
    auto header = decode_fixed_header(hex(header_hex), v5_from_client());
    EXPECT_TRUE(header) << header_hex;
    return header ? header->remaining_length : 0;
}

TEST(VariableByteInteger, BoundariesDecodeAsTheSpecTableSays_1_5_5)
{
    EXPECT_EQ(remaining_length_of("30 00"), 0u);
    EXPECT_EQ(remaining_length_of("30 7f"), 127u);
    EXPECT_EQ(remaining_length_of("30 80 01"), 128u);
    EXPECT_EQ(remaining_length_of("30 ff 7f"), 16'383u);
    EXPECT_EQ(remaining_length_of("30 80 80 01"), 16'384u);
    EXPECT_EQ(remaining_length_of("30 ff ff 7f"), 2'097'151u);
    EXPECT_EQ(remaining_length_of("30 80 80 80 01"), 2'097'152u);
    EXPECT_EQ(remaining_length_of("30 ff ff ff 7f"), 268'435'455u);
}

TEST(VariableByteInteger, EncodesBoundariesMinimally)
{
    std::byte out[4];
    for (const std::uint32_t v : {0u, 127u, 128u, 16'383u, 16'384u, 2'097'151u, 2'097'152u, 268'435'455u}) {
        const std::size_t n = detail::write_varint(out, v);
        EXPECT_EQ(n, detail::varint_size(v)) << v;
        const auto back = detail::read_varint(out, n);
        ASSERT_EQ(back.status, detail::VarintStatus::ok) << v;
        EXPECT_EQ(back.value, v);
        EXPECT_EQ(back.size, n);
    }
}

TEST(FixedHeader, FiveByteRemainingLengthIsMalformed_MQTT_1_5_5)
{
    EXPECT_EQ(decode_error(hex("30 ff ff ff ff 7f"), v5_from_client()), CodecError::remaining_length_invalid);
    EXPECT_EQ(decode_error(hex("30 80 80 80 80"), v5_from_client()), CodecError::remaining_length_invalid);
}

TEST(FixedHeader, NonMinimalRemainingLengthIsMalformed_MQTT_1_5_5_1)
{
    EXPECT_EQ(decode_error(hex("c0 80 00"), v5_from_client()), CodecError::remaining_length_invalid);
    EXPECT_EQ(decode_error(hex("30 85 80 00"), v5_from_client()), CodecError::remaining_length_invalid);
}

TEST(FixedHeader, IncompleteHeaderNeedsMore)
{
    for (const char* partial : {"", "30", "30 80", "30 80 80", "30 80 80 80"}) {
        auto header = decode_fixed_header(hex(partial), v5_from_client());
        ASSERT_FALSE(header) << partial;
        EXPECT_TRUE(is_need_more(header.error())) << partial;
    }
}

TEST(FixedHeader, IncompleteBodyNeedsMore)
{
    auto result = decode(hex("30 07 00 03 61 2f 62 68"), v311_from_client());
    ASSERT_FALSE(result);
    EXPECT_TRUE(is_need_more(result.error()));
}

TEST(FixedHeader, PacketTypeZeroIsReserved_MQTT_2_1_2)
{
    EXPECT_EQ(decode_error(hex("00 00"), v5_from_client()), CodecError::reserved_packet_type);
}

TEST(FixedHeader, AuthBeforeMqtt5IsReserved_MQTT_2_1_2)
{
    EXPECT_EQ(decode_error(hex("f0 00"), v311_from_client()), CodecError::reserved_packet_type);
    EXPECT_EQ(decode_error(hex("f0 00"), opts(ProtocolVersion::v31)), CodecError::reserved_packet_type);
}

TEST(FixedHeader, ReservedFlagBitsAreMalformed_MQTT_2_1_3_1)
{
    EXPECT_EQ(decode_error(hex("11 00"), v5_from_client()), CodecError::reserved_flags);        // CONNECT
    EXPECT_EQ(decode_error(hex("41 02 00 01"), v5_from_client()), CodecError::reserved_flags);  // PUBACK
    EXPECT_EQ(decode_error(hex("60 02 00 01"), v5_from_client()), CodecError::reserved_flags);  // PUBREL 0000
    EXPECT_EQ(decode_error(hex("63 02 00 01"), v5_from_client()), CodecError::reserved_flags);  // PUBREL 0011
    EXPECT_EQ(decode_error(hex("80 08 00 01 00 03 61 2f 23 01"), v311_from_client()),
              CodecError::reserved_flags);
    EXPECT_EQ(decode_error(hex("a0 07 00 01 00 03 61 2f 62"), v311_from_client()),
              CodecError::reserved_flags);
    EXPECT_EQ(decode_error(hex("c8 00"), v5_from_client()), CodecError::reserved_flags);  // PINGREQ
    EXPECT_EQ(decode_error(hex("e1 00"), v5_from_client()), CodecError::reserved_flags);  // DISCONNECT
}

TEST(FixedHeader, OversizePacketIsRefusedFromTheHeaderAlone_MQTT_3_1_2_24)
{
    DecodeOptions o = v5_from_client();
    o.max_packet_size = 16;
    // Remaining length 15 + 2 header bytes = 17 > 16: refused with only the two header bytes present.
    auto header = decode_fixed_header(hex("30 0f"), o);
    ASSERT_FALSE(header);
    EXPECT_EQ(header.error(), make_error_code(CodecError::packet_too_large));
    EXPECT_EQ(decode_error(hex("30 0f"), o), CodecError::packet_too_large);
    // Exactly at the limit is fine.
    auto at_limit = decode_fixed_header(hex("30 0e"), o);
    ASSERT_TRUE(at_limit);
    EXPECT_EQ(at_limit->packet_size(), 16u);
}

TEST(FixedHeader, PacketsTheSenderNeverSendsAreProtocolErrors)
{
    EXPECT_EQ(decode_error(hex("20 02 00 00"), v311_from_client()),
              CodecError::unexpected_packet);                                                // CONNACK
    EXPECT_EQ(decode_error(hex("c0 00"), v5_from_server()), CodecError::unexpected_packet);  // PINGREQ
    EXPECT_EQ(decode_error(hex("d0 00"), v5_from_client()), CodecError::unexpected_packet);  // PINGRESP
    EXPECT_EQ(decode_error(hex("e0 00"), v311_from_server()),
              CodecError::unexpected_packet);  // 3.1.1 DISCONNECT
    EXPECT_EQ(decode_error(hex("10 0d 00 04 4d 51 54 54 04 02 00 3c 00 01 61"), v5_from_server()),
              CodecError::unexpected_packet);
}

TEST(FixedHeader, ReportsTypeFlagsAndSizes)
{
    auto header = decode_fixed_header(hex("3b 80 01"), v5_from_client());
    ASSERT_TRUE(header);
    EXPECT_EQ(header->type, PacketType::publish);
    EXPECT_EQ(header->flags, 0x0B);
    EXPECT_EQ(header->remaining_length, 128u);
    EXPECT_EQ(header->header_size, 3);
    EXPECT_EQ(header->packet_size(), 131u);
}

}  // namespace
}  // namespace moatmq::codec::test
