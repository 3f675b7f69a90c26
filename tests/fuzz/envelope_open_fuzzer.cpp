// libFuzzer target for the payload envelope (src/security/payload). The first input byte picks a mode:
//   even: the rest is an envelope for topic "t/fuzz", opened with a fixed key. Whatever opens must be
//         well-formed and must be exactly what sealing its plaintext again (same nonce, timestamp and
//         algorithm) produces: there is one valid envelope per (key, topic, nonce, timestamp, plaintext).
//   odd:  the rest is [edit position (2 bytes), edit mask, nonce (12 bytes), plaintext...]; the plaintext
//         is sealed, one byte of the envelope is XORed with the mask, and the result is opened: it must
//         open exactly when the mask is zero (any change to any byte is refused, never half-decrypted).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "security/payload/envelope.hpp"
#include "security/payload/payload_key.hpp"

namespace {

using namespace moatmq;
using namespace moatmq::security::payload;

constexpr std::string_view kTopic = "t/fuzz";
constexpr std::uint64_t kTimestamp = 1'700'000'000'000;

[[noreturn]] void oracle_failed(const char* what)
{
    std::fprintf(stderr, "envelope_open_fuzzer: %s\n", what);
    std::abort();
}

const Keyring& keys()
{
    static const Keyring ring = [] {
        KeyId id{};
        std::array<std::byte, kKeySize> secret{};
        for (std::size_t i = 0; i < secret.size(); ++i)
            secret[i] = static_cast<std::byte>(i * 7 + 1);
        id[0] = std::byte{0x42};
        Keyring r;
        r.add(PayloadKey::from_bytes(id, ByteView(secret.data(), secret.size())).value());
        return r;
    }();
    return ring;
}

void open_arbitrary(ByteView envelope)
{
    auto opened = open(keys(), kTopic, envelope, OpenOptions{});
    if (!opened) return;
    if (!is_well_formed_envelope(envelope)) oracle_failed("an envelope that opens is not well-formed");
    auto resealed = seal_with_nonce(keys().front(), opened->algorithm, kTopic, opened->plaintext,
                                    opened->timestamp_ms, opened->nonce);
    if (!resealed) oracle_failed("an opened plaintext does not seal again");
    if (resealed->size() != envelope.size() ||
        std::memcmp(resealed->data(), envelope.data(), envelope.size()) != 0)
        oracle_failed("a second valid envelope exists for the same plaintext, nonce and timestamp");
}

void tamper_sealed(ByteView input)
{
    if (input.size() < 3 + kNonceSize) return;
    const std::size_t position =
        (std::to_integer<std::size_t>(input[0]) << 8) | std::to_integer<std::size_t>(input[1]);
    const std::byte mask = input[2];
    Nonce nonce{};
    std::memcpy(nonce.data(), input.data() + 3, kNonceSize);
    const ByteView plaintext = input.subspan(3 + kNonceSize);
    const Algorithm algorithm = (position & 1) != 0 ? Algorithm::chacha20_poly1305 : Algorithm::aes_256_gcm;

    auto sealed = seal_with_nonce(keys().front(), algorithm, kTopic, plaintext, kTimestamp, nonce);
    if (!sealed) oracle_failed("sealing a small plaintext failed");
    (*sealed)[position % sealed->size()] ^= mask;
    auto opened = open(keys(), kTopic, *sealed, OpenOptions{});
    if (mask == std::byte{0}) {
        if (!opened) oracle_failed("an untouched envelope does not open");
        if (opened->plaintext.size() != plaintext.size() ||
            !std::equal(plaintext.begin(), plaintext.end(), opened->plaintext.begin()))
            oracle_failed("the opened plaintext differs from the sealed one");
    } else if (opened) {
        oracle_failed("an envelope with a changed byte opened");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0) return 0;
    const ByteView input(reinterpret_cast<const std::byte*>(data) + 1, size - 1);
    if ((data[0] & 1) == 0) {
        open_arbitrary(input);
    } else {
        tamper_sealed(input);
    }
    return 0;
}
