// libFuzzer target for the configuration loader: any text is either refused with a "SOURCE:LINE: ..."
// error or accepted. Oracle for accepted text: the effective configuration check-config prints must
// load again and print the same (render_effective is a fixed point), so what an operator sees is what
// the broker runs.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "config/loader.hpp"
#include "config/render.hpp"

namespace {

[[noreturn]] void oracle_failed(const char* what)
{
    std::fprintf(stderr, "config_parse_fuzzer: %s\n", what);
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace moatmq::config;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const std::filesystem::path base = "/moatmq-fuzz";
    auto loaded = load_config_string(text, "fuzz.toml", base);
    if (!loaded) {
        const std::string message = loaded.error().to_string();
        if (message.rfind("fuzz.toml:", 0) != 0) oracle_failed("an error does not name the source");
        return 0;
    }
    const std::string rendered = render_effective(*loaded);
    auto again = load_config_string(rendered, "rendered.toml", base);
    if (!again) {
        std::fprintf(stderr, "%s\n%s\n", rendered.c_str(), again.error().to_string().c_str());
        oracle_failed("the effective configuration does not load again");
    }
    if (render_effective(*again) != rendered) oracle_failed("render_effective is not a fixed point");
    return 0;
}
