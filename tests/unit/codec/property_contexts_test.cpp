// Every MQTT 5.0 property (all 27 identifiers of Table 2-4, §2.2.2.2) in every packet that has
// properties (13 packet types and the Will Properties of CONNECT), through the decoder: accepted where
// the table allows it (and re-encoded to the same bytes, which proves its value was read with the
// right type), refused as a Malformed Packet (0x81) where it does not; and a second copy of a property
// that may appear once refused as a Protocol Error (0x82), except User Property (always repeatable,
// §2.2.2.2) and Subscription Identifier in a server's PUBLISH (one per matching subscription,
// §3.3.4). The table below is written from the specification, independently of property_table.
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

#include "codec/properties.hpp"
#include "codec_test_support.hpp"

namespace moatmq::codec::test {
namespace {

using C = PropertyContext;

struct Row {
    std::uint8_t id;
    const char* value;  // the value's bytes, hand-encoded in the property's type
    std::initializer_list<C> allowed;
};

// Table 2-4 of MQTT 5.0: identifier, a value of its type, where it may appear.
const Row kTable[] = {
    {0x01, "01", {C::publish, C::will}},                             // Payload Format Indicator, byte
    {0x02, "00 00 00 3c", {C::publish, C::will}},                    // Message Expiry Interval, 4-byte int
    {0x03, "00 01 61", {C::publish, C::will}},                       // Content Type, UTF-8 string
    {0x08, "00 01 72", {C::publish, C::will}},                       // Response Topic, UTF-8 string
    {0x09, "00 02 00 ff", {C::publish, C::will}},                    // Correlation Data, binary data
    {0x0B, "80 01", {C::publish, C::subscribe}},                     // Subscription Identifier, var int 128
    {0x11, "00 00 00 0a", {C::connect, C::connack, C::disconnect}},  // Session Expiry Interval, 4-byte
    {0x12, "00 01 69", {C::connack}},                                // Assigned Client Identifier, UTF-8
    {0x13, "00 1e", {C::connack}},                                   // Server Keep Alive, 2-byte int
    {0x15, "00 01 6d", {C::connect, C::connack, C::auth}},           // Authentication Method, UTF-8
    {0x16, "00 01 64", {C::connect, C::connack, C::auth}},           // Authentication Data, binary
    {0x17, "01", {C::connect}},                                      // Request Problem Information, byte
    {0x18, "00 00 00 05", {C::will}},                                // Will Delay Interval, 4-byte int
    {0x19, "01", {C::connect}},                                      // Request Response Information, byte
    {0x1A, "00 01 69", {C::connack}},                                // Response Information, UTF-8
    {0x1C, "00 01 73", {C::connack, C::disconnect}},                 // Server Reference, UTF-8
    // Reason String, UTF-8
    {0x1F,
     "00 01 77",
     {C::connack, C::puback, C::pubrec, C::pubrel, C::pubcomp, C::suback, C::unsuback, C::disconnect,
      C::auth}},
    {0x21, "00 0a", {C::connect, C::connack}},  // Receive Maximum, 2-byte int
    {0x22, "00 0a", {C::connect, C::connack}},  // Topic Alias Maximum, 2-byte int
    {0x23, "00 05", {C::publish}},              // Topic Alias, 2-byte int
    {0x24, "01", {C::connack}},                 // Maximum QoS, byte
    {0x25, "01", {C::connack}},                 // Retain Available, byte
    // User Property, UTF-8 string pair, in every packet with properties
    {0x26,
     "00 01 6b 00 01 76",
     {C::connect, C::connack, C::publish, C::will, C::puback, C::pubrec, C::pubrel, C::pubcomp, C::subscribe,
      C::suback, C::unsubscribe, C::unsuback, C::disconnect, C::auth}},
    {0x27, "00 00 04 00", {C::connect, C::connack}},  // Maximum Packet Size, 4-byte int
    {0x28, "01", {C::connack}},                       // Wildcard Subscription Available, byte
    {0x29, "01", {C::connack}},                       // Subscription Identifier Available, byte
    {0x2A, "01", {C::connack}},                       // Shared Subscription Available, byte
};

const C kContexts[] = {C::connect,     C::connack,  C::publish,    C::will,      C::puback,
                       C::pubrec,      C::pubrel,   C::pubcomp,    C::subscribe, C::suback,
                       C::unsubscribe, C::unsuback, C::disconnect, C::auth};

const char* name(C c)
{
    static const char* const kNames[] = {"CONNECT",     "CONNACK",  "PUBLISH",    "Will",      "PUBACK",
                                         "PUBREC",      "PUBREL",   "PUBCOMP",    "SUBSCRIBE", "SUBACK",
                                         "UNSUBSCRIBE", "UNSUBACK", "DISCONNECT", "AUTH"};
    return kNames[static_cast<int>(c)];
}

// The smallest valid 5.0 packet of `context` whose property block is `properties`, and who sends it.
// Every length here is under 128, so each Remaining Length and Property Length is one byte.
Bytes packet_with(C context, const Bytes& properties, Sender& sender)
{
    Bytes block{static_cast<std::byte>(properties.size())};
    block.insert(block.end(), properties.begin(), properties.end());
    std::string first;
    std::string before;  // variable header before the property block
    std::string after;   // what follows it
    sender = Sender::client;
    switch (context) {
        case C::connect:  // "MQTT" 5, clean start, keep alive 60 ... client id "a"
            first = "10", before = "00 04 4d 51 54 54 05 02 00 3c", after = "00 01 61";
            break;
        case C::will:  // ... will flag; empty CONNECT properties, client id "a", will properties,
                       // will topic "w", empty will payload
            first = "10", before = "00 04 4d 51 54 54 05 06 00 3c 00 00 01 61", after = "00 01 77 00 00";
            break;
        case C::connack:  // no session, Success
            first = "20", before = "00 00", sender = Sender::server;
            break;
        case C::publish:  // QoS 0, topic "t", empty payload, from the server (§3.3.4)
            first = "30", before = "00 01 74", sender = Sender::server;
            break;
        case C::puback:  // packet id 1, reason Success
            first = "40", before = "00 01 00";
            break;
        case C::pubrec:
            first = "50", before = "00 01 00";
            break;
        case C::pubrel:
            first = "62", before = "00 01 00";
            break;
        case C::pubcomp:
            first = "70", before = "00 01 00";
            break;
        case C::subscribe:  // packet id 1 ... filter "t", options QoS 0
            first = "82", before = "00 01", after = "00 01 74 00";
            break;
        case C::suback:  // packet id 1 ... reason Granted QoS 0
            first = "90", before = "00 01", after = "00", sender = Sender::server;
            break;
        case C::unsubscribe:  // packet id 1 ... filter "t"
            first = "a2", before = "00 01", after = "00 01 74";
            break;
        case C::unsuback:  // packet id 1 ... reason Success
            first = "b0", before = "00 01", after = "00", sender = Sender::server;
            break;
        case C::disconnect:  // Normal disconnection, from the client
            first = "e0", before = "00";
            break;
        case C::auth:  // Continue authentication
            first = "f0", before = "18";
            break;
    }
    Bytes body = hex(before);
    body.insert(body.end(), block.begin(), block.end());
    const Bytes tail = hex(after);
    body.insert(body.end(), tail.begin(), tail.end());
    Bytes out = hex(first);
    out.push_back(static_cast<std::byte>(body.size()));
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

bool allowed(const Row& row, C context)
{
    for (const C c : row.allowed)
        if (c == context) return true;
    return false;
}

// The property, identifier first; Authentication Data goes with the Authentication Method it needs
// (in CONNECT, data without a method is a Protocol Error, §3.1.2.11.10).
Bytes property(const Row& row, C context, int copies)
{
    Bytes out;
    if (row.id == 0x16 && allowed(row, context)) out = hex("15 00 01 6d");
    for (int i = 0; i < copies; ++i) {
        out.push_back(static_cast<std::byte>(row.id));
        const Bytes value = hex(row.value);
        out.insert(out.end(), value.begin(), value.end());
    }
    return out;
}

std::string trace(const Row& row, C context)
{
    return "property 0x" + to_hex(Bytes{static_cast<std::byte>(row.id)}) + " in " + name(context);
}

TEST(PropertyContexts, TheTableCoversTheTwentySevenIdentifiers)
{
    int rows = 0;
    for (const auto& row : kTable) {
        EXPECT_TRUE(is_defined_property(row.id)) << static_cast<int>(row.id);
        ++rows;
    }
    EXPECT_EQ(rows, 27);
}

TEST(PropertyContexts, EachPropertyIsAcceptedExactlyWhereTheSpecAllowsIt)
{
    for (const auto& row : kTable) {
        for (const C context : kContexts) {
            SCOPED_TRACE(trace(row, context));
            Sender sender{};
            const Bytes bytes = packet_with(context, property(row, context, 1), sender);
            auto decoded = decode(bytes, opts(ProtocolVersion::v5, sender));
            EXPECT_EQ(property_allowed(static_cast<PropertyId>(row.id), context), allowed(row, context));
            if (allowed(row, context)) {
                ASSERT_TRUE(decoded) << decoded.error().message() << " for " << to_hex(bytes);
                Bytes again;
                ASSERT_TRUE(encode(decoded->packet, ProtocolVersion::v5, again));
                EXPECT_EQ(to_hex(again), to_hex(bytes));
            } else {
                ASSERT_FALSE(decoded) << to_hex(bytes);
                EXPECT_EQ(decoded.error(), make_error_code(CodecError::property_not_allowed));
                EXPECT_EQ(reason_code(CodecError::property_not_allowed), ReasonCode::MalformedPacket);
            }
        }
    }
}

TEST(PropertyContexts, ASecondCopyIsAProtocolErrorUnlessTheSpecLetsItRepeat)
{
    for (const auto& row : kTable) {
        for (const C context : row.allowed) {
            SCOPED_TRACE(trace(row, context));
            Sender sender{};
            const Bytes bytes = packet_with(context, property(row, context, 2), sender);
            auto decoded = decode(bytes, opts(ProtocolVersion::v5, sender));
            const bool repeatable = row.id == 0x26 || (row.id == 0x0B && context == C::publish);
            if (repeatable) {
                ASSERT_TRUE(decoded) << decoded.error().message();
                Bytes again;
                ASSERT_TRUE(encode(decoded->packet, ProtocolVersion::v5, again));
                EXPECT_EQ(to_hex(again), to_hex(bytes));  // both copies kept, in order
            } else {
                ASSERT_FALSE(decoded);
                EXPECT_EQ(decoded.error(), make_error_code(CodecError::property_duplicate));
                EXPECT_EQ(reason_code(CodecError::property_duplicate), ReasonCode::ProtocolError);
            }
        }
    }
}

// The two rules that depend on who sends the packet.
TEST(PropertyContexts, SenderDependentRules)
{
    Sender sender{};
    // A client's PUBLISH MUST NOT carry a Subscription Identifier [MQTT-3.3.4-6]: Protocol Error.
    const Bytes publish = packet_with(C::publish, hex("0b 05"), sender);
    EXPECT_EQ(decode_error(publish, v5_from_client()), CodecError::subscription_id_from_client);
    EXPECT_EQ(reason_code(CodecError::subscription_id_from_client), ReasonCode::ProtocolError);
    // A server's DISCONNECT MUST NOT carry a Session Expiry Interval [MQTT-3.14.2-2].
    const Bytes disconnect = packet_with(C::disconnect, hex("11 00 00 00 0a"), sender);
    EXPECT_EQ(decode_error(disconnect, v5_from_server()), CodecError::property_not_allowed);
    EXPECT_TRUE(decode(disconnect, v5_from_client()));
}

}  // namespace
}  // namespace moatmq::codec::test
