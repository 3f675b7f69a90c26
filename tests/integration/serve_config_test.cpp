// The configuration as `moatmq serve` and `moatmq check-config` take it: every kind of error is reported
// as FILE:LINE before anything is bound, relative paths are resolved against the file, and `serve`
// without -c runs the embedded default.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <string>

#include "broker_process.hpp"
#include "child_process.hpp"
#include "temp_dir.hpp"

namespace moatmq::test {
namespace {

// A listening socket on 127.0.0.1 that the test holds: a broker binding its port would fail with
// "address in use" and say so.
class HeldPort {
public:
    // Holds `port`, or a port the OS picks when 0; held() is false when `port` is taken by someone else.
    explicit HeldPort(std::uint16_t port = 0)
    {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = htons(port);
        if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
            ::listen(fd_, 1) != 0)
            return;
        socklen_t length = sizeof address;
        if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0)
            port_ = ntohs(address.sin_port);
    }
    ~HeldPort()
    {
        if (fd_ >= 0) ::close(fd_);
    }
    HeldPort(const HeldPort&) = delete;
    HeldPort& operator=(const HeldPort&) = delete;

    bool held() const noexcept { return port_ != 0; }
    std::uint16_t port() const noexcept { return port_; }

private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
};

struct ConfigErrorCase {
    const char* name;
    const char* limits_line;  // written as line 6, below "[limits]" on line 5
    const char* message;      // a part of the message that follows "FILE:6: "
};

void PrintTo(const ConfigErrorCase& c, std::ostream* out)
{
    *out << c.name;
}

class ConfigError : public ::testing::TestWithParam<ConfigErrorCase> {};

// The listener asks for a port this test holds: had the broker bound anything before reporting the
// error, it would have failed with "address in use" instead.
TEST_P(ConfigError, IsReportedAsFileLineAndTheBrokerExitsWithoutListening)
{
    HeldPort held;
    ASSERT_TRUE(held.held());
    TempDir dir;
    const auto file = dir.write_file("broken.toml",
                                     "[[listener]]\n"
                                     "name = \"held\"\n"
                                     "bind = \"127.0.0.1:" +
                                         std::to_string(held.port()) +
                                         "\"\n"
                                         "allow_anonymous = true\n"
                                         "[limits]\n" +
                                         GetParam().limits_line + "\n");
    const auto expected = file.string() + ":6: ";
    for (const char* command : {"serve", "check-config"}) {
        const auto result = run_program({moatmq_binary(), command, "-c", file.string()});
        EXPECT_EQ(result.exit_code, 1) << command << ": " << result.err;
        const auto at = result.err.find(expected);
        ASSERT_NE(at, std::string::npos) << command << ": " << result.err;
        EXPECT_NE(result.err.find(GetParam().message, at), std::string::npos)
            << command << ": " << result.err;
        EXPECT_EQ(result.err.find("in use"), std::string::npos) << command << " bound a port: " << result.err;
        EXPECT_EQ(result.err.find("cannot listen"), std::string::npos) << command << ": " << result.err;
        EXPECT_EQ(result.err.find("moatmq ready"), std::string::npos) << command << ": " << result.err;
        EXPECT_TRUE(result.out.empty()) << command << " printed settings: " << result.out;
    }
}

INSTANTIATE_TEST_SUITE_P(
    Integration, ConfigError,
    ::testing::Values(ConfigErrorCase{"syntax_error", "max_qos = ", ""},
                      ConfigErrorCase{"unknown_key", "max_qoss = 1", "unknown key \"limits.max_qoss\""},
                      ConfigErrorCase{"wrong_type", "max_qos = \"1\"", "expected an integer, got a string"},
                      ConfigErrorCase{"bad_value", "max_qos = 3", "limits.max_qos"}),
    [](const ::testing::TestParamInfo<ConfigErrorCase>& test_info) {
        return std::string(test_info.param.name);
    });

TEST(CheckConfig, RelativePathsAreResolvedAgainstTheFilesDirectory)
{
    TempDir dir;
    const auto file = dir.write_file("conf/moatmq.toml",
                                     "[broker]\n"
                                     "data_dir = \"state\"\n"
                                     "[[listener]]\n"
                                     "bind = \"127.0.0.1:0\"\n");
    // Run from elsewhere: the path must not depend on the current directory.
    const auto result = run_program({"env", "-C", "/", moatmq_binary(), "check-config", "-c", file.string()});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    const auto resolved = (file.parent_path() / "state").string();
    EXPECT_NE(result.out.find("data_dir = \"" + resolved + "\""), std::string::npos) << result.out;
}

// `moatmq serve` without -c: the embedded default, loopback only, 1883 (anonymous) and 8883 (TLS).
// The fixed ports may be taken on a shared machine; the test is skipped then, saying why.
TEST(Serve, WithoutAConfigFileRunsTheEmbeddedDefault)
{
    for (const std::uint16_t port : {std::uint16_t{1883}, std::uint16_t{8883}}) {
        if (!HeldPort(port).held()) GTEST_SKIP() << "127.0.0.1:" << port << " is in use by another program";
    }
    TempDir dir;  // the default's data_dir, moatmq-data, is relative to the current directory
    ChildProcess broker({"env", "-C", dir.path().string(), moatmq_binary(), "serve"});
    ASSERT_TRUE(broker.wait_until(
        [](const std::string&, const std::string& err) {
            const auto at = err.find("moatmq ready");
            return at != std::string::npos && err.find('\n', at) != std::string::npos;
        },
        30s))
        << broker.err();
    const auto listeners = parse_ready_line(broker.err());
    EXPECT_EQ(listeners, (std::map<std::string, std::string>{{"local", "127.0.0.1:1883"},
                                                             {"local-tls", "127.0.0.1:8883"}}))
        << broker.err();

    const auto plain = run_program(
        {"mosquitto_pub", "-h", "127.0.0.1", "-p", "1883", "-t", "default/t", "-m", "anonymous", "-q", "1"});
    EXPECT_EQ(plain.exit_code, 0) << plain.err;
    const auto tls = run_program({"mosquitto_pub", "-h", "127.0.0.1", "-p", "8883", "--cafile",
                                  (dir.path() / "moatmq-data/certs/ca.crt").string(), "-t", "default/t", "-m",
                                  "anonymous", "-q", "1"});
    EXPECT_EQ(tls.exit_code, 0) << tls.err;

    broker.signal(SIGTERM);
    EXPECT_EQ(broker.wait_exit(15s), 0) << broker.err();
}

}  // namespace
}  // namespace moatmq::test
