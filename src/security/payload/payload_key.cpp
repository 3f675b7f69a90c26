#include "security/payload/payload_key.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>

#include "security/payload/payload_error.hpp"

namespace moatmq::security::payload {

std::string to_hex(ByteView bytes)
{
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (auto b : bytes) {
        const auto v = std::to_integer<unsigned>(b);
        out.push_back(kDigits[v >> 4]);
        out.push_back(kDigits[v & 0x0f]);
    }
    return out;
}

void PayloadKey::Wiped::operator()(std::array<std::byte, kKeySize>* p) const noexcept
{
    OPENSSL_cleanse(p->data(), p->size());
    delete p;  // NOLINT(cppcoreguidelines-owning-memory): the unique_ptr's deleter
}

PayloadKey::~PayloadKey() = default;

Result<PayloadKey> PayloadKey::generate()
{
    KeyId id{};
    std::unique_ptr<std::array<std::byte, kKeySize>, Wiped> secret{new std::array<std::byte, kKeySize>{}};
    if (RAND_bytes(reinterpret_cast<unsigned char*>(id.data()), static_cast<int>(id.size())) != 1 ||
        RAND_bytes(reinterpret_cast<unsigned char*>(secret->data()), static_cast<int>(secret->size())) != 1) {
        return make_error_code(PayloadError::crypto_failure);
    }
    return PayloadKey{id, std::move(secret)};
}

Result<PayloadKey> PayloadKey::from_bytes(const KeyId& id, ByteView secret_bytes)
{
    if (secret_bytes.size() != kKeySize) return make_error_code(PayloadError::key_invalid);
    std::unique_ptr<std::array<std::byte, kKeySize>, Wiped> secret{new std::array<std::byte, kKeySize>{}};
    std::copy(secret_bytes.begin(), secret_bytes.end(), secret->begin());
    return PayloadKey{id, std::move(secret)};
}

const PayloadKey* Keyring::find(const KeyId& id) const noexcept
{
    for (const auto& key : keys_) {
        if (CRYPTO_memcmp(key.id().data(), id.data(), id.size()) == 0) return &key;
    }
    return nullptr;
}

}  // namespace moatmq::security::payload
