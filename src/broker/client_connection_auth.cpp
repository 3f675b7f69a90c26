// ClientConnection, part 3: authentication — the CONNECT's decision, SCRAM's AUTH exchange, delayed
// refusals (failure throttling), re-authentication (AUTH 0x19) and the audit record of every decision.
//
// A password check costs ~50 ms, so authenticate() runs through BrokerOptions::run_blocking and its
// decision comes back as a task posted to this connection's thread (ClientLink::post); requests the
// authenticator calls cheap (Authenticator::may_block: no password to verify) are decided at once. The
// task holds only a weak_ptr and the connection ignores a decision that arrives after it closed. While the
// CONNECT is being decided (State::authenticating) nothing else the client sent is processed: it waits in the
// decoder and is handled after the CONNACK. A refusal with a delay is answered at that deadline
// (next_deadline / on_timer), never by blocking a thread; until then the client's bytes are dropped.
#include <algorithm>
#include <utility>

#include "broker/broker_core.hpp"
#include "broker/client_connection.hpp"

namespace moatmq::broker {
namespace {

using codec::ReasonCode;

// The IP address of "203.0.113.5:51234" or "[::1]:51234": the throttle's key (the port changes on every
// attempt).
std::string_view address_without_port(std::string_view address)
{
    if (!address.empty() && address.front() == '[') {
        const auto end = address.find(']');
        return end == std::string_view::npos ? address : address.substr(1, end - 1);
    }
    const auto colon = address.rfind(':');
    return colon == std::string_view::npos ? address : address.substr(0, colon);
}

// Overwrites password bytes before they are freed (volatile: the stores are not optimised away).
void wipe(Bytes& bytes) noexcept
{
    volatile std::byte* p = bytes.data();
    for (std::size_t i = 0; i < bytes.size(); ++i)
        p[i] = std::byte{0};
    bytes.clear();
}

std::string_view reason_words(AuthReason reason)
{
    switch (reason) {
        case AuthReason::success:
            return "accepted";
        case AuthReason::continue_authentication:
            return "continue";
        case AuthReason::bad_username_or_password:
            return "bad user name or password";
        case AuthReason::not_authorized:
            return "not authorized";
        case AuthReason::banned:
            return "banned";
        case AuthReason::bad_authentication_method:
            return "bad authentication method";
    }
    return "refused";
}

// Everything authenticate() needs, owned, so that the job outlives nothing it borrows. The password is
// wiped when the job is done.
struct AuthJob {
    std::shared_ptr<Authenticator> authenticator;
    std::string listener;
    std::string address;
    bool tls = false;
    bool loopback = false;
    std::optional<std::string> tls_identity;
    bool tls_psk = false;
    std::uint8_t version = 5;
    std::string client_id;
    std::optional<std::string> username;
    std::optional<Bytes> password;
    std::optional<std::string> method;
    Bytes data;

    AuthJob() = default;
    AuthJob(const AuthJob&) = delete;
    AuthJob& operator=(const AuthJob&) = delete;
    ~AuthJob()
    {
        if (password) wipe(*password);
    }

    // Borrows from this job.
    AuthRequest request() const
    {
        AuthRequest r;
        r.listener = listener;
        r.remote_address = address;
        r.listener_tls = tls;
        r.listener_loopback = loopback;
        if (tls_identity) r.tls_identity = *tls_identity;
        r.tls_identity_is_psk = tls_psk;
        r.protocol_version = version;
        r.client_id = client_id;
        if (username) r.username = *username;
        if (password) r.password = ByteView{*password};
        if (method) r.auth_method = *method;
        r.auth_data = data;
        return r;
    }

    AuthDecision run()
    {
        auto decision = authenticator->authenticate(request());
        if (password) wipe(*password);
        return decision;
    }
};

}  // namespace

void ClientConnection::authenticate_connect(codec::Connect& connect)
{
    rare().claimed_username = connect.username;
    if (v5() && connect.properties.authentication_method)
        rare_->auth_method_name = *connect.properties.authentication_method;
    if (!core_.options().authenticator) {
        // No authenticator (tests, embedding): every client is anonymous; enhanced authentication is not
        // offered.
        if (connect.password) wipe(*connect.password);
        if (!rare_->auth_method_name.empty()) {
            rare_->auth_method_name.clear();
            log(LogLevel::info, "refused: unsupported authentication method");
            refuse_connect(ReasonCode::BadAuthenticationMethod, version_,
                           "authentication method not supported");
            return;
        }
        finish_connect({});
        return;
    }
    state_ = State::authenticating;
    std::optional<std::string> method;
    if (!rare_->auth_method_name.empty()) method = rare_->auth_method_name;
    Bytes data;
    if (connect.properties.authentication_data) data = std::move(*connect.properties.authentication_data);
    run_authentication(connect.username, std::move(connect.password), std::move(method), std::move(data));
}

void ClientConnection::run_authentication(std::optional<std::string> username, std::optional<Bytes> password,
                                          std::optional<std::string> method, Bytes data)
{
    auto job = std::make_shared<AuthJob>();
    job->authenticator = core_.options().authenticator;
    const ConnectionInfo& info = rare().info;  // kept while authentication may run (release_rare())
    job->listener = info.listener;
    job->address = std::string(address_without_port(remote_address()));
    job->tls = info.tls;
    job->loopback = info.listener_is_loopback;
    job->tls_identity = info.tls_identity;
    job->tls_psk = info.tls_psk;
    job->version = static_cast<std::uint8_t>(version_);
    job->client_id = client_id();
    job->username = std::move(username);
    job->password = std::move(password);
    job->method = std::move(method);
    job->data = std::move(data);

    auth_job_pending_ = true;
    const auto& run_blocking = core_.options().run_blocking;
    // A cheap decision (anonymous, a TLS identity without a password) is made here: no thread hop.
    if (!run_blocking || !job->authenticator->may_block(job->request())) {
        on_auth_decision(job->run());
        return;
    }
    const bool queued = run_blocking([job, weak = weak_from_this(), link = link_] {
        auto decision = std::make_shared<AuthDecision>(job->run());
        link->post([weak, decision] {
            if (auto self = weak.lock()) self->on_auth_decision(std::move(*decision));
        });
    });
    if (queued) return;
    auth_job_pending_ = false;
    authenticating_live_ = false;
    core_.warn("authentication workers busy: connection from " + remote_address() + " refused");
    if (state_ == State::connected) {
        close_with(ReasonCode::ServerBusy, "server busy");
    } else {
        refuse_connect(ReasonCode::ServerBusy, version_, "server busy");  // 3.1.1: 0x03 server unavailable
    }
}

void ClientConnection::on_auth_decision(AuthDecision decision)
{
    auth_job_pending_ = false;
    const bool awaited =
        state_ == State::authenticating || (state_ == State::connected && authenticating_live_);
    if (!awaited || refusal_pending()) return;  // closed (or closing) meanwhile: nobody to answer
    apply_decision(std::move(decision));
}

void ClientConnection::apply_decision(AuthDecision decision)
{
    using Outcome = AuthDecision::Outcome;
    if (decision.outcome == Outcome::continue_auth && (!v5() || !decision.conversation)) {
        decision.outcome = Outcome::reject;  // an exchange needs 5.0 AUTH packets and a conversation
        decision.reason = AuthReason::not_authorized;
        decision.log_detail = "authenticator asked to continue without a conversation";
    }

    if (decision.outcome == Outcome::continue_auth) {
        rare().conversation = std::move(decision.conversation);
        if (state_ == State::authenticating) state_ = State::auth_exchange;
        codec::Auth auth;
        auth.reason = ReasonCode::ContinueAuthentication;
        auth.properties.authentication_method = std::string(rare_->conversation->method_name());
        auth.properties.authentication_data = std::move(decision.auth_data);
        send(auth);
        return;
    }

    if (rare_) rare_->conversation.reset();
    audit(decision);
    const bool reauthentication = std::exchange(authenticating_live_, false);

    if (decision.accepted()) {
        if (reauthentication) {
            if (decision.identity != identity()) {
                close_with(ReasonCode::NotAuthorized, "re-authentication as a different identity");
                return;
            }
            codec::Auth auth;
            auth.reason = ReasonCode::Success;
            auth.properties.authentication_method = auth_method_name();
            if (!decision.auth_data.empty())
                auth.properties.authentication_data = std::move(decision.auth_data);
            send(auth);
            return;
        }
        if (decision.identity.empty()) {
            identity_.reset();
        } else {
            identity_ = std::move(decision.identity);
        }
        auth_method_ = decision.method;
        finish_connect(decision.auth_data);
        return;
    }

    if (decision.delay > Duration::zero()) {
        // Failure throttling: the answer waits; nothing more from this client is processed meanwhile.
        if (state_ == State::auth_exchange) state_ = State::authenticating;
        rare().refusal = PendingRefusal{core_.clock().now() + decision.delay, decision.reason,
                                        std::move(decision.reason_string)};
        return;
    }
    refuse_authentication(decision.reason, decision.reason_string);
}

void ClientConnection::refuse_authentication(AuthReason reason, const std::string& reason_string)
{
    if (rare_) rare_->pending_connect.reset();
    const auto code = static_cast<ReasonCode>(reason);
    if (state_ == State::connected) {
        // Re-authentication failed: DISCONNECT, which has no 0x86 or 0x8A; 0x87 says enough.
        const bool allowed = code == ReasonCode::NotAuthorized || code == ReasonCode::BadAuthenticationMethod;
        close_with(allowed ? code : ReasonCode::NotAuthorized, reason_string);
    } else {
        refuse_connect(code, version_, reason_string);  // 3.1.1: its return code (codec maps it)
    }
}

void ClientConnection::audit(const AuthDecision& decision)
{
    auto& stats = core_.stats();
    (decision.accepted() ? stats.auth_succeeded : stats.auth_failed).fetch_add(1, std::memory_order_relaxed);

    std::string username = decision.accepted() ? decision.identity : decision.attempted_user;
    if (username.empty() && !decision.accepted() && rare_ && rare_->claimed_username)
        username = *rare_->claimed_username;
    const std::string_view why =
        decision.log_detail.empty() ? reason_words(decision.reason) : std::string_view{decision.log_detail};

    std::string line = decision.accepted() ? "authenticated" : "authentication refused";
    if (authenticating_live_) line = decision.accepted() ? "re-authenticated" : "re-authentication refused";
    line += " (";
    line += to_string(decision.method);
    if (!username.empty()) line += ", user \"" + username + "\"";
    line += "): ";
    line += why;
    log(decision.security_event ? LogLevel::warning : LogLevel::info, line);

    const auto& sink = core_.options().audit_authentication;
    if (!sink) return;
    AuthAuditRecord record;
    record.listener = rare().info.listener;
    record.remote_address = remote_address();
    record.client_id = client_id();
    record.username = username;
    record.method = decision.method;
    record.success = decision.accepted();
    record.reauthentication = authenticating_live_;
    record.reason = why;
    sink(record);
}

void ClientConnection::handle_auth(codec::Auth& auth)
{
    const auto fail = [this](ReasonCode reason, std::string_view why) {
        if (state_ == State::auth_exchange) {
            log(LogLevel::info, std::string("refused: ") + std::string(why));
            refuse_connect(reason, version_, why);
        } else {
            close_with(reason, why);
        }
    };
    if (auth_method_name().empty()) {
        // No enhanced authentication was negotiated in CONNECT [MQTT-4.12.0-6].
        close_with(ReasonCode::ProtocolError, "AUTH without an authentication method");
        return;
    }
    // Every AUTH carries the CONNECT's Authentication Method [MQTT-4.12.0-5] [MQTT-4.12.1-1].
    if (auth.properties.authentication_method != auth_method_name()) {
        fail(ReasonCode::BadAuthenticationMethod, "authentication method differs from the CONNECT's");
        return;
    }
    if (auth.reason == ReasonCode::ContinueAuthentication) {
        if (!rare_->conversation) {
            fail(ReasonCode::ProtocolError, "AUTH 0x18 without an exchange in progress");
            return;
        }
        const Bytes data = auth.properties.authentication_data.value_or(Bytes{});
        apply_decision(rare_->conversation->step(data));  // HMACs only: on this thread
        return;
    }
    if (auth.reason == ReasonCode::ReAuthenticate && state_ == State::connected) {
        if (rare_->conversation || auth_job_pending_ || authenticating_live_) {
            close_with(ReasonCode::ProtocolError, "re-authentication already in progress");
            return;
        }
        start_reauthentication(auth);
        return;
    }
    fail(ReasonCode::ProtocolError, "unexpected AUTH reason code");
}

void ClientConnection::start_reauthentication(codec::Auth& auth)
{
    authenticating_live_ = true;
    // The user name is the session's identity: an exchange for another user is refused by the
    // authenticator (0x86) before any proof, so re-authentication cannot test other users' passwords.
    std::optional<std::string> username;
    if (!identity().empty()) username = identity();
    Bytes data;
    if (auth.properties.authentication_data) data = std::move(*auth.properties.authentication_data);
    run_authentication(std::move(username), std::nullopt, auth_method_name(), std::move(data));
}

}  // namespace moatmq::broker
