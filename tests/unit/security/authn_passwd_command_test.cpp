// `moatmq passwd` end to end in a temporary directory (in process, with explicit streams): create, add to a
// mosquitto_passwd file keeping its lines, change, delete, mode 0600, refusals, and no password in output.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <sstream>
#include <vector>

#include "app/passwd.hpp"
#include "authn_test_support.hpp"
#include "security/authn/password_file.hpp"

namespace moatmq::security::authn {
namespace {

using testing::read_file;
using testing::shell;
using testing::TempDir;

struct Run {
    int code = -1;
    std::string out;
    std::string err;
};

// Cheap Argon2id parameters keep the test fast; the format is the same.
Run passwd(std::vector<std::string> args, const std::string& input = {})
{
    args.insert(args.begin(), "passwd");
    args.insert(args.begin() + 1, {"--argon2-memory", "256", "--argon2-iterations", "1"});
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    std::istringstream in{input};
    std::ostringstream out;
    std::ostringstream err;
    Run run;
    run.code = app::run_passwd(static_cast<int>(argv.size()), argv.data(), in, out, err);
    run.out = out.str();
    run.err = err.str();
    return run;
}

bool verifies(const std::filesystem::path& path, std::string_view user, std::string_view password)
{
    const auto file = PasswordFile::load(path).value();
    return file.verify(user, Secret{password});
}

unsigned mode_of(const std::filesystem::path& path)
{
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0);
    return st.st_mode & 0777;
}

TEST(PasswdCommand, CreatesAFileWithMode0600HoldingArgonAndScramKeys)
{
    TempDir dir;
    const auto path = (dir.path() / "passwd").string();
    const auto run = passwd({"-c", "--stdin", path, "alice"}, "s3cret pass\n");
    ASSERT_EQ(run.code, 0) << run.err;
    EXPECT_EQ(mode_of(path), 0600U);
    const auto text = read_file(path);
    EXPECT_EQ(text.rfind("alice:$argon2id$v=19$m=256,t=1,p=1$", 0), 0U) << text;
    EXPECT_NE(text.find(":scram-sha-256$4096$"), std::string::npos);
    EXPECT_NE(text.find(":scram-sha-512$4096$"), std::string::npos);
    EXPECT_TRUE(verifies(path, "alice", "s3cret pass"));
    EXPECT_EQ(run.out.find("s3cret"), std::string::npos);
    EXPECT_EQ(run.err.find("s3cret"), std::string::npos);

    const auto again = passwd({"-c", "--stdin", path, "bob"}, "x\n");  // -c never overwrites
    EXPECT_EQ(again.code, 1);
    EXPECT_NE(again.err.find("exists"), std::string::npos);
}

TEST(PasswdCommand, AddsToAMosquittoFileAndKeepsItsLinesByteForByte)
{
    TempDir dir;
    const auto path = dir.path() / "passwd";
    shell("mosquitto_passwd -c -b '" + path.string() + "' alice wonderland");
    shell("mosquitto_passwd -H sha512 -b '" + path.string() + "' bob builder");
    const auto before = read_file(path);

    const auto run = passwd({"--stdin", path.string(), "carol"}, "c4rol\r\n");
    ASSERT_EQ(run.code, 0) << run.err;
    const auto after = read_file(path);
    EXPECT_EQ(after.substr(0, before.size()), before);
    EXPECT_TRUE(verifies(path, "alice", "wonderland"));
    EXPECT_TRUE(verifies(path, "bob", "builder"));
    EXPECT_TRUE(verifies(path, "carol", "c4rol"));  // the line ending is not part of the password
    EXPECT_EQ(mode_of(path), 0600U);
}

TEST(PasswdCommand, ChangesAPasswordInPlace)
{
    TempDir dir;
    const auto path = dir.path() / "passwd";
    shell("mosquitto_passwd -c -b '" + path.string() + "' alice old");
    shell("mosquitto_passwd -b '" + path.string() + "' bob keep");
    const auto run = passwd({"--stdin", path.string(), "alice"}, "new\n");
    ASSERT_EQ(run.code, 0) << run.err;
    EXPECT_NE(run.out.find("changed user alice"), std::string::npos) << run.out;
    const auto text = read_file(path);
    EXPECT_EQ(text.rfind("alice:$argon2id$", 0), 0U);  // same position, new form
    EXPECT_FALSE(verifies(path, "alice", "old"));
    EXPECT_TRUE(verifies(path, "alice", "new"));
    EXPECT_TRUE(verifies(path, "bob", "keep"));
}

TEST(PasswdCommand, DeletesAUserAndKeepsTheOthers)
{
    TempDir dir;
    const auto path = dir.path() / "passwd";
    shell("mosquitto_passwd -c -b '" + path.string() + "' alice a");
    shell("mosquitto_passwd -b '" + path.string() + "' bob b");
    const auto bob_line = read_file(path).substr(read_file(path).find("bob:"));
    ASSERT_EQ(passwd({"-D", path.string(), "alice"}).code, 0);
    EXPECT_EQ(read_file(path), bob_line);
    const auto missing = passwd({"-D", path.string(), "alice"});
    EXPECT_EQ(missing.code, 1);
    EXPECT_NE(missing.err.find("no user alice"), std::string::npos);
}

TEST(PasswdCommand, PasswordOnTheCommandLineWarns)
{
    TempDir dir;
    const auto path = (dir.path() / "passwd").string();
    const auto run = passwd({"-c", "--password", "visible-pw", path, "dave"});
    ASSERT_EQ(run.code, 0) << run.err;
    EXPECT_NE(run.err.find("warning"), std::string::npos);
    EXPECT_EQ(run.err.find("visible-pw"), std::string::npos);
    EXPECT_TRUE(verifies(path, "dave", "visible-pw"));
}

TEST(PasswdCommand, RefusesWhatItCannotDoSafely)
{
    TempDir dir;
    const auto path = (dir.path() / "passwd").string();
    // No terminal and no --stdin: never reads a password silently from a pipe.
    auto run = passwd({"-c", path, "erin"}, "pw\n");
    EXPECT_EQ(run.code, 1);
    EXPECT_NE(run.err.find("--stdin"), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(path));

    EXPECT_EQ(passwd({"-c", "--stdin", path, "erin"}, "\n").code, 1);     // empty password
    EXPECT_EQ(passwd({"-c", "--stdin", path, "er:in"}, "pw\n").code, 2);  // ':' in the user name
    EXPECT_EQ(passwd({"-c", "-D", path, "erin"}).code, 2);                // exclusive options
    EXPECT_EQ(passwd({"--stdin", "--password", "x", path, "erin"}).code, 2);
    EXPECT_EQ(passwd({"--stdin", path}).code, 2);                  // no user
    EXPECT_EQ(passwd({"--stdin", path, "erin"}, "pw\n").code, 1);  // file missing without -c

    // A malformed file is reported as FILE:LINE and left untouched.
    const auto broken = dir.write_file("broken", "alice:$7$101$bad\n");
    run = passwd({"--stdin", broken.string(), "bob"}, "pw\n");
    EXPECT_EQ(run.code, 1);
    EXPECT_NE(run.err.find(broken.string() + ":1: "), std::string::npos) << run.err;
    EXPECT_EQ(read_file(broken), "alice:$7$101$bad\n");
}

}  // namespace
}  // namespace moatmq::security::authn
