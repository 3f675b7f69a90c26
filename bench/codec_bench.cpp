// Codec micro-benchmarks: the per-message costs on the broker's hot path. Run a Release build:
//   build/release/bench/moatmq_micro_bench --benchmark_filter=Codec
// Numbers and the machine they came from are in bench/README.md.
#include <benchmark/benchmark.h>

#include "codec/decoder.hpp"
#include "codec/encoder.hpp"

namespace {

using namespace moatmq;
using namespace moatmq::codec;

Publish small_publish()
{
    Publish p;
    p.topic = "sensors/42/temp";
    p.payload = Bytes(64, std::byte{0x5a});
    return p;
}

Connect typical_connect()
{
    Connect c;
    c.client_id = "bench-client-0001";
    c.keep_alive = 60;
    c.username = "user";
    c.password = to_bytes("password");
    c.properties.session_expiry_interval = 3600;
    c.properties.receive_maximum = 100;
    c.will.emplace();
    c.will->topic = "clients/bench-client-0001/status";
    c.will->payload = to_bytes("offline");
    return c;
}

DecodeOptions options_for(ProtocolVersion version)
{
    DecodeOptions o;
    o.version = version;
    o.sender = Sender::client;
    return o;
}

Bytes encoded(const Packet& packet, ProtocolVersion version)
{
    Bytes out;
    if (!encode(packet, version, out)) std::abort();
    return out;
}

void BM_CodecDecodePublish64(benchmark::State& state, ProtocolVersion version)
{
    const Bytes bytes = encoded(small_publish(), version);
    const DecodeOptions options = options_for(version);
    for (auto _ : state) {
        auto decoded = decode(bytes, options);
        benchmark::DoNotOptimize(decoded);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
}

void BM_CodecEncodePublish64(benchmark::State& state, ProtocolVersion version)
{
    const Publish publish = small_publish();
    Bytes out;
    out.reserve(256);
    for (auto _ : state) {
        out.clear();
        auto n = encode(publish, version, out);
        benchmark::DoNotOptimize(n);
        benchmark::DoNotOptimize(out.data());
    }
}

// What a broker does per message at least once: decode what arrived, encode what goes out.
void BM_CodecDecodeEncodePublish64(benchmark::State& state, ProtocolVersion version)
{
    const Bytes bytes = encoded(small_publish(), version);
    const DecodeOptions options = options_for(version);
    Bytes out;
    out.reserve(256);
    for (auto _ : state) {
        auto decoded = decode(bytes, options);
        out.clear();
        auto n = encode(*std::get_if<Publish>(&decoded->packet), version, out);
        benchmark::DoNotOptimize(n);
        benchmark::DoNotOptimize(out.data());
    }
}

// Many small PUBLISH packets arriving in one read, through the streaming decoder.
void BM_CodecStreamDecodePublish64(benchmark::State& state)
{
    const Bytes one = encoded(small_publish(), ProtocolVersion::v5);
    Bytes batch;
    for (int i = 0; i < 64; ++i)
        batch.insert(batch.end(), one.begin(), one.end());
    StreamDecoder decoder(options_for(ProtocolVersion::v5));
    for (auto _ : state) {
        decoder.feed(batch);
        for (;;) {
            auto next = decoder.next();
            if (!next || !*next) break;
            benchmark::DoNotOptimize(next);
        }
    }
    state.SetItemsProcessed(state.iterations() * 64);
}

void BM_CodecDecodeConnect(benchmark::State& state, ProtocolVersion version)
{
    Connect connect = typical_connect();
    connect.version = version;
    if (version != ProtocolVersion::v5) connect.properties = {};
    const Bytes bytes = encoded(connect, version);
    const DecodeOptions options = options_for(version);
    for (auto _ : state) {
        auto decoded = decode(bytes, options);
        benchmark::DoNotOptimize(decoded);
    }
}

void BM_CodecEncodeConnect(benchmark::State& state, ProtocolVersion version)
{
    Connect connect = typical_connect();
    connect.version = version;
    const Packet packet{connect};
    Bytes out;
    out.reserve(256);
    for (auto _ : state) {
        out.clear();
        auto n = encode(packet, version, out);
        benchmark::DoNotOptimize(n);
        benchmark::DoNotOptimize(out.data());
    }
}

BENCHMARK_CAPTURE(BM_CodecDecodePublish64, v5, ProtocolVersion::v5);
BENCHMARK_CAPTURE(BM_CodecDecodePublish64, v311, ProtocolVersion::v311);
BENCHMARK_CAPTURE(BM_CodecEncodePublish64, v5, ProtocolVersion::v5);
BENCHMARK_CAPTURE(BM_CodecEncodePublish64, v311, ProtocolVersion::v311);
BENCHMARK_CAPTURE(BM_CodecDecodeEncodePublish64, v5, ProtocolVersion::v5);
BENCHMARK_CAPTURE(BM_CodecDecodeEncodePublish64, v311, ProtocolVersion::v311);
BENCHMARK(BM_CodecStreamDecodePublish64);
BENCHMARK_CAPTURE(BM_CodecDecodeConnect, v5, ProtocolVersion::v5);
BENCHMARK_CAPTURE(BM_CodecDecodeConnect, v311, ProtocolVersion::v311);
BENCHMARK_CAPTURE(BM_CodecEncodeConnect, v5, ProtocolVersion::v5);
BENCHMARK_CAPTURE(BM_CodecEncodeConnect, v311, ProtocolVersion::v311);

}  // namespace
