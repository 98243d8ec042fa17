// raa-web's connection workers (clients/web/connection_threads.h) with real
// threads: a job that blocks (a slow client's connection) never keeps a
// later one waiting while fewer than max_threads run; past that, jobs wait
// for a worker; idle workers beyond the minimum end; shutdown runs what is
// queued and joins every worker.
#include "clients/web/connection_threads.h"

#include <cstddef>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace raa::web {
namespace {

// Jobs that each count themselves started, then wait for Release().
class BlockingJobs {
 public:
  std::function<void()> Job() {
    return [this] {
      {
        absl::MutexLock lock(&mu_);
        ++started_;
      }
      release_.WaitForNotification();
      absl::MutexLock lock(&mu_);
      ++finished_;
    };
  }
  void Release() { release_.Notify(); }

  // Whether `n` jobs have started (finished) within 30 s.
  bool WaitStarted(size_t n) { return WaitFor(&started_, n); }
  bool WaitFinished(size_t n) { return WaitFor(&finished_, n); }
  size_t started() {
    absl::MutexLock lock(&mu_);
    return started_;
  }

 private:
  bool WaitFor(size_t* count, size_t n) {
    absl::MutexLock lock(&mu_);
    auto reached = [count, n]() { return *count >= n; };
    return mu_.AwaitWithTimeout(absl::Condition(&reached), absl::Seconds(30));
  }

  absl::Mutex mu_;
  size_t started_ = 0;
  size_t finished_ = 0;
  absl::Notification release_;
};

TEST(ConnectionThreadsTest, StartsWorkersBeyondItsMinimumWhileEveryOneIsBusy) {
  BlockingJobs jobs;
  ConnectionThreads pool({.min_threads = 2, .max_threads = 64});
  EXPECT_EQ(pool.threads(), 2u);
  // Ten slow connections: with two fixed workers, eight would wait.
  for (int i = 0; i < 10; ++i) pool.enqueue(jobs.Job());
  EXPECT_TRUE(jobs.WaitStarted(10)) << jobs.started() << " of 10 started";
  EXPECT_EQ(pool.threads(), 10u);
  jobs.Release();
  EXPECT_TRUE(jobs.WaitFinished(10));
  pool.shutdown();
  EXPECT_EQ(pool.threads(), 0u);
  EXPECT_EQ(pool.peak_threads(), 10u);
}

TEST(ConnectionThreadsTest, PastItsMaximumJobsWaitForAWorker) {
  BlockingJobs jobs;
  ConnectionThreads pool({.min_threads = 1, .max_threads = 3});
  for (int i = 0; i < 6; ++i) pool.enqueue(jobs.Job());
  ASSERT_TRUE(jobs.WaitStarted(3));
  // Every enqueue has returned: no more workers can have been started.
  EXPECT_EQ(pool.threads(), 3u);
  EXPECT_EQ(pool.peak_threads(), 3u);
  jobs.Release();
  EXPECT_TRUE(jobs.WaitFinished(6));  // the other three, on the same workers
  EXPECT_EQ(pool.peak_threads(), 3u);
}

TEST(ConnectionThreadsTest, WorkersBeyondTheMinimumEndOnceIdle) {
  BlockingJobs jobs;
  ConnectionThreads pool(
      {.min_threads = 1, .max_threads = 8, .idle_exit = absl::Milliseconds(1)});
  for (int i = 0; i < 5; ++i) pool.enqueue(jobs.Job());
  ASSERT_TRUE(jobs.WaitStarted(5));
  jobs.Release();
  ASSERT_TRUE(jobs.WaitFinished(5));
  // Each of the four extra workers ends a millisecond after its job.
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (pool.threads() > 1 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  EXPECT_EQ(pool.threads(), 1u);
  // The one kept still serves, and more start again when needed.
  BlockingJobs more;
  for (int i = 0; i < 3; ++i) pool.enqueue(more.Job());
  EXPECT_TRUE(more.WaitStarted(3));
  more.Release();
  EXPECT_TRUE(more.WaitFinished(3));
}

TEST(ConnectionThreadsTest, ShutdownRunsWhatIsQueuedAndJoinsEveryWorker) {
  absl::Mutex mu;
  int ran = 0;
  absl::Notification go;
  ConnectionThreads pool({.min_threads = 1, .max_threads = 1});
  // The one worker held while five jobs queue behind it.
  pool.enqueue([&go] { go.WaitForNotification(); });
  for (int i = 0; i < 5; ++i) {
    pool.enqueue([&] {
      absl::MutexLock lock(&mu);
      ++ran;
    });
  }
  std::thread stopper([&pool] { pool.shutdown(); });
  // Released only once shutdown has begun: the five are still queued then.
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (!pool.shutting_down() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  EXPECT_TRUE(pool.shutting_down());
  go.Notify();
  stopper.join();
  EXPECT_EQ(pool.threads(), 0u);
  absl::MutexLock lock(&mu);
  EXPECT_EQ(ran, 5);
}

TEST(ConnectionThreadsTest, AfterShutdownAJobRunsOnTheCaller) {
  ConnectionThreads pool({.min_threads = 2, .max_threads = 4});
  pool.shutdown();
  pool.shutdown();  // idempotent
  bool ran = false;
  pool.enqueue([&ran] { ran = true; });
  EXPECT_TRUE(ran);  // a connection's job closes its socket: never dropped
  EXPECT_EQ(pool.threads(), 0u);
}

}  // namespace
}  // namespace raa::web
