#pragma once
// render_effective: a Config as TOML, every key present with its effective value (defaults filled in, paths
// absolute, sizes in bytes, durations in their largest exact unit). Loading the output gives an equal Config.
// Used by `moatmq check-config -c FILE`.
#include <string>

#include "config/config.hpp"

namespace moatmq::config {

std::string render_effective(const Config& config);

}  // namespace moatmq::config
