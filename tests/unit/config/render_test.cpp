#include "config/render.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/default_config.hpp"
#include "config/loader.hpp"
#include "config_printer.hpp"

namespace moatmq::config {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

Config round_trip(const Config& config)
{
    const std::string text = render_effective(config);
    auto again = load_config_string(text, "rendered.toml", "/elsewhere");
    if (!again) {
        ADD_FAILURE() << again.error().to_string() << "\n" << text;
        return {};
    }
    return *again;
}

TEST(RenderEffective, DefaultRoundTrips)
{
    const auto config = load_default_config().value();
    EXPECT_EQ(round_trip(config), config);
}

TEST(RenderEffective, EveryKeySetRoundTrips)
{
    auto config = load_config_string(R"([broker]
data_dir = "d"
threads = 3
sys_interval = "1500ms"
response_information_prefix = "r/\"q\"\\"
[[listener]]
name = "a"
bind = "[::1]:0"
protocol = "ws"
allow_anonymous = false
  [listener.tls]
  cert = "c.pem"
  key = "k.pem"
  ca = "ca.pem"
  client_cert = "optional"
  identity = "san-email"
  min_version = "1.3"
  crl = "crl.pem"
  psk_file = "psk"
  verify_depth = 7
  ocsp_response = "ocsp.der"
  ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256"
  ciphersuites = "TLS_AES_128_GCM_SHA256"
  groups = "X25519"
  key_passphrase_file = "pass"
  [[listener.tls.sni]]
  host = "a.example"
  cert = "a.crt"
  key = "a.key"
  [[listener.tls.sni]]
  host = "*.iot.example"
  cert = "iot.crt"
  key = "iot.key"
[[listener]]
name = "b"
bind = "0.0.0.0:1883"
[auth]
password_file = "passwd"
allow_anonymous = true
allow_plaintext_passwords = true
scram = ["sha512"]
failure_backoff = "off"
ban_after = 0
failure_window = "90s"
rehash_on_login = true
[acl]
file = "acl"
default = "allow"
strict_subscribe = true
disconnect_on_denied_publish = true
[policy]
encrypted_topics = ["x/#", "+/y"]
[store]
sync = "none"
sync_interval = "2s"
[log]
level = "trace"
format = "json"
audit_file = "audit.log"
[limits]
max_packet_size = "64KiB"
max_connections = 9
max_queued_messages = 8
max_queued_bytes = "3MiB"
max_inflight_messages = 7
receive_maximum = 6
topic_alias_maximum = 5
max_client_id_length = 64
connect_timeout = "3s"
max_keep_alive = "120s"
max_session_expiry = "2h"
max_qos = 0
retain_available = false
wildcard_subscription_available = false
subscription_identifier_available = false
shared_subscription_available = false
)",
                                     "all.toml", "/srv")
                      .value();
    EXPECT_EQ(round_trip(config), config);
}

TEST(RenderEffective, WritesSizesInBytesAndPathsAbsolute)
{
    const auto config =
        load_config_string("[[listener]]\nbind = \"127.0.0.1:1883\"\n[limits]\nmax_packet_size = \"1MiB\"\n",
                           "t", "/srv/moatmq")
            .value();
    const std::string text = render_effective(config);
    EXPECT_THAT(text, HasSubstr("max_packet_size = 1048576\n"));
    EXPECT_THAT(text, HasSubstr("max_queued_bytes = 8388608\n"));
    EXPECT_THAT(text, HasSubstr("data_dir = \"/srv/moatmq/moatmq-data\"\n"));
    EXPECT_THAT(text, HasSubstr("connect_timeout = \"10s\"\n"));
    EXPECT_THAT(text, HasSubstr("max_session_expiry = \"never\"\n"));
    EXPECT_THAT(text, HasSubstr("failure_backoff = \"1s..1m\"\n"));
    EXPECT_THAT(text, HasSubstr("# password_file is not set\n"));
    EXPECT_THAT(text, HasSubstr("# allow_anonymous is not set: false from [auth]\n"));
    EXPECT_THAT(text, Not(HasSubstr("[listener.tls]")));
}

TEST(RenderEffective, ListenerDefaultsAreWrittenOut)
{
    const auto config = load_config_string("[[listener]]\nbind = \"127.0.0.1:1\"\n", "t", "/").value();
    const std::string text = render_effective(config);
    EXPECT_THAT(text,
                HasSubstr("[[listener]]\nname = \"127.0.0.1:1\"\nbind = \"127.0.0.1:1\"\n# loopback only\n"
                          "protocol = \"mqtt\"\n"));
    EXPECT_EQ(round_trip(config), config);
}

TEST(RenderEffective, EscapesStringsSoHostileValuesStayStrings)
{
    auto config = load_config_string(
                      "[[listener]]\nbind = \"127.0.0.1:1\"\n[broker]\nresponse_information_prefix = "
                      "\"a\\nb = 1\\u0007\\\"\"\n",
                      "t", "/")
                      .value();
    EXPECT_EQ(config.broker.response_information_prefix, "a\nb = 1\a\"");
    EXPECT_THAT(render_effective(config),
                HasSubstr("response_information_prefix = \"a\\u000ab = 1\\u0007\\\"\"\n"));
    EXPECT_EQ(round_trip(config), config);
}

}  // namespace
}  // namespace moatmq::config
