#include "client_mosquitto_broker.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>
#include <csignal>

#include <stdexcept>
#include <thread>

namespace moatmq::test {
namespace {

sockaddr_in loopback(std::uint16_t port)
{
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
}

}  // namespace

bool mosquitto_available()
{
    return ::access(kMosquittoBinary, X_OK) == 0;
}

std::uint16_t free_loopback_port()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw std::runtime_error("socket() failed");
    auto addr = loopback(0);
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        ::close(fd);
        throw std::runtime_error("cannot bind 127.0.0.1:0");
    }
    ::close(fd);
    return ntohs(addr.sin_port);
}

bool accepts_connection(std::uint16_t port)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return false;
    auto addr = loopback(port);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

MosquittoBroker::MosquittoBroker(std::string extra, std::shared_ptr<TempDir> dir) : dir_(std::move(dir))
{
    // Run as ourselves: as root, mosquitto would switch to the "mosquitto" user, who cannot read the
    // test's private temporary directory.
    const passwd* me = ::getpwuid(::getuid());
    const std::string user = me != nullptr ? me->pw_name : "root";
    std::string last_log;
    for (int attempt = 0; attempt < 3; ++attempt) {  // a free port can be taken before mosquitto binds it
        port_ = free_loopback_port();
        const auto config = dir_->write_file("mosquitto.conf",
                                             "user " + user + "\nper_listener_settings true\n" + "listener " +
                                                 std::to_string(port_) + " 127.0.0.1\n" + extra);
        process_ =
            std::make_unique<ChildProcess>(std::vector<std::string>{kMosquittoBinary, "-c", config.string()});
        for (int i = 0; i < 200; ++i) {  // up to ~10 s
            if (accepts_connection(port_)) return;
            if (process_->wait_exit(std::chrono::milliseconds{50})) break;  // exited: bind failed?
        }
        last_log = process_->err() + process_->out();
        process_->finish(std::chrono::milliseconds{2000});
        process_.reset();
    }
    throw std::runtime_error("mosquitto did not start: " + last_log);
}

MosquittoBroker::~MosquittoBroker()
{
    if (process_) {
        process_->signal(SIGTERM);
        if (!process_->wait_exit(std::chrono::milliseconds{5000}))
            process_->finish(std::chrono::milliseconds{1000});
    }
}

}  // namespace moatmq::test
