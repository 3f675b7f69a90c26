// Subscription trie and router micro-benchmarks.
//   cmake --preset release && cmake --build build/release --target moatmq_micro_bench
//   build/release/bench/moatmq_micro_bench --benchmark_filter='Trie|Router'
#include <benchmark/benchmark.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "broker/router.hpp"
#include "broker/subscription_trie.hpp"

namespace {

using moatmq::broker::Delivery;
using moatmq::broker::Message;
using moatmq::broker::Router;
using moatmq::broker::SessionId;
using moatmq::broker::SubscriptionMatch;
using moatmq::broker::SubscriptionTrie;

constexpr int kSubscriptions = 100'000;
constexpr int kSites = 100;

// A typical IoT layout, depth 5: "site/{s}/device/{d}/temperature". Most sessions subscribe to their
// own device; every 20th to a whole device with '#'; one per site to a metric of all its devices.
std::string filter_for(int i)
{
    const std::string site = std::to_string(i % kSites);
    const std::string device = std::to_string(i);
    if (i < kSites) return "site/" + site + "/device/+/temperature";
    if (i % 20 == 0) return "site/" + site + "/device/" + device + "/#";
    return "site/" + site + "/device/" + device + "/temperature";
}

std::vector<std::string> topics(std::size_t count)
{
    std::mt19937 rng(42);
    std::uniform_int_distribution<int> device(0, kSubscriptions - 1);
    std::vector<std::string> out;
    for (std::size_t i = 0; i < count; ++i) {
        const int d = device(rng);
        out.push_back("site/" + std::to_string(d % kSites) + "/device/" + std::to_string(d) + "/temperature");
    }
    return out;
}

SubscriptionTrie& populated_trie()
{
    static SubscriptionTrie* trie = [] {
        auto* t = new SubscriptionTrie();
        for (int i = 0; i < kSubscriptions; ++i) {
            (void)t->insert(static_cast<SessionId>(i + 1), filter_for(i), {});
        }
        return t;
    }();
    return *trie;
}

// One publish among 100k subscriptions: a handful of matches.
void BM_TrieMatch100k(benchmark::State& state)
{
    SubscriptionTrie& trie = populated_trie();
    const auto names = topics(4096);
    std::vector<SubscriptionMatch> out;
    std::size_t i = 0;
    std::size_t matched = 0;
    for (auto _ : state) {
        out.clear();
        trie.match(names[i++ & 4095], out);
        matched += out.size();
        benchmark::DoNotOptimize(out.data());
    }
    state.counters["matches/op"] =
        benchmark::Counter(static_cast<double>(matched) / static_cast<double>(state.iterations()));
}
BENCHMARK(BM_TrieMatch100k)->Threads(1)->Threads(2)->UseRealTime();

// Fan-out: 100k sessions on one filter; cost per matched subscription.
void BM_TrieMatchFanOut(benchmark::State& state)
{
    SubscriptionTrie trie;
    const auto n = static_cast<int>(state.range(0));
    for (int i = 0; i < n; ++i)
        (void)trie.insert(static_cast<SessionId>(i + 1), "news/+/sport", {});
    std::vector<SubscriptionMatch> out;
    for (auto _ : state) {
        out.clear();
        trie.match("news/today/sport", out);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_TrieMatchFanOut)->Arg(1'000)->Arg(100'000);

// The whole route(): matching plus the per-session merge into Delivery records.
void BM_RouterRoute100k(benchmark::State& state)
{
    static Router* router = [] {
        auto* r = new Router();
        for (int i = 0; i < kSubscriptions; ++i)
            (void)r->subscribe(static_cast<SessionId>(i + 1), filter_for(i), {});
        return r;
    }();
    const auto names = topics(4096);
    std::vector<Message> messages(names.size());
    for (std::size_t i = 0; i < names.size(); ++i)
        messages[i].topic = names[i];
    std::vector<Delivery> out;
    std::size_t i = 0;
    for (auto _ : state) {
        router->route(messages[i++ & 4095], std::nullopt, out);
        benchmark::DoNotOptimize(out.data());
    }
}
BENCHMARK(BM_RouterRoute100k);

void BM_RouterRouteFanOut(benchmark::State& state)
{
    Router router;
    const auto n = static_cast<int>(state.range(0));
    for (int i = 0; i < n; ++i)
        (void)router.subscribe(static_cast<SessionId>(i + 1), "news/+/sport", {});
    Message message;
    message.topic = "news/today/sport";
    std::vector<Delivery> out;
    for (auto _ : state) {
        router.route(message, std::nullopt, out);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_RouterRouteFanOut)->Arg(1'000)->Arg(100'000);

}  // namespace
