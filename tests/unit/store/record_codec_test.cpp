#include "store/record_codec.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace moatmq::store {
namespace {

broker::StoredMessage sample_message(codec::QoS qos = codec::QoS::exactly_once)
{
    auto m = std::make_shared<broker::Message>();
    m->topic = "plant/7/temperature";
    m->payload = to_bytes("21.5");
    m->qos = qos;
    m->retain = true;
    m->origin_client_id = "sensor-7";
    m->origin_username = "plant-operator";
    m->properties.content_type = "text/plain";
    m->properties.correlation_data = to_bytes("corr");
    m->properties.user_properties.emplace_back("unit", "C");
    m->properties.payload_format_indicator = 1;
    return {m, broker::WallMillis{1'700'000'000'123}};
}

void expect_same(const broker::StoredMessage& a, const broker::StoredMessage& b)
{
    EXPECT_EQ(a.expires_at, b.expires_at);
    EXPECT_EQ(a.message->topic, b.message->topic);
    EXPECT_EQ(a.message->payload, b.message->payload);
    EXPECT_EQ(a.message->qos, b.message->qos);
    EXPECT_EQ(a.message->retain, b.message->retain);
    EXPECT_EQ(a.message->origin_client_id, b.message->origin_client_id);
    EXPECT_EQ(a.message->origin_username, b.message->origin_username);
    EXPECT_EQ(a.message->properties, b.message->properties);
}

TEST(RecordCodec, MessageRoundTripsWithPropertiesAndExpiry)
{
    const auto message = sample_message();
    auto decoded = decode_message(encode_message(message));
    ASSERT_TRUE(decoded);
    expect_same(message, *decoded);

    broker::StoredMessage plain{std::make_shared<broker::Message>(), std::nullopt};
    auto& m = const_cast<broker::Message&>(*plain.message);
    m.topic = "a";
    auto decoded_plain = decode_message(encode_message(plain));
    ASSERT_TRUE(decoded_plain);
    expect_same(plain, *decoded_plain);
}

TEST(RecordCodec, SessionRoundTripsWithDelayedWill)
{
    broker::StoredSession s;
    s.client_id = "c1";
    s.expiry_interval = 3600;
    s.expires_at = 1'700'000'100'000;
    s.version = codec::ProtocolVersion::v311;
    s.will = broker::StoredWill{sample_message(codec::QoS::at_least_once), 30,
                                broker::WallMillis{1'700'000'050'000}};
    broker::StoredSession out;
    ASSERT_TRUE(decode_session(encode_session(s), out));
    EXPECT_EQ(out.expiry_interval, 3600U);
    EXPECT_EQ(out.expires_at, s.expires_at);
    EXPECT_EQ(out.version, codec::ProtocolVersion::v311);
    ASSERT_TRUE(out.will);
    EXPECT_EQ(out.will->delay_interval, 30U);
    EXPECT_EQ(out.will->publish_at, s.will->publish_at);
    expect_same(out.will->message, s.will->message);

    broker::StoredSession bare;
    bare.expiry_interval = 0xFFFF'FFFF;
    broker::StoredSession bare_out;
    ASSERT_TRUE(decode_session(encode_session(bare), bare_out));
    EXPECT_FALSE(bare_out.expires_at);
    EXPECT_FALSE(bare_out.will);
    EXPECT_EQ(bare_out.expiry_interval, 0xFFFF'FFFFU);
}

TEST(RecordCodec, SubscriptionKeepsEveryOption)
{
    broker::StoredSubscription s;
    s.filter = "$share/g/a/+/#";
    s.options.qos = codec::QoS::at_least_once;
    s.options.no_local = true;
    s.options.retain_as_published = true;
    s.options.retain_handling = codec::RetainHandling::dont_send;
    s.subscription_id = 268'435'455;
    auto out = decode_subscription(s.filter, encode_subscription(s));
    ASSERT_TRUE(out);
    EXPECT_EQ(out->filter, s.filter);
    EXPECT_EQ(out->options, s.options);
    EXPECT_EQ(out->subscription_id, s.subscription_id);
}

TEST(RecordCodec, DeliveryAndStageRoundTrip)
{
    broker::StoredDelivery d;
    d.message = sample_message();
    d.qos = codec::QoS::exactly_once;
    d.retain = true;
    d.subscription_ids = {1, 77};
    broker::StoredDelivery out;
    ASSERT_TRUE(decode_delivery(encode_delivery(d), out));
    EXPECT_EQ(out.qos, d.qos);
    EXPECT_TRUE(out.retain);
    EXPECT_EQ(out.subscription_ids, d.subscription_ids);
    expect_same(out.message, d.message);
    EXPECT_EQ(out.stage, broker::StoredStage::queued);

    ASSERT_TRUE(decode_stage(encode_stage(513, broker::StoredStage::awaiting_pubcomp), out));
    EXPECT_EQ(out.packet_id, 513);
    EXPECT_EQ(out.stage, broker::StoredStage::awaiting_pubcomp);
}

TEST(RecordCodec, EveryTruncationOrBadVersionIsRefused)
{
    broker::StoredDelivery d;
    d.message = sample_message();
    d.subscription_ids = {5};
    const auto bytes = encode_delivery(d);
    for (std::size_t n = 0; n < bytes.size(); ++n) {
        broker::StoredDelivery out;
        EXPECT_FALSE(decode_delivery(std::string_view(bytes).substr(0, n), out)) << "prefix of " << n;
    }
    auto wrong_version = bytes;
    wrong_version[0] = 2;
    broker::StoredDelivery out;
    EXPECT_FALSE(decode_delivery(wrong_version, out));
    EXPECT_FALSE(decode_stage(encode_stage(0, broker::StoredStage::awaiting_puback), out));  // id 0
    EXPECT_FALSE(decode_subscription("a", std::string("\x01\x03\0\0\0\0", 6)));              // QoS 3
    broker::StoredSession s;
    EXPECT_FALSE(decode_session("", s));
}

TEST(RecordCodec, KeysOfASessionShareAPrefixAndSortBySeq)
{
    // "a" must not be a prefix of "ab"'s records: the length comes first.
    const auto a = session_prefix(RecordKind::delivery, "a");
    EXPECT_FALSE(delivery_key(RecordKind::delivery, "ab", 1).starts_with(a));
    EXPECT_TRUE(delivery_key(RecordKind::delivery, "a", 1).starts_with(a));
    EXPECT_LT(delivery_key(RecordKind::delivery, "a", 255), delivery_key(RecordKind::delivery, "a", 256));
    const auto end = prefix_end(a);
    EXPECT_LT(delivery_key(RecordKind::delivery, "a", ~std::uint64_t{0}), end);
    EXPECT_GT(end, a);

    const auto key = delivery_key(RecordKind::delivery, "client/1", 42);  // `rest` views into it
    auto parsed = parse_key(key);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->kind, RecordKind::delivery);
    EXPECT_EQ(parsed->client_id, "client/1");
    EXPECT_EQ(parse_seq(parsed->rest), 42U);
    EXPECT_FALSE(parse_key("Zzz"));
    EXPECT_FALSE(
        parse_key(std::string("s\x00\x05"
                              "ab",
                              5)));  // length beyond the key
}

}  // namespace
}  // namespace moatmq::store
