// BatchCreateChildren and BatchCreateAdopters on a scratch store, without a
// network: one batch path for both kinds, with the same rules. Every case
// runs for children and for households alike.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/registry/regions.h"
#include "services/registry/registry.h"
#include "services/registry/registry_rows.h"
#include "services/server/schema.h"
#include "services/store/call_scope.h"
#include "services/store/store.h"
#include "tests/support/builders.h"
#include "tests/support/scratch_dir.h"
#include "tests/support/status_matchers.h"

namespace raa {
namespace {

using ::raa::test::IsOk;
using ::raa::test::MakeDate;
using ::raa::test::ScratchDir;
using ::raa::test::StatusIs;
using ::raa::test::ValidAdopter;
using ::raa::test::ValidAuthority;
using ::raa::test::ValidChild;
using ::raa::test::ViolationFields;
using ::testing::ElementsAre;
using ::testing::SizeIs;

class BatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<Store>> store =
        Store::Open(dir_.File("raamatch.db"), clock_, RaamatchSchema());
    ASSERT_THAT(store.status(), IsOk());
    store_ = std::move(*store);
    v1::Authority sheffield = ValidAuthority("Sheffield", "south-yorkshire");
    sheffield.set_name("authorities/sheffield");
    sheffield.set_status(v1::AUTHORITY_STATUS_ACTIVE);
    *sheffield.mutable_joined_on() = MakeDate(2026, 1, 1);
    ASSERT_THAT(store_
                    ->Write<v1::Authority>(
                        RequestKey{},
                        [&](StoreTx& tx) -> absl::StatusOr<v1::Authority> {
                          RETURN_IF_ERROR(
                              registry_rows::InsertAuthority(tx, sheffield));
                          return sheffield;
                        })
                    .status(),
                IsOk());
    // Batches open no links and withdraw nothing: no link queries.
    registry_ = std::make_unique<Registry>(*store_, clock_, *regions_,
                                           Registry::LinkQueries{});
  }

  // Two rows: a valid one and, if `invalid`, one whose status a new record
  // may not have (refused without the store).
  v1::BatchCreateChildrenRequest Children(bool invalid) {
    v1::BatchCreateChildrenRequest batch;
    batch.set_parent("authorities/sheffield");
    batch.set_request_id("batch-1");
    *batch.add_requests()->mutable_child() = ValidChild();
    v1::Child second = ValidChild();
    if (invalid) second.set_status(v1::CHILD_STATUS_LINKED);
    *batch.add_requests()->mutable_child() = second;
    return batch;
  }
  v1::BatchCreateAdoptersRequest Adopters(bool invalid) {
    v1::BatchCreateAdoptersRequest batch;
    batch.set_parent("authorities/sheffield");
    batch.set_request_id("batch-2");
    *batch.add_requests()->mutable_adopter() = ValidAdopter();
    v1::Adopter second = ValidAdopter();
    if (invalid) second.set_status(v1::ADOPTER_STATUS_WITHDRAWN);
    *batch.add_requests()->mutable_adopter() = second;
    return batch;
  }

  int StoredChildren() {
    absl::StatusOr<Page<v1::Child>> page =
        registry_rows::ListChildren(*store_, {}, PageRequest{50, 0});
    EXPECT_THAT(page.status(), IsOk());
    return page.ok() ? static_cast<int>(page->items.size()) : -1;
  }
  int StoredAdopters() {
    absl::StatusOr<Page<v1::Adopter>> page =
        registry_rows::ListAdopters(*store_, {}, PageRequest{50, 0});
    EXPECT_THAT(page.status(), IsOk());
    return page.ok() ? static_cast<int>(page->items.size()) : -1;
  }

  ScratchDir dir_;
  FakeClock clock_{test::TestNow()};
  std::unique_ptr<RegionList> regions_ = RegionList::Shipped();
  std::unique_ptr<Store> store_;
  std::unique_ptr<Registry> registry_;
  const Caller registrar_{.authority_id = "sheffield",
                          .key_id = "k1",
                          .roles = 1u << v1::ROLE_REGISTRAR};
};

// The store refuses every write of a call nobody waits for (CANCELLED), so a
// batch answered INVALID_ARGUMENT inside such a call was refused before it
// reached the store. The two batches once differed here: the children's
// checked its rows' fields only under the write lock.
TEST_F(BatchTest, AnAllOrNothingBatchWithAnInvalidRowIsRefusedBeforeTheStore) {
  v1::BatchCreateChildrenRequest children = Children(/*invalid=*/true);
  children.set_all_or_nothing(true);
  v1::BatchCreateAdoptersRequest adopters = Adopters(/*invalid=*/true);
  adopters.set_all_or_nothing(true);
  {
    CallScope gone([] { return absl::CancelledError("the caller left"); });
    absl::StatusOr<v1::BatchCreateChildrenResponse> c =
        registry_->BatchCreateChildren(registrar_, children);
    EXPECT_THAT(c.status(), StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(ViolationFields(c.status()),
                ElementsAre("requests[1].child.status"));
    absl::StatusOr<v1::BatchCreateAdoptersResponse> a =
        registry_->BatchCreateAdopters(registrar_, adopters);
    EXPECT_THAT(a.status(), StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(ViolationFields(a.status()),
                ElementsAre("requests[1].adopter.status"));
  }
  EXPECT_EQ(StoredChildren(), 0);
  EXPECT_EQ(StoredAdopters(), 0);
}

TEST_F(BatchTest, ABatchThatIsNotAllOrNothingGoesToTheStoreWithItsBadRows) {
  {
    // Its good rows are to be written: the store is reached (and refuses).
    CallScope gone([] { return absl::CancelledError("the caller left"); });
    EXPECT_THAT(
        registry_->BatchCreateChildren(registrar_, Children(true)).status(),
        StatusIs(absl::StatusCode::kCancelled));
    EXPECT_THAT(
        registry_->BatchCreateAdopters(registrar_, Adopters(true)).status(),
        StatusIs(absl::StatusCode::kCancelled));
  }
  absl::StatusOr<v1::BatchCreateChildrenResponse> c =
      registry_->BatchCreateChildren(registrar_, Children(true));
  ASSERT_THAT(c.status(), IsOk());
  EXPECT_THAT(c->children(), SizeIs(1));
  ASSERT_THAT(c->failures(), SizeIs(1));
  EXPECT_EQ(c->failures(0).index(), 1);
  EXPECT_EQ(c->failures(0).field(), "requests[1].child.status");
  absl::StatusOr<v1::BatchCreateAdoptersResponse> a =
      registry_->BatchCreateAdopters(registrar_, Adopters(true));
  ASSERT_THAT(a.status(), IsOk());
  EXPECT_THAT(a->adopters(), SizeIs(1));
  ASSERT_THAT(a->failures(), SizeIs(1));
  EXPECT_EQ(a->failures(0).index(), 1);
  EXPECT_EQ(a->failures(0).field(), "requests[1].adopter.status");
  EXPECT_EQ(StoredChildren(), 1);
  EXPECT_EQ(StoredAdopters(), 1);
}

// What only the store can tell (here: two rows with one request id) refuses
// an all-or-nothing batch whole, for either kind.
TEST_F(BatchTest, AnAllOrNothingBatchWithARowTheStoreRefusesWritesNothing) {
  v1::BatchCreateChildrenRequest children = Children(/*invalid=*/false);
  children.set_all_or_nothing(true);
  children.mutable_requests(0)->set_request_id("row-1");
  children.mutable_requests(1)->set_request_id("row-1");
  v1::BatchCreateAdoptersRequest adopters = Adopters(/*invalid=*/false);
  adopters.set_all_or_nothing(true);
  adopters.mutable_requests(0)->set_request_id("row-1");
  adopters.mutable_requests(1)->set_request_id("row-1");

  absl::StatusOr<v1::BatchCreateChildrenResponse> c =
      registry_->BatchCreateChildren(registrar_, children);
  EXPECT_THAT(c.status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ViolationFields(c.status()),
              ElementsAre("requests[1].request_id"));
  absl::StatusOr<v1::BatchCreateAdoptersResponse> a =
      registry_->BatchCreateAdopters(registrar_, adopters);
  EXPECT_THAT(a.status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ViolationFields(a.status()),
              ElementsAre("requests[1].request_id"));
  EXPECT_EQ(StoredChildren(), 0);
  EXPECT_EQ(StoredAdopters(), 0);
}

}  // namespace
}  // namespace raa
