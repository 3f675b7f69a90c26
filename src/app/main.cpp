// moatmq: the broker and its tools. Parses the command line and runs one subcommand; exceptions that
// reach here are startup failures or broken invariants: printed, exit code 1.
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>
#include <string>

#include "app/allocator.hpp"
#include "app/client_commands.hpp"
#include "app/commands.hpp"
#include "app/exit_codes.hpp"
#include "app/parse_arguments.hpp"
#include "app/passwd.hpp"
#include "app/store.hpp"

int main(int argc, char** argv)
{
    using namespace moatmq::app;

    // The client tools parse their own mosquitto-style options (-h is the host there).
    if (argc >= 2 && std::string{argv[1]} == "pub") return run_pub(argc - 1, argv + 1);
    if (argc >= 2 && std::string{argv[1]} == "sub") return run_sub(argc - 1, argv + 1);
    if (argc >= 2 && std::string{argv[1]} == "certs") return run_certs(argc - 1, argv + 1);
    if (argc >= 2 && std::string{argv[1]} == "passwd") return run_passwd(argc - 1, argv + 1);
    if (argc >= 2 && std::string{argv[1]} == "store") return run_store(argc - 1, argv + 1);
    if (argc >= 2 && std::string{argv[1]} == "bench") return run_bench(argc - 1, argv + 1);

    CLI::App app{"moatmq: a security-first MQTT broker", "moatmq"};
    app.require_subcommand(1);
    app.set_version_flag("--version", [] { return "moatmq 0.1.0\nallocator: " + allocator_name(); });

    ServeOptions serve;
    auto* serve_cmd = app.add_subcommand("serve", "Run the broker");
    serve_cmd->add_option("-c,--config", serve.config_file,
                          "Configuration file (TOML); without it, the embedded default (loopback only)");

    CheckConfigOptions check;
    auto* check_cmd =
        app.add_subcommand("check-config", "Validate a configuration and print the effective settings");
    check_cmd->add_option("-c,--config", check.config_file, "Configuration file (TOML)")->required();

    if (const auto exit_code = parse_arguments(app, argc, argv)) return *exit_code;

    try {
        if (serve_cmd->parsed()) return run_serve(serve);
        if (check_cmd->parsed()) return run_check_config(check);
    } catch (const std::exception& e) {
        std::cerr << "moatmq: " << e.what() << '\n';
        return kExitFailure;
    }
    return kExitUsage;
}
