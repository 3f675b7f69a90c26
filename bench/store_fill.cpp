// moatmq_store_fill DATA_DIR COUNT [PAYLOAD_BYTES]: writes COUNT retained messages (topics
// fill/<i / 1000>/<i>, PAYLOAD_BYTES bytes each, default 64) into DATA_DIR/store, the store `moatmq serve`
// opens for [broker].data_dir = DATA_DIR — for measuring how long a broker takes to start on a large store
// (bench/README.md, "Store"). Bounded: COUNT is at most 100 million; commits every 10,000 messages.
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "broker/message.hpp"
#include "store/rocksdb_store.hpp"

int main(int argc, char** argv)
{
    using namespace moatmq;
    if (argc < 3 || argc > 4) {
        std::fprintf(stderr, "usage: moatmq_store_fill DATA_DIR COUNT [PAYLOAD_BYTES]\n");
        return 2;
    }
    auto number = [](const char* text, std::uint64_t max) -> std::optional<std::uint64_t> {
        std::uint64_t value = 0;
        const auto* end = text + std::char_traits<char>::length(text);
        const auto [ptr, ec] = std::from_chars(text, end, value);
        if (ec != std::errc{} || ptr != end || value > max) return std::nullopt;
        return value;
    };
    const auto count = number(argv[2], 100'000'000);
    const auto size = argc == 4 ? number(argv[3], 1'000'000) : std::optional<std::uint64_t>{64};
    if (!count || !size) {
        std::fprintf(stderr,
                     "moatmq_store_fill: COUNT (<= 100000000) and PAYLOAD_BYTES (<= 1000000) are numbers\n");
        return 2;
    }
    try {
        store::StoreOptions options;
        options.path = std::filesystem::path(argv[1]) / "store";
        options.sync = store::SyncPolicy::none;
        store::RocksStore store(std::move(options));
        const auto started = std::chrono::steady_clock::now();
        const Bytes payload(*size, std::byte{'x'});
        for (std::uint64_t i = 0; i < *count; ++i) {
            auto m = std::make_shared<broker::Message>();
            m->topic = "fill/" + std::to_string(i / 1000) + "/" + std::to_string(i);
            m->payload = payload;
            m->qos = codec::QoS::at_least_once;
            m->retain = true;
            store.put_retained(broker::StoredMessage{std::move(m), std::nullopt});
            if (i % 10'000 == 9'999 && !store.flush()) throw store::StoreError("write failed");
        }
        if (!store.flush()) throw store::StoreError("write failed");
        const auto seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        std::printf("%llu retained messages of %llu bytes written to %s in %.1f s\n",
                    static_cast<unsigned long long>(*count), static_cast<unsigned long long>(*size),
                    store.path().c_str(), seconds);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "moatmq_store_fill: %s\n", e.what());
        return 1;
    }
    return 0;
}
