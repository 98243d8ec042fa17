// One WatchMatches stream read on a thread of its own, so a test can wait
// for an alert with a deadline instead of blocking on Read.
//
//   AlertStream stream(*matching_, finder, request);
//   std::vector<v1::MatchAlert> before;
//   ASSERT_TRUE(stream.ReadUntil(IsNewMatch, absl::Seconds(10), &before));
#ifndef RAAMATCH_TESTS_SUPPORT_ALERT_STREAM_H_
#define RAAMATCH_TESTS_SUPPORT_ALERT_STREAM_H_

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "raa/v1/matching.grpc.pb.h"

namespace raa::test {

// Alerts are read on the stream's own thread and queued here; the test takes
// them in arrival order with a deadline. The methods are called from the
// test's thread only.
class AlertStream {
 public:
  AlertStream(v1::MatchingService::Stub& stub, absl::string_view key,
              const v1::WatchMatchesRequest& request);
  // Cancels the stream (if it is still open) and joins the reader.
  ~AlertStream();
  AlertStream(const AlertStream&) = delete;
  AlertStream& operator=(const AlertStream&) = delete;

  // Takes alerts in arrival order until one satisfies `stop` (true, the
  // alert in `*stopped_at` if not null); alerts before it are appended to
  // `*before`. False if none satisfies it within `timeout` or the stream
  // ends first.
  bool ReadUntil(const std::function<bool(const v1::MatchAlert&)>& stop,
                 absl::Duration timeout, std::vector<v1::MatchAlert>* before,
                 v1::MatchAlert* stopped_at = nullptr);

  // Waits up to `timeout` for the stream to end and returns its status
  // (DEADLINE_EXCEEDED if it has not ended). Alerts still queued are
  // appended to `*unread` if not null.
  grpc::Status Finish(absl::Duration timeout,
                      std::vector<v1::MatchAlert>* unread = nullptr);

  // Stops reading from the stream (after at most one more alert), as a
  // client that has stopped reading; Resume reads again.
  void Pause();
  void Resume();

 private:
  void ReadLoop();
  bool HasNews() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !alerts_.empty() || ended_;
  }
  bool Ended() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return ended_; }
  bool Reading() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !paused_; }

  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<v1::MatchAlert>> reader_;
  absl::Mutex mu_;
  std::deque<v1::MatchAlert> alerts_ ABSL_GUARDED_BY(mu_);
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  bool paused_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
  std::thread reader_thread_;
};

// A MatchingService stub on a connection of its own whose HTTP/2 window
// does not grow (no BDP probes): a stream on it that stops reading soon
// leaves the server holding what it has not taken.
std::unique_ptr<v1::MatchingService::Stub> MatchingStubWithFixedWindow(
    const std::string& address);

}  // namespace raa::test

#endif  // RAAMATCH_TESTS_SUPPORT_ALERT_STREAM_H_
