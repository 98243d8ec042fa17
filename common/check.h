// Invariants as code: RAA_CHECK and RAA_DCHECK.
//
// An invariant is something the code relies on that no caller can break: a
// count that must add up, an index that must equal the table it mirrors.
// When one fails the process is wrong, not the request, so it aborts at once
// (with the file, line, the condition and a message) rather than answer from
// a state nobody designed. Errors a caller can cause are absl::Status, never
// these.
//
//   RAA_CHECK(excluded + kept == total) << "pool of " << total;
//   RAA_DCHECK(index.size() == stored) << "after row " << row_id;
//
// Where they are used today: matcher/candidate_index.cc (exclusion counts add
// up; a ranking's score is its explanation's) and services/matching/
// live_index.cc (the index equals the store after each committed write). The
// ledger's journal (services/ledger) is to RAA_CHECK that every entry's
// debits equal its credits before it is written.
//
// RAA_CHECK is always on. RAA_DCHECK is for checks too costly for release:
// with NDEBUG defined (RelWithDebInfo and Release builds) it is compiled out
// (neither the condition nor the message is evaluated) but both still
// compile, so a check does not rot in the builds that skip it.
//
// Thread-safe: the failure message is written with one write to stderr.
#ifndef RAAMATCH_COMMON_CHECK_H_
#define RAAMATCH_COMMON_CHECK_H_

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"

namespace raa::check_internal {

// Collects the message of a failed check and aborts when destroyed, at the
// end of the full expression `RAA_CHECK(c) << a << b;`.
class CheckFailure {
 public:
  CheckFailure(const char* file, int line, const char* condition) {
    stream_ << file << ":" << line << ": check failed: " << condition;
    prefix_length_ = stream_.tellp();
  }
  CheckFailure(const CheckFailure&) = delete;
  CheckFailure& operator=(const CheckFailure&) = delete;

  ABSL_ATTRIBUTE_NORETURN ~CheckFailure() {
    std::string message = stream_.str();
    message += "\n";
    std::fputs(message.c_str(), stderr);
    std::fflush(stderr);
    std::abort();
  }

  // The first `<<` after the condition starts the message.
  template <typename T>
  CheckFailure& operator<<(const T& value) {
    if (stream_.tellp() == prefix_length_) stream_ << ": ";
    stream_ << value;
    return *this;
  }

 private:
  std::ostringstream stream_;
  std::streampos prefix_length_;
};

// Swallows the message of a check that passed or is compiled out. `<<` on it
// still type-checks every operand.
struct NullStream {
  template <typename T>
  NullStream& operator<<(const T&) {
    return *this;
  }
};

// Gives `cond ? (void)0 : Voidify() & failure << ...` the type void in both
// arms; & binds looser than << and tighter than ?:.
struct Voidify {
  void operator&(const CheckFailure&) {}
  void operator&(const NullStream&) {}
};

}  // namespace raa::check_internal

// Aborts with file:line, the condition and the streamed message unless
// `condition` holds. The message is built only on failure.
#define RAA_CHECK(condition)           \
  ABSL_PREDICT_TRUE(condition)         \
  ? (void)0                            \
  : ::raa::check_internal::Voidify() & \
          ::raa::check_internal::CheckFailure(__FILE__, __LINE__, #condition)

#ifdef NDEBUG
// Compiled out: `true || (condition)` is never evaluated but must compile,
// and so must the message.
#define RAA_DCHECK(condition) \
  true || (condition)         \
      ? (void)0               \
      : ::raa::check_internal::Voidify() & ::raa::check_internal::NullStream()
#else
#define RAA_DCHECK(condition) RAA_CHECK(condition)
#endif

namespace raa {
// True in builds where RAA_DCHECK is checked: guards debug-only work that
// gathers what a check compares (`if (kDebugChecks) { ... }`), which the
// compiler still type-checks and then drops.
#ifdef NDEBUG
inline constexpr bool kDebugChecks = false;
#else
inline constexpr bool kDebugChecks = true;
#endif
}  // namespace raa

#endif  // RAAMATCH_COMMON_CHECK_H_
