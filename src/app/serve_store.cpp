#include "app/serve_store.hpp"

#include <chrono>
#include <string>

#include "observe/log.hpp"

namespace moatmq::app {

std::filesystem::path store_path(const config::Config& cfg)
{
    return cfg.broker.data_dir / "store";
}

std::optional<OpenedStore> open_store(const config::Config& cfg)
{
    store::StoreOptions options;
    options.path = store_path(cfg);
    switch (cfg.store.sync) {
        case config::StoreSync::always:
            options.sync = store::SyncPolicy::always;
            break;
        case config::StoreSync::periodic:
            options.sync = store::SyncPolicy::periodic;
            break;
        case config::StoreSync::none:
            options.sync = store::SyncPolicy::none;
            break;
    }
    options.sync_interval = cfg.store.sync_interval;
    options.warn = [](std::string_view text) { log::warn("{}", text); };
    try {
        const auto started = std::chrono::steady_clock::now();
        OpenedStore opened;
        opened.store = std::make_unique<store::RocksStore>(std::move(options));
        opened.state = opened.store->load();
        std::size_t deliveries = 0;
        for (const auto& session : opened.state.sessions)
            deliveries += session.deliveries.size();
        const auto ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
        log::info(
            "store {}: {} sessions, {} queued or in-flight messages, {} retained messages loaded in {} ms",
            opened.store->path().string(), opened.state.sessions.size(), deliveries,
            opened.state.retained.size(), ms.count());
        return opened;
    } catch (const store::StoreError& e) {
        log::error("{}", e.what());
        return std::nullopt;
    }
}

void log_store_counters(const store::RocksStore& store)
{
    const auto c = store.counters();
    const double per_sync =
        c.syncs == 0 ? 0.0 : static_cast<double>(c.deliveries + c.retained) / static_cast<double>(c.syncs);
    log::info(
        "store: {} commits, {} syncs, {} mutations ({} deliveries, {} retained), {:.1f} messages per sync, "
        "{} failed commits",
        c.commits, c.syncs, c.mutations, c.deliveries, c.retained, per_sync, c.failed_commits);
}

}  // namespace moatmq::app
