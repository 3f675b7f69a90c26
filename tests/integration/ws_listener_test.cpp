// WebSocket listeners (protocol = "ws", and wss with [listener.tls]) against the real broker, with MQTT.js
// (npm "mqtt", on Node.js) as the third-party client: MQTT 3.1.1 and 5.0 publish/subscribe with packets
// spanning WebSocket messages, the "mqtt" subprotocol, binary frames only, and a plain TCP client that is not
// a WebSocket.
#include <gtest/gtest.h>

#include "raw_client.hpp"
#include "tls_support.hpp"

namespace moatmq::test {
namespace {

const std::string kModules = MQTTJS_DIR;
const std::string kScripts = SCRIPTS_DIR;

std::string ws_config()
{
    return test_config(
        "[[listener]]\nname = \"ws\"\nbind = \"127.0.0.1:0\"\nprotocol = \"ws\"\nallow_anonymous = true\n");
}

std::string url(const BrokerProcess& broker)
{
    return "ws://" + broker.address("ws") + "/mqtt";
}

ProgramResult node(const std::string& script, std::vector<std::string> args)
{
    std::vector<std::string> argv{"node", kScripts + "/" + script, kModules};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_program(argv, kToolTimeout);
}

TEST(WsListener, MqttJsPublishesAndSubscribesOver311And5)
{
    BrokerProcess broker(ws_config());
    for (const char* version : {"4", "5"}) {
        const auto r = node("ws_mqttjs_client.js", {url(broker), version});
        EXPECT_EQ(r.exit_code, 0) << "MQTT version " << version << "\n" << r.out << r.err;
        EXPECT_NE(r.out.find("ws/small 13 hello over ws"), std::string::npos) << r.out;
        EXPECT_NE(r.out.find("ws/big 100000"), std::string::npos) << r.out;
    }
}

TEST(WsListener, WebSocketAndTcpClientsShareTopics)
{
    BrokerProcess broker(ws_config());
    // A mosquitto_sub on the plain TCP listener sees what MQTT.js publishes over WebSocket.
    auto sub = mosquitto_sub(broker.port("local"), {}, "ws/small");
    const auto r = node("ws_mqttjs_client.js", {url(broker), "4"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(sub->finish(kToolTimeout).out.find("hello over ws"), std::string::npos);
}

TEST(WsListener, SubprotocolMqttIsSelectedAndPacketsMaySpanFrames)
{
    BrokerProcess broker(ws_config());
    // CONNECT split over two binary frames: CONNACK (20 02 00 00) comes back.
    const auto r = node("ws_raw_client.js", {url(broker), "mqtt", "binary-connect"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("protocol=mqtt"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("message 20020000"), std::string::npos) << r.out;
    // A client that offers no subprotocol is served too, without one.
    const auto bare = node("ws_raw_client.js", {url(broker), "-", "binary-connect"});
    EXPECT_NE(bare.out.find("protocol=\n"), std::string::npos) << bare.out;
    EXPECT_NE(bare.out.find("message 20020000"), std::string::npos) << bare.out;
}

TEST(WsListener, TextFramesAndNonWebSocketClientsAreClosed)
{
    BrokerProcess broker(ws_config());
    const auto text = node("ws_raw_client.js", {url(broker), "mqtt", "text"});
    EXPECT_NE(text.out.find("closed"), std::string::npos) << text.out << text.err;
    EXPECT_EQ(text.out.find("message"), std::string::npos) << text.out;
    EXPECT_TRUE(broker.wait_for_log("text WebSocket frame")) << broker.log();

    RawClient plain(broker.port("ws"));
    ASSERT_TRUE(plain.send(connect_packet_311("plain")));
    EXPECT_TRUE(plain.wait_closed(10s));
    EXPECT_TRUE(broker.wait_for_log("WebSocket handshake failed")) << broker.log();
    // Still serving.
    EXPECT_EQ(node("ws_mqttjs_client.js", {url(broker), "5"}).exit_code, 0);
}

TEST(WsListener, SecureWebSocketWithMqttJs)
{
    TempDir dir("moatmq-wss");
    const auto certs = (dir.path() / "certs").string();
    run_checked({moatmq_binary(), "certs", "init", certs});
    BrokerProcess broker(test_config(tls_listener(
        "wss",
        "  cert = " + quoted(certs + "/server.crt") + "\n  key = " + quoted(certs + "/server.key") + "\n",
        "ws")));
    const auto wss = "wss://" + broker.address("wss") + "/mqtt";
    const auto r = node("ws_mqttjs_client.js", {wss, "5", certs + "/ca.crt"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("ws/small 13 hello over ws"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("ws/big 100000"), std::string::npos) << r.out;
    EXPECT_TRUE(broker.wait_for_log("tls established")) << broker.log();
    // A client that does not trust the CA gives up in the TLS handshake.
    EXPECT_NE(node("ws_mqttjs_client.js", {wss, "5", certs + "/server.crt"}).exit_code, 0);
}

}  // namespace
}  // namespace moatmq::test
