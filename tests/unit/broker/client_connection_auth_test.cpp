// How a connection acts on authentication decisions (broker/authenticator.hpp): the decision runs off the
// worker thread and comes back posted; packets after CONNECT wait for it; a connection closed meanwhile
// ignores it; refusals are delayed by a deadline, with 5.0 and 3.1.1 codes; SCRAM-style AUTH exchanges at
// CONNECT and as re-authentication; audit records and $SYS counters. The authenticator here is scripted:
// the real one (security/authn) is tested against the broker in tests/unit/security/authn_broker_test.cpp.
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "broker_test_support.hpp"

namespace moatmq::broker::test {
namespace {

using codec::ProtocolVersion;
using codec::ReasonCode;
using Outcome = AuthDecision::Outcome;

AuthDecision accept_as(std::string identity, AuthMethod method = AuthMethod::password)
{
    AuthDecision d;
    d.outcome = Outcome::accept;
    d.reason = AuthReason::success;
    d.method = method;
    d.identity = std::move(identity);
    return d;
}

AuthDecision refuse(AuthReason reason, Duration delay = {})
{
    AuthDecision d;
    d.outcome = Outcome::reject;
    d.reason = reason;
    d.method = AuthMethod::password;
    d.reason_string = "go away";
    d.log_detail = "scripted refusal";
    d.delay = delay;
    return d;
}

// One step: expects `expected` from the client, then answers `answer`.
class ScriptedConversation final : public AuthConversation {
public:
    ScriptedConversation(std::string expected, AuthDecision answer)
        : expected_(std::move(expected)), answer_(std::move(answer))
    {
    }
    std::string_view method_name() const noexcept override { return "TEST-METHOD"; }
    AuthDecision step(ByteView data) override
    {
        if (std::string(as_chars(data)) != expected_) return refuse(AuthReason::bad_username_or_password);
        return std::move(answer_);
    }

private:
    std::string expected_;
    AuthDecision answer_;
};

AuthDecision continue_with(std::string server_data, std::string expected, AuthDecision then)
{
    AuthDecision d;
    d.outcome = Outcome::continue_auth;
    d.reason = AuthReason::continue_authentication;
    d.method = AuthMethod::scram;
    d.auth_data = to_bytes(server_data);
    d.conversation = std::make_unique<ScriptedConversation>(std::move(expected), std::move(then));
    return d;
}

// Answers with what `decide` returns and remembers the requests (their strings copied).
class ScriptedAuthenticator final : public Authenticator {
public:
    struct Seen {
        std::string listener, address, client_id;
        std::optional<std::string> username, password, tls_identity, method;
        bool tls = false, loopback = false, psk = false;
        std::string data;
    };
    std::function<AuthDecision(const AuthRequest&)> decide = [](const AuthRequest&) {
        return accept_as("u");
    };
    std::vector<Seen> seen;
    bool cheap = false;  // may_block() answers !cheap

    bool may_block(const AuthRequest&) const override { return !cheap; }

    AuthDecision authenticate(const AuthRequest& r) override
    {
        Seen s;
        s.listener = std::string(r.listener);
        s.address = std::string(r.remote_address);
        s.client_id = std::string(r.client_id);
        if (r.username) s.username = std::string(*r.username);
        if (r.password) s.password = std::string(as_chars(*r.password));
        if (r.tls_identity) s.tls_identity = std::string(*r.tls_identity);
        if (r.auth_method) s.method = std::string(*r.auth_method);
        s.tls = r.listener_tls;
        s.loopback = r.listener_loopback;
        s.psk = r.tls_identity_is_psk;
        s.data = std::string(as_chars(r.auth_data));
        seen.push_back(std::move(s));
        return decide(r);
    }
};

struct AuditCopy {
    std::string listener, remote, client_id, username, reason;
    AuthMethod method;
    bool success, reauthentication;
};

class ConnectionAuthTest : public BrokerTest {
protected:
    ConnectionAuthTest()
    {
        options_.authenticator = authenticator_;
        options_.audit_authentication = [this](const AuthAuditRecord& r) {
            audit_.push_back({std::string(r.listener), std::string(r.remote_address),
                              std::string(r.client_id), std::string(r.username), std::string(r.reason),
                              r.method, r.success, r.reauthentication});
        };
    }

    // Jobs wait here until run_jobs(): the auth pool of the real broker.
    void use_job_queue()
    {
        options_.run_blocking = [this](std::function<void()> job) {
            if (jobs_.size() >= max_jobs_) return false;
            jobs_.push_back(std::move(job));
            return true;
        };
    }
    void run_jobs()
    {
        while (!jobs_.empty()) {
            auto job = std::move(jobs_.front());
            jobs_.pop_front();
            job();
        }
        settle();
    }

    static codec::Connect connect_packet(std::string id, std::optional<std::string> user = {},
                                         std::optional<std::string> password = {})
    {
        codec::Connect c;
        c.client_id = std::move(id);
        c.keep_alive = 0;
        c.username = std::move(user);
        if (password) c.password = to_bytes(*password);
        return c;
    }
    static codec::Auth auth_packet(ReasonCode reason, std::string data, std::string method = "TEST-METHOD")
    {
        codec::Auth a;
        a.reason = reason;
        a.properties.authentication_method = std::move(method);
        a.properties.authentication_data = to_bytes(data);
        return a;
    }

    std::shared_ptr<ScriptedAuthenticator> authenticator_ = std::make_shared<ScriptedAuthenticator>();
    std::deque<std::function<void()>> jobs_;
    std::size_t max_jobs_ = 100;
    std::vector<AuditCopy> audit_;
};

TEST_F(ConnectionAuthTest, DecisionRunsAsAJobAndTheConnackWaitsForIt)
{
    use_job_queue();
    auto& c = client();
    c.send(connect_packet("dev", "alice", "secret"));
    EXPECT_TRUE(c.received().empty());  // nothing before the decision
    ASSERT_EQ(jobs_.size(), 1u);
    EXPECT_TRUE(authenticator_->seen.empty());  // not on the connection's thread
    run_jobs();
    ASSERT_EQ(authenticator_->seen.size(), 1u);
    EXPECT_EQ(authenticator_->seen[0].username, "alice");
    EXPECT_EQ(authenticator_->seen[0].password, "secret");
    auto connacks = c.received_of<codec::Connack>();
    ASSERT_EQ(connacks.size(), 1u);
    EXPECT_EQ(connacks[0].reason, ReasonCode::Success);
    EXPECT_EQ(broker().stats().clients_connected.load(), 1u);
}

TEST_F(ConnectionAuthTest, CheapDecisionIsMadeOnTheConnectionsThreadWithoutAJob)
{
    use_job_queue();
    authenticator_->cheap = true;
    auto& c = client();
    c.send(connect_packet("dev"));
    EXPECT_TRUE(jobs_.empty());
    ASSERT_EQ(authenticator_->seen.size(), 1u);
    auto connacks = c.received_of<codec::Connack>();
    ASSERT_EQ(connacks.size(), 1u);
    EXPECT_EQ(connacks[0].reason, ReasonCode::Success);
    EXPECT_EQ(broker().stats().clients_connected.load(), 1u);
}

TEST_F(ConnectionAuthTest, CheapRefusalKeepsItsDelay)
{
    use_job_queue();
    authenticator_->cheap = true;
    authenticator_->decide = [](const AuthRequest&) { return refuse(AuthReason::not_authorized, 2s); };
    auto& c = client();
    c.send(connect_packet("dev"));
    EXPECT_TRUE(jobs_.empty());
    EXPECT_TRUE(c.received().empty());  // answered only at the deadline
    advance(2s);
    auto connacks = c.received_of<codec::Connack>();
    ASSERT_EQ(connacks.size(), 1u);
    EXPECT_EQ(connacks[0].reason, ReasonCode::NotAuthorized);
}

TEST_F(ConnectionAuthTest, PacketsSentAfterConnectAreHandledAfterTheConnack)
{
    use_job_queue();
    auto& c = client();
    Bytes bytes;
    ASSERT_TRUE(codec::encode(connect_packet("dev", "alice", "pw"), ProtocolVersion::v5, bytes));
    codec::Subscribe s;
    s.packet_id = 7;
    s.subscriptions.push_back({"a/#", codec::SubscriptionOptions{codec::QoS::at_most_once}});
    ASSERT_TRUE(codec::encode(s, ProtocolVersion::v5, bytes));
    c.send_raw(bytes);
    EXPECT_TRUE(c.received().empty());
    run_jobs();
    auto packets = c.received();
    ASSERT_EQ(packets.size(), 2u);
    EXPECT_TRUE(std::holds_alternative<codec::Connack>(packets[0]));
    ASSERT_TRUE(std::holds_alternative<codec::Suback>(packets[1]));
    EXPECT_EQ(std::get<codec::Suback>(packets[1]).packet_id, 7);
}

TEST_F(ConnectionAuthTest, ConnectionClosedBeforeTheDecisionIgnoresIt)
{
    use_job_queue();
    auto& c = client();
    c.send(connect_packet("dev", "alice", "pw"));
    c.drop();  // the client went away while its password was being checked
    run_jobs();
    EXPECT_TRUE(c.received().empty());
    EXPECT_EQ(broker().stats().clients_connected.load(), 0u);
}

TEST_F(ConnectionAuthTest, RefusalIsAnsweredOnlyAfterItsDelay)
{
    authenticator_->decide = [](const AuthRequest&) {
        return refuse(AuthReason::bad_username_or_password, 2s);
    };
    auto& c = client();
    c.send(connect_packet("dev", "alice", "wrong"));
    EXPECT_TRUE(c.received().empty());
    ASSERT_TRUE(c.connection().next_deadline().has_value());
    advance(1900ms);
    EXPECT_TRUE(c.received().empty());
    EXPECT_FALSE(c.link().closed());
    c.publish("t", "ignored");  // dropped: the connection is only waiting to refuse
    advance(100ms);
    auto connacks = c.received_of<codec::Connack>();
    ASSERT_EQ(connacks.size(), 1u);
    EXPECT_EQ(connacks[0].reason, ReasonCode::BadUserNameOrPassword);
    EXPECT_EQ(connacks[0].properties.reason_string, "go away");
    EXPECT_TRUE(c.closed_notified());
    EXPECT_EQ(broker().stats().messages_received.load(), 0u);
}

TEST_F(ConnectionAuthTest, DelayOutlastsTheConnectTimeout)
{
    options_.connect_timeout = 1s;
    authenticator_->decide = [](const AuthRequest&) { return refuse(AuthReason::banned, 3s); };
    auto& c = client();
    c.send(connect_packet("dev", "alice", "pw"));
    advance(2s);
    EXPECT_FALSE(c.link().closed());
    advance(1s);
    auto connacks = c.received_of<codec::Connack>();
    ASSERT_EQ(connacks.size(), 1u);
    EXPECT_EQ(connacks[0].reason, ReasonCode::Banned);
}

TEST_F(ConnectionAuthTest, RefusalsUse311ReturnCodes)
{
    const std::pair<AuthReason, codec::ConnectReturnCode311> cases[] = {
        {AuthReason::bad_username_or_password, codec::ConnectReturnCode311::BadUserNameOrPassword},
        {AuthReason::not_authorized, codec::ConnectReturnCode311::NotAuthorized},
        {AuthReason::banned, codec::ConnectReturnCode311::NotAuthorized},
    };
    for (const auto& [reason, code] : cases) {
        authenticator_->decide = [reason = reason](const AuthRequest&) { return refuse(reason); };
        auto& c = client311();
        auto connect = connect_packet("dev", "alice", "pw");
        connect.version = ProtocolVersion::v311;
        c.send(connect);
        auto connacks = c.received_of<codec::Connack>();
        ASSERT_EQ(connacks.size(), 1u);
        EXPECT_EQ(codec::to_connect_return_code(connacks[0].reason), code);
        EXPECT_TRUE(c.link().closed());
    }
}

TEST_F(ConnectionAuthTest, BusyWorkersRefuseWithServerBusy)
{
    use_job_queue();
    max_jobs_ = 0;
    auto& c = client();
    c.send(connect_packet("dev", "alice", "pw"));
    auto connacks = c.received_of<codec::Connack>();
    ASSERT_EQ(connacks.size(), 1u);
    EXPECT_EQ(connacks[0].reason, ReasonCode::ServerBusy);
    EXPECT_TRUE(c.link().closed());
}

TEST_F(ConnectionAuthTest, RequestCarriesListenerAddressWithoutPortAndTlsIdentity)
{
    ConnectionInfo info{"secure", "[2001:db8::1]:51234", false, true, std::string("device-7")};
    info.tls_psk = true;
    auto& c = client_on(info);
    c.send(connect_packet("dev"));
    ASSERT_EQ(authenticator_->seen.size(), 1u);
    const auto& seen = authenticator_->seen[0];
    EXPECT_EQ(seen.listener, "secure");
    EXPECT_EQ(seen.address, "2001:db8::1");
    EXPECT_TRUE(seen.tls);
    EXPECT_FALSE(seen.loopback);
    EXPECT_EQ(seen.tls_identity, "device-7");
    EXPECT_TRUE(seen.psk);
    EXPECT_FALSE(seen.password.has_value());

    auto& plain = client_on(ConnectionInfo{"net", "192.0.2.4:1883", false, false, {}});
    plain.send(connect_packet("dev2"));
    ASSERT_EQ(authenticator_->seen.size(), 2u);
    EXPECT_EQ(authenticator_->seen[1].address, "192.0.2.4");
    EXPECT_FALSE(authenticator_->seen[1].tls_identity.has_value());
}

TEST_F(ConnectionAuthTest, EveryDecisionIsAuditedAndCounted)
{
    auto& ok = client();
    ok.send(connect_packet("dev-1", "alice", "pw"));
    authenticator_->decide = [](const AuthRequest&) { return refuse(AuthReason::not_authorized); };
    auto& refused = client();
    refused.send(connect_packet("dev-2", "mallory", "pw"));
    ASSERT_EQ(audit_.size(), 2u);
    EXPECT_TRUE(audit_[0].success);
    EXPECT_EQ(audit_[0].username, "u");  // the decision's identity, not the claimed name
    EXPECT_EQ(audit_[0].client_id, "dev-1");
    EXPECT_EQ(audit_[0].listener, "test");
    EXPECT_EQ(audit_[0].remote, "127.0.0.1:1");
    EXPECT_EQ(audit_[0].method, AuthMethod::password);
    EXPECT_FALSE(audit_[1].success);
    EXPECT_EQ(audit_[1].username, "mallory");
    EXPECT_EQ(audit_[1].reason, "scripted refusal");
    EXPECT_EQ(broker().stats().auth_succeeded.load(), 1u);
    EXPECT_EQ(broker().stats().auth_failed.load(), 1u);
}

TEST_F(ConnectionAuthTest, EnhancedAuthenticationExchangeEndsInConnackWithServerData)
{
    authenticator_->decide = [](const AuthRequest& r) {
        EXPECT_EQ(r.auth_method, "TEST-METHOD");
        EXPECT_EQ(std::string(as_chars(r.auth_data)), "client-first");
        auto done = accept_as("alice", AuthMethod::scram);
        done.auth_data = to_bytes("server-final");
        return continue_with("server-first", "client-final", std::move(done));
    };
    auto& c = client();
    auto connect = connect_packet("dev");
    connect.properties.authentication_method = "TEST-METHOD";
    connect.properties.authentication_data = to_bytes("client-first");
    c.send(connect);
    auto auths = c.received_of<codec::Auth>();
    ASSERT_EQ(auths.size(), 1u);
    EXPECT_EQ(auths[0].reason, ReasonCode::ContinueAuthentication);
    EXPECT_EQ(auths[0].properties.authentication_method, "TEST-METHOD");
    EXPECT_EQ(auths[0].properties.authentication_data, to_bytes("server-first"));

    c.send(auth_packet(ReasonCode::ContinueAuthentication, "client-final"));
    auto connacks = c.received_of<codec::Connack>();
    ASSERT_EQ(connacks.size(), 1u);
    EXPECT_EQ(connacks[0].reason, ReasonCode::Success);
    EXPECT_EQ(connacks[0].properties.authentication_method, "TEST-METHOD");
    EXPECT_EQ(connacks[0].properties.authentication_data, to_bytes("server-final"));
    ASSERT_EQ(audit_.size(), 1u);  // one line for the final decision only
    EXPECT_EQ(audit_[0].method, AuthMethod::scram);
}

TEST_F(ConnectionAuthTest, ExchangeRefusesOtherMethodsAndOtherPackets)
{
    authenticator_->decide = [](const AuthRequest&) {
        return continue_with("server-first", "client-final", accept_as("alice"));
    };
    auto connect = connect_packet("dev");
    connect.properties.authentication_method = "TEST-METHOD";

    auto& other_method = client();
    other_method.send(connect);
    other_method.send(auth_packet(ReasonCode::ContinueAuthentication, "client-final", "OTHER"));
    auto connacks = other_method.received_of<codec::Connack>();
    ASSERT_EQ(connacks.size(), 1u);
    EXPECT_EQ(connacks[0].reason, ReasonCode::BadAuthenticationMethod);
    EXPECT_TRUE(other_method.link().closed());

    auto& other_packet = client();
    other_packet.send(connect);
    other_packet.publish("t", "x");
    connacks = other_packet.received_of<codec::Connack>();
    ASSERT_EQ(connacks.size(), 1u);
    EXPECT_EQ(connacks[0].reason, ReasonCode::ProtocolError);
    EXPECT_EQ(broker().stats().messages_received.load(), 0u);
}

TEST_F(ConnectionAuthTest, ExchangeIsBoundedByTheConnectTimeout)
{
    options_.connect_timeout = 5s;
    authenticator_->decide = [](const AuthRequest&) {
        return continue_with("server-first", "client-final", accept_as("alice"));
    };
    auto connect = connect_packet("dev");
    connect.properties.authentication_method = "TEST-METHOD";
    auto& c = client();
    c.send(connect);
    advance(5s);
    EXPECT_TRUE(c.link().closed());
}

TEST_F(ConnectionAuthTest, ReauthenticationOnALiveConnection)
{
    authenticator_->decide = [](const AuthRequest& r) {
        auto done = accept_as("alice", AuthMethod::scram);
        done.auth_data = to_bytes("final-" + std::string(as_chars(r.auth_data)));
        return continue_with("first", "proof", std::move(done));
    };
    auto connect = connect_packet("dev");
    connect.properties.authentication_method = "TEST-METHOD";
    connect.properties.authentication_data = to_bytes("hello");
    auto& c = client();
    c.send(connect);
    c.send(auth_packet(ReasonCode::ContinueAuthentication, "proof"));
    ASSERT_EQ(c.received_of<codec::Connack>().size(), 1u);

    c.send(auth_packet(ReasonCode::ReAuthenticate, "again"));
    ASSERT_EQ(authenticator_->seen.size(), 2u);
    EXPECT_EQ(authenticator_->seen[1].username, "alice");  // bound to the session's identity
    auto auths = c.received_of<codec::Auth>();
    ASSERT_EQ(auths.size(), 1u);
    EXPECT_EQ(auths[0].reason, ReasonCode::ContinueAuthentication);
    c.publish("t", "still served meanwhile");
    c.send(auth_packet(ReasonCode::ContinueAuthentication, "proof"));
    auths = c.received_of<codec::Auth>();
    ASSERT_EQ(auths.size(), 1u);
    EXPECT_EQ(auths[0].reason, ReasonCode::Success);
    EXPECT_EQ(auths[0].properties.authentication_data, to_bytes("final-again"));
    EXPECT_FALSE(c.link().closed());
    EXPECT_EQ(broker().stats().messages_received.load(), 1u);
    ASSERT_EQ(audit_.size(), 2u);
    EXPECT_TRUE(audit_[1].reauthentication);
}

TEST_F(ConnectionAuthTest, ReauthenticationAsAnotherIdentityOrWithAWrongProofDisconnects)
{
    int calls = 0;
    authenticator_->decide = [&calls](const AuthRequest&) {
        return continue_with("first", "proof", accept_as(++calls == 1 ? "alice" : "bob", AuthMethod::scram));
    };
    auto connect = connect_packet("dev");
    connect.properties.authentication_method = "TEST-METHOD";
    auto& c = client();
    c.send(connect);
    c.send(auth_packet(ReasonCode::ContinueAuthentication, "proof"));
    ASSERT_EQ(c.received_of<codec::Connack>().size(), 1u);
    c.send(auth_packet(ReasonCode::ReAuthenticate, ""));
    c.send(auth_packet(ReasonCode::ContinueAuthentication, "proof"));
    auto disconnects = c.received_of<codec::Disconnect>();
    ASSERT_EQ(disconnects.size(), 1u);
    EXPECT_EQ(disconnects[0].reason, ReasonCode::NotAuthorized);

    calls = 0;
    auto& wrong = client();
    wrong.send(connect);
    wrong.send(auth_packet(ReasonCode::ContinueAuthentication, "proof"));
    ASSERT_EQ(wrong.received_of<codec::Connack>().size(), 1u);
    wrong.send(auth_packet(ReasonCode::ReAuthenticate, ""));
    wrong.send(auth_packet(ReasonCode::ContinueAuthentication, "not the proof"));
    disconnects = wrong.received_of<codec::Disconnect>();
    ASSERT_EQ(disconnects.size(), 1u);
    EXPECT_EQ(disconnects[0].reason, ReasonCode::NotAuthorized);  // DISCONNECT has no 0x86
}

TEST_F(ConnectionAuthTest, ReauthenticationNeedsTheConnectsMethod)
{
    auto& c = client();
    c.send(connect_packet("dev", "alice", "pw"));  // password, no Authentication Method
    ASSERT_EQ(c.received_of<codec::Connack>().size(), 1u);
    c.send(auth_packet(ReasonCode::ReAuthenticate, ""));
    auto disconnects = c.received_of<codec::Disconnect>();
    ASSERT_EQ(disconnects.size(), 1u);
    EXPECT_EQ(disconnects[0].reason, ReasonCode::ProtocolError);  // [MQTT-4.12.0-6]
}

}  // namespace
}  // namespace moatmq::broker::test
