// Conformance of SUBSCRIBE, UNSUBSCRIBE, PINGREQ and DISCONNECT: options, filters, identifiers.
#include "conformance_case.hpp"

namespace moatmq::test::conformance {
namespace {

class SubscribeConformance : public BrokerSuite<DefaultLimits> {};

TEST_P(SubscribeConformance, BrokerAnswersAsTheSpecSays)
{
    ASSERT_TRUE(broker_);
    run_case(*broker_, GetParam());
}

std::vector<Case> cases()
{
    return {
        // ---- SUBSCRIBE / UNSUBSCRIBE ----
        {"SUBSCRIBE 3.1.1 grants QoS 0 1 2 [MQTT-3.8.4-1]",
         Session::v311,
         packet(0x82, cat({u16(1), str("a"), Bytes{0}, str("b"), Bytes{1}, str("c/#"), Bytes{2}})),
         {exact(0x90, {0x00, 0x01, 0x00, 0x01, 0x02})},
         false},
        {"SUBSCRIBE 5.0 grants QoS 0 1 2 [MQTT-3.8.4-1]",
         Session::v5,
         packet(0x82, cat({u16(1), props(), str("a"), Bytes{0}, str("b"), Bytes{1}, str("c/#"), Bytes{2}})),
         {suback5({0x00, 0x01, 0x02})},
         false},
        {"SUBSCRIBE 3.1.1 qos=3 closes [MQTT-3.8.3-4]", Session::v311, subscribe311(1, "a", 3), {}, true},
        {"SUBSCRIBE 5.0 qos=3 DISCONNECT 0x81 or 0x82 [MQTT-3.8.3-4]",
         Session::v5,
         subscribe5(1, "a", 3),
         {disconnect5(0x81, {0x82})},
         true},
        {"SUBSCRIBE 3.1.1 reserved option bits closes [MQTT-3.8.3-4]",
         Session::v311,
         subscribe311(1, "a", 0x41),
         {},
         true},
        {"SUBSCRIBE 5.0 reserved option bits DISCONNECT 0x81 [MQTT-3.8.3-5]",
         Session::v5,
         subscribe5(1, "a", 0xC1),
         {disconnect5(0x81)},
         true},
        {"SUBSCRIBE 5.0 retain handling 3 DISCONNECT 0x82 [MQTT-3.8.3-5]",
         Session::v5,
         subscribe5(1, "a", 0x31),
         {disconnect5(0x82, {0x81})},
         true},
        {"SUBSCRIBE 3.1.1 no filters closes [MQTT-3.8.3-3]", Session::v311, packet(0x82, u16(1)), {}, true},
        {"SUBSCRIBE 5.0 no filters DISCONNECT 0x82 [MQTT-3.8.3-2]",
         Session::v5,
         packet(0x82, cat({u16(1), props()})),
         {disconnect5(0x82, {0x81})},
         true},
        {"SUBSCRIBE 3.1.1 packet id 0 closes [MQTT-2.3.1-1]",
         Session::v311,
         subscribe311(0, "a", 0),
         {},
         true},
        {"SUBSCRIBE 3.1.1 filter a/#/b closes [MQTT-4.7.1-2]",
         Session::v311,
         subscribe311(1, "a/#/b", 0),
         {},
         true},
        // A filter breaking the wildcard rules is not "correctly formed", which is what SUBACK and
        // DISCONNECT 0x8F (Topic Filter invalid) are defined for: it is a Malformed Packet (4.13).
        {"SUBSCRIBE 5.0 filter a+/b DISCONNECT 0x81 [MQTT-4.7.1-2]",
         Session::v5,
         subscribe5(1, "a+/b", 0),
         {disconnect5(0x81, {0x82})},
         true},
        {"SUBSCRIBE 5.0 filter a/#/b DISCONNECT 0x81 [MQTT-4.7.1-1]",
         Session::v5,
         subscribe5(1, "a/#/b", 0),
         {disconnect5(0x81, {0x82})},
         true},
        {"SUBSCRIBE 5.0 filter invalid UTF-8 DISCONNECT 0x81 [MQTT-1.5.4-1]",
         Session::v5,
         subscribe5(1, "a\xC0\xAF", 0),
         {disconnect5(0x81)},
         true},
        {"SUBSCRIBE 5.0 No Local on a shared subscription DISCONNECT 0x82 [MQTT-3.8.3-4]",
         Session::v5,
         subscribe5(1, "$share/g/a", 0x04),
         {disconnect5(0x82)},
         true},
        {"SUBSCRIBE 5.0 Subscription Identifier 0 DISCONNECT 0x82 [MQTT-3.8.2.1.2]",
         Session::v5,
         subscribe5(1, "a", 0, Bytes{0x0B, 0x00}),
         {disconnect5(0x82, {0x81})},
         true},
        {"UNSUBSCRIBE 3.1.1 no filters closes [MQTT-3.10.3-2]",
         Session::v311,
         packet(0xA2, u16(1)),
         {},
         true},
        {"UNSUBSCRIBE 5.0 no filters DISCONNECT 0x82 [MQTT-3.10.3-2]",
         Session::v5,
         packet(0xA2, cat({u16(1), props()})),
         {disconnect5(0x82, {0x81})},
         true},
        {"UNSUBSCRIBE 3.1.1 UNSUBACK with its packet id [MQTT-3.10.4-4]",
         Session::v311,
         packet(0xA2, cat({u16(5), str("none")})),
         {exact(0xB0, {0x00, 0x05})},
         false},
        {"UNSUBSCRIBE 5.0 of no subscription UNSUBACK 0x11 [MQTT-3.11.3-1]",
         Session::v5,
         packet(0xA2, cat({u16(5), props(), str("none")})),
         {Reply{0xB0, {0x00, 0x05}, Bytes{0x11}, {}, false}},
         false},

        // ---- others ----
        {"PINGREQ answered with PINGRESP [MQTT-3.12.4-1]",
         Session::v311,
         kPingreqBytes,
         {exact(0xD0, {})},
         false},
        {"DISCONNECT 3.1.1 closes the connection [MQTT-3.14.4-1]",
         Session::v311,
         Bytes{0xE0, 0x00},
         {},
         true},
        {"DISCONNECT 5.0 invalid reason code DISCONNECT 0x81 or 0x82 [MQTT-3.14.2.1]",
         Session::v5,
         packet(0xE0, Bytes{0x03, 0x00}),
         {disconnect5(0x81, {0x82})},
         true},
    };
}

INSTANTIATE_TEST_SUITE_P(Mqtt, SubscribeConformance, ::testing::ValuesIn(cases()), test_name);

}  // namespace
}  // namespace moatmq::test::conformance
