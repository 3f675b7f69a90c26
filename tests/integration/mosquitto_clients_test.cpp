// Third-party clients against the real broker: mosquitto_pub and mosquitto_sub (Debian's
// mosquitto-clients), MQTT 3.1.1 and 5.0.
#include <gtest/gtest.h>

#include "broker_process.hpp"
#include "child_process.hpp"

namespace moatmq::test {
namespace {

struct Version {
    const char* name;  // mosquitto's -V argument
};

void PrintTo(const Version& v, std::ostream* out)
{
    *out << v.name;
}

class MosquittoClients : public ::testing::TestWithParam<Version> {
protected:
    std::vector<std::string> pub_args(const BrokerProcess& broker, std::vector<std::string> extra) const
    {
        std::vector<std::string> args{
            "mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(broker.port()), "-V", GetParam().name};
        args.insert(args.end(), extra.begin(), extra.end());
        return args;
    }
};

TEST_P(MosquittoClients, PublishQos0ExitsZero)
{
    BrokerProcess broker;
    const auto result = run_program(pub_args(broker, {"-t", "test/qos0", "-m", "hello", "-q", "0"}));
    EXPECT_EQ(result.exit_code, 0) << result.err << result.out;
    EXPECT_EQ(broker.stop(), 0) << broker.log();
}

TEST_P(MosquittoClients, PublishQos1AndQos2AreAcknowledged)
{
    BrokerProcess broker;
    for (const char* qos : {"1", "2"}) {
        const auto result =
            run_program(pub_args(broker, {"-t", "test/acked", "-m", "hello", "-q", qos, "-d"}));
        EXPECT_EQ(result.exit_code, 0) << "QoS " << qos << ": " << result.err << result.out;
        EXPECT_NE(result.out.find(qos[0] == '1' ? "received PUBACK" : "received PUBCOMP"), std::string::npos)
            << result.out;
    }
    EXPECT_EQ(broker.stop(), 0) << broker.log();
}

TEST_P(MosquittoClients, ConnectionsAreLoggedWithoutPayloads)
{
    BrokerProcess broker;
    const auto result =
        run_program(pub_args(broker, {"-t", "test/secret", "-m", "payload-must-not-be-logged"}));
    EXPECT_EQ(result.exit_code, 0) << result.err;
    ASSERT_TRUE(broker.wait_for_log("connection closed"));
    EXPECT_NE(broker.log().find("connection accepted"), std::string::npos) << broker.log();
    EXPECT_EQ(broker.log().find("payload-must-not-be-logged"), std::string::npos) << broker.log();
}

INSTANTIATE_TEST_SUITE_P(Integration, MosquittoClients,
                         ::testing::Values(Version{"mqttv311"}, Version{"mqttv5"}),
                         [](const ::testing::TestParamInfo<Version>& test_info) {
                             return std::string(test_info.param.name);
                         });

}  // namespace
}  // namespace moatmq::test
