#include "broker/session.hpp"

namespace moatmq::broker {

namespace {

// The id after `id` in the order ids are handed out: 1..65535, wrapping.
std::uint16_t next_id(std::uint16_t id) noexcept
{
    return static_cast<std::uint16_t>(id == 65535 ? 1 : id + 1);
}

// How many steps from `from` to `to` in that order (0 when equal).
std::uint32_t steps(std::uint16_t from, std::uint16_t to) noexcept
{
    const std::uint32_t a = from == 0 ? 65535U : from;
    const std::uint32_t b = to == 0 ? 65535U : to;
    return b >= a ? b - a : b + 65535U - a;
}

}  // namespace

std::uint16_t Session::allocate_packet_id()
{
    // Ids are handed out in increasing order, wrapping, so a freshly freed id is not reused at once.
    // One scan of the window finds the nearest id in use ahead of last_packet_id; every id before it is
    // free, and ids are only freed (or taken here) until the next scan, so about one scan per 65,535
    // ids instead of one per message.
    for (int scans = 0; free_ids_ahead == 0; ++scans) {
        if (scans == 65535 || inflight.size() >= 65535) return 0;
        std::uint32_t nearest = 65535;  // no id in use ahead: all but last_packet_id itself are free
        for (const auto& m : inflight) {
            const auto d = steps(last_packet_id, m.packet_id);
            if (d != 0 && d < nearest) nearest = d;
        }
        if (nearest == 1) {
            last_packet_id = next_id(last_packet_id);  // the next id is in use: step over it, scan again
        } else {
            free_ids_ahead = static_cast<std::uint16_t>(nearest - 1);
        }
    }
    --free_ids_ahead;
    last_packet_id = next_id(last_packet_id);
    return last_packet_id;
}

void Session::enqueue(QueuedMessage item)
{
    if (const auto& at = item.message->expires_at; at && *at < queued_expiry_bound) queued_expiry_bound = *at;
    queue.push_back(std::move(item));
}

std::size_t Session::drop_expired(TimePoint now, std::vector<std::uint64_t>* stored)
{
    // Every drain asks; the queue is scanned only once something in it may have expired.
    if (now < queued_expiry_bound) return 0;
    // [MQTT-3.3.2-5]: a message whose expiry has passed and whose delivery has not started is deleted.
    auto bound = TimePoint::max();
    const auto dropped = queue.remove_if([now, stored, &bound](const QueuedMessage& m) {
        const auto& at = m.message->expires_at;
        const bool expired = at.has_value() && *at <= now;
        if (expired && stored != nullptr && m.stored_seq != 0) stored->push_back(m.stored_seq);
        if (at && !expired && *at < bound) bound = *at;
        return expired;
    });
    queued_expiry_bound = bound;
    return dropped;
}

}  // namespace moatmq::broker
