// The broker's log as an operator reads it, in both formats ([log].format "text" and "json"): one line
// when a connection is accepted and one when it is closed, with the reason; never a payload or a
// password, whatever the clients send and however verbose the level.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "broker_process.hpp"
#include "child_process.hpp"
#include "raw_client.hpp"
#include "temp_dir.hpp"

namespace moatmq::test {
namespace {

constexpr std::string_view kPassword = "pw-7f3a9c-never-logged";
constexpr std::string_view kWrongPassword = "pw-wrong-4d1e-never-logged";
constexpr std::string_view kPayload = "payload-91b2e6-never-logged";
constexpr std::string_view kWillPayload = "will-payload-3c8d-never-logged";

// The lines of `log` that contain `text`.
std::vector<std::string> lines_with(const std::string& log, std::string_view text)
{
    std::vector<std::string> lines;
    for (std::size_t start = 0, end = 0; (end = log.find('\n', start)) != std::string::npos;
         start = end + 1) {
        auto line = log.substr(start, end - start);
        if (line.find(text) != std::string::npos) lines.push_back(std::move(line));
    }
    return lines;
}

class BrokerLog : public ::testing::TestWithParam<const char*> {
protected:
    void SetUp() override
    {
        const auto r = run_program({"mosquitto_passwd", "-c", "-b", (dir_.path() / "passwd").string(),
                                    "alice", std::string(kPassword)});
        ASSERT_EQ(r.exit_code, 0) << r.err;
    }

    std::string config() const
    {
        return test_config("[auth]\npassword_file = \"" + (dir_.path() / "passwd").string() +
                           "\"\nfailure_backoff = \"off\"\n\n[log]\nlevel = \"trace\"\nformat = \"" +
                           GetParam() + "\"\n");
    }

    static std::vector<std::string> client(const BrokerProcess& broker, const char* program,
                                           const char* version, std::vector<std::string> extra)
    {
        std::vector<std::string> args{program, "-h",   "127.0.0.1", "-p", std::to_string(broker.port()),
                                      "-V",    version};
        args.insert(args.end(), extra.begin(), extra.end());
        return args;
    }

    TempDir dir_{"moatmq-log"};
};

TEST_P(BrokerLog, ConnectionsAreLoggedWithTheirCloseReasonAndNeverAPayloadOrPassword)
{
    BrokerProcess broker(config());
    const std::string password(kPassword);
    const std::string payload(kPayload);
    int connections = 0;

    // A subscriber (password login) that receives every message below.
    ChildProcess sub({"stdbuf",
                      "-oL",
                      "mosquitto_sub",
                      "-h",
                      "127.0.0.1",
                      "-p",
                      std::to_string(broker.port()),
                      "-V",
                      "mqttv5",
                      "-u",
                      "alice",
                      "-P",
                      password,
                      "-t",
                      "log/#",
                      "-d",
                      "-C",
                      "5",
                      "-W",
                      "20"});
    ++connections;
    ASSERT_TRUE(sub.wait_for_output("received SUBACK", 10s)) << sub.out() << sub.err();

    // Publishers of both versions and every QoS, one retained, logged in with the password.
    for (const char* version : {"mqttv311", "mqttv5"}) {
        for (const char* qos : {"0", "1", "2"}) {
            std::vector<std::string> extra{"-u",    "alice", "-P",    password, "-t",
                                           "log/t", "-m",    payload, "-q",     qos};
            if (std::string_view(qos) == "2" && std::string_view(version) == "mqttv5") extra.push_back("-r");
            if (std::string_view(qos) == "0" && std::string_view(version) == "mqttv311")
                continue;  // 5 in all
            const auto r = run_program(client(broker, "mosquitto_pub", version, extra));
            ++connections;
            EXPECT_EQ(r.exit_code, 0) << version << " QoS " << qos << ": " << r.err;
        }
    }
    const auto received = sub.finish(20s);
    EXPECT_EQ(received.exit_code, 0) << received.err;
    EXPECT_NE(received.out.find(payload), std::string::npos) << "the payloads did not travel";

    // A refused login, and a client whose connection ends abnormally so its will is published.
    const auto refused =
        run_program(client(broker, "mosquitto_pub", "mqttv5",
                           {"-u", "alice", "-P", std::string(kWrongPassword), "-t", "log/t", "-m", payload}));
    ++connections;
    EXPECT_NE(refused.exit_code, 0);
    {
        auto args = client(broker, "mosquitto_sub", "mqttv5",
                           {"-u", "alice", "-P", password, "-t", "quiet", "-d", "--will-topic", "log/will",
                            "--will-payload", std::string(kWillPayload)});
        args.insert(args.begin(), {"stdbuf", "-oL"});  // its SUBACK line must not wait in a buffer
        ChildProcess will_client(std::move(args));
        ++connections;
        ASSERT_TRUE(will_client.wait_for_output("received SUBACK", 10s)) << will_client.out();
    }  // killed: the broker sees the socket close without DISCONNECT
    ASSERT_TRUE(broker.wait_for_log("closed abnormally")) << broker.log();
    EXPECT_EQ(broker.stop(), 0);

    const auto log = broker.log();
    for (const std::string_view secret : {kPassword, kWrongPassword, kPayload, kWillPayload})
        EXPECT_EQ(log.find(secret), std::string::npos) << secret << " appears in the log:\n" << log;

    const auto accepted = lines_with(log, "connection accepted");
    const auto closed = lines_with(log, "connection closed");
    EXPECT_EQ(accepted.size(), static_cast<std::size_t>(connections)) << log;
    EXPECT_EQ(closed.size(), static_cast<std::size_t>(connections)) << log;
    std::vector<std::string> reasons;
    for (const auto& line : closed) {
        if (std::string_view(GetParam()) == "json") {
            const auto json = nlohmann::json::parse(line);
            ASSERT_TRUE(json.contains("reason")) << line;
            reasons.push_back(json.at("reason").get<std::string>());
        } else {
            const auto at = line.find(" reason=");
            ASSERT_NE(at, std::string::npos) << line;
            reasons.push_back(line.substr(at + 8));
        }
        EXPECT_FALSE(reasons.back().empty()) << line;
    }
    // Why each ended: a normal DISCONNECT, a refused CONNECT, the socket closed without DISCONNECT.
    auto has_reason = [&reasons](std::string_view text) {
        for (const auto& reason : reasons)
            if (reason.find(text) != std::string::npos) return true;
        return false;
    };
    EXPECT_TRUE(has_reason("DISCONNECT received")) << log;
    EXPECT_TRUE(has_reason("peer closed")) << log;
    EXPECT_FALSE(has_reason("closed by broker")) << "a close without its reason:\n" << log;
    if (std::string_view(GetParam()) == "json") {
        for (std::size_t start = 0, end = 0; (end = log.find('\n', start)) != std::string::npos;
             start = end + 1) {
            const auto line = log.substr(start, end - start);
            EXPECT_TRUE(nlohmann::json::accept(line)) << line;
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Integration, BrokerLog, ::testing::Values("text", "json"),
                         [](const ::testing::TestParamInfo<const char*>& test_info) {
                             return std::string(test_info.param);
                         });

}  // namespace
}  // namespace moatmq::test
