#include "client/scram_authenticator.hpp"

#include "client/client_error.hpp"
#include "security/authn/scram.hpp"
#include "security/authn/scram_credentials.hpp"
#include "security/authn/secret.hpp"

namespace moatmq::client {
namespace {

namespace authn = security::authn;

class ScramAuthenticator final : public Authenticator {
public:
    ScramAuthenticator(authn::ScramMechanism mechanism, std::string username, std::string_view password)
        : scram_(mechanism, std::move(username), authn::Secret{password})
    {
    }

    std::string method() const override { return std::string{authn::mechanism_name(scram_.mechanism())}; }

    Result<Bytes> initial_data() override
    {
        auto first = scram_.client_first();
        if (!first) return first.error();
        return to_bytes(*first);
    }

    Result<Bytes> challenge(ByteView server_data) override
    {
        auto final_message = scram_.server_first(as_chars(server_data));
        if (!final_message) return final_message.error();
        return to_bytes(*final_message);
    }

    error_code finish(ByteView server_data) override { return scram_.server_final(as_chars(server_data)); }

private:
    authn::ScramClient scram_;
};

}  // namespace

std::shared_ptr<Authenticator> make_scram_authenticator(std::string_view mechanism, std::string username,
                                                        std::string_view password)
{
    if (mechanism == "sha256")
        return std::make_shared<ScramAuthenticator>(authn::ScramMechanism::sha256, std::move(username),
                                                    password);
    if (mechanism == "sha512")
        return std::make_shared<ScramAuthenticator>(authn::ScramMechanism::sha512, std::move(username),
                                                    password);
    return nullptr;
}

}  // namespace moatmq::client
