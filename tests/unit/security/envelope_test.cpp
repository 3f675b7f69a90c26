// Envelope round trips, every tamper case, nonce uniqueness and fixed vectors. The vectors were computed
// independently with Python's `cryptography` package (AESGCM / ChaCha20Poly1305) from the layout in
// docs/payload-encryption.md, not with this code: envelope_vectors.py recomputes them and checks this
// file (ctest security.envelope_vectors_independent).
#include "security/payload/envelope.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "security/payload/payload_error.hpp"

namespace moatmq::security::payload {
namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t kNow = 1'700'000'000'000;  // ms since the epoch

Bytes from_hex(std::string_view hex)
{
    Bytes out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        out.push_back(static_cast<std::byte>(std::stoi(std::string{hex.substr(i, 2)}, nullptr, 16)));
    }
    return out;
}

PayloadKey fixed_key()
{
    Bytes secret;
    for (int i = 0; i < 32; ++i)
        secret.push_back(static_cast<std::byte>(i));
    KeyId id{};
    for (std::size_t i = 0; i < id.size(); ++i)
        id[i] = static_cast<std::byte>(i + 1);
    return PayloadKey::from_bytes(id, secret).value();
}

Nonce fixed_nonce()
{
    Nonce nonce{};
    for (std::size_t i = 0; i < nonce.size(); ++i)
        nonce[i] = static_cast<std::byte>(0xa0 + i);
    return nonce;
}

Keyring ring_with(PayloadKey key)
{
    Keyring ring;
    ring.add(std::move(key));
    return ring;
}

OpenOptions at(std::uint64_t now_ms, std::chrono::milliseconds max_age = 300s)
{
    return OpenOptions{now_ms, max_age};
}

class EnvelopeBothAlgorithms : public ::testing::TestWithParam<Algorithm> {};

TEST_P(EnvelopeBothAlgorithms, RoundTripRecoversPlaintextAndMetadata)
{
    auto ring = ring_with(PayloadKey::generate().value());
    const auto& key = ring.front();
    auto sealed = seal(key, GetParam(), "secure/room1", as_bytes("21.5 C"), kNow).value();
    EXPECT_EQ(sealed.size(), kEnvelopeOverhead + 6);
    EXPECT_TRUE(is_well_formed_envelope(sealed));

    auto opened = open(ring, "secure/room1", sealed, at(kNow + 1000)).value();
    EXPECT_EQ(as_chars(opened.plaintext), "21.5 C");
    EXPECT_EQ(opened.algorithm, GetParam());
    EXPECT_EQ(opened.key_id, key.id());
    EXPECT_EQ(opened.timestamp_ms, kNow);
}

TEST_P(EnvelopeBothAlgorithms, EmptyAndLargePayloadsRoundTrip)
{
    auto ring = ring_with(PayloadKey::generate().value());
    for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{65'536}}) {
        Bytes plain(size, std::byte{0x5a});
        auto sealed = seal(ring.front(), GetParam(), "t", plain, kNow).value();
        EXPECT_EQ(open(ring, "t", sealed, at(kNow)).value().plaintext, plain) << size;
    }
}

// Flipping any single bit of any byte (header, key id, nonce, timestamp, ciphertext, tag) is refused, and
// no plaintext comes back.
TEST_P(EnvelopeBothAlgorithms, EveryTamperedByteIsRefused)
{
    auto ring = ring_with(PayloadKey::generate().value());
    const auto sealed = seal(ring.front(), GetParam(), "secure/x", as_bytes("secret reading"), kNow).value();
    constexpr std::uint8_t kBits[] = {0x01, 0x80};
    for (std::size_t i = 0; i < sealed.size(); ++i) {
        for (const std::uint8_t bit : kBits) {
            auto tampered = sealed;
            tampered[i] ^= std::byte{bit};
            auto result = open(ring, "secure/x", tampered, at(kNow));
            ASSERT_FALSE(result.has_value()) << "byte " << i;
            const auto e = static_cast<PayloadError>(result.error().value());
            if (i == 0) {
                EXPECT_EQ(e, PayloadError::unsupported_version);
            } else if (i == 1) {
                // 0x01 <-> 0x02 flips are known algorithms: the tag still fails.
                EXPECT_TRUE(e == PayloadError::unknown_algorithm || e == PayloadError::authentication_failed);
            } else if (i < 10) {
                EXPECT_EQ(e, PayloadError::unknown_key_id) << "byte " << i;
            } else {
                EXPECT_EQ(e, PayloadError::authentication_failed) << "byte " << i;
            }
        }
    }
}

TEST_P(EnvelopeBothAlgorithms, AlgorithmSwitchedToTheOtherKnownOneFailsAuthentication)
{
    auto ring = ring_with(PayloadKey::generate().value());
    auto sealed = seal(ring.front(), GetParam(), "a", as_bytes("x"), kNow).value();
    sealed[1] = std::byte{GetParam() == Algorithm::aes_256_gcm ? std::uint8_t{2} : std::uint8_t{1}};
    EXPECT_EQ(open(ring, "a", sealed, at(kNow)).error(),
              make_error_code(PayloadError::authentication_failed));
}

TEST_P(EnvelopeBothAlgorithms, WrongKeyWithSameIdFailsAuthentication)
{
    auto right = PayloadKey::generate().value();
    Bytes other_secret(kKeySize, std::byte{0x11});
    auto ring = ring_with(PayloadKey::from_bytes(right.id(), other_secret).value());
    auto sealed = seal(right, GetParam(), "a/b", as_bytes("hello"), kNow).value();
    EXPECT_EQ(open(ring, "a/b", sealed, at(kNow)).error(),
              make_error_code(PayloadError::authentication_failed));
}

TEST_P(EnvelopeBothAlgorithms, UnknownKeyIdIsReportedAsSuch)
{
    auto ring = ring_with(PayloadKey::generate().value());
    auto stranger = PayloadKey::generate().value();
    auto sealed = seal(stranger, GetParam(), "a/b", as_bytes("hello"), kNow).value();
    EXPECT_EQ(open(ring, "a/b", sealed, at(kNow)).error(), make_error_code(PayloadError::unknown_key_id));
}

TEST_P(EnvelopeBothAlgorithms, KeyringWithTwoKeysOpensBothDuringRotation)
{
    auto old_key = PayloadKey::generate().value();
    auto new_key = PayloadKey::generate().value();
    auto from_old = seal(old_key, GetParam(), "t", as_bytes("old"), kNow).value();
    auto from_new = seal(new_key, GetParam(), "t", as_bytes("new"), kNow).value();
    Keyring ring;
    ring.add(std::move(old_key));
    ring.add(std::move(new_key));
    EXPECT_EQ(as_chars(open(ring, "t", from_old, at(kNow)).value().plaintext), "old");
    EXPECT_EQ(as_chars(open(ring, "t", from_new, at(kNow)).value().plaintext), "new");
}

TEST_P(EnvelopeBothAlgorithms, DifferentTopicFailsAuthentication)
{
    auto ring = ring_with(PayloadKey::generate().value());
    auto sealed = seal(ring.front(), GetParam(), "secure/door", as_bytes("open"), kNow).value();
    for (std::string_view topic : {"secure/window", "secure/door/", "secure/doo", "", "Secure/door"}) {
        EXPECT_EQ(open(ring, topic, sealed, at(kNow)).error(),
                  make_error_code(PayloadError::authentication_failed))
            << topic;
    }
}

TEST_P(EnvelopeBothAlgorithms, StaleAndFutureTimestampsAreRefusedAfterAuthentication)
{
    auto ring = ring_with(PayloadKey::generate().value());
    auto sealed = seal(ring.front(), GetParam(), "t", as_bytes("x"), kNow).value();
    EXPECT_TRUE(open(ring, "t", sealed, at(kNow + 300'000, 300s)).has_value());  // exactly at the edge
    EXPECT_EQ(open(ring, "t", sealed, at(kNow + 300'001, 300s)).error(),
              make_error_code(PayloadError::stale));
    EXPECT_EQ(open(ring, "t", sealed, at(kNow - 300'001, 300s)).error(),
              make_error_code(PayloadError::from_the_future));
    // Zero disables the window.
    EXPECT_TRUE(open(ring, "t", sealed, at(kNow + 1'000'000'000, 0s)).has_value());
}

TEST_P(EnvelopeBothAlgorithms, EveryTruncationIsRefused)
{
    auto ring = ring_with(PayloadKey::generate().value());
    auto sealed = seal(ring.front(), GetParam(), "t", as_bytes("some data"), kNow).value();
    for (std::size_t n = 0; n < sealed.size(); ++n) {
        ByteView cut{sealed.data(), n};
        auto result = open(ring, "t", cut, at(kNow));
        ASSERT_FALSE(result.has_value()) << n;
        if (n < kEnvelopeOverhead) {
            EXPECT_EQ(result.error(), make_error_code(PayloadError::malformed));
            EXPECT_FALSE(is_well_formed_envelope(cut));
        } else {
            EXPECT_EQ(result.error(), make_error_code(PayloadError::authentication_failed));
        }
    }
    // Extra bytes appended are refused too.
    sealed.push_back(std::byte{0});
    EXPECT_FALSE(open(ring, "t", sealed, at(kNow)).has_value());
}

// 20,000 envelopes, 20,000 distinct nonces. (A real collision needs ~2^48 envelopes; this catches a
// broken RNG, a constant or a counter reset, not the birthday bound.)
TEST_P(EnvelopeBothAlgorithms, NoncesAreUniqueOverManyMessages)
{
    auto key = PayloadKey::generate().value();
    std::set<std::string> nonces;
    constexpr int kMessages = 20'000;
    for (int i = 0; i < kMessages; ++i) {
        auto sealed = seal(key, GetParam(), "t", as_bytes("same plaintext"), kNow).value();
        nonces.insert(std::string{as_chars(ByteView{sealed}.subspan(10, kNonceSize))});
    }
    EXPECT_EQ(nonces.size(), std::size_t{kMessages});
}

INSTANTIATE_TEST_SUITE_P(Algorithms, EnvelopeBothAlgorithms,
                         ::testing::Values(Algorithm::aes_256_gcm, Algorithm::chacha20_poly1305),
                         [](const auto& p) {
                             return std::string{p.param == Algorithm::aes_256_gcm ? "Aes256Gcm"
                                                                                  : "ChaCha20Poly1305"};
                         });

struct Vector {
    Algorithm algorithm;
    std::string_view topic;
    std::string_view plaintext;
    std::uint64_t timestamp_ms;
    std::string_view envelope_hex;
};

// key = 00 01 .. 1f, key id = 01 .. 08, nonce = a0 .. ab.
constexpr Vector kVectors[] = {
    {Algorithm::aes_256_gcm, "secure/test", "hello, moatmq", 1'700'000'000'000,
     "01010102030405060708a0a1a2a3a4a5a6a7a8a9aaab0000018bcfe568008e7d10412ae722d20d04f3be76c09266c1d400281c1"
     "f78"
     "67a4574a8dc1"},
    {Algorithm::aes_256_gcm, "", "", 0,
     "01010102030405060708a0a1a2a3a4a5a6a7a8a9aaab0000000000000000e5138dcd04b15c34a792c85949d0e12e"},
    {Algorithm::chacha20_poly1305, "secure/test", "hello, moatmq", 1'700'000'000'000,
     "01020102030405060708a0a1a2a3a4a5a6a7a8a9aaab0000018bcfe5680064ce143322cae2c0cf6e87798d30de771b2ce483bf1"
     "b"
     "f54e813742418b"},
    {Algorithm::chacha20_poly1305, "", "", 0,
     "01020102030405060708a0a1a2a3a4a5a6a7a8a9aaab00000000000000008776d7e79232ca3586ec04006a1e3a8f"},
};

TEST(EnvelopeVectors, SealProducesTheIndependentlyComputedBytes)
{
    const auto key = fixed_key();
    for (const auto& v : kVectors) {
        auto sealed =
            seal_with_nonce(key, v.algorithm, v.topic, as_bytes(v.plaintext), v.timestamp_ms, fixed_nonce())
                .value();
        EXPECT_EQ(sealed, from_hex(v.envelope_hex)) << to_string(v.algorithm) << " '" << v.plaintext << "'";
    }
}

TEST(EnvelopeVectors, OpenAcceptsTheIndependentlyComputedBytes)
{
    auto ring = ring_with(fixed_key());
    for (const auto& v : kVectors) {
        auto opened = open(ring, v.topic, from_hex(v.envelope_hex), at(v.timestamp_ms)).value();
        EXPECT_EQ(as_chars(opened.plaintext), v.plaintext);
    }
}

TEST(EnvelopeShape, WellFormedNeedsVersionAlgorithmAndMinimumLength)
{
    Bytes payload(kEnvelopeOverhead, std::byte{0});
    payload[0] = std::byte{1};
    payload[1] = std::byte{1};
    EXPECT_TRUE(is_well_formed_envelope(payload));
    payload[1] = std::byte{2};
    EXPECT_TRUE(is_well_formed_envelope(payload));
    payload[1] = std::byte{3};
    EXPECT_FALSE(is_well_formed_envelope(payload));
    payload[1] = std::byte{1};
    payload[0] = std::byte{2};
    EXPECT_FALSE(is_well_formed_envelope(payload));
    EXPECT_FALSE(is_well_formed_envelope(as_bytes("{\"temperature\": 21.5, \"unit\": \"C\", \"room\": 1}")));
    EXPECT_FALSE(is_well_formed_envelope({}));
}

TEST(EnvelopeAlgorithmNames, ParseAndPrintRoundTrip)
{
    EXPECT_EQ(parse_algorithm("aes-256-gcm"), Algorithm::aes_256_gcm);
    EXPECT_EQ(parse_algorithm("chacha20-poly1305"), Algorithm::chacha20_poly1305);
    EXPECT_EQ(parse_algorithm("AES"), std::nullopt);
    EXPECT_EQ(to_string(Algorithm::chacha20_poly1305), "chacha20-poly1305");
}

TEST(ReplayCache, SecondCopyInsideTheWindowIsRefused)
{
    auto ring = ring_with(PayloadKey::generate().value());
    auto sealed = seal(ring.front(), Algorithm::aes_256_gcm, "t", as_bytes("x"), kNow).value();
    auto opened = open(ring, "t", sealed, at(kNow)).value();
    ReplayCache cache;
    EXPECT_TRUE(cache.insert(opened, kNow, 300'000));
    EXPECT_FALSE(cache.insert(opened, kNow + 1, 300'000));
    auto other = open(ring, "t", seal(ring.front(), Algorithm::aes_256_gcm, "t", as_bytes("x"), kNow).value(),
                      at(kNow))
                     .value();
    EXPECT_TRUE(cache.insert(other, kNow + 2, 300'000));
}

TEST(ReplayCache, StaysBoundedAndForgetsEntriesOutsideTheWindow)
{
    auto ring = ring_with(PayloadKey::generate().value());
    ReplayCache cache{8};
    for (int i = 0; i < 100; ++i) {
        auto opened =
            open(ring, "t", seal(ring.front(), Algorithm::aes_256_gcm, "t", as_bytes("x"), kNow).value(),
                 at(kNow))
                .value();
        EXPECT_TRUE(cache.insert(opened, kNow, 300'000));
        EXPECT_LE(cache.size(), 8u);
    }
    auto late = open(ring, "t", seal(ring.front(), Algorithm::aes_256_gcm, "t", as_bytes("x"), kNow).value(),
                     at(kNow))
                    .value();
    EXPECT_TRUE(cache.insert(late, kNow + 400'000, 300'000));
    EXPECT_EQ(cache.size(), 1u);
}

}  // namespace
}  // namespace moatmq::security::payload
