#pragma once
// A payload encryption key: an 8-byte key id (public, travels in every envelope) and 32 secret bytes.
// The secret lives on the heap so that moving a key never leaves a copy behind, and is wiped with
// OPENSSL_cleanse when the key is destroyed. Keys are move-only and never printed.
#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "common/bytes.hpp"
#include "common/result.hpp"

namespace moatmq::security::payload {

inline constexpr std::size_t kKeySize = 32;  // 256-bit keys for both algorithms
inline constexpr std::size_t kKeyIdSize = 8;

using KeyId = std::array<std::byte, kKeyIdSize>;

// Lower-case hex, for messages and the key file.
std::string to_hex(ByteView bytes);

class PayloadKey {
public:
    // A fresh random key id and key from OpenSSL's CSPRNG; PayloadError::crypto_failure without entropy.
    static Result<PayloadKey> generate();
    // PayloadError::key_invalid unless `secret` is exactly kKeySize bytes.
    static Result<PayloadKey> from_bytes(const KeyId& id, ByteView secret);

    PayloadKey(PayloadKey&&) noexcept = default;
    PayloadKey& operator=(PayloadKey&&) noexcept = default;
    PayloadKey(const PayloadKey&) = delete;
    PayloadKey& operator=(const PayloadKey&) = delete;
    ~PayloadKey();

    const KeyId& id() const noexcept { return id_; }
    // The secret bytes, valid while the key lives. For the cipher and the key file writer only.
    ByteView secret() const noexcept { return {secret_->data(), secret_->size()}; }

private:
    struct Wiped {
        void operator()(std::array<std::byte, kKeySize>* p) const noexcept;
    };
    PayloadKey(const KeyId& id, std::unique_ptr<std::array<std::byte, kKeySize>, Wiped> secret) noexcept
        : id_(id), secret_(std::move(secret))
    {
    }

    KeyId id_{};
    std::unique_ptr<std::array<std::byte, kKeySize>, Wiped> secret_;
};

// The keys a receiver accepts, found by key id. Several keys let a fleet rotate: publishers switch to
// the new key id while subscribers still accept the old one until it is retired.
class Keyring {
public:
    void add(PayloadKey key) { keys_.push_back(std::move(key)); }
    const PayloadKey* find(const KeyId& id) const noexcept;
    bool empty() const noexcept { return keys_.empty(); }
    std::size_t size() const noexcept { return keys_.size(); }
    const PayloadKey& front() const { return keys_.front(); }

private:
    std::vector<PayloadKey> keys_;
};

}  // namespace moatmq::security::payload
