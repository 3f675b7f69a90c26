#include "client/console.hpp"

#include <cstdio>
#include <mutex>
#include <string>

namespace moatmq::client {

void write_error_line(std::string_view line)
{
    static std::mutex mutex;
    std::string whole(line);
    whole += '\n';
    const std::scoped_lock lock(mutex);
    std::fwrite(whole.data(), 1, whole.size(), stderr);
    std::fflush(stderr);
}

}  // namespace moatmq::client
