#include "observe/log.hpp"

#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <atomic>
#include <memory>

#include "observe/log_line.hpp"

namespace moatmq::observe {
namespace {

// spdlog does the writing (a thread-safe sink); moatmq does the formatting (log_line.cpp) and the level check
// (detail::g_level, read inline at each call site). The pattern "%v" passes our line through unchanged.
struct Logger {
    LogFormat format = LogFormat::text;
    std::shared_ptr<spdlog::logger> sink;
};

std::shared_ptr<Logger> make_logger(LogFormat format, spdlog::sink_ptr sink)
{
    auto logger = std::make_shared<Logger>();
    logger->format = format;
    logger->sink = std::make_shared<spdlog::logger>("moatmq", std::move(sink));
    logger->sink->set_pattern("%v");
    logger->sink->set_level(spdlog::level::trace);
    logger->sink->flush_on(spdlog::level::trace);
    return logger;
}

std::atomic<std::shared_ptr<Logger>>& current()
{
    static std::atomic<std::shared_ptr<Logger>> logger{
        make_logger(LogFormat::text, std::make_shared<spdlog::sinks::stderr_sink_mt>())};
    return logger;
}

void install(const LogConfig& config, spdlog::sink_ptr sink)
{
    current().store(make_logger(config.format, std::move(sink)));
    set_log_level(config.level);
}

}  // namespace

void init_logging(const LogConfig& config)
{
    install(config, std::make_shared<spdlog::sinks::stderr_sink_mt>());
}

void init_logging(const LogConfig& config, std::ostream& out)
{
    install(config, std::make_shared<spdlog::sinks::ostream_sink_mt>(out, /*force_flush=*/true));
}

void set_log_level(LogLevel level)
{
    detail::g_level.store(level, std::memory_order_relaxed);
}

void flush_logs()
{
    current().load()->sink->flush();
}

namespace detail {

void write(LogLevel level, std::string_view message, Fields fields)
{
    const auto logger = current().load();
    const std::string line =
        format_log_line(logger->format, level, std::chrono::system_clock::now(), message, fields);
    logger->sink->log(spdlog::level::info, std::string_view(line));
}

}  // namespace detail
}  // namespace moatmq::observe
