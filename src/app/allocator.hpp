#pragma once
// Which malloc this process really uses, for `moatmq --version` and the broker's start-up log: the
// Release build links mimalloc to replace malloc process-wide (cmake/Allocator.cmake), sanitizer builds
// keep the C library's.

#include <string>

namespace moatmq::app {

// "mimalloc 2.0.9" when a block from malloc() belongs to mimalloc's heap; "mimalloc 2.0.9 (linked, but
// malloc is not overridden)" when it is linked but the C library's malloc won (a broken link order);
// "glibc malloc" in builds without it ("AddressSanitizer's malloc" under ASan).
std::string allocator_name();

}  // namespace moatmq::app
