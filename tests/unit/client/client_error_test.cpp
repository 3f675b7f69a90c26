#include "client/client_error.hpp"

#include <gtest/gtest.h>

#include "client/cli_options.hpp"
#include "client/packet_text.hpp"

namespace moatmq::client {
namespace {

TEST(ClientError, BrokerReasonReadsAsWordsAndHexCode)
{
    EXPECT_EQ(make_reason_error(codec::ReasonCode::NotAuthorized).message(), "not authorized (0x87)");
    EXPECT_EQ(make_reason_error(codec::ReasonCode::PayloadFormatInvalid).message(),
              "payload format invalid (0x99)");
}

TEST(ClientError, Mqtt311ReturnCodeReadsAsWordsAndReturnCode)
{
    EXPECT_EQ(make_connect_return_error(codec::ConnectReturnCode311::NotAuthorized).message(),
              "not authorized (return code 5)");
    EXPECT_EQ(broker_reason(make_connect_return_error(codec::ConnectReturnCode311::BadUserNameOrPassword)),
              codec::ReasonCode::BadUserNameOrPassword);
}

TEST(ClientError, BrokerReasonIsOnlyForRefusals)
{
    EXPECT_EQ(broker_reason(make_reason_error(codec::ReasonCode::Banned)), codec::ReasonCode::Banned);
    EXPECT_EQ(broker_reason(make_error_code(ClientError::timeout)), std::nullopt);
    EXPECT_EQ(broker_reason(error_code{}), std::nullopt);
}

TEST(ClientError, ConnectFailureNamesTheBrokerOrTheAddress)
{
    ConnectOptions options;
    options.host = "127.0.0.1";
    options.port = 1884;
    EXPECT_EQ(describe_connect_failure(options, make_reason_error(codec::ReasonCode::NotAuthorized)),
              "connection refused by the broker: not authorized (0x87)");
    EXPECT_EQ(describe_connect_failure(options, make_error_code(ClientError::timeout)),
              "cannot connect to 127.0.0.1:1884: timed out waiting for the broker");
}

TEST(PacketText, PasswordsAreNeverPrinted)
{
    codec::Connect connect;
    connect.client_id = "c1";
    connect.username = "bob";
    connect.password = to_bytes("hunter2");
    const auto text = describe(connect);
    EXPECT_EQ(text.find("hunter2"), std::string::npos);
    EXPECT_NE(text.find("password (hidden)"), std::string::npos);
    EXPECT_NE(text.find("'bob'"), std::string::npos);
}

TEST(PacketText, PublishShowsFlagsTopicAndSize)
{
    codec::Publish publish;
    publish.topic = "a/b";
    publish.payload = to_bytes("hello");
    publish.qos = codec::QoS::exactly_once;
    publish.packet_id = 7;
    EXPECT_EQ(describe(publish), "PUBLISH (d0, q2, r0, m7, 'a/b', ... (5 bytes))");
}

}  // namespace
}  // namespace moatmq::client
