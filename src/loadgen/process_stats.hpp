#pragma once
// CPU time and resident memory of a process, from /proc (Linux). The generator reads its own CPU
// time to show how busy it was (a figure is only about the broker if the generator had CPU to
// spare), and, given the broker's pid, the broker's CPU per message and RSS per connection.
#include <sys/types.h>

#include <cstdint>
#include <optional>

namespace moatmq::loadgen {

// User + system CPU time of the whole process in microseconds; nullopt if it cannot be read.
std::optional<std::uint64_t> process_cpu_us(pid_t pid);
// Resident set size (VmRSS) in bytes; nullopt if it cannot be read.
std::optional<std::uint64_t> process_rss_bytes(pid_t pid);
// This process's own CPU time (getrusage), microseconds.
std::uint64_t self_cpu_us();

// Raises the soft RLIMIT_NOFILE to the hard limit; returns the soft limit now in force.
std::uint64_t raise_open_file_limit();

}  // namespace moatmq::loadgen
