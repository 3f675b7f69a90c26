// Conformance of a broker with the optional 5.0 features turned off: Maximum QoS 1, and Retain,
// Wildcard, Shared and Subscription Identifier not available (announced in CONNACK, enforced on use).
#include "conformance_case.hpp"

namespace moatmq::test::conformance {
namespace {

// A broker that turns the optional 5.0 features off (announced in CONNACK, enforced on use).
struct FeaturesOff {
    static constexpr const char* text =
        "[limits]\n"
        "max_qos = 1\n"
        "retain_available = false\n"
        "wildcard_subscription_available = false\n"
        "subscription_identifier_available = false\n"
        "shared_subscription_available = false\n";
};

class FeaturesOffConformance : public BrokerSuite<FeaturesOff> {};

TEST_P(FeaturesOffConformance, BrokerAnswersAsTheSpecSays)
{
    ASSERT_TRUE(broker_);
    run_case(*broker_, GetParam());
}

std::vector<Case> cases()
{
    return {
        {"PUBLISH 5.0 QoS 2 over Maximum QoS 1 DISCONNECT 0x9B [MQTT-3.2.2-11]",
         Session::v5,
         publish5("a", "x", 0x04, 1),
         {disconnect5(0x9B)},
         true},
        {"PUBLISH 3.1.1 QoS 2 over the broker's maximum QoS 1 closes [MQTT-4.8.0-1]",
         Session::v311,
         publish311("a", 0x04, 1),
         {},
         true},
        {"CONNECT 5.0 will QoS 2 over Maximum QoS 1 CONNACK 0x9B [MQTT-3.2.2-12]",
         Session::none,
         connect5("c", 0x16, 60, {}, cat({props(), str("w"), str("m")})),
         {connack5(0x9B)},
         true},
        {"CONNECT 5.0 will retain with Retain Available 0 CONNACK 0x9A [MQTT-3.2.2-13]",
         Session::none,
         connect5("c", 0x26, 60, {}, cat({props(), str("w"), str("m")})),
         {connack5(0x9A)},
         true},
        {"SUBSCRIBE 5.0 QoS 0 1 2 all accepted under Maximum QoS 1 [MQTT-3.2.2-10]",
         Session::v5,
         packet(0x82, cat({u16(1), props(), str("a"), Bytes{0}, str("b"), Bytes{1}, str("c"), Bytes{2}})),
         {suback5({0x00, 0x01, 0x01})},
         false},
        {"PUBLISH 5.0 retained with Retain Available 0 DISCONNECT 0x9A [MQTT-3.2.2-14]",
         Session::v5,
         publish5("a", "x", 0x01),
         {disconnect5(0x9A)},
         true},
        {"SUBSCRIBE 5.0 QoS 2 granted QoS 1 under Maximum QoS 1 [MQTT-3.2.2-9]",
         Session::v5,
         subscribe5(1, "a", 0x02),
         {suback5({0x01})},
         false},
        either({"SUBSCRIBE 5.0 wildcard with Wildcard Subscription Available 0 0xA2 [MQTT-3.2.2.3.14]",
                Session::v5,
                subscribe5(1, "a/#", 0x01),
                {suback5({0xA2})},
                false},
               {disconnect5(0xA2)}, true),
        either({"SUBSCRIBE 5.0 shared with Shared Subscription Available 0 0x9E [MQTT-3.2.2.3.16]",
                Session::v5,
                subscribe5(1, "$share/g/a", 0x01),
                {suback5({0x9E})},
                false},
               {disconnect5(0x9E)}, true),
        {"SUBSCRIBE 5.0 Subscription Identifier with Subscription Identifiers Available 0 DISCONNECT 0xA1 "
         "[MQTT-3.2.2.3.15]",
         Session::v5,
         subscribe5(1, "a", 0x01, Bytes{0x0B, 0x05}),
         {disconnect5(0xA1)},
         true},
    };
}

INSTANTIATE_TEST_SUITE_P(Mqtt, FeaturesOffConformance, ::testing::ValuesIn(cases()), test_name);

}  // namespace
}  // namespace moatmq::test::conformance
