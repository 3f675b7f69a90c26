#include "config/default_config.hpp"

#include <filesystem>

#include "config/loader.hpp"

namespace moatmq::config {
namespace {

// Keep in step with default_config.hpp and docs/configuration.md ("The embedded default").
constexpr std::string_view kDefaultConfig = R"(# moatmq embedded default: loopback only.
[broker]
data_dir = "moatmq-data"

[[listener]]
name = "local"
bind = "127.0.0.1:1883"
protocol = "mqtt"
allow_anonymous = true

[[listener]]
name = "local-tls"
bind = "127.0.0.1:8883"
protocol = "mqtt"
allow_anonymous = true
  [listener.tls]
  cert = "moatmq-data/certs/server.crt"
  key = "moatmq-data/certs/server.key"
  ca = "moatmq-data/certs/ca.crt"
  client_cert = "optional"
)";

}  // namespace

std::string_view default_config_text()
{
    return kDefaultConfig;
}

ConfigResult<Config> load_default_config()
{
    std::error_code ec;
    std::filesystem::path cwd = std::filesystem::current_path(ec);
    if (ec) cwd = ".";
    return load_config_string(kDefaultConfig, "<embedded default>", cwd);
}

}  // namespace moatmq::config
