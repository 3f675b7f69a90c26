#pragma once
// The exit codes of every moatmq subcommand (DESIGN.md §4): 0 success, 1 runtime failure (connection
// refused, not authorised, a file that cannot be read or written), 2 usage error. `moatmq sub -W`
// adds mosquitto_sub's 27 for "timed out before the count was reached".

namespace moatmq::app {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitTimedOut = 27;

}  // namespace moatmq::app
