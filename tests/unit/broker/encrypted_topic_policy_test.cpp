// [policy].encrypted_topics in the broker core: plaintext on an encrypted topic is refused (5.0 PUBACK /
// PUBREC 0x99), dropped (QoS 0, 3.1.1), never routed or retained; envelopes pass byte for byte; a
// plaintext will is refused (5.0 CONNACK 0x99) or discarded (3.1.1). The broker knows no envelope format:
// these tests give it a stand-in predicate (payload starts with "ENV"), the app wires the real one.
#include <stdexcept>
#include <variant>

#include "broker/payload_policy.hpp"
#include "broker_test_support.hpp"

namespace moatmq::broker::test {
namespace {

using codec::ProtocolVersion;
using codec::QoS;
using codec::ReasonCode;

bool looks_encrypted(ByteView payload)
{
    return as_chars(payload).starts_with("ENV");
}

// Every byte value, behind the stand-in marker: what must arrive unchanged.
std::string binary_envelope()
{
    std::string payload = "ENV";
    for (int i = 0; i < 256; ++i)
        payload.push_back(static_cast<char>(i));
    return payload;
}

class EncryptedTopicPolicyTest : public BrokerTest {
protected:
    EncryptedTopicPolicyTest()
    {
        options_.encrypted_topics = {"secure/#", "+/vault"};
        options_.encrypted_payload_acceptable = looks_encrypted;
    }

    TestClient& subscriber(std::string filter, ProtocolVersion version = ProtocolVersion::v5,
                           QoS qos = QoS::exactly_once)
    {
        auto& c = client(version);
        c.connect("sub-" + std::to_string(++clients_made_));
        c.subscribe(std::move(filter), qos);
        EXPECT_EQ(c.received_of<codec::Suback>().size(), 1u);
        return c;
    }
    TestClient& publisher(ProtocolVersion version = ProtocolVersion::v5)
    {
        auto& c = client(version);
        c.connect("pub-" + std::to_string(++clients_made_));
        return c;
    }
    codec::Connack connect_with_will(TestClient& c, std::string topic, std::string_view payload,
                                     bool retain = false)
    {
        codec::Connect connect;
        connect.client_id = "will-" + std::to_string(++clients_made_);
        connect.keep_alive = 0;
        codec::Will will;
        will.topic = std::move(topic);
        will.payload = to_bytes(payload);
        will.retain = retain;
        connect.will = will;
        return c.connect(connect);
    }
    std::uint64_t refused() { return broker().stats().messages_refused.load(); }

    int clients_made_ = 0;
};

TEST_F(EncryptedTopicPolicyTest, PlaintextQos1IsRefusedWithPayloadFormatInvalid)
{
    auto& sub = subscriber("#");
    auto& pub = publisher();
    pub.publish("secure/x", "plain text", QoS::at_least_once, 3);
    auto acks = pub.received_of<codec::Puback>();
    ASSERT_EQ(acks.size(), 1u);
    EXPECT_EQ(acks[0].packet_id, 3);
    EXPECT_EQ(acks[0].reason, ReasonCode::PayloadFormatInvalid);
    settle();
    EXPECT_TRUE(sub.received_of<codec::Publish>().empty());
    EXPECT_EQ(refused(), 1u);
    EXPECT_FALSE(pub.link().closed());  // refused, not disconnected
}

TEST_F(EncryptedTopicPolicyTest, PlaintextQos2IsRefusedWithPubrec0x99AndItsIdIsNotKept)
{
    auto& sub = subscriber("secure/#");
    auto& pub = publisher();
    pub.publish("secure/x", "plain text", QoS::exactly_once, 5);
    auto recs = pub.received_of<codec::Pubrec>();
    ASSERT_EQ(recs.size(), 1u);
    EXPECT_EQ(recs[0].reason, ReasonCode::PayloadFormatInvalid);
    settle();
    EXPECT_TRUE(sub.received_of<codec::Publish>().empty());
    // The refused flow ended [MQTT-4.3.3-4]: the same packet id carries a new message.
    pub.publish("secure/x", binary_envelope(), QoS::exactly_once, 5);
    recs = pub.received_of<codec::Pubrec>();
    ASSERT_EQ(recs.size(), 1u);
    EXPECT_EQ(recs[0].reason, ReasonCode::Success);
    settle();
    EXPECT_EQ(sub.received_of<codec::Publish>().size(), 1u);
}

TEST_F(EncryptedTopicPolicyTest, PlaintextQos0IsDroppedAndCounted)
{
    auto& sub = subscriber("secure/#");
    auto& pub = publisher();
    pub.publish("secure/x", "plain text");
    settle();
    EXPECT_TRUE(sub.received_of<codec::Publish>().empty());
    EXPECT_TRUE(pub.received().empty());
    EXPECT_EQ(refused(), 1u);
}

TEST_F(EncryptedTopicPolicyTest, Mqtt311PlaintextIsDroppedWithAnOrdinaryAck)
{
    auto& sub = subscriber("secure/#", ProtocolVersion::v311);
    auto& pub = publisher(ProtocolVersion::v311);
    pub.publish("secure/x", "plain 0");
    pub.publish("secure/x", "plain 1", QoS::at_least_once, 1);
    pub.publish("secure/x", "plain 2", QoS::exactly_once, 2);
    // 3.1.1 has no refusal in PUBACK / PUBREC: the flows go on as usual, nothing is routed.
    auto answers = pub.received();
    ASSERT_EQ(answers.size(), 2u);
    ASSERT_TRUE(std::holds_alternative<codec::Puback>(answers[0]));
    EXPECT_EQ(std::get<codec::Puback>(answers[0]).reason, ReasonCode::Success);
    ASSERT_TRUE(std::holds_alternative<codec::Pubrec>(answers[1]));
    EXPECT_EQ(std::get<codec::Pubrec>(answers[1]).reason, ReasonCode::Success);
    settle();
    EXPECT_TRUE(sub.received_of<codec::Publish>().empty());
    EXPECT_EQ(refused(), 3u);
    EXPECT_FALSE(pub.link().closed());
}

TEST_F(EncryptedTopicPolicyTest, Mqtt311Qos2PlaintextFlowCompletes)
{
    auto& pub = publisher(ProtocolVersion::v311);
    pub.publish("secure/x", "plain", QoS::exactly_once, 2);
    auto recs = pub.received_of<codec::Pubrec>();
    ASSERT_EQ(recs.size(), 1u);
    pub.send(codec::Pubrel{2, ReasonCode::Success, {}});
    auto comps = pub.received_of<codec::Pubcomp>();
    ASSERT_EQ(comps.size(), 1u);
    EXPECT_EQ(comps[0].packet_id, 2);
}

TEST_F(EncryptedTopicPolicyTest, EnvelopeIsDeliveredByteIdenticalToBothVersions)
{
    auto& sub5 = subscriber("secure/#");
    auto& sub3 = subscriber("secure/+", ProtocolVersion::v311);
    auto& pub = publisher();
    const auto envelope = binary_envelope();
    pub.publish("secure/x", envelope, QoS::at_least_once, 1);
    EXPECT_EQ(pub.received_of<codec::Puback>().at(0).reason, ReasonCode::Success);
    settle();
    for (auto* s : {&sub5, &sub3}) {
        auto publishes = s->received_of<codec::Publish>();
        ASSERT_EQ(publishes.size(), 1u);
        EXPECT_EQ(publishes[0].payload, to_bytes(envelope));
    }
    EXPECT_EQ(refused(), 0u);
}

TEST_F(EncryptedTopicPolicyTest, EveryFilterOfTheListApplies)
{
    auto& sub = subscriber("#");
    auto& pub = publisher();
    pub.publish("secure", "plain", QoS::at_least_once,
                1);  // "secure/#" matches its parent too [MQTT-4.7.1-2]
    pub.publish("home/vault", "plain", QoS::at_least_once, 2);
    for (const auto& ack : pub.received_of<codec::Puback>())
        EXPECT_EQ(ack.reason, ReasonCode::PayloadFormatInvalid);
    settle();
    EXPECT_TRUE(sub.received_of<codec::Publish>().empty());
    EXPECT_EQ(refused(), 2u);
}

TEST_F(EncryptedTopicPolicyTest, OtherTopicsAreUnaffected)
{
    auto& sub = subscriber("#");
    auto& pub = publisher();
    for (const char* topic : {"public/x", "securex/y", "home/vault/inner", "vault"})
        pub.publish(topic, "plain", QoS::at_least_once, 1);
    for (const auto& ack : pub.received_of<codec::Puback>())
        EXPECT_EQ(ack.reason, ReasonCode::Success);
    settle();
    EXPECT_EQ(sub.received_of<codec::Publish>().size(), 4u);
    EXPECT_EQ(refused(), 0u);
}

TEST_F(EncryptedTopicPolicyTest, PlaintextRetainedMessageIsNotStored)
{
    auto& pub = publisher();
    pub.publish("secure/r", "plain", QoS::at_least_once, 1, true);
    EXPECT_EQ(pub.received_of<codec::Puback>().at(0).reason, ReasonCode::PayloadFormatInvalid);
    auto& late = subscriber("secure/#");
    settle();
    EXPECT_TRUE(late.received_of<codec::Publish>().empty());
}

TEST_F(EncryptedTopicPolicyTest, RetainedEnvelopeIsKeptAndAnEmptyRetainedPublishClearsIt)
{
    auto& pub = publisher();
    const auto envelope = binary_envelope();
    pub.publish("secure/r", envelope, QoS::at_least_once, 1, true);
    auto& first = subscriber("secure/#");
    settle();
    auto publishes = first.received_of<codec::Publish>();
    ASSERT_EQ(publishes.size(), 1u);
    EXPECT_TRUE(publishes[0].retain);
    EXPECT_EQ(publishes[0].payload, to_bytes(envelope));

    // An empty retained PUBLISH carries no data and deletes the retained message [MQTT-3.3.1-6].
    pub.publish("secure/r", "", QoS::at_least_once, 2, true);
    EXPECT_NE(pub.received_of<codec::Puback>().at(0).reason, ReasonCode::PayloadFormatInvalid);
    auto& second = subscriber("secure/#");
    settle();
    EXPECT_TRUE(second.received_of<codec::Publish>().empty());
    EXPECT_EQ(refused(), 0u);
}

TEST_F(EncryptedTopicPolicyTest, EmptyPayloadWithoutRetainIsRefused)
{
    auto& pub = publisher();
    pub.publish("secure/x", "", QoS::at_least_once, 1);
    EXPECT_EQ(pub.received_of<codec::Puback>().at(0).reason, ReasonCode::PayloadFormatInvalid);
}

TEST_F(EncryptedTopicPolicyTest, Mqtt5PlaintextWillRefusesTheConnect)
{
    auto& c = client();
    auto connack = connect_with_will(c, "secure/status", "offline");
    EXPECT_EQ(connack.reason, ReasonCode::PayloadFormatInvalid);
    EXPECT_TRUE(c.link().closed());
    EXPECT_EQ(refused(), 1u);
}

TEST_F(EncryptedTopicPolicyTest, Mqtt311PlaintextWillIsDiscardedAndNeverPublished)
{
    auto& watcher = subscriber("secure/#");
    auto& c = client(ProtocolVersion::v311);
    auto connack = connect_with_will(c, "secure/status", "offline", true);
    EXPECT_EQ(connack.reason, ReasonCode::Success);
    EXPECT_EQ(refused(), 1u);
    c.drop();  // abnormal close: the will would go out now
    settle();
    EXPECT_TRUE(watcher.received_of<codec::Publish>().empty());
    auto& late = subscriber("secure/#");  // and nothing was retained
    settle();
    EXPECT_TRUE(late.received_of<codec::Publish>().empty());
}

TEST_F(EncryptedTopicPolicyTest, EnvelopeWillIsPublishedUnchanged)
{
    auto& watcher = subscriber("secure/#");
    auto& c = client();
    const auto envelope = binary_envelope();
    EXPECT_EQ(connect_with_will(c, "secure/status", envelope).reason, ReasonCode::Success);
    c.drop();
    settle();
    auto publishes = watcher.received_of<codec::Publish>();
    ASSERT_EQ(publishes.size(), 1u);
    EXPECT_EQ(publishes[0].payload, to_bytes(envelope));
}

TEST_F(EncryptedTopicPolicyTest, PlaintextWillOnAnotherTopicIsAccepted)
{
    auto& c = client();
    EXPECT_EQ(connect_with_will(c, "status/c", "offline").reason, ReasonCode::Success);
    EXPECT_FALSE(c.link().closed());
}

TEST(PayloadPolicy, WithoutAPredicateNothingPassesOnAnEncryptedTopic)  // fail closed
{
    const PayloadPolicy policy({"secure/#"}, {});
    EXPECT_TRUE(policy.refuses("secure/x", as_bytes("ENV..."), false));
    EXPECT_FALSE(policy.refuses("public/x", as_bytes("plain"), false));
}

TEST(PayloadPolicy, NoFiltersRefusesNothing)
{
    const PayloadPolicy policy({}, looks_encrypted);
    EXPECT_TRUE(policy.empty());
    EXPECT_FALSE(policy.refuses("secure/x", as_bytes("plain"), false));
}

TEST(PayloadPolicy, WildcardFiltersDoNotCoverDollarTopics)  // [MQTT-4.7.2-1]
{
    const PayloadPolicy policy({"#", "+/x"}, looks_encrypted);
    EXPECT_TRUE(policy.covers("a/x"));
    EXPECT_FALSE(policy.covers("$app/x"));
}

TEST(PayloadPolicy, AnInvalidFilterIsAStartupError)
{
    EXPECT_THROW(PayloadPolicy({"secure/#/x"}, looks_encrypted), std::invalid_argument);
}

}  // namespace
}  // namespace moatmq::broker::test
