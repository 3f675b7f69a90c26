// moatmq check-config -c FILE: validates a configuration and prints the effective settings (every key,
// defaults filled in) as TOML on stdout. An invalid file is reported as FILE:LINE: message, exit 1.
#include <iostream>

#include "app/commands.hpp"
#include "app/exit_codes.hpp"
#include "config/loader.hpp"
#include "config/render.hpp"

namespace moatmq::app {

int run_check_config(const CheckConfigOptions& options)
{
    auto loaded = config::load_config_file(options.config_file);
    if (!loaded) {
        std::cerr << loaded.error().to_string() << '\n';
        return kExitFailure;
    }
    std::cout << config::render_effective(*loaded);
    std::cout.flush();
    return kExitOk;
}

}  // namespace moatmq::app
