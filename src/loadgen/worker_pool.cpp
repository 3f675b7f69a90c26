#include "loadgen/worker_pool.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <iostream>

namespace moatmq::loadgen {

WorkerPool::WorkerPool(unsigned threads)
{
    for (unsigned i = 0; i < std::max(1U, threads); ++i) {
        auto worker = std::make_unique<Worker>();
        // A coroutine that throws (a broken invariant) must not take the whole generator down with
        // std::terminate: report it and keep the loop running for the other connections.
        worker->thread = std::thread([io = &worker->io] {
            for (;;) {
                try {
                    io->run();
                    return;
                } catch (const std::exception& e) {
                    std::cerr << "moatmq bench: unexpected error in a connection: " << e.what() << std::endl;
                }
            }
        });
        workers_.push_back(std::move(worker));
    }
}

WorkerPool::~WorkerPool()
{
    join();
}

asio::any_io_executor WorkerPool::executor(std::size_t index) const
{
    return workers_[index % workers_.size()]->io.get_executor();
}

void WorkerPool::join()
{
    for (auto& worker : workers_)
        worker->guard.reset();
    for (auto& worker : workers_)
        if (worker->thread.joinable()) worker->thread.join();
}

void Countdown::done(const error_code& ec)
{
    std::lock_guard lock(mutex_);
    if (ec) {
        ++failures_;
        if (!first_error_) first_error_ = ec;
    }
    if (remaining_ > 0) --remaining_;
    changed_.notify_all();
}

bool Countdown::wait(std::chrono::milliseconds timeout)
{
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [this] { return remaining_ == 0; });
}

std::size_t Countdown::failures() const
{
    std::lock_guard lock(mutex_);
    return failures_;
}

std::size_t Countdown::remaining() const
{
    std::lock_guard lock(mutex_);
    return remaining_;
}

error_code Countdown::first_error() const
{
    std::lock_guard lock(mutex_);
    return first_error_;
}

namespace {

// One lane: takes the next item of its worker (items worker, worker + stride, ...) until none is left.
// The cursor is shared by the lanes of one worker, all on that worker's thread.
asio::awaitable<void> lane(std::shared_ptr<std::size_t> cursor, std::size_t count, std::size_t stride,
                           std::shared_ptr<SetupStep> step, std::shared_ptr<Countdown> countdown)
{
    while (*cursor < count) {
        const std::size_t item = *cursor;
        *cursor += stride;
        countdown->done(co_await (*step)(item));
    }
}

}  // namespace

void run_in_lanes(WorkerPool& pool, std::size_t count, unsigned lanes, std::shared_ptr<SetupStep> step,
                  std::shared_ptr<Countdown> countdown)
{
    const std::size_t workers = pool.size();
    const std::size_t per_worker = std::max<std::size_t>(1, (std::max(1U, lanes) + workers - 1) / workers);
    for (std::size_t w = 0; w < workers && w < count; ++w) {
        auto cursor = std::make_shared<std::size_t>(w);
        for (std::size_t l = 0; l < per_worker; ++l)
            asio::co_spawn(pool.executor(w), lane(cursor, count, workers, step, countdown), asio::detached);
    }
}

}  // namespace moatmq::loadgen
