#include "tests/support/held_reads.h"

#include <SQLiteCpp/Database.h>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace raa::test {

HeldReadConnections::HeldReadConnections(Store& store, int count)
    : held_(static_cast<size_t>(count)) {
  for (absl::Notification& h : held_) {
    readers_.emplace_back([this, &store, &h] {
      EXPECT_THAT(store.Read([&](SQLite::Database&) {
        h.Notify();
        release_.WaitForNotification();
        return absl::OkStatus();
      }),
                  IsOk());
    });
  }
  for (absl::Notification& h : held_) {
    EXPECT_TRUE(h.WaitForNotificationWithTimeout(absl::Seconds(30)))
        << "a read connection was not taken";
  }
}

void HeldReadConnections::Release() {
  if (!release_.HasBeenNotified()) release_.Notify();
  for (std::thread& t : readers_) {
    if (t.joinable()) t.join();
  }
}

}  // namespace raa::test
