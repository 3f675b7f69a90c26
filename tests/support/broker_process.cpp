#include "broker_process.hpp"

#include <signal.h>

#include <charconv>
#include <stdexcept>

namespace moatmq::test {

namespace {
constexpr std::string_view kReady = "moatmq ready";
}

std::string moatmq_binary()
{
    return MOATMQ_BINARY;
}

std::string test_config(std::string_view extra, std::string_view data_dir)
{
    std::string config =
        "[broker]\n"
        "data_dir = \"" +
        std::string(data_dir) +
        "\"\n"
        "threads = 2\n"
        "\n"
        "[[listener]]\n"
        "name = \"local\"\n"
        "bind = \"127.0.0.1:0\"\n"
        "allow_anonymous = true\n";
    if (!extra.empty()) {
        config += "\n";
        config += extra;
        if (config.back() != '\n') config += "\n";
    }
    return config;
}

std::map<std::string, std::string> parse_ready_line(std::string_view log)
{
    std::map<std::string, std::string> result;
    const auto start = log.find(kReady);
    if (start == std::string_view::npos) return result;
    auto line = log.substr(start);
    line = line.substr(0, line.find('\n'));
    // Pairs of "listener=NAME" and "address=HOST:PORT", separated by spaces; a JSON log line ends the
    // message with a quote.
    auto value_after = [](std::string_view text, std::size_t at) {
        const auto end = text.find_first_of(" \"", at);
        return text.substr(at, end == std::string_view::npos ? text.size() - at : end - at);
    };
    for (std::size_t pos = line.find("listener="); pos != std::string_view::npos;
         pos = line.find("listener=", pos + 1)) {
        const auto name = value_after(line, pos + 9);
        const auto address_at = line.find("address=", pos);
        if (address_at == std::string_view::npos) break;
        result.emplace(std::string(name), std::string(value_after(line, address_at + 8)));
    }
    return result;
}

BrokerProcess::BrokerProcess(std::string config, std::chrono::milliseconds ready_timeout)
    : dir_("moatmq-broker")
{
    const auto config_file = dir_.write_file("moatmq.toml", config);
    process_ =
        std::make_unique<ChildProcess>(std::vector<std::string>{moatmq_binary(), "serve", "-c", config_file});
    const bool ready = process_->wait_until(
        [](const std::string&, const std::string& err) {
            const auto at = err.find(kReady);
            return at != std::string::npos && err.find('\n', at) != std::string::npos;
        },
        ready_timeout);
    if (!ready) {
        auto result = process_->finish(1s);
        throw std::runtime_error("moatmq serve did not become ready (exit " +
                                 std::to_string(result.exit_code) + "):\n" + result.err + result.out);
    }
    addresses_ = parse_ready_line(process_->err());
}

BrokerProcess::~BrokerProcess()
{
    stop(10s);
}

const std::string& BrokerProcess::address(const std::string& listener) const
{
    return addresses_.at(listener);
}

std::uint16_t BrokerProcess::port(const std::string& listener) const
{
    const auto& address = addresses_.at(listener);
    const auto colon = address.rfind(':');
    std::uint16_t port = 0;
    const auto* first = address.data() + colon + 1;
    const auto [end, ec] = std::from_chars(first, address.data() + address.size(), port);
    if (colon == std::string::npos || ec != std::errc{} || end != address.data() + address.size()) {
        throw std::runtime_error("no port in listener address \"" + address + "\"");
    }
    return port;
}

int BrokerProcess::stop(std::chrono::milliseconds timeout)
{
    if (exit_code_) return *exit_code_;
    process_->signal(SIGTERM);
    const auto result = process_->finish(timeout);
    exit_code_ = result.timed_out ? -1 : result.exit_code;
    return *exit_code_;
}

}  // namespace moatmq::test
