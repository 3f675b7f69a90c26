#pragma once
// Entry points of the client-side subcommands. Each parses its own arguments (argv[0] is the
// subcommand's name, e.g. "pub") and returns the process exit code (DESIGN.md §4: 0 success,
// 1 runtime failure, 2 usage error; `sub -W` timing out returns 27, as mosquitto_sub does).
namespace moatmq::app {

int run_pub(int argc, char** argv);
int run_sub(int argc, char** argv);
// `moatmq certs payload-key FILE` (the TLS subcommands `init` and `client` are added by the TLS work).
int run_certs(int argc, char** argv);
// `moatmq bench MODE [opts]`: the load generator (src/loadgen).
int run_bench(int argc, char** argv);

}  // namespace moatmq::app
