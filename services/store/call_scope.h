// The RPC a worker thread is serving now, so that a layer far below the
// handler (the store, about to take its write lock) can stop work for a call
// that nobody waits for any more.
//
//   // The RPC runner, on the worker thread, around the call's work:
//   CallScope scope([ctx] { return CallStateOf(*ctx); });
//   ...
//   // The store, before and after taking the write lock:
//   RETURN_IF_ERROR(CurrentCallWanted());
//
// Outside any scope (tests calling the registry directly, start-up work)
// CurrentCallWanted() is always OK. Scopes are per thread and nest.
#ifndef RAAMATCH_SERVICES_STORE_CALL_SCOPE_H_
#define RAAMATCH_SERVICES_STORE_CALL_SCOPE_H_

#include <functional>

#include "absl/status/status.h"

namespace raa {

class CallScope {
 public:
  // `wanted` answers OK while the call's answer is still awaited, and
  // CANCELLED or DEADLINE_EXCEEDED once it is not. It must be cheap and
  // callable from this thread; it is called only while the scope lives.
  explicit CallScope(std::function<absl::Status()> wanted);
  ~CallScope();
  CallScope(const CallScope&) = delete;
  CallScope& operator=(const CallScope&) = delete;

 private:
  std::function<absl::Status()> wanted_;
  CallScope* outer_;
};

// OK unless the innermost CallScope on this thread says its call was
// cancelled or is past its deadline.
absl::Status CurrentCallWanted();

}  // namespace raa

#endif  // RAAMATCH_SERVICES_STORE_CALL_SCOPE_H_
