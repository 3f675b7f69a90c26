#pragma once
// How a subcommand parses its command line (CLI11): --help prints and exits 0; a usage error prints
// CLI11's message and exits 2 (DESIGN.md §4).
#include <CLI/CLI.hpp>
#include <optional>

#include "app/exit_codes.hpp"

namespace moatmq::app {

// nullopt: parsed, carry on; otherwise the exit code to return at once.
inline std::optional<int> parse_arguments(CLI::App& app, int argc, char** argv)
{
    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        return app.exit(e);  // --help
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return kExitUsage;
    }
    return std::nullopt;
}

}  // namespace moatmq::app
