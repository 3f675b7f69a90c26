#pragma once
// The embedded default configuration, used by `moatmq serve` without -c (DESIGN.md §5): loopback only.
//   - listener "local":     127.0.0.1:1883, plain MQTT, anonymous allowed;
//   - listener "local-tls": 127.0.0.1:8883, TLS with the development CA and server certificate in
//                           <data_dir>/certs (ca.crt, server.crt, server.key), anonymous allowed.
// The app generates the development certificates on first start (`moatmq certs init`), and may skip the TLS
// listener (listener.tls set) with a log line until TLS is available. data_dir is "moatmq-data", relative to
// the current directory.
#include <string_view>

#include "config/config.hpp"
#include "config/config_error.hpp"

namespace moatmq::config {

// The TOML text of the default, for `moatmq check-config` and the docs.
std::string_view default_config_text();

// Parses default_config_text() with the same loader as files; relative paths resolve against the current
// directory.
ConfigResult<Config> load_default_config();

// Names of the default's listeners, for the app's "skip TLS until available" decision and for tests.
inline constexpr std::string_view kDefaultPlainListener = "local";
inline constexpr std::string_view kDefaultTlsListener = "local-tls";

}  // namespace moatmq::config
