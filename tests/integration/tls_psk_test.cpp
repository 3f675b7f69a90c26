// TLS-PSK against the real broker with mosquitto_pub/sub --psk/--psk-identity: TLS 1.2 PSK suites and
// TLS 1.3 external PSK, the identity handed to the broker, and a wrong key refused.
#include <gtest/gtest.h>

#include "tls_support.hpp"

namespace moatmq::test {
namespace {

constexpr const char* kKey = "6a1f0c2b9d8e7f60a1b2c3d4e5f60718";

class TlsPsk : public ::testing::Test {
protected:
    std::string config() const
    {
        const auto psk =
            dir_.write_file("psk", "# devices\nsensor-17:" + std::string(kKey) + "\nother:00ff\n");
        return test_config(tls_listener("psk", "  psk_file = " + quoted(psk.string()) + "\n"));
    }
    static std::vector<std::string> psk(const std::string& identity, const std::string& key,
                                        const char* version)
    {
        return {"--psk-identity", identity, "--psk", key, "--tls-version", version};
    }
    TempDir dir_{"moatmq-psk"};
};

TEST_F(TlsPsk, MosquittoClientsConnectWithTheirKeyOverTls12And13)
{
    BrokerProcess broker(config());
    const auto port = broker.port("psk");
    for (const char* version : {"tlsv1.2", "tlsv1.3"}) {
        auto sub = mosquitto_sub(port, psk("sensor-17", kKey, version), "psk/t");
        const auto r = mosquitto_pub(port, psk("sensor-17", kKey, version), "psk/t", version);
        EXPECT_EQ(r.exit_code, 0) << version << r.err;
        EXPECT_NE(sub->finish(kToolTimeout).out.find(version), std::string::npos) << version;
    }
    EXPECT_TRUE(broker.wait_for_log("psk=true identity=sensor-17")) << broker.log();
}

TEST_F(TlsPsk, OpensslClientUsesTls12PskSuitesAndTls13ExternalPsk)
{
    BrokerProcess broker(config());
    const auto port = broker.port("psk");
    const auto v12 = s_client(port, {"-tls1_2", "-psk_identity", "sensor-17", "-psk", kKey});
    EXPECT_EQ(v12.exit_code, 0) << v12.out << v12.err;
    EXPECT_NE(v12.out.find("Cipher    : ECDHE-PSK-CHACHA20-POLY1305"), std::string::npos) << v12.out;
    EXPECT_TRUE(
        broker.wait_for_log("protocol=TLSv1.2 cipher=ECDHE-PSK-CHACHA20-POLY1305 resumed=false psk=true "
                            "identity=sensor-17"))
        << broker.log();
    const auto v13 = s_client(port, {"-tls1_3", "-psk_identity", "sensor-17", "-psk", kKey});
    EXPECT_EQ(v13.exit_code, 0) << v13.out << v13.err;
    // TLS 1.3 reports an external PSK handshake as "resumed" (it is a PSK handshake either way).
    EXPECT_TRUE(broker.wait_for_log("resumed=true psk=true identity=sensor-17")) << broker.log();
    EXPECT_NE(broker.log().find("protocol=TLSv1.3"), std::string::npos) << broker.log();
}

TEST_F(TlsPsk, WrongKeyOrUnknownIdentityIsRefused)
{
    BrokerProcess broker(config());
    const auto port = broker.port("psk");
    EXPECT_NE(mosquitto_pub(port, psk("sensor-17", "00112233445566778899aabbccddeeff", "tlsv1.2")).exit_code,
              0);
    EXPECT_NE(mosquitto_pub(port, psk("nobody", kKey, "tlsv1.2")).exit_code, 0);
    EXPECT_TRUE(broker.wait_for_log("TLS handshake failed")) << broker.log();
    EXPECT_EQ(mosquitto_pub(port, psk("sensor-17", kKey, "tlsv1.2")).exit_code, 0);
}

TEST_F(TlsPsk, MalformedPskFileRefusesToStartNamingTheLine)
{
    const auto bad = dir_.write_file("bad-psk", "ok:00ff\nbroken-line-without-key\n");
    const auto path = dir_.write_file(
        "moatmq.toml", test_config(tls_listener("psk", "  psk_file = " + quoted(bad.string()) + "\n")));
    const auto r = run_program({moatmq_binary(), "serve", "-c", path.string()}, kToolTimeout);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find(bad.string() + ":2: expected identity:hexkey"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace moatmq::test
