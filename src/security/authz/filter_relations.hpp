#pragma once
// Relations between topic filters, seen as the SETS of topic names they match: does one filter's set meet
// another's (overlap), what is their common part (intersection), and is a filter's set contained in the
// union of several others (coverage)? The subscribe check needs them: a SUBSCRIBE is granted when its filter
// meets readable topics, and with [acl].strict_subscribe only when readable topics contain it.
//
// The model. A filter is a sequence of levels L1/.../Ln, the last of which may be '#'. Without '#' it
// matches the topics of exactly n levels whose levels match pointwise ('+' matches any one level, a
// literal only itself). With '#' it matches topics of at least n-1 levels whose first n-1 levels match
// ('#' also matches the parent level: "a/#" matches "a"). Topics starting with '$' are not matched by a
// filter whose first level is '+' or '#' [MQTT-4.7.2-1]: a first-level wildcard ranges over non-$ levels.
//
// Intersection. Two filters' sets meet in a set that is itself a filter's: pointwise, literal ∩ literal is
// the literal if they are equal (else nothing), literal ∩ '+' is the literal, '+' ∩ '+' is '+'; where one
// filter ends in '#' the other's remaining levels are kept; the result ends in '#' only if both do. A
// first level that comes out as a '$' literal from a wildcard is empty (the '$' rule).
//
// Coverage of G by a union S = {F1..Fk}, level by level, carrying the set of filters still matching:
//   - some F has reached its '#': covered (everything below matches);
//   - G's next level is a literal l: keep the F whose next level is l or '+' (at the first level, a '$'
//     literal keeps only the exact ones), advance;
//   - G's next level is '+': it stands for every value, including ones no F names, and an F with a literal
//     there covers only that one value; the values no F names are the hardest case, and the F that match
//     them ('+') also match every named value — so G is covered iff the '+' F's cover the rest of G;
//   - G has ended: covered iff some F ends exactly here;
//   - G's next level is '#': it matches "end here" and "one more level, then '#' again": both must be
//     covered. The recursion ends because every step advances the remaining F, which are finite, and an
//     empty S covers nothing.
// The union matters: "a/#" is covered by {"a", "a/+/#"} although neither covers it alone.
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace moatmq::security::authz {

// All filters must be valid, non-shared topic filters.

// The filter matching exactly the topics both match, or nullopt when no topic matches both.
std::optional<std::string> filter_intersection(std::string_view a, std::string_view b);

// Whether some topic matches both.
bool filters_overlap(std::string_view a, std::string_view b);

// Whether every topic that `filter` matches is matched by at least one of `cover`.
bool filter_covered_by(std::string_view filter, std::span<const std::string_view> cover);

}  // namespace moatmq::security::authz
