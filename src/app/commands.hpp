#pragma once
// The subcommands of the moatmq executable, one file each. main.cpp parses the command line (CLI11)
// and calls one of these; each returns the process exit code (app/exit_codes.hpp).
#include <filesystem>
#include <optional>

namespace moatmq::app {

struct ServeOptions {
    std::optional<std::filesystem::path> config_file;  // none: the embedded default configuration
};
int run_serve(const ServeOptions& options);

struct CheckConfigOptions {
    std::filesystem::path config_file;
};
int run_check_config(const CheckConfigOptions& options);

}  // namespace moatmq::app
