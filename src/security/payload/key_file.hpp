#pragma once
// The payload key file, written by `moatmq certs payload-key FILE` (mode 0600). Text, one field a line:
//
//   # moatmq payload encryption key: anyone holding this file can read and forge messages.
//   moatmq-payload-key 1
//   id 0123456789abcdef                                                  (8 bytes, 16 hex digits)
//   key 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff (32 bytes, 64 hex digits)
//
// Lines starting with '#' and blank lines are ignored; the header line comes first; `id` and `key` each
// appear once, in any order; hex is case-insensitive. Anything else is PayloadError::key_file_invalid.
#include <filesystem>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "security/payload/payload_key.hpp"

namespace moatmq::security::payload {

Result<PayloadKey> parse_key_file(std::string_view text);

// The file's text for `key`. The caller wipes it after writing (it holds the secret in hex).
std::string format_key_file(const PayloadKey& key);

// Reads and parses `path`. Errors: the file system's, or key_file_invalid.
Result<PayloadKey> load_key_file(const std::filesystem::path& path);

// Creates `path` with mode 0600 and writes `key`; refuses to overwrite an existing file (file_exists).
error_code write_key_file(const std::filesystem::path& path, const PayloadKey& key);

// True when group or others may read the file: callers warn, since the key should be private.
bool key_file_too_open(const std::filesystem::path& path);

}  // namespace moatmq::security::payload
