#include "observe/audit_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "observe/log_line.hpp"

namespace moatmq::observe {
namespace {

Result<int> open_for_append(const std::filesystem::path& file)
{
    const int fd = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return error_code(errno, boost::system::system_category());
    return fd;
}

}  // namespace

Result<std::unique_ptr<AuditLog>> AuditLog::open(const std::filesystem::path& file)
{
    auto fd = open_for_append(file);
    if (!fd) return fd.error();
    return std::unique_ptr<AuditLog>(new AuditLog(file, *fd));
}

AuditLog::~AuditLog()
{
    if (fd_ >= 0) ::close(fd_);
}

void AuditLog::write(std::string_view event, Fields fields)
{
    std::string line = format_audit_line(std::chrono::system_clock::now(), event, fields);
    line += '\n';
    std::lock_guard lock(mutex_);
    // One write(2) per line: with O_APPEND the line lands whole at the end of the file. A short write (disk
    // full) leaves a partial line, which the next line's newline terminates; readers skip lines that do not
    // parse.
    const ssize_t written = ::write(fd_, line.data(), line.size());
    if (written == static_cast<ssize_t>(line.size())) {
        failing_ = false;
        return;
    }
    if (!failing_) {
        const int error = written < 0 ? errno : ENOSPC;
        log::error("audit log write failed", {{"file", path_.string()}, {"error", std::strerror(error)}});
        failing_ = true;
    }
}

Result<void> AuditLog::reopen()
{
    auto fd = open_for_append(path_);
    if (!fd) return fd.error();
    std::lock_guard lock(mutex_);
    ::close(fd_);
    fd_ = *fd;
    failing_ = false;
    return {};
}

}  // namespace moatmq::observe
