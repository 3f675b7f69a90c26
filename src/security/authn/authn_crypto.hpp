#pragma once
// The primitives authentication needs, behind a header free of OpenSSL: base64 (the password file and
// SCRAM both use the standard alphabet), randomness, SHA-2, HMAC and PBKDF2. Internal to security/authn.
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/bytes.hpp"

namespace moatmq::security::authn::crypto {

enum class Digest { sha256, sha512 };

std::size_t digest_size(Digest digest) noexcept;

// Standard alphabet (RFC 4648 §4). `pad` adds '=' to a multiple of four characters.
std::string base64_encode(ByteView bytes, bool pad = true);
// Accepts the text with or without its '=' padding; rejects other characters, impossible lengths and
// non-zero trailing bits (so every value has one accepted spelling).
std::optional<Bytes> base64_decode(std::string_view text);

// OpenSSL's CSPRNG; false without entropy.
bool random_bytes(std::span<std::byte> out) noexcept;

Bytes hash(Digest digest, ByteView data);
Bytes hmac(Digest digest, ByteView key, ByteView data);
// PBKDF2-HMAC-<digest>; false on failure (e.g. zero iterations).
bool pbkdf2(Digest digest, ByteView password, ByteView salt, std::uint32_t iterations,
            std::span<std::byte> out);

}  // namespace moatmq::security::authn::crypto
