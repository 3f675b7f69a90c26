// moatmq store check|repair: reads every record of a broker's store (read-only for check) and reports
// what it holds and what is damaged; repair salvages damaged files (RocksDB's repair) and deletes the
// records that still cannot be read. The broker must be stopped for repair (the store is locked while
// it runs, and repair says so).
#include "app/store.hpp"

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>

#include "app/exit_codes.hpp"
#include "app/parse_arguments.hpp"
#include "app/serve_store.hpp"
#include "config/default_config.hpp"
#include "config/loader.hpp"
#include "store/rocksdb_store.hpp"

namespace moatmq::app {
namespace {

void print(const store::StoreReport& report, std::ostream& out)
{
    out << "sessions: " << report.sessions << "\nsubscriptions: " << report.subscriptions
        << "\nqueued or in-flight messages: " << report.deliveries
        << "\ninbound QoS 2 ids: " << report.inbound_qos2 << "\nretained messages: " << report.retained
        << "\nproblems: " << report.problems.size() << '\n';
    for (const auto& problem : report.problems)
        out << "  " << problem << '\n';
}

}  // namespace

int run_store(int argc, char** argv)
{
    CLI::App app{"Check or repair the broker's store (docs/persistence.md)", "moatmq store"};
    app.require_subcommand(1);
    std::optional<std::filesystem::path> config_file;
    std::optional<std::filesystem::path> dir;
    for (auto* command :
         {app.add_subcommand("check", "Read every record and report what is damaged (read-only)"),
          app.add_subcommand("repair",
                             "Salvage a damaged store: delete the records that cannot be "
                             "read (the broker must be stopped)")}) {
        auto* c =
            command->add_option("-c,--config", config_file, "Configuration file: the store of its data_dir");
        command->add_option("-d,--dir", dir, "The store directory itself (<data_dir>/store)")->excludes(c);
    }
    if (const auto exit_code = parse_arguments(app, argc, argv)) return *exit_code;
    std::filesystem::path path;
    if (dir) {
        path = *dir;
    } else {
        auto loaded = config_file ? config::load_config_file(*config_file) : config::load_default_config();
        if (!loaded) {
            std::cerr << loaded.error().to_string() << '\n';
            return kExitFailure;
        }
        path = store_path(*loaded);
    }
    const bool repair = app.got_subcommand("repair");
    try {
        std::cout << "store " << path.string() << '\n';
        if (repair) {
            const auto report = store::repair_store(path);
            print(report, std::cout);
            std::cout << "removed: " << report.removed << " records\n";
            return kExitOk;
        }
        const auto report = store::check_store(path);
        print(report, std::cout);
        return report.problems.empty() ? kExitOk : kExitFailure;
    } catch (const store::StoreError& e) {
        std::cerr << "moatmq store: " << e.what() << '\n';
        return kExitFailure;
    }
}

}  // namespace moatmq::app
