#include "client/cli_options.hpp"

#include <gtest/gtest.h>

#include <CLI/CLI.hpp>

namespace moatmq::client {
namespace {

struct Parsed {
    Result<ConnectOptions> options;
    std::string usage;
};

Parsed parse(std::vector<std::string> argv, PasswordSources passwords = {})
{
    CLI::App app{"test"};
    ConnectionArgs args;
    add_connection_options(app, args);
    std::reverse(argv.begin(), argv.end());  // CLI11 takes the vector form in reverse
    app.parse(argv);
    std::string usage;
    auto options = to_connect_options(args, passwords, usage);
    return {std::move(options), usage};
}

TEST(CliOptions, DefaultsMatchMosquittoPub)
{
    auto p = parse({});
    ASSERT_TRUE(p.options) << p.usage;
    EXPECT_EQ(p.options->host, "localhost");
    EXPECT_EQ(p.options->port, 1883);
    EXPECT_EQ(p.options->version, codec::ProtocolVersion::v311);
    EXPECT_EQ(p.options->keep_alive, 60);
    EXPECT_TRUE(p.options->clean_start);
    EXPECT_FALSE(p.options->tls);
    EXPECT_FALSE(p.options->username);
    EXPECT_FALSE(p.options->password);
}

TEST(CliOptions, ShortOptionsAreMosquittos)
{
    auto p =
        parse({"-h", "127.0.0.1", "-p", "1999", "-V", "5", "-i", "me", "-k", "30", "-u", "bob", "-P", "pw"});
    ASSERT_TRUE(p.options) << p.usage;
    EXPECT_EQ(p.options->host, "127.0.0.1");
    EXPECT_EQ(p.options->port, 1999);
    EXPECT_EQ(p.options->version, codec::ProtocolVersion::v5);
    EXPECT_EQ(p.options->client_id, "me");
    EXPECT_EQ(p.options->keep_alive, 30);
    EXPECT_EQ(p.options->username, "bob");
    EXPECT_EQ(p.options->password, "pw");
}

TEST(CliOptions, ProtocolVersionAcceptsMosquittoSpellings)
{
    EXPECT_EQ(parse_protocol_version("mqttv311"), codec::ProtocolVersion::v311);
    EXPECT_EQ(parse_protocol_version("mqttv5"), codec::ProtocolVersion::v5);
    EXPECT_EQ(parse_protocol_version("4"), std::nullopt);
    auto p = parse({"-V", "31"});
    EXPECT_FALSE(p.options);
    EXPECT_NE(p.usage.find("-V"), std::string::npos);
}

TEST(CliOptions, TlsOptionsSwitchTheDefaultPortTo8883)
{
    auto p = parse({"--cafile", "ca.pem", "--cert", "c.pem", "--key", "k.pem", "--tls-version", "tlsv1.3"});
    ASSERT_TRUE(p.options) << p.usage;
    EXPECT_EQ(p.options->port, 8883);
    ASSERT_TRUE(p.options->tls);
    EXPECT_EQ(p.options->tls->cafile, "ca.pem");
    EXPECT_EQ(p.options->tls->certfile, "c.pem");
    EXPECT_EQ(p.options->tls->keyfile, "k.pem");
    EXPECT_EQ(p.options->tls->version, "tlsv1.3");
    EXPECT_FALSE(p.options->tls->insecure);
}

TEST(CliOptions, UsageErrorsAreReportedNotThrown)
{
    for (const auto& argv : std::vector<std::vector<std::string>>{
             {"--cafile", "ca", "--cert", "c"},
             {"--key", "k"},
             {"--cafile", "ca", "--tls-version", "tlsv1.0"},
             {"-p", "70000"},
             {"-k", "-1"},
             {"-c"},
             {"--will-payload", "x"},
             {"--will-topic", "w", "--will-qos", "3"},
             {"-P", "pw"},  // 3.1.1 forbids a password without a username
         }) {
        auto p = parse(argv);
        EXPECT_FALSE(p.options) << argv.front();
        EXPECT_FALSE(p.usage.empty()) << argv.front();
    }
}

std::optional<std::string> fake_prompt()
{
    return std::string{"typed"};
}

TEST(CliOptions, PasswordComesFromTheOptionThenTheEnvironmentThenThePrompt)
{
    PasswordSources all{"from-env", true, &fake_prompt};
    EXPECT_EQ(parse({"-u", "bob", "-P", "from-argv"}, all).options->password, "from-argv");
    EXPECT_EQ(parse({"-u", "bob"}, all).options->password, "from-env");
    PasswordSources no_env{nullptr, true, &fake_prompt};
    EXPECT_EQ(parse({"-u", "bob"}, no_env).options->password, "typed");
    // No prompt without a username, nor without a terminal.
    EXPECT_FALSE(parse({}, no_env).options->password);
    PasswordSources no_tty{nullptr, false, &fake_prompt};
    EXPECT_FALSE(parse({"-u", "bob"}, no_tty).options->password);
}

TEST(CliOptions, WillOptionsBuildTheWill)
{
    auto p =
        parse({"--will-topic", "status/me", "--will-payload", "gone", "--will-qos", "1", "--will-retain"});
    ASSERT_TRUE(p.options) << p.usage;
    ASSERT_TRUE(p.options->will);
    EXPECT_EQ(p.options->will->topic, "status/me");
    EXPECT_EQ(as_chars(p.options->will->payload), "gone");
    EXPECT_EQ(p.options->will->qos, codec::QoS::at_least_once);
    EXPECT_TRUE(p.options->will->retain);
}

TEST(CliOptions, WipePasswordDropsIt)
{
    auto p = parse({"-u", "bob", "-P", "pw"});
    ASSERT_TRUE(p.options);
    wipe_password(*p.options);
    EXPECT_FALSE(p.options->password);
}

TEST(CliOptions, GeneratedClientIdsDiffer)
{
    auto a = generate_client_id("moatmq-pub");
    auto b = generate_client_id("moatmq-pub");
    EXPECT_NE(a, b);
    EXPECT_EQ(a.rfind("moatmq-pub-", 0), 0u);
    EXPECT_LE(a.size(), 23u + 10u);
}

}  // namespace
}  // namespace moatmq::client
