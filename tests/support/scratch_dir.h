// A fresh directory under testing::TempDir() for one test's database, logs
// and files, removed with its contents when the test ends.
//
//   ScratchDir dir;
//   Store::Open(dir.File("raamatch.db"), clock);
//
// Thread-compatible; not copyable.
#ifndef RAAMATCH_TESTS_SUPPORT_SCRATCH_DIR_H_
#define RAAMATCH_TESTS_SUPPORT_SCRATCH_DIR_H_

#include <string>

#include "absl/strings/string_view.h"

namespace raa::test {

class ScratchDir {
 public:
  // Creates the directory; a failure is reported as a test failure.
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }
  // path()/name.
  std::string File(absl::string_view name) const;

 private:
  std::string path_;
};

}  // namespace raa::test

#endif  // RAAMATCH_TESTS_SUPPORT_SCRATCH_DIR_H_
