// ACL decision micro-benchmarks: the per-message receive check with 10,000 rules, uncached (a rule-trie walk)
// and through a connection's cache (what the broker does on every delivery), and the per-connection cost
// of compiling 1,000 pattern rules.
//   cmake --preset release && cmake --build build/release --target moatmq_micro_bench
//   build/release/bench/moatmq_micro_bench --benchmark_filter=Acl
#include <benchmark/benchmark.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "security/authz/acl_authorizer.hpp"
#include "security/authz/acl_policy.hpp"

namespace {

using namespace moatmq::security::authz;

constexpr int kRules = 10'000;

// 10,000 rules: the general block grants one site each ("site/{i}/+/temperature"), every tenth site is
// denied one device, and the benchmark's user has its own block.
std::shared_ptr<const AclPolicy> ten_thousand_rules()
{
    std::string text;
    for (int i = 0; i < kRules - 2; ++i) {
        text += (i % 10 == 0 ? "topic deny site/" + std::to_string(i) + "/7/temperature\n"
                             : "topic read site/" + std::to_string(i) + "/+/temperature\n");
    }
    text += "user alice\ntopic readwrite alice/#\n";
    return std::make_shared<const AclPolicy>(parse_acl(text, "bench").value(), AclOptions{});
}

std::vector<std::string> topics(std::size_t count)
{
    std::mt19937 rng(42);
    std::uniform_int_distribution<int> site(0, kRules);
    std::uniform_int_distribution<int> device(0, 20);
    std::vector<std::string> out;
    for (std::size_t i = 0; i < count; ++i)
        out.push_back("site/" + std::to_string(site(rng)) + "/" + std::to_string(device(rng)) +
                      "/temperature");
    return out;
}

void BM_AclReceiveUncached(benchmark::State& state)
{
    const auto policy = ten_thousand_rules();
    const auto rules = policy->rules_for("alice", "client-1");
    const auto list = topics(4096);
    std::size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(rules.may_receive(list[i++ & 4095]));
    }
}
BENCHMARK(BM_AclReceiveUncached);

// A subscriber's connection receiving a stream over a working set of 64 topics: cache hits.
void BM_AclReceiveCached(benchmark::State& state)
{
    moatmq::ManualClock clock;
    AclAuthorizer authorizer(ten_thousand_rules(), {}, clock);
    auto permissions = authorizer.permissions_for({"alice", "client-1", "local", "127.0.0.1:1"});
    const auto list = topics(64);
    std::size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(permissions->may_receive(list[i++ & 63]));
    }
}
BENCHMARK(BM_AclReceiveCached);

// A connection with 1,000 pattern rules: compiled once at CONNECT, then one receive check.
std::shared_ptr<const AclPolicy> thousand_patterns()
{
    std::string text;
    for (int i = 0; i < 1000; ++i)
        text += "pattern readwrite tenant/%u/" + std::to_string(i) + "/#\n";
    return std::make_shared<const AclPolicy>(parse_acl(text, "bench").value(), AclOptions{});
}

void BM_AclCompilePatterns1000(benchmark::State& state)
{
    const auto policy = thousand_patterns();
    for (auto _ : state) {
        benchmark::DoNotOptimize(policy->rules_for("alice", "client-1"));
    }
}
BENCHMARK(BM_AclCompilePatterns1000);

void BM_AclReceivePatterns1000Uncached(benchmark::State& state)
{
    const auto policy = thousand_patterns();
    const auto rules = policy->rules_for("alice", "client-1");
    std::vector<std::string> list;
    for (int i = 0; i < 1024; ++i)
        list.push_back("tenant/alice/" + std::to_string(i) + "/sensor");
    std::size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(rules.may_receive(list[i++ & 1023]));
    }
}
BENCHMARK(BM_AclReceivePatterns1000Uncached);

void BM_AclSubscribeCheck(benchmark::State& state)
{
    const auto policy = ten_thousand_rules();
    const auto rules = policy->rules_for("alice", "client-1");
    for (auto _ : state) {
        benchmark::DoNotOptimize(rules.may_subscribe("site/+/+/temperature"));
    }
}
BENCHMARK(BM_AclSubscribeCheck);

}  // namespace
