#include "security/tls/server_tls.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "security/tls/dev_certs.hpp"
#include "temp_dir.hpp"

namespace moatmq::security::tls {
namespace {

namespace fs = std::filesystem;

class ServerTlsTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        files_ = init_dev_certs(dir_.path() / "a");
        other_ = init_dev_certs(dir_.path() / "b");
    }

    ServerTlsOptions options() const
    {
        ServerTlsOptions o;
        o.listener = "secure";
        o.cert = files_.server_cert;
        o.key = files_.server_key;
        return o;
    }

    static std::string build_error(const ServerTlsOptions& o)
    {
        try {
            TlsContext::build(o, std::make_shared<TicketKeys>());
        } catch (const std::runtime_error& e) {
            return e.what();
        }
        return {};
    }

    test::TempDir dir_;
    DevCaFiles files_;
    DevCaFiles other_;
};

TEST_F(ServerTlsTest, BuildsFromCertificateAndKey)
{
    EXPECT_EQ(build_error(options()), "");
    auto o = options();
    o.client_cert = ClientCertMode::require;
    o.ca = files_.ca_cert;
    o.identity = IdentityField::cn;
    EXPECT_EQ(build_error(o), "");
    auto context = TlsContext::build(o, std::make_shared<TicketKeys>());
    SSL* ssl = context->new_ssl();
    ASSERT_NE(ssl, nullptr);
    EXPECT_EQ(SSL_get_min_proto_version(ssl), TLS1_2_VERSION);
    SSL_free(ssl);
}

TEST_F(ServerTlsTest, PassphraseProtectedKeyNeedsItsPassphraseFile)
{
    std::unique_ptr<BIO, decltype(&BIO_free)> in(BIO_new_file(files_.server_key.c_str(), "r"), BIO_free);
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
        PEM_read_bio_PrivateKey(in.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
    const auto encrypted = dir_.path() / "encrypted.key";
    std::unique_ptr<BIO, decltype(&BIO_free)> out(BIO_new_file(encrypted.c_str(), "w"), BIO_free);
    char pass[] = "secret";
    ASSERT_EQ(
        PEM_write_bio_PKCS8PrivateKey(out.get(), key.get(), EVP_aes_256_cbc(), pass, 6, nullptr, nullptr), 1);
    out.reset();
    auto o = options();
    o.key = encrypted;
    // No passphrase source: refused without prompting, pointing at key_passphrase_file.
    EXPECT_NE(build_error(o).find("is protected by a passphrase: set key_passphrase_file"), std::string::npos)
        << build_error(o);

    // The right passphrase (first line; the line end is not part of it), in a private file.
    o.key_passphrase_file = dir_.write_file("pass", "secret\r\nignored\n");
    fs::permissions(*o.key_passphrase_file, fs::perms::owner_read | fs::perms::owner_write);
    EXPECT_EQ(build_error(o), "");
    EXPECT_TRUE(TlsContext::build(o, std::make_shared<TicketKeys>())->warnings().empty());

    // Readable by others: used, with a warning that never holds the passphrase.
    fs::permissions(*o.key_passphrase_file, fs::perms::owner_read | fs::perms::others_read);
    const auto warned = TlsContext::build(o, std::make_shared<TicketKeys>());
    ASSERT_EQ(warned->warnings().size(), 1U);
    EXPECT_NE(warned->warnings()[0].find("readable by group or others"), std::string::npos);
    EXPECT_EQ(warned->warnings()[0].find("secret"), std::string::npos);

    // A wrong passphrase, an empty file, a missing file: refused, naming the file, not the passphrase.
    o.key_passphrase_file = dir_.write_file("wrong", "terces\n");
    EXPECT_NE(build_error(o).find("wrong passphrase"), std::string::npos) << build_error(o);
    EXPECT_EQ(build_error(o).find("terces"), std::string::npos) << build_error(o);
    o.key_passphrase_file = dir_.write_file("empty", "\n");
    EXPECT_NE(build_error(o).find("is empty"), std::string::npos) << build_error(o);
    o.key_passphrase_file = dir_.path() / "missing";
    EXPECT_EQ(build_error(o).rfind("key_passphrase_file " + o.key_passphrase_file->string(), 0), 0U)
        << build_error(o);
    // An unencrypted key with a passphrase file configured still loads.
    o = options();
    o.key_passphrase_file = dir_.write_file("unused", "secret\n");
    EXPECT_EQ(build_error(o), "");
}

TEST_F(ServerTlsTest, SniCertificatesAreLoadedAndWatched)
{
    auto o = options();
    o.sni.push_back(SniCertificate{"b.example", other_.server_cert, other_.server_key});
    EXPECT_EQ(build_error(o), "");
    // A broken SNI entry names its host and file.
    o.sni[0].key = files_.server_key;  // does not match other_'s certificate
    EXPECT_NE(build_error(o).find("sni host b.example: key"), std::string::npos) << build_error(o);
    o.sni[0].key = other_.server_key;

    // Reload watches the SNI files as well.
    ServerTls tls(o);
    EXPECT_FALSE(tls.files_changed());
    dir_.write_file("b/server.key", "garbage\n");
    EXPECT_TRUE(tls.files_changed());
    const auto error = tls.reload();
    ASSERT_TRUE(error);
    EXPECT_NE(error->find("sni host b.example"), std::string::npos) << *error;
}

TEST_F(ServerTlsTest, BadFilesAreNamedInTheError)
{
    auto o = options();
    o.cert = dir_.path() / "missing.crt";
    EXPECT_EQ(build_error(o).rfind("cert " + o.cert->string() + ": not a PEM certificate chain", 0), 0U)
        << build_error(o);
    o = options();
    o.key = other_.server_key;
    EXPECT_NE(build_error(o).find("does not match the certificate"), std::string::npos) << build_error(o);
    o = options();
    o.client_cert = ClientCertMode::optional;
    o.ca = files_.ca_cert;
    o.crl = files_.ca_cert;  // a certificate, not a CRL
    EXPECT_NE(build_error(o).find("holds no X509 CRL"), std::string::npos) << build_error(o);
    o.crl.reset();
    o.ca = dir_.path() / "missing-ca.crt";
    EXPECT_EQ(build_error(o).rfind("ca " + o.ca->string(), 0), 0U) << build_error(o);
}

TEST_F(ServerTlsTest, PskOnlyListenerNeedsNoCertificate)
{
    ServerTlsOptions o;
    o.listener = "psk";
    o.psk_file = dir_.write_file("psk", "dev:00112233\n");
    auto context = TlsContext::build(o, std::make_shared<TicketKeys>());
    ASSERT_NE(context->psk(), nullptr);
    EXPECT_TRUE(context->psk()->find("dev"));
}

TEST_F(ServerTlsTest, ReloadReplacesTheContextOnlyWhenTheNewFilesWork)
{
    ServerTls tls(options());
    const auto first = tls.current();
    EXPECT_FALSE(tls.files_changed());

    // A broken certificate: refused, the first context stays.
    fs::copy_file(files_.server_cert, dir_.path() / "a" / "server.crt.bak");
    dir_.write_file("a/server.crt", "garbage\n");
    EXPECT_TRUE(tls.files_changed());
    const auto error = tls.reload();
    ASSERT_TRUE(error);
    EXPECT_NE(error->find("server.crt"), std::string::npos) << *error;
    EXPECT_EQ(tls.current(), first);
    EXPECT_FALSE(tls.files_changed());  // not retried until the files change again

    // Fixed: the next reload takes it.
    fs::rename(dir_.path() / "a" / "server.crt.bak", files_.server_cert);
    EXPECT_TRUE(tls.files_changed());
    EXPECT_FALSE(tls.reload());
    EXPECT_NE(tls.current(), first);
    EXPECT_FALSE(tls.files_changed());
}

TEST(TicketKeys, RotationKeepsThePreviousKeyForOneRound)
{
    TicketKeys keys(std::chrono::seconds(0));  // rotates on every use
    const auto first = keys.current();
    unsigned char name[16];
    std::copy(first.name.begin(), first.name.end(), name);
    TicketKeys::Key found;
    const auto second = keys.current();  // rotated: `first` is now the previous key
    EXPECT_NE(first.name, second.name);
    // find() rotates again before looking: `first` is now two rotations old, so unknown.
    EXPECT_EQ(keys.find(name, found), 0);
    TicketKeys stable(std::chrono::hours(1));
    const auto current = stable.current();
    std::copy(current.name.begin(), current.name.end(), name);
    EXPECT_EQ(stable.find(name, found), 1);
    EXPECT_EQ(found.aes, current.aes);
}

}  // namespace
}  // namespace moatmq::security::tls
