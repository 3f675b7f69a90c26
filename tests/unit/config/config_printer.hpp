#pragma once
// Lets GoogleTest print a Config as its effective TOML when an EXPECT_EQ on two configs fails.
#include <ostream>

#include "config/config.hpp"
#include "config/render.hpp"

namespace moatmq::config {

inline void PrintTo(const Config& config, std::ostream* out)
{
    *out << "\n" << render_effective(config);
}

}  // namespace moatmq::config
