#include "security/authn/auth_workers.hpp"

#include <algorithm>
#include <utility>

namespace moatmq::security::authn {

AuthWorkers::AuthWorkers(std::size_t threads, std::size_t max_queued) : max_queued_(max_queued)
{
    threads_.reserve(std::max<std::size_t>(threads, 1));
    for (std::size_t i = 0; i < std::max<std::size_t>(threads, 1); ++i)
        threads_.emplace_back([this] { run(); });
}

AuthWorkers::~AuthWorkers()
{
    {
        const std::lock_guard lock{mutex_};
        stopping_ = true;
        jobs_.clear();
    }
    wake_.notify_all();
    for (auto& thread : threads_)
        thread.join();
}

bool AuthWorkers::submit(std::function<void()> job)
{
    {
        const std::lock_guard lock{mutex_};
        if (stopping_ || jobs_.size() >= max_queued_) return false;
        jobs_.push_back(std::move(job));
    }
    wake_.notify_one();
    return true;
}

std::size_t AuthWorkers::queued() const
{
    const std::lock_guard lock{mutex_};
    return jobs_.size();
}

void AuthWorkers::run()
{
    for (;;) {
        std::function<void()> job;
        {
            std::unique_lock lock{mutex_};
            wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
            if (stopping_) return;
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        job();
    }
}

}  // namespace moatmq::security::authn
