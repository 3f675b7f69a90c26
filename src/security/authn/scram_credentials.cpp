#include "security/authn/scram_credentials.hpp"

#include <charconv>

#include "security/authn/authn_crypto.hpp"
#include "security/authn/authn_error.hpp"
#include "security/authn/secret.hpp"

namespace moatmq::security::authn {
namespace {

crypto::Digest digest_of(ScramMechanism mechanism) noexcept
{
    return mechanism == ScramMechanism::sha256 ? crypto::Digest::sha256 : crypto::Digest::sha512;
}

std::string_view field_prefix(ScramMechanism mechanism) noexcept
{
    return mechanism == ScramMechanism::sha256 ? "scram-sha-256$" : "scram-sha-512$";
}

}  // namespace

std::string_view mechanism_name(ScramMechanism mechanism) noexcept
{
    return mechanism == ScramMechanism::sha256 ? "SCRAM-SHA-256" : "SCRAM-SHA-512";
}

std::optional<ScramMechanism> mechanism_from_name(std::string_view name) noexcept
{
    if (name == "SCRAM-SHA-256") return ScramMechanism::sha256;
    if (name == "SCRAM-SHA-512") return ScramMechanism::sha512;
    return std::nullopt;
}

namespace scram_math {

Bytes salted_password(ScramMechanism mechanism, std::string_view password, ByteView salt,
                      std::uint32_t iterations)
{
    Bytes out(crypto::digest_size(digest_of(mechanism)));
    if (!crypto::pbkdf2(digest_of(mechanism), as_bytes(password), salt, iterations, out)) return {};
    return out;
}

Bytes client_key(ScramMechanism mechanism, ByteView salted)
{
    return crypto::hmac(digest_of(mechanism), salted, as_bytes("Client Key"));
}

Bytes server_key(ScramMechanism mechanism, ByteView salted)
{
    return crypto::hmac(digest_of(mechanism), salted, as_bytes("Server Key"));
}

Bytes stored_key(ScramMechanism mechanism, ByteView client)
{
    return crypto::hash(digest_of(mechanism), client);
}

Bytes hmac(ScramMechanism mechanism, ByteView key, std::string_view message)
{
    return crypto::hmac(digest_of(mechanism), key, as_bytes(message));
}

Bytes hash(ScramMechanism mechanism, ByteView data)
{
    return crypto::hash(digest_of(mechanism), data);
}

}  // namespace scram_math

Result<ScramCredentials> ScramCredentials::derive(ScramMechanism mechanism, std::string_view password,
                                                  std::uint32_t iterations, ByteView salt)
{
    if (iterations < 1 || iterations > kMaxScramIterations || salt.empty())
        return make_error_code(AuthnError::unsupported_hash);
    auto salted = scram_math::salted_password(mechanism, password, salt, iterations);
    auto client = scram_math::client_key(mechanism, salted);
    ScramCredentials c;
    c.mechanism = mechanism;
    c.iterations = iterations;
    c.salt.assign(salt.begin(), salt.end());
    c.stored_key = scram_math::stored_key(mechanism, client);
    c.server_key = scram_math::server_key(mechanism, salted);
    const bool ok = !salted.empty() && !client.empty() && !c.stored_key.empty() && !c.server_key.empty();
    wipe_memory(salted);
    wipe_memory(client);
    if (!ok) return make_error_code(AuthnError::crypto_failure);
    return c;
}

Result<ScramCredentials> ScramCredentials::generate(ScramMechanism mechanism, std::string_view password,
                                                    std::uint32_t iterations)
{
    Bytes salt(kScramSaltSize);
    if (!crypto::random_bytes(salt)) return make_error_code(AuthnError::crypto_failure);
    return derive(mechanism, password, iterations, salt);
}

std::string ScramCredentials::to_field() const
{
    std::string out{field_prefix(mechanism)};
    out += std::to_string(iterations);
    out += '$';
    out += crypto::base64_encode(salt);
    out += '$';
    out += crypto::base64_encode(stored_key);
    out += '$';
    out += crypto::base64_encode(server_key);
    return out;
}

bool ScramCredentials::looks_like_field(std::string_view field) noexcept
{
    return field.starts_with("scram-sha-256$") || field.starts_with("scram-sha-512$");
}

Result<ScramCredentials> ScramCredentials::parse_field(std::string_view field)
{
    const auto malformed = make_error_code(AuthnError::malformed_scram_field);
    ScramCredentials c;
    if (field.starts_with(field_prefix(ScramMechanism::sha256)))
        c.mechanism = ScramMechanism::sha256;
    else if (field.starts_with(field_prefix(ScramMechanism::sha512)))
        c.mechanism = ScramMechanism::sha512;
    else
        return malformed;
    field.remove_prefix(field_prefix(c.mechanism).size());

    std::string_view parts[4];
    for (int i = 0; i < 4; ++i) {
        const auto end = field.find('$');
        if ((i < 3) == (end == std::string_view::npos)) return malformed;
        parts[i] = field.substr(0, end);
        field.remove_prefix(end == std::string_view::npos ? field.size() : end + 1);
    }
    const auto* last = parts[0].data() + parts[0].size();
    const auto [ptr, ec] = std::from_chars(parts[0].data(), last, c.iterations);
    if (ec != std::errc{} || ptr != last || parts[0].front() == '0' || c.iterations < kMinScramIterations ||
        c.iterations > kMaxScramIterations)
        return malformed;
    auto salt = crypto::base64_decode(parts[1]);
    auto stored = crypto::base64_decode(parts[2]);
    auto server = crypto::base64_decode(parts[3]);
    const auto size = crypto::digest_size(digest_of(c.mechanism));
    if (!salt || !stored || !server || salt->empty() || salt->size() > 1024 || stored->size() != size ||
        server->size() != size)
        return malformed;
    c.salt = std::move(*salt);
    c.stored_key = std::move(*stored);
    c.server_key = std::move(*server);
    return c;
}

}  // namespace moatmq::security::authn
