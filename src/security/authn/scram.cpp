#include "security/authn/scram.hpp"

#include <charconv>
#include <utility>

#include "security/authn/authn_crypto.hpp"
#include "security/authn/authn_error.hpp"
#include "security/authn/password_file.hpp"

namespace moatmq::security::authn {
namespace {

constexpr std::string_view kGs2Header = "n,,";
constexpr std::string_view kGs2HeaderBase64 = "biws";  // base64("n,,")

error_code fail(AuthnError e)
{
    return make_error_code(e);
}

// printable = %x21-2B / %x2D-7E: any visible ASCII but ','.
bool valid_nonce(std::string_view nonce) noexcept
{
    if (nonce.empty()) return false;
    for (const char c : nonce)
        if (c < 0x21 || c > 0x7E || c == ',') return false;
    return true;
}

std::optional<std::string> random_nonce()
{
    Bytes raw(kScramNonceBytes);
    if (!crypto::random_bytes(raw)) return std::nullopt;
    return crypto::base64_encode(raw);  // base64 has no ','
}

// Splits "a=..,b=..,..." into attributes; each must be "<letter>=<value>".
std::optional<std::vector<std::pair<char, std::string_view>>> attributes(std::string_view text)
{
    std::vector<std::pair<char, std::string_view>> out;
    for (;;) {
        const auto comma = text.find(',');
        const auto item = text.substr(0, comma);
        if (item.size() < 2 || item[1] != '=' ||
            !((item[0] >= 'a' && item[0] <= 'z') || (item[0] >= 'A' && item[0] <= 'Z')))
            return std::nullopt;
        out.emplace_back(item[0], item.substr(2));
        if (comma == std::string_view::npos) return out;
        text.remove_prefix(comma + 1);
    }
}

Bytes xor_bytes(ByteView a, ByteView b)
{
    Bytes out(a.size());
    for (std::size_t i = 0; i < a.size() && i < b.size(); ++i)
        out[i] = a[i] ^ b[i];
    return out;
}

}  // namespace

std::string scram_escape_username(std::string_view user)
{
    std::string out;
    out.reserve(user.size());
    for (const char c : user) {
        if (c == ',')
            out += "=2C";
        else if (c == '=')
            out += "=3D";
        else
            out += c;
    }
    return out;
}

std::optional<std::string> scram_unescape_username(std::string_view name)
{
    std::string out;
    out.reserve(name.size());
    for (std::size_t i = 0; i < name.size(); ++i) {
        if (name[i] == ',') return std::nullopt;
        if (name[i] != '=') {
            out += name[i];
            continue;
        }
        const auto code = name.substr(i + 1, 2);
        if (code == "2C")
            out += ',';
        else if (code == "3D")
            out += '=';
        else
            return std::nullopt;
        i += 2;
    }
    return out;
}

// ---- server ----

ScramServer::ScramServer(ScramMechanism mechanism, CredentialLookup lookup, Bytes fake_key,
                         std::string fixed_nonce)
    : mechanism_(mechanism),
      lookup_(std::move(lookup)),
      fake_key_(std::move(fake_key)),
      fixed_nonce_(std::move(fixed_nonce))
{
}

Result<std::string> ScramServer::client_first(std::string_view message)
{
    if (state_ != State::expect_client_first) return fail(AuthnError::scram_out_of_order);
    state_ = State::failed;  // until this step succeeds
    if (message.size() > kMaxScramMessage) return fail(AuthnError::scram_malformed);
    // gs2-header: only "n,," (no channel binding, no authzid).
    if (!message.starts_with(kGs2Header)) {
        if (message.starts_with("y,") || message.starts_with("p=") || message.starts_with("n,a="))
            return fail(AuthnError::scram_channel_binding);
        return fail(AuthnError::scram_malformed);
    }
    const auto bare = message.substr(kGs2Header.size());
    const auto attrs = attributes(bare);
    // n=<saslname>,r=<nonce>[,<extension>]*; a leading m= (mandatory extension) must be refused.
    if (!attrs || attrs->size() < 2 || (*attrs)[0].first != 'n' || (*attrs)[1].first != 'r')
        return fail(AuthnError::scram_malformed);
    auto user = scram_unescape_username((*attrs)[0].second);
    const auto client_nonce = (*attrs)[1].second;
    if (!user || !valid_username(*user) || !valid_nonce(client_nonce))
        return fail(AuthnError::scram_malformed);

    std::string server_nonce = fixed_nonce_;
    if (server_nonce.empty()) {
        auto made = random_nonce();
        if (!made) return fail(AuthnError::crypto_failure);
        server_nonce = std::move(*made);
    }
    username_ = std::move(*user);
    nonce_ = std::string{client_nonce} + server_nonce;
    client_first_bare_ = std::string{bare};
    credentials_ = lookup_ ? lookup_(username_) : std::nullopt;

    Bytes salt;
    std::uint32_t iterations = kDefaultScramIterations;
    if (credentials_ && credentials_->mechanism == mechanism_) {
        salt = credentials_->salt;
        iterations = credentials_->iterations;
    } else {
        // Unknown user: a salt that is stable per user name (the same on every attempt, as a real one
        // would be) and unguessable without fake_key_, so the answer does not reveal that the user is absent.
        credentials_.reset();
        auto derived = scram_math::hmac(mechanism_, fake_key_, "salt:" + username_);
        derived.resize(kScramSaltSize);
        salt = std::move(derived);
    }
    server_first_ = "r=" + nonce_ + ",s=" + crypto::base64_encode(salt) + ",i=" + std::to_string(iterations);
    state_ = State::expect_client_final;
    return server_first_;
}

Result<std::string> ScramServer::client_final(std::string_view message)
{
    if (state_ != State::expect_client_final) return fail(AuthnError::scram_out_of_order);
    state_ = State::failed;
    if (message.size() > kMaxScramMessage) return fail(AuthnError::scram_malformed);
    // c=<gs2 header>,r=<nonce>[,<extension>]*,p=<proof>: the proof is the last attribute.
    const auto proof_at = message.rfind(",p=");
    if (proof_at == std::string_view::npos) return fail(AuthnError::scram_malformed);
    const auto without_proof = message.substr(0, proof_at);
    const auto attrs = attributes(without_proof);
    if (!attrs || attrs->size() < 2 || (*attrs)[0].first != 'c' || (*attrs)[1].first != 'r')
        return fail(AuthnError::scram_malformed);
    if ((*attrs)[0].second != kGs2HeaderBase64) return fail(AuthnError::scram_channel_binding);
    if ((*attrs)[1].second != nonce_) return fail(AuthnError::scram_nonce_mismatch);
    const auto proof = crypto::base64_decode(message.substr(proof_at + 3));
    const auto size = scram_math::hash(mechanism_, {}).size();
    if (!proof || proof->size() != size) return fail(AuthnError::scram_malformed);

    const std::string auth_message =
        client_first_bare_ + ',' + server_first_ + ',' + std::string{without_proof};
    if (!credentials_) return fail(AuthnError::scram_invalid_proof);  // unknown user, after the same parsing
    const auto signature = scram_math::hmac(mechanism_, credentials_->stored_key, auth_message);
    auto client_key = xor_bytes(*proof, signature);
    const auto stored = scram_math::hash(mechanism_, client_key);
    wipe_memory(client_key);
    if (stored.empty() || !constant_time_equal(stored, credentials_->stored_key))
        return fail(AuthnError::scram_invalid_proof);
    const auto server_signature = scram_math::hmac(mechanism_, credentials_->server_key, auth_message);
    state_ = State::done;
    return "v=" + crypto::base64_encode(server_signature);
}

// ---- client ----

ScramClient::ScramClient(ScramMechanism mechanism, std::string username, Secret password,
                         std::string fixed_nonce)
    : mechanism_(mechanism),
      username_(std::move(username)),
      password_(std::move(password)),
      nonce_(std::move(fixed_nonce))
{
}

Result<std::string> ScramClient::client_first()
{
    if (state_ != State::start) return fail(AuthnError::scram_out_of_order);
    state_ = State::failed;
    if (nonce_.empty()) {
        auto made = random_nonce();
        if (!made) return fail(AuthnError::crypto_failure);
        nonce_ = std::move(*made);
    }
    if (!valid_nonce(nonce_)) return fail(AuthnError::scram_malformed);
    client_first_bare_ = "n=" + scram_escape_username(username_) + ",r=" + nonce_;
    state_ = State::expect_server_first;
    return std::string{kGs2Header} + client_first_bare_;
}

Result<std::string> ScramClient::server_first(std::string_view message)
{
    if (state_ != State::expect_server_first) return fail(AuthnError::scram_out_of_order);
    state_ = State::failed;
    if (message.size() > kMaxScramMessage) return fail(AuthnError::scram_malformed);
    const auto attrs = attributes(message);
    if (!attrs || attrs->size() < 3 || (*attrs)[0].first != 'r' || (*attrs)[1].first != 's' ||
        (*attrs)[2].first != 'i')
        return fail(AuthnError::scram_malformed);
    const auto nonce = (*attrs)[0].second;
    if (nonce.size() <= nonce_.size() || !nonce.starts_with(nonce_) || !valid_nonce(nonce))
        return fail(AuthnError::scram_nonce_mismatch);
    const auto salt = crypto::base64_decode((*attrs)[1].second);
    const auto iter_text = (*attrs)[2].second;
    std::uint32_t iterations = 0;
    const auto [ptr, ec] = std::from_chars(iter_text.data(), iter_text.data() + iter_text.size(), iterations);
    if (!salt || salt->empty() || ec != std::errc{} || ptr != iter_text.data() + iter_text.size() ||
        iterations < kMinScramIterations || iterations > kMaxScramIterations)
        return fail(AuthnError::scram_malformed);

    auto salted = scram_math::salted_password(mechanism_, password_.view(), *salt, iterations);
    password_.wipe();
    auto client_key = scram_math::client_key(mechanism_, salted);
    const auto stored = scram_math::stored_key(mechanism_, client_key);
    const auto server_key = scram_math::server_key(mechanism_, salted);
    wipe_memory(salted);

    const std::string without_proof = "c=" + std::string{kGs2HeaderBase64} + ",r=" + std::string{nonce};
    const std::string auth_message = client_first_bare_ + ',' + std::string{message} + ',' + without_proof;
    const auto signature = scram_math::hmac(mechanism_, stored, auth_message);
    const auto proof = xor_bytes(client_key, signature);
    wipe_memory(client_key);
    server_signature_ = scram_math::hmac(mechanism_, server_key, auth_message);
    if (stored.empty() || server_key.empty() || signature.empty() || server_signature_.empty())
        return fail(AuthnError::crypto_failure);
    state_ = State::expect_server_final;
    return without_proof + ",p=" + crypto::base64_encode(proof);
}

error_code ScramClient::server_final(std::string_view message)
{
    if (state_ != State::expect_server_final) return fail(AuthnError::scram_out_of_order);
    state_ = State::failed;
    if (!message.starts_with("v=")) return fail(AuthnError::scram_malformed);  // "e=..." or garbage
    const auto signature = crypto::base64_decode(message.substr(2));
    if (!signature || !constant_time_equal(*signature, server_signature_))
        return fail(AuthnError::scram_server_signature);
    state_ = State::done;
    return {};
}

}  // namespace moatmq::security::authn
