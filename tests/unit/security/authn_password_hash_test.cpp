// Password hashes as stored in the password file: Argon2id (ours and libargon2's encoding), Mosquitto's
// $7$ and $6$ lines produced at test time by mosquitto_passwd and by the openssl command line.
#include <argon2.h>
#include <gtest/gtest.h>

#include <sstream>

#include "authn_test_support.hpp"
#include "security/authn/authn_crypto.hpp"
#include "security/authn/authn_error.hpp"
#include "security/authn/password_hash.hpp"
#include "security/authn/secret.hpp"

namespace moatmq::security::authn {
namespace {

using testing::shell;
using testing::TempDir;
using testing::trim_newline;

constexpr Argon2Params kCheap{
    .memory_kib = 256, .iterations = 1, .parallelism = 1, .salt_size = 16, .hash_size = 32};

// The hash field of the only line of a mosquitto_passwd file.
std::string mosquitto_hash(const std::string& options, const std::string& password)
{
    TempDir dir;
    const auto file = dir.path() / "pw";
    shell("mosquitto_passwd " + options + " -c -b '" + file.string() + "' alice '" + password + "' 2>&1");
    const auto line = trim_newline(testing::read_file(file));
    EXPECT_EQ(line.rfind("alice:", 0), 0U) << line;
    return line.substr(6);
}

TEST(PasswordHash, Argon2idRoundTrip)
{
    auto hash = PasswordHash::make_argon2id("correct horse", kCheap);
    ASSERT_TRUE(hash) << hash.error().message();
    EXPECT_EQ(hash->kind(), PasswordHash::Kind::argon2id);
    EXPECT_EQ(hash->text().rfind("$argon2id$v=19$m=256,t=1,p=1$", 0), 0U) << hash->text();
    EXPECT_TRUE(hash->verify("correct horse"));
    EXPECT_FALSE(hash->verify("correct horsE"));
    EXPECT_FALSE(hash->verify(""));

    auto parsed = PasswordHash::parse(hash->text());
    ASSERT_TRUE(parsed);
    EXPECT_TRUE(parsed->verify("correct horse"));
    EXPECT_FALSE(parsed->verify("wrong"));
    EXPECT_FALSE(parsed->weak());
}

TEST(PasswordHash, DefaultArgon2ParametersAreTheDocumentedOnes)
{
    auto hash = PasswordHash::make_argon2id("pw");
    ASSERT_TRUE(hash);
    EXPECT_EQ(hash->text().rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0U) << hash->text();
}

TEST(PasswordHash, OurArgon2idStringsAreLibargon2Strings)
{
    // Ours verified by libargon2's own PHC parser ...
    auto ours = PasswordHash::make_argon2id("s3cret", kCheap);
    ASSERT_TRUE(ours);
    EXPECT_EQ(argon2id_verify(ours->text().c_str(), "s3cret", 6), ARGON2_OK);
    EXPECT_NE(argon2id_verify(ours->text().c_str(), "s3creT", 6), ARGON2_OK);

    // ... and libargon2's encoding (what Mosquitto 2.1 writes) verified by ours.
    const unsigned char salt[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    char encoded[256] = {};
    ASSERT_EQ(argon2id_hash_encoded(2, 512, 2, "s3cret", 6, salt, sizeof salt, 24, encoded, sizeof encoded),
              ARGON2_OK);
    auto theirs = PasswordHash::parse(encoded);
    ASSERT_TRUE(theirs) << encoded;
    EXPECT_TRUE(theirs->verify("s3cret"));
    EXPECT_FALSE(theirs->verify("s3cre"));
}

TEST(PasswordHash, MosquittoPbkdf2LineFromMosquittoPasswd)
{
    const auto text = mosquitto_hash("", "p@ss:word with spaces");
    ASSERT_EQ(text.rfind("$7$", 0), 0U) << text;
    auto hash = PasswordHash::parse(text);
    ASSERT_TRUE(hash) << text << ": " << hash.error().message();
    EXPECT_EQ(hash->kind(), PasswordHash::Kind::mosquitto_pbkdf2_sha512);
    EXPECT_TRUE(hash->verify("p@ss:word with spaces"));
    EXPECT_FALSE(hash->verify("p@ss:word with space"));
    EXPECT_FALSE(hash->weak());
}

TEST(PasswordHash, MosquittoSha512LineFromMosquittoPasswd)
{
    const auto text = mosquitto_hash("-H sha512", "hunter2");
    ASSERT_EQ(text.rfind("$6$", 0), 0U) << text;
    auto hash = PasswordHash::parse(text);
    ASSERT_TRUE(hash) << text;
    EXPECT_EQ(hash->kind(), PasswordHash::Kind::mosquitto_sha512);
    EXPECT_TRUE(hash->verify("hunter2"));
    EXPECT_FALSE(hash->verify("hunter3"));
    EXPECT_TRUE(hash->weak());
}

TEST(PasswordHash, MosquittoSha512LineBuiltWithOpenssl)
{
    // $6$ = base64(salt) $ base64(SHA-512(password || salt)), built independently of Mosquitto.
    TempDir dir;
    const auto salt = dir.path() / "salt";
    shell("openssl rand 12 > '" + salt.string() + "'");
    const auto salt64 = trim_newline(shell("openssl base64 -A < '" + salt.string() + "'"));
    const auto hash64 = trim_newline(shell("{ printf '%s' 'pa55'; cat '" + salt.string() +
                                           "'; } | openssl dgst -sha512 -binary | openssl base64 -A"));
    auto hash = PasswordHash::parse("$6$" + salt64 + "$" + hash64);
    ASSERT_TRUE(hash);
    EXPECT_TRUE(hash->verify("pa55"));
    EXPECT_FALSE(hash->verify("pa56"));
}

TEST(PasswordHash, MosquittoPbkdf2LineWithA64ByteSaltBuiltWithOpenssl)
{
    // Mosquitto 2.1 writes 64-byte salts; the iteration count is whatever the line says.
    const auto salt_hex = trim_newline(shell("openssl rand -hex 64"));
    auto key_hex = trim_newline(shell(
        "openssl kdf -keylen 64 -kdfopt digest:SHA512 -kdfopt pass:letmein -kdfopt hexsalt:" + salt_hex +
        " -kdfopt iter:1000 PBKDF2"));
    std::erase(key_hex, ':');
    const auto to_base64 = [](const std::string& hex) {
        Bytes bytes;
        for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
            bytes.push_back(static_cast<std::byte>(std::stoi(hex.substr(i, 2), nullptr, 16)));
        return crypto::base64_encode(bytes);
    };
    auto hash = PasswordHash::parse("$7$1000$" + to_base64(salt_hex) + "$" + to_base64(key_hex));
    ASSERT_TRUE(hash);
    EXPECT_TRUE(hash->verify("letmein"));
    EXPECT_FALSE(hash->verify("letmeout"));
}

TEST(PasswordHash, MalformedAndUnsupportedHashesAreRefused)
{
    const auto malformed = make_error_code(AuthnError::malformed_hash);
    const auto unsupported = make_error_code(AuthnError::unsupported_hash);
    const std::string hash64(86, 'A');  // 64 bytes, unpadded
    const struct {
        std::string text;
        error_code expected;
    } cases[] = {
        {"", malformed},
        {"plaintext", malformed},                         // mosquitto_passwd -U was never run
        {"$1$abc$def", malformed},                        // md5crypt
        {"$6$", malformed},                               // no fields
        {"$6$c2FsdA==", malformed},                       // no hash
        {"$6$c2FsdA==$" + hash64 + "$x", malformed},      // extra field
        {"$6$c2FsdA==$AAAA", malformed},                  // hash too short
        {"$6$!!!!$" + hash64, malformed},                 // salt not base64
        {"$7$0$c2FsdA==$" + hash64, malformed},           // zero iterations
        {"$7$-5$c2FsdA==$" + hash64, malformed},          // sign
        {"$7$0101$c2FsdA==$" + hash64, malformed},        // leading zero
        {"$7$99999999$c2FsdA==$" + hash64, unsupported},  // beyond the bound
        {"$argon2i$v=19$m=256,t=1,p=1$c2FsdHNhbHQ$" + hash64, malformed},
        {"$argon2id$v=16$m=256,t=1,p=1$c2FsdHNhbHQ$" + hash64, unsupported},
        {"$argon2id$v=19$m=256,t=1$c2FsdHNhbHQ$" + hash64, malformed},
        {"$argon2id$v=19$t=1,m=256,p=1$c2FsdHNhbHQ$" + hash64, malformed},
        {"$argon2id$v=19$m=4194304,t=1,p=1$c2FsdHNhbHQ$" + hash64, unsupported},  // 4 GiB
        {"$argon2id$v=19$m=256,t=1,p=1$c2FsdA$" + hash64, unsupported},           // 4-byte salt
    };
    for (const auto& c : cases) {
        const auto parsed = PasswordHash::parse(c.text);
        ASSERT_FALSE(parsed) << c.text;
        EXPECT_EQ(parsed.error(), c.expected) << c.text;
    }
}

TEST(Base64, RoundTripsAndRejectsNonCanonicalText)
{
    for (const std::string text : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
        const auto padded = crypto::base64_encode(as_bytes(text));
        const auto bare = crypto::base64_encode(as_bytes(text), false);
        EXPECT_EQ(crypto::base64_decode(padded), to_bytes(text)) << padded;
        EXPECT_EQ(crypto::base64_decode(bare), to_bytes(text)) << bare;
    }
    EXPECT_EQ(crypto::base64_encode(as_bytes("foobar")), "Zm9vYmFy");
    EXPECT_EQ(crypto::base64_encode(as_bytes("fo")), "Zm8=");
    EXPECT_FALSE(crypto::base64_decode("Zm9=").has_value());   // trailing bits set
    EXPECT_FALSE(crypto::base64_decode("Z").has_value());      // impossible length
    EXPECT_FALSE(crypto::base64_decode("Zm8==").has_value());  // too much padding
    EXPECT_FALSE(crypto::base64_decode("Zm 8").has_value());
}

TEST(Secret, PrintsStarsComparesAndWipes)
{
    Secret a{std::string_view{"hunter2"}};
    Secret b{std::string_view{"hunter2"}};
    Secret c{std::string_view{"hunter3"}};
    std::ostringstream out;
    out << a;
    EXPECT_EQ(out.str(), "***");
    EXPECT_TRUE(a == b);
    EXPECT_FALSE(a == c);
    EXPECT_FALSE(a == Secret{std::string_view{"hunter"}});

    Secret moved{std::move(b)};
    EXPECT_EQ(moved.view(), "hunter2");
    EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move): moved-from secrets are wiped and empty

    std::string source = "adopted password";
    auto adopted = Secret::adopt(std::move(source));
    EXPECT_EQ(adopted.view(), "adopted password");
    adopted.wipe();
    EXPECT_TRUE(adopted.empty());
}

TEST(Secret, ConstantTimeEqualChecksLengthAndContent)
{
    EXPECT_TRUE(constant_time_equal(as_bytes("abc"), as_bytes("abc")));
    EXPECT_FALSE(constant_time_equal(as_bytes("abc"), as_bytes("abd")));
    EXPECT_FALSE(constant_time_equal(as_bytes("abc"), as_bytes("abcd")));
    EXPECT_TRUE(constant_time_equal(as_bytes(""), as_bytes("")));
}

}  // namespace
}  // namespace moatmq::security::authn
