#include "broker/sys_topics.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>

namespace moatmq::broker {
namespace {

using namespace std::chrono_literals;

std::map<std::string, std::string> by_topic(const std::vector<MessagePtr>& messages)
{
    std::map<std::string, std::string> values;
    for (const auto& m : messages)
        values[m->topic] = std::string(as_chars(m->payload));
    return values;
}

SysSnapshot snapshot()
{
    SysSnapshot s;
    s.stats.clients_connected = 3;
    s.stats.clients_maximum = 5;
    s.stats.clients_total = 7;
    s.stats.messages_received = 100;
    s.stats.messages_sent = 200;
    s.stats.messages_dropped = 1;
    s.stats.bytes_received = 1000;
    s.stats.bytes_sent = 2000;
    s.uptime = 42s;
    s.subscriptions = 9;
    s.retained = 4;
    return s;
}

TEST(SysTopics, FirstBuildPublishesEveryTopicAsRetainedQoS0)
{
    ManualClock clock;
    SysTopics sys("0.1.0");
    auto messages = sys.build(snapshot(), clock.now());
    for (const auto& m : messages) {
        EXPECT_TRUE(m->retain);
        EXPECT_EQ(m->qos, codec::QoS::at_most_once);
        EXPECT_TRUE(m->topic.starts_with("$SYS/broker/"));
        EXPECT_TRUE(m->origin_client_id.empty());
        EXPECT_FALSE(m->expires_at);
    }
    auto values = by_topic(messages);
    EXPECT_EQ(values.size(), messages.size());
    EXPECT_EQ(values["$SYS/broker/version"], "moatmq 0.1.0");
    EXPECT_EQ(values["$SYS/broker/uptime"], "42 seconds");
    EXPECT_EQ(values["$SYS/broker/clients/connected"], "3");
    EXPECT_EQ(values["$SYS/broker/clients/maximum"], "5");
    EXPECT_EQ(values["$SYS/broker/clients/total"], "7");
    EXPECT_EQ(values["$SYS/broker/messages/received"], "100");
    EXPECT_EQ(values["$SYS/broker/messages/sent"], "200");
    EXPECT_EQ(values["$SYS/broker/publish/messages/dropped"], "1");
    EXPECT_EQ(values["$SYS/broker/bytes/received"], "1000");
    EXPECT_EQ(values["$SYS/broker/bytes/sent"], "2000");
    EXPECT_EQ(values["$SYS/broker/subscriptions/count"], "9");
    EXPECT_EQ(values["$SYS/broker/retained messages/count"], "4");
    EXPECT_EQ(values["$SYS/broker/load/messages/received/per_second"], "0");  // no interval yet
    EXPECT_EQ(values["$SYS/broker/load/bytes/sent/per_second"], "0");
}

TEST(SysTopics, RatesArePerSecondOverTheInterval)
{
    ManualClock clock;
    SysTopics sys("0.1.0");
    SysSnapshot s = snapshot();
    sys.build(s, clock.now());

    clock.advance(10s);
    s.uptime += 10s;
    s.stats.messages_received += 500;
    s.stats.messages_sent += 2000;
    s.stats.bytes_received += 10'000;
    s.stats.bytes_sent += 5;  // below one per second
    auto values = by_topic(sys.build(s, clock.now()));
    EXPECT_EQ(values["$SYS/broker/load/messages/received/per_second"], "50");
    EXPECT_EQ(values["$SYS/broker/load/messages/sent/per_second"], "200");
    EXPECT_EQ(values["$SYS/broker/load/bytes/received/per_second"], "1000");
    EXPECT_EQ(values.count("$SYS/broker/load/bytes/sent/per_second"), 0u);  // still "0": not re-sent
    EXPECT_EQ(values["$SYS/broker/messages/received"], "600");
    EXPECT_EQ(values["$SYS/broker/uptime"], "52 seconds");
}

TEST(SysTopics, LaterBuildsPublishOnlyWhatChanged)
{
    ManualClock clock;
    SysTopics sys("0.1.0");
    SysSnapshot s = snapshot();
    sys.build(s, clock.now());

    clock.advance(10s);
    s.uptime += 10s;
    s.stats.clients_connected = 4;
    auto values = by_topic(sys.build(s, clock.now()));
    EXPECT_EQ(values, (std::map<std::string, std::string>{{"$SYS/broker/uptime", "52 seconds"},
                                                          {"$SYS/broker/clients/connected", "4"}}));

    // Nothing changed at all: nothing to publish.
    EXPECT_TRUE(sys.build(s, clock.now()).empty());
}

TEST(SysTopics, CounterGoingBackwardsGivesZeroRate)
{
    ManualClock clock;
    SysTopics sys("0.1.0");
    SysSnapshot s = snapshot();
    sys.build(s, clock.now());
    clock.advance(1s);
    s.stats.messages_received -= 10;
    auto values = by_topic(sys.build(s, clock.now()));
    EXPECT_EQ(values.count("$SYS/broker/load/messages/received/per_second"), 0u);  // still "0"
}

}  // namespace
}  // namespace moatmq::broker
