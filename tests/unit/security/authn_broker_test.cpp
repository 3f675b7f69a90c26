// The real PasswordAuthenticator behind the broker's CONNECT handling (FakeLink connections, no sockets):
// the identity the TLS layer established becomes the user name (certificate or PSK), a different CONNECT
// user name is refused; rehash_on_login rewrites a Mosquitto entry; AuthWorkers runs checks off the calling
// thread with a bounded queue.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "authn_test_support.hpp"
#include "broker_test_support.hpp"
#include "security/authn/auth_workers.hpp"
#include "security/authn/password_authenticator.hpp"

namespace moatmq::security::authn {
namespace {

using broker::ConnectionInfo;
using broker::test::BrokerTest;
using codec::ReasonCode;

struct Audited {
    std::string username;
    AuthMethod method;
    bool success;
};

class AuthnBroker : public BrokerTest {
protected:
    AuthnBroker()
    {
        AuthPolicy policy;  // no anonymous anywhere
        options_.authenticator = std::make_shared<PasswordAuthenticator>(policy, nullptr, clock_);
        options_.audit_authentication = [this](const broker::AuthAuditRecord& r) {
            audited_.push_back({std::string(r.username), r.method, r.success});
        };
    }
    static ConnectionInfo tls_connection(std::string identity, bool psk)
    {
        ConnectionInfo info{"secure", "192.0.2.7:40000", false, true, std::move(identity)};
        info.tls_psk = psk;
        return info;
    }
    std::vector<Audited> audited_;
};

TEST_F(AuthnBroker, CertificateIdentityBecomesTheUserName)
{
    auto& c = client_on(tls_connection("device-7", false));
    EXPECT_EQ(c.connect("dev").reason, ReasonCode::Success);
    ASSERT_EQ(audited_.size(), 1u);
    EXPECT_TRUE(audited_[0].success);
    EXPECT_EQ(audited_[0].username, "device-7");
    EXPECT_EQ(audited_[0].method, AuthMethod::certificate);
}

TEST_F(AuthnBroker, PskIdentityBecomesTheUserName)
{
    auto& c = client_on(tls_connection("sensor-psk", true));
    EXPECT_EQ(c.connect("dev").reason, ReasonCode::Success);
    ASSERT_EQ(audited_.size(), 1u);
    EXPECT_EQ(audited_[0].username, "sensor-psk");
    EXPECT_EQ(audited_[0].method, AuthMethod::psk);
}

TEST_F(AuthnBroker, ConnectUserNameOtherThanTheTlsIdentityIsRefused)
{
    auto& c = client_on(tls_connection("device-7", false));
    codec::Connect connect;
    connect.client_id = "dev";
    connect.username = "admin";
    EXPECT_EQ(c.connect(connect).reason, ReasonCode::BadUserNameOrPassword);
    EXPECT_TRUE(c.link().closed());
}

TEST_F(AuthnBroker, WithoutTlsIdentityAndWithoutAnonymousTheClientIsRefused)
{
    auto& c = client_on(ConnectionInfo{"secure", "192.0.2.7:40000", false, true, {}});
    EXPECT_EQ(c.connect("dev").reason, ReasonCode::NotAuthorized);
}

// A file written by mosquitto_passwd: alice ($7$), and bob ($6$, written by hand as Mosquitto <= 1.6 did).
TEST(RehashOnLogin, RewritesAMosquittoEntryAsArgon2idAndKeepsTheOtherLines)
{
    testing::TempDir dir{"moatmq-rehash"};
    const auto path = dir.path() / "passwd";
    testing::shell("mosquitto_passwd -c -b '" + path.string() + "' alice wonderland 2>&1");
    testing::shell("mosquitto_passwd -b '" + path.string() + "' bob builder 2>&1");
    {
        std::ofstream out(path, std::ios::app);
        out << "# a comment that stays\n";
    }
    const auto before = testing::read_file(path);
    ManualClock clock;
    AuthPolicy policy;
    policy.rehash_on_login = true;
    policy.password_path = path;
    PasswordAuthenticator authn{
        policy, std::make_shared<const PasswordFile>(PasswordFile::load(path).value()), clock};
    const Secret wrong{std::string_view{"nope"}};
    const Secret right{std::string_view{"wonderland"}};
    AuthRequest r;
    r.listener = "local";
    r.remote_address = "127.0.0.1";
    r.listener_loopback = true;
    r.username = "alice";
    r.password = wrong.bytes();
    EXPECT_FALSE(authn.authenticate(r).accepted());
    EXPECT_EQ(testing::read_file(path), before);  // a failed login rewrites nothing

    r.password = right.bytes();
    const auto ok = authn.authenticate(r);
    ASSERT_TRUE(ok.accepted());
    EXPECT_NE(ok.log_detail.find("rehash_on_login"), std::string::npos);
    const auto after = testing::read_file(path);
    EXPECT_NE(after.find("alice:$argon2id$"), std::string::npos) << after;
    EXPECT_NE(after.find("bob:$7$"), std::string::npos);                 // other users untouched
    EXPECT_NE(after.find("# a comment that stays"), std::string::npos);  // and other lines
    EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    EXPECT_TRUE(authn.authenticate(r).accepted());  // the new hash verifies; nothing more to rewrite
    EXPECT_EQ(testing::read_file(path), after);
}

TEST(AuthWorkers, RunsJobsOnItsOwnThreads)
{
    AuthWorkers workers{2, 8};
    std::promise<std::thread::id> ran;
    ASSERT_TRUE(workers.submit([&ran] { ran.set_value(std::this_thread::get_id()); }));
    auto id = ran.get_future();
    ASSERT_EQ(id.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    EXPECT_NE(id.get(), std::this_thread::get_id());
}

TEST(AuthWorkers, RefusesJobsBeyondTheQueueLimit)
{
    AuthWorkers workers{1, 1};
    std::promise<void> release;
    auto released = release.get_future().share();
    std::promise<void> started;
    ASSERT_TRUE(workers.submit([&started, released] {
        started.set_value();
        released.wait();
    }));
    ASSERT_EQ(started.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
    EXPECT_TRUE(workers.submit([] {}));   // waits in the queue
    EXPECT_FALSE(workers.submit([] {}));  // queue full
    EXPECT_EQ(workers.queued(), 1u);
    release.set_value();
}

}  // namespace
}  // namespace moatmq::security::authn
