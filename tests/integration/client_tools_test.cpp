// moatmq pub / moatmq sub / moatmq certs against Debian's Mosquitto broker: QoS 0/1/2 on MQTT 3.1.1 and
// 5.0, retained messages, -C/-W, refusals with their reason in words and exit code 1, passwords from
// the environment, TLS and mutual TLS, and end-to-end payload encryption through the broker (the
// broker only ever sees envelopes; wrong keys, tampering, other topics and replays are reported and
// never printed). Every wait is bounded; only 127.0.0.1.
#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "broker_process.hpp"
#include "child_process.hpp"
#include "client_mosquitto_broker.hpp"
#include "client_tools_support.hpp"
#include "security/payload/envelope.hpp"
#include "security/payload/key_file.hpp"
#include "temp_dir.hpp"

namespace moatmq::test {
namespace {

class ClientToolsMosquitto : public ::testing::Test {
protected:
    void SetUp() override
    {
        if (!mosquitto_available()) GTEST_SKIP() << kMosquittoBinary << " not installed";
    }

    // A Mosquitto broker that refuses anonymous clients and knows alice with `password`, from a file
    // written by the real mosquitto_passwd.
    static std::unique_ptr<MosquittoBroker> broker_with_alice(const std::string& password)
    {
        auto dir = std::make_shared<TempDir>("moatmq-mosquitto");
        const auto passwd = (dir->path() / "passwd").string();
        const auto made =
            run_program({"mosquitto_passwd", "-c", "-b", passwd, "alice", password}, kRunTimeout);
        EXPECT_EQ(made.exit_code, 0) << made.err;
        return std::make_unique<MosquittoBroker>("allow_anonymous false\npassword_file " + passwd + "\n",
                                                 dir);
    }
};

struct QosCase {
    const char* version;
    int qos;
};

class ClientToolsQos : public ::testing::TestWithParam<QosCase> {
protected:
    void SetUp() override
    {
        if (!mosquitto_available()) GTEST_SKIP() << kMosquittoBinary << " not installed";
    }
};

TEST_P(ClientToolsQos, PubToSubRoundTrip)
{
    MosquittoBroker broker;
    const auto [version, qos] = GetParam();
    const auto q = std::to_string(qos);
    auto sub =
        start_sub(broker.port(), {"-V", version, "-q", q, "-t", "test/#", "-v", "-C", "1", "-W", "15"});
    auto sent = pub(broker.port(), {"-V", version, "-q", q, "-t", "test/a", "-m", "hello world"});
    EXPECT_EQ(sent.exit_code, 0) << sent.err;
    auto got = sub->finish(kRunTimeout);
    ASSERT_EQ(sub->wait_exit(1s), 0) << got.err;
    EXPECT_EQ(got.out, "test/a hello world\n");
    EXPECT_NE(got.err.find("received PUBLISH (d0, q" + q), std::string::npos) << got.err;
}

INSTANTIATE_TEST_SUITE_P(VersionsAndQos, ClientToolsQos,
                         ::testing::Values(QosCase{"311", 0}, QosCase{"311", 1}, QosCase{"311", 2},
                                           QosCase{"5", 0}, QosCase{"5", 1}, QosCase{"5", 2}),
                         [](const auto& p) {
                             return std::string{"V"} + p.param.version + "_Qos" + std::to_string(p.param.qos);
                         });

TEST_F(ClientToolsMosquitto, RetainedMessageReachesALaterSubscriber)
{
    MosquittoBroker broker;
    auto sent = pub(broker.port(), {"-t", "state/door", "-m", "closed", "-r", "-q", "1"});
    ASSERT_EQ(sent.exit_code, 0) << sent.err;
    auto got =
        run_program(tool("sub", broker.port(), {"-t", "state/#", "-v", "-C", "1", "-W", "10"}), kRunTimeout);
    EXPECT_EQ(got.exit_code, 0) << got.err;
    EXPECT_EQ(got.out, "state/door closed\n");
}

// -C ends after that many messages (a third is not waited for); -t repeats, one subscription each.
TEST_F(ClientToolsMosquitto, CountExitsZeroAfterThatManyMessages)
{
    MosquittoBroker broker;
    auto sub = start_sub(broker.port(), {"-t", "n", "-t", "m/+", "-C", "2", "-W", "15"});
    EXPECT_EQ(pub(broker.port(), {"-t", "n", "-m", "one"}).exit_code, 0);
    EXPECT_EQ(pub(broker.port(), {"-t", "m/x", "-m", "two"}).exit_code, 0);
    ASSERT_EQ(sub->wait_exit(10s), 0) << sub->err();
    EXPECT_EQ(pub(broker.port(), {"-t", "n", "-m", "three"}).exit_code, 0);
    auto got = sub->finish(kRunTimeout);
    EXPECT_EQ(got.out, "one\ntwo\n");
}

TEST_F(ClientToolsMosquitto, TimeoutExitsWith27LikeMosquittoSub)
{
    MosquittoBroker broker;
    auto got = run_program(tool("sub", broker.port(), {"-t", "quiet", "-W", "1"}), kRunTimeout);
    EXPECT_EQ(got.exit_code, 27);
    EXPECT_NE(got.err.find("Timed out"), std::string::npos) << got.err;
}

TEST_F(ClientToolsMosquitto, AnonymousRefusalExitsOneWithTheReasonInWords)
{
    MosquittoBroker broker{"allow_anonymous false\n"};
    auto v5 = pub(broker.port(), {"-V", "5", "-t", "a", "-m", "x"});
    EXPECT_EQ(v5.exit_code, 1);
    EXPECT_NE(v5.err.find("not authorized (0x87)"), std::string::npos) << v5.err;
    auto v311 = run_program(tool("sub", broker.port(), {"-V", "311", "-t", "a", "-W", "5"}), kRunTimeout);
    EXPECT_EQ(v311.exit_code, 1);
    EXPECT_NE(v311.err.find("not authorized (return code 5)"), std::string::npos) << v311.err;
}

TEST_F(ClientToolsMosquitto, PasswordFromTheEnvironmentAndWrongPasswordRefused)
{
    const auto broker_owner = broker_with_alice("s3cret");
    const MosquittoBroker& broker = *broker_owner;
    const auto port = std::to_string(broker.port());
    auto ok = run_program({"env", "MOATMQ_PASSWORD=s3cret", moatmq_binary(), "pub", "-h", "127.0.0.1", "-p",
                           port, "-V", "5", "-u", "alice", "-t", "a", "-m", "x"},
                          kRunTimeout);
    EXPECT_EQ(ok.exit_code, 0) << ok.err;
    auto wrong = run_program({"env", "MOATMQ_PASSWORD=nope", moatmq_binary(), "pub", "-h", "127.0.0.1", "-p",
                              port, "-V", "5", "-u", "alice", "-t", "a", "-m", "x"},
                             kRunTimeout);
    EXPECT_EQ(wrong.exit_code, 1);
    // Mosquitto 2.0 answers a wrong password with 0x87 (not authorized) rather than 0x86.
    EXPECT_NE(wrong.err.find("connection refused by the broker: not authorized (0x87)"), std::string::npos)
        << wrong.err;
    EXPECT_EQ(wrong.err.find("nope"), std::string::npos);  // the password is never echoed
}

TEST_F(ClientToolsMosquitto, PasswordOptionWinsOverTheEnvironment)
{
    const auto broker_owner = broker_with_alice("s3cret");
    const MosquittoBroker& broker = *broker_owner;
    auto ok =
        run_program({"env", "MOATMQ_PASSWORD=nope", moatmq_binary(), "pub", "-h", "127.0.0.1", "-p",
                     std::to_string(broker.port()), "-u", "alice", "-P", "s3cret", "-t", "a", "-m", "x"},
                    kRunTimeout);
    EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

// What a program wrote to its terminal before and after a "Password: " prompt, which was answered.
struct TerminalRun {
    int exit_code = -1;
    bool prompted = false;
    std::string before_prompt;
    std::string after_prompt;
};

// Runs argv (argv[0] a path) on a new pseudo-terminal, so that its stdin is a terminal, with
// MOATMQ_PASSWORD removed from its environment; types `answer` and Enter once "Password: " appears.
// Bounded: the program is killed after 20 s.
TerminalRun run_on_terminal(std::vector<std::string> argv, const std::string& answer)
{
    std::vector<char*> args;
    for (auto& a : argv)
        args.push_back(a.data());
    args.push_back(nullptr);
    std::vector<char*> env;  // built before fork: the child only calls execve
    for (char** e = environ; *e != nullptr; ++e) {
        if (std::strncmp(*e, "MOATMQ_PASSWORD=", 16) != 0) env.push_back(*e);
    }
    env.push_back(nullptr);

    TerminalRun run;
    int terminal = -1;
    const pid_t pid = ::forkpty(&terminal, nullptr, nullptr, nullptr);
    if (pid < 0) {
        ADD_FAILURE() << "forkpty: " << std::strerror(errno);
        return run;
    }
    if (pid == 0) {
        ::execve(args[0], args.data(), env.data());
        ::_exit(127);
    }
    std::string text;
    const auto deadline = std::chrono::steady_clock::now() + kRunTimeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        pollfd p{terminal, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
        char buffer[512];
        const auto n = ::read(terminal, buffer, sizeof buffer);
        if (n <= 0) break;  // EIO once the program has exited and closed the terminal
        text.append(buffer, static_cast<std::size_t>(n));
        if (!run.prompted) {
            if (const auto at = text.find("Password: "); at != std::string::npos) {
                run.prompted = true;
                run.before_prompt = text.substr(0, at);
                text.erase(0, at + 10);
                const auto line = answer + "\n";
                EXPECT_EQ(::write(terminal, line.data(), line.size()), static_cast<ssize_t>(line.size()));
            }
        }
    }
    if (run.prompted) {
        run.after_prompt = text;
    } else {
        run.before_prompt = text;
    }
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
    }
    ::close(terminal);
    if (WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
    return run;
}

// No -P and no MOATMQ_PASSWORD, stdin a terminal: pub and sub ask, without echoing what is typed.
TEST_F(ClientToolsMosquitto, PasswordFromAPromptOnTheTerminalIsNotEchoed)
{
    const auto broker_owner = broker_with_alice("typed-s3cret");
    const MosquittoBroker& broker = *broker_owner;
    const auto port = std::to_string(broker.port());

    auto published = run_on_terminal({moatmq_binary(), "pub", "-h", "127.0.0.1", "-p", port, "-u", "alice",
                                      "-t", "door", "-m", "open", "-r", "-q", "1"},
                                     "typed-s3cret");
    EXPECT_TRUE(published.prompted) << published.before_prompt;
    EXPECT_EQ(published.exit_code, 0) << published.after_prompt;
    EXPECT_EQ(published.after_prompt.find("typed-s3cret"), std::string::npos) << published.after_prompt;

    auto subscribed = run_on_terminal({moatmq_binary(), "sub", "-h", "127.0.0.1", "-p", port, "-u", "alice",
                                       "-t", "door", "-C", "1", "-W", "10"},
                                      "typed-s3cret");
    EXPECT_TRUE(subscribed.prompted) << subscribed.before_prompt;
    EXPECT_EQ(subscribed.exit_code, 0) << subscribed.after_prompt;
    EXPECT_NE(subscribed.after_prompt.find("open"), std::string::npos) << subscribed.after_prompt;
    EXPECT_EQ(subscribed.after_prompt.find("typed-s3cret"), std::string::npos) << subscribed.after_prompt;

    auto wrong = run_on_terminal(
        {moatmq_binary(), "pub", "-h", "127.0.0.1", "-p", port, "-u", "alice", "-t", "door", "-m", "x"},
        "nope");
    EXPECT_TRUE(wrong.prompted);
    EXPECT_EQ(wrong.exit_code, 1);
    EXPECT_NE(wrong.after_prompt.find("not authorized"), std::string::npos) << wrong.after_prompt;
}

// -i, -k and -c reach the broker as mosquitto_pub's do: Mosquitto logs "as ID (pV, cC, kK)".
TEST_F(ClientToolsMosquitto, ClientIdKeepAliveAndCleanSessionReachTheBroker)
{
    MosquittoBroker broker;
    EXPECT_EQ(
        pub(broker.port(), {"-V", "5", "-i", "meter-7", "-k", "33", "-c", "-t", "a", "-m", "x"}).exit_code,
        0);
    EXPECT_EQ(pub(broker.port(), {"-i", "meter-8", "-k", "0", "-t", "a", "-m", "x"}).exit_code, 0);
    auto generated = pub(broker.port(), {"-t", "a", "-m", "x", "-q", "1", "-d"});
    EXPECT_EQ(generated.exit_code, 0);
    // -d: every packet sent and received, one line each, on stderr.
    for (const char* line :
         {"moatmq pub: sending CONNECT (v4, c1, k60, id 'moatmq-pub-",
          "moatmq pub: received CONNACK (s0, success (0))",
          "moatmq pub: sending PUBLISH (d0, q1, r0, m1, 'a', ... (1 bytes))",
          "moatmq pub: received PUBACK (m1, success (0))", "moatmq pub: sending DISCONNECT"}) {
        EXPECT_NE(generated.err.find(line), std::string::npos) << line << "\n" << generated.err;
    }
    // pub exits after its DISCONNECT; Mosquitto logs the connection when it reads the CONNECT, before.
    EXPECT_NE(broker.log().find(" as meter-7 (p5, c0, k33)"), std::string::npos) << broker.log();
    EXPECT_NE(broker.log().find(" as meter-8 (p2, c1, k0)"), std::string::npos) << broker.log();
    EXPECT_NE(broker.log().find(" as moatmq-pub-"), std::string::npos) << broker.log();
}

// -s sends all of stdin as one message, -l one message per line, -f a file's bytes, -n an empty message.
TEST_F(ClientToolsMosquitto, MessageFromStdinAFileOrNothing)
{
    TempDir files("moatmq-files");
    const std::string file_body{"from a file\0with a NUL", 22};
    const auto file = files.write_file("body", file_body);
    MosquittoBroker broker;
    auto sub = start_sub(broker.port(), {"-t", "m/#", "-v", "-C", "5", "-W", "15"});
    const auto port = std::to_string(broker.port());
    auto piped = [&](const std::string& input, const std::vector<std::string>& options) {
        // sh -c SCRIPT $0 $1 ...: $0 is moatmq, $1 the input, the rest pub's arguments.
        std::vector<std::string> argv{"sh",
                                      "-c",
                                      "input=\"$1\"; shift; printf '%s' \"$input\" | \"$0\" \"$@\"",
                                      moatmq_binary(),
                                      input,
                                      "pub",
                                      "-h",
                                      "127.0.0.1",
                                      "-p",
                                      port};
        argv.insert(argv.end(), options.begin(), options.end());
        return run_program(argv, kRunTimeout);
    };
    EXPECT_EQ(piped("all of\nstdin", {"-t", "m/s", "-s"}).exit_code, 0);
    EXPECT_EQ(piped("line one\nline two\n", {"-t", "m/l", "-l"}).exit_code, 0);
    EXPECT_EQ(pub(broker.port(), {"-t", "m/f", "-f", file.string()}).exit_code, 0);
    EXPECT_EQ(pub(broker.port(), {"-t", "m/n", "-n"}).exit_code, 0);
    auto got = sub->finish(kRunTimeout);
    EXPECT_EQ(got.exit_code, 0) << got.err;
    const std::string expected =
        "m/s all of\nstdin\nm/l line one\nm/l line two\nm/f " + file_body + "\nm/n \n";
    EXPECT_EQ(got.out, expected);
}

TEST_F(ClientToolsMosquitto, UsageErrorsExitTwo)
{
    EXPECT_EQ(run_program({moatmq_binary(), "pub", "-m", "no topic"}, kRunTimeout).exit_code, 2);
    EXPECT_EQ(run_program({moatmq_binary(), "pub", "-t", "a"}, kRunTimeout).exit_code, 2);
    EXPECT_EQ(run_program({moatmq_binary(), "pub", "-t", "a", "-m", "x", "-q", "3"}, kRunTimeout).exit_code,
              2);
    EXPECT_EQ(run_program({moatmq_binary(), "pub", "-t", "a", "-m", "x", "-V", "4"}, kRunTimeout).exit_code,
              2);
    EXPECT_EQ(run_program({moatmq_binary(), "sub"}, kRunTimeout).exit_code, 2);
    EXPECT_EQ(run_program({moatmq_binary(), "pub", "-t", "a/#", "-m", "x"}, kRunTimeout).exit_code, 2);
    EXPECT_EQ(run_program({moatmq_binary(), "sub", "-t", "a/#/b"}, kRunTimeout).exit_code, 2);
    EXPECT_EQ(run_program({moatmq_binary(), "sub", "-t", "a", "--encrypt-key"}, kRunTimeout).exit_code, 2);
}

TEST_F(ClientToolsMosquitto, UnreachableBrokerExitsOneNamingTheAddress)
{
    auto got = pub(free_loopback_port(), {"-t", "a", "-m", "x"});
    EXPECT_EQ(got.exit_code, 1);
    EXPECT_NE(got.err.find("cannot connect to 127.0.0.1:"), std::string::npos) << got.err;
}

// ---- end-to-end payload encryption through the broker ----

TEST_F(ClientToolsMosquitto, EncryptedRoundTripBothAlgorithmsAndTheBrokerSeesOnlyEnvelopes)
{
    TempDir keys("moatmq-keys");
    const auto key = make_key(keys, "k1");
    MosquittoBroker broker;
    auto decrypting =
        start_sub(broker.port(), {"-t", "secure/#", "-v", "-C", "2", "-W", "15", "--encrypt-key", key});
    auto raw = start_sub(broker.port(), {"-t", "secure/#", "-C", "2", "-W", "15"});
    EXPECT_EQ(
        pub(broker.port(), {"-t", "secure/a", "-m", "gcm secret", "-q", "1", "--encrypt-key", key}).exit_code,
        0);
    EXPECT_EQ(pub(broker.port(), {"-t", "secure/b", "-m", "chacha secret", "-q", "2", "--encrypt-key", key,
                                  "--encrypt-alg", "chacha20-poly1305"})
                  .exit_code,
              0);
    auto got = decrypting->finish(kRunTimeout);
    EXPECT_EQ(got.out, "secure/a gcm secret\nsecure/b chacha secret\n") << got.err;
    auto seen = raw->finish(kRunTimeout);
    EXPECT_EQ(seen.out.find("secret"), std::string::npos);
    ASSERT_EQ(seen.out.size(), 46u + 10 + 1 + 46 + 13 + 1);  // two envelopes, each printed with '\n'
    // Version 1; algorithm 0x01 (AES-256-GCM, the default), then 0x02 (--encrypt-alg chacha20-poly1305).
    EXPECT_EQ(seen.out.substr(0, 2), std::string("\x01\x01", 2));
    EXPECT_EQ(seen.out.substr(46 + 10 + 1, 2), std::string("\x01\x02", 2));
}

// The key file `name` holding the key id of `original` and another secret: a wrong key that names the
// right key id, so only the tag can tell.
std::string make_impostor_key(const TempDir& dir, const std::string& original, const std::string& name)
{
    auto genuine = security::payload::load_key_file(original);
    EXPECT_TRUE(genuine);
    if (!genuine) return {};
    const auto text = "moatmq-payload-key 1\nid " + security::payload::to_hex(genuine->id()) + "\nkey " +
                      std::string(64, 'e') + "\n";
    const auto path = dir.write_file(name, text);
    std::filesystem::permissions(path,
                                 std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    return path.string();
}

// An envelope sealed with `key_file` for `topic` an hour ago: what a replay of an old captured message is.
std::string stale_envelope(const std::string& key_file, const std::string& topic, const std::string& text)
{
    auto key = security::payload::load_key_file(key_file);
    EXPECT_TRUE(key);
    if (!key) return {};
    const auto an_hour_ago = std::chrono::system_clock::now() - std::chrono::hours{1};
    auto sealed = security::payload::seal(*key, security::payload::Algorithm::aes_256_gcm, topic,
                                          as_bytes(text), security::payload::to_unix_millis(an_hour_ago));
    EXPECT_TRUE(sealed);
    return sealed ? std::string{as_chars(*sealed)} : std::string{};
}

// Every bad case reaches one running `sub --encrypt-key`, then one good message: each is reported on its
// own line, none is printed (nor any of its plaintext), and sub is still there to print the good one.
TEST_F(ClientToolsMosquitto, WrongKeyTamperingOtherTopicStaleReplayAndPlaintextAreReportedNotPrinted)
{
    TempDir keys("moatmq-keys");
    const auto key = make_key(keys, "k1");
    const auto other_key = make_key(keys, "k2");
    const auto impostor_key = make_impostor_key(keys, key, "k1-impostor");
    MosquittoBroker broker;

    // One genuine envelope, captured raw (without the key) to replay and tamper with.
    auto capture = start_sub(broker.port(), {"-t", "secure/a", "-C", "1", "-W", "15"});
    ASSERT_EQ(pub(broker.port(), {"-t", "secure/a", "-m", "CAPTURED-SECRET", "--encrypt-key", key}).exit_code,
              0);
    auto captured = capture->finish(kRunTimeout).out;
    ASSERT_FALSE(captured.empty());
    captured.pop_back();  // sub's newline
    const auto envelope_file = keys.write_file("envelope", captured);
    auto tampered = captured;
    tampered[tampered.size() - 20] = static_cast<char>(tampered[tampered.size() - 20] ^ 0x01);
    const auto tampered_file = keys.write_file("tampered", tampered);
    const auto stale_file = keys.write_file("stale", stale_envelope(key, "secure/a", "STALE-SECRET"));

    auto sub =
        start_sub(broker.port(), {"-t", "secure/#", "-v", "-C", "1", "-W", "15", "--encrypt-key", key});
    EXPECT_EQ(pub(broker.port(), {"-t", "secure/a", "-m", "WRONG-KEY-SECRET", "--encrypt-key", other_key})
                  .exit_code,
              0);
    EXPECT_EQ(pub(broker.port(), {"-t", "secure/a", "-m", "IMPOSTOR-SECRET", "--encrypt-key", impostor_key})
                  .exit_code,
              0);
    EXPECT_EQ(pub(broker.port(), {"-t", "secure/a", "-f", tampered_file.string()}).exit_code, 0);
    EXPECT_EQ(pub(broker.port(), {"-t", "secure/b", "-f", envelope_file.string()}).exit_code,
              0);  // other topic
    EXPECT_EQ(pub(broker.port(), {"-t", "secure/a", "-f", stale_file.string()}).exit_code, 0);
    EXPECT_EQ(pub(broker.port(), {"-t", "secure/a", "-m", "PLAINTEXT-SECRET"}).exit_code, 0);
    EXPECT_EQ(pub(broker.port(), {"-t", "secure/a", "-m", "good", "--encrypt-key", key}).exit_code, 0);
    auto got = sub->finish(kRunTimeout);

    EXPECT_EQ(got.exit_code, 0) << got.err;
    EXPECT_EQ(got.out, "secure/a good\n");  // only the genuine message; sub kept running past the others
    for (const char* secret :
         {"WRONG-KEY-SECRET", "IMPOSTOR-SECRET", "CAPTURED-SECRET", "STALE-SECRET", "PLAINTEXT-SECRET"}) {
        EXPECT_EQ(got.out.find(secret), std::string::npos) << secret;
        EXPECT_EQ(got.err.find(secret), std::string::npos) << secret;
    }
    // One line per refused message, in the order they were sent.
    std::vector<std::string> rejections;
    std::istringstream lines(got.err);
    for (std::string line; std::getline(lines, line);) {
        if (line.find(" rejected: ") != std::string::npos) rejections.push_back(line);
    }
    const std::vector<std::string> expected{
        "message on 'secure/a' rejected: no key with this key id",
        "message on 'secure/a' rejected: authentication failed",  // same key id, another secret
        "message on 'secure/a' rejected: authentication failed",  // one bit of the ciphertext flipped
        "message on 'secure/b' rejected: authentication failed",  // sealed for secure/a
        "message on 'secure/a' rejected: stale",
        "message on 'secure/a' rejected: not an encrypted payload envelope",
    };
    ASSERT_EQ(rejections.size(), expected.size()) << got.err;
    for (std::size_t i = 0; i < expected.size(); ++i)
        EXPECT_NE(rejections[i].find(expected[i]), std::string::npos) << rejections[i];
}

TEST_F(ClientToolsMosquitto, ReplayedEnvelopeIsRefusedTheSecondTime)
{
    TempDir keys("moatmq-keys");
    const auto key = make_key(keys, "k1");
    MosquittoBroker broker;
    auto capture = start_sub(broker.port(), {"-t", "secure/a", "-C", "1", "-W", "15"});
    ASSERT_EQ(pub(broker.port(), {"-t", "secure/a", "-m", "pay 10 EUR", "--encrypt-key", key}).exit_code, 0);
    auto captured = capture->finish(kRunTimeout).out;
    ASSERT_FALSE(captured.empty());
    captured.pop_back();
    const auto envelope_file = keys.write_file("envelope", captured);

    auto sub = start_sub(broker.port(), {"-t", "secure/a", "-C", "2", "-W", "4", "--encrypt-key", key});
    for (int i = 0; i < 2; ++i)
        EXPECT_EQ(pub(broker.port(), {"-t", "secure/a", "-f", envelope_file.string()}).exit_code, 0);
    ASSERT_TRUE(sub->wait_for_output("replayed", 10s)) << sub->err();
    auto got = sub->finish(kRunTimeout);
    EXPECT_EQ(got.out, "pay 10 EUR\n");
}

TEST_F(ClientToolsMosquitto, StaleRetainedEnvelopeIsRefusedOutsideTheReplayWindow)
{
    TempDir keys("moatmq-keys");
    const auto key = make_key(keys, "k1");
    MosquittoBroker broker;
    ASSERT_EQ(
        pub(broker.port(), {"-t", "secure/old", "-m", "OLD-SECRET", "-r", "--encrypt-key", key}).exit_code,
        0);
    // The envelope must become older than a 1 s window: the only wait in this file that is not on an
    // event, because the subject is wall-clock age.
    std::this_thread::sleep_for(1500ms);
    auto got = run_program(
        tool("sub", broker.port(), {"-t", "secure/old", "-W", "2", "--max-age", "1", "--encrypt-key", key}),
        kRunTimeout);
    EXPECT_EQ(got.out.find("OLD-SECRET"), std::string::npos);
    EXPECT_NE(got.err.find("stale"), std::string::npos) << got.err;
    auto fresh =
        run_program(tool("sub", broker.port(),
                         {"-t", "secure/old", "-C", "1", "-W", "5", "--max-age", "60", "--encrypt-key", key}),
                    kRunTimeout);
    EXPECT_EQ(fresh.out, "OLD-SECRET\n") << fresh.err;
}

TEST_F(ClientToolsMosquitto, CertsPayloadKeyMakesAPrivateFileAndNeverOverwrites)
{
    TempDir keys("moatmq-keys");
    const auto path = (keys.path() / "k").string();
    auto made = run_program({moatmq_binary(), "certs", "payload-key", path}, kRunTimeout);
    ASSERT_EQ(made.exit_code, 0) << made.err;
    EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    std::ifstream in(path);
    std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    EXPECT_NE(text.find("moatmq-payload-key 1\n"), std::string::npos);
    auto again = run_program({moatmq_binary(), "certs", "payload-key", path}, kRunTimeout);
    EXPECT_EQ(again.exit_code, 1);
    std::ifstream in2(path);
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in2), std::istreambuf_iterator<char>()), text);

    // A key id (8 bytes) and a 256-bit key, both random: a second file shares neither.
    const auto second = (keys.path() / "k2").string();
    ASSERT_EQ(run_program({moatmq_binary(), "certs", "payload-key", second}, kRunTimeout).exit_code, 0);
    auto first_key = security::payload::load_key_file(path);
    auto second_key = security::payload::load_key_file(second);
    ASSERT_TRUE(first_key && second_key);
    EXPECT_EQ(first_key->secret().size(), 32u);
    EXPECT_NE(first_key->id(), second_key->id());
    EXPECT_NE(security::payload::to_hex(first_key->secret()),
              security::payload::to_hex(second_key->secret()));
}

// ---- TLS and mutual TLS (certificates made at run time with the openssl command) ----

class ClientToolsTls : public ClientToolsMosquitto {
protected:
    void SetUp() override
    {
        ClientToolsMosquitto::SetUp();
        if (IsSkipped()) return;
        const auto d = dir_->path().string();
        auto ssl = [&](std::vector<std::string> args) {
            args.insert(args.begin(), "openssl");
            auto r = run_program(args, kRunTimeout);
            ASSERT_EQ(r.exit_code, 0) << r.err;
        };
        ssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
             "-subj", "/CN=moatmq test CA", "-keyout", d + "/ca.key", "-out", d + "/ca.crt"});
        dir_->write_file("san.ext", "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
        // "elsewhere": signed by the same CA for another host name, for --insecure.
        dir_->write_file("elsewhere.ext", "subjectAltName=DNS:elsewhere.invalid\n");
        for (const std::string name : {"server", "client", "elsewhere"}) {
            const auto ext = name == "elsewhere" ? d + "/elsewhere.ext" : d + "/san.ext";
            ssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj",
                 "/CN=" + name, "-keyout", d + "/" + name + ".key", "-out", d + "/" + name + ".csr"});
            ssl({"x509", "-req", "-in", d + "/" + name + ".csr", "-CA", d + "/ca.crt", "-CAkey",
                 d + "/ca.key", "-CAcreateserial", "-days", "1", "-extfile", ext, "-out",
                 d + "/" + name + ".crt"});
        }
    }

    std::string file(const std::string& name) const { return (dir_->path() / name).string(); }

    std::string tls_listener(bool require_client_cert, const std::string& server = "server") const
    {
        return "allow_anonymous true\ncafile " + file("ca.crt") + "\ncertfile " + file(server + ".crt") +
               "\nkeyfile " + file(server + ".key") + "\n" +
               (require_client_cert ? "require_certificate true\n" : std::string{});
    }

    std::shared_ptr<TempDir> dir_ = std::make_shared<TempDir>("moatmq-tls");
};

TEST_F(ClientToolsTls, ServerCertificateIsVerifiedAgainstCafile)
{
    MosquittoBroker broker{tls_listener(false), dir_};
    auto ok = pub(broker.port(), {"--cafile", file("ca.crt"), "-t", "a", "-m", "x", "-q", "1"});
    EXPECT_EQ(ok.exit_code, 0) << ok.err;
    auto v13 = pub(broker.port(),
                   {"--cafile", file("ca.crt"), "--tls-version", "tlsv1.3", "-V", "5", "-t", "a", "-m", "x"});
    EXPECT_EQ(v13.exit_code, 0) << v13.err;
    // Trusting only the system store: the test CA is unknown, so the handshake fails.
    auto untrusted =
        run_program({moatmq_binary(), "pub", "-h", "127.0.0.1", "-p", std::to_string(broker.port()),
                     "--tls-version", "tlsv1.2", "-t", "a", "-m", "x"},
                    kRunTimeout);
    EXPECT_EQ(untrusted.exit_code, 1);
    EXPECT_NE(untrusted.err.find("certificate verify failed"), std::string::npos) << untrusted.err;
    // Plain MQTT to a TLS port fails cleanly too.
    EXPECT_EQ(run_program(tool("pub", broker.port(), {"-t", "a", "-m", "x", "--timeout", "3"}), kRunTimeout)
                  .exit_code,
              1);
}

TEST_F(ClientToolsTls, MutualTlsNeedsTheClientCertificate)
{
    MosquittoBroker broker{tls_listener(true), dir_};
    auto without = pub(broker.port(), {"--cafile", file("ca.crt"), "-t", "a", "-m", "x"});
    EXPECT_EQ(without.exit_code, 1);
    auto sub = start_sub(broker.port(), {"--cafile", file("ca.crt"), "--cert", file("client.crt"), "--key",
                                         file("client.key"), "-t", "m", "-C", "1", "-W", "15"});
    auto with = pub(broker.port(), {"--cafile", file("ca.crt"), "--cert", file("client.crt"), "--key",
                                    file("client.key"), "-t", "m", "-m", "mutual", "-q", "2"});
    EXPECT_EQ(with.exit_code, 0) << with.err;
    auto got = sub->finish(kRunTimeout);
    EXPECT_EQ(got.out, "mutual\n") << got.err;
}

// --insecure skips the host name check only, as mosquitto_pub's: the chain must still verify.
TEST_F(ClientToolsTls, InsecureSkipsTheHostNameCheckButNotTheChain)
{
    MosquittoBroker broker{tls_listener(false, "elsewhere"), dir_};
    auto checked = pub(broker.port(), {"--cafile", file("ca.crt"), "-t", "a", "-m", "x", "--timeout", "5"});
    EXPECT_EQ(checked.exit_code, 1);
    EXPECT_NE(checked.err.find("cannot connect to 127.0.0.1:"), std::string::npos) << checked.err;
    auto insecure = pub(broker.port(), {"--cafile", file("ca.crt"), "--insecure", "-t", "a", "-m", "x"});
    EXPECT_EQ(insecure.exit_code, 0) << insecure.err;
    // An unknown CA is still refused with --insecure (only the system store is trusted here).
    auto untrusted =
        run_program({moatmq_binary(), "pub", "-h", "127.0.0.1", "-p", std::to_string(broker.port()),
                     "--insecure", "-t", "a", "-m", "x", "--timeout", "5"},
                    kRunTimeout);
    EXPECT_EQ(untrusted.exit_code, 1);
    EXPECT_NE(untrusted.err.find("certificate verify failed"), std::string::npos) << untrusted.err;
}

}  // namespace
}  // namespace moatmq::test
