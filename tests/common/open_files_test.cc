// RaiseOpenFilesLimit on this test process: a soft limit below the hard one
// is raised to it, and one already there is left as it is.
#include "common/open_files.h"

#include <sys/resource.h>

#include "gtest/gtest.h"

namespace raa {
namespace {

class OpenFilesTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &before_), 0); }
  void TearDown() override { setrlimit(RLIMIT_NOFILE, &before_); }

  static rlimit Now() {
    rlimit now{};
    EXPECT_EQ(getrlimit(RLIMIT_NOFILE, &now), 0);
    return now;
  }

  rlimit before_{};
};

TEST_F(OpenFilesTest, ASoftLimitBelowTheHardOneIsRaisedToIt) {
  rlimit low = before_;
  low.rlim_cur = before_.rlim_max < 128 ? before_.rlim_max / 2 : 64;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  ASSERT_LT(Now().rlim_cur, Now().rlim_max);

  absl::StatusOr<uint64_t> raised = RaiseOpenFilesLimit();
  ASSERT_TRUE(raised.ok()) << raised.status();
  EXPECT_EQ(*raised, before_.rlim_max);
  EXPECT_EQ(Now().rlim_cur, before_.rlim_max);
  EXPECT_EQ(Now().rlim_max, before_.rlim_max);  // the hard limit untouched
}

TEST_F(OpenFilesTest, ALimitAlreadyAtTheHardOneStays) {
  rlimit full = before_;
  full.rlim_cur = full.rlim_max;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &full), 0);
  absl::StatusOr<uint64_t> again = RaiseOpenFilesLimit();
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, before_.rlim_max);
  EXPECT_EQ(Now().rlim_cur, before_.rlim_max);
}

}  // namespace
}  // namespace raa
