#include "security/payload/key_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "security/payload/payload_error.hpp"

namespace moatmq::security::payload {
namespace {

constexpr std::string_view kValid =
    "# comment\n"
    "moatmq-payload-key 1\n"
    "\n"
    "id 0102030405060708\n"
    "key 000102030405060708090A0B0C0D0E0F101112131415161718191a1b1c1d1e1f\n";

TEST(PayloadKeyFile, ParsesTheDocumentedFormat)
{
    auto key = parse_key_file(kValid).value();
    EXPECT_EQ(to_hex(key.id()), "0102030405060708");
    EXPECT_EQ(to_hex(key.secret()), "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
}

TEST(PayloadKeyFile, FormatThenParseRoundTrips)
{
    auto key = PayloadKey::generate().value();
    auto again = parse_key_file(format_key_file(key)).value();
    EXPECT_EQ(again.id(), key.id());
    EXPECT_EQ(to_hex(again.secret()), to_hex(key.secret()));
}

TEST(PayloadKeyFile, RejectsEveryMalformedVariant)
{
    const std::string_view bad[] = {
        "",
        "id 0102030405060708\nkey 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
        "moatmq-payload-key 2\nid 0102030405060708\nkey "
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
        "moatmq-payload-key 1\nid 01020304050607\nkey "
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
        "moatmq-payload-key 1\nid 0102030405060708\nkey "
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e\n",
        "moatmq-payload-key 1\nid 0102030405060708\nkey "
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1g\n",
        "moatmq-payload-key 1\nid 0102030405060708\n",
        "moatmq-payload-key 1\nkey 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
        "moatmq-payload-key 1\nid 0102030405060708\nid 0102030405060708\nkey "
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
        "moatmq-payload-key 1\nid 0102030405060708\nkey "
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
        "extra 1\n",
    };
    for (auto text : bad) {
        EXPECT_EQ(parse_key_file(text).error(), make_error_code(PayloadError::key_file_invalid)) << text;
    }
}

TEST(PayloadKeyFile, WriteCreatesAPrivateFileAndRefusesToOverwrite)
{
    const auto dir =
        std::filesystem::temp_directory_path() / ("moatmq-keyfile-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto path = dir / "payload.key";
    std::filesystem::remove(path);

    auto key = PayloadKey::generate().value();
    ASSERT_FALSE(write_key_file(path, key));
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_FALSE(key_file_too_open(path));

    auto loaded = load_key_file(path).value();
    EXPECT_EQ(loaded.id(), key.id());

    EXPECT_EQ(write_key_file(path, PayloadKey::generate().value()),
              boost::system::errc::make_error_code(boost::system::errc::file_exists));
    EXPECT_EQ(load_key_file(path).value().id(), key.id());  // untouched

    ::chmod(path.c_str(), 0644);
    EXPECT_TRUE(key_file_too_open(path));
    std::filesystem::remove_all(dir);
}

TEST(PayloadKeyFile, MissingFileIsAnError)
{
    EXPECT_FALSE(load_key_file("/nonexistent/moatmq/payload.key").has_value());
}

}  // namespace
}  // namespace moatmq::security::payload
