// ACLs against the real broker with Paho C++ (MQTT 5 reason codes): SUBACK 0x87 for one filter of several
// (0x80 in 3.1.1), PUBACK 0x87, the disconnect option for denied QoS 0, per-user pattern topics, and a reload
// that cuts off an existing connection's subscription at once. (Wills: acl_mosquitto_test.cpp, since Paho
// C++ 1.2 cannot close abnormally.)
#include <gtest/gtest.h>

#include "acl_support.hpp"
#include "paho_support.hpp"

namespace moatmq::test {
namespace {

mqtt::connect_options as(const PahoClient& client, const std::string& user)
{
    return client.options().user_name(user).password("pw-" + user).finalize();
}

// Subscribes to several filters in one SUBSCRIBE and returns the SUBACK reason codes. (Paho C++ 1.2 crashes
// in MQTTAsync_subscribeMany when given per-topic subscribe options: none are passed.)
std::vector<mqtt::ReasonCode> subscribe_many(PahoClient& client, const std::vector<std::string>& filters)
{
    auto token = client.client().subscribe(mqtt::string_collection::create(filters),
                                           std::vector<int>(filters.size(), 1));
    if (!token->wait_for(kPahoTimeout)) throw std::runtime_error("no SUBACK");
    return token->get_subscribe_response().get_reason_codes();
}

TEST(AclPaho, SubackRefusesOnlyTheForbiddenFilters)
{
    AclFiles files;
    BrokerProcess broker(files.config());
    PahoClient bob(broker.port(), "bob-5");
    bob.connect(as(bob, "bob"));
    const auto codes = subscribe_many(bob, {"sensors/#", "secret/#", "devices/bob/#", "devices/alice/#"});
    EXPECT_EQ(codes, (std::vector<mqtt::ReasonCode>{
                         mqtt::ReasonCode::GRANTED_QOS_1, mqtt::ReasonCode::NOT_AUTHORIZED,
                         mqtt::ReasonCode::GRANTED_QOS_1, mqtt::ReasonCode::NOT_AUTHORIZED}));

    PahoClient old(broker.port(), "bob-311", MQTTVERSION_3_1_1);
    old.connect(as(old, "bob"));
    const auto old_codes = subscribe_many(old, {"secret/#", "public/+"});
    ASSERT_EQ(old_codes.size(), 2U);
    EXPECT_EQ(static_cast<int>(old_codes[0]), 0x80);
    EXPECT_EQ(static_cast<int>(old_codes[1]), 1);
}

TEST(AclPaho, DeniedPublishQos1GetsPuback0x87)
{
    AclFiles files;
    BrokerProcess broker(files.config());
    PahoClient bob(broker.port(), "bob-pub");
    bob.connect(as(bob, "bob"));
    auto message = mqtt::message_ptr_builder().topic("secret/x").payload("no").qos(1).finalize();
    auto token = bob.client().publish(message);
    try {
        token->wait_for(kPahoTimeout);
        FAIL() << "publish to a forbidden topic succeeded";
    } catch (const mqtt::exception& e) {
        EXPECT_EQ(e.get_reason_code(), mqtt::ReasonCode::NOT_AUTHORIZED) << e.what();
    }
    // The connection stays up for QoS 1 (the reason code told the client).
    bob.publish("bob/out/fine", "yes", 1);
}

TEST(AclPaho, DisconnectOnDeniedPublishClosesQos0Publishers)
{
    AclFiles files;
    BrokerProcess broker(files.config("disconnect_on_denied_publish = true\n"));
    PahoClient bob(broker.port(), "bob-q0");
    bob.connect(as(bob, "bob"));
    bob.publish("bob/out/fine", "yes", 0);
    bob.publish("secret/x", "no", 0);
    EXPECT_EQ(bob.wait_server_disconnect(10s), mqtt::ReasonCode::NOT_AUTHORIZED);
}

TEST(AclPaho, PatternTopicsArePerUser)
{
    AclFiles files;
    BrokerProcess broker(files.config());
    PahoClient alice(broker.port(), "alice-1");
    alice.connect(as(alice, "alice"));
    PahoClient bob(broker.port(), "bob-1");
    bob.connect(as(bob, "bob"));
    EXPECT_EQ(alice.subscribe("devices/+/lamp", 1),
              std::vector<mqtt::ReasonCode>{mqtt::ReasonCode::GRANTED_QOS_1});
    EXPECT_EQ(bob.subscribe("devices/#", 1), std::vector<mqtt::ReasonCode>{mqtt::ReasonCode::GRANTED_QOS_1});
    alice.subscribe("public/#", 1);  // for the marker
    bob.subscribe("public/#", 1);
    alice.publish("devices/alice/lamp", "alice-on", 1);
    bob.publish("devices/bob/lamp", "bob-on", 1);
    PahoClient admin(broker.port(), "admin-1");
    admin.connect(as(admin, "admin"));
    admin.publish("public/zz", "end", 1);

    EXPECT_EQ(topics_of(alice.until_marker("public/zz", 10s)),
              (std::vector<std::string>{"devices/alice/lamp", "public/zz"}));
    EXPECT_EQ(topics_of(bob.until_marker("public/zz", 10s)),
              (std::vector<std::string>{"devices/bob/lamp", "public/zz"}));
}

TEST(AclPaho, ReloadStopsAnExistingSubscriptionAtOnce)
{
    AclFiles files;
    BrokerProcess broker(files.config());
    PahoClient bob(broker.port(), "bob-live");
    bob.connect(as(bob, "bob"));
    bob.subscribe("sensors/#", 1);
    bob.subscribe("public/#", 1);
    PahoClient admin(broker.port(), "admin-live");
    admin.connect(as(admin, "admin"));
    admin.publish("sensors/garage", "before", 1);
    auto before = bob.next(10s);
    ASSERT_TRUE(before.has_value());
    EXPECT_EQ(before->topic, "sensors/garage");

    std::string acl(kSiteAcl);
    acl.insert(acl.find("topic write bob/out/#"), "topic deny sensors/garage\n");
    files.write_acl(acl);
    ASSERT_TRUE(reload(broker, "(reload #1)")) << broker.log();
    admin.publish("sensors/garage", "after", 1);
    admin.publish("sensors/kitchen", "after", 1);
    admin.publish("public/zz", "end", 1);
    EXPECT_EQ(topics_of(bob.until_marker("public/zz", 10s)),
              (std::vector<std::string>{"sensors/kitchen", "public/zz"}));
}

}  // namespace
}  // namespace moatmq::test
