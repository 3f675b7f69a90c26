#pragma once
// SysTopics: turns a snapshot of the broker's counters into the `$SYS/broker/...` messages that the core
// publishes periodically as retained messages. Names follow Mosquitto's where they overlap, so existing
// dashboards work:
//
//   $SYS/broker/version                              "moatmq 0.1.0"
//   $SYS/broker/uptime                               "123 seconds"
//   $SYS/broker/clients/connected                    connected clients
//   $SYS/broker/clients/total                        connected + disconnected persistent sessions
//   $SYS/broker/clients/maximum                      highest number connected at once
//   $SYS/broker/messages/received | sent             PUBLISH packets since start
//   $SYS/broker/auth/succeeded | failed              authentication decisions since start (CONNECT, AUTH)
//   $SYS/broker/acl/publish | subscribe | receive/denied   ACL denials since start
//   $SYS/broker/bytes/received | sent                bytes since start
//   $SYS/broker/publish/messages/dropped             messages dropped (queue full, slow subscriber, expired,
//                                                    too large, discarded when their session ended)
//   $SYS/broker/load/messages/received/per_second    over the interval since the previous build()
//   $SYS/broker/load/messages/sent/per_second
//   $SYS/broker/load/bytes/received/per_second
//   $SYS/broker/load/bytes/sent/per_second
//   $SYS/broker/subscriptions/count
//   $SYS/broker/retained messages/count
//
// Payloads are decimal text. Threads: one SysTopics is used by one thread (the core's $SYS timer).
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "broker/broker_stats.hpp"
#include "broker/message.hpp"
#include "common/clock.hpp"

namespace moatmq::broker {

// What one build() publishes: the core's counters plus what the router counts.
struct SysSnapshot {
    BrokerStatsSnapshot stats;
    Duration uptime{};
    std::uint64_t subscriptions = 0;  // Router::subscription_count()
    std::uint64_t retained = 0;       // Router::retained_count()
};

class SysTopics {
public:
    explicit SysTopics(std::string version);

    // Builds the $SYS messages for `snapshot` taken at `now` (retain=1, QoS 0, no origin client):
    // the first call returns every topic; later calls only those whose payload changed, since the
    // retained copy of the others is still current. Rates are per second over the time since the
    // previous call (0 on the first call or if no time has passed).
    std::vector<MessagePtr> build(const SysSnapshot& snapshot, TimePoint now);

private:
    std::string version_;
    bool first_ = true;
    TimePoint last_time_{};
    SysSnapshot last_{};
    std::map<std::string, std::string, std::less<>> last_payload_;
};

}  // namespace moatmq::broker
