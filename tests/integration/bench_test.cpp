// moatmq bench against the real moatmq broker and Debian's Mosquitto broker: every mode runs briefly
// and its JSON line must show a meaningful outcome (QoS 1/2 without loss, latency percentiles in
// order, every connection made and held). Timing figures are never asserted, only counts and order.
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "broker_process.hpp"
#include "child_process.hpp"
#include "client_mosquitto_broker.hpp"
#include "temp_dir.hpp"

namespace moatmq::test {
namespace {

using nlohmann::json;
constexpr auto kBenchTimeout = 60s;

enum class Target { moatmq, mosquitto };

// One broker of either kind for one test.
class BenchTarget {
public:
    explicit BenchTarget(Target target)
    {
        if (target == Target::moatmq)
            moatmq_ = std::make_unique<BrokerProcess>();
        else  // Unlimited in-flight window and queue: with its defaults (20, 1000) Mosquitto 2.0.11
              // sometimes leaves QoS 2 messages queued, undelivered, after the publishers stop
              // (seen: 19 to 79 of 2,400 at 2,000 msg/s on a busy machine).
            mosquitto_ = std::make_unique<MosquittoBroker>(
                "allow_anonymous true\nmax_inflight_messages 0\nmax_queued_messages 0\n");
    }
    std::uint16_t port() const { return moatmq_ ? moatmq_->port() : mosquitto_->port(); }
    std::string log() const { return moatmq_ ? moatmq_->log() : mosquitto_->log(); }
    BrokerProcess* moatmq() const { return moatmq_.get(); }

private:
    std::unique_ptr<BrokerProcess> moatmq_;
    std::unique_ptr<MosquittoBroker> mosquitto_;
};

std::vector<std::string> bench_args(std::uint16_t port, std::vector<std::string> args)
{
    std::vector<std::string> argv{moatmq_binary(), "bench"};
    argv.insert(argv.end(), args.begin(), args.end());
    for (std::string extra : {std::string{"-p"}, std::to_string(port), std::string{"--json"}})
        argv.push_back(std::move(extra));
    return argv;
}

// Runs `moatmq bench ARGS -p PORT --json`; expects exit 0 and one JSON line on stdout.
json run_bench(std::uint16_t port, std::vector<std::string> args)
{
    const auto result = run_program(bench_args(port, std::move(args)), kBenchTimeout);
    EXPECT_EQ(result.exit_code, 0) << result.err << result.out;
    const auto parsed = json::parse(result.out, nullptr, false);
    EXPECT_TRUE(parsed.is_object()) << "stdout: " << result.out << "\nstderr: " << result.err;
    return parsed.is_object() ? parsed : json::object();
}

class BenchAgainst : public ::testing::TestWithParam<Target> {
protected:
    void SetUp() override
    {
        if (GetParam() == Target::mosquitto && !mosquitto_available())
            GTEST_SKIP() << kMosquittoBinary << " not installed";
        broker_ = std::make_unique<BenchTarget>(GetParam());
    }
    std::unique_ptr<BenchTarget> broker_;
};

const std::vector<std::string> kShort{"-w", "0.2", "-d", "1"};

std::vector<std::string> with_short(std::vector<std::string> args)
{
    args.insert(args.end(), kShort.begin(), kShort.end());
    return args;
}

// At a rate both brokers sustain on a busy machine: flat out, both drop QoS 1 messages once a
// subscriber's queue is full (max_queued_messages 1000 by default), which is policy, not loss.
TEST_P(BenchAgainst, FaninQos1DeliversEverythingWithoutLoss)
{
    const auto r =
        run_bench(broker_->port(), with_short({"fanin", "-P", "4", "-S", "2", "-q", "1", "-r", "4000"}));
    ASSERT_TRUE(r.contains("lost")) << r.dump();
    EXPECT_GT(r["sent"].get<std::uint64_t>(), 0U);
    EXPECT_GT(r["received"].get<std::uint64_t>(), 0U);
    EXPECT_EQ(r["lost"], 0) << r.dump();
    EXPECT_EQ(r["received_total"], r["expected_total"]);
    EXPECT_EQ(r["unacked"], 0);
    EXPECT_EQ(r["broken_connections"], 0);
}

TEST_P(BenchAgainst, FaninQos2OnMqtt5DeliversExactlyWhatWasSent)
{
    const auto r = run_bench(broker_->port(), with_short({"fanin", "-V", "5", "-P", "2", "-S", "1", "-q", "2",
                                                          "-s", "1024", "-r", "2000"}));
    ASSERT_TRUE(r.contains("lost")) << r.dump();
    EXPECT_GT(r["sent"].get<std::uint64_t>(), 0U);
    EXPECT_EQ(r["lost"], 0) << r.dump();
    EXPECT_EQ(r["received_total"], r["expected_total"]);
    EXPECT_EQ(r["unacked"], 0);
}

TEST_P(BenchAgainst, FaninQos0FlatOutMovesMessages)
{
    const auto r = run_bench(broker_->port(), with_short({"fanin", "-P", "2", "-S", "1"}));
    EXPECT_GT(r["sent_per_s"].get<double>(), 0.0) << r.dump();
    EXPECT_GT(r["received_per_s"].get<double>(), 0.0) << r.dump();
    EXPECT_LE(r["received_total"].get<std::uint64_t>(), r["expected_total"].get<std::uint64_t>());
    EXPECT_GT(r["client_cpu"].get<double>(), 0.0);
}

TEST_P(BenchAgainst, FanoutQos1ReachesEverySubscriber)
{
    const auto r = run_bench(broker_->port(), with_short({"fanout", "-S", "10", "-q", "1", "-r", "2000"}));
    EXPECT_EQ(r["subscribers"], 10);
    EXPECT_EQ(r["lost"], 0) << r.dump();
    // Every message reaches all ten subscribers.
    EXPECT_EQ(r["received_total"].get<std::uint64_t>(), 10 * (r["expected_total"].get<std::uint64_t>() / 10));
    EXPECT_GT(r["received"].get<std::uint64_t>(), r["sent"].get<std::uint64_t>());
}

TEST_P(BenchAgainst, LatencyPercentilesArePositiveAndOrdered)
{
    const auto r = run_bench(broker_->port(), with_short({"latency", "-r", "2000"}));
    ASSERT_TRUE(r.contains("latency_us")) << r.dump();
    const auto& l = r["latency_us"];
    EXPECT_GT(l["count"].get<std::uint64_t>(), 500U) << r.dump();
    EXPECT_GT(l["p50"].get<double>(), 0.0);
    EXPECT_LE(l["min"].get<double>(), l["p50"].get<double>());
    EXPECT_LE(l["p50"].get<double>(), l["p90"].get<double>());
    EXPECT_LE(l["p90"].get<double>(), l["p99"].get<double>());
    EXPECT_LE(l["p99"].get<double>(), l["p99_9"].get<double>());
    EXPECT_LE(l["p99_9"].get<double>(), l["max"].get<double>());
    EXPECT_EQ(r["lost"], 0);
    // A fixed rate: about 2000/s were sent, not flat out.
    EXPECT_LT(r["sent_per_s"].get<double>(), 2500.0);
}

TEST_P(BenchAgainst, PubModeAcknowledgesQos1)
{
    const auto r = run_bench(broker_->port(), with_short({"pub", "-P", "2", "-q", "1"}));
    EXPECT_GT(r["acked_per_s"].get<double>(), 0.0) << r.dump();
    EXPECT_EQ(r["unacked"], 0);
}

TEST_P(BenchAgainst, SubModeCountsWhatOthersPublish)
{
    ChildProcess sub{bench_args(broker_->port(), {"sub", "-w", "0", "-d", "3", "-q", "1", "-t", "ext"})};
    ASSERT_TRUE(sub.wait_for_output("subscriber(s) connected", 20s)) << sub.err();
    for (int i = 0; i < 5; ++i) {
        auto pub = run_program({"mosquitto_pub", "-p", std::to_string(broker_->port()), "-t", "ext/a", "-q",
                                "1", "-m", "m" + std::to_string(i)});
        ASSERT_EQ(pub.exit_code, 0) << pub.err;
    }
    const auto result = sub.finish(kBenchTimeout);  // waits for the exit and the end of its output
    const auto r = json::parse(result.out, nullptr, false);
    ASSERT_TRUE(r.is_object()) << result.out << result.err;
    EXPECT_EQ(r["received"], 5) << r.dump();
    EXPECT_EQ(result.exit_code, 0);
}

TEST_P(BenchAgainst, ConnMakesEveryConnection)
{
    const auto r = run_bench(broker_->port(), {"conn", "-c", "300", "--concurrency", "8"});
    ASSERT_TRUE(r.contains("plain")) << r.dump();
    EXPECT_EQ(r["plain"]["connections"], 300) << r.dump();
    EXPECT_EQ(r["plain"]["failed"], 0);
    EXPECT_GT(r["plain"]["conn_per_s"].get<double>(), 0.0);
}

TEST_P(BenchAgainst, IdleHoldsEveryClient)
{
    const auto r = run_bench(broker_->port(), {"idle", "-c", "300", "-d", "1", "-V", "5"});
    EXPECT_EQ(r["connected"], 300) << r.dump();
    EXPECT_EQ(r["alive_at_end"], 300) << r.dump();
}

INSTANTIATE_TEST_SUITE_P(Brokers, BenchAgainst, ::testing::Values(Target::moatmq, Target::mosquitto),
                         [](const auto& p) { return p.param == Target::moatmq ? "Moatmq" : "Mosquitto"; });

TEST(BenchBrokerStats, IdleReportsTheBrokersMemoryPerConnection)
{
    BrokerProcess broker;
    const auto r = run_bench(broker.port(),
                             {"idle", "-c", "200", "-d", "1", "--broker-pid", std::to_string(broker.pid())});
    EXPECT_EQ(r["connected"], 200) << r.dump();
    ASSERT_TRUE(r.contains("broker_bytes_per_conn")) << r.dump();
    EXPECT_GT(r["broker_rss_before"].get<std::uint64_t>(), 0U);
}

// As the compare.sh QoS 1 row, flat out: each publisher refills its window (8 here) from the reads of its
// PUBACKs. moatmq only: Mosquitto 2.0.11 acknowledges a QoS 1 PUBLISH on receipt and drops some
// under this load. With compare.sh's queue limits: flat out on two workers the subscriber's queue can
// pass the default 1,000 messages (a window-bound subscriber does not slow publishers down), and
// dropping there is policy (counted in $SYS/broker/publish/messages/dropped), not what this test is about.
TEST(BenchWindow, FaninQos1FlatOutRefillsTheWindowWithoutLoss)
{
    BrokerProcess broker(
        test_config("[limits]\nmax_queued_messages = 1000000\nmax_queued_bytes = \"1GiB\"\n"));
    const auto r =
        run_bench(broker.port(),
                  with_short({"fanin", "-P", "4", "-S", "1", "-q", "1", "--window", "8", "--drain", "30"}));
    ASSERT_TRUE(r.contains("lost")) << r.dump();
    EXPECT_GT(r["sent"].get<std::uint64_t>(), 4U * 8U * 10U) << "the windows were not refilled: " << r.dump();
    EXPECT_EQ(r["lost"], 0) << r.dump();
    EXPECT_EQ(r["received_total"], r["expected_total"]);
    EXPECT_EQ(r["unacked"], 0);
    EXPECT_EQ(r["broken_connections"], 0);
}

TEST(BenchTls, FullThenResumedHandshakesAgainstMosquitto)
{
    if (!mosquitto_available()) GTEST_SKIP() << kMosquittoBinary << " not installed";
    auto dir = std::make_shared<TempDir>("moatmq-bench-tls");
    const auto d = dir->path().string();
    auto ssl = [&](std::vector<std::string> args) {
        args.insert(args.begin(), "openssl");
        auto r = run_program(args, 20s);
        ASSERT_EQ(r.exit_code, 0) << r.err;
    };
    ssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
         "-subj", "/CN=bench CA", "-keyout", d + "/ca.key", "-out", d + "/ca.crt"});
    dir->write_file("san.ext", "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    ssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=localhost",
         "-keyout", d + "/server.key", "-out", d + "/server.csr"});
    ssl({"x509", "-req", "-in", d + "/server.csr", "-CA", d + "/ca.crt", "-CAkey", d + "/ca.key",
         "-CAcreateserial", "-days", "1", "-extfile", d + "/san.ext", "-out", d + "/server.crt"});
    MosquittoBroker broker{"allow_anonymous true\ncafile " + d + "/ca.crt\ncertfile " + d +
                               "/server.crt\nkeyfile " + d + "/server.key\n",
                           dir};
    const auto r = run_bench(broker.port(),
                             {"conn", "--tls", "--cafile", d + "/ca.crt", "-c", "100", "--concurrency", "4"});
    ASSERT_TRUE(r.contains("tls-full") && r.contains("tls-resumed")) << r.dump();
    EXPECT_EQ(r["tls-full"]["connections"], 100) << r.dump();
    EXPECT_EQ(r["tls-full"]["resumed"], 0);
    EXPECT_EQ(r["tls-resumed"]["connections"], 100);
    // Each of the 4 lanes makes one full handshake first, then resumes the session it got.
    EXPECT_GE(r["tls-resumed"]["resumed"].get<std::uint64_t>(), 96U) << r.dump();

    // --tls-version holds the generator to one version, and the phases report the one negotiated:
    // TLS 1.2 resumes through the abbreviated handshake (session ids or tickets), TLS 1.3 through tickets.
    for (const std::string version : {"tlsv1.2", "tlsv1.3"}) {
        const auto v = run_bench(broker.port(), {"conn", "--tls", "--cafile", d + "/ca.crt", "--tls-version",
                                                 version, "-c", "20", "--concurrency", "2"});
        const auto negotiated = version == "tlsv1.2" ? "TLSv1.2" : "TLSv1.3";
        ASSERT_TRUE(v.contains("tls-resumed")) << v.dump();
        EXPECT_EQ(v["tls-full"]["protocols"], nlohmann::json::array({negotiated})) << v.dump();
        EXPECT_EQ(v["tls-resumed"]["protocols"], nlohmann::json::array({negotiated})) << v.dump();
        EXPECT_GE(v["tls-resumed"]["resumed"].get<std::uint64_t>(), 18U) << v.dump();
    }

    // Verification is on: a CA that did not sign the server's certificate fails every handshake.
    ssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
         "-subj", "/CN=other CA", "-keyout", d + "/other.key", "-out", d + "/other.crt"});
    const auto refused = run_program(
        bench_args(broker.port(), {"conn", "--tls", "--cafile", d + "/other.crt", "-c", "5"}), kBenchTimeout);
    EXPECT_EQ(refused.exit_code, 1) << refused.out;
}

TEST(BenchUsage, BadArgumentsAreUsageErrors)
{
    EXPECT_EQ(run_program({moatmq_binary(), "bench", "nosuchmode"}).exit_code, 2);
    EXPECT_EQ(run_program({moatmq_binary(), "bench", "latency", "-r", "0"}).exit_code, 2);
    EXPECT_EQ(run_program({moatmq_binary(), "bench", "fanin", "-t", "a/#"}).exit_code, 2);
    EXPECT_EQ(run_program({moatmq_binary(), "bench", "fanin", "--tls"}).exit_code, 2);
    EXPECT_EQ(run_program({moatmq_binary(), "bench", "conn", "--tls-version", "tlsv1.2"}).exit_code, 2);
    EXPECT_EQ(run_program({moatmq_binary(), "bench", "conn", "--tls", "--insecure", "--tls-version", "1.1"})
                  .exit_code,
              2);
}

TEST(BenchUsage, UnreachableBrokerIsARuntimeFailure)
{
    const auto r = run_program(
        {moatmq_binary(), "bench", "fanin", "-p", std::to_string(free_loopback_port()), "-d", "1"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("failed"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace moatmq::test
