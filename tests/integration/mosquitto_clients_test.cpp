// Third-party clients against the real broker: mosquitto_pub and mosquitto_sub (Debian's
// mosquitto-clients), MQTT 3.1.1 and 5.0.
#include <gtest/gtest.h>

#include <memory>

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

    // Starts mosquitto_sub (exits after `count` messages, or after 20 s) and waits for its SUBACK, so
    // that what is published next is routed to it.
    std::unique_ptr<ChildProcess> subscribe(const BrokerProcess& broker, std::vector<std::string> extra,
                                            int count = 1) const
    {
        // stdbuf: mosquitto_sub's stdout is a pipe here, and its SUBACK line must not wait in a buffer.
        std::vector<std::string> args{"stdbuf",
                                      "-oL",
                                      "mosquitto_sub",
                                      "-h",
                                      "127.0.0.1",
                                      "-p",
                                      std::to_string(broker.port()),
                                      "-V",
                                      GetParam().name,
                                      "-d",
                                      "-C",
                                      std::to_string(count),
                                      "-W",
                                      "20"};
        args.insert(args.end(), extra.begin(), extra.end());
        auto sub = std::make_unique<ChildProcess>(std::move(args));
        EXPECT_TRUE(sub->wait_for_output("received SUBACK", 10s)) << sub->out() << sub->err();
        return sub;
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

TEST_P(MosquittoClients, SubscriberReceivesWhatPublisherSends)
{
    BrokerProcess broker;
    for (const char* qos : {"0", "1", "2"}) {
        auto sub = subscribe(broker, {"-t", "sensors/+/temp", "-q", "2", "-v"});
        const auto pub =
            run_program(pub_args(broker, {"-t", "sensors/kitchen/temp", "-m", "21.5", "-q", qos}));
        ASSERT_EQ(pub.exit_code, 0) << pub.err;
        const auto received = sub->finish(20s);
        EXPECT_EQ(received.exit_code, 0) << "QoS " << qos << ": " << received.err;
        EXPECT_NE(received.out.find("sensors/kitchen/temp 21.5"), std::string::npos)
            << "QoS " << qos << ": " << received.out;
    }
    EXPECT_EQ(broker.stop(), 0) << broker.log();
}

TEST_P(MosquittoClients, EverySubscriberOfEveryWorkerGetsTheMessage)
{
    BrokerProcess broker;  // two worker threads: the subscribers are spread over both
    std::vector<std::unique_ptr<ChildProcess>> subs;
    for (int i = 0; i < 4; ++i)
        subs.push_back(subscribe(broker, {"-t", "fan/out", "-q", "1"}));
    const auto pub = run_program(pub_args(broker, {"-t", "fan/out", "-m", "to-everyone", "-q", "1"}));
    ASSERT_EQ(pub.exit_code, 0) << pub.err;
    for (auto& sub : subs) {
        const auto received = sub->finish(20s);
        EXPECT_EQ(received.exit_code, 0) << received.err;
        EXPECT_NE(received.out.find("to-everyone"), std::string::npos) << received.out;
    }
}

TEST_P(MosquittoClients, ABurstOfMessagesArrivesCompleteAndInOrder)
{
    BrokerProcess broker;
    constexpr int kCount = 200;
    auto sub = subscribe(broker, {"-t", "burst", "-q", "1"}, kCount);
    const auto pub = run_program(
        pub_args(broker, {"-t", "burst", "-m", "m", "-q", "1", "--repeat", std::to_string(kCount)}));
    ASSERT_EQ(pub.exit_code, 0) << pub.err;
    const auto received = sub->finish(20s);
    EXPECT_EQ(received.exit_code, 0) << received.err;
    std::size_t lines = 0;
    for (std::size_t at = received.out.find("received PUBLISH"); at != std::string::npos;
         at = received.out.find("received PUBLISH", at + 1)) {
        ++lines;
    }
    EXPECT_EQ(lines, static_cast<std::size_t>(kCount));
}

TEST_P(MosquittoClients, ConcurrentPublishersOnBothWorkersReachOneSubscriber)
{
    BrokerProcess broker;
    constexpr int kPublishers = 10;
    constexpr int kEach = 50;
    auto sub = subscribe(broker, {"-t", "many/+", "-q", "1"}, kPublishers * kEach);
    std::vector<std::unique_ptr<ChildProcess>> pubs;
    for (int i = 0; i < kPublishers; ++i) {
        pubs.push_back(
            std::make_unique<ChildProcess>(pub_args(broker, {"-t", "many/" + std::to_string(i), "-m", "x",
                                                             "-q", "1", "--repeat", std::to_string(kEach)})));
    }
    for (auto& pub : pubs) {
        const auto result = pub->finish(20s);
        EXPECT_EQ(result.exit_code, 0) << result.err;
    }
    const auto received = sub->finish(20s);
    EXPECT_EQ(received.exit_code, 0) << received.err;
    std::size_t count = 0;
    for (std::size_t at = received.out.find("received PUBLISH"); at != std::string::npos;
         at = received.out.find("received PUBLISH", at + 1)) {
        ++count;
    }
    EXPECT_EQ(count, static_cast<std::size_t>(kPublishers * kEach));
}

TEST_P(MosquittoClients, RetainedMessageReachesALateSubscriber)
{
    BrokerProcess broker;
    const auto pub = run_program(pub_args(broker, {"-t", "status/door", "-m", "open", "-r", "-q", "1"}));
    ASSERT_EQ(pub.exit_code, 0) << pub.err;
    auto sub = subscribe(broker, {"-t", "status/#", "-v"});
    const auto received = sub->finish(20s);
    EXPECT_EQ(received.exit_code, 0) << received.err;
    EXPECT_NE(received.out.find("status/door open"), std::string::npos) << received.out;
}

INSTANTIATE_TEST_SUITE_P(Integration, MosquittoClients,
                         ::testing::Values(Version{"mqttv311"}, Version{"mqttv5"}),
                         [](const ::testing::TestParamInfo<Version>& test_info) {
                             return std::string(test_info.param.name);
                         });

}  // namespace
}  // namespace moatmq::test
