// The maximum packet size is enforced from the fixed header, before anything is allocated for the body
// ([MQTT-3.1.2-24], §3.2.2.3.6: a packet over the receiver's Maximum Packet Size is refused with 0x95).
// This file replaces the global operator new of the test binary to watch what the codec allocates
// while a hostile fixed header announces 268,435,455 bytes (the largest Remaining Length, §1.5.5).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "codec_test_support.hpp"

namespace {

std::atomic<bool> g_watching{false};
std::atomic<std::size_t> g_allocations{0};
std::atomic<std::size_t> g_largest{0};

void note(std::size_t size) noexcept
{
    if (!g_watching.load(std::memory_order_relaxed)) return;
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    std::size_t largest = g_largest.load(std::memory_order_relaxed);
    while (size > largest && !g_largest.compare_exchange_weak(largest, size, std::memory_order_relaxed)) {
    }
}

}  // namespace

void* operator new(std::size_t size)
{
    note(size);
    if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}

// Not inlined: GCC would otherwise see free() of a pointer from operator new and warn.
[[gnu::noinline]] void operator delete(void* p) noexcept
{
    std::free(p);
}

[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept
{
    std::free(p);
}

namespace moatmq::codec::test {
namespace {

// Allocations made while it lives.
class AllocationWatch {
public:
    AllocationWatch()
    {
        g_allocations = 0;
        g_largest = 0;
        g_watching = true;
    }
    ~AllocationWatch() { g_watching = false; }
    AllocationWatch(const AllocationWatch&) = delete;
    AllocationWatch& operator=(const AllocationWatch&) = delete;

    std::size_t count() const noexcept { return g_allocations; }
    std::size_t largest() const noexcept { return g_largest; }
};

constexpr std::size_t kRead = 64 * 1024;  // one socket read

// A PUBLISH announcing the largest Remaining Length there is (0xFF 0xFF 0xFF 0x7F = 268,435,455),
// followed by a whole read of body bytes.
Bytes huge_publish_read()
{
    Bytes bytes = hex("30 ff ff ff 7f 00 01 61");
    bytes.resize(kRead, std::byte{0x61});
    return bytes;
}

DecodeOptions limited()
{
    DecodeOptions o = v5_from_client();
    o.max_packet_size = 1024 * 1024;  // e.g. the broker's Maximum Packet Size (CONNACK, §3.2.2.3.6)
    return o;
}

TEST(PacketSizeLimit, TheWatchSeesAllocations)
{
    AllocationWatch watch;
    void* p = ::operator new(5000);
    ::operator delete(p);
    EXPECT_EQ(watch.count(), 1u);
    EXPECT_EQ(watch.largest(), 5000u);
}

TEST(PacketSizeLimit, DecodeRefusesAHugeRemainingLengthWithoutAllocating)
{
    const Bytes bytes = huge_publish_read();
    AllocationWatch watch;
    auto decoded = decode(bytes, limited());
    const std::size_t allocations = watch.count();
    ASSERT_FALSE(decoded);
    EXPECT_EQ(decoded.error(), make_error_code(CodecError::packet_too_large));
    EXPECT_EQ(allocations, 0u);
    EXPECT_EQ(reason_code(CodecError::packet_too_large), ReasonCode::PacketTooLarge);
}

TEST(PacketSizeLimit, StreamDecoderKeepsOnlyTheFixedHeaderOfAHugePacket)
{
    const Bytes bytes = huge_publish_read();
    for (const bool lend : {false, true}) {
        SCOPED_TRACE(lend ? "lend" : "feed");
        StreamDecoder decoder(limited());
        std::size_t largest = 0;
        Result<std::optional<Packet>> next = std::optional<Packet>{};
        {
            AllocationWatch watch;
            if (lend)
                decoder.lend(bytes);
            else
                decoder.feed(bytes);
            next = decoder.next();
            if (lend) decoder.keep_lent();
            largest = watch.largest();
        }
        ASSERT_FALSE(next);
        EXPECT_EQ(next.error(), make_error_code(CodecError::packet_too_large));
        EXPECT_LE(decoder.buffered(), 5u);  // the fixed header at most, never the body
        EXPECT_LT(largest, 64u);            // nothing near the announced size, nor the read's
    }
}

TEST(PacketSizeLimit, TheRefusalComesWithTheLastByteOfTheFixedHeader)
{
    const Bytes bytes = huge_publish_read();
    StreamDecoder decoder(limited());
    for (std::size_t i = 0; i < 4; ++i) {
        decoder.feed(ByteView{bytes}.subspan(i, 1));
        auto next = decoder.next();
        ASSERT_TRUE(next) << "byte " << i;
        EXPECT_FALSE(next->has_value());
    }
    decoder.feed(ByteView{bytes}.subspan(4, 1));  // 0x7F ends the Remaining Length
    auto next = decoder.next();
    ASSERT_FALSE(next);
    EXPECT_EQ(next.error(), make_error_code(CodecError::packet_too_large));
}

// Without a limit below the protocol's, a packet announcing 256 MiB is buffered as its bytes arrive:
// nothing is reserved for the announced length.
TEST(PacketSizeLimit, NothingIsReservedForTheAnnouncedLength)
{
    const Bytes bytes = huge_publish_read();
    StreamDecoder decoder(v5_from_client());
    std::size_t largest = 0;
    Result<std::optional<Packet>> next = std::optional<Packet>{};
    {
        AllocationWatch watch;
        decoder.feed(bytes);
        next = decoder.next();
        largest = watch.largest();
    }
    ASSERT_TRUE(next) << next.error().message();
    EXPECT_FALSE(next->has_value());
    EXPECT_EQ(decoder.buffered(), kRead);
    EXPECT_LE(largest, 2 * kRead);
}

}  // namespace
}  // namespace moatmq::codec::test
