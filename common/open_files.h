// The process's limit on open files, raised to what the system allows.
//
//   absl::StatusOr<uint64_t> limit = RaiseOpenFilesLimit();
//
// Every connection is a file descriptor, and so is each SQLite file. The
// soft limit a process starts with is often 1,024 (a login shell, systemd's
// default), far below the hard limit (524,288 under systemd): raamatchd
// with a thousand idle connections open could accept no more, and its
// database could open no file (accept4 and open fail with EMFILE; a health
// check hangs). Both programs raise the soft limit to the hard one at start.
#ifndef RAAMATCH_COMMON_OPEN_FILES_H_
#define RAAMATCH_COMMON_OPEN_FILES_H_

#include <cstdint>

#include "absl/status/statusor.h"

namespace raa {

// Sets RLIMIT_NOFILE's soft limit to its hard limit; returns the limit in
// force after (the soft one, unchanged if it could not be raised).
absl::StatusOr<uint64_t> RaiseOpenFilesLimit();

}  // namespace raa

#endif  // RAAMATCH_COMMON_OPEN_FILES_H_
