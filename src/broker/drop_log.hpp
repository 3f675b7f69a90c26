#pragma once
// DropLog: the log line for messages discarded because their session ended (a clean session closed, or
// a session expired) with messages still queued for it, or because no member of a shared subscription
// group was left to take them. Every such message is counted in $SYS/broker/publish/messages/dropped
// at once; the log gets at most one summary line per `interval` (a broker with many short clean sessions
// would otherwise log one line per disconnect), naming the number of messages and sessions since the
// last line and the latest client. Thread-safe (a leaf mutex).
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"

namespace moatmq::broker {

class DropLog {
public:
    explicit DropLog(Duration interval) : interval_(interval) {}

    // Notes `messages` discarded with the session of `client_id`; returns the line to log now, if one is
    // due (the first discard, or the first after `interval` since the last line).
    std::optional<std::string> note(TimePoint now, std::uint64_t messages, std::string_view client_id)
    {
        if (messages == 0) return std::nullopt;
        std::lock_guard lock(mutex_);
        messages_ += messages;
        ++sessions_;
        latest_client_ = client_id;
        return due_locked(now);
    }

    // What was noted since the last line, if a line is due now (called from the broker's timer).
    std::optional<std::string> flush(TimePoint now)
    {
        std::lock_guard lock(mutex_);
        if (messages_ == 0) return std::nullopt;
        return due_locked(now);
    }

private:
    std::optional<std::string> due_locked(TimePoint now)
    {
        if (last_line_ && now - *last_line_ < interval_) return std::nullopt;
        std::string line = std::to_string(messages_) + " undelivered message" + (messages_ == 1 ? "" : "s") +
                           " discarded as " + std::to_string(sessions_) + " session" +
                           (sessions_ == 1 ? "" : "s") + " ended (latest: client " + latest_client_ + ")";
        last_line_ = now;
        messages_ = 0;
        sessions_ = 0;
        latest_client_.clear();
        return line;
    }

    const Duration interval_;
    std::mutex mutex_;
    std::optional<TimePoint> last_line_;
    std::uint64_t messages_ = 0;
    std::uint64_t sessions_ = 0;
    std::string latest_client_;
};

}  // namespace moatmq::broker
