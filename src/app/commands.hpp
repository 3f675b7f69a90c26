#pragma once
// The subcommands of the moatmq executable, one file each. main.cpp parses the command line (CLI11)
// and calls one of these; each returns the process exit code: 0 success, 1 runtime failure, 2 usage.
#include <filesystem>
#include <optional>

namespace moatmq::app {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

struct ServeOptions {
    std::optional<std::filesystem::path> config_file;  // none: the embedded default configuration
};
int run_serve(const ServeOptions& options);

struct CheckConfigOptions {
    std::filesystem::path config_file;
};
int run_check_config(const CheckConfigOptions& options);

}  // namespace moatmq::app
