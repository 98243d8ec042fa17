// Large answers to reads that their client has not yet taken, by key and
// in all: what UnaryRunner counts so that clients that never read cannot
// make the server hold their answers without limit.
//
//   UnreadAnswers unread;
//   RETURN_IF_ERROR(unread.TryAdd(caller.key_id, bytes));  // or refuse
//   ...once gRPC is done with the call: unread.Remove(caller.key_id, bytes);
#ifndef RAAMATCH_SERVICES_RPC_UNREAD_ANSWERS_H_
#define RAAMATCH_SERVICES_RPC_UNREAD_ANSWERS_H_

#include <cstddef>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace raa {

// Large answers to reads that their client has not yet taken. A client
// that asks and never reads (an HTTP/2 window it keeps shut) makes gRPC
// hold each answer until it disconnects: about 1.3 MB for a 190 KB page of
// 1,000 households. Each key may have kMaxBytesPerKey of such answers (as
// serialised) held, and all keys together kMaxBytes; past either, large
// reads are refused (RESOURCE_EXHAUSTED) until clients take some. Answers
// under kCountedBytes are not counted: a ranking's few KB cost no lock, and
// gRPC may release a call some time after its client has the answer, so
// counting every answer refused fast readers under load. It was 64 KiB
// until an outside probe held 95 pages of 37 KB on each of 20 connections
// with one key, 530 MB, none counted. Thread-safe.
class UnreadAnswers {
 public:
  static constexpr size_t kCountedBytes = size_t{16} << 10;
  static constexpr size_t kMaxBytesPerKey = size_t{16} << 20;
  static constexpr size_t kMaxBytes = size_t{64} << 20;

  // Counts an answer of `bytes` for `key_id`: OK, or RESOURCE_EXHAUSTED
  // (nothing counted) if that would take the key past kMaxBytesPerKey or
  // everyone past kMaxBytes. One answer alone is always counted: it could
  // not be sent otherwise.
  absl::Status TryAdd(const std::string& key_id, size_t bytes)
      ABSL_LOCKS_EXCLUDED(mu_);
  // The client has taken it (or the call ended without it).
  void Remove(const std::string& key_id, size_t bytes) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, size_t> bytes_ ABSL_GUARDED_BY(mu_);
  size_t total_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace raa

#endif  // RAAMATCH_SERVICES_RPC_UNREAD_ANSWERS_H_
