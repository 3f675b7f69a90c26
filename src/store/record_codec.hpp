#pragma once
// The store's keys and values: every record the broker persists, as bytes. Format version 1, described
// byte by byte in docs/persistence.md; a store written in another format version is refused, never
// rewritten.
//
// Keys start with one byte naming the kind of record. Records of a session share the prefix
// kind + client id length (2 bytes, big-endian) + client id, so that a session is erased with one range
// deletion per kind and loaded in one pass over the keys in order. Numbers in keys are big-endian, so
// that a session's deliveries iterate in their order.
//
//   'F'                                  format version (value: 4-byte big-endian version)
//   's' cid                              session record
//   'u' cid filter                       subscription
//   'q' cid seq(8)                       delivery: the message, QoS, retain, subscription ids
//   'f' cid seq(8)                       the delivery's progress: packet id, stage (absent = queued)
//   'i' cid packet_id(2)                 inbound QoS 2 id awaiting PUBREL (empty value)
//   'r' topic                            retained message
//
// Values start with one byte: the record's version (1). Decoding checks every length against the bytes
// present: a store is trusted less than memory (a disk can be damaged) and more than the network.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "broker/persistence.hpp"

namespace moatmq::store {

inline constexpr std::uint32_t kFormatVersion = 1;

enum class RecordKind : char {
    format = 'F',
    session = 's',
    subscription = 'u',
    delivery = 'q',
    delivery_stage = 'f',
    inbound_qos2 = 'i',
    retained = 'r',
};

// --- keys ---
std::string format_key();
// kind + client id length + client id: the prefix of every record of that kind for the session.
std::string session_prefix(RecordKind kind, std::string_view client_id);
std::string subscription_key(std::string_view client_id, std::string_view filter);
std::string delivery_key(RecordKind kind, std::string_view client_id, std::uint64_t seq);  // 'q' or 'f'
std::string inbound_key(std::string_view client_id, std::uint16_t packet_id);
std::string retained_key(std::string_view topic);
// The smallest key greater than every key starting with `prefix` (the end of a range deletion).
std::string prefix_end(std::string_view prefix);

// A key taken apart: its kind, client id (session records) and what follows it (`rest` views into the
// key given to parse_key, which must outlive it).
struct ParsedKey {
    RecordKind kind;
    std::string client_id;  // empty for 'F' and 'r'
    std::string_view rest;  // filter / seq / packet id / topic bytes
};
std::optional<ParsedKey> parse_key(std::string_view key);
std::optional<std::uint64_t> parse_seq(std::string_view rest);
std::optional<std::uint16_t> parse_packet_id(std::string_view rest);

// --- values ---
std::string encode_format(std::uint32_t version);
std::optional<std::uint32_t> decode_format(std::string_view value);

std::string encode_message(const broker::StoredMessage& message);
std::optional<broker::StoredMessage> decode_message(std::string_view value);

std::string encode_session(const broker::StoredSession& session);
// Fills the record's fields of `out` (client id comes from the key).
bool decode_session(std::string_view value, broker::StoredSession& out);

std::string encode_subscription(const broker::StoredSubscription& subscription);
std::optional<broker::StoredSubscription> decode_subscription(std::string_view filter,
                                                              std::string_view value);

std::string encode_delivery(const broker::StoredDelivery& delivery);
bool decode_delivery(std::string_view value, broker::StoredDelivery& out);

std::string encode_stage(std::uint16_t packet_id, broker::StoredStage stage);
bool decode_stage(std::string_view value, broker::StoredDelivery& out);

}  // namespace moatmq::store
