#pragma once
// Delivery pressure: how much one drain sends, and when publishers stop being read because a session
// they deliver to is behind (issue 5, two worker threads).
//
// A publisher on one worker appends to a session's queue; the session's own worker drains it
// (ClientConnection::drain). Nothing used to bound either side: with the publishers on one worker and the
// subscriber on the other, the publishers were read faster than the subscriber's worker could encode and
// send, the queue grew by hundreds of thousands of messages, and one drain then took all of it in a single
// task that held that worker for over a second. So:
//  - a drain sends at most kDrainMessages messages or kDrainBytes queued bytes, then posts itself again,
//    so that the worker's other connections get their turn between two slices of a backlog;
//  - a session whose queue reaches the high watermark while its *worker* is what is behind pauses the
//    publishers that deliver to it (ClientLink::pause_reading): each registers as waiting, and the drain
//    that brings the queue under the low watermark posts a resume to each of them. No polling: the resume
//    is an event, and reading continues where it stopped.
//  - a session whose *client* is behind never pauses anyone: when the last drain stopped at the client's
//    in-flight window (QoS 1/2), or found the link still holding kClientBoundBytes of earlier output
//    (the socket is not taking it), the session is `client_bound`. Its QoS 0 messages are dropped at
//    [limits].max_queued_* as before, QoS 1/2 wait for its window, and publishers and other subscribers go
//    on at full speed. Waiting publishers are released as soon as a session becomes client-bound, ends, is
//    taken over or loses its connection.
// Same worker or not, the rule is the same: with one worker the drain runs between publishers' reads and
// the queue rarely reaches the watermark.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "broker/broker_options.hpp"
#include "broker/client_link.hpp"

namespace moatmq::broker {

class ClientConnection;

// One drain's slice of a session's queue: a few milliseconds of work at most. Not less than what one
// 64 KiB read of small PUBLISHes can queue for a session (about 2,000 of 32 bytes), or with one worker
// every read would leave more behind than a drain takes, and the queues would sit at the watermark
// (1,024 did that: fan-out 1 -> 100 held 2.4x the memory).
inline constexpr std::size_t kDrainMessages = 4096;
// Queued bytes (topic + payload): more than one round of 64 KiB reads by 8 publishers queues, so that
// with one worker the drain keeps up with them (with 256 KiB it fell behind every round of 1 KiB fan-in).
inline constexpr std::size_t kDrainBytes = 1024 * 1024;
// Unwritten output at which a subscriber counts as slow itself (or [limits].max_queued_bytes if lower):
// two slices, so that one slice not yet written when the next drain runs is not mistaken for it.
inline constexpr std::size_t kClientBoundBytes = 2 * kDrainBytes;

// The watermarks of one broker: high at 4 drains' worth (or half the queue limits if lower), low at half
// of that.
struct PressureLimits {
    std::size_t high_messages;
    std::size_t high_bytes;
    std::size_t client_bound_bytes;

    explicit PressureLimits(const BrokerOptions& options)
        : high_messages(
              std::max<std::size_t>(1, std::min(4 * kDrainMessages, options.max_queued_messages / 2))),
          high_bytes(std::max<std::size_t>(1, std::min(4 * kDrainBytes, options.max_queued_bytes / 2))),
          client_bound_bytes(std::min(kClientBoundBytes, options.max_queued_bytes))
    {
    }
    bool over_high(std::size_t messages, std::size_t bytes) const noexcept
    {
        return messages >= high_messages || bytes >= high_bytes;
    }
    bool under_low(std::size_t messages, std::size_t bytes) const noexcept
    {
        return messages <= high_messages / 2 && bytes <= high_bytes / 2;
    }
};

// A publisher paused for a session; resumed through its link (on its own worker).
struct WaitingPublisher {
    std::weak_ptr<ClientConnection> connection;
    std::shared_ptr<ClientLink> link;
    const ClientConnection* key = nullptr;  // to register a publisher once per session
};

// The connection publishing, as BrokerCore::publish sees it: deliver() registers it with a session that is
// behind and counts the registrations in `waits`; the connection pauses its reading when waits > 0.
struct Publisher {
    ClientConnection* connection = nullptr;
    const std::shared_ptr<ClientLink>* link = nullptr;
    std::uint32_t waits = 0;
};

}  // namespace moatmq::broker
