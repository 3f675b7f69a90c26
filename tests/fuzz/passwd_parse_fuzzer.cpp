// libFuzzer target for the password file parser (security/authn/password_file.cpp): every line kind
// (Argon2id PHC strings, Mosquitto $7$/$6$, SCRAM key fields, comments, CRLF), with their bounds checked
// before anything is allocated or hashed. Nothing is hashed here: parsing never verifies a password.
// Oracles: an error names a line within the input; a parsed file formats back to text that parses again
// to the same users with the same hashes and SCRAM keys (format() keeps untouched lines as read).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "security/authn/password_file.hpp"

namespace {

using namespace moatmq::security::authn;

void check(bool ok, const char* what)
{
    if (ok) return;
    std::fprintf(stderr, "passwd_parse_fuzzer: %s\n", what);
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto parsed = PasswordFile::parse(text, "fuzz");
    if (!parsed) {
        std::size_t lines = 1;
        for (const char c : text)
            lines += c == '\n' ? 1 : 0;
        check(parsed.error().line <= lines, "error names a line beyond the input");
        check(!parsed.error().to_string().empty(), "error without a message");
        return 0;
    }
    const std::string formatted = parsed->format();
    auto again = PasswordFile::parse(formatted, "fuzz-formatted");
    check(again.has_value(), "formatted file does not parse again");
    check(again->size() == parsed->size(), "user count changed by format()");
    check(again->format() == formatted, "format() is not a fixed point");
    // Every user of the first parse is found in the second with the same hash text and SCRAM keys.
    std::size_t start = 0;
    while (start <= formatted.size()) {
        const auto end = formatted.find('\n', start);
        const std::string_view line = std::string_view(formatted).substr(
            start, end == std::string::npos ? std::string::npos : end - start);
        const auto colon = line.find(':');
        if (colon != std::string_view::npos && !line.empty() && line.front() != '#') {
            const auto user = line.substr(0, colon);
            const auto* a = parsed->find(user);
            const auto* b = again->find(user);
            if (a != nullptr) {
                check(b != nullptr, "user lost by format()");
                check(a->hash.text() == b->hash.text(), "hash changed by format()");
                check(a->scram.size() == b->scram.size(), "SCRAM keys changed by format()");
            }
        }
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return 0;
}
