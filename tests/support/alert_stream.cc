#include "tests/support/alert_stream.h"

#include <chrono>
#include <string>
#include <utility>

namespace raa::test {

AlertStream::AlertStream(v1::MatchingService::Stub& stub, absl::string_view key,
                         const v1::WatchMatchesRequest& request) {
  // A safety net only: tests end their streams themselves.
  context_.set_deadline(std::chrono::system_clock::now() +
                        std::chrono::minutes(5));
  if (!key.empty()) {
    context_.AddMetadata("authorization", "Bearer " + std::string(key));
  }
  reader_ = stub.WatchMatches(&context_, request);
  reader_thread_ = std::thread([this] { ReadLoop(); });
}

AlertStream::~AlertStream() {
  context_.TryCancel();
  Resume();
  reader_thread_.join();
}

void AlertStream::Pause() {
  absl::MutexLock lock(&mu_);
  paused_ = true;
}

void AlertStream::Resume() {
  absl::MutexLock lock(&mu_);
  paused_ = false;
}

void AlertStream::ReadLoop() {
  v1::MatchAlert alert;
  while (reader_->Read(&alert)) {
    absl::MutexLock lock(&mu_);
    alerts_.push_back(alert);
    mu_.Await(absl::Condition(this, &AlertStream::Reading));
  }
  grpc::Status status = reader_->Finish();
  absl::MutexLock lock(&mu_);
  status_ = status;
  ended_ = true;
}

bool AlertStream::ReadUntil(
    const std::function<bool(const v1::MatchAlert&)>& stop,
    absl::Duration timeout, std::vector<v1::MatchAlert>* before,
    v1::MatchAlert* stopped_at) {
  const absl::Time deadline = absl::Now() + timeout;
  absl::MutexLock lock(&mu_);
  while (true) {
    while (!alerts_.empty()) {
      v1::MatchAlert alert = std::move(alerts_.front());
      alerts_.pop_front();
      if (stop(alert)) {
        if (stopped_at != nullptr) *stopped_at = std::move(alert);
        return true;
      }
      before->push_back(std::move(alert));
    }
    if (ended_) return false;
    if (!mu_.AwaitWithDeadline(absl::Condition(this, &AlertStream::HasNews),
                               deadline)) {
      if (alerts_.empty()) return false;
    }
  }
}

grpc::Status AlertStream::Finish(absl::Duration timeout,
                                 std::vector<v1::MatchAlert>* unread) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(this, &AlertStream::Ended), timeout);
  if (unread != nullptr) {
    unread->insert(unread->end(), alerts_.begin(), alerts_.end());
  }
  alerts_.clear();
  if (!ended_) {
    return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                        "the stream did not end");
  }
  return status_;
}

std::unique_ptr<v1::MatchingService::Stub> MatchingStubWithFixedWindow(
    const std::string& address) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  return v1::MatchingService::NewStub(grpc::CreateCustomChannel(
      address, grpc::InsecureChannelCredentials(), args));
}

}  // namespace raa::test
