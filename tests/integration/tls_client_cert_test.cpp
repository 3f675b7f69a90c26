// Client certificates against the real broker, with Mosquitto's clients: client_cert = require, the
// identity mapping (cn, san-dns, san-email, san-uri, subject; a certificate without the field refused),
// and the refusals (untrusted CA, expired, revoked by CRL), each logged while others keep being served.
#include <gtest/gtest.h>

#include <algorithm>

#include "tls_support.hpp"

namespace moatmq::test {
namespace {

class TlsClientCert : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        pki_ = new TestPki();
        pki_->issue_server();
        pki_->issue("alice", "/CN=alice/O=Acme",
                    "DNS:alice.devices.example,email:alice@example.com,URI:spiffe://example.com/alice");
        pki_->issue("plain", "/CN=plain");
        pki_->issue("expired", "/CN=expired", {}, "20200101000000Z", "20200102000000Z");
        pki_->issue("revoked", "/CN=revoked");
        pki_->revoke("revoked");
        pki_->make_crl();
        other_ = new TestPki("another CA");
        other_->issue("stranger", "/CN=stranger");
    }
    static void TearDownTestSuite()
    {
        delete pki_;
        delete other_;
        pki_ = nullptr;
        other_ = nullptr;
    }

    static std::string config(const std::string& identity, bool with_crl = false)
    {
        std::string tls = "  cert = " + quoted(pki_->file("server.crt")) +
                          "\n  key = " + quoted(pki_->file("server.key")) + "\n  ca = " + quoted(pki_->ca()) +
                          "\n  client_cert = \"require\"\n  identity = \"" + identity + "\"\n";
        if (with_crl) tls += "  crl = " + quoted(pki_->file("crl.pem")) + "\n";
        return test_config(tls_listener("secure", tls));
    }

    static std::vector<std::string> as(const TestPki& pki, const std::string& name)
    {
        return {"--cafile", pki_->ca(), "--cert", pki.file(name + ".crt"), "--key", pki.file(name + ".key")};
    }

    static TestPki* pki_;
    static TestPki* other_;
};

TestPki* TlsClientCert::pki_ = nullptr;
TestPki* TlsClientCert::other_ = nullptr;

TEST_F(TlsClientCert, RequiredCertificateIsRefusedWhenMissingAndAcceptedWhenValid)
{
    BrokerProcess broker(config("none"));
    const auto port = broker.port("secure");
    EXPECT_NE(mosquitto_pub(port, {"--cafile", pki_->ca()}).exit_code, 0);
    EXPECT_TRUE(broker.wait_for_log("TLS handshake failed")) << broker.log();
    auto sub = mosquitto_sub(port, as(*pki_, "plain"), "cert/t");
    EXPECT_EQ(mosquitto_pub(port, as(*pki_, "alice"), "cert/t", "hello").exit_code, 0);
    EXPECT_NE(sub->finish(kToolTimeout).out.find("hello"), std::string::npos);
}

struct IdentityCase {
    const char* mode;
    const char* expected;  // in the log line
};

class TlsIdentity : public TlsClientCert, public ::testing::WithParamInterface<IdentityCase> {};

TEST_P(TlsIdentity, ConfiguredFieldBecomesTheIdentity)
{
    BrokerProcess broker(config(GetParam().mode));
    const auto r = mosquitto_pub(broker.port("secure"), as(*pki_, "alice"));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(broker.wait_for_log(std::string("identity=") + GetParam().expected)) << broker.log();
}

INSTANTIATE_TEST_SUITE_P(Fields, TlsIdentity,
                         ::testing::Values(IdentityCase{"cn", "alice"},
                                           IdentityCase{"san-dns", "alice.devices.example"},
                                           IdentityCase{"san-email", "alice@example.com"},
                                           IdentityCase{"san-uri", "spiffe://example.com/alice"},
                                           IdentityCase{"subject", "\"O=Acme,CN=alice\""}),
                         [](const auto& param_info) {
                             std::string name = param_info.param.mode;
                             std::replace(name.begin(), name.end(), '-', '_');
                             return name;
                         });

TEST_F(TlsClientCert, CertificateWithoutTheFieldIsRefusedWithAReason)
{
    BrokerProcess broker(config("san-dns"));
    const auto port = broker.port("secure");
    EXPECT_NE(mosquitto_pub(port, as(*pki_, "plain")).exit_code, 0);
    EXPECT_TRUE(broker.wait_for_log("TLS client refused: certificate has no subjectAltName dNSName"))
        << broker.log();
    EXPECT_EQ(mosquitto_pub(port, as(*pki_, "alice")).exit_code, 0);
}

TEST_F(TlsClientCert, UntrustedExpiredAndRevokedCertificatesAreRefused)
{
    BrokerProcess broker(config("cn", /*with_crl=*/true));
    const auto port = broker.port("secure");
    auto sub = mosquitto_sub(port, as(*pki_, "plain"), "cert/ok");

    EXPECT_NE(mosquitto_pub(port, as(*other_, "stranger")).exit_code, 0);
    EXPECT_TRUE(broker.wait_for_log("client certificate refused: unable to get local issuer certificate"))
        << broker.log();
    EXPECT_NE(mosquitto_pub(port, as(*pki_, "expired")).exit_code, 0);
    EXPECT_TRUE(broker.wait_for_log("client certificate refused: certificate has expired")) << broker.log();
    EXPECT_NE(mosquitto_pub(port, as(*pki_, "revoked")).exit_code, 0);
    EXPECT_TRUE(broker.wait_for_log("client certificate refused: certificate revoked")) << broker.log();

    // The broker still serves valid clients, including one connected all along.
    EXPECT_EQ(mosquitto_pub(port, as(*pki_, "alice"), "cert/ok", "still").exit_code, 0);
    EXPECT_NE(sub->finish(kToolTimeout).out.find("still"), std::string::npos);
}

}  // namespace
}  // namespace moatmq::test
