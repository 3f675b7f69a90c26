// moatmq certs: key material. This file holds `payload-key FILE` (end-to-end payload encryption);
// the TLS work adds `init DIR` and `client DIR NAME`.
#include <CLI/CLI.hpp>
#include <iostream>

#include "app/client_commands.hpp"
#include "client/cli_options.hpp"
#include "security/payload/key_file.hpp"

namespace moatmq::app {

int run_certs(int argc, char** argv)
{
    CLI::App app{"Make keys and certificates", "moatmq certs"};
    app.require_subcommand(1);
    std::string key_path;
    auto* payload_key = app.add_subcommand(
        "payload-key", "Write a new random payload encryption key (key id + 256-bit key) to FILE, mode 0600");
    payload_key->add_option("FILE", key_path, "Key file to create (never overwritten)")->required();
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return client::kExitUsage;
    }

    namespace payload = security::payload;
    auto key = payload::PayloadKey::generate();
    if (!key) {
        std::cerr << "moatmq certs: cannot generate a key: " << key.error().message() << '\n';
        return client::kExitFailure;
    }
    if (auto ec = payload::write_key_file(key_path, *key)) {
        std::cerr << "moatmq certs: cannot write " << key_path << ": " << ec.message() << '\n';
        return client::kExitFailure;
    }
    std::cout << "wrote payload key " << payload::to_hex(key->id()) << " to " << key_path << " (mode 0600)\n";
    return client::kExitOk;
}

}  // namespace moatmq::app
