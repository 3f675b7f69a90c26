// Conformance statements that a single row cannot show: several connections (a publisher and its
// subscribers, a session across reconnects, members of a shared group) or a sequence whose later
// answers depend on earlier ones. Raw bytes against the real broker, like the rows; each test is named
// after the statement it checks.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "broker_process.hpp"
#include "conformance_case.hpp"
#include "mqtt_bytes.hpp"
#include "raw_client.hpp"

namespace moatmq::test::conformance {
namespace {

// The property identifiers of a 5.0 property block, in order; stops at the first unknown one.
std::vector<std::uint8_t> property_ids(const Bytes& body, std::size_t at)
{
    const std::uint32_t length = read_varint(body, at);
    const std::size_t end = std::min(body.size(), at + length);
    std::vector<std::uint8_t> ids;
    auto two_byte_length = [&](std::size_t from) {
        return from + 1 < end ? (std::size_t{body[from]} << 8 | body[from + 1]) : end;
    };
    while (at < end) {
        const auto id = body[at++];
        ids.push_back(id);
        switch (id) {
            case 0x01:
            case 0x17:
            case 0x19:
            case 0x24:
            case 0x25:
            case 0x28:
            case 0x29:
            case 0x2A:
                at += 1;
                break;
            case 0x13:
            case 0x21:
            case 0x22:
            case 0x23:
                at += 2;
                break;
            case 0x02:
            case 0x11:
            case 0x18:
            case 0x27:
                at += 4;
                break;
            case 0x03:
            case 0x08:
            case 0x09:
            case 0x12:
            case 0x15:
            case 0x16:
            case 0x1A:
            case 0x1C:
            case 0x1F:
                at += 2 + two_byte_length(at);
                break;
            case 0x26:
                at += 2 + two_byte_length(at);
                at += 2 + two_byte_length(at);
                break;
            case 0x0B:
                while (at < end && (body[at] & 0x80) != 0)
                    ++at;
                ++at;
                break;
            default:
                return ids;
        }
    }
    return ids;
}

bool has(const std::vector<std::uint8_t>& ids, std::uint8_t id)
{
    return std::find(ids.begin(), ids.end(), id) != ids.end();
}

// Where the property block of a 5.0 PUBLISH starts.
std::size_t publish_properties_at(const Packet& publish)
{
    const std::size_t topic_length = (std::size_t{publish.body.at(0)} << 8) | publish.body.at(1);
    return 2 + topic_length + (((publish.first & 0x06) != 0) ? 2 : 0);
}

std::string publish_topic(const Packet& publish)
{
    const std::size_t topic_length = (std::size_t{publish.body.at(0)} << 8) | publish.body.at(1);
    return std::string(publish.body.begin() + 2, publish.body.begin() + 2 + static_cast<long>(topic_length));
}

// One raw 5.0 connection.
class Peer {
public:
    explicit Peer(BrokerProcess& broker) : client_(broker.port()) {}

    // CONNECT 5.0 with `flags` (0x02: Clean Start) and `properties`; returns the CONNACK.
    std::optional<Packet> connect(std::string_view id, std::uint8_t flags = 0x02,
                                  const Bytes& properties = {})
    {
        if (!client_.send(connect5(id, flags, 60, properties))) return std::nullopt;
        return read_packet(client_);
    }
    bool send(const Bytes& bytes) { return client_.send(bytes); }
    std::optional<Packet> next() { return read_packet(client_); }
    // True when a PINGREQ is answered by its PINGRESP with nothing sent before it.
    bool quiet()
    {
        if (!client_.send(kPingreq)) return false;
        const auto packet = read_packet(client_);
        return packet && packet->first == 0xD0;
    }
    bool closed() { return client_.wait_closed(5s); }

private:
    RawClient client_;
};

// SUBSCRIBE 5.0 of one filter, expecting its SUBACK with `granted`.
void subscribe(Peer& peer, std::string_view filter, std::uint8_t options, std::uint8_t granted)
{
    ASSERT_TRUE(peer.send(subscribe5(1, filter, options)));
    const auto suback = peer.next();
    ASSERT_TRUE(suback);
    ASSERT_EQ(mismatch(*suback, suback5({granted})), "");
}

// A QoS 2 PUBLISH carried through to its PUBCOMP by `publisher`.
void publish_qos2(Peer& publisher, std::string_view topic, std::string_view payload, std::uint16_t id)
{
    ASSERT_TRUE(publisher.send(publish5(topic, payload, 0x04, id)));
    const auto pubrec = publisher.next();
    ASSERT_TRUE(pubrec);
    ASSERT_EQ(pubrec->first, 0x50);
    ASSERT_TRUE(publisher.send(packet(0x62, u16(id))));
    const auto pubcomp = publisher.next();
    ASSERT_TRUE(pubcomp);
    ASSERT_EQ(pubcomp->first, 0x70);
}

// Waits (bounded) until the broker has logged that `client_id`'s connection closed, so what the close
// sets off (session end, re-routing) has happened before the test looks.
bool wait_closed_in_log(BrokerProcess& broker, const std::string& client_id)
{
    const std::string who = "client " + client_id + " [";
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
        std::istringstream lines(broker.log());
        for (std::string line; std::getline(lines, line);) {
            if (line.find(who) != std::string::npos && line.find("]: closed") != std::string::npos)
                return true;
        }
        std::this_thread::sleep_for(20ms);
    }
    return false;
}

class SequenceConformance : public ::testing::Test {
protected:
    static void SetUpTestSuite() { broker_ = std::make_unique<BrokerProcess>(test_config(kLimits)); }
    static void TearDownTestSuite()
    {
        if (broker_) {
            EXPECT_EQ(broker_->stop(), 0) << broker_->log();
        }
        broker_.reset();
    }
    static inline std::unique_ptr<BrokerProcess> broker_;
};

// ---- CONNECT / CONNACK ----

TEST_F(SequenceConformance, MQTT_3_1_4_6_NothingAfterARefusedConnectIsProcessed)
{
    {
        RawClient refused(broker_->port());
        ASSERT_TRUE(refused.send(cat({connect5(std::string(24, 'x')), publish5("seq/r146", "kept?", 0x01)})));
        const auto connack = read_packet(refused);
        ASSERT_TRUE(connack);
        EXPECT_EQ(mismatch(*connack, connack5(0x85)), "");
        EXPECT_TRUE(refused.wait_closed(5s));
    }
    Peer checker(*broker_);
    ASSERT_TRUE(checker.connect("seq146"));
    subscribe(checker, "seq/r146", 0x00, 0x00);
    EXPECT_TRUE(checker.quiet()) << "the PUBLISH after the refused CONNECT was retained";
}

TEST_F(SequenceConformance, MQTT_3_2_2_2_And_3_SessionPresentFollowsCleanStartAndStoredState)
{
    const Bytes expiry = cat({Bytes{0x11}, u32(300)});
    {
        Peer first(*broker_);
        const auto connack = first.connect("seq322", 0x00, expiry);  // Clean Start 0, no session yet
        ASSERT_TRUE(connack);
        EXPECT_EQ(mismatch(*connack, Reply{0x20, {0x00, 0x00}, Bytes{}, {}, false}), "");
        ASSERT_TRUE(first.send(Bytes{0xE0, 0x00}));
        EXPECT_TRUE(first.closed());
    }
    ASSERT_TRUE(wait_closed_in_log(*broker_, "seq322"));
    {
        Peer resumed(*broker_);
        const auto connack = resumed.connect("seq322", 0x00, expiry);
        ASSERT_TRUE(connack);
        EXPECT_EQ(mismatch(*connack, Reply{0x20, {0x01, 0x00}, Bytes{}, {}, false}), "")
            << "Session Present 1";
    }
    Peer clean(*broker_);
    const auto connack = clean.connect("seq322", 0x02, expiry);
    ASSERT_TRUE(connack);
    EXPECT_EQ(mismatch(*connack, Reply{0x20, {0x00, 0x00}, Bytes{}, {}, false}), "") << "Clean Start 1";
}

// A refusal that explains itself (0x86 for a password without a user name, which moatmq does not take)
// leaves its Reason String out when the CONNACK would exceed the client's Maximum Packet Size. (A CONNECT
// that cannot be decoded has no Maximum Packet Size the broker could know.)
TEST_F(SequenceConformance, MQTT_3_2_2_19_NoConnackReasonStringPastTheClientsMaximumPacketSize)
{
    {
        RawClient roomy(broker_->port());
        ASSERT_TRUE(roomy.send(connect5("seq3219a", 0x42, 60, {}, str("secret"))));
        const auto connack = read_packet(roomy);
        ASSERT_TRUE(connack);
        ASSERT_EQ(mismatch(*connack, connack5(0x86)), "");
        ASSERT_TRUE(has(property_ids(connack->body, 2), 0x1F))
            << "no Reason String to leave out: test premise";
    }
    constexpr std::uint32_t kLimit = 16;
    RawClient tight(broker_->port());
    ASSERT_TRUE(tight.send(connect5("seq3219b", 0x42, 60, cat({Bytes{0x27}, u32(kLimit)}), str("secret"))));
    const auto connack = read_packet(tight);
    ASSERT_TRUE(connack) << "no CONNACK at all";
    EXPECT_EQ(mismatch(*connack, connack5(0x86)), "");
    EXPECT_LE(2 + connack->body.size(), kLimit);  // first byte, one-byte remaining length, body
    EXPECT_FALSE(has(property_ids(connack->body, 2), 0x1F));
}

// The same for a refusal decided from the CONNECT's content (a will QoS over the broker's Maximum QoS).
TEST(SequenceConformanceMaxQos1, MQTT_3_2_2_19_AWillRefusalKeepsToTheClientsMaximumPacketSize)
{
    BrokerProcess broker(test_config("[limits]\nmax_qos = 1\n"));
    const Bytes will = cat({props(), str("seq/w"), str("m")});
    constexpr std::uint32_t kLimit = 16;
    {
        RawClient roomy(broker.port());
        ASSERT_TRUE(roomy.send(connect5("seq3219c", 0x16, 60, {}, will)));
        const auto connack = read_packet(roomy);
        ASSERT_TRUE(connack);
        ASSERT_EQ(mismatch(*connack, connack5(0x9B)), "");
        ASSERT_GT(2 + connack->body.size(), kLimit)
            << "test premise: the full CONNACK is larger than the limit";
    }
    RawClient tight(broker.port());
    ASSERT_TRUE(tight.send(connect5("seq3219d", 0x16, 60, cat({Bytes{0x27}, u32(kLimit)}), will)));
    const auto connack = read_packet(tight);
    ASSERT_TRUE(connack) << "no CONNACK at all";
    EXPECT_EQ(mismatch(*connack, connack5(0x9B)), "");
    EXPECT_LE(2 + connack->body.size(), kLimit);
    EXPECT_EQ(broker.stop(), 0);
}

TEST_F(SequenceConformance, MQTT_4_12_0_6_NoAuthenticationMethodInConnackWhenTheClientSentNone)
{
    Peer peer(*broker_);
    const auto connack = peer.connect("seq4126");
    ASSERT_TRUE(connack);
    ASSERT_GE(connack->body.size(), 3u);
    EXPECT_FALSE(has(property_ids(connack->body, 2), 0x15));
    EXPECT_TRUE(peer.quiet()) << "an AUTH or other packet was sent";
}

TEST_F(SequenceConformance, MQTT_3_14_2_2_TakeoverDisconnectCarriesNoSessionExpiry)
{
    Peer first(*broker_);
    ASSERT_TRUE(first.connect("seq3142", 0x02, cat({Bytes{0x11}, u32(60)})));
    Peer second(*broker_);
    ASSERT_TRUE(second.connect("seq3142"));
    const auto disconnect = first.next();
    ASSERT_TRUE(disconnect);
    ASSERT_EQ(mismatch(*disconnect, disconnect5(0x8E)), "");
    EXPECT_FALSE(has(property_ids(disconnect->body, 1), 0x11));
    EXPECT_TRUE(first.closed());
}

TEST_F(SequenceConformance, MQTT_3_1_2_29_NoReasonStringOrUserPropertyOnAcksWithRequestProblemInformation0)
{
    Peer peer(*broker_);
    ASSERT_TRUE(peer.connect("seq3129", 0x02, prop_byte(0x17, 0)));
    // Answers that a broker might explain: UNSUBACK 0x11, PUBACK/PUBREC 0x10, PUBCOMP 0x92.
    ASSERT_TRUE(
        peer.send(cat({subscribe5(1, "seq/rpi", 0), packet(0xA2, cat({u16(2), props(), str("seq/none")})),
                       publish5("seq/rpi/none", "x", 0x02, 3), publish5("seq/rpi/none", "x", 0x04, 4),
                       packet(0x62, u16(5))})));
    const std::uint8_t types[] = {0x90, 0xB0, 0x40, 0x50, 0x70};
    for (const auto type : types) {
        const auto answer = peer.next();
        ASSERT_TRUE(answer);
        ASSERT_EQ(answer->first, type);
        // SUBACK and UNSUBACK: packet id, then properties; the others: packet id, reason code, properties.
        const std::size_t at = (type == 0x90 || type == 0xB0) ? 2 : 3;
        if (answer->body.size() <= at) continue;  // property block left out
        const auto ids = property_ids(answer->body, at);
        EXPECT_FALSE(has(ids, 0x1F)) << "Reason String on 0x" << std::hex << int{type};
        EXPECT_FALSE(has(ids, 0x26)) << "User Property on 0x" << std::hex << int{type};
    }
}

// A will without Will Retain is published as a live message, with its user properties in order.
TEST_F(SequenceConformance, MQTT_3_1_2_14_And_3_1_3_10_AWillWithoutRetainIsLiveAndKeepsItsProperties)
{
    Peer watcher(*broker_);
    ASSERT_TRUE(watcher.connect("seq3114w"));
    subscribe(watcher, "seq/will14", 0x00, 0x00);
    const Bytes user_properties = cat({Bytes{0x26}, str("b"), str("1"), Bytes{0x26}, str("a"), str("2")});
    {
        RawClient dying(broker_->port());
        ASSERT_TRUE(dying.send(connect5("seq3114d", 0x06, 60, {},
                                        cat({props(user_properties), str("seq/will14"), str("gone")}))));
        const auto connack = read_packet(dying);
        ASSERT_TRUE(connack);
        ASSERT_EQ(mismatch(*connack, Reply{0x20, {0x00, 0x00}, Bytes{}, {}, false}), "");
    }  // closed without DISCONNECT
    const auto will = watcher.next();
    ASSERT_TRUE(will) << "no will";
    EXPECT_EQ(will->first, 0x30) << "published retained, or not at QoS 0";
    EXPECT_EQ(publish5_payload(*will), "gone");
    const auto at = publish_properties_at(*will);
    EXPECT_NE(std::search(will->body.begin() + static_cast<long>(at), will->body.end(),
                          user_properties.begin(), user_properties.end()),
              will->body.end())
        << "will user properties changed or reordered";
    Peer late(*broker_);
    ASSERT_TRUE(late.connect("seq3114l"));
    subscribe(late, "seq/will14", 0x00, 0x00);
    EXPECT_TRUE(late.quiet()) << "the will was retained";
}

// ---- PUBLISH and its flows ----

TEST_F(SequenceConformance, MQTT_4_3_1_1_And_2_2_1_2_Qos0IsSentWithoutDupOrPacketId)
{
    Peer subscriber(*broker_);
    ASSERT_TRUE(subscriber.connect("seq431s"));
    subscribe(subscriber, "seq/q0", 0x02, 0x02);
    Peer publisher(*broker_);
    ASSERT_TRUE(publisher.connect("seq431p"));
    ASSERT_TRUE(publisher.send(publish5("seq/q0", "zero")));
    const auto publish = subscriber.next();
    ASSERT_TRUE(publish);
    EXPECT_EQ(publish->first, 0x30);
    EXPECT_EQ(publish5_payload(*publish), "zero");  // no packet id between topic and properties
}

TEST_F(SequenceConformance, MQTT_4_3_3_OutboundQos2RunsPublishPubrecPubrelPubcomp)
{
    Peer subscriber(*broker_);
    ASSERT_TRUE(subscriber.connect("seq433s"));
    subscribe(subscriber, "seq/q2", 0x02, 0x02);
    Peer publisher(*broker_);
    ASSERT_TRUE(publisher.connect("seq433p"));
    publish_qos2(publisher, "seq/q2", "two", 1);

    const auto publish = subscriber.next();
    ASSERT_TRUE(publish);
    EXPECT_EQ(publish->first, 0x34) << "QoS 2, DUP 0 [MQTT-4.3.3-2]";
    const auto id = publish_packet_id(*publish);
    EXPECT_NE(id, 0) << "[MQTT-2.2.1-4]";
    ASSERT_TRUE(subscriber.send(packet(0x50, u16(id))));
    const auto pubrel = subscriber.next();
    ASSERT_TRUE(pubrel);
    EXPECT_EQ(pubrel->first, 0x62) << "PUBREL with flags 0010 [MQTT-3.6.1-1]";
    ASSERT_GE(pubrel->body.size(), 2u);
    EXPECT_EQ((pubrel->body[0] << 8) | pubrel->body[1], id) << "same packet id [MQTT-4.3.3-4]";
    if (pubrel->body.size() > 2) {
        EXPECT_TRUE(pubrel->body[2] == 0x00 || pubrel->body[2] == 0x92)
            << "a PUBREL reason code [MQTT-3.6.2-1]";
    }
    ASSERT_TRUE(subscriber.send(packet(0x70, u16(id))));
    EXPECT_TRUE(subscriber.quiet()) << "the PUBLISH was sent again after its PUBREL [MQTT-4.3.3-6]";
}

// Message expiry applies to messages waiting for delivery, never to one whose QoS 2 PUBLISH was sent.
TEST_F(SequenceConformance, MQTT_4_3_3_7_AQos2MessageInFlightDoesNotExpire)
{
    const Bytes expiry = cat({Bytes{0x11}, u32(300)});
    auto subscriber = std::make_unique<Peer>(*broker_);
    ASSERT_TRUE(subscriber->connect("seq4337s", 0x02, expiry));
    subscribe(*subscriber, "seq/expiry", 0x02, 0x02);
    Peer publisher(*broker_);
    ASSERT_TRUE(publisher.connect("seq4337p"));
    ASSERT_TRUE(publisher.send(publish5("seq/expiry", "late", 0x04, 1, cat({Bytes{0x02}, u32(1)}))));
    const auto pubrec = publisher.next();
    ASSERT_TRUE(pubrec);
    ASSERT_TRUE(publisher.send(packet(0x62, u16(1))));
    const auto publish = subscriber->next();
    ASSERT_TRUE(publish);
    const auto id = publish_packet_id(*publish);
    subscriber.reset();  // gone without PUBREC
    ASSERT_TRUE(wait_closed_in_log(*broker_, "seq4337s"));
    std::this_thread::sleep_for(1500ms);  // the message's 1 s Message Expiry Interval passes
    Peer back(*broker_);
    const auto connack = back.connect("seq4337s", 0x00, expiry);
    ASSERT_TRUE(connack);
    ASSERT_EQ(mismatch(*connack, Reply{0x20, {0x01, 0x00}, Bytes{}, {}, false}), "");
    const auto again = back.next();
    ASSERT_TRUE(again) << "the in-flight QoS 2 message expired";
    EXPECT_EQ(again->first, 0x3C);
    EXPECT_EQ(publish_packet_id(*again), id);
}

TEST_F(SequenceConformance, MQTT_4_3_3_12_AfterPubcompTheSamePacketIdIsANewMessage)
{
    Peer subscriber(*broker_);
    ASSERT_TRUE(subscriber.connect("seq4312s"));
    subscribe(subscriber, "seq/q2new", 0x00, 0x00);
    Peer publisher(*broker_);
    ASSERT_TRUE(publisher.connect("seq4312p"));
    publish_qos2(publisher, "seq/q2new", "first", 9);
    publish_qos2(publisher, "seq/q2new", "second", 9);
    const auto first = subscriber.next();
    const auto second = subscriber.next();
    ASSERT_TRUE(first);
    ASSERT_TRUE(second);
    EXPECT_EQ(publish5_payload(*first), "first");
    EXPECT_EQ(publish5_payload(*second), "second");
}

TEST_F(SequenceConformance, MQTT_4_6_0_5_And_6_MessagesOfOnePublisherArriveInOrder)
{
    Peer subscriber(*broker_);
    ASSERT_TRUE(subscriber.connect("seq46s"));
    subscribe(subscriber, "seq/order", 0x01, 0x01);
    Peer publisher(*broker_);
    ASSERT_TRUE(publisher.connect("seq46p"));
    constexpr int kCount = 40;
    Bytes burst;
    for (int i = 0; i < kCount; ++i) {  // QoS 0 and QoS 1 interleaved
        const auto qos = static_cast<std::uint8_t>(i % 2 == 0 ? 0x00 : 0x02);
        burst =
            cat({burst, publish5("seq/order", std::to_string(i), qos, static_cast<std::uint16_t>(i + 1))});
    }
    ASSERT_TRUE(publisher.send(burst));
    for (int i = 0; i < kCount; ++i) {
        const auto publish = subscriber.next();
        ASSERT_TRUE(publish) << "message " << i << " never came";
        EXPECT_EQ(publish5_payload(*publish), std::to_string(i));
        if ((publish->first & 0x06) != 0) {
            EXPECT_EQ(publish->first, 0x32) << "QoS 1 with DUP 0 [MQTT-4.3.2-2]";
            ASSERT_TRUE(subscriber.send(puback(publish_packet_id(*publish))));
        }
    }
}

TEST_F(SequenceConformance, MQTT_3_3_1_8_ANonRetainedPublishLeavesTheRetainedMessage)
{
    Peer publisher(*broker_);
    ASSERT_TRUE(publisher.connect("seq338p"));
    ASSERT_TRUE(
        publisher.send(cat({publish5("seq/r8", "old", 0x03, 1), publish5("seq/r8", "new", 0x02, 2)})));
    for (int i = 0; i < 2; ++i) {
        const auto ack = publisher.next();
        ASSERT_TRUE(ack);
        ASSERT_EQ(ack->first, 0x40);
    }
    Peer subscriber(*broker_);
    ASSERT_TRUE(subscriber.connect("seq338s"));
    subscribe(subscriber, "seq/r8", 0x00, 0x00);
    const auto retained = subscriber.next();
    ASSERT_TRUE(retained);
    EXPECT_EQ(retained->first, 0x31);
    EXPECT_EQ(publish5_payload(*retained), "old");
    EXPECT_TRUE(subscriber.quiet());
}

TEST_F(SequenceConformance, MQTT_3_1_2_27_NoTopicAliasToAClientThatAllowedNone)
{
    Peer subscriber(*broker_);
    ASSERT_TRUE(subscriber.connect("seq3127s"));  // no Topic Alias Maximum: 0
    subscribe(subscriber, "seq/alias27", 0x00, 0x00);
    Peer publisher(*broker_);
    ASSERT_TRUE(publisher.connect("seq3127p"));
    ASSERT_TRUE(publisher.send(
        cat({publish5("seq/alias27", "1"), publish5("seq/alias27", "2"), publish5("seq/alias27", "3")})));
    for (int i = 0; i < 3; ++i) {
        const auto publish = subscriber.next();
        ASSERT_TRUE(publish);
        EXPECT_EQ(publish_topic(*publish), "seq/alias27");
        EXPECT_FALSE(has(property_ids(publish->body, publish_properties_at(*publish)), 0x23));
    }
}

TEST_F(SequenceConformance, MQTT_3_3_2_7_TopicAliasesDoNotOutliveTheConnection)
{
    const Bytes expiry = cat({Bytes{0x11}, u32(300)});
    {
        Peer first(*broker_);
        ASSERT_TRUE(first.connect("seq332", 0x02, expiry));
        ASSERT_TRUE(first.send(publish5("seq/alias7", "x", 0x02, 1, prop_u16(0x23, 1))));
        const auto puback = first.next();
        ASSERT_TRUE(puback);
        ASSERT_EQ(puback->first, 0x40);
        ASSERT_TRUE(first.send(Bytes{0xE0, 0x00}));
        EXPECT_TRUE(first.closed());
    }
    ASSERT_TRUE(wait_closed_in_log(*broker_, "seq332"));
    Peer again(*broker_);
    const auto connack = again.connect("seq332", 0x00, expiry);  // same session, new connection
    ASSERT_TRUE(connack);
    ASSERT_EQ(mismatch(*connack, Reply{0x20, {0x01, 0x00}, Bytes{}, {}, false}), "");
    ASSERT_TRUE(again.send(publish5("", "y", 0x02, 2, prop_u16(0x23, 1))));
    const auto disconnect = again.next();
    ASSERT_TRUE(disconnect) << "the alias of the earlier connection was accepted";
    EXPECT_EQ(mismatch(*disconnect, disconnect5(0x82, {0x94})), "");
}

// ---- flow control ----

TEST_F(SequenceConformance, MQTT_3_3_4_10_And_4_9_0_3_AFullWindowDelaysOnlyPublishes)
{
    Peer subscriber(*broker_);
    ASSERT_TRUE(subscriber.connect("seq3410s", 0x02, prop_u16(0x21, 1)));  // Receive Maximum 1
    subscribe(subscriber, "seq/window", 0x01, 0x01);
    Peer publisher(*broker_);
    ASSERT_TRUE(publisher.connect("seq3410p"));
    ASSERT_TRUE(
        publisher.send(cat({publish5("seq/window", "1", 0x02, 1), publish5("seq/window", "2", 0x02, 2)})));
    const auto first = subscriber.next();
    ASSERT_TRUE(first);
    EXPECT_EQ(publish5_payload(*first), "1");
    // The window is full: a PINGREQ and a SUBSCRIBE are still answered, and nothing else comes first.
    EXPECT_TRUE(subscriber.quiet())
        << "[MQTT-3.3.4-9] more than Receive Maximum in flight, or PINGRESP delayed";
    ASSERT_TRUE(subscriber.send(subscribe5(3, "seq/other", 0)));
    const auto suback = subscriber.next();
    ASSERT_TRUE(suback);
    EXPECT_EQ(suback->first, 0x90);
    ASSERT_TRUE(subscriber.send(puback(publish_packet_id(*first))));
    const auto second = subscriber.next();
    ASSERT_TRUE(second);
    EXPECT_EQ(publish5_payload(*second), "2");
}

// ---- SUBSCRIBE / UNSUBSCRIBE ----

TEST_F(SequenceConformance, MQTT_3_10_4_2_And_3_UnsubscribeStopsNewMessagesAndCompletesInFlightOnes)
{
    Peer subscriber(*broker_);
    ASSERT_TRUE(subscriber.connect("seq3104s"));
    subscribe(subscriber, "seq/unsub", 0x01, 0x01);
    Peer publisher(*broker_);
    ASSERT_TRUE(publisher.connect("seq3104p"));
    ASSERT_TRUE(publisher.send(publish5("seq/unsub", "before", 0x02, 1)));
    const auto inflight = subscriber.next();
    ASSERT_TRUE(inflight);
    ASSERT_TRUE(subscriber.send(packet(0xA2, cat({u16(2), props(), str("seq/unsub")}))));
    const auto unsuback = subscriber.next();
    ASSERT_TRUE(unsuback);
    EXPECT_EQ(mismatch(*unsuback, Reply{0xB0, {0x00, 0x02}, Bytes{0x00}, {}, false}), "");
    ASSERT_TRUE(subscriber.send(puback(publish_packet_id(*inflight))));  // completes normally
    ASSERT_TRUE(publisher.send(publish5("seq/unsub", "after", 0x02, 2)));
    const auto puback_after = publisher.next();  // the broker has routed "after" once this comes
    ASSERT_TRUE(puback_after);
    EXPECT_TRUE(subscriber.quiet()) << "a message arrived after UNSUBACK";
}

// ---- shared subscriptions ----

// A member takes a QoS 2 message and its session ends before it completes: nobody else gets it.
TEST_F(SequenceConformance, MQTT_4_8_2_5_AQos2DeliveryIsNotGivenToAnotherMemberWhenTheSessionEnds)
{
    Peer publisher(*broker_);
    ASSERT_TRUE(publisher.connect("seq4825p"));
    auto first = std::make_unique<Peer>(*broker_);
    ASSERT_TRUE(first->connect("seq4825a"));  // Session Expiry 0: the session ends with the connection
    subscribe(*first, "$share/g5/seq/shared5", 0x02, 0x02);
    publish_qos2(publisher, "seq/shared5", "once", 1);
    const auto publish = first->next();
    ASSERT_TRUE(publish);
    ASSERT_EQ(publish->first & 0x06, 0x04);
    Peer other(*broker_);
    ASSERT_TRUE(other.connect("seq4825b"));
    subscribe(other, "$share/g5/seq/shared5", 0x02, 0x02);
    first.reset();  // the connection breaks before the PUBREC
    ASSERT_TRUE(wait_closed_in_log(*broker_, "seq4825a"));
    EXPECT_TRUE(other.quiet()) << "the QoS 2 message went to another member";
}

// The same with a session that outlives the connection: it completes on the member's return.
TEST_F(SequenceConformance, MQTT_4_8_2_4_AQos2DeliveryIsCompletedWhenTheMemberReconnects)
{
    const Bytes expiry = cat({Bytes{0x11}, u32(300)});
    Peer publisher(*broker_);
    ASSERT_TRUE(publisher.connect("seq4824p"));
    auto first = std::make_unique<Peer>(*broker_);
    ASSERT_TRUE(first->connect("seq4824a", 0x02, expiry));
    subscribe(*first, "$share/g4/seq/shared4", 0x02, 0x02);
    publish_qos2(publisher, "seq/shared4", "resume", 1);
    const auto publish = first->next();
    ASSERT_TRUE(publish);
    const auto id = publish_packet_id(*publish);
    Peer other(*broker_);
    ASSERT_TRUE(other.connect("seq4824b"));
    subscribe(other, "$share/g4/seq/shared4", 0x02, 0x02);
    first.reset();
    ASSERT_TRUE(wait_closed_in_log(*broker_, "seq4824a"));
    EXPECT_TRUE(other.quiet()) << "the QoS 2 message went to another member";
    Peer back(*broker_);
    const auto connack = back.connect("seq4824a", 0x00, expiry);
    ASSERT_TRUE(connack);
    ASSERT_EQ(mismatch(*connack, Reply{0x20, {0x01, 0x00}, Bytes{}, {}, false}), "");
    const auto again = back.next();
    ASSERT_TRUE(again) << "the delivery was not resumed";
    EXPECT_EQ(again->first, 0x3C) << "QoS 2 with DUP [MQTT-3.3.1-1]";
    EXPECT_EQ(publish_packet_id(*again), id) << "original packet id [MQTT-4.4.0-1]";
    EXPECT_EQ(publish5_payload(*again), "resume");
}

TEST_F(SequenceConformance, MQTT_4_8_2_6_AFailedPubackDiscardsTheSharedMessage)
{
    Peer publisher(*broker_);
    ASSERT_TRUE(publisher.connect("seq4826p"));
    auto first = std::make_unique<Peer>(*broker_);
    ASSERT_TRUE(first->connect("seq4826a"));
    subscribe(*first, "$share/g6/seq/shared6", 0x01, 0x01);
    ASSERT_TRUE(publisher.send(publish5("seq/shared6", "refused", 0x02, 1)));
    const auto publish = first->next();
    ASSERT_TRUE(publish);
    Peer other(*broker_);
    ASSERT_TRUE(other.connect("seq4826b"));
    subscribe(other, "$share/g6/seq/shared6", 0x01, 0x01);
    ASSERT_TRUE(first->send(packet(0x40, cat({u16(publish_packet_id(*publish)), Bytes{0x80}}))));
    EXPECT_TRUE(first->quiet());
    first.reset();
    ASSERT_TRUE(wait_closed_in_log(*broker_, "seq4826a"));
    EXPECT_TRUE(other.quiet()) << "the refused message went to another member";
}

}  // namespace
}  // namespace moatmq::test::conformance
