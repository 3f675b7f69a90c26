#pragma once
// AuthWorkers: the small thread pool that runs password verifications (~50 ms of CPU each) away from the
// transport's worker threads (BrokerOptions::run_blocking). Jobs run in submission order; the queue is
// bounded, so a flood of CONNECTs cannot pile up unbounded work: submit() says no instead, and the broker
// answers that client with Server busy.
//
// Threads: submit() from any thread. The destructor stops taking jobs, lets the running ones finish,
// drops the queued ones (their connections are going away with the broker) and joins the threads.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace moatmq::security::authn {

class AuthWorkers {
public:
    // `threads` >= 1; `max_queued` jobs may wait for a thread.
    AuthWorkers(std::size_t threads, std::size_t max_queued);
    ~AuthWorkers();
    AuthWorkers(const AuthWorkers&) = delete;
    AuthWorkers& operator=(const AuthWorkers&) = delete;

    // Queues `job`; false (and `job` dropped) when the queue is full or the pool is stopping.
    bool submit(std::function<void()> job);

    std::size_t queued() const;

private:
    void run();

    const std::size_t max_queued_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> jobs_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace moatmq::security::authn
