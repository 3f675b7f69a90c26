// moatmq pub / moatmq sub against the real moatmq broker (tests/support BrokerProcess, port 0):
// QoS 0/1/2 on MQTT 3.1.1 and 5.0, retained, -C/-W, refusals with their reason in words and exit code 1,
// and end-to-end encryption through the broker. client_tools_test.cpp runs the same tools against
// Mosquitto.
#include <gtest/gtest.h>

#include "broker_process.hpp"
#include "client_tools_support.hpp"
#include "temp_dir.hpp"

namespace moatmq::test {
namespace {

struct Case {
    const char* version;
    int qos;
};

class ClientToolsMoatmqQos : public ::testing::TestWithParam<Case> {};

TEST_P(ClientToolsMoatmqQos, PubToSubRoundTrip)
{
    BrokerProcess broker;
    const auto [version, qos] = GetParam();
    const auto q = std::to_string(qos);
    auto sub =
        start_sub(broker.port(), {"-V", version, "-q", q, "-t", "test/#", "-v", "-C", "1", "-W", "15"});
    auto sent = pub(broker.port(), {"-V", version, "-q", q, "-t", "test/a", "-m", "hello moatmq"});
    EXPECT_EQ(sent.exit_code, 0) << sent.err;
    auto got = sub->finish(kRunTimeout);
    EXPECT_EQ(got.out, "test/a hello moatmq\n") << got.err;
    EXPECT_NE(got.err.find("received PUBLISH (d0, q" + q), std::string::npos) << got.err;
}

INSTANTIATE_TEST_SUITE_P(VersionsAndQos, ClientToolsMoatmqQos,
                         ::testing::Values(Case{"311", 0}, Case{"311", 1}, Case{"311", 2}, Case{"5", 0},
                                           Case{"5", 1}, Case{"5", 2}),
                         [](const auto& p) {
                             return std::string{"V"} + p.param.version + "_Qos" + std::to_string(p.param.qos);
                         });

TEST(ClientToolsMoatmq, RetainedMessageReachesALaterSubscriber)
{
    BrokerProcess broker;
    ASSERT_EQ(pub(broker.port(), {"-t", "state/door", "-m", "closed", "-r", "-q", "1"}).exit_code, 0);
    auto got =
        run_program(tool("sub", broker.port(), {"-t", "state/#", "-v", "-C", "1", "-W", "10"}), kRunTimeout);
    EXPECT_EQ(got.exit_code, 0) << got.err;
    EXPECT_EQ(got.out, "state/door closed\n");
}

TEST(ClientToolsMoatmq, CountAndTimeout)
{
    BrokerProcess broker;
    auto sub = start_sub(broker.port(), {"-V", "5", "-t", "n", "-C", "2", "-W", "15"});
    for (const char* m : {"one", "two"})
        EXPECT_EQ(pub(broker.port(), {"-V", "5", "-t", "n", "-m", m}).exit_code, 0);
    auto got = sub->finish(kRunTimeout);
    EXPECT_EQ(got.exit_code, 0) << got.err;
    EXPECT_EQ(got.out, "one\ntwo\n");
    auto quiet = run_program(tool("sub", broker.port(), {"-t", "quiet", "-W", "1"}), kRunTimeout);
    EXPECT_EQ(quiet.exit_code, 27);
}

TEST(ClientToolsMoatmq, RefusalsExitOneWithTheReasonInWords)
{
    TempDir dir("moatmq-auth");
    const auto passwd = (dir.path() / "passwd").string();
    auto made =
        run_program({moatmq_binary(), "passwd", "-c", "--password", "s3cret", passwd, "alice"}, kRunTimeout);
    ASSERT_EQ(made.exit_code, 0) << made.err;
    BrokerProcess broker{
        "[broker]\ndata_dir = \"data\"\nthreads = 1\n\n[[listener]]\nname = \"local\"\n"
        "bind = \"127.0.0.1:0\"\nallow_anonymous = false\n\n[auth]\npassword_file = \"" +
        passwd + "\"\nfailure_backoff = \"off\"\nban_after = 0\n"};
    auto anonymous5 = pub(broker.port(), {"-V", "5", "-t", "a", "-m", "x"});
    EXPECT_EQ(anonymous5.exit_code, 1);
    EXPECT_NE(anonymous5.err.find("connection refused by the broker: not authorized (0x87)"),
              std::string::npos)
        << anonymous5.err;
    auto anonymous311 = run_program(tool("sub", broker.port(), {"-t", "a", "-W", "5"}), kRunTimeout);
    EXPECT_EQ(anonymous311.exit_code, 1);
    EXPECT_NE(anonymous311.err.find("not authorized (return code 5)"), std::string::npos) << anonymous311.err;
    auto wrong = pub(broker.port(), {"-V", "5", "-u", "alice", "-P", "nope", "-t", "a", "-m", "x"});
    EXPECT_EQ(wrong.exit_code, 1);
    EXPECT_NE(wrong.err.find("bad user name or password (0x86)"), std::string::npos) << wrong.err;
    EXPECT_EQ(wrong.err.find("nope"), std::string::npos);  // the password is never echoed
    auto right = pub(broker.port(), {"-V", "5", "-u", "alice", "-P", "s3cret", "-t", "a", "-m", "x"});
    EXPECT_EQ(right.exit_code, 0) << right.err;
}

TEST(ClientToolsMoatmq, EncryptedRoundTripAndRejectionsThroughTheBroker)
{
    TempDir keys("moatmq-keys");
    const auto key = make_key(keys, "k1");
    const auto other_key = make_key(keys, "k2");
    BrokerProcess broker;
    auto raw = start_sub(broker.port(), {"-t", "secure/#", "-C", "1", "-W", "15"});
    auto sub = start_sub(broker.port(),
                         {"-V", "5", "-t", "secure/#", "-v", "-C", "1", "-W", "15", "--encrypt-key", key});
    EXPECT_EQ(pub(broker.port(),
                  {"-t", "secure/a", "-m", "WRONG-KEY-SECRET", "-q", "1", "--encrypt-key", other_key})
                  .exit_code,
              0);
    EXPECT_EQ(pub(broker.port(), {"-t", "secure/a", "-m", "PLAINTEXT-SECRET", "-q", "1"}).exit_code, 0);
    EXPECT_EQ(pub(broker.port(), {"-V", "5", "-t", "secure/b", "-m", "good", "-q", "2", "--encrypt-key", key,
                                  "--encrypt-alg", "chacha20-poly1305"})
                  .exit_code,
              0);
    auto got = sub->finish(kRunTimeout);
    EXPECT_EQ(got.out, "secure/b good\n") << got.err;
    EXPECT_EQ(got.out.find("SECRET"), std::string::npos);
    EXPECT_NE(got.err.find("rejected: no key with this key id"), std::string::npos) << got.err;
    EXPECT_NE(got.err.find("rejected: not an encrypted payload envelope"), std::string::npos) << got.err;
    auto seen = raw->finish(kRunTimeout);  // the first message as the broker delivered it: an envelope
    EXPECT_EQ(seen.out.find("WRONG-KEY-SECRET"), std::string::npos);
    EXPECT_EQ(seen.out.size(), 46u + 16 + 1);
}

}  // namespace
}  // namespace moatmq::test
