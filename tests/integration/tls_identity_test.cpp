// A TLS identity end to end against the real broker: the client certificate's CN (or the TLS-PSK
// identity) is the user name for authentication and for the ACL, with [auth].allow_anonymous = false and
// no password. Mosquitto's clients with --cert/--key or --psk/--psk-identity, MQTT 5 so that the refusals
// show their reason codes; the audit log records the method.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "tls_support.hpp"

namespace moatmq::test {
namespace {

constexpr const char* kAliceKey = "00112233445566778899aabbccddeeff";

class TlsIdentity : public ::testing::Test {
protected:
    void SetUp() override
    {
        run_checked({moatmq_binary(), "certs", "init", certs()});
        run_checked({moatmq_binary(), "certs", "client", certs(), "alice"});
        run_checked({moatmq_binary(), "certs", "client", certs(), "mallory"});
        acl_ = dir_.write_file("acl", "user alice\ntopic readwrite alice/#\n").string();
        audit_ = (dir_.path() / "audit.log").string();
    }

    std::string certs() const { return (dir_.path() / "certs").string(); }
    std::string file(const std::string& name) const { return certs() + "/" + name; }

    // One listener "secure" with `tls_lines`; no anonymous clients, no password file, the ACL above.
    std::string config(const std::string& tls_lines) const
    {
        return test_config("[[listener]]\nname = \"secure\"\nbind = \"127.0.0.1:0\"\n  [listener.tls]\n" +
                           tls_lines + "\n[auth]\nallow_anonymous = false\n\n[acl]\nfile = " + quoted(acl_) +
                           "\n\n[log]\naudit_file = " + quoted(audit_) + "\n");
    }

    std::string cert_config() const
    {
        return config("  cert = " + quoted(file("server.crt")) + "\n  key = " + quoted(file("server.key")) +
                      "\n  ca = " + quoted(file("ca.crt")) +
                      "\n  client_cert = \"require\"\n  identity = \"cn\"\n");
    }

    std::vector<std::string> as_cert(const std::string& name) const
    {
        return {"--cafile", file("ca.crt"),      "--cert", file(name + ".crt"),
                "--key",    file(name + ".key"), "-V",     "5"};
    }

    std::string audit() const
    {
        std::ifstream in(audit_);
        std::ostringstream text;
        text << in.rdbuf();
        return text.str();
    }

    // The audit log's lines containing every one of `parts`, bounded wait (the broker writes it after
    // answering).
    bool audit_has(const std::vector<std::string>& parts) const
    {
        for (int i = 0; i < 100; ++i) {
            std::istringstream lines(audit());
            for (std::string line; std::getline(lines, line);) {
                bool all = true;
                for (const auto& part : parts)
                    all = all && line.find(part) != std::string::npos;
                if (all) return true;
            }
            std::this_thread::sleep_for(50ms);  // polling a file: no event to wait on
        }
        return false;
    }

    // Mosquitto's clients as the identity `auth`: a subscription to alice/# receives what is published to
    // alice/x; publishing and subscribing elsewhere is refused with 0x87 (Not authorized).
    void check_acl(std::uint16_t port, const std::vector<std::string>& auth)
    {
        auto sub = mosquitto_sub(port, auth, "alice/#");
        const auto pub = mosquitto_pub(port, auth, "alice/x", "for-alice");
        EXPECT_EQ(pub.exit_code, 0) << pub.out << pub.err;
        const auto got = sub->finish(kToolTimeout);
        EXPECT_NE(got.out.find("for-alice"), std::string::npos) << got.out << got.err;

        const auto denied_pub = mosquitto_pub(port, auth, "bob/x", "not-for-alice");
        EXPECT_NE((denied_pub.out + denied_pub.err).find("Not authorized"), std::string::npos)
            << denied_pub.out << denied_pub.err;

        std::vector<std::string> args{"mosquitto_sub",
                                      "-d",
                                      "-h",
                                      "127.0.0.1",
                                      "-p",
                                      std::to_string(port),
                                      "-t",
                                      "bob/#",
                                      "-C",
                                      "1",
                                      "-W",
                                      "5",
                                      "-q",
                                      "1"};
        args.insert(args.end(), auth.begin(), auth.end());
        const auto denied_sub = run_program(args, kToolTimeout);
        // SUBACK with 0x87 for the only filter.
        EXPECT_NE(denied_sub.out.find("received SUBACK"), std::string::npos)
            << denied_sub.out << denied_sub.err;
        EXPECT_NE((denied_sub.out + denied_sub.err).find("135"), std::string::npos)
            << denied_sub.out << denied_sub.err;
    }

    TempDir dir_{"moatmq-tls-identity"};
    std::string acl_;
    std::string audit_;
};

TEST_F(TlsIdentity, CertificateCommonNameIsTheUserForAuthenticationAndAcl)
{
    BrokerProcess broker(cert_config());
    const auto port = broker.port("secure");
    check_acl(port, as_cert("alice"));
    EXPECT_TRUE(audit_has({"\"event\":\"authentication\"", "\"username\":\"alice\"", "\"method\":\"cert\"",
                           "\"outcome\":\"success\""}))
        << audit();
    EXPECT_TRUE(audit_has({"\"event\":\"authorization\"", "\"username\":\"alice\"", "\"topic\":\"bob/x\"",
                           "\"outcome\":\"deny\""}))
        << audit();

    // Another valid certificate: authenticated as mallory, who has no rule, so alice/# is refused too.
    const auto other = mosquitto_pub(port, as_cert("mallory"), "alice/x", "from-mallory");
    EXPECT_NE((other.out + other.err).find("Not authorized"), std::string::npos) << other.out << other.err;
}

TEST_F(TlsIdentity, PskIdentityIsTheUserForAuthenticationAndAcl)
{
    const auto psk = dir_.write_file("psk", std::string("alice:") + kAliceKey + "\nmallory:0a0b0c0d\n");
    BrokerProcess broker(config("  psk_file = " + quoted(psk.string()) + "\n"));
    const std::vector<std::string> alice{"--psk-identity", "alice", "--psk", kAliceKey, "-V", "5"};
    check_acl(broker.port("secure"), alice);
    EXPECT_TRUE(audit_has({"\"event\":\"authentication\"", "\"username\":\"alice\"", "\"method\":\"psk\"",
                           "\"outcome\":\"success\""}))
        << audit();
    const auto other = mosquitto_pub(
        broker.port("secure"), {"--psk-identity", "mallory", "--psk", "0a0b0c0d", "-V", "5"}, "alice/x");
    EXPECT_NE((other.out + other.err).find("Not authorized"), std::string::npos) << other.out << other.err;
}

}  // namespace
}  // namespace moatmq::test
