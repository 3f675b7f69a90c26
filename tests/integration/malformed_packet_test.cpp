// Hostile input from one client closes that client only; everyone else keeps being served.
#include <gtest/gtest.h>

#include "broker_process.hpp"
#include "child_process.hpp"
#include "raw_client.hpp"

namespace moatmq::test {
namespace {

const std::vector<std::uint8_t> kConnack311{0x20, 0x02, 0x00, 0x00};

struct MalformedCase {
    const char* name;
    std::vector<std::uint8_t> bytes;
};

void PrintTo(const MalformedCase& c, std::ostream* out)
{
    *out << c.name;
}

class MalformedPacket : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(MalformedPacket, ClosesOnlyThatConnection)
{
    BrokerProcess broker;

    RawClient healthy(broker.port());
    ASSERT_TRUE(healthy.send(connect_packet_311("healthy")));
    ASSERT_EQ(healthy.read(4), kConnack311);

    RawClient hostile(broker.port());
    ASSERT_TRUE(hostile.send(GetParam().bytes));
    EXPECT_TRUE(hostile.wait_closed()) << "the broker kept a connection that sent " << GetParam().name;

    ASSERT_TRUE(healthy.send(kPingreq));
    EXPECT_EQ(healthy.read(2), kPingresp);

    const auto pub = run_program({"mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(broker.port()),
                                  "-t", "after/malformed", "-m", "still serving"});
    EXPECT_EQ(pub.exit_code, 0) << pub.err;
    EXPECT_EQ(broker.stop(), 0) << broker.log();
}

INSTANTIATE_TEST_SUITE_P(
    Integration, MalformedPacket,
    ::testing::Values(
        // Remaining length in five bytes [MQTT-1.5.5]
        MalformedCase{"remaining_length_over_four_bytes", {0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F}},
        // CONNECT with the reserved flag bit set [MQTT-3.1.2-3]
        MalformedCase{"connect_reserved_flag",
                      {0x10, 0x0C, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x03, 0x00, 0x3C, 0x00, 0x00}},
        // Unknown protocol name [MQTT-3.1.2-1]
        MalformedCase{"bad_protocol_name",
                      {0x10, 0x0C, 0x00, 0x04, 'M', 'Q', 'X', 'X', 0x04, 0x02, 0x00, 0x3C, 0x00, 0x00}},
        // A PUBLISH before CONNECT [MQTT-3.1.0-1]
        MalformedCase{"publish_before_connect", {0x30, 0x05, 0x00, 0x01, 'a', 'h', 'i'}},
        // Reserved packet type 0
        MalformedCase{"reserved_packet_type", {0x00, 0x00}}),
    [](const ::testing::TestParamInfo<MalformedCase>& test_info) {
        return std::string(test_info.param.name);
    });

}  // namespace
}  // namespace moatmq::test
