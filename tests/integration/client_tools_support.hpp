#pragma once
// Helpers for the client tools' integration tests: run `moatmq pub`, start `moatmq sub` and wait for its
// SUBACK, make payload keys. Every wait is bounded.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "broker_process.hpp"
#include "child_process.hpp"
#include "temp_dir.hpp"

namespace moatmq::test {

inline constexpr auto kRunTimeout = 20s;

// The message lines ("TOPIC PAYLOAD", or "TOPIC HEX" with -F) of mosquitto_sub's output, in order; its -d
// lines start with "Client " or "Subscribed (".
inline std::vector<std::string> message_lines(const std::string& out)
{
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < out.size()) {
        auto end = out.find('\n', start);
        if (end == std::string::npos) end = out.size();
        auto line = out.substr(start, end - start);
        if (!line.empty() && !line.starts_with("Client ") && !line.starts_with("Subscribed (")) {
            lines.push_back(line);
        }
        start = end + 1;
    }
    return lines;
}

inline std::vector<std::string> tool(const std::string& command, std::uint16_t port,
                                     std::vector<std::string> extra)
{
    std::vector<std::string> args{moatmq_binary(), command, "-h", "127.0.0.1", "-p", std::to_string(port)};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

// Starts `moatmq sub` with -d and waits (bounded) for its SUBACK, so what is published next reaches it.
inline std::unique_ptr<ChildProcess> start_sub(std::uint16_t port, std::vector<std::string> extra)
{
    extra.push_back("-d");
    auto sub = std::make_unique<ChildProcess>(tool("sub", port, std::move(extra)));
    if (!sub->wait_for_output("received SUBACK", 10s)) {
        ADD_FAILURE() << "sub did not subscribe:\n" << sub->err();
    }
    return sub;
}

inline ProgramResult pub(std::uint16_t port, std::vector<std::string> extra)
{
    return run_program(tool("pub", port, std::move(extra)), kRunTimeout);
}

inline std::string make_key(const TempDir& dir, const std::string& name)
{
    const auto path = (dir.path() / name).string();
    auto made = run_program({moatmq_binary(), "certs", "payload-key", path}, kRunTimeout);
    EXPECT_EQ(made.exit_code, 0) << made.err;
    return path;
}

}  // namespace moatmq::test
