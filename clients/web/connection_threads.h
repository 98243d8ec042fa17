// raa-web's HTTP workers: a thread for each open connection, up to a cap.
//
//   http->new_task_queue = [] {
//     return new ConnectionThreads({.min_threads = 64, .max_threads = 1024});
//   };
//
// cpp-httplib hands each accepted connection to its task queue, and the
// worker keeps it until the connection closes. A client that sends its
// request a byte at a time, each within the read timeout, keeps its worker
// for as long as it likes; with a fixed pool (httplib::ThreadPool), as many
// such clients as workers shut every browser out. This pool starts another
// thread whenever a connection arrives and none is idle, up to max_threads
// (past that, connections wait for a worker, as with a fixed pool), and a
// thread beyond min_threads ends once it has idled for idle_exit.
//
// enqueue and shutdown are called from one thread that is not a worker (as
// httplib calls them, from its listening thread): shutdown from a worker
// would wait for itself. threads(), peak_threads() and shutting_down() from
// any thread.
#ifndef RAAMATCH_CLIENTS_WEB_CONNECTION_THREADS_H_
#define RAAMATCH_CLIENTS_WEB_CONNECTION_THREADS_H_

#include <httplib.h>

#include <cstddef>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace raa::web {

class ConnectionThreads final : public httplib::TaskQueue {
 public:
  struct Options {
    size_t min_threads = 64;    // started at once and always kept
    size_t max_threads = 1024;  // at most this many at a time
    absl::Duration idle_exit = absl::Seconds(30);
  };

  explicit ConnectionThreads(Options options);
  ConnectionThreads(const ConnectionThreads&) = delete;
  ConnectionThreads& operator=(const ConnectionThreads&) = delete;
  ~ConnectionThreads() override;  // shutdown()

  // Runs `fn` on an idle worker, or on a new one when none is idle and
  // fewer than max_threads run; otherwise once a worker is free. After
  // shutdown, on the calling thread.
  void enqueue(std::function<void()> fn) override;

  // Runs what is queued, then ends and joins every worker. Idempotent.
  void shutdown() override;

  bool shutting_down() const;   // shutdown() has begun
  size_t threads() const;       // workers running now
  size_t peak_threads() const;  // the most that ever ran at once

 private:
  void Work();
  // Starts a worker (mu_ held: it waits for mu_ before it looks for work).
  void StartWorker() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // This worker's thread, moved to finished_ for the next caller to join.
  void Retire() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Options options_;
  mutable absl::Mutex mu_;
  std::deque<std::function<void()>> jobs_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::thread::id, std::thread> running_
      ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> finished_ ABSL_GUARDED_BY(mu_);
  size_t idle_ ABSL_GUARDED_BY(mu_) = 0;  // workers not running a job
  size_t peak_ ABSL_GUARDED_BY(mu_) = 0;
  bool shutdown_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace raa::web

#endif  // RAAMATCH_CLIENTS_WEB_CONNECTION_THREADS_H_
