#pragma once
// Helpers for the ACL integration tests: a broker with a Mosquitto password file and ACL file (written with
// mosquitto_passwd, as an operator migrating from Mosquitto would have them), mosquitto_pub/sub as named
// users, SIGHUP reloads. Every wait is bounded; "never delivered" checks are bounded by a marker message
// published after the forbidden ones.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "broker_process.hpp"
#include "child_process.hpp"
#include "client_tools_support.hpp"
#include "temp_dir.hpp"

namespace moatmq::test {

inline constexpr auto kAclTimeout = 20s;

// A Mosquitto-style ACL file: the general block, two users, a pattern.
inline constexpr std::string_view kSiteAcl =
    "# Mosquitto acl_file, unchanged\n"
    "topic read public/#\n"
    "\n"
    "user admin\n"
    "topic readwrite #\n"
    "\n"
    "user bob\n"
    "topic read sensors/#\n"
    "topic deny sensors/vault/#\n"
    "topic write bob/out/#\n"
    "\n"
    "pattern readwrite devices/%u/#\n";

// Users admin, bob, alice, each with the password "pw-" + name.
class AclFiles {
public:
    explicit AclFiles(std::string_view acl = kSiteAcl)
    {
        passwd_ = (dir_.path() / "passwd").string();
        for (const char* user : {"admin", "bob", "alice"}) {
            std::vector<std::string> args{"mosquitto_passwd", "-b", passwd_, user, std::string("pw-") + user};
            if (user == std::string("admin")) args.insert(args.begin() + 1, "-c");
            auto made = run_program(args, kAclTimeout);
            EXPECT_EQ(made.exit_code, 0) << made.out << made.err;
        }
        write_acl(acl);
    }

    void write_acl(std::string_view acl) { acl_ = dir_.write_file("acl", acl).string(); }

    // test_config() with [auth] and [acl] pointing at these files, and `acl_extra` keys in [acl].
    std::string config(std::string_view acl_extra = {}) const
    {
        std::string extra = "[auth]\npassword_file = \"" + passwd_ + "\"\n\n[acl]\nfile = \"" + acl_ + "\"\n";
        extra += acl_extra;
        return test_config(extra);
    }

    const std::string& acl_path() const { return acl_; }

private:
    TempDir dir_{"moatmq-acl"};
    std::string passwd_;
    std::string acl_;
};

inline std::vector<std::string> as_user(std::string_view user)
{
    return {"-u", std::string(user), "-P", "pw-" + std::string(user)};
}

// mosquitto_pub as `user`; `extra` holds the rest (-t, -m, -q, -V, ...).
inline ProgramResult mosquitto_pub_as(const BrokerProcess& broker, std::string_view user,
                                      std::vector<std::string> extra)
{
    std::vector<std::string> args{"mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(broker.port())};
    for (auto& a : as_user(user))
        args.push_back(std::move(a));
    args.insert(args.end(), extra.begin(), extra.end());
    return run_program(std::move(args), kAclTimeout);
}

// mosquitto_sub -d as `user`, printing "TOPIC PAYLOAD" lines, exiting after `count` messages or 20 s;
// returns once its SUBACK arrived (so what is published next reaches it) unless `wait_for_suback` is false
// (a resumed session's queued messages may come first and end it before).
inline std::unique_ptr<ChildProcess> mosquitto_sub_as(const BrokerProcess& broker, std::string_view user,
                                                      std::vector<std::string> extra, int count,
                                                      bool wait_for_suback = true)
{
    std::vector<std::string> args{
        "stdbuf", "-oL", "mosquitto_sub",       "-h", "127.0.0.1", "-p", std::to_string(broker.port()),
        "-d",     "-C",  std::to_string(count), "-W", "20",        "-F", "%t %p"};
    for (auto& a : as_user(user))
        args.push_back(std::move(a));
    args.insert(args.end(), extra.begin(), extra.end());
    auto sub = std::make_unique<ChildProcess>(std::move(args));
    if (wait_for_suback) {
        EXPECT_TRUE(sub->wait_for_output("received SUBACK", 10s)) << sub->out() << sub->err();
    }
    return sub;
}

// The "TOPIC PAYLOAD" lines of mosquitto_sub -d output, sorted (retained and live messages interleave).
inline std::vector<std::string> sorted_message_lines(const std::string& out)
{
    auto lines = message_lines(out);
    std::sort(lines.begin(), lines.end());
    return lines;
}

// SIGHUP, then waits for `expect` in the broker's log; the broker numbers its reloads ("(reload #1)"), so
// each reload's line is told apart from the previous ones.
inline bool reload(BrokerProcess& broker, std::string_view expect)
{
    ::kill(broker.pid(), SIGHUP);
    return broker.wait_for_log(expect, 10s);
}

}  // namespace moatmq::test
