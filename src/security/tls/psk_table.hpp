#pragma once
// PskTable: the pre-shared keys of a TLS-PSK listener, read from a psk_file (Mosquitto's format):
//
//   # comment
//   sensor-17:6a1f0c2b9d8e7f60a1b2c3d4e5f60718
//
// One "identity:hexkey" a line; the identity is what the client sends (it becomes the username), the key
// is 1..256 bytes in hex. Blank lines and lines starting with '#' are skipped. A malformed line makes
// load() throw std::runtime_error naming FILE:LINE (never the key). Keys are wiped when the table goes.
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace moatmq::security::tls {

class PskTable {
public:
    static constexpr std::size_t kMaxIdentityLength = 128;  // RFC 4279 allows 2^16; devices use short ones
    static constexpr std::size_t kMaxKeyLength = 256;

    static PskTable load(const std::filesystem::path& file);
    // The same from text (tests); `name` stands for the file in messages.
    static PskTable parse(std::string_view text, const std::string& name);

    PskTable() = default;
    PskTable(PskTable&&) noexcept = default;
    PskTable& operator=(PskTable&&) noexcept = default;
    ~PskTable();

    struct Entry {
        const std::string* identity;  // the table's copy
        std::span<const unsigned char> key;
    };
    // The entry of `identity`, or nothing. Valid while the table lives.
    std::optional<Entry> find(std::string_view identity) const;
    std::size_t size() const noexcept { return keys_.size(); }

private:
    std::map<std::string, std::vector<unsigned char>, std::less<>> keys_;
};

}  // namespace moatmq::security::tls
