#pragma once
// AuditLog: the security record of DESIGN.md §5 ([log].audit_file), one JSON object per line:
//   {"time":"2026-11-25T04:36:02.123Z","event":"authentication","listener":"local","remote":"127.0.0.1:50412",
//    "client_id":"dev-1","username":"alice","method":"password","outcome":"failure","reason":"bad password"}
//
// Every line is written with one write(2) on a file opened with O_APPEND (mode 0600 when created), so lines
// from several threads never interleave and a crash loses nothing already written. Lines are small and land
// in the page cache; callers on I/O threads may call write() directly. reopen() is for SIGHUP after an
// external log rotation.
//
// Like the main log, the Field API has no way to pass payloads or byte buffers: never pass a password, key or
// token as a string either — log the method and the outcome, not the secret.
#include <filesystem>
#include <memory>
#include <mutex>
#include <string_view>

#include "common/result.hpp"
#include "observe/log.hpp"

namespace moatmq::observe {

class AuditLog {
public:
    // Opens (creating with mode 0600) `file` for appending. Errors are errno values (permission, missing
    // directory).
    static Result<std::unique_ptr<AuditLog>> open(const std::filesystem::path& file);

    ~AuditLog();
    AuditLog(const AuditLog&) = delete;
    AuditLog& operator=(const AuditLog&) = delete;

    // Appends {"time":...,"event":event,<fields>}. A failed write is reported to the main log (once per
    // failure run), never thrown. Thread-safe.
    void write(std::string_view event, Fields fields);

    // Closes and reopens the file by name (log rotation). On failure the old descriptor stays in use.
    Result<void> reopen();

    const std::filesystem::path& path() const { return path_; }

private:
    AuditLog(std::filesystem::path path, int fd) : path_(std::move(path)), fd_(fd) {}

    std::filesystem::path path_;
    std::mutex mutex_;  // guards fd_ against reopen(); the write itself is atomic with O_APPEND
    int fd_ = -1;
    bool failing_ = false;
};

}  // namespace moatmq::observe
