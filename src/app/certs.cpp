// moatmq certs: key material.
//   certs init DIR            development CA + server certificate (security/tls/dev_certs.hpp)
//   certs client DIR NAME     a client certificate with CN=NAME, signed by DIR/ca.key
//   certs payload-key FILE    a key for end-to-end payload encryption
// Nothing is ever overwritten; keys are written with mode 0600.
#include <CLI/CLI.hpp>
#include <iostream>

#include "app/client_commands.hpp"
#include "app/exit_codes.hpp"
#include "app/parse_arguments.hpp"
#include "security/payload/key_file.hpp"
#include "security/tls/dev_certs.hpp"

namespace moatmq::app {

namespace {

int make_payload_key(const std::string& key_path)
{
    namespace payload = security::payload;
    auto key = payload::PayloadKey::generate();
    if (!key) {
        std::cerr << "moatmq certs: cannot generate a key: " << key.error().message() << '\n';
        return kExitFailure;
    }
    if (auto ec = payload::write_key_file(key_path, *key)) {
        std::cerr << "moatmq certs: cannot write " << key_path << ": " << ec.message() << '\n';
        return kExitFailure;
    }
    std::cout << "wrote payload key " << payload::to_hex(key->id()) << " to " << key_path << " (mode 0600)\n";
    return kExitOk;
}

}  // namespace

int run_certs(int argc, char** argv)
{
    CLI::App app{"Make keys and certificates", "moatmq certs"};
    app.require_subcommand(1);
    std::string key_path;
    auto* payload_key = app.add_subcommand(
        "payload-key", "Write a new random payload encryption key (key id + 256-bit key) to FILE, mode 0600");
    payload_key->add_option("FILE", key_path, "Key file to create (never overwritten)")->required();
    std::string dir;
    auto* init = app.add_subcommand(
        "init",
        "Make a development CA (DIR/ca.crt, ca.key) and a server certificate for localhost, 127.0.0.1 "
        "and ::1 (DIR/server.crt, server.key)");
    init->add_option("DIR", dir, "Directory (created if missing; existing files are never overwritten)")
        ->required();
    std::string name;
    auto* client_cert =
        app.add_subcommand("client",
                           "Make a client certificate with CN=NAME (DIR/NAME.crt, NAME.key), signed by "
                           "the development CA in DIR");
    client_cert->add_option("DIR", dir, "Directory holding ca.crt and ca.key (from certs init)")->required();
    client_cert->add_option("NAME", name, "The client's name: its certificate's CN")->required();
    if (const auto exit_code = parse_arguments(app, argc, argv)) return *exit_code;

    if (payload_key->parsed()) return make_payload_key(key_path);
    try {
        if (init->parsed()) {
            const auto files = security::tls::init_dev_certs(dir);
            std::cout << "wrote " << files.ca_cert.string() << " (trust this: --cafile), "
                      << files.ca_key.string() << ", " << files.server_cert.string() << ", "
                      << files.server_key.string() << " (keys mode 0600)\n";
            return kExitOk;
        }
        const auto cert = security::tls::make_client_cert(dir, name);
        std::cout << "wrote " << cert.string() << " and its key (mode 0600)\n";
        return kExitOk;
    } catch (const std::exception& e) {
        std::cerr << "moatmq certs: " << e.what() << '\n';
        return kExitFailure;
    }
}

}  // namespace moatmq::app
