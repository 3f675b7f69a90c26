#pragma once
// Diagnostics of the client tools on stderr, one whole line per write. The client's I/O thread (the
// -d packet trace) and the tool's main thread both report, and their lines must never interleave.
//
//   ErrorLine("moatmq sub") << "message on '" << topic << "' rejected: " << why;
#include <sstream>
#include <string_view>

namespace moatmq::client {

// Writes `line` and a newline to stderr in one piece, serialised with every other caller.
void write_error_line(std::string_view line);

// Collects one line ("TOOL: ...") and writes it with write_error_line() when destroyed.
class ErrorLine {
public:
    explicit ErrorLine(std::string_view tool) { text_ << tool << ": "; }
    ~ErrorLine() { write_error_line(text_.view()); }
    ErrorLine(const ErrorLine&) = delete;
    ErrorLine& operator=(const ErrorLine&) = delete;

    template <class T>
    ErrorLine& operator<<(const T& value)
    {
        text_ << value;
        return *this;
    }

private:
    std::ostringstream text_;
};

}  // namespace moatmq::client
