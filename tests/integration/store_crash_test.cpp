// The store's promise under kill -9 (docs/persistence.md): a persistent subscriber is offline, a
// publisher sends N QoS 1 and N QoS 2 messages as fast as it can and records every PUBACK/PUBREC, and
// the broker is killed with SIGKILL after a random number of them (seeded: the seed is printed, and
// MOATMQ_CRASH_SEED repeats a run). The broker restarts on the same store; the publisher reconnects to
// its session and, as the spec asks, sends again what was not acknowledged (PUBLISH with DUP) and
// releases what was (PUBREL). The subscriber then reconnects: every message arrives, each QoS 2 one
// exactly once — those acknowledged before the crash from the store, the others from the resend, and a
// QoS 2 message stored before the crash but not acknowledged is recognised by its packet id and not
// routed twice. Raw MQTT 5.0 bytes (tests/conformance/mqtt_bytes.hpp) so that every acknowledgement is
// seen exactly as the broker sent it. Loopback only; every wait has a deadline.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>

#include "broker_process.hpp"
#include "mqtt_bytes.hpp"
#include "raw_client.hpp"
#include "temp_dir.hpp"

namespace moatmq::test {
namespace {

using namespace bytes;

constexpr int kPerQoS = 300;  // N QoS 1 and N QoS 2 messages
constexpr std::uint8_t kPuback = 4, kPubrec = 5, kPubrel = 6, kPubcomp = 7, kPublish = 3;

const Bytes kSessionExpiryHour = cat({Bytes{0x11}, u32(3600)});

std::uint32_t seed_from_environment()
{
    if (const char* text = std::getenv("MOATMQ_CRASH_SEED"))
        return static_cast<std::uint32_t>(std::strtoul(text, nullptr, 10));
    return std::random_device{}();
}

// CONNECT 5.0, clean start 0, session expiry 1 hour; returns the session present flag.
bool connect_persistent(RawClient& client, const std::string& client_id)
{
    EXPECT_TRUE(client.send(connect5(client_id, 0x00, 60, kSessionExpiryHour)));
    auto connack = read_packet(client, 10s);
    EXPECT_TRUE(connack && connack->type() == 2 && connack->body.size() >= 2 && connack->body[1] == 0x00)
        << "no successful CONNACK for " << client_id;
    return connack && !connack->body.empty() && (connack->body[0] & 1) != 0;
}

std::uint16_t ack_id(const Packet& p)
{
    return static_cast<std::uint16_t>((p.body.at(0) << 8) | p.body.at(1));
}

std::string payload_of(int i)
{
    return "message-" + std::to_string(i);
}
bool is_qos2(int i)
{
    return i % 2 == 1;
}

struct Round {
    std::set<std::uint16_t> acked;  // packet ids acknowledged (PUBACK/PUBREC success) before the kill
    int sent = 0;
};

// One crash round: returns what the publisher saw.
Round publish_and_kill(const std::string& config, std::mt19937& rng)
{
    Round round;
    BrokerProcess broker(config);
    {
        RawClient subscriber(broker.port());
        connect_persistent(subscriber, "crash-sub");
        EXPECT_TRUE(subscriber.send(subscribe5(1, "crash/#", 0x02)));
        auto suback = read_packet(subscriber, 10s);
        EXPECT_TRUE(suback && suback->type() == 9);
        EXPECT_TRUE(subscriber.send(packet(0xE0, {})));  // DISCONNECT: the session stays
        EXPECT_TRUE(subscriber.wait_closed(10s));
    }
    RawClient publisher(broker.port());
    connect_persistent(publisher, "crash-pub");
    // The moment: when the publisher has seen a random number of acknowledgements (so that the kill
    // lands while messages are both acknowledged and in flight).
    const auto kill_at =
        static_cast<std::size_t>(std::uniform_int_distribution<int>(1, 2 * kPerQoS - 1)(rng));
    std::cout << "kill -9 at acknowledgement #" << kill_at << " of " << 2 * kPerQoS << std::endl;
    const pid_t pid = broker.pid();

    // Acknowledgements are read on another thread while the publisher writes as fast as it can.
    std::thread reader([&publisher, &round, kill_at, pid] {
        for (;;) {
            auto p = read_packet(publisher, 15s);
            if (!p) return;  // the broker is gone
            if ((p->type() == kPuback || p->type() == kPubrec) &&
                (p->body.size() == 2 || (p->body.size() >= 3 && p->body[2] < 0x80))) {
                round.acked.insert(ack_id(*p));
                if (round.acked.size() == kill_at) ::kill(pid, SIGKILL);
            }
        }
    });
    for (int i = 0; i < 2 * kPerQoS; ++i) {
        const auto flags = static_cast<std::uint8_t>(is_qos2(i) ? 0x04 : 0x02);
        if (!publisher.send(publish5("crash/" + std::to_string(i % 7), payload_of(i), flags,
                                     static_cast<std::uint16_t>(i + 1)))) {
            break;
        }
        round.sent = i + 1;
    }
    reader.join();
    EXPECT_EQ(broker.stop(), 128 + SIGKILL);
    return round;
}

TEST(StoreCrash, EveryAcknowledgedMessageArrivesAfterKill9AndQoS2ExactlyOnce)
{
    const auto seed = seed_from_environment();
    std::cout << "MOATMQ_CRASH_SEED=" << seed << std::endl;
    RecordProperty("seed", std::to_string(seed));
    std::mt19937 rng(seed);

    for (int attempt = 0; attempt < 3; ++attempt) {
        SCOPED_TRACE("seed " + std::to_string(seed) + ", round " + std::to_string(attempt));
        TempDir data("moatmq-crash");
        const auto config = test_config("[store]\nsync = \"always\"\n", (data.path() / "data").string());
        const auto round = publish_and_kill(config, rng);
        ASSERT_GT(round.sent, 0);

        BrokerProcess broker(config);
        // The publisher resumes its session: resend what was not acknowledged, release what was.
        {
            RawClient publisher(broker.port());
            EXPECT_TRUE(connect_persistent(publisher, "crash-pub"));
            int expected_answers = 0;
            for (int i = 0; i < 2 * kPerQoS; ++i) {
                const auto id = static_cast<std::uint16_t>(i + 1);
                if (is_qos2(i) && round.acked.contains(id)) {
                    ASSERT_TRUE(publisher.send(packet(0x62, u16(id))));  // PUBREL
                } else if (!round.acked.contains(id)) {
                    const bool resend = i < round.sent;  // DUP only for what was sent before
                    const auto flags =
                        static_cast<std::uint8_t>((is_qos2(i) ? 0x04 : 0x02) | (resend ? 0x08 : 0));
                    ASSERT_TRUE(
                        publisher.send(publish5("crash/" + std::to_string(i % 7), payload_of(i), flags, id)));
                } else {
                    continue;  // QoS 1, acknowledged: done
                }
                ++expected_answers;
            }
            int completed = 0;
            while (completed < expected_answers) {
                auto p = read_packet(publisher, 15s);
                ASSERT_TRUE(p) << "publisher: " << completed << " of " << expected_answers
                               << " flows completed";
                if (p->type() == kPubrec) {
                    ASSERT_TRUE(publisher.send(packet(0x62, u16(ack_id(*p)))));
                } else if (p->type() == kPuback || p->type() == kPubcomp) {
                    ++completed;
                }
            }
        }

        // The subscriber comes back and takes everything.
        RawClient subscriber(broker.port());
        EXPECT_TRUE(connect_persistent(subscriber, "crash-sub")) << "the subscriber's session was lost";
        std::map<std::string, int> received;
        std::set<std::uint16_t> qos2_open;  // PUBREC sent, PUBREL not yet received
        std::size_t distinct = 0;
        while (distinct < static_cast<std::size_t>(2 * kPerQoS)) {
            auto p = read_packet(subscriber, 10s);
            if (!p) break;
            if (p->type() == kPublish) {
                const auto qos = (p->first >> 1) & 3;
                const auto id = publish_packet_id(*p);
                if (qos == 2 && qos2_open.contains(id)) continue;  // a resend of one not yet released
                if (++received[publish5_payload(*p)] == 1) ++distinct;
                if (qos == 1) {
                    ASSERT_TRUE(subscriber.send(puback(id)));
                } else if (qos == 2) {
                    qos2_open.insert(id);
                    ASSERT_TRUE(subscriber.send(packet(0x50, u16(id))));
                }
            } else if (p->type() == kPubrel) {
                qos2_open.erase(ack_id(*p));
                ASSERT_TRUE(subscriber.send(packet(0x70, u16(ack_id(*p)))));
            }
        }
        int acked_before_crash = 0;
        for (int i = 0; i < 2 * kPerQoS; ++i) {
            const auto count = received[payload_of(i)];
            const bool acked = round.acked.contains(static_cast<std::uint16_t>(i + 1));
            if (acked) ++acked_before_crash;
            const char* note = acked ? " (acknowledged before the kill)" : "";
            if (is_qos2(i)) {
                EXPECT_EQ(count, 1) << "QoS 2 " << payload_of(i) << note;
            } else {
                EXPECT_GE(count, 1) << "QoS 1 " << payload_of(i) << note;
            }
        }
        std::cout << "round " << attempt << ": " << round.sent << " sent, " << acked_before_crash
                  << " acknowledged before the kill, " << distinct << " distinct messages received"
                  << std::endl;
        if (HasFailure()) {
            std::cout << broker.log() << std::endl;
            return;
        }
    }
}

}  // namespace
}  // namespace moatmq::test
