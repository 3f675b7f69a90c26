// Authentication against the real broker with Debian's mosquitto_pub/mosquitto_sub: a password file written
// by the real mosquitto_passwd works unchanged; wrong and unknown credentials are refused with the right
// codes (5.0 and 3.1.1, read from mosquitto_pub -d's "received CONNACK (N)"); anonymous clients per
// listener; a password over a plaintext network listener (bound to 0.0.0.0, reached through 127.0.0.1) is
// refused unless allow_plaintext_passwords; failure throttling delays the refusal; bans; audit lines;
// $SYS counters; SIGHUP reloads a good password file and keeps the old one over a bad one; rehash_on_login
// rewrites a Mosquitto line as Argon2id; a bad file stops the broker at start naming FILE:LINE.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "broker_process.hpp"
#include "child_process.hpp"
#include "temp_dir.hpp"

namespace moatmq::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Three listeners: "local" (loopback, no anonymous), "open" (loopback, anonymous allowed) and "net"
// (0.0.0.0: a network listener, however the client reaches it). `auth` is appended to [auth].
std::string auth_config(const TempDir& dir, std::string_view auth = {}, std::string_view extra = {})
{
    std::string config =
        "[broker]\ndata_dir = \"data\"\nthreads = 2\nsys_interval = \"100ms\"\n\n"
        "[[listener]]\nname = \"local\"\nbind = \"127.0.0.1:0\"\nallow_anonymous = false\n\n"
        "[[listener]]\nname = \"open\"\nbind = \"127.0.0.1:0\"\nallow_anonymous = true\n\n"
        "[[listener]]\nname = \"net\"\nbind = \"0.0.0.0:0\"\n\n"
        "[auth]\npassword_file = \"" +
        (dir.path() / "passwd").string() + "\"\n";
    config += auth;
    config += "\n[log]\naudit_file = \"" + (dir.path() / "audit.log").string() + "\"\n";
    config += extra;
    return config;
}

void mosquitto_passwd(const TempDir& dir, const std::string& user, const std::string& password, bool create)
{
    std::vector<std::string> args{"mosquitto_passwd"};
    if (create) args.push_back("-c");
    args.insert(args.end(), {"-b", (dir.path() / "passwd").string(), user, password});
    const auto r = run_program(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
}

struct Attempt {
    int exit_code = -1;
    int connack = -1;  // the CONNACK code mosquitto_pub -d reported; -1 if none
    Clock::duration took{};
    std::string output;
};

// mosquitto_pub -d on `listener`; `creds` are extra arguments (-u/-P).
Attempt pub(const BrokerProcess& broker, const std::string& listener, const std::string& version,
            std::vector<std::string> creds)
{
    std::vector<std::string> args{"mosquitto_pub",
                                  "-d",
                                  "-h",
                                  "127.0.0.1",
                                  "-p",
                                  std::to_string(broker.port(listener)),
                                  "-V",
                                  version,
                                  "-i",
                                  "auth-test",
                                  "-t",
                                  "auth/test",
                                  "-m",
                                  "x"};
    args.insert(args.end(), creds.begin(), creds.end());
    const auto start = Clock::now();
    const auto r = run_program(args, 30s);
    Attempt a;
    a.took = Clock::now() - start;
    a.exit_code = r.exit_code;
    a.output = r.out + r.err;
    const auto at = a.output.find("received CONNACK (");
    if (at != std::string::npos) a.connack = std::stoi(a.output.substr(at + 18));
    return a;
}

std::vector<nlohmann::json> audit_lines(const TempDir& dir)
{
    std::ifstream in(dir.path() / "audit.log");
    std::vector<nlohmann::json> lines;
    for (std::string line; std::getline(in, line);)
        lines.push_back(nlohmann::json::parse(line));
    return lines;
}

std::string file_text(const std::filesystem::path& path)
{
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

class AuthPassword : public ::testing::Test {
protected:
    void SetUp() override
    {
        mosquitto_passwd(dir_, "alice", "s3cret", true);
        mosquitto_passwd(dir_, "carol", "c4rol", false);
    }
    TempDir dir_{"moatmq-auth"};
};

TEST_F(AuthPassword, MosquittoPasswdFileWorksUnchanged)
{
    BrokerProcess broker{auth_config(dir_, "failure_backoff = \"off\"\n")};
    for (const char* version : {"5", "311"}) {
        const auto ok = pub(broker, "local", version, {"-u", "alice", "-P", "s3cret"});
        EXPECT_EQ(ok.exit_code, 0) << version << ": " << ok.output;
        EXPECT_EQ(ok.connack, 0) << ok.output;
    }
    // Delivered too: an authenticated subscriber receives an authenticated publisher's message.
    ChildProcess sub({"stdbuf", "-oL", "mosquitto_sub", "-d", "-h", "127.0.0.1", "-p",
                      std::to_string(broker.port("local")), "-u", "carol", "-P", "c4rol", "-t", "auth/#",
                      "-C", "1", "-W", "20"});
    ASSERT_TRUE(sub.wait_for_output("received SUBACK", 15s)) << sub.out() << sub.err();
    EXPECT_EQ(pub(broker, "local", "5", {"-u", "alice", "-P", "s3cret"}).exit_code, 0);
    EXPECT_EQ(sub.wait_exit(15s), 0);
    EXPECT_NE(sub.out().find("x"), std::string::npos);
}

TEST_F(AuthPassword, WrongOrUnknownCredentialsAreRefused)
{
    BrokerProcess broker{auth_config(dir_, "failure_backoff = \"off\"\nban_after = 0\n")};
    const auto wrong5 = pub(broker, "local", "5", {"-u", "alice", "-P", "nope"});
    EXPECT_NE(wrong5.exit_code, 0);
    EXPECT_EQ(wrong5.connack, 0x86) << wrong5.output;
    const auto unknown5 = pub(broker, "local", "5", {"-u", "mallory", "-P", "s3cret"});
    EXPECT_EQ(unknown5.connack, 0x86) << unknown5.output;
    const auto wrong311 = pub(broker, "local", "311", {"-u", "alice", "-P", "nope"});
    EXPECT_NE(wrong311.exit_code, 0);
    EXPECT_EQ(wrong311.connack, 4) << wrong311.output;  // bad user name or password
    const auto user_only = pub(broker, "local", "5", {"-u", "alice"});
    EXPECT_EQ(user_only.connack, 0x86) << user_only.output;
}

TEST_F(AuthPassword, AnonymousClientsPerListener)
{
    BrokerProcess broker{auth_config(dir_, "failure_backoff = \"off\"\n")};
    const auto refused5 = pub(broker, "local", "5", {});
    EXPECT_EQ(refused5.connack, 0x87) << refused5.output;
    const auto refused311 = pub(broker, "local", "311", {});
    EXPECT_EQ(refused311.connack, 5) << refused311.output;
    const auto allowed = pub(broker, "open", "5", {});
    EXPECT_EQ(allowed.exit_code, 0) << allowed.output;
    const auto net = pub(broker, "net", "311", {});  // no override: [auth].allow_anonymous = false
    EXPECT_EQ(net.connack, 5) << net.output;
}

TEST_F(AuthPassword, PlaintextPasswordOnANetworkListenerIsRefusedUnlessAllowed)
{
    {
        BrokerProcess broker{auth_config(dir_, "failure_backoff = \"off\"\n")};
        const auto v5 = pub(broker, "net", "5", {"-u", "alice", "-P", "s3cret"});
        EXPECT_EQ(v5.connack, 0x87) << v5.output;
        const auto v311 = pub(broker, "net", "311", {"-u", "alice", "-P", "s3cret"});
        EXPECT_EQ(v311.connack, 5) << v311.output;
        EXPECT_TRUE(broker.wait_for_log("password sent over a plaintext network listener")) << broker.log();
        EXPECT_EQ(broker.log().find("s3cret"), std::string::npos);
    }
    BrokerProcess allowed{auth_config(dir_, "failure_backoff = \"off\"\nallow_plaintext_passwords = true\n")};
    const auto ok = pub(allowed, "net", "5", {"-u", "alice", "-P", "s3cret"});
    EXPECT_EQ(ok.exit_code, 0) << ok.output;
}

TEST_F(AuthPassword, FailedAttemptsAreAnsweredAfterTheBackoff)
{
    BrokerProcess broker{auth_config(dir_, "failure_backoff = \"1s..4s\"\nban_after = 0\n")};
    const auto first = pub(broker, "local", "5", {"-u", "alice", "-P", "nope"});
    EXPECT_EQ(first.connack, 0x86) << first.output;
    EXPECT_GE(first.took, 1s);  // the refusal cannot arrive before the delay
    const auto second = pub(broker, "local", "5", {"-u", "alice", "-P", "nope"});
    EXPECT_EQ(second.connack, 0x86) << second.output;
    EXPECT_GE(second.took, 2s);  // doubled
    // Another user from another client is served meanwhile: a delay holds no thread.
    const auto other = pub(broker, "open", "5", {});
    EXPECT_EQ(other.exit_code, 0);
}

TEST_F(AuthPassword, RepeatedFailuresBan)
{
    BrokerProcess broker{
        auth_config(dir_, "failure_backoff = \"off\"\nban_after = 2\nfailure_window = \"10m\"\n")};
    EXPECT_EQ(pub(broker, "local", "5", {"-u", "alice", "-P", "nope"}).connack, 0x86);
    EXPECT_EQ(pub(broker, "local", "5", {"-u", "alice", "-P", "nope"}).connack, 0x86);
    const auto banned = pub(broker, "local", "5", {"-u", "alice", "-P", "s3cret"});  // even the right one
    EXPECT_EQ(banned.connack, 0x8A) << banned.output;
    const auto banned311 = pub(broker, "local", "311", {"-u", "alice", "-P", "s3cret"});
    EXPECT_EQ(banned311.connack, 5) << banned311.output;
}

TEST_F(AuthPassword, EveryDecisionIsAuditedWithoutSecrets)
{
    BrokerProcess broker{auth_config(dir_, "failure_backoff = \"off\"\n")};
    EXPECT_EQ(pub(broker, "local", "5", {"-u", "alice", "-P", "s3cret"}).exit_code, 0);
    EXPECT_EQ(pub(broker, "local", "311", {"-u", "alice", "-P", "wrong-pw"}).connack, 4);
    EXPECT_EQ(pub(broker, "open", "5", {}).exit_code, 0);
    EXPECT_EQ(broker.stop(), 0);

    const auto lines = audit_lines(dir_);
    ASSERT_EQ(lines.size(), 3u) << file_text(dir_.path() / "audit.log");
    for (const auto& line : lines) {
        EXPECT_EQ(line.at("event"), "authentication");
        EXPECT_TRUE(line.contains("time"));
        EXPECT_EQ(line.at("client_id"), "auth-test");
        EXPECT_NE(line.at("remote").get<std::string>().find("127.0.0.1:"), std::string::npos);
    }
    EXPECT_EQ(lines[0].at("listener"), "local");
    EXPECT_EQ(lines[0].at("username"), "alice");
    EXPECT_EQ(lines[0].at("method"), "password");
    EXPECT_EQ(lines[0].at("outcome"), "success");
    EXPECT_EQ(lines[1].at("outcome"), "failure");
    EXPECT_EQ(lines[1].at("username"), "alice");
    EXPECT_FALSE(lines[1].at("reason").get<std::string>().empty());
    EXPECT_EQ(lines[2].at("listener"), "open");
    EXPECT_EQ(lines[2].at("method"), "anonymous");
    EXPECT_EQ(lines[2].at("outcome"), "success");
    const auto text = file_text(dir_.path() / "audit.log");
    EXPECT_EQ(text.find("s3cret"), std::string::npos);
    EXPECT_EQ(text.find("wrong-pw"), std::string::npos);
    EXPECT_EQ(broker.log().find("wrong-pw"), std::string::npos);
}

TEST_F(AuthPassword, SysCountsSuccessesAndFailures)
{
    BrokerProcess broker{auth_config(dir_, "failure_backoff = \"off\"\n")};
    // $SYS is republished every 100 ms when it changes: the subscriber sees the counters move.
    ChildProcess sub({"stdbuf", "-oL", "mosquitto_sub", "-h", "127.0.0.1", "-p",
                      std::to_string(broker.port("open")), "-t", "$SYS/broker/auth/#", "-v", "-W", "20"});
    ASSERT_TRUE(sub.wait_for_output("$SYS/broker/auth/succeeded 1", 10s)) << sub.out();  // the subscriber
    EXPECT_EQ(pub(broker, "local", "5", {"-u", "alice", "-P", "nope"}).connack, 0x86);
    EXPECT_TRUE(sub.wait_for_output("$SYS/broker/auth/failed 1", 10s)) << sub.out();
    EXPECT_EQ(pub(broker, "local", "5", {"-u", "alice", "-P", "s3cret"}).exit_code, 0);
    EXPECT_TRUE(sub.wait_for_output("$SYS/broker/auth/succeeded 2", 10s)) << sub.out();
}

TEST_F(AuthPassword, SighupReloadsTheFileAndKeepsTheOldOneOverABadOne)
{
    BrokerProcess broker{auth_config(dir_, "failure_backoff = \"off\"\nban_after = 0\n")};
    EXPECT_EQ(pub(broker, "local", "5", {"-u", "bob", "-P", "b0b"}).connack, 0x86);
    mosquitto_passwd(dir_, "bob", "b0b", false);
    ::kill(broker.pid(), SIGHUP);
    ASSERT_TRUE(broker.wait_for_log("reload: password file")) << broker.log();
    EXPECT_EQ(pub(broker, "local", "5", {"-u", "bob", "-P", "b0b"}).exit_code, 0);

    {
        std::ofstream bad(dir_.path() / "passwd", std::ios::app);
        bad << "this line has no hash\n";
    }
    ::kill(broker.pid(), SIGHUP);
    ASSERT_TRUE(broker.wait_for_log("password file rejected")) << broker.log();
    EXPECT_NE(broker.log().find((dir_.path() / "passwd").string() + ":4"), std::string::npos) << broker.log();
    EXPECT_EQ(pub(broker, "local", "5", {"-u", "bob", "-P", "b0b"}).exit_code, 0);  // previous file in force
}

TEST_F(AuthPassword, RehashOnLoginRewritesTheMosquittoLineAsArgon2id)
{
    const auto path = dir_.path() / "passwd";
    const auto before = file_text(path);
    ASSERT_NE(before.find("alice:$7$"), std::string::npos) << before;
    const auto carol = before.substr(before.find("carol:"));
    BrokerProcess broker{auth_config(dir_, "failure_backoff = \"off\"\nrehash_on_login = true\n")};
    EXPECT_NE(pub(broker, "local", "5", {"-u", "alice", "-P", "wrong"}).exit_code, 0);
    EXPECT_EQ(file_text(path), before);  // only a successful login rewrites
    EXPECT_EQ(pub(broker, "local", "5", {"-u", "alice", "-P", "s3cret"}).exit_code, 0);
    const auto after = file_text(path);
    EXPECT_NE(after.find("alice:$argon2id$v=19$"), std::string::npos) << after;
    EXPECT_NE(after.find(carol), std::string::npos);  // the other line, byte for byte
    EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    EXPECT_EQ(pub(broker, "local", "311", {"-u", "alice", "-P", "s3cret"}).exit_code, 0);
    EXPECT_EQ(file_text(path), after);  // nothing more to rewrite
}

TEST_F(AuthPassword, MalformedPasswordFileStopsTheBrokerNamingTheLine)
{
    {
        std::ofstream bad(dir_.path() / "passwd", std::ios::app);
        bad << "eve:$9$not-a-hash\n";
    }
    try {
        BrokerProcess broker{auth_config(dir_), 10s};
        FAIL() << "the broker started with a malformed password file";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find((dir_.path() / "passwd").string() + ":3"), std::string::npos)
            << e.what();
    }
}

}  // namespace
}  // namespace moatmq::test
