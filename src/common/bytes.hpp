#pragma once
// Byte vocabulary shared by every layer.
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace moatmq {

using Bytes = std::vector<std::byte>;
using ByteView = std::span<const std::byte>;

inline ByteView as_bytes(std::string_view text) noexcept
{
    return {reinterpret_cast<const std::byte*>(text.data()), text.size()};
}

inline std::string_view as_chars(ByteView bytes) noexcept
{
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

inline Bytes to_bytes(std::string_view text)
{
    auto view = as_bytes(text);
    return {view.begin(), view.end()};
}

}  // namespace moatmq
