#pragma once
// The store of `moatmq serve` ([store], <data_dir>/store): opened and loaded before the broker starts,
// so that a store that cannot be read stops the broker before it listens (it never starts empty over a
// store it could not read).
#include <filesystem>
#include <memory>
#include <optional>

#include "broker/persistence.hpp"
#include "config/config.hpp"
#include "store/rocksdb_store.hpp"

namespace moatmq::app {

struct OpenedStore {
    std::unique_ptr<store::RocksStore> store;
    broker::StoredState state;  // what it held: for Broker::restore
};

// Where the store of `cfg` lives.
std::filesystem::path store_path(const config::Config& cfg);

// Opens and loads the store; logs why and returns nullopt when it cannot (the broker must not start).
std::optional<OpenedStore> open_store(const config::Config& cfg);

// One log line: commits, fsyncs, messages per fsync (for the loss window and benchmarks).
void log_store_counters(const store::RocksStore& store);

}  // namespace moatmq::app
