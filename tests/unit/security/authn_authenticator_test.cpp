// PasswordAuthenticator: the policy table (anonymous per listener, plaintext passwords, TLS identity,
// user name without password), password checks with throttling and bans, and a full SCRAM exchange.
#include <gtest/gtest.h>

#include "security/authn/password_authenticator.hpp"
#include "security/authn/scram.hpp"

namespace moatmq::security::authn {
namespace {

using namespace std::chrono_literals;
using Outcome = AuthDecision::Outcome;

constexpr Argon2Params kCheap{
    .memory_kib = 256, .iterations = 1, .parallelism = 1, .salt_size = 16, .hash_size = 32};

std::shared_ptr<const PasswordFile> passwords()
{
    PasswordFile file;
    PasswordEntry alice{"alice", PasswordHash::make_argon2id("wonderland", kCheap).value(), {}};
    alice.scram.push_back(ScramCredentials::generate(ScramMechanism::sha256, "wonderland").value());
    alice.scram.push_back(ScramCredentials::generate(ScramMechanism::sha512, "wonderland").value());
    (void)file.upsert(std::move(alice));
    return std::make_shared<const PasswordFile>(std::move(file));
}

AuthPolicy policy()
{
    AuthPolicy p;
    p.allow_anonymous = false;
    p.listener_allow_anonymous["local"] = true;
    p.throttle.backoff_initial = 1s;
    p.throttle.backoff_maximum = 4s;
    p.throttle.ban_after = 3;
    return p;
}

AuthRequest network(std::string_view listener = "net")
{
    AuthRequest r;
    r.listener = listener;
    r.remote_address = "192.0.2.10";
    r.client_id = "c1";
    return r;
}

AuthRequest tls()
{
    auto r = network("secure");
    r.listener_tls = true;
    return r;
}

class Authn : public ::testing::Test {
protected:
    ManualClock clock;
    PasswordAuthenticator authn{policy(), passwords(), clock};
    Secret right{std::string_view{"wonderland"}};
    Secret wrong{std::string_view{"looking-glass"}};
};

TEST_F(Authn, AnonymousOnlyWhereTheListenerAllowsIt)
{
    auto local = network("local");
    local.listener_loopback = true;
    const auto ok = authn.authenticate(local);
    EXPECT_EQ(ok.outcome, Outcome::accept);
    EXPECT_EQ(ok.method, AuthMethod::anonymous);
    EXPECT_EQ(ok.identity, "");

    const auto refused = authn.authenticate(network());
    EXPECT_EQ(refused.outcome, Outcome::reject);
    EXPECT_EQ(refused.reason, AuthReason::not_authorized);
    EXPECT_EQ(v311_return_code(refused.reason), 0x05);
}

TEST_F(Authn, PasswordOverAPlaintextNetworkListenerIsRefusedWithoutChecking)
{
    auto r = network();
    r.username = "alice";
    r.password = right.bytes();
    const auto d = authn.authenticate(r);
    EXPECT_EQ(d.outcome, Outcome::reject);
    EXPECT_EQ(d.reason, AuthReason::not_authorized);
    EXPECT_TRUE(d.security_event);
    EXPECT_EQ(v311_return_code(d.reason), 0x05);

    r.listener_loopback = true;  // a loopback listener is fine
    EXPECT_EQ(authn.authenticate(r).outcome, Outcome::accept);

    auto p = policy();
    p.allow_plaintext_passwords = true;
    PasswordAuthenticator permissive{p, passwords(), clock};
    r.listener_loopback = false;
    EXPECT_EQ(permissive.authenticate(r).outcome, Outcome::accept);
}

TEST_F(Authn, PasswordOverTlsIsChecked)
{
    auto r = tls();
    r.username = "alice";
    r.password = right.bytes();
    const auto ok = authn.authenticate(r);
    EXPECT_EQ(ok.outcome, Outcome::accept);
    EXPECT_EQ(ok.identity, "alice");
    EXPECT_EQ(ok.method, AuthMethod::password);

    r.password = wrong.bytes();
    const auto bad = authn.authenticate(r);
    EXPECT_EQ(bad.outcome, Outcome::reject);
    EXPECT_EQ(bad.reason, AuthReason::bad_username_or_password);
    EXPECT_EQ(v311_return_code(bad.reason), 0x04);
    EXPECT_EQ(bad.delay, 1s);

    r.username = "nobody";  // unknown user: same answer
    const auto unknown = authn.authenticate(r);
    EXPECT_EQ(unknown.reason, AuthReason::bad_username_or_password);
    EXPECT_EQ(unknown.reason_string, bad.reason_string);
}

TEST_F(Authn, RepeatedFailuresAreDelayedThenBanned)
{
    auto r = tls();
    r.username = "alice";
    r.password = wrong.bytes();
    EXPECT_EQ(authn.authenticate(r).delay, 1s);
    EXPECT_EQ(authn.authenticate(r).delay, 2s);
    (void)authn.authenticate(r);  // third failure: banned
    r.password = right.bytes();
    const auto d = authn.authenticate(r);  // even the right password, without checking it
    EXPECT_EQ(d.reason, AuthReason::banned);
    EXPECT_TRUE(d.security_event);
    EXPECT_EQ(authn.stats().banned_keys, 2U);
    clock.advance(10min);
    EXPECT_EQ(authn.authenticate(r).outcome, Outcome::accept);
}

TEST_F(Authn, UserNameWithoutPasswordOrPasswordWithoutUserNameIsRefused)
{
    auto r = tls();
    r.username = "alice";
    EXPECT_EQ(authn.authenticate(r).reason, AuthReason::bad_username_or_password);
    r.username.reset();
    r.password = right.bytes();
    EXPECT_EQ(authn.authenticate(r).reason, AuthReason::bad_username_or_password);
}

TEST_F(Authn, TlsIdentityBecomesTheUserName)
{
    auto r = tls();
    r.tls_identity = "device-17";
    const auto d = authn.authenticate(r);
    EXPECT_EQ(d.outcome, Outcome::accept);
    EXPECT_EQ(d.identity, "device-17");
    EXPECT_EQ(d.method, AuthMethod::certificate);

    r.username = "alice";  // claiming another name than the certificate's
    EXPECT_EQ(authn.authenticate(r).reason, AuthReason::bad_username_or_password);

    r.tls_identity = "alice";  // certificate and password
    r.password = right.bytes();
    EXPECT_EQ(authn.authenticate(r).identity, "alice");
    r.password = wrong.bytes();
    EXPECT_EQ(authn.authenticate(r).outcome, Outcome::reject);

    r = tls();
    r.tls_identity = "psk-client";
    r.tls_identity_is_psk = true;
    EXPECT_EQ(authn.authenticate(r).method, AuthMethod::psk);
}

// [[listener]].require_password: certificate *and* password; a certificate alone, or anonymity, is not
// enough there, while other listeners keep their rules.
TEST(AuthnRequirePassword, ACertificateAloneIsNotEnoughWhereTheListenerRequiresAPassword)
{
    ManualClock clock;
    auto p = policy();
    p.listener_allow_anonymous["secure"] = true;
    p.listeners_requiring_password.insert("secure");
    PasswordAuthenticator authn{p, passwords(), clock};
    const Secret right{std::string_view{"wonderland"}};

    auto r = tls();
    r.tls_identity = "alice";
    const auto alone = authn.authenticate(r);
    EXPECT_EQ(alone.outcome, Outcome::reject);
    EXPECT_EQ(alone.reason, AuthReason::bad_username_or_password);
    EXPECT_EQ(alone.method, AuthMethod::certificate);

    r.password = right.bytes();
    const auto both = authn.authenticate(r);
    EXPECT_EQ(both.outcome, Outcome::accept);
    EXPECT_EQ(both.identity, "alice");

    EXPECT_EQ(authn.authenticate(tls()).outcome, Outcome::reject);  // anonymous allowed, password required

    auto other = network("other-tls");  // a listener without the switch accepts the certificate alone
    other.listener_tls = true;
    other.tls_identity = "device-17";
    EXPECT_EQ(authn.authenticate(other).outcome, Outcome::accept);
}

// Only what verifies a password (or starts SCRAM) goes to the broker's authentication threads.
TEST_F(Authn, OnlyPasswordsAndEnhancedAuthenticationMayBlock)
{
    auto anonymous = network("local");
    EXPECT_FALSE(authn.may_block(anonymous));
    auto user_alone = network();
    user_alone.username = "alice";
    EXPECT_FALSE(authn.may_block(user_alone));
    auto certificate = tls();
    certificate.tls_identity = "device-7";
    EXPECT_FALSE(authn.may_block(certificate));

    const Bytes password = to_bytes("wonderland");
    auto with_password = tls();
    with_password.username = "alice";
    with_password.password = ByteView{password};
    EXPECT_TRUE(authn.may_block(with_password));
    auto certificate_and_password = certificate;
    certificate_and_password.password = ByteView{password};
    EXPECT_TRUE(authn.may_block(certificate_and_password));
    auto scram = network();
    scram.auth_method = "SCRAM-SHA-256";
    EXPECT_TRUE(authn.may_block(scram));
}

TEST_F(Authn, NoPasswordFileRefusesEveryPassword)
{
    PasswordAuthenticator without{policy(), nullptr, clock};
    auto r = tls();
    r.username = "alice";
    r.password = right.bytes();
    EXPECT_EQ(without.authenticate(r).reason, AuthReason::bad_username_or_password);
}

TEST_F(Authn, UnknownOrUnofferedMethodIsBadAuthenticationMethod)
{
    auto r = network();
    r.auth_method = "GS2-KRB5";
    EXPECT_EQ(authn.authenticate(r).reason, AuthReason::bad_authentication_method);
    auto p = policy();
    p.scram = {ScramMechanism::sha512};
    PasswordAuthenticator only512{p, passwords(), clock};
    r.auth_method = "SCRAM-SHA-256";
    EXPECT_EQ(only512.authenticate(r).reason, AuthReason::bad_authentication_method);
}

class ScramExchange : public Authn, public ::testing::WithParamInterface<ScramMechanism> {};

TEST_P(ScramExchange, RightPasswordIsAcceptedEvenOnAPlaintextListenerAndTheClientVerifiesTheServer)
{
    ScramClient client{GetParam(), "alice", Secret{std::string_view{"wonderland"}}};
    const auto first = client.client_first().value();
    auto r = network();
    r.auth_method = mechanism_name(GetParam());
    r.auth_data = as_bytes(first);
    auto d = authn.authenticate(r);
    ASSERT_EQ(d.outcome, Outcome::continue_auth) << d.log_detail;
    EXPECT_EQ(d.reason, AuthReason::continue_authentication);
    ASSERT_NE(d.conversation, nullptr);
    EXPECT_EQ(d.conversation->method_name(), mechanism_name(GetParam()));
    const auto final_message = client.server_first(as_chars(d.auth_data)).value();
    const auto done = d.conversation->step(as_bytes(final_message));
    ASSERT_EQ(done.outcome, Outcome::accept) << done.log_detail;
    EXPECT_EQ(done.identity, "alice");
    EXPECT_EQ(done.method, AuthMethod::scram);
    EXPECT_FALSE(client.server_final(as_chars(done.auth_data)));
}

TEST_P(ScramExchange, WrongPasswordIsRefusedAndThrottled)
{
    ScramClient client{GetParam(), "alice", Secret{std::string_view{"guess"}}};
    const auto first = client.client_first().value();
    auto r = network();
    r.auth_method = mechanism_name(GetParam());
    r.auth_data = as_bytes(first);
    auto d = authn.authenticate(r);
    ASSERT_EQ(d.outcome, Outcome::continue_auth);
    const auto final_message = client.server_first(as_chars(d.auth_data)).value();
    const auto done = d.conversation->step(as_bytes(final_message));
    EXPECT_EQ(done.outcome, Outcome::reject);
    EXPECT_EQ(done.reason, AuthReason::bad_username_or_password);
    EXPECT_EQ(done.delay, 1s);
}

INSTANTIATE_TEST_SUITE_P(Authn, ScramExchange,
                         ::testing::Values(ScramMechanism::sha256, ScramMechanism::sha512));

TEST_F(Authn, UserWithoutScramKeysFailsScramLikeAWrongPassword)
{
    // A Mosquitto line has a password hash but no SCRAM keys: the exchange runs with a fake salt and fails
    // at the proof, indistinguishable from a wrong password or an unknown user.
    auto file = PasswordFile::parse(
                    "bob:" + PasswordHash::make_argon2id("builder", kCheap).value().text() + "\n", "passwd")
                    .value();
    PasswordAuthenticator mosquitto_only{policy(), std::make_shared<const PasswordFile>(std::move(file)),
                                         clock};
    ScramClient client{ScramMechanism::sha256, "bob", Secret{std::string_view{"builder"}}};
    const auto first = client.client_first().value();
    auto r = network();
    r.auth_method = "SCRAM-SHA-256";
    r.auth_data = as_bytes(first);
    auto d = mosquitto_only.authenticate(r);
    ASSERT_EQ(d.outcome, Outcome::continue_auth);
    const auto done = d.conversation->step(as_bytes(client.server_first(as_chars(d.auth_data)).value()));
    EXPECT_EQ(done.outcome, Outcome::reject);
    EXPECT_EQ(done.reason, AuthReason::bad_username_or_password);
    EXPECT_EQ(done.reason_string, "authentication failed");
}

TEST_F(Authn, MalformedScramClientFirstIsNotAuthorized)
{
    auto r = network();
    r.auth_method = "SCRAM-SHA-256";
    r.auth_data = as_bytes("p=tls-server-end-point,,n=alice,r=abc");
    const auto d = authn.authenticate(r);
    EXPECT_EQ(d.outcome, Outcome::reject);
    EXPECT_EQ(d.reason, AuthReason::not_authorized);
}

}  // namespace
}  // namespace moatmq::security::authn
