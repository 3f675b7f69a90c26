#include "security/tls/server_tls.hpp"

#include <sys/stat.h>

#include <stdexcept>

namespace moatmq::security::tls {

ServerTls::ServerTls(ServerTlsOptions options)
    : options_(std::move(options)), ticket_keys_(std::make_shared<TicketKeys>())
{
    seen_ = stamps();
    current_ = TlsContext::build(options_, ticket_keys_);
}

std::shared_ptr<const TlsContext> ServerTls::current() const
{
    std::lock_guard lock(mutex_);
    return current_;
}

std::optional<std::string> ServerTls::reload()
{
    auto before = stamps();
    try {
        auto next = TlsContext::build(options_, ticket_keys_);
        std::lock_guard lock(mutex_);
        current_ = std::move(next);
        seen_ = std::move(before);
        return std::nullopt;
    } catch (const std::exception& e) {
        std::lock_guard lock(mutex_);
        seen_ = std::move(before);  // not retried until a file changes again
        return std::string(e.what());
    }
}

bool ServerTls::files_changed() const
{
    auto now = stamps();
    std::lock_guard lock(mutex_);
    return now != seen_;
}

std::vector<ServerTls::Stamp> ServerTls::stamps() const
{
    std::vector<const std::filesystem::path*> paths;
    for (const auto* path : {&options_.cert, &options_.key, &options_.ca, &options_.crl, &options_.psk_file,
                             &options_.ocsp_response, &options_.key_passphrase_file}) {
        if (*path) paths.push_back(&**path);
    }
    for (const auto& sni : options_.sni) {
        paths.push_back(&sni.cert);
        paths.push_back(&sni.key);
    }
    std::vector<Stamp> result;
    for (const auto* path : paths) {
        Stamp stamp{*path};
        struct stat info {};
        if (::stat(path->c_str(), &info) == 0) {
            stamp.mtime_ns =
                static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec;
            stamp.size = static_cast<std::uintmax_t>(info.st_size);
            stamp.inode = static_cast<std::uintmax_t>(info.st_ino);
        }
        result.push_back(std::move(stamp));
    }
    return result;
}

}  // namespace moatmq::security::tls
