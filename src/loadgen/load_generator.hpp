#pragma once
// `moatmq bench`: runs one benchmark against any MQTT broker and reports it. The entry point of the
// moatmq_loadgen library; src/app/bench.cpp is its command line.
#include <nlohmann/json.hpp>
#include <string>

#include "loadgen/bench_options.hpp"

namespace moatmq::loadgen {

struct BenchReport {
    std::string summary;          // for people: a few lines
    nlohmann::ordered_json json;  // for scripts: one object, printed as one line by --json
    bool ok = true;               // false when connections failed or broke during the run
};

// Runs the benchmark. Throws std::runtime_error when it cannot start (the broker is unreachable,
// refuses the clients, or a subscription is not granted) with a message that says which.
BenchReport run_bench(const BenchOptions& options);

// The mode runners (one file each), called by run_bench with the broker's address resolved.
BenchReport run_traffic(const BenchOptions& options, const std::string& address);
BenchReport run_conn(const BenchOptions& options, const std::string& address);
BenchReport run_idle(const BenchOptions& options, const std::string& address);

// "1,234,567" for the summaries.
std::string with_commas(std::uint64_t value);
// Percentile fields of a latency histogram in microseconds, from nanosecond samples.
class LatencyHistogram;
nlohmann::ordered_json latency_json(const LatencyHistogram& histogram);
std::string latency_line(const LatencyHistogram& histogram);

}  // namespace moatmq::loadgen
