#pragma once
// Reading and writing a property block: the Property Length (a variable byte integer) followed by the
// properties (§2.2.2). Internal to the codec.
#include <cstddef>

#include "codec/byte_reader.hpp"
#include "codec/byte_writer.hpp"
#include "codec/properties.hpp"
#include "codec/protocol.hpp"

namespace moatmq::codec::detail {

// Reads a whole property block for `context` into `out` (which must be empty). Fails with the rule
// broken: unknown identifier, property not allowed here, duplicate, bad value, bad UTF-8, truncation.
bool read_properties(ByteReader& r, PropertyContext context, Sender sender, Properties& out);

// Bytes of the properties themselves (without the Property Length). Sets `too_long` if a string or
// binary value is over 65,535 bytes.
std::size_t properties_size(const Properties& p, bool& too_long) noexcept;

// Writes the Property Length (`size`, from properties_size) and the properties, in identifier order.
void write_properties(ByteWriter& w, const Properties& p, std::size_t size) noexcept;

}  // namespace moatmq::codec::detail
