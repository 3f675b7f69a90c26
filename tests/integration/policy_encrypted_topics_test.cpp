// [policy].encrypted_topics against the real broker: envelopes from `moatmq pub --encrypt-key` reach
// `moatmq sub --encrypt-key` and a raw mosquitto_sub byte for byte; plaintext on an encrypted topic is
// refused (5.0: PUBACK / PUBREC 0x99, shown by mosquitto_pub -d and by moatmq pub) or dropped (3.1.1),
// logged without its payload, and never delivered. "Never" is bounded by a marker message published
// after the refused one on a plain topic: the subscriber's first message must be the marker.
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "broker_process.hpp"
#include "child_process.hpp"
#include "client_tools_support.hpp"
#include "temp_dir.hpp"

namespace moatmq::test {
namespace {

std::string policy_config()
{
    return test_config("[policy]\nencrypted_topics = [\"secure/#\"]\n");
}

// mosquitto_sub with -d (so its SUBACK can be awaited) printing "TOPIC HEX-PAYLOAD" lines; exits after
// `count` messages or 20 s.
std::unique_ptr<ChildProcess> raw_sub(const BrokerProcess& broker, const char* version,
                                      std::vector<std::string> topics, int count = 1)
{
    std::vector<std::string> args{"stdbuf",
                                  "-oL",
                                  "mosquitto_sub",
                                  "-h",
                                  "127.0.0.1",
                                  "-p",
                                  std::to_string(broker.port()),
                                  "-V",
                                  version,
                                  "-d",
                                  "-q",
                                  "1",
                                  "-C",
                                  std::to_string(count),
                                  "-W",
                                  "20",
                                  "-F",
                                  "%t %x"};
    for (auto& t : topics) {
        args.push_back("-t");
        args.push_back(std::move(t));
    }
    auto sub = std::make_unique<ChildProcess>(std::move(args));
    EXPECT_TRUE(sub->wait_for_output("received SUBACK", 10s)) << sub->out() << sub->err();
    return sub;
}

ProgramResult mosquitto_pub(const BrokerProcess& broker, std::vector<std::string> extra)
{
    std::vector<std::string> args{"mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(broker.port())};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_program(std::move(args), kRunTimeout);
}

std::string hex(const std::string& bytes)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 0xF]);
    }
    return out;
}

TEST(PolicyEncryptedTopics, EncryptedRoundTripThroughTheBroker)
{
    TempDir keys("moatmq-keys");
    const auto key = make_key(keys, "k1");
    BrokerProcess broker(policy_config());
    auto raw = raw_sub(broker, "5", {"secure/#"});
    auto sub = start_sub(broker.port(),
                         {"-V", "5", "-t", "secure/#", "-v", "-C", "1", "-W", "15", "--encrypt-key", key});
    auto sent = pub(broker.port(),
                    {"-V", "5", "-q", "1", "-t", "secure/x", "-m", "TOP-SECRET", "--encrypt-key", key});
    EXPECT_EQ(sent.exit_code, 0) << sent.err;

    auto got = sub->finish(kRunTimeout);
    EXPECT_EQ(got.out, "secure/x TOP-SECRET\n") << got.err;
    // The raw subscriber got an envelope, not the plaintext: header, 10 bytes of ciphertext, tag.
    auto seen = raw->finish(kRunTimeout);
    auto lines = message_lines(seen.out);
    ASSERT_EQ(lines.size(), 1u) << seen.out;
    EXPECT_TRUE(lines[0].starts_with("secure/x 0101")) << lines[0];  // version 1, AES-256-GCM
    EXPECT_EQ(lines[0].size(), std::string("secure/x ").size() + 2 * (46 + 10));
    EXPECT_EQ(lines[0].find(hex("TOP-SECRET")), std::string::npos);
    EXPECT_EQ(broker.log().find("refused"), std::string::npos) << broker.log();
}

TEST(PolicyEncryptedTopics, EnvelopeBytesPassUnchanged)
{
    // Shaped like an envelope (version 1, ChaCha20-Poly1305, long enough), and every byte value after
    // the header: the broker checks the shape only and must not touch a byte.
    std::string envelope{"\x01\x02", 2};
    for (int i = 0; i < 256; ++i)
        envelope.push_back(static_cast<char>(i));
    TempDir dir("moatmq-envelope");
    const auto file = (dir.path() / "envelope.bin").string();
    std::ofstream(file, std::ios::binary) << envelope;

    BrokerProcess broker(policy_config());
    auto raw5 = raw_sub(broker, "5", {"secure/#"});
    auto raw3 = raw_sub(broker, "mqttv311", {"secure/#"});
    auto sent = mosquitto_pub(broker, {"-V", "5", "-q", "1", "-t", "secure/x", "-f", file});
    EXPECT_EQ(sent.exit_code, 0) << sent.out << sent.err;
    for (auto* raw : {raw5.get(), raw3.get()}) {
        auto seen = raw->finish(kRunTimeout);
        auto lines = message_lines(seen.out);
        ASSERT_EQ(lines.size(), 1u) << seen.out;
        EXPECT_EQ(lines[0], "secure/x " + hex(envelope));
    }
}

TEST(PolicyEncryptedTopics, Mqtt5PlaintextIsRefusedWith0x99AndNeverDelivered)
{
    BrokerProcess broker(policy_config());
    auto raw = raw_sub(broker, "5", {"secure/#", "marker/#"});

    // QoS 0 first: no acknowledgement says when the broker has handled it, and the QoS 1/2 round trips
    // after it give the broker time to do so before the marker (the check below does not rely on it).
    auto q0 = mosquitto_pub(broker, {"-V", "5", "-q", "0", "-t", "secure/x", "-m", "PLAINTEXT-SECRET-4"});
    EXPECT_EQ(q0.exit_code, 0) << q0.err;
    auto q1 = mosquitto_pub(
        broker, {"-V", "5", "-q", "1", "-d", "-i", "plain-q1", "-t", "secure/x", "-m", "PLAINTEXT-SECRET-1"});
    EXPECT_NE(q1.out.find("received PUBACK (Mid: 1, RC:153)"), std::string::npos) << q1.out << q1.err;
    auto q2 = mosquitto_pub(
        broker, {"-V", "5", "-q", "2", "-d", "-i", "plain-q2", "-t", "secure/x", "-m", "PLAINTEXT-SECRET-2"});
    // mosquitto_pub -d shows no reason in its PUBREC line, but reports the failure.
    EXPECT_NE(q2.err.find("Publish 1 failed: Payload format invalid"), std::string::npos) << q2.out << q2.err;
    auto ours = pub(broker.port(), {"-V", "5", "-q", "1", "-t", "secure/x", "-m", "PLAINTEXT-SECRET-3"});
    EXPECT_EQ(ours.exit_code, 1);
    EXPECT_NE(ours.err.find("payload format invalid (0x99)"), std::string::npos) << ours.err;

    // Published after every refused message: if any of them had been routed, it would come first.
    EXPECT_EQ(mosquitto_pub(broker, {"-V", "5", "-q", "1", "-t", "marker/done", "-m", "end"}).exit_code, 0);
    auto seen = raw->finish(kRunTimeout);
    EXPECT_EQ(message_lines(seen.out), std::vector<std::string>{"marker/done " + hex("end")}) << seen.out;

    // Logged with topic and client id, never the payload.
    EXPECT_TRUE(broker.wait_for_log("client plain-q1 ", 10s)) << broker.log();
    const auto log = broker.log();
    EXPECT_NE(log.find("PUBLISH refused: payload on encrypted topic \"secure/x\""), std::string::npos) << log;
    EXPECT_EQ(log.find("PLAINTEXT-SECRET"), std::string::npos) << log;
}

TEST(PolicyEncryptedTopics, Mqtt311PlaintextIsDroppedAndNeverDelivered)
{
    BrokerProcess broker(policy_config());
    auto raw = raw_sub(broker, "mqttv311", {"secure/#", "marker/#"});
    for (const std::string qos : {"0", "1", "2"}) {
        // 3.1.1 cannot be told: the publisher sees an ordinary acknowledgement.
        auto sent = mosquitto_pub(
            broker, {"-V", "mqttv311", "-q", qos, "-t", "secure/q" + qos, "-m", "PLAINTEXT-SECRET"});
        EXPECT_EQ(sent.exit_code, 0) << sent.err;
    }
    EXPECT_EQ(
        mosquitto_pub(broker, {"-V", "mqttv311", "-q", "1", "-t", "marker/done", "-m", "end"}).exit_code, 0);
    auto seen = raw->finish(kRunTimeout);
    EXPECT_EQ(message_lines(seen.out), std::vector<std::string>{"marker/done " + hex("end")}) << seen.out;
    // Dropped and logged, one warning each with the topic (never the payload).
    for (const char* topic : {"secure/q0", "secure/q1", "secure/q2"}) {
        EXPECT_TRUE(broker.wait_for_log(std::string{"PUBLISH refused: payload on encrypted topic \""} +
                                            topic + "\" is not an encrypted envelope",
                                        10s))
            << topic << "\n"
            << broker.log();
    }
    EXPECT_EQ(broker.log().find("PLAINTEXT-SECRET"), std::string::npos);
}

TEST(PolicyEncryptedTopics, Mqtt5PlaintextWillRefusesTheConnection)
{
    BrokerProcess broker(policy_config());
    auto sent = mosquitto_pub(broker, {"-V", "5", "-t", "public/x", "-m", "hello", "--will-topic",
                                       "secure/status", "--will-payload", "PLAINTEXT-WILL"});
    EXPECT_NE(sent.exit_code, 0);
    EXPECT_NE(sent.err.find("Connection error: Payload format invalid"), std::string::npos) << sent.err;
    EXPECT_TRUE(broker.wait_for_log("will refused: payload on encrypted topic \"secure/status\"", 10s))
        << broker.log();
    EXPECT_EQ(broker.log().find("PLAINTEXT-WILL"), std::string::npos);
}

TEST(PolicyEncryptedTopics, PlaintextIsAcceptedOnOtherTopics)
{
    BrokerProcess broker(policy_config());
    auto raw = raw_sub(broker, "5", {"public/#"});
    auto sent = mosquitto_pub(broker, {"-V", "5", "-q", "1", "-d", "-t", "public/x", "-m", "hello"});
    EXPECT_NE(sent.out.find("received PUBACK (Mid: 1, RC:0)"), std::string::npos) << sent.out;
    auto seen = raw->finish(kRunTimeout);
    EXPECT_EQ(message_lines(seen.out), std::vector<std::string>{"public/x " + hex("hello")}) << seen.out;
}

}  // namespace
}  // namespace moatmq::test
