#include "app/allocator.hpp"

#include <cstdlib>

#ifdef MOATMQ_WITH_MIMALLOC
#include <mimalloc.h>
#endif

namespace moatmq::app {

std::string allocator_name()
{
#ifdef MOATMQ_WITH_MIMALLOC
    const int version = mi_version();  // e.g. 209
    std::string name = "mimalloc " + std::to_string(version / 100) + '.' +
                       std::to_string(version % 100 / 10) + '.' + std::to_string(version % 10);
    // Ask the allocator that answers malloc(), not the build: mi_check_owned() only walks mimalloc's own
    // pages, so a pointer from glibc's malloc is safely reported as foreign.
    void* probe = std::malloc(64);
    const bool overridden = probe != nullptr && mi_check_owned(probe);
    std::free(probe);
    if (!overridden) name += " (linked, but malloc is not overridden)";
    return name;
#elif defined(__SANITIZE_ADDRESS__)
    return "AddressSanitizer's malloc";
#else
    return "glibc malloc";
#endif
}

}  // namespace moatmq::app
