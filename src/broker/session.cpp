#include "broker/session.hpp"

#include <algorithm>

namespace moatmq::broker {

std::uint16_t Session::allocate_packet_id()
{
    // Ids are handed out in increasing order, wrapping, so a freshly freed id is not reused at once.
    // The window is at most 65,535 messages, so the scan ends; in practice it is one step.
    for (int tries = 0; tries < 65535; ++tries) {
        last_packet_id = static_cast<std::uint16_t>(last_packet_id == 65535 ? 1 : last_packet_id + 1);
        const auto candidate = last_packet_id;
        const bool in_use =
            std::any_of(inflight.begin(), inflight.end(),
                        [candidate](const InflightMessage& m) { return m.packet_id == candidate; });
        if (!in_use) return candidate;
    }
    return 0;
}

std::size_t Session::drop_expired(TimePoint now, std::vector<std::uint64_t>* stored)
{
    // [MQTT-3.3.2-5]: a message whose expiry has passed and whose delivery has not started is deleted.
    return queue.remove_if([now, stored](const QueuedMessage& m) {
        const bool expired = m.message->expires_at.has_value() && *m.message->expires_at <= now;
        if (expired && stored != nullptr && m.stored_seq != 0) stored->push_back(m.stored_seq);
        return expired;
    });
}

}  // namespace moatmq::broker
