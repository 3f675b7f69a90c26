// StreamDecoder: bytes in any split, whole packets out, oversize packets refused from the header.
#include <gtest/gtest.h>

#include <algorithm>

#include "codec_test_support.hpp"

namespace moatmq::codec::test {
namespace {

// A CONNECT, a PUBLISH QoS 1 with properties, a PINGREQ and a DISCONNECT, back to back (5.0).
Bytes session_bytes()
{
    Bytes all;
    for (const char* packet : {
             "10 0e 00 04 4d 51 54 54 05 02 00 3c 00 00 01 61",
             "34 1b 00 03 61 2f 62 00 07 11 01 01 02 00 00 00 3c 23 00 05 26 00 01 6b 00 01 76 68 69",
             "c0 00",
             "e0 00",
         }) {
        const Bytes b = hex(packet);
        all.insert(all.end(), b.begin(), b.end());
    }
    return all;
}

std::vector<Packet> expected_packets()
{
    std::vector<Packet> out;
    const Bytes all = session_bytes();
    ByteView rest{all};
    while (!rest.empty()) {
        auto d = decode(rest, v5_from_client());
        EXPECT_TRUE(d);
        if (!d) break;
        out.push_back(d->packet);
        rest = rest.subspan(d->consumed);
    }
    EXPECT_EQ(out.size(), 4u);
    return out;
}

std::vector<Packet> drain(StreamDecoder& decoder)
{
    std::vector<Packet> out;
    for (;;) {
        auto next = decoder.next();
        EXPECT_TRUE(next) << next.error().message();
        if (!next || !*next) return out;
        out.push_back(std::move(**next));
    }
}

TEST(StreamDecoder, PendingShowsTheNextPacketAndSkipConsumesIt)
{
    const Bytes all = session_bytes();
    const auto packets = expected_packets();
    ASSERT_EQ(packets.size(), 4u);
    constexpr std::size_t kConnect = 16;  // the first packet's size
    for (const bool lent : {false, true}) {
        StreamDecoder decoder(v5_from_client());
        if (lent)
            decoder.lend(all);
        else
            decoder.feed(all);
        ASSERT_GE(decoder.pending().size(), kConnect);
        EXPECT_TRUE(std::equal(all.begin(), all.begin() + kConnect, decoder.pending().begin()));
        decoder.skip(kConnect);  // handled by the caller: next() goes on with the second
        auto next = decoder.next();
        ASSERT_TRUE(next && *next);
        EXPECT_EQ(**next, packets[1]);
        if (lent) decoder.keep_lent();
        EXPECT_EQ(drain(decoder).size(), 2u);
    }
}

TEST(StreamDecoder, WholeBufferAtOnce)
{
    StreamDecoder decoder(v5_from_client());
    decoder.feed(session_bytes());
    EXPECT_EQ(drain(decoder), expected_packets());
    EXPECT_EQ(decoder.buffered(), 0u);
}

TEST(StreamDecoder, OneByteAtATime)
{
    const Bytes all = session_bytes();
    StreamDecoder decoder(v5_from_client());
    std::vector<Packet> got;
    for (const auto b : all) {
        decoder.feed(ByteView{&b, 1});
        auto more = drain(decoder);
        got.insert(got.end(), more.begin(), more.end());
    }
    EXPECT_EQ(got, expected_packets());
    EXPECT_EQ(decoder.buffered(), 0u);
}

TEST(StreamDecoder, EverySplitPointInTwo)
{
    const Bytes all = session_bytes();
    const auto expected = expected_packets();
    for (std::size_t split = 0; split <= all.size(); ++split) {
        StreamDecoder decoder(v5_from_client());
        decoder.feed(ByteView{all}.first(split));
        auto got = drain(decoder);
        decoder.feed(ByteView{all}.subspan(split));
        auto rest = drain(decoder);
        got.insert(got.end(), rest.begin(), rest.end());
        EXPECT_EQ(got, expected) << "split at " << split;
    }
}

TEST(StreamDecoder, EveryPairOfSplitPoints)
{
    const Bytes all = session_bytes();
    const auto expected = expected_packets();
    for (std::size_t a = 0; a <= all.size(); ++a) {
        for (std::size_t b = a; b <= all.size(); ++b) {
            StreamDecoder decoder(v5_from_client());
            std::vector<Packet> got;
            for (auto part :
                 {ByteView{all}.subspan(0, a), ByteView{all}.subspan(a, b - a), ByteView{all}.subspan(b)}) {
                decoder.feed(part);
                auto more = drain(decoder);
                got.insert(got.end(), more.begin(), more.end());
            }
            ASSERT_EQ(got, expected) << "splits at " << a << ", " << b;
        }
    }
}

// lend(): the same packets from every pair of split points, whether each part is decoded before the
// next arrives or left (kept) for later, as bytes that wait for an authentication are.
TEST(StreamDecoder, LentBytesInEveryPairOfSplitPoints)
{
    const Bytes all = session_bytes();
    const auto expected = expected_packets();
    for (const bool decode_each : {true, false}) {
        for (std::size_t a = 0; a <= all.size(); ++a) {
            for (std::size_t b = a; b <= all.size(); ++b) {
                StreamDecoder decoder(v5_from_client());
                std::vector<Packet> got;
                for (auto part : {ByteView{all}.subspan(0, a), ByteView{all}.subspan(a, b - a),
                                  ByteView{all}.subspan(b)}) {
                    Bytes transient(part.begin(), part.end());  // gone after the turn, like a read buffer
                    decoder.lend(transient);
                    if (decode_each) {
                        auto more = drain(decoder);
                        got.insert(got.end(), more.begin(), more.end());
                    }
                    decoder.keep_lent();
                    std::fill(transient.begin(), transient.end(), std::byte{0xee});
                }
                auto rest = drain(decoder);
                got.insert(got.end(), rest.begin(), rest.end());
                ASSERT_EQ(got, expected) << "splits at " << a << ", " << b << (decode_each ? "" : ", kept");
                EXPECT_EQ(decoder.buffered(), 0u);
            }
        }
    }
}

TEST(StreamDecoder, PartialPacketWaitsForMore)
{
    StreamDecoder decoder(v311_from_client());
    decoder.feed(hex("30 07 00 03 61"));
    auto next = decoder.next();
    ASSERT_TRUE(next);
    EXPECT_FALSE(next->has_value());
    EXPECT_EQ(decoder.buffered(), 5u);
    decoder.feed(hex("2f 62 68 69"));
    next = decoder.next();
    ASSERT_TRUE(next);
    ASSERT_TRUE(next->has_value());
    EXPECT_EQ(std::get<Publish>(**next).topic, "a/b");
}

TEST(StreamDecoder, OversizePacketIsRefusedBeforeTheBodyArrives_MQTT_3_1_2_24)
{
    DecodeOptions o = v5_from_client();
    o.max_packet_size = 1024;
    StreamDecoder decoder(o);
    // PUBLISH announcing 2,000,000 bytes: only the fixed header has arrived.
    decoder.feed(hex("30 80 89 7a"));
    auto next = decoder.next();
    ASSERT_FALSE(next);
    EXPECT_EQ(next.error(), make_error_code(CodecError::packet_too_large));
    EXPECT_EQ(reason_code(CodecError::packet_too_large), ReasonCode::PacketTooLarge);
}

TEST(StreamDecoder, OversizePacketBodyIsNeverBuffered)
{
    DecodeOptions o = v5_from_client();
    o.max_packet_size = 64;
    StreamDecoder decoder(o);
    Bytes big = hex("30 80 01");  // 128-byte body
    big.resize(3 + 128, std::byte{0x61});
    decoder.feed(big);
    EXPECT_LE(decoder.buffered(), 5u);
    auto next = decoder.next();
    ASSERT_FALSE(next);
    EXPECT_EQ(next.error(), make_error_code(CodecError::packet_too_large));
}

TEST(StreamDecoder, MalformedPacketIsAnError)
{
    StreamDecoder decoder(v311_from_client());
    decoder.feed(hex("c0 00 36 07 00 03 61 2f 62 00 01"));
    auto first = decoder.next();
    ASSERT_TRUE(first);
    ASSERT_TRUE(first->has_value());
    EXPECT_TRUE(std::holds_alternative<Pingreq>(**first));
    auto second = decoder.next();
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error(), make_error_code(CodecError::invalid_qos));
}

TEST(StreamDecoder, OptionsChangeAfterConnect)
{
    StreamDecoder decoder(v5_from_client());
    decoder.feed(hex("10 0d 00 04 4d 51 54 54 04 02 00 3c 00 01 61 30 07 00 03 61 2f 62 68 69"));
    auto connect = decoder.next();
    ASSERT_TRUE(connect && connect->has_value());
    EXPECT_EQ(std::get<Connect>(**connect).version, ProtocolVersion::v311);
    decoder.set_options(v311_from_client());
    auto publish = decoder.next();
    ASSERT_TRUE(publish && publish->has_value());
    EXPECT_EQ(std::get<Publish>(**publish).payload, to_bytes("hi"));
}

TEST(StreamDecoder, ShrinkReleasesAnIdleBuffer)
{
    StreamDecoder decoder(v5_from_client());
    decoder.feed(hex("c0 00"));
    ASSERT_TRUE(decoder.next());
    decoder.shrink();
    EXPECT_EQ(decoder.buffered(), 0u);
    decoder.feed(hex("c0"));
    decoder.shrink();  // a partial packet is kept
    EXPECT_EQ(decoder.buffered(), 1u);
    decoder.feed(hex("00"));
    auto next = decoder.next();
    ASSERT_TRUE(next && next->has_value());
}

}  // namespace
}  // namespace moatmq::codec::test
