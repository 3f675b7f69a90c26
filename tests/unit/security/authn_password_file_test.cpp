// The password file: Mosquitto lines unchanged, Argon2id lines with SCRAM keys, FILE:LINE errors, edits
// that keep every other line byte for byte, and the atomic 0600 write.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "authn_test_support.hpp"
#include "security/authn/authn_error.hpp"
#include "security/authn/password_file.hpp"

namespace moatmq::security::authn {
namespace {

using testing::read_file;
using testing::shell;
using testing::TempDir;

constexpr Argon2Params kCheap{
    .memory_kib = 256, .iterations = 1, .parallelism = 1, .salt_size = 16, .hash_size = 32};

PasswordEntry make_entry(const std::string& user, const std::string& password)
{
    PasswordEntry entry{user, PasswordHash::make_argon2id(password, kCheap).value(), {}};
    entry.scram.push_back(ScramCredentials::generate(ScramMechanism::sha256, password).value());
    entry.scram.push_back(ScramCredentials::generate(ScramMechanism::sha512, password).value());
    return entry;
}

TEST(PasswordFile, ReadsAFileWrittenByMosquittoPasswdUnchanged)
{
    TempDir dir;
    const auto path = dir.path() / "passwd";
    shell("mosquitto_passwd -c -b '" + path.string() + "' alice wonderland");
    shell("mosquitto_passwd -H sha512 -b '" + path.string() + "' bob builder");
    auto file = PasswordFile::load(path);
    ASSERT_TRUE(file) << file.error().to_string();
    EXPECT_EQ(file->size(), 2U);
    EXPECT_TRUE(file->verify("alice", Secret{std::string_view{"wonderland"}}));
    EXPECT_TRUE(file->verify("bob", Secret{std::string_view{"builder"}}));
    EXPECT_FALSE(file->verify("alice", Secret{std::string_view{"builder"}}));
    EXPECT_FALSE(file->verify("carol", Secret{std::string_view{"wonderland"}}));  // unknown: dummy hash
    EXPECT_EQ(file->scram("alice", ScramMechanism::sha256), nullptr);
    EXPECT_EQ(file->format(), read_file(path));  // nothing reformatted
}

TEST(PasswordFile, ArgonLinesCarryScramKeysForBothMechanisms)
{
    PasswordFile file;
    ASSERT_TRUE(file.upsert(make_entry("dave", "open sesame")));
    auto reread = PasswordFile::parse(file.format(), "passwd");
    ASSERT_TRUE(reread) << reread.error().to_string();
    EXPECT_TRUE(reread->verify("dave", Secret{std::string_view{"open sesame"}}));
    const auto* sha256 = reread->scram("dave", ScramMechanism::sha256);
    const auto* sha512 = reread->scram("dave", ScramMechanism::sha512);
    ASSERT_NE(sha256, nullptr);
    ASSERT_NE(sha512, nullptr);
    EXPECT_EQ(*sha256, *file.scram("dave", ScramMechanism::sha256));
    EXPECT_EQ(sha512->stored_key.size(), 64U);
    const auto line = reread->format();
    EXPECT_NE(line.find(":scram-sha-256$4096$"), std::string::npos) << line;
    EXPECT_NE(line.find(":scram-sha-512$4096$"), std::string::npos) << line;
}

TEST(PasswordFile, UnknownUsersAreCheckedAgainstAnArgon2idHashOfTheDefaultCost)
{
    // The constant-time path: an unknown user costs one verification of this hash (a wrong password for
    // an Argon2id user costs the same), and no password verifies against it.
    const auto& dummy = PasswordFile::unknown_user_hash();
    EXPECT_EQ(dummy.kind(), PasswordHash::Kind::argon2id);
    EXPECT_EQ(dummy.text().rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0U) << dummy.text();
    EXPECT_FALSE(dummy.verify(""));
    EXPECT_EQ(&dummy, &PasswordFile::unknown_user_hash());  // made once
    PasswordFile empty;
    EXPECT_FALSE(empty.verify("anyone", Secret{std::string_view{""}}));
}

TEST(PasswordFile, MalformedLinesAreReportedAsFileAndLine)
{
    const std::string good = "alice:" + PasswordHash::make_argon2id("x", kCheap).value().text();
    const struct {
        std::string text;
        std::uint32_t line;
        AuthnError error;
    } cases[] = {
        {"# comment\n\nalice\n", 3, AuthnError::malformed_line},
        {":$6$AAAA$AAAA\n", 1, AuthnError::malformed_line},
        {good + "\nbob:plaintext\n", 2, AuthnError::malformed_hash},
        {good + "\n" + good + "\n", 2, AuthnError::duplicate_user},
        {"al\tice:$6$x$y\n", 1, AuthnError::invalid_username},
        {good + ":scram-sha-256$4096$c2FsdA==$AAAA$AAAA\n", 1, AuthnError::malformed_scram_field},
        {good + ":scram-sha-1$4096$c2FsdA==$AAAA$AAAA\n", 1, AuthnError::malformed_scram_field},
        {good + ":\n", 1, AuthnError::malformed_scram_field},
    };
    for (const auto& c : cases) {
        const auto file = PasswordFile::parse(c.text, "etc/passwd");
        ASSERT_FALSE(file) << c.text;
        EXPECT_EQ(file.error().line, c.line) << c.text;
        EXPECT_EQ(file.error().code, make_error_code(c.error)) << c.text;
        EXPECT_EQ(file.error().to_string().rfind("etc/passwd:" + std::to_string(c.line) + ": ", 0), 0U)
            << file.error().to_string();
    }
}

TEST(PasswordFile, ScramFieldOfOneMechanismTwiceIsMalformed)
{
    auto entry = make_entry("erin", "pw");
    entry.scram.push_back(entry.scram.front());
    const auto file = PasswordFile::parse(format_entry(entry) + "\n", "passwd");
    ASSERT_FALSE(file);
    EXPECT_EQ(file.error().code, make_error_code(AuthnError::malformed_scram_field));
}

TEST(PasswordFile, MissingFileNamesThePath)
{
    const auto file = PasswordFile::load("/nonexistent/moatmq/passwd");
    ASSERT_FALSE(file);
    EXPECT_EQ(file.error().line, 0U);
    EXPECT_EQ(file.error().to_string().rfind("/nonexistent/moatmq/passwd: ", 0), 0U)
        << file.error().to_string();
}

TEST(PasswordFile, EditsKeepEveryOtherLineByteForByte)
{
    TempDir dir;
    const auto path = dir.path() / "passwd";
    shell("mosquitto_passwd -c -b '" + path.string() + "' alice one");
    shell("mosquitto_passwd -b '" + path.string() + "' bob two");
    const auto original = "# operators\n" + read_file(path) + "\r\n";
    auto file = PasswordFile::parse(original, "passwd").value();

    ASSERT_TRUE(file.upsert(make_entry("carol", "three")));  // added at the end
    ASSERT_TRUE(file.upsert(make_entry("alice", "uno")));    // replaced in place
    ASSERT_TRUE(file.remove("bob"));
    EXPECT_FALSE(file.remove("bob"));
    EXPECT_FALSE(file.upsert(make_entry("bad:name", "x")));

    const auto text = file.format();
    EXPECT_EQ(text.rfind("# operators\nalice:$argon2id$", 0), 0U) << text;
    EXPECT_EQ(text.find("bob:"), std::string::npos);
    auto reread = PasswordFile::parse(text, "passwd").value();
    EXPECT_TRUE(reread.verify("alice", Secret{std::string_view{"uno"}}));
    EXPECT_TRUE(reread.verify("carol", Secret{std::string_view{"three"}}));
    EXPECT_FALSE(reread.verify("bob", Secret{std::string_view{"two"}}));
}

TEST(PasswordFile, WriteAtomicallyReplacesTheFileWithMode0600)
{
    TempDir dir;
    const auto path = dir.path() / "passwd";
    {
        std::ofstream(path) << "old:contents\n";
    }
    ::chmod(path.c_str(), 0644);
    PasswordFile file;
    ASSERT_TRUE(file.upsert(make_entry("frank", "pw")));
    ASSERT_FALSE(file.write_atomically(path));
    EXPECT_EQ(read_file(path), file.format());
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600U);
    // No temporary file left behind.
    std::size_t entries = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path()))
        ++entries;
    EXPECT_EQ(entries, 1U);
}

TEST(PasswordFile, WriteIntoAMissingDirectoryFailsAndLeavesNothing)
{
    PasswordFile file;
    EXPECT_TRUE(file.write_atomically("/nonexistent/moatmq/passwd"));
}

}  // namespace
}  // namespace moatmq::security::authn
