#pragma once
// FailureThrottle: slows down password guessing. Failed authentications are counted per source address
// and per user name within a sliding `failure_window`:
//
//   - every failed attempt is answered only after a delay that doubles per failure, from
//     `backoff_initial` up to `backoff_maximum` (the broker holds the CONNACK, it does not accept early);
//     the delay is the larger of the address's and the user name's;
//   - after `ban_after` failures within the window, the address (or user name) is banned until the window
//     has passed since the ban: attempts are refused at once, without checking the password.
//   - a success forgets the user name's failures (not the address's: one valid account must not reset an
//     address that is spraying guesses at others).
//
// A key's count restarts when `failure_window` has passed since its first counted failure. Memory is
// bounded: at most `max_tracked` keys of each kind; when full, expired keys are dropped first, then the
// one idle longest. Pure and single-threaded: time comes from the injected Clock, the owner serialises
// calls (PasswordAuthenticator holds a mutex).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.hpp"

namespace moatmq::security::authn {

struct ThrottleOptions {
    bool enabled = true;  // false: failure_backoff = "off" (bans still apply when ban_after > 0)
    std::chrono::milliseconds backoff_initial{1000};
    std::chrono::milliseconds backoff_maximum{60000};
    std::uint32_t ban_after = 20;  // 0 = never ban
    std::chrono::milliseconds failure_window{600'000};
    std::size_t max_tracked = 100'000;  // per kind (addresses, user names)
};

class FailureThrottle {
public:
    FailureThrottle(ThrottleOptions options, const Clock& clock);

    // Before checking credentials: true when the address or the user name (if any) is banned now.
    bool banned(std::string_view address, std::string_view username) const;

    // After a failed attempt: records it and returns how long to wait before answering.
    Duration record_failure(std::string_view address, std::string_view username);

    // After a successful attempt: forgets the user name's failures.
    void record_success(std::string_view username);

    // For $SYS: keys currently tracked / banned.
    std::size_t tracked() const noexcept { return addresses_.size() + usernames_.size(); }
    std::size_t banned_count() const;

private:
    struct Record {
        std::uint32_t failures = 0;
        TimePoint window_start{};
        TimePoint last_failure{};
        TimePoint banned_until{};
    };
    using Table = std::unordered_map<std::string, Record>;

    bool is_banned(const Table& table, std::string_view key, TimePoint now) const;
    Duration fail(Table& table, std::string_view key, TimePoint now);
    void make_room(Table& table, TimePoint now);
    Duration delay_for(std::uint32_t failures) const;

    ThrottleOptions options_;
    const Clock& clock_;
    Table addresses_;
    Table usernames_;
};

}  // namespace moatmq::security::authn
