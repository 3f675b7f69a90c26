#include "security/authn/failure_throttle.hpp"

#include <algorithm>

namespace moatmq::security::authn {

FailureThrottle::FailureThrottle(ThrottleOptions options, const Clock& clock)
    : options_(options), clock_(clock)
{
}

bool FailureThrottle::is_banned(const Table& table, std::string_view key, TimePoint now) const
{
    if (key.empty()) return false;
    const auto it = table.find(std::string{key});
    return it != table.end() && it->second.banned_until > now;
}

bool FailureThrottle::banned(std::string_view address, std::string_view username) const
{
    const auto now = clock_.now();
    return is_banned(addresses_, address, now) || is_banned(usernames_, username, now);
}

Duration FailureThrottle::delay_for(std::uint32_t failures) const
{
    if (!options_.enabled || failures == 0) return Duration::zero();
    auto delay = options_.backoff_initial;
    for (std::uint32_t i = 1; i < failures && delay < options_.backoff_maximum; ++i)
        delay *= 2;
    return std::min(delay, options_.backoff_maximum);
}

void FailureThrottle::make_room(Table& table, TimePoint now)
{
    if (table.size() < options_.max_tracked) return;
    std::erase_if(table, [&](const auto& item) {
        const auto& r = item.second;
        return r.banned_until <= now && now - r.window_start >= options_.failure_window;
    });
    if (table.size() < options_.max_tracked) return;
    // Still full of live keys: drop the one idle longest that is not banned, else the oldest ban.
    auto victim = table.end();
    for (auto it = table.begin(); it != table.end(); ++it) {
        if (victim == table.end()) {
            victim = it;
            continue;
        }
        const bool it_banned = it->second.banned_until > now;
        const bool victim_banned = victim->second.banned_until > now;
        if ((victim_banned && !it_banned) ||
            (victim_banned == it_banned && it->second.last_failure < victim->second.last_failure))
            victim = it;
    }
    if (victim != table.end()) table.erase(victim);
}

Duration FailureThrottle::fail(Table& table, std::string_view key, TimePoint now)
{
    if (key.empty()) return Duration::zero();
    auto it = table.find(std::string{key});
    if (it == table.end()) {
        make_room(table, now);
        it = table.emplace(std::string{key}, Record{}).first;
    }
    auto& r = it->second;
    if (r.failures == 0 || now - r.window_start >= options_.failure_window) {
        r.failures = 0;
        r.window_start = now;
    }
    ++r.failures;
    r.last_failure = now;
    if (options_.ban_after != 0 && r.failures >= options_.ban_after) {
        r.banned_until = now + options_.failure_window;
        // The ban lasts one window; counting starts afresh after it.
        r.failures = 0;
        r.window_start = r.banned_until;
    }
    return delay_for(r.failures == 0 ? options_.ban_after : r.failures);
}

Duration FailureThrottle::record_failure(std::string_view address, std::string_view username)
{
    const auto now = clock_.now();
    const auto a = fail(addresses_, address, now);
    const auto u = fail(usernames_, username, now);
    return std::max(a, u);
}

void FailureThrottle::record_success(std::string_view username)
{
    if (!username.empty()) usernames_.erase(std::string{username});
}

std::size_t FailureThrottle::banned_count() const
{
    const auto now = clock_.now();
    const auto count = [now](const Table& t) {
        return static_cast<std::size_t>(std::count_if(
            t.begin(), t.end(), [now](const auto& item) { return item.second.banned_until > now; }));
    };
    return count(addresses_) + count(usernames_);
}

}  // namespace moatmq::security::authn
