#include "config/loader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "config_printer.hpp"
#include "temp_dir.hpp"

namespace moatmq::config {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr std::string_view kListener = "[[listener]]\nbind = \"127.0.0.1:1883\"\n";

ConfigResult<Config> load(std::string_view text)
{
    return load_config_string(text, "test.toml", "/etc/moatmq");
}

// Loads `text`, which must fail, and returns "test.toml:LINE: message".
std::string error_of(std::string_view text)
{
    auto config = load(text);
    if (config) return "(loaded without error)";
    return config.error().to_string();
}

// ---- what loads ----

TEST(Loader, MinimalConfigGetsEveryDefault)
{
    auto config = load(kListener).value();
    ASSERT_EQ(config.listeners.size(), 1U);
    const auto& listener = config.listeners[0];
    EXPECT_EQ(listener.name, "127.0.0.1:1883");  // defaults to the bind text
    EXPECT_EQ(listener.bind.to_string(), "127.0.0.1:1883");
    EXPECT_EQ(listener.protocol, ListenerProtocol::mqtt);
    EXPECT_EQ(listener.allow_anonymous, std::nullopt);
    EXPECT_FALSE(listener.require_password);
    EXPECT_EQ(listener.tls, std::nullopt);

    Config expected;
    expected.listeners = config.listeners;
    expected.broker.data_dir = "/etc/moatmq/moatmq-data";  // relative default resolved like any path
    EXPECT_EQ(config, expected);
    EXPECT_FALSE(allow_anonymous(config, listener));  // anonymous is opt-in
    EXPECT_EQ(config.limits.connect_timeout, 10s);
    EXPECT_EQ(config.broker.sys_interval, 10s);
    EXPECT_EQ(config.limits.max_packet_size, 1024U * 1024);
}

TEST(Loader, AListenerCanRequireAPasswordAsWellAsACertificate)
{
    auto config = load(std::string(kListener) + "require_password = true\n").value();
    EXPECT_TRUE(config.listeners.at(0).require_password);
    EXPECT_THAT(error_of(std::string(kListener) + "require_password = \"yes\"\n"),
                StartsWith("test.toml:3:"));
}

constexpr std::string_view kDesignExample = R"([broker]
data_dir = "moatmq-data"        # store, generated dev certificates
threads  = 0                    # 0 = one per core

[[listener]]
name = "local"
bind = "127.0.0.1:1883"
protocol = "mqtt"               # mqtt | ws
allow_anonymous = true          # per-listener override of [auth].allow_anonymous

[[listener]]
name = "secure"
bind = "0.0.0.0:8883"
protocol = "mqtt"
  [listener.tls]
  cert = "certs/server.crt"
  key  = "certs/server.key"
  ca   = "certs/ca.crt"         # trust anchors for client certificates
  client_cert = "require"       # none | optional | require
  identity = "cn"               # none | cn | san-dns | san-email | san-uri | subject  -> becomes the username
  min_version = "1.2"           # 1.2 | 1.3
  crl = "certs/crl.pem"         # optional
  psk_file = "psk"              # optional, TLS-PSK: lines "identity:hexkey"

[auth]
password_file = "passwd"        # argon2id lines, and Mosquitto $6$/$7$ lines as they are
allow_anonymous = false
allow_plaintext_passwords = false   # a password over a non-TLS listener that is not loopback is refused
scram = ["sha256", "sha512"]    # MQTT 5 enhanced authentication methods offered
failure_backoff = "1s..60s"     # delay before answering a failed attempt
ban_after = 20                  # failures within failure_window that ban the address/username
failure_window = "10m"

[acl]
file = "acl"                    # Mosquitto acl_file grammar
default = "deny"                # when an ACL is configured
strict_subscribe = false        # true: grant only filters wholly covered by read rules

[policy]
encrypted_topics = []           # filters on which only end-to-end encrypted payload envelopes are accepted

[store]
sync = "always"                 # always (group commit before the ack) | periodic | none

[log]
level = "info"                  # trace | debug | info | warn | error
format = "text"                 # text | json
audit_file = "audit.log"        # JSON lines: every authentication and authorisation decision

[limits]
max_packet_size = "1MiB"            # sizes: bytes as an integer, or a string with KiB | MiB | GiB
max_connections = 100000
max_queued_messages = 1000      # per session
)";

TEST(Loader, TheExampleOfDesignSection5Loads)
{
    auto config = load(kDesignExample).value();
    ASSERT_EQ(config.listeners.size(), 2U);
    EXPECT_EQ(config.listeners[0].name, "local");
    EXPECT_TRUE(config.listeners[0].bind.is_loopback());
    EXPECT_EQ(config.listeners[0].allow_anonymous, true);
    const auto& secure = config.listeners[1];
    EXPECT_EQ(secure.name, "secure");
    EXPECT_TRUE(secure.bind.is_unspecified());
    ASSERT_TRUE(secure.tls.has_value());
    EXPECT_EQ(secure.tls->cert, Path("/etc/moatmq/certs/server.crt"));
    EXPECT_EQ(secure.tls->key, Path("/etc/moatmq/certs/server.key"));
    EXPECT_EQ(secure.tls->ca, Path("/etc/moatmq/certs/ca.crt"));
    EXPECT_EQ(secure.tls->client_cert, ClientCertMode::require);
    EXPECT_EQ(secure.tls->identity, CertIdentity::cn);
    EXPECT_EQ(secure.tls->min_version, TlsVersion::v1_2);
    EXPECT_EQ(secure.tls->crl, Path("/etc/moatmq/certs/crl.pem"));
    EXPECT_EQ(secure.tls->psk_file, Path("/etc/moatmq/psk"));
    EXPECT_FALSE(allow_anonymous(config, secure));
    EXPECT_EQ(config.auth.password_file, Path("/etc/moatmq/passwd"));
    EXPECT_EQ(config.auth.scram, (std::vector{ScramMechanism::sha256, ScramMechanism::sha512}));
    EXPECT_EQ(config.auth.failure_backoff, (BackoffRange{1s, 60s}));
    EXPECT_EQ(config.auth.ban_after, 20U);
    EXPECT_EQ(config.auth.failure_window, 10min);
    EXPECT_EQ(config.acl.file, Path("/etc/moatmq/acl"));
    EXPECT_EQ(config.acl.default_action, AclDefault::deny);
    EXPECT_TRUE(config.policy.encrypted_topics.empty());
    EXPECT_EQ(config.store.sync, StoreSync::always);
    EXPECT_EQ(config.log.audit_file, Path("/etc/moatmq/audit.log"));
    EXPECT_EQ(config.limits.max_packet_size, 1024U * 1024);
    EXPECT_EQ(config.limits.max_connections, 100000U);
    EXPECT_EQ(config.limits.max_queued_messages, 1000U);
}

TEST(Loader, ReadsEveryLimitsKey)
{
    auto config = load(std::string(kListener) + R"([limits]
max_packet_size = 65536
max_connections = 10
max_queued_messages = 5
max_queued_bytes = "64KiB"
max_inflight_messages = 20
receive_maximum = 30
topic_alias_maximum = 0
max_client_id_length = 23
connect_timeout = "500ms"
max_keep_alive = "60s"
max_session_expiry = "1h"
max_qos = 1
retain_available = false
wildcard_subscription_available = false
subscription_identifier_available = false
shared_subscription_available = false
)")
                      .value();
    const LimitsConfig& l = config.limits;
    EXPECT_EQ(l.max_packet_size, 65536U);
    EXPECT_EQ(l.max_connections, 10U);
    EXPECT_EQ(l.max_queued_messages, 5U);
    EXPECT_EQ(l.max_queued_bytes, 65536U);
    EXPECT_EQ(l.max_inflight_messages, 20);
    EXPECT_EQ(l.receive_maximum, 30);
    EXPECT_EQ(l.topic_alias_maximum, 0);
    EXPECT_EQ(l.max_client_id_length, 23U);
    EXPECT_EQ(l.connect_timeout, 500ms);
    EXPECT_EQ(l.max_keep_alive, 60s);
    EXPECT_EQ(l.max_session_expiry, 1h);
    EXPECT_EQ(l.max_qos, 1);
    EXPECT_FALSE(l.retain_available);
    EXPECT_FALSE(l.wildcard_subscription_available);
    EXPECT_FALSE(l.subscription_identifier_available);
    EXPECT_FALSE(l.shared_subscription_available);
}

TEST(Loader, ReadsBrokerStoreLogAclAndPolicyKeys)
{
    auto config = load(std::string(kListener) + R"([broker]
data_dir = "/var/lib/moatmq"
threads = 4
sys_interval = "0s"
response_information_prefix = "reply/"
[store]
sync = "periodic"
sync_interval = "250ms"
[log]
level = "debug"
format = "json"
[acl]
default = "allow"
strict_subscribe = true
disconnect_on_denied_publish = true
[policy]
encrypted_topics = ["secure/#", "+/vault", "a/b"]
[auth]
scram = []
failure_backoff = "off"
rehash_on_login = true
allow_plaintext_passwords = true
)")
                      .value();
    EXPECT_EQ(config.broker.data_dir, Path("/var/lib/moatmq"));
    EXPECT_EQ(config.broker.threads, 4U);
    EXPECT_EQ(config.broker.sys_interval, 0ms);
    EXPECT_EQ(config.broker.response_information_prefix, "reply/");
    EXPECT_EQ(config.store.sync, StoreSync::periodic);
    EXPECT_EQ(config.store.sync_interval, 250ms);
    EXPECT_EQ(config.log.level, LogLevel::debug);
    EXPECT_EQ(config.log.format, LogFormat::json);
    EXPECT_EQ(config.log.audit_file, std::nullopt);
    EXPECT_EQ(config.acl.default_action, AclDefault::allow);
    EXPECT_TRUE(config.acl.strict_subscribe);
    EXPECT_TRUE(config.acl.disconnect_on_denied_publish);
    EXPECT_EQ(config.policy.encrypted_topics, (std::vector<std::string>{"secure/#", "+/vault", "a/b"}));
    EXPECT_TRUE(config.auth.scram.empty());
    EXPECT_EQ(config.auth.failure_backoff, std::nullopt);
    EXPECT_TRUE(config.auth.rehash_on_login);
    EXPECT_TRUE(config.auth.allow_plaintext_passwords);
}

TEST(Loader, SessionExpiryNeverIsTheDefaultAndCanBeWritten)
{
    EXPECT_EQ(load(kListener).value().limits.max_session_expiry, kNeverExpire);
    auto config = load(std::string(kListener) + "[limits]\nmax_session_expiry = \"never\"\n").value();
    EXPECT_EQ(config.limits.max_session_expiry, kNeverExpire);
}

TEST(Loader, KeepsListenersInFileOrderAndAcceptsInlineTables)
{
    auto config =
        load(
            R"(listener = [ { name = "a", bind = "127.0.0.1:1" }, { name = "b", bind = "[::1]:2", protocol = "ws" } ])")
            .value();
    ASSERT_EQ(config.listeners.size(), 2U);
    EXPECT_EQ(config.listeners[0].name, "a");
    EXPECT_EQ(config.listeners[1].name, "b");
    EXPECT_EQ(config.listeners[1].protocol, ListenerProtocol::ws);
}

TEST(Loader, AllowsSeveralListenersOnPortZero)
{
    auto config = load(
        "[[listener]]\nname = \"a\"\nbind = \"127.0.0.1:0\"\n"
        "[[listener]]\nname = \"b\"\nbind = \"127.0.0.1:0\"\n");
    ASSERT_TRUE(config) << config.error().to_string();
    EXPECT_EQ(config->listeners.size(), 2U);
}

TEST(Loader, TlsPskOnlyListenerNeedsNoCertificate)
{
    auto config = load(std::string(kListener) + "[listener.tls]\npsk_file = \"psk\"\n");
    ASSERT_TRUE(config) << config.error().to_string();
    EXPECT_EQ(config->listeners[0].tls->psk_file, Path("/etc/moatmq/psk"));
    EXPECT_EQ(config->listeners[0].tls->cert, std::nullopt);
}

// ---- syntax errors ----

TEST(LoaderErrors, SyntaxErrorNamesFileAndLine)
{
    EXPECT_THAT(error_of("[broker]\nthreads = 1\nthreads 2\n"), StartsWith("test.toml:3: "));
    EXPECT_THAT(error_of("[[listener]]\nbind = \"127.0.0.1:1883\n"), StartsWith("test.toml:2: "));
    EXPECT_THAT(error_of("[broker]\n[broker]\n"), StartsWith("test.toml:2: "));  // table defined twice
    EXPECT_THAT(error_of("a = 1\na = 2\n"), StartsWith("test.toml:2: "));        // key defined twice
}

TEST(LoaderErrors, EmptyFileHasNoListener)
{
    EXPECT_EQ(error_of(""), "test.toml:1: no [[listener]] defined: the broker would accept no connection");
    EXPECT_EQ(error_of("listener = []\n"),
              "test.toml:1: listener: no listener defined: the broker would accept no connection");
}

// ---- unknown keys, at every level ----

TEST(LoaderErrors, UnknownKeyAtTheTopLevel)
{
    EXPECT_EQ(error_of("port = 1883\n" + std::string(kListener)), "test.toml:1: unknown key \"port\"");
    EXPECT_EQ(error_of(std::string(kListener) + "[brokr]\n"),
              "test.toml:3: unknown key \"brokr\" (did you mean \"broker\"?)");
}

TEST(LoaderErrors, UnknownKeyInEachTable)
{
    struct Case {
        std::string_view table;
        std::string_view key;
        std::string_view expected;
    };
    for (const Case& c :
         {Case{"broker", "thread", "unknown key \"broker.thread\" (did you mean \"threads\"?)"},
          Case{"auth", "passwd_file", "unknown key \"auth.passwd_file\" (did you mean \"password_file\"?)"},
          Case{"acl", "defualt", "unknown key \"acl.defualt\" (did you mean \"default\"?)"},
          Case{"policy", "encrypted", "unknown key \"policy.encrypted\""},
          Case{"store", "fsync", "unknown key \"store.fsync\" (did you mean \"sync\"?)"},
          Case{"log", "levle", "unknown key \"log.levle\" (did you mean \"level\"?)"},
          Case{"limits", "max_packet", "unknown key \"limits.max_packet\""}}) {
        const std::string text =
            std::string(kListener) + "[" + std::string(c.table) + "]\n" + std::string(c.key) + " = 1\n";
        EXPECT_EQ(error_of(text), "test.toml:4: " + std::string(c.expected)) << c.table;
    }
}

TEST(LoaderErrors, UnknownKeyInTheSecondListener)
{
    EXPECT_EQ(error_of("[[listener]]\nname = \"a\"\nbind = \"127.0.0.1:1\"\n\n"
                       "[[listener]]\nname = \"b\"\nbind = \"127.0.0.1:2\"\nallow_anonymus = true\n"),
              "test.toml:8: unknown key \"listener.allow_anonymus\" (did you mean \"allow_anonymous\"?)");
}

TEST(LoaderErrors, UnknownKeyInListenerTls)
{
    EXPECT_EQ(error_of(std::string(kListener) +
                       "  [listener.tls]\n  cert = \"c\"\n  key = \"k\"\n  cafile = \"x\"\n"),
              "test.toml:6: unknown key \"listener.tls.cafile\"");
}

TEST(LoaderErrors, UnknownKeyInAnInlineTable)
{
    EXPECT_EQ(
        error_of("[[listener]]\nbind = \"127.0.0.1:1\"\ntls = { cert = \"c\", key = \"k\", pass = \"x\" }\n"),
        "test.toml:3: unknown key \"listener.tls.pass\"");
}

TEST(LoaderErrors, UnknownDottedKey)
{
    EXPECT_EQ(error_of("limits.max_qos = 1\nlimits.maxqos = 1\n" + std::string(kListener)),
              "test.toml:2: unknown key \"limits.maxqos\" (did you mean \"max_qos\"?)");
}

TEST(LoaderErrors, AKeyBelowTheWrongHeaderSaysWhereItBelongs)
{
    // The classic TOML slip: a [broker] or [limits] key written after a [[listener]] belongs to the listener.
    EXPECT_EQ(error_of(std::string(kListener) + "threads = 4\n"),
              "test.toml:3: unknown key \"listener.threads\" (\"threads\" is a key of [broker]; a key "
              "belongs to the "
              "nearest table header above it)");
    EXPECT_EQ(
        error_of("[log]\nlevel = \"info\"\nmax_qos = 1\n" + std::string(kListener)),
        "test.toml:3: unknown key \"log.max_qos\" (\"max_qos\" is a key of [limits]; a key belongs to the "
        "nearest table header above it)");
    EXPECT_EQ(
        error_of("[broker]\nlistener = []\n" + std::string(kListener)),
        "test.toml:2: unknown key \"broker.listener\" (\"listener\" is a key of the top level; a key belongs "
        "to the nearest table header above it)");
}

TEST(LoaderErrors, DuplicateChecksScaleToThousandsOfListeners)
{
    std::string text;
    for (int i = 0; i < 5000; ++i) {
        text += "[[listener]]\nbind = \"127.0.0.1:" + std::to_string(1 + i % 60000) + "\"\nname = \"l" +
                std::to_string(i) + "\"\n";
    }
    text += "[[listener]]\nbind = \"127.0.0.1:7\"\nname = \"last\"\n";
    EXPECT_EQ(error_of(text),
              "test.toml:15002: listener.bind: address 127.0.0.1:7 is already bound by listener \"l6\"");
}

TEST(LoaderErrors, TheErrorNearestTheTopIsReported)
{
    // toml++ iterates keys alphabetically; the report must follow the file, not the alphabet.
    EXPECT_EQ(error_of(std::string(kListener) + "[limits]\nzzz = 1\naaa = 2\n"),
              "test.toml:4: unknown key \"limits.zzz\"");
}

// ---- wrong types ----

TEST(LoaderErrors, WrongTypes)
{
    const std::string l(kListener);
    EXPECT_EQ(error_of(l + "[broker]\nthreads = \"4\"\n"),
              "test.toml:4: broker.threads: expected an integer, got a string");
    EXPECT_EQ(error_of(l + "[broker]\nthreads = 4.0\n"),
              "test.toml:4: broker.threads: expected an integer, got a float");
    EXPECT_EQ(error_of(l + "[auth]\nallow_anonymous = \"yes\"\n"),
              "test.toml:4: auth.allow_anonymous: expected true or false, got a string");
    EXPECT_EQ(error_of(l + "[limits]\nconnect_timeout = 10\n"),
              "test.toml:4: limits.connect_timeout: expected a duration string like \"10s\", got an integer");
    EXPECT_EQ(error_of(l + "[limits]\nmax_packet_size = true\n"),
              "test.toml:4: limits.max_packet_size: expected a size (integer bytes, or a string like "
              "\"64KiB\"), got "
              "a boolean");
    EXPECT_EQ(error_of(l + "[log]\nlevel = 1\n"),
              "test.toml:4: log.level: expected one of \"trace\", \"debug\", \"info\", \"warn\" or "
              "\"error\", got an "
              "integer");
    EXPECT_EQ(error_of(l + "[log]\naudit_file = [\"a\"]\n"),
              "test.toml:4: log.audit_file: expected a path string, got an array");
    EXPECT_EQ(error_of(l + "[auth]\nscram = \"sha256\"\n"),
              "test.toml:4: auth.scram: expected an array like [\"sha256\", \"sha512\"], got a string");
    EXPECT_EQ(error_of("broker = 1\n" + l),
              "test.toml:1: broker: must be a table ([broker]), got an integer");
    EXPECT_EQ(error_of("[[listener]]\nbind = 1883\n"),
              "test.toml:2: listener.bind: expected a string \"host:port\", got an integer");
    EXPECT_EQ(error_of("[[listener]]\nbind = \"127.0.0.1:1\"\nname = 7\n"),
              "test.toml:3: listener.name: expected a string, got an integer");
    EXPECT_EQ(error_of("[[listener]]\nbind = \"127.0.0.1:1\"\ntls = true\n"),
              "test.toml:3: listener.tls: must be a table ([listener.tls]), got a boolean");
    EXPECT_EQ(error_of(l + "[listener.tls]\ncert = \"c\"\nkey = \"k\"\nmin_version = 1.3\n"),
              "test.toml:6: listener.tls.min_version: expected one of \"1.2\" or \"1.3\", got a float");
    EXPECT_EQ(error_of(l + "[policy]\nencrypted_topics = [\"a\", 2]\n"),
              "test.toml:4: policy.encrypted_topics: expected a topic filter string, got an integer");
}

TEST(LoaderErrors, ListenerWrittenAsASingleTable)
{
    EXPECT_EQ(
        error_of("[listener]\nbind = \"127.0.0.1:1883\"\n"),
        "test.toml:1: listener: must be an array of tables ([[listener]], with two brackets), got a table");
    EXPECT_EQ(error_of("listener = [1]\n"),
              "test.toml:1: listener: each listener must be a table, got an integer");
}

// ---- bad values ----

TEST(LoaderErrors, BadBindAddresses)
{
    EXPECT_EQ(error_of("[[listener]]\nname = \"x\"\nbind = \"localhost:1883\"\n"),
              "test.toml:3: listener.bind: invalid bind \"localhost:1883\": host must be a numeric IPv4 "
              "address like "
              "127.0.0.1 (host names are not allowed)");
    EXPECT_THAT(error_of("[[listener]]\nbind = \"127.0.0.1:70000\"\n"),
                StartsWith("test.toml:2: listener.bind: invalid bind \"127.0.0.1:70000\": port must be"));
    EXPECT_THAT(error_of("[[listener]]\nbind = \"::1:1883\"\n"),
                StartsWith("test.toml:2: listener.bind: invalid bind"));
}

TEST(LoaderErrors, MissingBindIsReportedAtTheListenerHeader)
{
    EXPECT_EQ(error_of(std::string(kListener) + "\n[[listener]]\nname = \"second\"\n"),
              "test.toml:4: [listener]: missing required key \"bind\"");
}

TEST(LoaderErrors, DuplicateListenerNameOrBind)
{
    EXPECT_EQ(error_of("[[listener]]\nname = \"a\"\nbind = \"127.0.0.1:1\"\n"
                       "[[listener]]\nname = \"a\"\nbind = \"127.0.0.1:2\"\n"),
              "test.toml:5: listener.name: duplicate listener name \"a\"");
    EXPECT_EQ(error_of("[[listener]]\nname = \"a\"\nbind = \"127.0.0.1:1883\"\n"
                       "[[listener]]\nname = \"b\"\nbind = \"127.0.0.1:1883\"\n"),
              "test.toml:6: listener.bind: address 127.0.0.1:1883 is already bound by listener \"a\"");
    // Same address written differently is still the same address.
    EXPECT_THAT(error_of("[[listener]]\nbind = \"[::1]:1883\"\n[[listener]]\nname = \"b\"\nbind = "
                         "\"[0:0::1]:1883\"\n"),
                StartsWith("test.toml:5: listener.bind: address [::1]:1883 is already bound"));
    // Two unnamed listeners on the same address collide on the bind (their default names are the bind text).
    EXPECT_THAT(error_of(std::string(kListener) + std::string(kListener)),
                StartsWith("test.toml:4: listener."));
}

TEST(LoaderErrors, BadListenerName)
{
    EXPECT_EQ(
        error_of("[[listener]]\nbind = \"127.0.0.1:1\"\nname = \"my listener\"\n"),
        "test.toml:3: listener.name: must be 1 to 64 letters, digits or \"-_.:[]\", got \"my listener\"");
    EXPECT_THAT(error_of("[[listener]]\nbind = \"127.0.0.1:1\"\nname = \"\"\n"),
                StartsWith("test.toml:3: listener.name:"));
}

TEST(LoaderErrors, UnknownEnumWords)
{
    const std::string l(kListener);
    EXPECT_EQ(error_of(l + "[log]\nformat = \"xml\"\n"),
              "test.toml:4: log.format: unknown value \"xml\", expected \"text\" or \"json\"");
    EXPECT_EQ(error_of("[[listener]]\nbind = \"127.0.0.1:1\"\nprotocol = \"wss\"\n"),
              "test.toml:3: listener.protocol: unknown value \"wss\", expected \"mqtt\" or \"ws\"");
    EXPECT_EQ(error_of(l + "[store]\nsync = \"sometimes\"\n"),
              "test.toml:4: store.sync: unknown value \"sometimes\", expected \"always\", \"periodic\" or "
              "\"none\"");
    EXPECT_EQ(error_of(l + "[acl]\ndefault = \"permit\"\n"),
              "test.toml:4: acl.default: unknown value \"permit\", expected \"deny\" or \"allow\"");
    EXPECT_EQ(
        error_of(l + "[listener.tls]\ncert = \"c\"\nkey = \"k\"\nidentity = \"san\"\n"),
        "test.toml:6: listener.tls.identity: unknown value \"san\", expected \"none\", \"cn\", \"san-dns\", "
        "\"san-email\", \"san-uri\" or \"subject\"");
    EXPECT_EQ(
        error_of(l + "[listener.tls]\ncert = \"c\"\nkey = \"k\"\nclient_cert = \"yes\"\n"),
        "test.toml:6: listener.tls.client_cert: unknown value \"yes\", expected \"none\", \"optional\" or "
        "\"require\"");
    EXPECT_EQ(error_of(l + "[listener.tls]\ncert = \"c\"\nkey = \"k\"\nmin_version = \"1.1\"\n"),
              "test.toml:6: listener.tls.min_version: unknown value \"1.1\", expected \"1.2\" or \"1.3\"");
    EXPECT_EQ(error_of(l + "[auth]\nscram = [\"sha256\", \"md5\"]\n"),
              "test.toml:4: auth.scram: each entry must be one of \"sha256\" or \"sha512\"");
    EXPECT_EQ(error_of(l + "[auth]\nscram = [\"sha256\", \"sha256\"]\n"),
              "test.toml:4: auth.scram: \"sha256\" is listed twice");
}

TEST(LoaderErrors, BadSizes)
{
    const std::string l(kListener);
    EXPECT_EQ(error_of(l + "[limits]\nmax_packet_size = \"1MB\"\n"),
              "test.toml:4: limits.max_packet_size: invalid size \"1MB\": expected bytes as an integer, or a "
              "string "
              "like \"512\", \"64KiB\", \"1MiB\", \"1GiB\"");
    EXPECT_EQ(error_of(l + "[limits]\nmax_packet_size = -1\n"),
              "test.toml:4: limits.max_packet_size: a size cannot be negative");
    EXPECT_EQ(error_of(l + "[limits]\nmax_packet_size = \"1GiB\"\n"),
              "test.toml:4: limits.max_packet_size: must be between 64 and 268435455 bytes");
    EXPECT_EQ(error_of(l + "[limits]\nmax_queued_bytes = 0\n"),
              "test.toml:4: limits.max_queued_bytes: must be between 1 and 1099511627776 bytes");
}

TEST(LoaderErrors, BadDurations)
{
    const std::string l(kListener);
    EXPECT_EQ(
        error_of(l + "[limits]\nconnect_timeout = \"10\"\n"),
        "test.toml:4: limits.connect_timeout: invalid duration \"10\": expected a number and a unit, like "
        "\"500ms\", \"10s\", \"10m\", \"1h\", \"7d\"");
    EXPECT_EQ(error_of(l + "[limits]\nconnect_timeout = \"0s\"\n"),
              "test.toml:4: limits.connect_timeout: must be between 1ms and 1h");
    EXPECT_EQ(error_of(l + "[limits]\nmax_keep_alive = \"1500ms\"\n"),
              "test.toml:4: limits.max_keep_alive: must be a whole number of seconds");
    EXPECT_EQ(error_of(l + "[limits]\nmax_keep_alive = \"1d\"\n"),
              "test.toml:4: limits.max_keep_alive: must be between 1s and 65535s (or 0s)");
    EXPECT_EQ(error_of(l + "[broker]\nsys_interval = \"10ms\"\n"),
              "test.toml:4: broker.sys_interval: must be between 100ms and 1d (or 0s)");
    EXPECT_THAT(error_of(l + "[limits]\nmax_session_expiry = \"forever\"\n"),
                StartsWith("test.toml:4: limits.max_session_expiry: invalid duration \"forever\""));
}

TEST(LoaderErrors, BadBackoffs)
{
    const std::string l(kListener);
    EXPECT_EQ(error_of(l + "[auth]\nfailure_backoff = \"1s-60s\"\n"),
              "test.toml:4: auth.failure_backoff: invalid backoff \"1s-60s\": expected a range like "
              "\"1s..60s\", or "
              "\"off\"");
    EXPECT_EQ(
        error_of(l + "[auth]\nfailure_backoff = \"1s..60\"\n"),
        "test.toml:4: auth.failure_backoff: invalid duration \"60\": expected a number and a unit, like "
        "\"500ms\", \"10s\", \"10m\", \"1h\", \"7d\"");
    EXPECT_EQ(error_of(l + "[auth]\nfailure_backoff = \"1s..2h\"\n"),
              "test.toml:4: auth.failure_backoff: the maximum delay must be at most 1h");
}

TEST(LoaderErrors, IntegersOutOfRange)
{
    const std::string l(kListener);
    EXPECT_EQ(error_of(l + "[limits]\nmax_qos = 3\n"),
              "test.toml:4: limits.max_qos: must be between 0 and 2");
    EXPECT_EQ(error_of(l + "[limits]\nreceive_maximum = 0\n"),
              "test.toml:4: limits.receive_maximum: must be between 1 and 65535");
    EXPECT_EQ(error_of(l + "[limits]\ntopic_alias_maximum = 65536\n"),
              "test.toml:4: limits.topic_alias_maximum: must be between 0 and 65535");
    EXPECT_EQ(error_of(l + "[broker]\nthreads = -1\n"),
              "test.toml:4: broker.threads: must be between 0 and 1024");
    EXPECT_EQ(error_of(l + "[limits]\nmax_connections = 0\n"),
              "test.toml:4: limits.max_connections: must be between 1 and 4294967295");
}

TEST(LoaderErrors, BadPaths)
{
    EXPECT_EQ(error_of(std::string(kListener) + "[auth]\npassword_file = \"\"\n"),
              "test.toml:4: auth.password_file: must not be empty");
}

TEST(LoaderErrors, BadTopicFilters)
{
    const std::string l(kListener);
    EXPECT_EQ(
        error_of(l + "[policy]\nencrypted_topics = [\"a/#/b\"]\n"),
        "test.toml:4: policy.encrypted_topics: invalid topic filter \"a/#/b\": '#' must be a whole level and "
        "the last one [MQTT-4.7.1-1]");
    EXPECT_EQ(error_of(l + "[policy]\nencrypted_topics = [\"a+\"]\n"),
              "test.toml:4: policy.encrypted_topics: invalid topic filter \"a+\": '+' must be a whole level "
              "[MQTT-4.7.1-2]");
    EXPECT_THAT(error_of(l + "[policy]\nencrypted_topics = [\"\"]\n"),
                StartsWith("test.toml:4: policy.encrypted_topics"));
}

TEST(LoaderErrors, TlsCrossKeyRulesAreReportedAtTheTlsHeader)
{
    const std::string l(kListener);
    EXPECT_EQ(error_of(l + "[listener.tls]\ncert = \"c\"\n"),
              "test.toml:3: [listener.tls]: \"cert\" and \"key\" go together: set both or neither");
    EXPECT_EQ(error_of(l + "[listener.tls]\nmin_version = \"1.3\"\n"),
              "test.toml:3: [listener.tls]: needs \"cert\" and \"key\" (or \"psk_file\" for a TLS-PSK-only "
              "listener)");
    EXPECT_EQ(
        error_of(l + "[listener.tls]\ncert = \"c\"\nkey = \"k\"\nclient_cert = \"require\"\n"),
        "test.toml:3: [listener.tls]: client_cert = \"require\" needs \"ca\", the trust anchors for client "
        "certificates");
    EXPECT_EQ(error_of(l + "[listener.tls]\ncert = \"c\"\nkey = \"k\"\nidentity = \"cn\"\n"),
              "test.toml:3: [listener.tls]: identity = \"cn\" needs client certificates: set client_cert to "
              "\"optional\" or \"require\"");
    EXPECT_EQ(
        error_of(l + "[listener.tls]\ncert = \"c\"\nkey = \"k\"\ncrl = \"crl.pem\"\n"),
        "test.toml:3: [listener.tls]: \"crl\" is checked against client certificates: set client_cert to "
        "\"optional\" or \"require\"");
    EXPECT_EQ(error_of(l + "[listener.tls]\ncert = \"c\"\nkey = \"k\"\nverify_depth = 0\n"),
              "test.toml:6: listener.tls.verify_depth: must be between 1 and 100");
    EXPECT_EQ(
        error_of(l + "[listener.tls]\npsk_file = \"p\"\nocsp_response = \"o.der\"\n"),
        "test.toml:3: [listener.tls]: \"ocsp_response\" is stapled to the server certificate: set \"cert\"");
}

TEST(LoaderTls, PassphraseFileAndSniCertificates)
{
    const std::string l(kListener);
    auto config =
        load(l +
             "[listener.tls]\ncert = \"/c\"\nkey = \"/k\"\nkey_passphrase_file = \"/p\"\n"
             "[[listener.tls.sni]]\nhost = \"A.Example\"\ncert = \"/a.crt\"\nkey = \"/a.key\"\n"
             "[[listener.tls.sni]]\nhost = \"*.iot.example\"\ncert = \"/i.crt\"\nkey = \"/i.key\"\n");
    ASSERT_TRUE(config) << config.error().to_string();
    const auto& tls = *config->listeners.at(0).tls;
    EXPECT_EQ(tls.key_passphrase_file, std::filesystem::path("/p"));
    ASSERT_EQ(tls.sni.size(), 2U);
    EXPECT_EQ(tls.sni[0].host, "a.example");  // names compare case-insensitively: stored lower case
    EXPECT_EQ(tls.sni[0].cert, std::filesystem::path("/a.crt"));
    EXPECT_EQ(tls.sni[1].host, "*.iot.example");
    EXPECT_EQ(tls.sni[1].key, std::filesystem::path("/i.key"));
}

TEST(LoaderErrors, SniEntriesAreCheckedWithTheirLine)
{
    const std::string l = std::string(kListener) + "[listener.tls]\ncert = \"c\"\nkey = \"k\"\n";
    EXPECT_EQ(error_of(l + "[[listener.tls.sni]]\nhost = \"a.example\"\ncert = \"a.crt\"\n"),
              "test.toml:6: [listener.tls.sni]: missing required key \"key\"");
    EXPECT_EQ(error_of(l + "[[listener.tls.sni]]\nhost = \"a b\"\ncert = \"a.crt\"\nkey = \"a.key\"\n"),
              "test.toml:7: listener.tls.sni.host: must be a DNS name or \"*.\" and a domain, got \"a b\"");
    EXPECT_EQ(error_of(l + "[[listener.tls.sni]]\nhost = \"a.example\"\ncert = \"a.crt\"\nkey = \"a.key\"\n"
                           "[[listener.tls.sni]]\nhost = \"A.EXAMPLE\"\ncert = \"b.crt\"\nkey = \"b.key\"\n"),
              "test.toml:11: listener.tls.sni.host: duplicate SNI host \"A.EXAMPLE\"");
    EXPECT_EQ(error_of(l + "[[listener.tls.sni]]\nhost = \"a.example\"\ncert = \"a.crt\"\nkey = \"a.key\"\n"
                           "sni_extra = 1\n"),
              "test.toml:10: unknown key \"listener.tls.sni.sni_extra\"");
    EXPECT_EQ(error_of(std::string(kListener) +
                       "[listener.tls]\npsk_file = \"p\"\n"
                       "[[listener.tls.sni]]\nhost = \"a.example\"\ncert = \"a.crt\"\nkey = \"a.key\"\n"),
              "test.toml:3: [listener.tls]: [[listener.tls.sni]] certificates need a default \"cert\" and "
              "\"key\" for other clients");
}

// Inputs config_parse_fuzzer found: a character beyond ASCII where toml++ 3.3 tests for whitespace
// reached undefined behaviour inside toml++ (see src/config/toml.hpp). Now they are ordinary errors with
// a line, and the same characters inside strings and comments still load.
TEST(LoaderErrors, CharactersBeyondAsciiOutsideStringsAreErrorsWithALine)
{
    EXPECT_THAT(error_of("[limits]\nm\xef\xbb\xbb_s= \"11XBs = 1\n"), StartsWith("test.toml:2:"));
    EXPECT_THAT(error_of("#\xef\xbb\xbf#[broker]\nda_  =1\"idr37.0.0.1:\xef\xbb\xaf"
                         "1883\"\n"),
                StartsWith("test.toml:2:"));
    EXPECT_THAT(error_of("[broker]\ncaf\xc3\xa9 = 1\n"), StartsWith("test.toml:2:"));
    auto config =
        load(std::string(kListener) + "[policy] # caf\xc3\xa9\nencrypted_topics = [\"caf\xc3\xa9/#\"]\n");
    ASSERT_TRUE(config) << config.error().to_string();
    EXPECT_EQ(config->policy.encrypted_topics.at(0), "caf\xc3\xa9/#");
}

// ---- files and paths ----

TEST(LoaderFiles, RelativePathsResolveAgainstTheFilesDirectory)
{
    moatmq::test::TempDir dir;
    const auto file = dir.write_file("etc/moatmq.toml", R"([broker]
data_dir = "data"
[[listener]]
bind = "127.0.0.1:0"
  [listener.tls]
  cert = "../certs/server.crt"
  key = "/abs/server.key"
  psk_file = "./psk"
[auth]
password_file = "passwd"
[acl]
file = "sub/../acl"
[log]
audit_file = "logs/audit.log"
)");
    auto config = load_config_file(file).value();
    const auto etc = dir.path() / "etc";
    EXPECT_EQ(config.broker.data_dir, etc / "data");
    EXPECT_EQ(config.listeners[0].tls->cert, dir.path() / "certs/server.crt");
    EXPECT_EQ(config.listeners[0].tls->key, Path("/abs/server.key"));
    EXPECT_EQ(config.listeners[0].tls->psk_file, etc / "psk");
    EXPECT_EQ(config.auth.password_file, etc / "passwd");
    EXPECT_EQ(config.acl.file, etc / "acl");
    EXPECT_EQ(config.log.audit_file, etc / "logs/audit.log");
    EXPECT_EQ(config.broker.data_dir.is_absolute(), true);
}

TEST(LoaderFiles, RelativePathsResolveEvenWhenTheFileIsNamedRelatively)
{
    moatmq::test::TempDir dir;
    dir.write_file("moatmq.toml", std::string(kListener) + "[auth]\npassword_file = \"passwd\"\n");
    const auto previous = std::filesystem::current_path();
    std::filesystem::current_path(dir.path());
    auto config = load_config_file("moatmq.toml");
    std::filesystem::current_path(previous);
    ASSERT_TRUE(config) << config.error().to_string();
    EXPECT_EQ(config->auth.password_file, std::filesystem::canonical(dir.path()) / "passwd");
}

TEST(LoaderFiles, ErrorsNameTheFileAsGiven)
{
    moatmq::test::TempDir dir;
    const auto file = dir.write_file("bad.toml", std::string(kListener) + "[limits]\nmax_qos = 7\n");
    auto config = load_config_file(file);
    ASSERT_FALSE(config);
    EXPECT_EQ(config.error().to_string(), file.string() + ":4: limits.max_qos: must be between 0 and 2");
    EXPECT_EQ(config.error().file, file.string());
    EXPECT_EQ(config.error().line, 4U);
    EXPECT_EQ(config.error().column, 11U);
}

TEST(LoaderFiles, MissingFileIsAnErrorWithoutALine)
{
    moatmq::test::TempDir dir;
    const auto file = dir.path() / "nope.toml";
    auto config = load_config_file(file);
    ASSERT_FALSE(config);
    EXPECT_EQ(config.error().to_string(),
              file.string() + ": cannot read the configuration file: No such file or directory");
}

TEST(LoaderFiles, DirectoryAndOversizedFilesAreRefused)
{
    moatmq::test::TempDir dir;
    EXPECT_THAT(load_config_file(dir.path()).error().to_string(), HasSubstr("not a regular file"));
    const auto big = dir.write_file("big.toml", std::string(5 * 1024 * 1024, '#'));
    EXPECT_THAT(load_config_file(big).error().to_string(), HasSubstr("larger than 4 MiB"));
}

TEST(LoaderFiles, ValueThrowsWithTheMessageForMain)
{
    auto config = load("[[listener]]\n");
    try {
        (void)config.value();
        FAIL() << "expected an exception";
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "test.toml:1: [listener]: missing required key \"bind\"");
    }
}

}  // namespace
}  // namespace moatmq::config
