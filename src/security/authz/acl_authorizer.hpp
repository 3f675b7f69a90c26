#pragma once
// AclAuthorizer: the broker's Authorizer (broker/authorizer.hpp) over an AclPolicy, with what makes it fit
// for the hot path and for operations:
//
// Speed. permissions_for() compiles the client's IdentityRules once per connection (the general and user
// blocks are shared, only its own pattern lines are substituted). Each connection then keeps a small cache
// topic -> decision, so the check on every delivery is usually one hash lookup: a decision on a topic seen
// before costs a hash of the topic, whatever the number of rules. The cache is bounded (kMaxCachedTopics;
// emptied when full, so a client cycling through topics costs rule walks, never memory).
//
// Reload. replace() swaps the policy atomically (SIGHUP). Every connection notices on its next check (one
// relaxed atomic load of a generation counter), recompiles its rules and empties its cache: new rules
// apply at once to existing connections, their subscriptions and their queued messages.
//
// Audit. Every denial, and every subscribe decision, is handed to the Reporter, at most kReportBurst per
// connection per kReportWindow; what is held back is counted and reported with the next record
// (`suppressed`). A client hammering a forbidden topic thus costs a few lines a minute, not one per packet.
//
// Threads: AclAuthorizer is thread-safe; each ClientPermissions is used on one thread (its connection's).
// The Reporter is called on worker threads and must be thread-safe.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "broker/authorizer.hpp"
#include "common/clock.hpp"
#include "security/authz/acl_policy.hpp"

namespace moatmq::security::authz {

enum class AclAction : std::uint8_t { publish, subscribe, receive };
std::string_view to_string(AclAction action) noexcept;

struct AclDecisionRecord {
    std::string_view username;  // "" = anonymous
    std::string_view client_id;
    std::string_view listener;        // may be empty
    std::string_view remote_address;  // may be empty
    AclAction action = AclAction::publish;
    std::string_view topic;  // the topic, or the filter for subscribe
    bool allowed = false;
    std::uint64_t suppressed = 0;  // this connection's records held back by the rate limit since the last one
};

inline constexpr std::size_t kMaxCachedTopics = 1024;
inline constexpr std::uint32_t kReportBurst = 20;
inline constexpr std::chrono::seconds kReportWindow{60};

class AclAuthorizer final : public broker::Authorizer {
public:
    using Reporter = std::function<void(const AclDecisionRecord&)>;

    // `clock` must outlive every ClientPermissions handed out. `reporter` may be empty.
    AclAuthorizer(std::shared_ptr<const AclPolicy> policy, Reporter reporter, const Clock& clock);
    ~AclAuthorizer() override;

    // Installs new rules for every connection, existing ones included. Thread-safe.
    void replace(std::shared_ptr<const AclPolicy> policy);
    std::shared_ptr<const AclPolicy> policy() const;

    std::unique_ptr<broker::ClientPermissions> permissions_for(
        broker::ClientIdentity identity) const override;

    struct Shared;

private:
    std::shared_ptr<Shared> shared_;
};

}  // namespace moatmq::security::authz
