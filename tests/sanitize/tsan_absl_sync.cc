// Tells ThreadSanitizer about absl::Mutex and absl::Notification.
//
// Debian's Abseil is built without ThreadSanitizer, so its locks are atomics
// and futexes TSan cannot see: every field our code guards with an
// absl::Mutex would be reported as a race. With -DRAA_SANITIZE=thread the
// top CMakeLists.txt links this library into every target and passes
// -Wl,--wrap=<symbol> for each function below, so our code's calls go
// through these wrappers, which report the lock, unlock, release and acquire
// to TSan (sanitizer/tsan_interface.h) around the real call (__real_*).
// Calls Abseil and gRPC make internally are not wrapped.
//
// The symbols are Abseil 20220623's as Debian builds it (inline namespace
// debian3). Another Abseil fails to link (no __real_ symbol), not silently.
#include <sanitizer/tsan_interface.h>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

#define RAA_WRAP(ret, name, ...)             \
  extern "C" ret __real_##name(__VA_ARGS__); \
  extern "C" ret __wrap_##name(__VA_ARGS__)

namespace {
constexpr unsigned kRead = __tsan_mutex_read_lock;

void Locked(void* mu, unsigned flags) { __tsan_mutex_post_lock(mu, flags, 0); }
}  // namespace

// Mutex::Lock / Unlock.
RAA_WRAP(void, _ZN4absl7debian35Mutex4LockEv, absl::Mutex* mu) {
  __tsan_mutex_pre_lock(mu, 0);
  __real__ZN4absl7debian35Mutex4LockEv(mu);
  Locked(mu, 0);
}
RAA_WRAP(void, _ZN4absl7debian35Mutex6UnlockEv, absl::Mutex* mu) {
  __tsan_mutex_pre_unlock(mu, 0);
  __real__ZN4absl7debian35Mutex6UnlockEv(mu);
  __tsan_mutex_post_unlock(mu, 0);
}
// Mutex::TryLock.
RAA_WRAP(bool, _ZN4absl7debian35Mutex7TryLockEv, absl::Mutex* mu) {
  __tsan_mutex_pre_lock(mu, __tsan_mutex_try_lock);
  const bool locked = __real__ZN4absl7debian35Mutex7TryLockEv(mu);
  __tsan_mutex_post_lock(
      mu, __tsan_mutex_try_lock | (locked ? 0 : __tsan_mutex_try_lock_failed),
      0);
  return locked;
}
// Mutex::ReaderLock / ReaderUnlock.
RAA_WRAP(void, _ZN4absl7debian35Mutex10ReaderLockEv, absl::Mutex* mu) {
  __tsan_mutex_pre_lock(mu, kRead);
  __real__ZN4absl7debian35Mutex10ReaderLockEv(mu);
  Locked(mu, kRead);
}
RAA_WRAP(void, _ZN4absl7debian35Mutex12ReaderUnlockEv, absl::Mutex* mu) {
  __tsan_mutex_pre_unlock(mu, kRead);
  __real__ZN4absl7debian35Mutex12ReaderUnlockEv(mu);
  __tsan_mutex_post_unlock(mu, kRead);
}

// Mutex::Await*: the lock is let go while waiting and taken again, so it is
// reported as an unlock and a lock (our code awaits only under an exclusive
// lock), and what others did under it meanwhile happens before the return.
namespace {
void Unlocking(absl::Mutex* mu) {
  __tsan_mutex_pre_unlock(mu, 0);
  __tsan_mutex_post_unlock(mu, 0);
}
void Relocked(absl::Mutex* mu) {
  __tsan_mutex_pre_lock(mu, 0);
  Locked(mu, 0);
}
}  // namespace

RAA_WRAP(void, _ZN4absl7debian35Mutex5AwaitERKNS0_9ConditionE, absl::Mutex* mu,
         const absl::Condition& cond) {
  Unlocking(mu);
  __real__ZN4absl7debian35Mutex5AwaitERKNS0_9ConditionE(mu, cond);
  Relocked(mu);
}
RAA_WRAP(bool,
         _ZN4absl7debian35Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE,
         absl::Mutex* mu, const absl::Condition& cond, absl::Time deadline) {
  Unlocking(mu);
  const bool met =
      __real__ZN4absl7debian35Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE(
          mu, cond, deadline);
  Relocked(mu);
  return met;
}
RAA_WRAP(
    bool,
    _ZN4absl7debian35Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE,
    absl::Mutex* mu, const absl::Condition& cond, absl::Duration timeout) {
  Unlocking(mu);
  const bool met =
      __real__ZN4absl7debian35Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE(
          mu, cond, timeout);
  Relocked(mu);
  return met;
}

// Notification: Notify happens before every wait that returns notified.
RAA_WRAP(void, _ZN4absl7debian312Notification6NotifyEv, absl::Notification* n) {
  __tsan_release(n);
  __real__ZN4absl7debian312Notification6NotifyEv(n);
}
RAA_WRAP(void, _ZNK4absl7debian312Notification19WaitForNotificationEv,
         const absl::Notification* n) {
  __real__ZNK4absl7debian312Notification19WaitForNotificationEv(n);
  __tsan_acquire(const_cast<absl::Notification*>(n));
}
RAA_WRAP(
    bool,
    _ZNK4absl7debian312Notification30WaitForNotificationWithTimeoutENS0_8DurationE,
    const absl::Notification* n, absl::Duration timeout) {
  const bool notified =
      __real__ZNK4absl7debian312Notification30WaitForNotificationWithTimeoutENS0_8DurationE(
          n, timeout);
  if (notified) __tsan_acquire(const_cast<absl::Notification*>(n));
  return notified;
}

// ~Mutex: forget the lock, so a new one at the same address starts clean.
RAA_WRAP(void, _ZN4absl7debian35MutexD1Ev, absl::Mutex* mu) {
  __tsan_mutex_destroy(mu, 0);
  __real__ZN4absl7debian35MutexD1Ev(mu);
}
