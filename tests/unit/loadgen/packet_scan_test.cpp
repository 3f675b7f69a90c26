#include "loadgen/packet_scan.hpp"

#include <gtest/gtest.h>

#include "codec/encoder.hpp"

namespace moatmq::loadgen {
namespace {

using codec::ProtocolVersion;
using codec::QoS;

struct Case {
    ProtocolVersion version;
    QoS qos;
};

class PacketScan : public ::testing::TestWithParam<Case> {};

codec::Publish decode_publish(ByteView bytes, ProtocolVersion version)
{
    codec::DecodeOptions options;
    options.version = version;
    options.sender = codec::Sender::server;
    auto decoded = codec::decode(bytes, options);
    EXPECT_TRUE(decoded) << decoded.error().message();
    EXPECT_EQ(decoded->consumed, bytes.size());
    return std::get<codec::Publish>(decoded->packet);
}

TEST_P(PacketScan, TemplateCopiesDecodeWithTheirPacketIdAndStamp)
{
    const auto [version, qos] = GetParam();
    const auto tmpl = PacketTemplate::publish("bench/7", 64, qos, version);
    Bytes out;
    tmpl.append_to(out, 513, 0x0102030405060708ULL);
    tmpl.append_to(out, 65535, 42);
    ASSERT_EQ(out.size(), 2 * tmpl.size());

    const auto first = decode_publish(ByteView{out}.first(tmpl.size()), version);
    const auto second = decode_publish(ByteView{out}.subspan(tmpl.size()), version);
    EXPECT_EQ(first.topic, "bench/7");
    EXPECT_EQ(first.qos, qos);
    EXPECT_EQ(first.payload.size(), 64U);
    EXPECT_EQ(first.packet_id, qos == QoS::at_most_once ? 0 : 513);
    EXPECT_EQ(second.packet_id, qos == QoS::at_most_once ? 0 : 65535);
    EXPECT_EQ(read_stamp(first.payload), 0x0102030405060708ULL);
    EXPECT_EQ(read_stamp(second.payload), 42U);
}

TEST_P(PacketScan, ViewAgreesWithTheCodecsDecoder)
{
    const auto [version, qos] = GetParam();
    codec::Publish publish;
    publish.topic = "sensors/42/temp";
    publish.payload = to_bytes("twenty-one and a half");
    publish.qos = qos;
    publish.packet_id = qos == QoS::at_most_once ? 0 : 4242;
    publish.retain = true;
    if (version == ProtocolVersion::v5) {
        publish.properties.message_expiry_interval = 60;  // properties must be skipped, not read as payload
        publish.properties.content_type = "text/plain";
    }
    Bytes bytes;
    ASSERT_TRUE(codec::encode(publish, version, bytes));
    bytes.push_back(std::byte{0x30});  // the start of the next packet

    const auto header = frame_packet(bytes, version);
    ASSERT_TRUE(header) << header.error().message();
    EXPECT_EQ(header->packet_size(), bytes.size() - 1);
    const auto view = view_publish(ByteView{bytes}.first(header->packet_size()), *header, version);
    ASSERT_TRUE(view) << view.error().message();
    EXPECT_EQ(view->topic, "sensors/42/temp");
    EXPECT_EQ(view->qos, qos);
    EXPECT_TRUE(view->retain);
    EXPECT_FALSE(view->dup);
    EXPECT_EQ(view->packet_id, publish.packet_id);
    EXPECT_EQ(as_chars(view->payload), "twenty-one and a half");
}

INSTANTIATE_TEST_SUITE_P(VersionsAndQos, PacketScan,
                         ::testing::Values(Case{ProtocolVersion::v311, QoS::at_most_once},
                                           Case{ProtocolVersion::v311, QoS::at_least_once},
                                           Case{ProtocolVersion::v311, QoS::exactly_once},
                                           Case{ProtocolVersion::v5, QoS::at_most_once},
                                           Case{ProtocolVersion::v5, QoS::at_least_once},
                                           Case{ProtocolVersion::v5, QoS::exactly_once}),
                         [](const auto& p) {
                             return std::string(p.param.version == ProtocolVersion::v5 ? "V5" : "V311") +
                                    "_Qos" + std::to_string(static_cast<int>(p.param.qos));
                         });

TEST(PacketScanFraming, PartialPacketNeedsMore)
{
    const auto tmpl = PacketTemplate::publish("a/b", 300, QoS::at_least_once, ProtocolVersion::v311);
    for (std::size_t cut : {std::size_t{0}, std::size_t{1}, std::size_t{2}, tmpl.size() - 1}) {
        const auto header = frame_packet(ByteView{tmpl.bytes()}.first(cut), ProtocolVersion::v311);
        ASSERT_FALSE(header);
        EXPECT_EQ(header.error(), codec::CodecError::need_more) << "cut at " << cut;
    }
    EXPECT_TRUE(frame_packet(tmpl.bytes(), ProtocolVersion::v311));
}

TEST(PacketScanFraming, PacketAServerMustNotSendIsRefused)
{
    Bytes connect_bytes;
    codec::Connect connect;
    connect.client_id = "x";
    ASSERT_TRUE(codec::encode(connect, ProtocolVersion::v311, connect_bytes));
    const auto header = frame_packet(connect_bytes, ProtocolVersion::v311);
    ASSERT_FALSE(header);
    EXPECT_EQ(header.error(), codec::CodecError::unexpected_packet);
}

TEST(PacketScanFraming, TopicLengthPastTheEndIsTruncated)
{
    // PUBLISH QoS 0, remaining length 4: topic length 10 but only 2 bytes follow.
    const Bytes bytes{std::byte{0x30}, std::byte{4},   std::byte{0},
                      std::byte{10},   std::byte{'a'}, std::byte{'b'}};
    const auto header = frame_packet(bytes, ProtocolVersion::v311);
    ASSERT_TRUE(header);
    const auto view = view_publish(bytes, *header, ProtocolVersion::v311);
    ASSERT_FALSE(view);
    EXPECT_EQ(view.error(), codec::CodecError::truncated);
}

TEST(PacketScanAcks, AckTemplatesAreTheCodecsEncodingWithThePacketIdPatched)
{
    for (auto version : {ProtocolVersion::v311, ProtocolVersion::v5}) {
        Bytes out;
        PacketTemplate::ack(codec::PacketType::puback, version).append_to(out, 0xBEEF);
        PacketTemplate::ack(codec::PacketType::pubrel, version).append_to(out, 7);
        Bytes expected;
        codec::Puback puback;
        puback.packet_id = 0xBEEF;
        codec::Pubrel pubrel;
        pubrel.packet_id = 7;
        ASSERT_TRUE(codec::encode(puback, version, expected));
        ASSERT_TRUE(codec::encode(pubrel, version, expected));
        EXPECT_EQ(out, expected);
        EXPECT_EQ(ack_packet_id(ByteView{out}.first(4)), 0xBEEF);
        EXPECT_EQ(ack_packet_id(ByteView{out}.subspan(4)), 7);
    }
}

TEST(PacketScanAcks, StampNeedsEightBytes)
{
    const Bytes short_payload(7, std::byte{0xFF});
    EXPECT_EQ(read_stamp(short_payload), 0U);
    Bytes out;
    const auto tmpl = PacketTemplate::publish("t", 4, QoS::at_most_once, ProtocolVersion::v311);
    tmpl.append_to(out, 0, 99);  // no room for a stamp: the payload is left as it is
    EXPECT_EQ(out, tmpl.bytes());
}

}  // namespace
}  // namespace moatmq::loadgen
