// The console's pure, thread-safe parts: random tokens, the session table,
// the sign-in limiter, cookies and CSRF comparison. No HTTP server, no gRPC
// calls: tests/web/ can test them alone.
//
//   SessionTable sessions({.idle = absl::Minutes(30), .max_sessions = 1000});
//   std::string id = sessions.Create(std::move(session), absl::Now());
//   std::optional<Session> s = sessions.Touch(id, absl::Now());
#ifndef RAAMATCH_CLIENTS_WEB_SESSIONS_H_
#define RAAMATCH_CLIENTS_WEB_SESSIONS_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "raa/v1/access.pb.h"

namespace raa {

class RaaClient;

namespace web {

// `bytes` random bytes from OpenSSL's CSPRNG (RAND_bytes) as lower-case hex
// (2 * bytes characters). Aborts if the CSPRNG fails: a console that cannot
// make unguessable tokens must not run.
std::string RandomHex(size_t bytes);

// Equal contents, in time independent of where they differ (CRYPTO_memcmp);
// false when the lengths differ or either is empty.
bool TokensMatch(absl::string_view a, absl::string_view b);

// The value of cookie `name` in a Cookie header ("a=1; raa_session=ab"), or
// empty if it is not there.
std::string CookieValue(absl::string_view cookie_header,
                        absl::string_view name);

// One signed-in user. The API key never leaves the server side of the
// console: it is inside `client`, and here only for nobody else to read.
struct Session {
  std::string key;                     // the API key, kept server-side only
  std::string authority;               // authorities/{id}, the key's member
  std::string authority_display_name;  // "Sheffield City Council"
  std::vector<v1::Role> roles;
  std::string key_label;              // the key's display_name
  std::string csrf;                   // per-session CSRF token (hex)
  std::shared_ptr<RaaClient> client;  // raamatchd with this key
  absl::Time last_seen;
  std::string flash;  // a success message shown once on the next page
};

bool HasRole(const Session& session, v1::Role role);

struct SessionTableOptions {
  absl::Duration idle = absl::Minutes(30);
  size_t max_sessions = 1000;  // the oldest-seen is evicted beyond this
  // Sessions of one API key: its own oldest-seen is evicted beyond this, so
  // one key signing in again and again cannot push everyone else out.
  size_t max_per_key = 20;
};

// Sessions keyed by a random id (32 bytes, hex). Thread-safe; copies out, so
// a caller's Session stays valid whatever happens to the table.
class SessionTable {
 public:
  explicit SessionTable(const SessionTableOptions& options);

  // Stores `session` (with a fresh CSRF token and last_seen = now) under a
  // new random id and returns the id. Evicts expired sessions, then the
  // least recently seen of the same key if that key has max_per_key, then
  // the least recently seen of all if the table is full.
  std::string Create(Session session, absl::Time now);

  // The session if it exists and was seen within the idle time (and marks
  // it seen at `now`); an expired session is deleted and nullopt returned.
  std::optional<Session> Touch(absl::string_view id, absl::Time now);

  // Sets the message the next page of this session shows once.
  void SetFlash(absl::string_view id, std::string message);
  // Returns and clears it.
  std::string TakeFlash(absl::string_view id);

  // Deletes the session (sign out). No-op if absent.
  void Remove(absl::string_view id);

  size_t size() const;

 private:
  void EvictLocked(absl::Time now, absl::string_view key)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const SessionTableOptions options_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Session> sessions_ ABSL_GUARDED_BY(mu_);
};

struct SignInLimiterOptions {
  int free_failures = 5;  // per address per window
  absl::Duration window = absl::Minutes(1);
  size_t max_addresses = 10000;  // the table is cleared beyond this
};

// Failed sign-ins per client address: after `free_failures` failures within
// `window`, further attempts from that address are refused (429) until the
// window since the first counted failure has passed. Never sleeps.
// Thread-safe.
class SignInLimiter {
 public:
  explicit SignInLimiter(const SignInLimiterOptions& options);

  // Zero if `address` may try now, else how long until it may.
  absl::Duration RetryAfter(absl::string_view address, absl::Time now);
  void RecordFailure(absl::string_view address, absl::Time now);
  void RecordSuccess(absl::string_view address);

 private:
  struct Entry {
    absl::Time window_start;
    int failures = 0;
  };
  const SignInLimiterOptions options_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace web
}  // namespace raa

#endif  // RAAMATCH_CLIENTS_WEB_SESSIONS_H_
