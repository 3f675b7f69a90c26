#include "security/authz/acl_authorizer.hpp"

#include <atomic>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "common/string_hash.hpp"

namespace moatmq::security::authz {

struct AclAuthorizer::Shared {
    Shared(std::shared_ptr<const AclPolicy> p, Reporter r, const Clock& c)
        : policy(std::move(p)), reporter(std::move(r)), clock(c)
    {
    }

    std::shared_ptr<const AclPolicy> current() const
    {
        std::lock_guard lock(mutex);
        return policy;
    }

    mutable std::mutex mutex;  // guards policy
    std::shared_ptr<const AclPolicy> policy;
    std::atomic<std::uint64_t> generation{1};
    const Reporter reporter;
    const Clock& clock;
};

namespace {

// Bits of a cached decision.
constexpr std::uint8_t kPublishKnown = 1;
constexpr std::uint8_t kPublishAllowed = 2;
constexpr std::uint8_t kReceiveKnown = 4;
constexpr std::uint8_t kReceiveAllowed = 8;

class AclPermissions final : public broker::ClientPermissions {
public:
    AclPermissions(std::shared_ptr<AclAuthorizer::Shared> shared, broker::ClientIdentity identity)
        : shared_(std::move(shared)), identity_(std::move(identity))
    {
        refresh();
    }

    bool may_publish(std::string_view topic) override
    {
        const bool allowed = cached(topic, kPublishKnown, kPublishAllowed,
                                    [this](std::string_view t) { return rules_.may_publish(t); });
        if (!allowed) report(AclAction::publish, topic, false);
        return allowed;
    }

    bool may_receive(std::string_view topic) override
    {
        const bool allowed = cached(topic, kReceiveKnown, kReceiveAllowed,
                                    [this](std::string_view t) { return rules_.may_receive(t); });
        if (!allowed) report(AclAction::receive, topic, false);
        return allowed;
    }

    bool may_subscribe(std::string_view filter) override
    {
        check_generation();
        const bool allowed = rules_.may_subscribe(filter);
        report(AclAction::subscribe, filter, allowed);
        return allowed;
    }

private:
    void refresh()
    {
        generation_ = shared_->generation.load(std::memory_order_acquire);
        auto policy = shared_->current();
        rules_ = policy->rules_for(identity_.username, identity_.client_id);
        cache_.clear();
    }

    void check_generation()
    {
        if (shared_->generation.load(std::memory_order_relaxed) != generation_) refresh();
    }

    template <class Decide>
    bool cached(std::string_view topic, std::uint8_t known, std::uint8_t allowed_bit, Decide decide)
    {
        check_generation();
        auto it = cache_.find(topic);
        if (it != cache_.end() && (it->second & known)) return (it->second & allowed_bit) != 0;
        const bool allowed = decide(topic);
        if (it == cache_.end()) {
            if (cache_.size() >= kMaxCachedTopics) cache_.clear();
            it = cache_.emplace(std::string(topic), std::uint8_t{0}).first;
        }
        it->second = static_cast<std::uint8_t>(it->second | known | (allowed ? allowed_bit : 0));
        return allowed;
    }

    void report(AclAction action, std::string_view topic, bool allowed)
    {
        if (!shared_->reporter) return;
        const auto now = shared_->clock.now();
        if (reported_in_window_ == 0 || now - window_start_ >= kReportWindow) {
            window_start_ = now;
            reported_in_window_ = 0;
        }
        if (reported_in_window_ >= kReportBurst) {
            ++suppressed_;
            return;
        }
        ++reported_in_window_;
        AclDecisionRecord record;
        record.username = identity_.username;
        record.client_id = identity_.client_id;
        record.listener = identity_.listener;
        record.remote_address = identity_.remote_address;
        record.action = action;
        record.topic = topic;
        record.allowed = allowed;
        record.suppressed = std::exchange(suppressed_, 0);
        shared_->reporter(record);
    }

    std::shared_ptr<AclAuthorizer::Shared> shared_;
    broker::ClientIdentity identity_;
    std::uint64_t generation_ = 0;
    IdentityRules rules_;
    std::unordered_map<std::string, std::uint8_t, StringHash, std::equal_to<>> cache_;
    TimePoint window_start_{};
    std::uint32_t reported_in_window_ = 0;
    std::uint64_t suppressed_ = 0;
};

}  // namespace

std::string_view to_string(AclAction action) noexcept
{
    switch (action) {
        case AclAction::publish:
            return "publish";
        case AclAction::subscribe:
            return "subscribe";
        case AclAction::receive:
            return "receive";
    }
    return "?";
}

AclAuthorizer::AclAuthorizer(std::shared_ptr<const AclPolicy> policy, Reporter reporter, const Clock& clock)
    : shared_(std::make_shared<Shared>(std::move(policy), std::move(reporter), clock))
{
}

AclAuthorizer::~AclAuthorizer() = default;

void AclAuthorizer::replace(std::shared_ptr<const AclPolicy> policy)
{
    {
        std::lock_guard lock(shared_->mutex);
        shared_->policy = std::move(policy);
    }
    shared_->generation.fetch_add(1, std::memory_order_release);
}

std::shared_ptr<const AclPolicy> AclAuthorizer::policy() const
{
    return shared_->current();
}

std::unique_ptr<broker::ClientPermissions> AclAuthorizer::permissions_for(
    broker::ClientIdentity identity) const
{
    return std::make_unique<AclPermissions>(shared_, std::move(identity));
}

}  // namespace moatmq::security::authz
