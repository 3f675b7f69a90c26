#pragma once
// FailingFileSystem: RocksDB's default file system, except that writes fail with "no space" while
// `fail` is set, and new files cannot be created while `read_only` is set. The store tests use it for a
// full or read-only disk: this machine offers no small filesystem to fill without root mounts.
#include <rocksdb/file_system.h>

#include <atomic>
#include <memory>
#include <string>

namespace moatmq::store::fault {

class FailingFile final : public rocksdb::FSWritableFileOwnerWrapper {
public:
    FailingFile(std::unique_ptr<rocksdb::FSWritableFile> file, const std::atomic<bool>& fail)
        : FSWritableFileOwnerWrapper(std::move(file)), fail_(fail)
    {
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override
    {
        if (fail_) return rocksdb::IOStatus::NoSpace("test: disk full");
        return FSWritableFileOwnerWrapper::Append(data, options, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             const rocksdb::DataVerificationInfo& info, rocksdb::IODebugContext* dbg) override
    {
        if (fail_) return rocksdb::IOStatus::NoSpace("test: disk full");
        return FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override
    {
        if (fail_) return rocksdb::IOStatus::NoSpace("test: disk full");
        return FSWritableFileOwnerWrapper::Sync(options, dbg);
    }

private:
    const std::atomic<bool>& fail_;
};

// Fails writes while `fail` is set; refuses to create files while `read_only` is set (EROFS-like).
class FailingFileSystem final : public rocksdb::FileSystemWrapper {
public:
    explicit FailingFileSystem(std::shared_ptr<rocksdb::FileSystem> target)
        : FileSystemWrapper(std::move(target))
    {
    }
    const char* Name() const override { return "FailingFileSystem"; }
    rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                      std::unique_ptr<rocksdb::FSWritableFile>* result,
                                      rocksdb::IODebugContext* dbg) override
    {
        if (read_only) return rocksdb::IOStatus::IOError("test: read-only file system");
        std::unique_ptr<rocksdb::FSWritableFile> file;
        auto status = FileSystemWrapper::NewWritableFile(name, options, &file, dbg);
        if (status.ok()) *result = std::make_unique<FailingFile>(std::move(file), fail);
        return status;
    }
    std::atomic<bool> fail{false};
    std::atomic<bool> read_only{false};
};

}  // namespace moatmq::store::fault
