#pragma once
// The generator's threads: N io_contexts, one thread each, and the helpers the runners share to set up
// many connections a few at a time and to wait for them from the controlling (main) thread.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/result.hpp"

namespace moatmq::loadgen {

namespace asio = boost::asio;

class WorkerPool {
public:
    explicit WorkerPool(unsigned threads);
    ~WorkerPool();  // join()
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    std::size_t size() const noexcept { return workers_.size(); }
    // Worker `index % size()`.
    asio::any_io_executor executor(std::size_t index) const;
    // Lets the event loops end once their work is done (close every connection first), and joins.
    void join();

private:
    struct Worker {
        asio::io_context io{1};
        asio::executor_work_guard<asio::io_context::executor_type> guard{io.get_executor()};
        std::thread thread;
    };
    std::vector<std::unique_ptr<Worker>> workers_;
};

// Counts completions reported from the workers; the main thread waits for all of them with a deadline.
class Countdown {
public:
    explicit Countdown(std::size_t expected) : remaining_(expected) {}
    void done(const error_code& ec);
    // True when every completion arrived in time.
    bool wait(std::chrono::milliseconds timeout);
    std::size_t failures() const;
    std::size_t remaining() const;
    error_code first_error() const;

private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::size_t remaining_;
    std::size_t failures_ = 0;
    error_code first_error_;
};

// Runs `step(i)` for every i in [0, count): item i on worker i % pool.size(), at most `lanes` items in
// progress over all workers. Each result goes to `countdown`. The step and the countdown must outlive
// the run (the caller waits on the countdown).
using SetupStep = std::function<asio::awaitable<error_code>(std::size_t)>;
void run_in_lanes(WorkerPool& pool, std::size_t count, unsigned lanes, std::shared_ptr<SetupStep> step,
                  std::shared_ptr<Countdown> countdown);

}  // namespace moatmq::loadgen
