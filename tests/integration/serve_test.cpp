// `moatmq serve` and `moatmq check-config` as a user runs them: ready line, signals, exit codes,
// configuration errors.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>

#include "broker_process.hpp"
#include "child_process.hpp"
#include "mqtt_bytes.hpp"
#include "raw_client.hpp"
#include "temp_dir.hpp"

namespace moatmq::test {
namespace {

TEST(Serve, ReadyLineNamesTheListenerAndTheBoundPort)
{
    BrokerProcess broker;
    EXPECT_NE(broker.port(), 0);
    EXPECT_EQ(broker.address().rfind("127.0.0.1:", 0), 0U) << broker.address();
    RawClient client(broker.port());  // really listening
}

TEST(Serve, SigtermShutsDownGracefullyWithExitZero)
{
    BrokerProcess broker;
    RawClient idle(broker.port());
    ASSERT_TRUE(broker.wait_for_log("connection accepted"));
    EXPECT_EQ(broker.stop(), 0) << broker.log();
    EXPECT_NE(broker.log().find("stopped"), std::string::npos) << broker.log();
}

TEST(Serve, SigintShutsDownWithExitZero)
{
    BrokerProcess broker;
    ::kill(broker.pid(), SIGINT);
    ASSERT_TRUE(broker.wait_for_log("stopped"));
    EXPECT_EQ(broker.stop(), 0) << broker.log();
}

TEST(Serve, SighupIsLoggedAndTheBrokerKeepsServing)
{
    BrokerProcess broker;
    ::kill(broker.pid(), SIGHUP);
    ASSERT_TRUE(broker.wait_for_log("reload")) << broker.log();
    RawClient client(broker.port());
    ASSERT_TRUE(client.send(connect_packet_311("after-hup")));
    EXPECT_EQ(client.read(4), (std::vector<std::uint8_t>{0x20, 0x02, 0x00, 0x00}));
    EXPECT_EQ(broker.stop(), 0);
}

TEST(Serve, SighupAppliesANewLogLevelAndKeepsTheOldSettingsOnABrokenFile)
{
    BrokerProcess broker(test_config("[log]\nlevel = \"info\"\n"));
    const auto config_file = broker.dir() / "moatmq.toml";

    // Broken file: reported with FILE:LINE, the broker keeps running.
    TempDir scratch;
    std::filesystem::copy_file(scratch.write_file("bad.toml", test_config("[log]\nlevel = \"loud\"\n")),
                               config_file, std::filesystem::copy_options::overwrite_existing);
    ::kill(broker.pid(), SIGHUP);
    ASSERT_TRUE(broker.wait_for_log("reload failed")) << broker.log();
    EXPECT_NE(broker.log().find(config_file.string() + ":11:"), std::string::npos)
        << broker.log();  // level = "loud"

    // Valid file with level "warn": info lines (connections) are no longer logged.
    std::filesystem::copy_file(scratch.write_file("warn.toml", test_config("[log]\nlevel = \"warn\"\n")),
                               config_file, std::filesystem::copy_options::overwrite_existing);
    ::kill(broker.pid(), SIGHUP);
    ASSERT_TRUE(broker.wait_for_log("reload done: log level warn")) << broker.log();
    const auto before = broker.log().size();
    {
        RawClient client(broker.port());
        ASSERT_TRUE(client.send(connect_packet_311("quiet")));
        EXPECT_EQ(client.read(4), (std::vector<std::uint8_t>{0x20, 0x02, 0x00, 0x00}));
    }
    EXPECT_EQ(broker.stop(), 0);
    EXPECT_EQ(broker.log().find("connection accepted", before), std::string::npos) << broker.log();
}

TEST(Serve, ListensOnIpv6Loopback)
{
    BrokerProcess broker(
        test_config("[[listener]]\nname = \"v6\"\nbind = \"[::1]:0\"\nallow_anonymous = true\n"));
    EXPECT_EQ(broker.address("v6").rfind("[::1]:", 0), 0U) << broker.address("v6");
    RawClient client(broker.port("v6"), "::1");
    ASSERT_TRUE(client.send(connect_packet_311("v6-client")));
    EXPECT_EQ(client.read(4), (std::vector<std::uint8_t>{0x20, 0x02, 0x00, 0x00}));
}

TEST(Serve, SigtermSendsServerShuttingDownToMqtt5Clients)
{
    BrokerProcess broker;
    RawClient client(broker.port());
    // CONNECT, MQTT 5.0, clean start, keep alive 60, no properties, client id "a".
    ASSERT_TRUE(client.send(
        {0x10, 0x0E, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x02, 0x00, 0x3C, 0x00, 0x00, 0x01, 'a'}));
    const auto connack_header = client.read(2);
    ASSERT_EQ(connack_header.size(), 2U);
    ASSERT_EQ(connack_header[0], 0x20);
    ASSERT_EQ(client.read(connack_header[1]).size(), connack_header[1]);

    ::kill(broker.pid(), SIGTERM);
    const auto disconnect = client.read(3, 10s);
    ASSERT_GE(disconnect.size(), 3U);
    EXPECT_EQ(disconnect[0], 0xE0);  // DISCONNECT
    EXPECT_EQ(disconnect[2], 0x8B);  // Server shutting down
    EXPECT_TRUE(client.wait_closed());
    EXPECT_EQ(broker.stop(), 0) << broker.log();
}

// Graceful: what the broker acknowledged before the signal is written out before the DISCONNECT, and
// every connection is closed by the broker itself within the grace period (none is cut).
TEST(Serve, SigtermFlushesAcknowledgedMessagesBeforeTheDisconnect)
{
    BrokerProcess broker;
    RawClient subscriber(broker.port());
    ASSERT_TRUE(subscriber.send(bytes::connect5("s")));
    const auto connack = bytes::read_packet(subscriber);
    ASSERT_TRUE(connack && connack->first == 0x20);
    ASSERT_TRUE(subscriber.send(bytes::subscribe5(1, "flush/t", 0x01)));
    const auto suback = bytes::read_packet(subscriber);
    ASSERT_TRUE(suback && suback->first == 0x90);

    constexpr int kCount = 20;
    const auto pub =
        run_program({"mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(broker.port()), "-t", "flush/t",
                     "-m", "acked", "-q", "1", "--repeat", std::to_string(kCount)});
    ASSERT_EQ(pub.exit_code, 0) << pub.err;  // every PUBACK received: every message routed

    ::kill(broker.pid(), SIGTERM);
    int publishes = 0;
    for (int i = 0; i <= kCount; ++i) {
        const auto packet = bytes::read_packet(subscriber, 10s);
        ASSERT_TRUE(packet) << "closed after " << publishes << " PUBLISHes, without a DISCONNECT";
        if (packet->type() != 3) {
            EXPECT_EQ(packet->first, 0xE0) << "DISCONNECT expected";
            ASSERT_FALSE(packet->body.empty());
            EXPECT_EQ(packet->body[0], 0x8B) << "Server shutting down";
            break;
        }
        ++publishes;
    }
    EXPECT_EQ(publishes, kCount) << "acknowledged messages lost at shutdown";
    EXPECT_TRUE(subscriber.wait_closed());
    EXPECT_EQ(broker.stop(), 0) << broker.log();
    EXPECT_EQ(broker.log().find("still open"), std::string::npos) << broker.log();
}

TEST(Serve, JsonLogFormatKeepsTheReadyLineParseable)
{
    BrokerProcess broker(test_config("[log]\nformat = \"json\"\n"));
    EXPECT_NE(broker.port(), 0);
    RawClient client(broker.port());
    ASSERT_TRUE(broker.wait_for_log("connection accepted"));
    std::size_t lines = 0;
    const auto log = broker.log();
    for (std::size_t start = 0, end = 0; (end = log.find('\n', start)) != std::string::npos;
         start = end + 1) {
        EXPECT_EQ(log[start], '{') << log.substr(start, end - start);
        ++lines;
    }
    EXPECT_GE(lines, 2U);
}

TEST(Serve, MaxConnectionsFromTheConfigurationIsEnforced)
{
    BrokerProcess broker(test_config("[limits]\nmax_connections = 1\n"));
    RawClient first(broker.port());
    ASSERT_TRUE(first.send(connect_packet_311("first")));
    ASSERT_EQ(first.read(4), (std::vector<std::uint8_t>{0x20, 0x02, 0x00, 0x00}));
    RawClient second(broker.port());
    EXPECT_TRUE(second.wait_closed());
    EXPECT_TRUE(broker.wait_for_log("max_connections"));
}

TEST(Serve, MissingConfigFileFailsWithExitOne)
{
    TempDir dir;
    const auto result = run_program({moatmq_binary(), "serve", "-c", (dir.path() / "missing.toml").string()});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.err.find("missing.toml"), std::string::npos) << result.err;
}

TEST(Serve, BindFailureExitsOne)
{
    // Hold a port, then ask the broker to listen on it.
    const int holder = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(holder, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(holder, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    ASSERT_EQ(::listen(holder, 1), 0);
    socklen_t length = sizeof address;
    ASSERT_EQ(::getsockname(holder, reinterpret_cast<sockaddr*>(&address), &length), 0);
    const auto port = std::to_string(ntohs(address.sin_port));

    TempDir dir;
    const auto file =
        dir.write_file("busy.toml", "[[listener]]\nname = \"busy\"\nbind = \"127.0.0.1:" + port + "\"\n");
    const auto result = run_program({moatmq_binary(), "serve", "-c", file.string()});
    ::close(holder);
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.err.find("busy"), std::string::npos) << result.err;
    EXPECT_EQ(result.err.find("moatmq ready"), std::string::npos) << result.err;
}

TEST(Cli, UsageErrorsExitTwo)
{
    EXPECT_EQ(run_program({moatmq_binary()}).exit_code, 2);
    EXPECT_EQ(run_program({moatmq_binary(), "serve", "--no-such-option"}).exit_code, 2);
    EXPECT_EQ(run_program({moatmq_binary(), "check-config"}).exit_code, 2);  // -c is required
    EXPECT_EQ(run_program({moatmq_binary(), "--help"}).exit_code, 0);
}

TEST(CheckConfig, PrintsTheEffectiveSettings)
{
    TempDir dir;
    const auto file = dir.write_file("ok.toml",
                                     "[[listener]]\n"
                                     "name = \"edge\"\n"
                                     "bind = \"127.0.0.1:0\"\n"
                                     "[limits]\n"
                                     "max_packet_size = \"2KiB\"\n");
    const auto result = run_program({moatmq_binary(), "check-config", "-c", file.string()});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_NE(result.out.find("edge"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("127.0.0.1:0"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("2048"), std::string::npos) << result.out;                 // sizes in bytes
    EXPECT_NE(result.out.find("max_queued_messages"), std::string::npos) << result.out;  // defaults filled in
    // Defaults issue 3 names: one worker per core, the 10 s CONNECT timeout, human-readable logs.
    EXPECT_NE(result.out.find("threads = 0\n"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("connect_timeout = \"10s\"\n"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("format = \"text\"\n"), std::string::npos) << result.out;
}

TEST(CheckConfig, InvalidFileIsReportedAsFileLineWithExitOne)
{
    TempDir dir;
    const auto file = dir.write_file("bad.toml",
                                     "[[listener]]\n"
                                     "bind = \"127.0.0.1:0\"\n"
                                     "[limits]\n"
                                     "max_packet_size = \"lots\"\n");
    const auto result = run_program({moatmq_binary(), "check-config", "-c", file.string()});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.err.find(file.string() + ":4:"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace moatmq::test
