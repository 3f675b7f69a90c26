#pragma once
// The property table of §2.2.2.2: for each identifier its value type and the packets (contexts) it
// may appear in. One row per identifier; the decoder, the encoder and validate_for() all read it.
#include <cstdint>
#include <string_view>

#include "codec/properties.hpp"

namespace moatmq::codec::detail {

constexpr std::uint16_t context_bit(PropertyContext c) noexcept
{
    return static_cast<std::uint16_t>(1u << static_cast<unsigned>(c));
}

struct PropertyInfo {
    bool defined;
    PropertyType type;
    std::uint16_t contexts;  // context_bit()s where the property is allowed
    std::string_view name;
};

inline constexpr std::uint32_t kMaxPropertyId = 0x2A;

// Row for `id`; nullptr for identifiers the spec does not define.
const PropertyInfo* property_info(std::uint32_t id) noexcept;

}  // namespace moatmq::codec::detail
