// SCRAM-SHA-256/512 (MQTT 5 enhanced authentication) against the real broker: `moatmq pub/sub --scram`
// with a user made by `moatmq passwd`; a wrong password, a Mosquitto line without SCRAM keys and a method
// the broker does not offer are refused with their reason codes; SCRAM works on a plaintext network
// listener where a password would be refused (it never crosses the network); the audit line says "scram";
// and re-authentication (AUTH 0x19) on a live connection, driven byte by byte with the codec and
// ScramClient: the right proof gets AUTH 0x00, a wrong one DISCONNECT 0x87.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "broker_process.hpp"
#include "child_process.hpp"
#include "codec/decoder.hpp"
#include "codec/encoder.hpp"
#include "raw_client.hpp"
#include "security/authn/scram.hpp"
#include "temp_dir.hpp"

namespace moatmq::test {
namespace {

using namespace std::chrono_literals;
using codec::ReasonCode;

class AuthScram : public ::testing::Test {
protected:
    void SetUp() override
    {
        const auto passwd = (dir_.path() / "passwd").string();
        // moatmq passwd stores Argon2id plus SCRAM keys; mosquitto_passwd adds a line without them.
        auto made = run_program(
            {"sh", "-c",
             "echo 'open sesame' | '" + moatmq_binary() + "' passwd -c --stdin '" + passwd + "' alice"});
        ASSERT_EQ(made.exit_code, 0) << made.err;
        ASSERT_EQ(run_program({"mosquitto_passwd", "-b", passwd, "mosq", "mosq-pw"}).exit_code, 0);
    }

    std::string config(std::string_view auth = {}) const
    {
        return "[broker]\ndata_dir = \"data\"\nthreads = 2\n\n"
               "[[listener]]\nname = \"local\"\nbind = \"127.0.0.1:0\"\n\n"
               "[[listener]]\nname = \"net\"\nbind = \"0.0.0.0:0\"\n\n"
               "[auth]\nallow_anonymous = false\nfailure_backoff = \"off\"\npassword_file = \"" +
               (dir_.path() / "passwd").string() + "\"\n" + std::string(auth) + "\n[log]\naudit_file = \"" +
               (dir_.path() / "audit.log").string() + "\"\n";
    }

    static std::vector<std::string> tool(const BrokerProcess& broker, const std::string& command,
                                         const std::string& listener, std::vector<std::string> extra)
    {
        std::vector<std::string> args{moatmq_binary(),
                                      command,
                                      "-h",
                                      "127.0.0.1",
                                      "-p",
                                      std::to_string(broker.port(listener)),
                                      "-V",
                                      "5"};
        args.insert(args.end(), extra.begin(), extra.end());
        return args;
    }

    TempDir dir_{"moatmq-scram"};
};

TEST_F(AuthScram, PubAndSubAuthenticateWithScram)
{
    BrokerProcess broker{config()};
    ChildProcess sub(tool(
        broker, "sub", "local",
        {"--scram", "sha512", "-u", "alice", "-P", "open sesame", "-t", "s/#", "-C", "1", "-W", "20", "-d"}));
    ASSERT_TRUE(sub.wait_for_output("received SUBACK", 15s)) << sub.out() << sub.err();
    EXPECT_NE(sub.err().find("received AUTH"), std::string::npos) << sub.err();  // the exchange happened
    const auto pub =
        run_program(tool(broker, "pub", "local",
                         {"--scram", "sha256", "-u", "alice", "-P", "open sesame", "-t", "s/1", "-m", "hi"}));
    EXPECT_EQ(pub.exit_code, 0) << pub.err;
    EXPECT_EQ(sub.wait_exit(15s), 0);
    EXPECT_EQ(sub.out(), "hi\n");
}

TEST_F(AuthScram, WrongPasswordAndUsersWithoutKeysAreRefused)
{
    BrokerProcess broker{config()};
    const auto wrong =
        run_program(tool(broker, "pub", "local",
                         {"--scram", "sha256", "-u", "alice", "-P", "open barley", "-t", "s", "-m", "x"}));
    EXPECT_EQ(wrong.exit_code, 1);
    EXPECT_NE(wrong.err.find("bad user name or password (0x86)"), std::string::npos) << wrong.err;
    // A mosquitto_passwd line has a password hash but no SCRAM keys: it fails like a wrong password.
    const auto mosq = run_program(tool(
        broker, "pub", "local", {"--scram", "sha512", "-u", "mosq", "-P", "mosq-pw", "-t", "s", "-m", "x"}));
    EXPECT_NE(mosq.err.find("(0x86)"), std::string::npos) << mosq.err;
    // ... while its password works the ordinary way.
    EXPECT_EQ(run_program(tool(broker, "pub", "local", {"-u", "mosq", "-P", "mosq-pw", "-t", "s", "-m", "x"}))
                  .exit_code,
              0);
}

TEST_F(AuthScram, MethodNotOfferedIsRefusedWithBadAuthenticationMethod)
{
    BrokerProcess broker{config("scram = [\"sha512\"]\n")};
    const auto r =
        run_program(tool(broker, "pub", "local",
                         {"--scram", "sha256", "-u", "alice", "-P", "open sesame", "-t", "s", "-m", "x"}));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("(0x8C)"), std::string::npos) << r.err;
}

TEST_F(AuthScram, ScramIsAcceptedWhereAPlaintextPasswordIsNot)
{
    BrokerProcess broker{config()};
    const auto plain =
        run_program(tool(broker, "pub", "net", {"-u", "alice", "-P", "open sesame", "-t", "s", "-m", "x"}));
    EXPECT_NE(plain.err.find("not authorized (0x87)"), std::string::npos) << plain.err;
    const auto scram =
        run_program(tool(broker, "pub", "net",
                         {"--scram", "sha256", "-u", "alice", "-P", "open sesame", "-t", "s", "-m", "x"}));
    EXPECT_EQ(scram.exit_code, 0) << scram.err;
    EXPECT_EQ(broker.stop(), 0);
    std::ifstream audit(dir_.path() / "audit.log");
    std::string text((std::istreambuf_iterator<char>(audit)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("\"method\":\"scram\",\"outcome\":\"success\""), std::string::npos) << text;
    EXPECT_EQ(text.find("open sesame"), std::string::npos);
}

// --- re-authentication, byte by byte ---

std::vector<std::uint8_t> encode(const codec::Packet& packet)
{
    Bytes bytes;
    EXPECT_TRUE(codec::encode(packet, codec::ProtocolVersion::v5, bytes));
    std::vector<std::uint8_t> out;
    for (auto b : bytes)
        out.push_back(static_cast<std::uint8_t>(b));
    return out;
}

// One whole packet from the broker (fixed header, then the remaining length it announces).
std::optional<codec::Packet> read_packet(RawClient& client)
{
    std::vector<std::uint8_t> raw = client.read(1);
    if (raw.size() != 1) return std::nullopt;
    std::size_t length = 0;
    for (int shift = 0; shift < 28; shift += 7) {
        const auto b = client.read(1);
        if (b.size() != 1) return std::nullopt;
        raw.push_back(b[0]);
        length |= static_cast<std::size_t>(b[0] & 0x7F) << shift;
        if ((b[0] & 0x80) == 0) break;
    }
    const auto body = client.read(length);
    if (body.size() != length) return std::nullopt;
    raw.insert(raw.end(), body.begin(), body.end());
    Bytes bytes;
    for (auto b : raw)
        bytes.push_back(static_cast<std::byte>(b));
    auto decoded =
        codec::decode(bytes, codec::DecodeOptions{codec::ProtocolVersion::v5, codec::Sender::server});
    if (!decoded) return std::nullopt;
    return std::move(decoded->packet);
}

codec::Auth auth(ReasonCode reason, const std::string& data)
{
    codec::Auth a;
    a.reason = reason;
    a.properties.authentication_method = "SCRAM-SHA-256";
    a.properties.authentication_data = to_bytes(data);
    return a;
}

// Runs one SCRAM exchange: `first` is sent in CONNECT (connect = true) or AUTH 0x19; returns the final
// packet from the broker (CONNACK, AUTH or DISCONNECT).
std::optional<codec::Packet> exchange(RawClient& client, const std::string& password, bool connect)
{
    security::authn::ScramClient scram{security::authn::ScramMechanism::sha256, "alice",
                                       security::authn::Secret{std::string_view{password}}};
    const auto first = scram.client_first();
    if (!first) return std::nullopt;
    if (connect) {
        codec::Connect c;
        c.client_id = "reauth";
        c.keep_alive = 0;
        c.properties.authentication_method = "SCRAM-SHA-256";
        c.properties.authentication_data = to_bytes(*first);
        EXPECT_TRUE(client.send(encode(c)));
    } else {
        EXPECT_TRUE(client.send(encode(auth(ReasonCode::ReAuthenticate, *first))));
    }
    auto challenge = read_packet(client);
    auto* server_first = challenge ? std::get_if<codec::Auth>(&*challenge) : nullptr;
    if (server_first == nullptr || !server_first->properties.authentication_data) return challenge;
    EXPECT_EQ(server_first->reason, ReasonCode::ContinueAuthentication);
    const auto final_message = scram.server_first(as_chars(*server_first->properties.authentication_data));
    if (!final_message) return std::nullopt;
    EXPECT_TRUE(client.send(encode(auth(ReasonCode::ContinueAuthentication, *final_message))));
    auto done = read_packet(client);
    const Bytes* data = nullptr;
    if (done) {
        if (auto* connack = std::get_if<codec::Connack>(&*done)) {
            if (connack->properties.authentication_data) data = &*connack->properties.authentication_data;
        } else if (auto* a = std::get_if<codec::Auth>(&*done)) {
            if (a->properties.authentication_data) data = &*a->properties.authentication_data;
        }
    }
    if (data != nullptr) {
        EXPECT_FALSE(scram.server_final(as_chars(*data))) << "server signature";
    }
    return done;
}

TEST_F(AuthScram, ReauthenticationOnALiveConnection)
{
    BrokerProcess broker{config()};
    RawClient client{broker.port("local")};
    auto connack = exchange(client, "open sesame", true);
    ASSERT_TRUE(connack && std::holds_alternative<codec::Connack>(*connack));
    EXPECT_EQ(std::get<codec::Connack>(*connack).reason, ReasonCode::Success);

    auto again = exchange(client, "open sesame", false);
    ASSERT_TRUE(again && std::holds_alternative<codec::Auth>(*again));
    EXPECT_EQ(std::get<codec::Auth>(*again).reason, ReasonCode::Success);
    ASSERT_TRUE(client.send(kPingreq));  // still connected
    EXPECT_EQ(client.read(2), kPingresp);

    auto wrong = exchange(client, "open barley", false);
    ASSERT_TRUE(wrong && std::holds_alternative<codec::Disconnect>(*wrong));
    EXPECT_EQ(std::get<codec::Disconnect>(*wrong).reason, ReasonCode::NotAuthorized);
    EXPECT_TRUE(client.wait_closed());
}

}  // namespace
}  // namespace moatmq::test
