#pragma once
// Helpers for the TLS integration tests: a throw-away PKI made with the openssl command (a CA, server
// and client certificates with chosen subjects, subjectAltNames and validity, revocation and a CRL),
// TLS listener configuration, and the third-party clients (mosquitto_pub/sub, openssl s_client).
// Every program runs with a timeout; only 127.0.0.1 is used.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "broker_process.hpp"
#include "child_process.hpp"
#include "temp_dir.hpp"

namespace moatmq::test {

inline constexpr auto kToolTimeout = 20s;

inline ProgramResult run_checked(std::vector<std::string> argv)
{
    auto result = run_program(argv, kToolTimeout);
    EXPECT_EQ(result.exit_code, 0) << argv[0] << " " << (argv.size() > 1 ? argv[1] : "") << ": "
                                   << result.err;
    return result;
}

// A CA run with `openssl ca`, in its own directory.
class TestPki {
public:
    explicit TestPki(const std::string& ca_name = "moatmq test CA")
        : dir_(std::make_unique<TempDir>("moatmq-pki"))
    {
        const auto d = dir().string();
        dir_->write_file("index.txt", "");
        dir_->write_file("serial", "1000\n");
        dir_->write_file("crlnumber", "1000\n");
        std::filesystem::create_directories(dir() / "newcerts");
        dir_->write_file("ca.cnf", "[ca]\ndefault_ca = test_ca\n[test_ca]\ndir = " + d +
                                       "\ndatabase = $dir/index.txt\nnew_certs_dir = $dir/newcerts\n"
                                       "certificate = $dir/ca.crt\nprivate_key = $dir/ca.key\nserial = "
                                       "$dir/serial\ncrlnumber = $dir/crlnumber\ndefault_md = sha256\n"
                                       "default_days = 2\ndefault_crl_days = 2\npolicy = any\n"
                                       "copy_extensions = copy\nunique_subject = no\nx509_extensions = leaf\n"
                                       "[any]\ncommonName = optional\norganizationName = optional\n"
                                       "emailAddress = optional\n[leaf]\nbasicConstraints = CA:FALSE\n");
        run_checked({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                     "-nodes", "-days", "2", "-subj", "/CN=" + ca_name, "-keyout", d + "/ca.key", "-out",
                     d + "/ca.crt"});
    }

    std::filesystem::path dir() const { return dir_->path(); }
    std::string file(const std::string& name) const { return (dir() / name).string(); }
    std::string ca() const { return file("ca.crt"); }

    // Issues NAME.crt / NAME.key with `subject` ("/CN=alice"), optional subjectAltName text
    // ("DNS:a.example,email:a@example.com") and optional validity ("20200101000000Z").
    void issue(const std::string& name, const std::string& subject, const std::string& alt_names = {},
               const std::string& start = {}, const std::string& end = {}) const
    {
        std::vector<std::string> req{"openssl",
                                     "req",
                                     "-new",
                                     "-newkey",
                                     "ec",
                                     "-pkeyopt",
                                     "ec_paramgen_curve:P-256",
                                     "-nodes",
                                     "-subj",
                                     subject,
                                     "-keyout",
                                     file(name + ".key"),
                                     "-out",
                                     file(name + ".csr")};
        if (!alt_names.empty()) {
            req.push_back("-addext");
            req.push_back("subjectAltName=" + alt_names);
        }
        run_checked(req);
        std::vector<std::string> sign{
            "openssl",           "ca",   "-batch",           "-notext", "-config", file("ca.cnf"), "-in",
            file(name + ".csr"), "-out", file(name + ".crt")};
        if (!start.empty()) sign.insert(sign.end(), {"-startdate", start, "-enddate", end});
        run_checked(sign);
    }

    // Issues the server certificate (server.crt / server.key) for localhost and 127.0.0.1.
    void issue_server() const { issue("server", "/CN=localhost", "DNS:localhost,IP:127.0.0.1"); }

    void revoke(const std::string& name) const
    {
        run_checked({"openssl", "ca", "-batch", "-config", file("ca.cnf"), "-revoke", file(name + ".crt")});
    }

    // Writes crl.pem with every revocation so far.
    std::string make_crl() const
    {
        run_checked(
            {"openssl", "ca", "-batch", "-config", file("ca.cnf"), "-gencrl", "-out", file("crl.pem")});
        return file("crl.pem");
    }

private:
    std::unique_ptr<TempDir> dir_;
};

// A TLS listener named `name` on 127.0.0.1:0; `tls_lines` go into its [listener.tls] table.
inline std::string tls_listener(const std::string& name, const std::string& tls_lines,
                                const std::string& protocol = "mqtt")
{
    return "[[listener]]\nname = \"" + name + "\"\nbind = \"127.0.0.1:0\"\nprotocol = \"" + protocol +
           "\"\nallow_anonymous = true\n  [listener.tls]\n" + tls_lines;
}

inline std::string quoted(const std::string& path)
{
    return "\"" + path + "\"";
}

// mosquitto_pub over TLS to 127.0.0.1:port; `extra` adds --cert/--key/--psk... options.
inline ProgramResult mosquitto_pub(std::uint16_t port, std::vector<std::string> extra,
                                   const std::string& topic = "t", const std::string& message = "m")
{
    std::vector<std::string> args{
        "mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(port), "-t", topic, "-m",
        message,         "-q", "1"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_program(args, kToolTimeout);
}

// mosquitto_sub -C count over TLS, started and waited for until its subscription is in place (-d prints
// the SUBACK).
inline std::unique_ptr<ChildProcess> mosquitto_sub(std::uint16_t port, std::vector<std::string> extra,
                                                   const std::string& topic = "t", int count = 1)
{
    // stdbuf: stdout is a pipe here, and the SUBACK line must not wait in a buffer.
    std::vector<std::string> args{
        "stdbuf", "-oL", "mosquitto_sub",       "-d", "-h", "127.0.0.1", "-p", std::to_string(port), "-t",
        topic,    "-C",  std::to_string(count), "-W", "20", "-q",        "1"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto sub = std::make_unique<ChildProcess>(args);
    if (!sub->wait_for_output("received SUBACK", 10s))
        ADD_FAILURE() << "mosquitto_sub did not subscribe:\n" << sub->out() << sub->err();
    return sub;
}

// openssl s_client to 127.0.0.1:port with `extra` options; stdin is /dev/null, so it closes after the
// handshake (and what the server sent right after it, such as session tickets).
inline ProgramResult s_client(std::uint16_t port, std::vector<std::string> extra)
{
    std::vector<std::string> args{"openssl",     "s_client", "-connect", "127.0.0.1:" + std::to_string(port),
                                  "-servername", "localhost"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_program(args, kToolTimeout);
}

}  // namespace moatmq::test
