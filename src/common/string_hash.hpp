#pragma once
// StringHash: a transparent hash, so unordered containers keyed by std::string can be searched with a
// std::string_view without building a string (use with std::equal_to<>).
#include <cstddef>
#include <functional>
#include <string_view>

namespace moatmq {

struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const noexcept
    {
        return std::hash<std::string_view>{}(text);
    }
};

}  // namespace moatmq
