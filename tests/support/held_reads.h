// Read connections of a Store held by reader threads of their own: what a
// read meant to run beside others, or on a connection of its own
// (Store::ReadAside), is tested against.
//
//   HeldReadConnections held(*store_);  // every shared connection
//   EXPECT_THAT(LoadFacts(*store_).status(), IsOk());  // still reads
//   held.Release();
#ifndef RAAMATCH_TESTS_SUPPORT_HELD_READS_H_
#define RAAMATCH_TESTS_SUPPORT_HELD_READS_H_

#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "services/store/store.h"

namespace raa::test {

// `count` of the store's shared read connections (at most
// Store::kReadConnections) held from construction, which returns once all
// are held (or fails the test after 30 s), until Release() or destruction.
class HeldReadConnections {
 public:
  explicit HeldReadConnections(Store& store,
                               int count = Store::kReadConnections);
  HeldReadConnections(const HeldReadConnections&) = delete;
  HeldReadConnections& operator=(const HeldReadConnections&) = delete;
  ~HeldReadConnections() { Release(); }

  void Release();

 private:
  std::vector<absl::Notification> held_;  // one for each reader
  absl::Notification release_;
  std::vector<std::thread> readers_;
};

}  // namespace raa::test

#endif  // RAAMATCH_TESTS_SUPPORT_HELD_READS_H_
