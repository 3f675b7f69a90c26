#pragma once
// End-to-end payload encryption: the envelope a publisher seals and a subscriber opens. The broker
// never holds keys; it can only check that a payload is shaped like an envelope.
//
// Layout (version 1; docs/payload-encryption.md has the full description and the threat model):
//
//   offset  size  field
//   0       1     version        0x01
//   1       1     algorithm      0x01 AES-256-GCM, 0x02 ChaCha20-Poly1305
//   2       8     key id         which key sealed it (rotation)
//   10      12    nonce          random 96-bit, fresh for every envelope
//   22      8     timestamp      milliseconds since the Unix epoch, big-endian
//   30      n     ciphertext     same length as the plaintext
//   30+n    16    tag            AEAD authentication tag
//
// Associated data = the 30 header bytes followed by the topic name (UTF-8 bytes, no length prefix: the
// header is fixed-size, so the split is unambiguous). Changing any header byte, the timestamp, the topic
// or the ciphertext makes the tag fail; the timestamp is checked only after the tag verified.
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <span>
#include <string_view>
#include <utility>

#include "common/bytes.hpp"
#include "common/result.hpp"
#include "security/payload/payload_key.hpp"

namespace moatmq::security::payload {

enum class Algorithm : std::uint8_t { aes_256_gcm = 0x01, chacha20_poly1305 = 0x02 };

inline constexpr std::uint8_t kEnvelopeVersion = 0x01;
inline constexpr std::size_t kNonceSize = 12;
inline constexpr std::size_t kTimestampSize = 8;
inline constexpr std::size_t kTagSize = 16;
inline constexpr std::size_t kHeaderSize = 2 + kKeyIdSize + kNonceSize + kTimestampSize;  // 30
inline constexpr std::size_t kEnvelopeOverhead = kHeaderSize + kTagSize;                  // 46
// A plaintext that fits one MQTT packet (268,435,455 bytes) with the envelope around it.
inline constexpr std::size_t kMaxPlaintextSize = 268'435'455 - kEnvelopeOverhead;

using Nonce = std::array<std::byte, kNonceSize>;

// "aes-256-gcm" / "chacha20-poly1305"
std::string_view to_string(Algorithm algorithm) noexcept;
std::optional<Algorithm> parse_algorithm(std::string_view name) noexcept;

// Milliseconds since the Unix epoch of `t`: the envelope's timestamp unit.
std::uint64_t to_unix_millis(std::chrono::system_clock::time_point t) noexcept;

// Seals `plaintext` for `topic` with a fresh random nonce. Errors: too_large, crypto_failure.
Result<Bytes> seal(const PayloadKey& key, Algorithm algorithm, std::string_view topic, ByteView plaintext,
                   std::uint64_t timestamp_ms);

// The same with a caller-chosen nonce. Only for fixed test vectors: a nonce must never be reused with
// the same key, and only seal() guarantees that.
Result<Bytes> seal_with_nonce(const PayloadKey& key, Algorithm algorithm, std::string_view topic,
                              ByteView plaintext, std::uint64_t timestamp_ms, const Nonce& nonce);

struct Opened {
    Bytes plaintext;
    Algorithm algorithm;
    KeyId key_id;
    Nonce nonce;
    std::uint64_t timestamp_ms;
};

struct OpenOptions {
    std::uint64_t now_ms = 0;
    // Envelopes older than this (or further ahead, for clock skew) are refused as stale /
    // from_the_future after the tag verified. Zero disables the check.
    std::chrono::milliseconds max_age{0};
};

// Opens an envelope sealed for `topic` with one of `keys`. Errors: malformed, unsupported_version,
// unknown_algorithm, unknown_key_id, authentication_failed, stale, from_the_future. On any error no
// plaintext is returned (the scratch buffer is wiped).
Result<Opened> open(const Keyring& keys, std::string_view topic, ByteView envelope,
                    const OpenOptions& options);

// Shape check without keys, for the broker's [policy].encrypted_topics: long enough for header and
// tag, a known version and a known algorithm. It cannot tell a forgery from a real envelope; only a
// key holder can.
bool is_well_formed_envelope(ByteView payload) noexcept;

// Remembers (key id, nonce) of accepted envelopes for as long as they are inside the replay window,
// so that a copy replayed inside the window is refused too. Bounded: at most `capacity` entries; when
// full, the oldest entry is forgotten (the timestamp window still refuses anything older than it).
class ReplayCache {
public:
    explicit ReplayCache(std::size_t capacity = 65'536) : capacity_(capacity) {}

    // False (and nothing recorded) if this envelope was seen before. Entries older than
    // now_ms - window_ms are dropped first.
    bool insert(const Opened& opened, std::uint64_t now_ms, std::uint64_t window_ms);
    std::size_t size() const noexcept { return seen_.size(); }

private:
    using Entry = std::pair<KeyId, Nonce>;
    std::size_t capacity_;
    std::set<Entry> seen_;
    std::deque<std::pair<std::uint64_t, Entry>> order_;  // by insertion, with the envelope's timestamp
};

}  // namespace moatmq::security::payload
