#pragma once
// TempDir: a fresh directory under $TMPDIR (or /tmp), removed with everything in it on destruction.
#include <filesystem>
#include <string>
#include <string_view>

namespace moatmq::test {

class TempDir {
public:
    // Throws std::runtime_error when the directory cannot be created.
    explicit TempDir(std::string_view prefix = "moatmq-test");
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const noexcept { return path_; }

    // Writes `content` to `name` inside the directory (replacing it, creating parent directories) and
    // returns the full path.
    std::filesystem::path write_file(std::string_view name, std::string_view content) const;

private:
    std::filesystem::path path_;
};

}  // namespace moatmq::test
