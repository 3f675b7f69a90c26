#include "observe/log_line.hpp"

#include <ctime>
#include <nlohmann/json.hpp>

namespace moatmq::observe {
namespace {

// Appends `text` with control characters escaped; with `quote`, also escapes '"' and '\'.
void append_escaped(std::string& out, std::string_view text, bool quote)
{
    static constexpr char kHex[] = "0123456789abcdef";
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (byte < 0x20 || byte == 0x7f) {
            out += "\\x";
            out += kHex[byte >> 4];
            out += kHex[byte & 0xf];
        } else if (quote && (c == '"' || c == '\\')) {
            out += '\\';
            out += c;
        } else {
            out += c;
        }
    }
}

bool needs_quotes(std::string_view text)
{
    if (text.empty()) return true;
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte <= 0x20 || byte == 0x7f || c == '"' || c == '=' || c == '\\') return true;
    }
    return false;
}

void append_text_value(std::string& out, const Field::Value& value)
{
    if (const auto* text = std::get_if<std::string_view>(&value)) {
        const bool quote = needs_quotes(*text);
        if (quote) out += '"';
        append_escaped(out, *text, quote);
        if (quote) out += '"';
    } else if (const auto* i = std::get_if<std::int64_t>(&value)) {
        out += std::to_string(*i);
    } else if (const auto* u = std::get_if<std::uint64_t>(&value)) {
        out += std::to_string(*u);
    } else if (const auto* d = std::get_if<double>(&value)) {
        out += fmt::format("{}", *d);
    } else if (const auto* b = std::get_if<bool>(&value)) {
        out += *b ? "true" : "false";
    }
}

nlohmann::ordered_json json_value(const Field::Value& value)
{
    return std::visit([](const auto& v) { return nlohmann::ordered_json(v); }, value);
}

// Adds `fields` to `line`; a field named like one of the line's own keys is renamed with a leading '_'.
void add_json_fields(nlohmann::ordered_json& line, Fields fields)
{
    for (const Field& field : fields) {
        std::string key(field.key());
        while (line.contains(key))
            key = "_" + key;
        line[key] = json_value(field.value());
    }
}

// Invalid UTF-8 (it should not reach here: the codec validates strings) is replaced, never passed on.
std::string dump(const nlohmann::ordered_json& line)
{
    return line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace

std::string format_log_time(std::chrono::system_clock::time_point time)
{
    const auto since_epoch = time.time_since_epoch();
    const auto seconds = std::chrono::floor<std::chrono::seconds>(since_epoch);
    const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds).count();
    const std::time_t t = static_cast<std::time_t>(seconds.count());
    std::tm utc{};
    gmtime_r(&t, &utc);
    char buffer[32];
    const std::size_t n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &utc);
    return fmt::format("{}.{:03}Z", std::string_view(buffer, n), millis);
}

std::string format_log_line(LogFormat format, LogLevel level, std::chrono::system_clock::time_point time,
                            std::string_view message, Fields fields)
{
    if (format == LogFormat::json) {
        nlohmann::ordered_json line;
        line["time"] = format_log_time(time);
        line["level"] = to_string(level);
        line["msg"] = message;
        add_json_fields(line, fields);
        return dump(line);
    }
    std::string out = format_log_time(time);
    out += ' ';
    out += to_string(level);
    out += ' ';
    append_escaped(out, message, false);
    for (const Field& field : fields) {
        out += ' ';
        append_escaped(out, field.key(), false);
        out += '=';
        append_text_value(out, field.value());
    }
    return out;
}

std::string format_audit_line(std::chrono::system_clock::time_point time, std::string_view event,
                              Fields fields)
{
    nlohmann::ordered_json line;
    line["time"] = format_log_time(time);
    line["event"] = event;
    add_json_fields(line, fields);
    return dump(line);
}

}  // namespace moatmq::observe
