// OCSP stapling against the real broker: `openssl ocsp` acting as the responder writes a DER response
// for the server certificate, the broker staples it for clients that ask (`openssl s_client -status`),
// re-reads it when the file changes, and refuses to start with a file that is not an OCSP response.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tls_support.hpp"

namespace moatmq::test {
namespace {

namespace fs = std::filesystem;

class TlsOcsp : public ::testing::Test {
protected:
    void SetUp() override { pki_.issue_server(); }

    // The CA's OCSP answer for server.crt, as of now, written to `name`.
    void respond(const std::string& name) const
    {
        run_checked({"openssl", "ocsp", "-issuer", pki_.ca(), "-cert", pki_.file("server.crt"), "-no_nonce",
                     "-reqout", pki_.file("request.der")});
        run_checked({"openssl", "ocsp", "-index", pki_.file("index.txt"), "-rsigner", pki_.ca(), "-rkey",
                     pki_.file("ca.key"), "-CA", pki_.ca(), "-reqin", pki_.file("request.der"), "-respout",
                     pki_.file(name), "-ndays", "1"});
    }

    std::string config(const std::string& response) const
    {
        return test_config(tls_listener("secure", "  cert = " + quoted(pki_.file("server.crt")) +
                                                      "\n  key = " + quoted(pki_.file("server.key")) +
                                                      "\n  ocsp_response = " + quoted(response) + "\n"));
    }

    ProgramResult status(std::uint16_t port) const
    {
        return s_client(port, {"-status", "-CAfile", pki_.ca()});
    }

    TestPki pki_;
};

TEST_F(TlsOcsp, ResponseIsStapledAndReReadWhenItChanges)
{
    respond("ocsp.der");
    BrokerProcess broker(config(pki_.file("ocsp.der")));
    const auto port = broker.port("secure");
    const auto good = status(port);
    EXPECT_EQ(good.exit_code, 0) << good.err;
    EXPECT_NE(good.out.find("OCSP Response Status: successful"), std::string::npos) << good.out;
    EXPECT_NE(good.out.find("Cert Status: good"), std::string::npos) << good.out;

    // The certificate is revoked; the new response replaces the file, and the broker staples it.
    pki_.revoke("server");
    respond("ocsp.new");
    fs::rename(pki_.file("ocsp.new"), pki_.file("ocsp.der"));
    ASSERT_TRUE(broker.wait_for_log("TLS reloaded (files changed)", 15s)) << broker.log();
    const auto revoked = status(port);
    EXPECT_NE(revoked.out.find("Cert Status: revoked"), std::string::npos) << revoked.out;
}

TEST_F(TlsOcsp, FileThatIsNotAnOcspResponseRefusesToStart)
{
    const auto path = pki_.dir() / "moatmq.toml";
    pki_.issue("other", "/CN=other");
    std::ofstream(path) << config(pki_.file("other.crt"));
    const auto r = run_program({moatmq_binary(), "serve", "-c", path.string()}, kToolTimeout);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("not a DER OCSP response"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace moatmq::test
