// TLS listeners against the real broker: certificates from `moatmq certs init/client`, Mosquitto's
// clients over TLS, `openssl s_client` for protocol versions, ALPN and session resumption, plaintext
// sent to a TLS port, and the handshake timeout.
#include <gtest/gtest.h>

#include <fstream>

#include "raw_client.hpp"
#include "tls_support.hpp"

namespace moatmq::test {
namespace {

class TlsListener : public ::testing::Test {
protected:
    void SetUp() override
    {
        run_checked({moatmq_binary(), "certs", "init", certs()});
        run_checked({moatmq_binary(), "certs", "client", certs(), "alice"});
    }

    std::string certs() const { return (dir_.path() / "certs").string(); }
    std::string file(const std::string& name) const { return certs() + "/" + name; }

    std::string config(const std::string& more_tls = {}, const std::string& more = {}) const
    {
        return test_config(tls_listener("secure", "  cert = " + quoted(file("server.crt")) + "\n  key = " +
                                                      quoted(file("server.key")) + "\n" + more_tls) +
                           more);
    }

    std::vector<std::string> trust() const { return {"--cafile", file("ca.crt")}; }

    TempDir dir_{"moatmq-tls"};
};

TEST_F(TlsListener, CertsInitWritesPrivateKeysAndNeverOverwrites)
{
    namespace fs = std::filesystem;
    for (const char* key : {"ca.key", "server.key", "alice.key"}) {
        const auto perms = fs::status(file(key)).permissions();
        EXPECT_EQ(perms & (fs::perms::group_all | fs::perms::others_all), fs::perms::none) << key;
    }
    const auto again = run_program({moatmq_binary(), "certs", "init", certs()}, kToolTimeout);
    EXPECT_EQ(again.exit_code, 1);
    EXPECT_NE(again.err.find("exists already"), std::string::npos) << again.err;
    // The certificates verify against the CA with the openssl command.
    const auto verify =
        run_program({"openssl", "verify", "-CAfile", file("ca.crt"), file("server.crt"), file("alice.crt")},
                    kToolTimeout);
    EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
    const auto text = run_program(
        {"openssl", "x509", "-in", file("server.crt"), "-noout", "-ext", "subjectAltName"}, kToolTimeout);
    EXPECT_NE(text.out.find("IP Address:127.0.0.1"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("DNS:localhost"), std::string::npos) << text.out;
}

TEST_F(TlsListener, MosquittoClientsPublishAndSubscribeOverTls)
{
    BrokerProcess broker(config());
    const auto port = broker.port("secure");
    auto sub = mosquitto_sub(port, trust(), "tls/#");
    const auto pub = mosquitto_pub(port, trust(), "tls/a", "over tls");
    EXPECT_EQ(pub.exit_code, 0) << pub.err;
    const auto got = sub->finish(kToolTimeout);
    EXPECT_NE(got.out.find("over tls"), std::string::npos) << got.out << got.err;
    EXPECT_TRUE(broker.wait_for_log("tls established")) << broker.log();
    // TLS 1.2 and 1.3 both served.
    for (const char* version : {"tlsv1.2", "tlsv1.3"}) {
        auto v = trust();
        v.insert(v.end(), {"--tls-version", version});
        EXPECT_EQ(mosquitto_pub(port, v).exit_code, 0) << version;
    }
    // A client that does not trust the CA refuses the server.
    EXPECT_NE(mosquitto_pub(port, {"--cafile", file("alice.crt")}).exit_code, 0);
}

TEST_F(TlsListener, OldProtocolVersionsAreRefusedByTheServer)
{
    BrokerProcess broker(config());
    for (const char* version : {"-tls1", "-tls1_1"}) {
        // SECLEVEL=0 lets the client offer the old version: the refusal must come from the broker.
        const auto r = s_client(broker.port("secure"), {version, "-cipher", "DEFAULT@SECLEVEL=0"});
        EXPECT_NE(r.exit_code, 0) << version << r.out;
    }
    EXPECT_TRUE(broker.wait_for_log("TLS handshake failed: unsupported protocol")) << broker.log();
    const auto ok =
        s_client(broker.port("secure"), {"-tls1_2", "-CAfile", file("ca.crt"), "-verify_return_error"});
    EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
    EXPECT_NE(ok.out.find("Protocol  : TLSv1.2"), std::string::npos) << ok.out;
}

TEST_F(TlsListener, MinVersion13RefusesTls12)
{
    BrokerProcess broker(config("  min_version = \"1.3\"\n"));
    EXPECT_NE(s_client(broker.port("secure"), {"-tls1_2"}).exit_code, 0);
    const auto ok = s_client(broker.port("secure"), {"-tls1_3", "-CAfile", file("ca.crt")});
    EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
}

TEST_F(TlsListener, CipherListsAndGroupsAreConfigurable)
{
    BrokerProcess broker(
        config("  ciphers = \"ECDHE-ECDSA-CHACHA20-POLY1305\"\n  ciphersuites = "
               "\"TLS_CHACHA20_POLY1305_SHA256\"\n  groups = \"P-256\"\n"));
    const auto v12 = s_client(broker.port("secure"), {"-tls1_2", "-CAfile", file("ca.crt")});
    EXPECT_NE(v12.out.find("Cipher    : ECDHE-ECDSA-CHACHA20-POLY1305"), std::string::npos) << v12.out;
    const auto v13 = s_client(broker.port("secure"), {"-tls1_3", "-CAfile", file("ca.crt")});
    EXPECT_NE(v13.out.find("Cipher is TLS_CHACHA20_POLY1305_SHA256"), std::string::npos) << v13.out;
    EXPECT_NE(v13.out.find("Server Temp Key: ECDH, prime256v1"), std::string::npos) << v13.out;

    const auto path = dir_.write_file("bad.toml", config("  ciphers = \"NO-SUCH-CIPHER\"\n"));
    const auto bad = run_program({moatmq_binary(), "serve", "-c", path.string()}, kToolTimeout);
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_NE(bad.err.find("ciphers \"NO-SUCH-CIPHER\": no usable TLS 1.2 cipher"), std::string::npos)
        << bad.err;
}

TEST_F(TlsListener, AlpnMqttIsNegotiated)
{
    BrokerProcess broker(config());
    const auto r = s_client(broker.port("secure"), {"-alpn", "mqtt", "-CAfile", file("ca.crt")});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("ALPN protocol: mqtt"), std::string::npos) << r.out;
    // A client offering only something else is still served, without ALPN.
    const auto other = s_client(broker.port("secure"), {"-alpn", "h2", "-CAfile", file("ca.crt")});
    EXPECT_EQ(other.exit_code, 0) << other.err;
    EXPECT_NE(other.out.find("No ALPN negotiated"), std::string::npos) << other.out;
}

TEST_F(TlsListener, SessionsAreResumed)
{
    // s_client -ign_eof stays until the broker closes the connection (connect timeout, as it sends no
    // CONNECT), so it reads the TLS 1.3 session ticket sent after the handshake before it saves it.
    BrokerProcess broker(config({}, "[limits]\nconnect_timeout = \"1s\"\n"));
    const auto port = broker.port("secure");
    for (const char* version : {"-tls1_2", "-tls1_3"}) {
        // TLS 1.3: each connection saves the session it ends with; a resumed one must hand out a fresh
        // ticket (TLS 1.3 clients use a ticket once), so the third connection resumes again. TLS 1.2:
        // the first session is reused (s_client saves no session after a resumed 1.2 handshake).
        const bool tls13 = std::string(version) == "-tls1_3";
        std::string previous;
        for (int i = 0; i < 3; ++i) {
            const auto session =
                (dir_.path() / (std::string("session") + version + std::to_string(i))).string();
            std::vector<std::string> args{version, "-ign_eof", "-CAfile", file("ca.crt")};
            if (i == 0 || tls13) args.insert(args.end(), {"-sess_out", session});
            if (!previous.empty()) args.insert(args.end(), {"-sess_in", previous});
            const auto r = s_client(port, args);
            ASSERT_EQ(r.exit_code, 0) << r.err;
            EXPECT_NE(r.out.find(i == 0 ? "New, TLSv1." : "Reused, TLSv1."), std::string::npos)
                << version << " connection " << i << "\n"
                << r.out;
            if (i == 0 || tls13) previous = session;
        }
    }
    EXPECT_TRUE(broker.wait_for_log("resumed=true")) << broker.log();
}

TEST_F(TlsListener, PlaintextToTheTlsPortIsDroppedWithoutHarmingOthers)
{
    BrokerProcess broker(config());
    const auto port = broker.port("secure");
    auto sub = mosquitto_sub(port, trust(), "still/here");
    RawClient plain(port);
    ASSERT_TRUE(plain.send(connect_packet_311("plain")));
    EXPECT_TRUE(plain.wait_closed(10s));
    EXPECT_TRUE(broker.wait_for_log("TLS handshake failed")) << broker.log();
    // The TLS subscriber that was connected all along still gets messages.
    EXPECT_EQ(mosquitto_pub(port, trust(), "still/here", "yes").exit_code, 0);
    const auto got = sub->finish(kToolTimeout);
    EXPECT_NE(got.out.find("yes"), std::string::npos) << got.out << got.err;
}

TEST_F(TlsListener, SilentClientIsClosedAtTheHandshakeTimeout)
{
    BrokerProcess broker(config({}, "[limits]\nconnect_timeout = \"1s\"\n"));
    RawClient silent(broker.port("secure"));
    EXPECT_TRUE(silent.wait_closed(10s));
    EXPECT_TRUE(broker.wait_for_log("TLS handshake timeout")) << broker.log();
}

TEST_F(TlsListener, ClientCertificateFromCertsClientIsAccepted)
{
    BrokerProcess broker(
        config("  ca = " + quoted(file("ca.crt")) + "\n  client_cert = \"require\"\n  identity = \"cn\"\n"));
    const auto port = broker.port("secure");
    EXPECT_NE(mosquitto_pub(port, trust()).exit_code, 0);
    auto with = trust();
    with.insert(with.end(), {"--cert", file("alice.crt"), "--key", file("alice.key")});
    const auto ok = mosquitto_pub(port, with);
    EXPECT_EQ(ok.exit_code, 0) << ok.err;
    EXPECT_TRUE(broker.wait_for_log("identity=alice")) << broker.log();
}

TEST_F(TlsListener, PassphraseProtectedKeyRefusesToStart)
{
    const auto encrypted = file("encrypted.key");
    run_checked({"openssl", "pkey", "-in", file("server.key"), "-aes256", "-passout", "pass:secret", "-out",
                 encrypted});
    const auto cfg = test_config(tls_listener(
        "secure", "  cert = " + quoted(file("server.crt")) + "\n  key = " + quoted(encrypted) + "\n"));
    const auto path = dir_.write_file("moatmq.toml", cfg);
    const auto r = run_program({moatmq_binary(), "serve", "-c", path.string()}, kToolTimeout);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("protected by a passphrase"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("moatmq ready"), std::string::npos) << r.err;
}

TEST_F(TlsListener, PassphraseFileUnlocksAnEncryptedKey)
{
    const auto encrypted = file("encrypted.key");
    run_checked({"openssl", "pkey", "-in", file("server.key"), "-aes256", "-passout", "pass:s3cret-pass",
                 "-out", encrypted});
    const auto passphrase = dir_.write_file("passphrase", "s3cret-pass\n");
    std::filesystem::permissions(passphrase,
                                 std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    const auto tls_lines = [&](const std::filesystem::path& pass_file) {
        return "  cert = " + quoted(file("server.crt")) + "\n  key = " + quoted(encrypted) +
               "\n  key_passphrase_file = " + quoted(pass_file.string()) + "\n";
    };
    {
        BrokerProcess broker(test_config(tls_listener("secure", tls_lines(passphrase))));
        auto sub = mosquitto_sub(broker.port("secure"), trust());
        const auto pub = mosquitto_pub(broker.port("secure"), trust(), "t", "unlocked");
        EXPECT_EQ(pub.exit_code, 0) << pub.err;
        EXPECT_TRUE(sub->wait_for_output("unlocked", 10s)) << sub->out() << sub->err();
        EXPECT_EQ(broker.log().find("s3cret-pass"), std::string::npos);
        EXPECT_EQ(broker.log().find("readable by group or others"), std::string::npos) << broker.log();
    }
    // A wrong passphrase: refused at start, saying so, never printing it.
    const auto wrong = dir_.write_file("wrong", "not-the-pass\n");
    std::filesystem::permissions(wrong, std::filesystem::perms::owner_read);
    const auto path = dir_.write_file("moatmq.toml", test_config(tls_listener("secure", tls_lines(wrong))));
    const auto r = run_program({moatmq_binary(), "serve", "-c", path.string()}, kToolTimeout);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("wrong passphrase"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("not-the-pass"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("moatmq ready"), std::string::npos) << r.err;
}

TEST_F(TlsListener, GroupReadablePassphraseFileIsUsedWithAWarning)
{
    const auto encrypted = file("encrypted.key");
    run_checked({"openssl", "pkey", "-in", file("server.key"), "-aes256", "-passout", "pass:s3cret-pass",
                 "-out", encrypted});
    const auto passphrase = dir_.write_file("passphrase", "s3cret-pass\n");
    std::filesystem::permissions(passphrase, std::filesystem::perms::owner_read |
                                                 std::filesystem::perms::group_read |
                                                 std::filesystem::perms::others_read);
    BrokerProcess broker(test_config(
        tls_listener("secure", "  cert = " + quoted(file("server.crt")) + "\n  key = " + quoted(encrypted) +
                                   "\n  key_passphrase_file = " + quoted(passphrase.string()) + "\n")));
    EXPECT_TRUE(broker.wait_for_log("readable by group or others")) << broker.log();
    EXPECT_EQ(mosquitto_pub(broker.port("secure"), trust()).exit_code, 0);
    EXPECT_EQ(broker.log().find("s3cret-pass"), std::string::npos);
}

// A self-signed certificate for `host` (CN and DNS SAN): NAME.crt / NAME.key in the certificate dir.
class TlsSni : public TlsListener {
protected:
    void self_signed(const std::string& name, const std::string& host) const
    {
        run_checked({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                     "-nodes", "-days", "2", "-subj", "/CN=" + host, "-addext", "subjectAltName=DNS:" + host,
                     "-keyout", file(name + ".key"), "-out", file(name + ".crt")});
    }
    std::string sni(const std::string& host, const std::string& name) const
    {
        return "  [[listener.tls.sni]]\n  host = " + quoted(host) +
               "\n  cert = " + quoted(file(name + ".crt")) + "\n  key = " + quoted(file(name + ".key")) +
               "\n";
    }
    // The subject line of the certificate the broker served to s_client with `servername`
    // ("" = no SNI).
    static std::string served_subject(std::uint16_t port, const std::string& servername)
    {
        std::vector<std::string> args{"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port)};
        if (servername.empty()) {
            args.push_back("-noservername");
        } else {
            args.insert(args.end(), {"-servername", servername});
        }
        const auto r = run_program(args, kToolTimeout);
        const auto at = r.out.find("subject=");
        return at == std::string::npos ? "(none) " + r.out + r.err
                                       : r.out.substr(at, r.out.find('\n', at) - at);
    }
};

TEST_F(TlsSni, ServerNamePicksTheCertificateAndReloadCoversIt)
{
    self_signed("a", "a.example");
    self_signed("wild", "*.iot.example");
    const auto cfg = config(sni("a.example", "a") + sni("*.iot.example", "wild"));
    BrokerProcess broker(cfg);
    const auto port = broker.port("secure");
    EXPECT_NE(served_subject(port, "a.example").find("CN = a.example"), std::string::npos)
        << served_subject(port, "a.example");
    EXPECT_NE(served_subject(port, "A.Example").find("CN = a.example"), std::string::npos);
    EXPECT_NE(served_subject(port, "dev1.iot.example").find("CN = *.iot.example"), std::string::npos)
        << served_subject(port, "dev1.iot.example");
    // No SNI, or an unknown name: the default certificate.
    const auto default_subject = served_subject(port, "");
    EXPECT_EQ(default_subject.find("example"), std::string::npos) << default_subject;
    EXPECT_NE(default_subject.find("subject="), std::string::npos) << default_subject;
    EXPECT_EQ(served_subject(port, "b.example"), default_subject);
    EXPECT_EQ(served_subject(port, "iot.example"), default_subject);

    // Reload: a new certificate for a.example, SIGHUP; new handshakes see it.
    self_signed("a", "a2.example");
    ::kill(broker.pid(), SIGHUP);
    ASSERT_TRUE(broker.wait_for_log("TLS reloaded")) << broker.log();
    EXPECT_NE(served_subject(port, "a.example").find("CN = a2.example"), std::string::npos)
        << served_subject(port, "a.example");
    // A broken SNI key is refused and the previous certificates stay.
    dir_.write_file("certs/a.key", "garbage\n");
    ::kill(broker.pid(), SIGHUP);
    ASSERT_TRUE(broker.wait_for_log("sni host a.example")) << broker.log();
    EXPECT_NE(served_subject(port, "a.example").find("CN = a2.example"), std::string::npos);
}

}  // namespace
}  // namespace moatmq::test
