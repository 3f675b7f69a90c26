#pragma once
// Secret: bytes that must not leak (a password, a salted key). It prints as "***", compares in constant
// time for equal lengths (CRYPTO_memcmp), and is wiped (OPENSSL_cleanse) when destroyed or moved from.
// Copies are explicit (clone()) so that a stray copy cannot outlive the original unnoticed.
#include <cstddef>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>

#include "common/bytes.hpp"

namespace moatmq::security::authn {

class Secret {
public:
    Secret() = default;
    explicit Secret(std::string_view bytes);
    explicit Secret(ByteView bytes);
    // Takes the string's buffer and wipes whatever the moved-from string still holds.
    static Secret adopt(std::string&& bytes);

    Secret(Secret&& other) noexcept;
    Secret& operator=(Secret&& other) noexcept;
    Secret(const Secret&) = delete;
    Secret& operator=(const Secret&) = delete;
    ~Secret();

    Secret clone() const { return Secret{view()}; }

    // The secret bytes, valid while this Secret lives and is not modified. Never log them.
    std::string_view view() const noexcept { return bytes_; }
    ByteView bytes() const noexcept { return as_bytes(bytes_); }
    std::size_t size() const noexcept { return bytes_.size(); }
    bool empty() const noexcept { return bytes_.empty(); }

    // Overwrites the bytes and leaves the secret empty.
    void wipe() noexcept;

    // Constant time in the contents; the length is not secret.
    friend bool operator==(const Secret& a, const Secret& b) noexcept;

private:
    std::string bytes_;
};

// Prints "***", never the bytes.
std::ostream& operator<<(std::ostream& out, const Secret& secret);

// Overwrites memory that held secret bytes (OPENSSL_cleanse: not optimised away).
void wipe_memory(std::span<std::byte> bytes) noexcept;
void wipe_string(std::string& text) noexcept;

// Constant-time equality: false at once when the sizes differ (sizes are not secret), otherwise
// CRYPTO_memcmp over all bytes.
bool constant_time_equal(ByteView a, ByteView b) noexcept;

}  // namespace moatmq::security::authn
