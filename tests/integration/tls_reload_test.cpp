// Reloading a TLS listener's files against the real broker: after SIGHUP, or by itself when the files
// change on disk, new connections get the new certificate while a connection made before stays up and
// keeps receiving; a broken new file is refused with a log line and the old certificate stays in force.
#include <gtest/gtest.h>

#include <filesystem>

#include "tls_support.hpp"

namespace moatmq::test {
namespace {

namespace fs = std::filesystem;

class TlsReload : public ::testing::Test {
protected:
    void SetUp() override
    {
        first_.issue_server();
        second_.issue_server();
        install(first_);
    }

    // Copies `pki`'s server certificate and key to the paths the broker reads, replacing them by rename
    // (as certificate tooling does), so the broker never sees a half-written file.
    void install(const TestPki& pki) const
    {
        for (const char* name : {"server.crt", "server.key"}) {
            const auto temporary = live_.path() / (std::string(name) + ".new");
            fs::copy_file(pki.file(name), temporary, fs::copy_options::overwrite_existing);
            fs::rename(temporary, live_.path() / name);
        }
    }

    std::string config() const
    {
        return test_config(
            tls_listener("secure", "  cert = " + quoted((live_.path() / "server.crt").string()) +
                                       "\n  key = " + quoted((live_.path() / "server.key").string()) + "\n"));
    }

    // mosquitto_pub trusting only `pki`'s CA.
    static bool trusted(std::uint16_t port, const TestPki& pki)
    {
        return mosquitto_pub(port, {"--cafile", pki.ca()}).exit_code == 0;
    }

    TestPki first_{"first CA"};
    TestPki second_{"second CA"};
    TempDir live_{"moatmq-live"};
};

TEST_F(TlsReload, SighupServesTheNewCertificateAndKeepsLiveConnections)
{
    BrokerProcess broker(config());
    const auto port = broker.port("secure");
    ASSERT_TRUE(trusted(port, first_));
    auto sub = mosquitto_sub(port, {"--cafile", first_.ca()}, "reload/t");

    install(second_);
    ::kill(broker.pid(), SIGHUP);
    ASSERT_TRUE(broker.wait_for_log("TLS reloaded (SIGHUP)")) << broker.log();
    EXPECT_TRUE(trusted(port, second_));
    EXPECT_FALSE(trusted(port, first_));

    // The subscriber connected under the old certificate is still there.
    EXPECT_EQ(mosquitto_pub(port, {"--cafile", second_.ca()}, "reload/t", "after reload").exit_code, 0);
    const auto got = sub->finish(kToolTimeout);
    EXPECT_NE(got.out.find("after reload"), std::string::npos) << got.out << got.err;
}

TEST_F(TlsReload, BrokenFileIsRefusedAndTheOldCertificateStays)
{
    BrokerProcess broker(config());
    const auto port = broker.port("secure");
    live_.write_file("server.crt", "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
    ::kill(broker.pid(), SIGHUP);
    ASSERT_TRUE(broker.wait_for_log("TLS reload (SIGHUP) refused, the previous certificates stay in force"))
        << broker.log();
    EXPECT_TRUE(trusted(port, first_));
    // A key that does not match the certificate is refused too.
    install(first_);
    fs::copy_file(second_.file("server.key"), live_.path() / "server.key",
                  fs::copy_options::overwrite_existing);
    ::kill(broker.pid(), SIGHUP);
    ASSERT_TRUE(broker.wait_for_log("does not match the certificate")) << broker.log();
    EXPECT_TRUE(trusted(port, first_));
}

TEST_F(TlsReload, ChangedFilesAreReloadedWithoutASignal)
{
    BrokerProcess broker(config());
    const auto port = broker.port("secure");
    ASSERT_TRUE(trusted(port, first_));
    install(second_);
    ASSERT_TRUE(broker.wait_for_log("TLS reloaded (files changed)", 15s)) << broker.log();
    EXPECT_TRUE(trusted(port, second_));
}

}  // namespace
}  // namespace moatmq::test
