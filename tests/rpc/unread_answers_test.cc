// UnreadAnswers (services/rpc/unary.h): what a key, and all keys together,
// may have held in answers their clients have not read, and that each answer
// given back frees its room. The server's side of it, with a real client that
// never reads, is tests/node/grpc_slow_clients.js.
#include "services/rpc/unread_answers.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace raa {
namespace {

using ::raa::test::IsOk;
using ::raa::test::StatusIs;
using ::testing::HasSubstr;

constexpr size_t kPage = size_t{1} << 20;  // a 1 MiB answer
constexpr size_t kPerKey = UnreadAnswers::kMaxBytesPerKey / kPage;

TEST(UnreadAnswersTest, AKeyIsRefusedAtItsLimitUntilAnAnswerIsTaken) {
  UnreadAnswers unread;
  for (size_t i = 0; i < kPerKey; ++i) {
    ASSERT_THAT(unread.TryAdd("a", kPage), IsOk()) << i;
  }
  const absl::Status refused = unread.TryAdd("a", kPage);
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(refused.message(), HasSubstr("this key already has 16 MiB"));
  EXPECT_THAT(unread.TryAdd("b", kPage), IsOk());
  unread.Remove("a", kPage);
  EXPECT_THAT(unread.TryAdd("a", kPage), IsOk());
}

TEST(UnreadAnswersTest, OneAnswerLargerThanTheLimitIsStillSent) {
  UnreadAnswers unread;
  EXPECT_THAT(unread.TryAdd("a", 2 * UnreadAnswers::kMaxBytes), IsOk());
  EXPECT_THAT(unread.TryAdd("a", kPage),
              StatusIs(absl::StatusCode::kResourceExhausted));
  unread.Remove("a", 2 * UnreadAnswers::kMaxBytes);
  EXPECT_THAT(unread.TryAdd("a", kPage), IsOk());
}

TEST(UnreadAnswersTest, AllKeysTogetherAreRefusedAtTheServersLimit) {
  UnreadAnswers unread;
  const size_t keys = UnreadAnswers::kMaxBytes / UnreadAnswers::kMaxBytesPerKey;
  for (size_t k = 0; k < keys; ++k) {
    for (size_t i = 0; i < kPerKey; ++i) {
      ASSERT_THAT(unread.TryAdd(std::to_string(k), kPage), IsOk());
    }
  }
  const absl::Status refused = unread.TryAdd("another", kPage);
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(refused.message(), HasSubstr("the server already holds 64 MiB"));
  // A refusal counts nothing: once one answer is taken, there is room for
  // exactly one more.
  unread.Remove("0", kPage);
  EXPECT_THAT(unread.TryAdd("another", kPage), IsOk());
  EXPECT_THAT(unread.TryAdd("another", kPage),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

}  // namespace
}  // namespace raa
