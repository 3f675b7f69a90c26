#include "loadgen/load_generator.hpp"

#include <array>
#include <cstdio>
#include <stdexcept>

#include "loadgen/latency_histogram.hpp"
#include "loadgen/process_stats.hpp"

namespace moatmq::loadgen {

namespace {
constexpr std::array kModes{std::pair{Mode::conn, "conn"},     std::pair{Mode::pub, "pub"},
                            std::pair{Mode::sub, "sub"},       std::pair{Mode::fanin, "fanin"},
                            std::pair{Mode::fanout, "fanout"}, std::pair{Mode::latency, "latency"},
                            std::pair{Mode::idle, "idle"}};
}  // namespace

std::optional<Mode> parse_mode(std::string_view text) noexcept
{
    for (const auto& [mode, name] : kModes)
        if (text == name) return mode;
    return std::nullopt;
}

std::string_view to_string(Mode mode) noexcept
{
    for (const auto& [m, name] : kModes)
        if (m == mode) return name;
    return "?";
}

std::string with_commas(std::uint64_t value)
{
    std::string digits = std::to_string(value);
    for (auto at = static_cast<std::ptrdiff_t>(digits.size()) - 3; at > 0; at -= 3)
        digits.insert(static_cast<std::size_t>(at), ",");
    return digits;
}

nlohmann::ordered_json latency_json(const LatencyHistogram& histogram)
{
    auto us = [](std::uint64_t ns) { return static_cast<double>(ns) / 1000.0; };
    return {
        {"count", histogram.count()},          {"min", us(histogram.min())},
        {"p50", us(histogram.percentile(50))}, {"p90", us(histogram.percentile(90))},
        {"p99", us(histogram.percentile(99))}, {"p99_9", us(histogram.percentile(99.9))},
        {"max", us(histogram.max())},          {"mean", us(static_cast<std::uint64_t>(histogram.mean()))}};
}

std::string latency_line(const LatencyHistogram& histogram)
{
    char line[200];
    auto us = [](std::uint64_t ns) { return static_cast<double>(ns) / 1000.0; };
    std::snprintf(line, sizeof line, "p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f  (n=%llu)",
                  us(histogram.percentile(50)), us(histogram.percentile(90)), us(histogram.percentile(99)),
                  us(histogram.percentile(99.9)), us(histogram.max()),
                  static_cast<unsigned long long>(histogram.count()));
    return line;
}

BenchReport run_bench(const BenchOptions& options)
{
    raise_open_file_limit();
    const std::string address =
        (options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host) + ":" +
        std::to_string(options.port);
    switch (options.mode) {
        case Mode::conn:
            return run_conn(options, address);
        case Mode::idle:
            return run_idle(options, address);
        default:
            return run_traffic(options, address);
    }
}

}  // namespace moatmq::loadgen
