#include "clients/web/connection_threads.h"

#include <algorithm>
#include <system_error>
#include <utility>

namespace raa::web {
namespace {

// At least one worker, and a maximum no lower than the minimum.
ConnectionThreads::Options Checked(ConnectionThreads::Options options) {
  options.min_threads = std::max<size_t>(options.min_threads, 1);
  options.max_threads = std::max(options.max_threads, options.min_threads);
  return options;
}

}  // namespace

ConnectionThreads::ConnectionThreads(Options options)
    : options_(Checked(options)) {
  absl::MutexLock lock(&mu_);
  for (size_t i = 0; i < options_.min_threads; ++i) StartWorker();
}

ConnectionThreads::~ConnectionThreads() { shutdown(); }

void ConnectionThreads::StartWorker() {
  std::thread worker;
  try {
    worker = std::thread([this] { Work(); });
  } catch (const std::system_error&) {
    // The system has no thread to give (ulimit -u, memory): the job waits
    // for a worker that is running, as past max_threads.
    return;
  }
  const std::thread::id id = worker.get_id();
  running_.emplace(id, std::move(worker));
  ++idle_;  // on its way to look for work
  peak_ = std::max(peak_, running_.size());
}

void ConnectionThreads::Retire() {
  auto it = running_.find(std::this_thread::get_id());
  finished_.push_back(std::move(it->second));
  running_.erase(it);
}

void ConnectionThreads::enqueue(std::function<void()> fn) {
  std::vector<std::thread> done;
  bool queued = false;
  {
    absl::MutexLock lock(&mu_);
    if (!shutdown_) {
      jobs_.push_back(std::move(fn));
      queued = true;
      // A worker each for the jobs waiting: the idle ones (some may be on
      // their way to an earlier job), else a new one.
      if (jobs_.size() > idle_ && running_.size() < options_.max_threads) {
        StartWorker();
      }
      done.swap(finished_);
    }
  }
  // Past shutdown no worker will take it, and a connection's job is what
  // closes its socket.
  if (!queued) fn();
  for (std::thread& t : done) t.join();  // ended, or about to
}

void ConnectionThreads::Work() {
  mu_.Lock();
  auto has_work = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !jobs_.empty() || shutdown_;
  };
  while (true) {
    // Counted in idle_ here (from StartWorker on).
    const bool woken =
        mu_.AwaitWithTimeout(absl::Condition(&has_work), options_.idle_exit);
    if (jobs_.empty()) {
      if (shutdown_ || (!woken && running_.size() > options_.min_threads)) {
        --idle_;
        Retire();
        mu_.Unlock();
        return;
      }
      continue;
    }
    std::function<void()> job = std::move(jobs_.front());
    jobs_.pop_front();
    --idle_;
    mu_.Unlock();
    job();
    job = nullptr;  // a connection's captures go before the next wait
    mu_.Lock();
    ++idle_;
  }
}

void ConnectionThreads::shutdown() {
  std::vector<std::thread> done;
  {
    absl::MutexLock lock(&mu_);
    shutdown_ = true;
    auto all_ended = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return running_.empty();
    };
    mu_.Await(absl::Condition(&all_ended));
    done.swap(finished_);
  }
  for (std::thread& t : done) t.join();
}

bool ConnectionThreads::shutting_down() const {
  absl::MutexLock lock(&mu_);
  return shutdown_;
}

size_t ConnectionThreads::threads() const {
  absl::MutexLock lock(&mu_);
  return running_.size();
}

size_t ConnectionThreads::peak_threads() const {
  absl::MutexLock lock(&mu_);
  return peak_;
}

}  // namespace raa::web
