#pragma once
// `moatmq passwd [-c] [-D] [--stdin | --password PW] FILE USER` (DESIGN.md §4): adds, changes or deletes
// one user of a password file. New passwords are stored as Argon2id plus SCRAM-SHA-256/512 keys; the file
// is rewritten atomically (temp file + rename, mode 0600) with every other line kept byte for byte.
#include <iosfwd>

namespace moatmq::app {

// argv[0] is "passwd". The password comes from the terminal (asked twice, not echoed), from one line of
// standard input with --stdin, or from --password (with a warning).
int run_passwd(int argc, char** argv);

// The same with explicit streams, for tests: `in` is never treated as a terminal.
int run_passwd(int argc, char** argv, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace moatmq::app
