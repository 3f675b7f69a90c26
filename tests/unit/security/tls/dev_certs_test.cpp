#include "security/tls/dev_certs.hpp"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <filesystem>
#include <memory>
#include <stdexcept>

#include "temp_dir.hpp"

namespace moatmq::security::tls {
namespace {

namespace fs = std::filesystem;

struct X509Free {
    void operator()(X509* x) const noexcept { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

X509Ptr read_cert(const fs::path& path)
{
    FILE* file = std::fopen(path.c_str(), "r");
    EXPECT_NE(file, nullptr) << path;
    if (file == nullptr) return nullptr;
    X509Ptr cert(PEM_read_X509(file, nullptr, nullptr, nullptr));
    std::fclose(file);
    return cert;
}

// Verifies `leaf` against `ca` for `purpose` (X509_PURPOSE_SSL_SERVER / _CLIENT).
bool verifies(X509* ca, X509* leaf, int purpose)
{
    std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), X509_STORE_free);
    X509_STORE_add_cert(store.get(), ca);
    std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                        X509_STORE_CTX_free);
    X509_STORE_CTX_init(ctx.get(), store.get(), leaf, nullptr);
    X509_STORE_CTX_set_purpose(ctx.get(), purpose);
    return X509_verify_cert(ctx.get()) == 1;
}

bool private_to_owner(const fs::path& path)
{
    return (fs::status(path).permissions() & (fs::perms::group_all | fs::perms::others_all)) ==
           fs::perms::none;
}

TEST(DevCerts, InitMakesACaAndAServerCertificateForLoopback)
{
    test::TempDir dir;
    const auto files = init_dev_certs(dir.path() / "certs");
    auto ca = read_cert(files.ca_cert);
    auto server = read_cert(files.server_cert);
    ASSERT_TRUE(ca && server);
    EXPECT_TRUE(verifies(ca.get(), server.get(), X509_PURPOSE_SSL_SERVER));
    EXPECT_EQ(X509_check_host(server.get(), "localhost", 0, 0, nullptr), 1);
    EXPECT_EQ(X509_check_ip_asc(server.get(), "127.0.0.1", 0), 1);
    EXPECT_EQ(X509_check_ip_asc(server.get(), "::1", 0), 1);
    EXPECT_NE(X509_check_ip_asc(server.get(), "10.0.0.1", 0), 1);
    EXPECT_TRUE(private_to_owner(files.ca_key));
    EXPECT_TRUE(private_to_owner(files.server_key));
    EXPECT_TRUE(private_to_owner(dir.path() / "certs"));
}

TEST(DevCerts, ExistingFilesAreNeverOverwritten)
{
    test::TempDir dir;
    const auto files = init_dev_certs(dir.path());
    const auto before = fs::last_write_time(files.ca_key);
    EXPECT_THROW(init_dev_certs(dir.path()), std::runtime_error);
    EXPECT_EQ(fs::last_write_time(files.ca_key), before);
    make_client_cert(dir.path(), "alice");
    EXPECT_THROW(make_client_cert(dir.path(), "alice"), std::runtime_error);
}

TEST(DevCerts, ClientCertificateHasTheNameAsCnAndVerifiesForClients)
{
    test::TempDir dir;
    const auto files = init_dev_certs(dir.path());
    const auto path = make_client_cert(dir.path(), "sensor-17");
    EXPECT_EQ(path, dir.path() / "sensor-17.crt");
    EXPECT_TRUE(private_to_owner(dir.path() / "sensor-17.key"));
    auto ca = read_cert(files.ca_cert);
    auto client = read_cert(path);
    ASSERT_TRUE(ca && client);
    EXPECT_TRUE(verifies(ca.get(), client.get(), X509_PURPOSE_SSL_CLIENT));
    char cn[64] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(client.get()), NID_commonName, cn, sizeof cn);
    EXPECT_STREQ(cn, "sensor-17");
}

TEST(DevCerts, ClientNamesThatCouldEscapeTheDirectoryAreRefused)
{
    test::TempDir dir;
    init_dev_certs(dir.path());
    for (const char* name : {"../x", "a/b", "", "ca", "server", ".hidden"}) {
        EXPECT_THROW(make_client_cert(dir.path(), name), std::runtime_error) << name;
    }
    EXPECT_THROW(make_client_cert(dir.path() / "missing", "alice"), std::runtime_error);
}

}  // namespace
}  // namespace moatmq::security::tls
