// SCRAM-SHA-256/512 (RFC 5802, RFC 7677): the RFC 7677 test vector message by message, round trips,
// and every way an exchange must fail.
#include <gtest/gtest.h>

#include "security/authn/authn_crypto.hpp"
#include "security/authn/authn_error.hpp"
#include "security/authn/scram.hpp"

namespace moatmq::security::authn {
namespace {

// RFC 7677 §3: user "user", password "pencil", salt W22ZaJ0SNY7soEsUEjb6gQ==, 4096 iterations.
constexpr std::string_view kClientNonce = "rOprNGfwEbeRWgbNEkqO";
constexpr std::string_view kServerNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
constexpr std::string_view kClientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
constexpr std::string_view kServerFirst =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
constexpr std::string_view kClientFinal =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+"
    "Ute9ytag9zjfMHgsqmmiz7AndVQ=";
constexpr std::string_view kServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

Bytes fake_key()
{
    return Bytes(32, std::byte{0x42});
}

ScramCredentials rfc7677_credentials()
{
    const auto salt = crypto::base64_decode("W22ZaJ0SNY7soEsUEjb6gQ==").value();
    return ScramCredentials::derive(ScramMechanism::sha256, "pencil", 4096, salt).value();
}

ScramServer::CredentialLookup only(std::string user, ScramCredentials credentials)
{
    return [user = std::move(user),
            credentials = std::move(credentials)](std::string_view name) -> std::optional<ScramCredentials> {
        if (name == user) return credentials;
        return std::nullopt;
    };
}

ScramServer rfc_server()
{
    return ScramServer{ScramMechanism::sha256, only("user", rfc7677_credentials()), fake_key(),
                       std::string{kServerNonce}};
}

TEST(Scram, ServerFollowsRfc7677TestVector)
{
    auto server = rfc_server();
    auto first = server.client_first(kClientFirst);
    ASSERT_TRUE(first) << first.error().message();
    EXPECT_EQ(*first, kServerFirst);
    auto final_message = server.client_final(kClientFinal);
    ASSERT_TRUE(final_message) << final_message.error().message();
    EXPECT_EQ(*final_message, kServerFinal);
    EXPECT_TRUE(server.done());
    EXPECT_EQ(server.username(), "user");
}

TEST(Scram, ClientFollowsRfc7677TestVector)
{
    ScramClient client{ScramMechanism::sha256, "user", Secret{std::string_view{"pencil"}},
                       std::string{kClientNonce}};
    EXPECT_EQ(client.client_first().value(), kClientFirst);
    EXPECT_EQ(client.server_first(kServerFirst).value(), kClientFinal);
    EXPECT_FALSE(client.server_final(kServerFinal));
}

TEST(Scram, StoredCredentialsAreFieldsThatRoundTrip)
{
    const auto credentials = rfc7677_credentials();
    auto parsed = ScramCredentials::parse_field(credentials.to_field());
    ASSERT_TRUE(parsed);
    EXPECT_EQ(*parsed, credentials);
    EXPECT_EQ(credentials.to_field().rfind("scram-sha-256$4096$W22ZaJ0SNY7soEsUEjb6gQ==$", 0), 0U);
}

TEST(Scram, Sha512RoundTripWithRandomNoncesAndAnEscapedUserName)
{
    const auto credentials = ScramCredentials::generate(ScramMechanism::sha512, "pässwörd").value();
    ScramServer server{ScramMechanism::sha512, only("a,b=c", credentials), fake_key()};
    ScramClient client{ScramMechanism::sha512, "a,b=c", Secret{std::string_view{"pässwörd"}}};
    const auto first = client.client_first().value();
    EXPECT_EQ(first.rfind("n,,n=a=2Cb=3Dc,r=", 0), 0U) << first;
    const auto server_first = server.client_first(first).value();
    const auto client_final = client.server_first(server_first).value();
    const auto server_final = server.client_final(client_final).value();
    EXPECT_FALSE(client.server_final(server_final));
    EXPECT_EQ(server.username(), "a,b=c");
}

TEST(Scram, WrongPasswordIsAnInvalidProof)
{
    auto server = rfc_server();
    ScramClient client{ScramMechanism::sha256, "user", Secret{std::string_view{"pen"}},
                       std::string{kClientNonce}};
    const auto server_first = server.client_first(client.client_first().value()).value();
    const auto client_final = client.server_first(server_first).value();
    const auto result = server.client_final(client_final);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error(), make_error_code(AuthnError::scram_invalid_proof));
    EXPECT_FALSE(server.done());
}

TEST(Scram, TamperedProofIsRefused)
{
    auto server = rfc_server();
    ASSERT_TRUE(server.client_first(kClientFirst));
    std::string tampered{kClientFinal};
    tampered[tampered.size() - 5] = tampered[tampered.size() - 5] == 'A' ? 'B' : 'A';
    const auto result = server.client_final(tampered);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error(), make_error_code(AuthnError::scram_invalid_proof));
}

TEST(Scram, ReplayedFinalMessageWithAnotherServerNonceIsANonceMismatch)
{
    // A fresh server nonce: the recorded client-final of the RFC exchange no longer matches.
    ScramServer server{ScramMechanism::sha256, only("user", rfc7677_credentials()), fake_key()};
    ASSERT_TRUE(server.client_first(kClientFirst));
    const auto result = server.client_final(kClientFinal);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error(), make_error_code(AuthnError::scram_nonce_mismatch));
}

TEST(Scram, OnlyNoChannelBindingWithoutAuthzidIsAccepted)
{
    for (const std::string_view first :
         {"y,,n=user,r=abc", "p=tls-unique,,n=user,r=abc", "n,a=admin,n=user,r=abc"}) {
        auto server = rfc_server();
        const auto result = server.client_first(first);
        ASSERT_FALSE(result) << first;
        EXPECT_EQ(result.error(), make_error_code(AuthnError::scram_channel_binding)) << first;
    }
    // The GS2 header echoed in client-final must be "n,," too.
    auto server = rfc_server();
    ASSERT_TRUE(server.client_first(kClientFirst));
    std::string final_message{kClientFinal};
    final_message.replace(2, 4, "eSws");  // base64("y,,")
    EXPECT_EQ(server.client_final(final_message).error(), make_error_code(AuthnError::scram_channel_binding));
}

TEST(Scram, MalformedMessagesAreRefused)
{
    for (const std::string_view first :
         {"", "n,,", "n,,r=abc,n=user", "n,,n=user", "n,,m=ext,n=user,r=abc", "n,,n=us=er,r=abc",
          "n,,n=user,r=a,b", "n,,n=,r=abc", "n,,n=user,r=", "n,,n=user,r=ab c"}) {
        auto server = rfc_server();
        const auto result = server.client_first(first);
        ASSERT_FALSE(result) << first;
        EXPECT_EQ(result.error(), make_error_code(AuthnError::scram_malformed)) << first;
    }
    for (const std::string_view final_message : {"", "c=biws", "r=x,c=biws,p=AAAA", "c=biws,r=x,p=!!!!"}) {
        auto server = rfc_server();
        ASSERT_TRUE(server.client_first(kClientFirst));
        EXPECT_FALSE(server.client_final(final_message)) << final_message;
    }
    auto server = rfc_server();
    EXPECT_EQ(server.client_final(kClientFinal).error(), make_error_code(AuthnError::scram_out_of_order));
}

TEST(Scram, UnknownUserSeesAStableSaltAndFailsOnlyAtTheProof)
{
    const auto lookup = only("user", rfc7677_credentials());
    ScramServer a{ScramMechanism::sha256, lookup, fake_key(), "N1"};
    ScramServer b{ScramMechanism::sha256, lookup, fake_key(), "N1"};
    const auto first_a = a.client_first("n,,n=mallory,r=abc").value();
    const auto first_b = b.client_first("n,,n=mallory,r=abc").value();
    EXPECT_EQ(first_a, first_b);  // same salt and iterations every time, as for a real user
    EXPECT_NE(first_a.find(",i=4096"), std::string::npos);

    ScramClient client{ScramMechanism::sha256, "mallory", Secret{std::string_view{"guess"}}, "abc"};
    (void)client.client_first();
    const auto result = a.client_final(client.server_first(first_a).value());
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error(), make_error_code(AuthnError::scram_invalid_proof));
}

TEST(Scram, ClientRefusesAForgedServerSignatureAndADowngrade)
{
    ScramClient client{ScramMechanism::sha256, "user", Secret{std::string_view{"pencil"}},
                       std::string{kClientNonce}};
    (void)client.client_first();
    (void)client.server_first(kServerFirst);
    EXPECT_EQ(client.server_final("v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
              make_error_code(AuthnError::scram_server_signature));

    ScramClient low{ScramMechanism::sha256, "user", Secret{std::string_view{"pencil"}},
                    std::string{kClientNonce}};
    (void)low.client_first();
    EXPECT_EQ(low.server_first("r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1").error(),
              make_error_code(AuthnError::scram_malformed));

    ScramClient other{ScramMechanism::sha256, "user", Secret{std::string_view{"pencil"}},
                      std::string{kClientNonce}};
    (void)other.client_first();
    EXPECT_EQ(other.server_first("r=someoneelse,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096").error(),
              make_error_code(AuthnError::scram_nonce_mismatch));
}

TEST(Scram, MechanismNames)
{
    EXPECT_EQ(mechanism_name(ScramMechanism::sha256), "SCRAM-SHA-256");
    EXPECT_EQ(mechanism_from_name("SCRAM-SHA-512"), ScramMechanism::sha512);
    EXPECT_FALSE(mechanism_from_name("SCRAM-SHA-1").has_value());
    EXPECT_EQ(scram_unescape_username("a=2Cb=3Dc"), "a,b=c");
    EXPECT_FALSE(scram_unescape_username("a=2").has_value());
}

}  // namespace
}  // namespace moatmq::security::authn
