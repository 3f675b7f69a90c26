#include "config/default_config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/loader.hpp"
#include "config_printer.hpp"

namespace moatmq::config {
namespace {

TEST(DefaultConfig, ParsesWithTheSameLoader)
{
    auto config = load_default_config();
    ASSERT_TRUE(config) << config.error().to_string();
    auto again = load_config_string(default_config_text(), "x", std::filesystem::current_path());
    EXPECT_EQ(*config, again.value());
}

TEST(DefaultConfig, ListensOnLoopbackOnly)
{
    auto config = load_default_config().value();
    ASSERT_EQ(config.listeners.size(), 2U);
    for (const auto& listener : config.listeners) {
        EXPECT_TRUE(listener.bind.is_loopback()) << listener.name;
        EXPECT_TRUE(allow_anonymous(config, listener)) << listener.name;
    }
}

TEST(DefaultConfig, PlainListenerOn1883)
{
    const auto config = load_default_config().value();
    const auto& plain = config.listeners[0];
    EXPECT_EQ(plain.name, kDefaultPlainListener);
    EXPECT_EQ(plain.bind.to_string(), "127.0.0.1:1883");
    EXPECT_EQ(plain.protocol, ListenerProtocol::mqtt);
    EXPECT_FALSE(plain.tls.has_value());
}

TEST(DefaultConfig, TlsListenerOn8883UsesCertificatesInTheDataDirectory)
{
    const auto config = load_default_config().value();
    const auto& secure = config.listeners[1];
    EXPECT_EQ(secure.name, kDefaultTlsListener);
    EXPECT_EQ(secure.bind.to_string(), "127.0.0.1:8883");
    ASSERT_TRUE(secure.tls.has_value());
    const auto certs = config.broker.data_dir / "certs";
    EXPECT_EQ(secure.tls->cert, certs / "server.crt");
    EXPECT_EQ(secure.tls->key, certs / "server.key");
    EXPECT_EQ(secure.tls->ca, certs / "ca.crt");
}

TEST(DefaultConfig, DataDirIsMoatmqDataInTheCurrentDirectory)
{
    const auto config = load_default_config().value();
    EXPECT_EQ(config.broker.data_dir, std::filesystem::current_path() / "moatmq-data");
}

TEST(DefaultConfig, KeepsSecureDefaultsElsewhere)
{
    const auto config = load_default_config().value();
    EXPECT_FALSE(config.auth.allow_anonymous);  // only the loopback listeners opt in
    EXPECT_FALSE(config.auth.allow_plaintext_passwords);
    EXPECT_EQ(config.store.sync, StoreSync::always);
}

}  // namespace
}  // namespace moatmq::config
