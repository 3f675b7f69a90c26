#pragma once
// ServerTls: the TLS configuration of one listener over time. It holds the TlsContext in force and
// replaces it atomically on reload(): connections that are up keep the context they started with, new
// ones get the new one. A reload that fails (a missing, broken or mismatched file) changes nothing.
//
// Reload triggers: SIGHUP (the app calls reload() on every listener), and a change on disk, which the
// app notices by polling files_changed() (cheap: a stat per file). Ticket keys survive reloads, so
// clients keep resuming across a certificate rotation.
//
// Thread-safe: current() is called by the accepting worker, reload() by the app's thread.
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "security/tls/tls_context.hpp"
#include "security/tls/tls_options.hpp"

namespace moatmq::security::tls {

class ServerTls {
public:
    // Builds the first context; throws std::runtime_error (naming the file) if it cannot: a listener
    // whose TLS cannot be set up is a startup failure.
    explicit ServerTls(ServerTlsOptions options);

    std::shared_ptr<const TlsContext> current() const;
    const ServerTlsOptions& options() const noexcept { return options_; }

    // Re-reads every file. Returns nothing when the new context is in force, else why it was refused
    // (the old context stays).
    std::optional<std::string> reload();

    // Whether any file changed (modification time, size, inode) since the last reload attempt.
    bool files_changed() const;

private:
    struct Stamp {
        std::filesystem::path path;
        std::int64_t mtime_ns = -1;
        std::uintmax_t size = 0;
        std::uintmax_t inode = 0;
        bool operator==(const Stamp&) const = default;
    };
    std::vector<Stamp> stamps() const;

    ServerTlsOptions options_;
    std::shared_ptr<TicketKeys> ticket_keys_;
    mutable std::mutex mutex_;
    std::shared_ptr<const TlsContext> current_;
    std::vector<Stamp> seen_;  // the files as the last reload attempt found them
};

}  // namespace moatmq::security::tls
