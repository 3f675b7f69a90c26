#pragma once
// PayloadPolicy: [policy].encrypted_topics — topic filters on which the broker accepts only end-to-end
// encrypted payloads (docs/payload-encryption.md).
//
// The broker holds no keys and does not know the envelope format: it is given a predicate, "is this
// payload acceptable on an encrypted topic", which the app wires to security::payload's shape check
// (DESIGN.md §2: the broker declares what it needs, security implements it, the app joins them). A
// payload that passes is routed byte for byte as received; nothing here ever copies or logs a payload.
//
// What is refused, on a topic matching one of the filters:
//   - a PUBLISH whose payload fails the predicate: 5.0 QoS 1 PUBACK / QoS 2 PUBREC 0x99 Payload format
//     invalid; QoS 0 and every 3.1.1 PUBLISH are dropped (3.1.1 has no way to say no). Not routed, not
//     retained. Counted (BrokerStats::messages_refused) and logged with topic and client id.
//   - a will whose payload fails it: a 5.0 CONNECT is refused with CONNACK 0x99 (the spec's code for a
//     will payload the server will not take), so the device learns it while it can still be fixed,
//     rather than silently when it dies; a 3.1.1 CONNECT is accepted and its will discarded (3.1.1 has
//     no return code for this, and it matches 3.1.1's "drop" for PUBLISH). A plaintext will is never
//     published.
// One exception: an empty payload with RETAIN set is accepted. It carries no data and is how a retained
// message is deleted [MQTT-3.3.1-6]; without it a retained envelope could never be cleared.
//
// Matching is a linear scan with codec::topic_matches: configurations hold a handful of filters. A long
// list would want the subscription trie's structure instead.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.hpp"

namespace moatmq::broker {

class PayloadPolicy {
public:
    using Predicate = std::function<bool(ByteView)>;

    // `encrypted_topics`: valid, non-shared topic filters (a "$share/..." filter would be matched as
    // literal levels); an invalid filter throws std::invalid_argument (a startup failure).
    // `acceptable`: whether a payload may travel on an encrypted topic; called on worker threads, must be
    // thread-safe. When empty while filters are set, no payload is acceptable (fail closed).
    PayloadPolicy(std::vector<std::string> encrypted_topics, Predicate acceptable);

    bool empty() const noexcept { return filters_.empty(); }

    // Whether `topic` matches one of the encrypted-topic filters.
    bool covers(std::string_view topic) const noexcept;

    // Whether a message with `payload` on `topic` (RETAIN flag `retain`) must be refused.
    bool refuses(std::string_view topic, ByteView payload, bool retain) const;

private:
    std::vector<std::string> filters_;
    Predicate acceptable_;
};

}  // namespace moatmq::broker
