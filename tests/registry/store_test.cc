// The store on a real SQLite file: schema migrations, refusing a newer
// database, idempotent writes, rollback, change notifications, paging and
// backups.
#include "services/store/store.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "services/registry/regions.h"
#include "services/registry/registry_rows.h"
#include "services/server/schema.h"
#include "tests/support/builders.h"
#include "tests/support/grpc_calls.h"
#include "tests/support/held_reads.h"
#include "tests/support/scratch_dir.h"
#include "tests/support/status_matchers.h"

namespace raa {
namespace {

using ::raa::test::EqualsProto;
using ::raa::test::HeldReadConnections;
using ::raa::test::IsOk;
using ::raa::test::MakeDate;
using ::raa::test::ScratchDir;
using ::raa::test::StatusIs;
using ::raa::test::ValidAdopter;
using ::raa::test::ValidAuthority;
using ::raa::test::ValidChild;
using ::raa::test::ViolationFields;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// Every migration of the server's schema, by number.
std::vector<Migration> Migrations() {
  absl::StatusOr<std::vector<Migration>> all =
      OrderedMigrations(RaamatchSchema());
  EXPECT_THAT(all.status(), IsOk());
  return all.ok() ? *all : std::vector<Migration>();
}

// Records what the store announces, as "authority <name>" / "child <row>" /
// "adopter <row>".
class RecordingListener final : public StoreListener, public RegistryObserver {
 public:
  absl::Status BeforeCommit(StoreTx& tx) override {
    return TellRegistryChanges(tx, *this);
  }
  void OnAuthorityChanged(const v1::Authority& authority) override {
    events.push_back(absl::StrCat("authority ", authority.name()));
  }
  void OnChildChanged(int64_t row_id, const v1::Child&) override {
    events.push_back(absl::StrCat("child ", row_id));
  }
  void OnAdopterChanged(int64_t row_id, const v1::Adopter&) override {
    events.push_back(absl::StrCat("adopter ", row_id));
  }
  std::vector<std::string> events;
};

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<Store>> store =
        Store::Open(path_, clock_, RaamatchSchema());
    ASSERT_THAT(store.status(), IsOk());
    store_ = std::move(*store);
    store_->SetListener(&listener_);
    ASSERT_THAT(AddAuthority("sheffield"), IsOk());
    ASSERT_THAT(AddAuthority("leeds"), IsOk());
  }

  absl::Status AddAuthority(absl::string_view id) {
    v1::Authority authority = ValidAuthority(id, "south-yorkshire");
    authority.set_name(absl::StrCat("authorities/", id));
    authority.set_status(v1::AUTHORITY_STATUS_ACTIVE);
    *authority.mutable_joined_on() = MakeDate(2026, 1, 1);
    return store_
        ->Write<v1::Authority>(
            RequestKey{},
            [&](StoreTx& tx) -> absl::StatusOr<v1::Authority> {
              RETURN_IF_ERROR(registry_rows::InsertAuthority(tx, authority));
              return authority;
            })
        .status();
  }

  absl::StatusOr<Written<v1::Child>> AddChild(absl::string_view authority_id,
                                              v1::Child child,
                                              const RequestKey& key = {}) {
    return store_->Write<v1::Child>(
        key, [&](StoreTx& tx) -> absl::StatusOr<v1::Child> {
          RETURN_IF_ERROR(registry_rows::InsertChild(tx, authority_id, child));
          return child;
        });
  }

  absl::StatusOr<Written<v1::Adopter>> AddAdopter(
      absl::string_view authority_id, v1::Adopter adopter) {
    return store_->Write<v1::Adopter>(
        RequestKey{}, [&](StoreTx& tx) -> absl::StatusOr<v1::Adopter> {
          RETURN_IF_ERROR(
              registry_rows::InsertAdopter(tx, authority_id, adopter));
          return adopter;
        });
  }

  // Every child matching `filter`, walking pages of `page_size`; fails the
  // test if a page token repeats.
  std::vector<std::string> WalkChildren(const ChildFilter& filter,
                                        int page_size, int* pages) {
    std::vector<std::string> names;
    PageRequest page{page_size, 0};
    *pages = 0;
    while (true) {
      absl::StatusOr<Page<v1::Child>> got =
          registry_rows::ListChildren(*store_, filter, page);
      EXPECT_THAT(got.status(), IsOk());
      if (!got.ok()) break;
      ++*pages;
      EXPECT_LE(static_cast<int>(got->items.size()), page_size);
      for (const v1::Child& c : got->items) names.push_back(c.name());
      if (got->next_after == 0) break;
      EXPECT_GT(got->next_after, page.after) << "paging went backwards";
      if (got->next_after <= page.after) break;
      page.after = got->next_after;
    }
    return names;
  }

  std::vector<std::string> ChildNames(const ChildFilter& filter) {
    int pages = 0;
    return WalkChildren(filter, 1000, &pages);
  }

  std::vector<std::string> AdopterNames(const AdopterFilter& filter) {
    std::vector<std::string> names;
    absl::StatusOr<Page<v1::Adopter>> got =
        registry_rows::ListAdopters(*store_, filter, PageRequest{1000, 0});
    EXPECT_THAT(got.status(), IsOk());
    if (got.ok()) {
      for (const v1::Adopter& a : got->items) names.push_back(a.name());
    }
    return names;
  }

  ScratchDir dir_;
  const std::string path_ = dir_.File("raamatch.db");
  FakeClock clock_{test::TestNow()};
  RecordingListener listener_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, RecordsEveryMigrationInTheDatabase) {
  SQLite::Database db(path_, SQLite::OPEN_READONLY);
  SQLite::Statement q(db,
                      "SELECT version, name, applied_at FROM "
                      "schema_migrations ORDER BY version");
  std::vector<int> versions;
  while (q.executeStep()) {
    versions.push_back(q.getColumn(0).getInt());
    EXPECT_FALSE(q.getColumn(1).getString().empty());
    EXPECT_FALSE(q.getColumn(2).getString().empty());
  }
  // Every migration this build knows, up to kSchemaVersion (numbers may
  // have gaps while parallel branches are merged).
  std::vector<int> expected;
  for (const Migration& m : Migrations()) expected.push_back(m.version);
  EXPECT_EQ(versions, expected);
  EXPECT_EQ(expected.back(), kSchemaVersion);
  EXPECT_EQ(db.execAndGet("PRAGMA journal_mode").getString(), "wal");
}

TEST_F(StoreTest, ReopeningKeepsTheDataAndAppliesNoMigrationTwice) {
  absl::StatusOr<Written<v1::Child>> child =
      AddChild("sheffield", ValidChild());
  ASSERT_THAT(child.status(), IsOk());
  store_.reset();

  absl::StatusOr<std::unique_ptr<Store>> reopened =
      Store::Open(path_, clock_, RaamatchSchema());
  ASSERT_THAT(reopened.status(), IsOk());
  absl::StatusOr<v1::Child> read =
      registry_rows::GetChild(**reopened, "sheffield", 1);
  ASSERT_THAT(read.status(), IsOk());
  EXPECT_THAT(*read, EqualsProto(child->value));

  SQLite::Database db(path_, SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("SELECT COUNT(*) FROM schema_migrations").getInt(),
            static_cast<int>(Migrations().size()));
}

TEST_F(StoreTest, RefusesADatabaseWrittenByANewerVersion) {
  store_.reset();
  {
    SQLite::Database db(path_, SQLite::OPEN_READWRITE);
    SQLite::Statement q(db,
                        "INSERT INTO schema_migrations VALUES (?, "
                        "'from-the-future', '2027-01-01T00:00:00Z')");
    q.bind(1, kSchemaVersion + 1);
    q.exec();
  }
  absl::StatusOr<std::unique_ptr<Store>> store =
      Store::Open(path_, clock_, RaamatchSchema());
  ASSERT_THAT(store.status(), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(store.status().message(), HasSubstr("newer"));
  EXPECT_THAT(store.status().message(), HasSubstr(path_));
  EXPECT_THAT(store.status().message(),
              HasSubstr(absl::StrCat("schema version ", kSchemaVersion + 1)));
}

TEST_F(StoreTest, EnforcesForeignKeys) {
  // No authority "nowhere": the child must not be stored.
  EXPECT_THAT(AddChild("nowhere", ValidChild()).status(), testing::Not(IsOk()));
  EXPECT_THAT(ChildNames({}), IsEmpty());
}

TEST_F(StoreTest, ARetryReturnsTheFirstAnswerAndWritesNothing) {
  RequestKey key{"sheffield", "req-1", "CreateChild", "hash-1", ""};
  int runs = 0;
  auto body = [&](StoreTx& tx) -> absl::StatusOr<v1::Child> {
    ++runs;
    v1::Child child = ValidChild();
    child.set_summary(absl::StrCat("attempt ", runs));
    RETURN_IF_ERROR(registry_rows::InsertChild(tx, "sheffield", child));
    return child;
  };
  absl::StatusOr<Written<v1::Child>> first =
      store_->Write<v1::Child>(key, body);
  ASSERT_THAT(first.status(), IsOk());
  EXPECT_FALSE(first->replayed);

  clock_.Advance(absl::Hours(1));
  absl::StatusOr<Written<v1::Child>> again =
      store_->Write<v1::Child>(key, body);
  ASSERT_THAT(again.status(), IsOk());
  EXPECT_TRUE(again->replayed);
  EXPECT_THAT(again->value, EqualsProto(first->value));
  EXPECT_EQ(runs, 1);
  EXPECT_THAT(ChildNames({}), ElementsAre(first->value.name()));
}

TEST_F(StoreTest, TheSameRequestIdForADifferentRequestIsAlreadyExists) {
  RequestKey key{"sheffield", "req-1", "CreateChild", "hash-1", ""};
  ASSERT_THAT(AddChild("sheffield", ValidChild(), key).status(), IsOk());

  RequestKey other_body = key;
  other_body.body_hash = "hash-2";
  EXPECT_THAT(AddChild("sheffield", ValidChild(), other_body).status(),
              StatusIs(absl::StatusCode::kAlreadyExists));

  RequestKey other_method = key;
  other_method.method = "CreateAdopter";
  EXPECT_THAT(AddChild("sheffield", ValidChild(), other_method).status(),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(ChildNames({}), SizeIs(1));

  // Request ids belong to the caller's authority: Leeds may reuse one.
  RequestKey leeds = key;
  leeds.scope = "leeds";
  absl::StatusOr<Written<v1::Child>> theirs =
      AddChild("leeds", ValidChild(), leeds);
  ASSERT_THAT(theirs.status(), IsOk());
  EXPECT_FALSE(theirs->replayed);
  EXPECT_THAT(ChildNames({}), SizeIs(2));
}

TEST_F(StoreTest, AFailedBodyWritesNothingAndIsNotRemembered) {
  RequestKey key{"sheffield", "req-1", "CreateChild", "hash-1", ""};
  absl::StatusOr<Written<v1::Child>> failed = store_->Write<v1::Child>(
      key, [&](StoreTx& tx) -> absl::StatusOr<v1::Child> {
        v1::Authority doncaster =
            ValidAuthority("Doncaster", "south-yorkshire");
        doncaster.set_name("authorities/doncaster");
        RETURN_IF_ERROR(registry_rows::InsertAuthority(tx, doncaster));
        v1::Child child = ValidChild();
        RETURN_IF_ERROR(registry_rows::InsertChild(tx, "sheffield", child));
        return InvalidField("child.summary", "changed my mind");
      });
  EXPECT_THAT(failed.status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ViolationFields(failed.status()), ElementsAre("child.summary"));
  EXPECT_THAT(registry_rows::GetAuthority(*store_, "doncaster").status(),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(ChildNames({}), IsEmpty());

  // The failure was not recorded under the request id: a corrected retry runs.
  absl::StatusOr<Written<v1::Child>> retry =
      AddChild("sheffield", ValidChild(), key);
  ASSERT_THAT(retry.status(), IsOk());
  EXPECT_FALSE(retry->replayed);
  EXPECT_THAT(ChildNames({}), SizeIs(1));
}

TEST_F(StoreTest, TheListenerHearsOfCommittedChangesOnly) {
  EXPECT_THAT(listener_.events, ElementsAre("authority authorities/sheffield",
                                            "authority authorities/leeds"));
  listener_.events.clear();

  RequestKey key{"sheffield", "req-1", "CreateChild", "hash-1", ""};
  ASSERT_THAT(AddChild("sheffield", ValidChild(), key).status(), IsOk());
  EXPECT_THAT(listener_.events, ElementsAre("child 1"));

  // A replay changes nothing, so nothing is announced.
  ASSERT_THAT(AddChild("sheffield", ValidChild(), key).status(), IsOk());
  EXPECT_THAT(listener_.events, ElementsAre("child 1"));

  // Nor is a rolled-back write.
  absl::StatusOr<Written<v1::Child>> failed = store_->Write<v1::Child>(
      RequestKey{}, [&](StoreTx& tx) -> absl::StatusOr<v1::Child> {
        v1::Child child = ValidChild();
        RETURN_IF_ERROR(registry_rows::InsertChild(tx, "sheffield", child));
        return absl::InternalError("disk on fire");
      });
  ASSERT_FALSE(failed.ok());
  EXPECT_THAT(listener_.events, ElementsAre("child 1"));

  ASSERT_THAT(AddAdopter("leeds", ValidAdopter()).status(), IsOk());
  absl::StatusOr<Written<v1::Child>> updated = store_->Write<v1::Child>(
      RequestKey{}, [&](StoreTx& tx) -> absl::StatusOr<v1::Child> {
        ASSIGN_OR_RETURN(v1::Child child,
                         registry_rows::GetChild(tx, "sheffield", 1));
        child.set_status(v1::CHILD_STATUS_LINKED);
        RETURN_IF_ERROR(registry_rows::UpdateChild(tx, child));
        return child;
      });
  ASSERT_THAT(updated.status(), IsOk());
  EXPECT_THAT(listener_.events, ElementsAre("child 1", "adopter 1", "child 1"));
}

TEST_F(StoreTest, PagingReturnsEachRowOnceInOrder) {
  std::vector<std::string> created;
  for (int i = 0; i < 10; ++i) {
    absl::StatusOr<Written<v1::Child>> c =
        AddChild(i % 2 == 0 ? "sheffield" : "leeds", ValidChild());
    ASSERT_THAT(c.status(), IsOk());
    created.push_back(c->value.name());
  }
  int pages = 0;
  EXPECT_EQ(WalkChildren({}, 3, &pages), created);
  EXPECT_EQ(pages, 4);

  ChildFilter sheffield;
  sheffield.authority_id = "sheffield";
  std::vector<std::string> expected;
  for (size_t i = 0; i < created.size(); i += 2) expected.push_back(created[i]);
  EXPECT_EQ(WalkChildren(sheffield, 2, &pages), expected);
  EXPECT_EQ(pages, 3);

  // A page that ends exactly at the last row says there is no next page.
  EXPECT_EQ(WalkChildren(sheffield, 5, &pages), expected);
  EXPECT_EQ(pages, 1);
}

TEST_F(StoreTest, ListsAuthoritiesByStatusAndPage) {
  ASSERT_THAT(AddAuthority("rotherham"), IsOk());
  absl::StatusOr<Page<v1::Authority>> first = registry_rows::ListAuthorities(
      *store_, v1::AUTHORITY_STATUS_ACTIVE, PageRequest{2, 0});
  ASSERT_THAT(first.status(), IsOk());
  ASSERT_THAT(first->items, SizeIs(2));
  ASSERT_NE(first->next_after, 0);
  absl::StatusOr<Page<v1::Authority>> second = registry_rows::ListAuthorities(
      *store_, v1::AUTHORITY_STATUS_ACTIVE, PageRequest{2, first->next_after});
  ASSERT_THAT(second.status(), IsOk());
  ASSERT_THAT(second->items, SizeIs(1));
  EXPECT_EQ(second->next_after, 0);
  EXPECT_EQ(second->items[0].name(), "authorities/rotherham");

  absl::StatusOr<Page<v1::Authority>> withdrawn =
      registry_rows::ListAuthorities(*store_, v1::AUTHORITY_STATUS_WITHDRAWN,
                                     PageRequest{50, 0});
  ASSERT_THAT(withdrawn.status(), IsOk());
  EXPECT_THAT(withdrawn->items, IsEmpty());
}

TEST_F(StoreTest, FiltersChildrenByAgeGroupSizeNeedAndStatus) {
  v1::Child baby = ValidChild();  // one child of 10 months, no needs
  baby.mutable_members(0)->set_age_months(10);
  baby.mutable_members(0)->clear_needs();
  v1::Child pair = ValidChild();  // 36 and 84 months, learning disability
  *pair.add_members() = pair.members(0);
  pair.mutable_members(0)->set_age_months(36);
  pair.mutable_members(0)->clear_needs();
  v1::Child linked = ValidChild();  // one of 84 months, linked
  baby.set_status(v1::CHILD_STATUS_WAITING);
  pair.set_status(v1::CHILD_STATUS_WAITING);
  linked.set_status(v1::CHILD_STATUS_LINKED);
  std::vector<std::string> n;
  for (const v1::Child& c : {baby, pair, linked}) {
    absl::StatusOr<Written<v1::Child>> w = AddChild("sheffield", c);
    ASSERT_THAT(w.status(), IsOk());
    n.push_back(w->value.name());
  }

  ChildFilter f;
  f.min_age_months = 40;  // some child at least 40 months
  EXPECT_THAT(ChildNames(f), ElementsAre(n[1], n[2]));
  f = {};
  f.max_age_months = 36;  // some child at most 36 months
  EXPECT_THAT(ChildNames(f), ElementsAre(n[0], n[1]));
  f = {};
  f.group_size = 2;
  EXPECT_THAT(ChildNames(f), ElementsAre(n[1]));
  f = {};
  f.need = v1::NEED_CATEGORY_LEARNING_DISABILITY;
  EXPECT_THAT(ChildNames(f), ElementsAre(n[1], n[2]));
  f.status = v1::CHILD_STATUS_WAITING;
  EXPECT_THAT(ChildNames(f), ElementsAre(n[1]));
}

TEST_F(StoreTest, FiltersAdoptersByAgeCapacityNeedAndStatus) {
  v1::Adopter young = ValidAdopter();  // 0-60 months, 2 children, LD mild
  v1::Adopter older = ValidAdopter();  // 48-120 months, 3 children, LD none
  older.set_min_age_months(48);
  older.set_max_age_months(120);
  older.set_approved_for(3);
  older.mutable_need_limits(0)->set_max_level(v1::NEED_LEVEL_NONE);
  v1::Adopter on_hold = ValidAdopter();
  on_hold.set_status(v1::ADOPTER_STATUS_ON_HOLD);
  std::vector<std::string> n;
  for (const v1::Adopter& a : {young, older, on_hold}) {
    absl::StatusOr<Written<v1::Adopter>> w = AddAdopter("leeds", a);
    ASSERT_THAT(w.status(), IsOk());
    n.push_back(w->value.name());
  }

  AdopterFilter f;
  f.age_months = 100;
  EXPECT_THAT(AdopterNames(f), ElementsAre(n[1]));
  f.age_months = 50;
  EXPECT_THAT(AdopterNames(f), ElementsAre(n[0], n[1], n[2]));
  f = {};
  f.group_size = 3;
  EXPECT_THAT(AdopterNames(f), ElementsAre(n[1]));
  f = {};
  // "NONE" for a need means they would not consider it.
  f.need = v1::NEED_CATEGORY_LEARNING_DISABILITY;
  EXPECT_THAT(AdopterNames(f), ElementsAre(n[0], n[2]));
  f.need = v1::NEED_CATEGORY_MEDICAL_CONDITION;
  EXPECT_THAT(AdopterNames(f), IsEmpty());
  f = {};
  f.status = v1::ADOPTER_STATUS_ON_HOLD;
  EXPECT_THAT(AdopterNames(f), ElementsAre(n[2]));
  f.authority_id = "sheffield";
  EXPECT_THAT(AdopterNames(f), IsEmpty());
}

TEST_F(StoreTest, BackupWritesAReadableCopy) {
  absl::StatusOr<Written<v1::Child>> child =
      AddChild("sheffield", ValidChild());
  ASSERT_THAT(child.status(), IsOk());
  const std::string copy = dir_.File("backup.db");
  ASSERT_THAT(store_->Backup(copy), IsOk());
  // Later writes do not reach the copy.
  ASSERT_THAT(AddChild("leeds", ValidChild()).status(), IsOk());

  absl::StatusOr<std::unique_ptr<Store>> restored =
      Store::Open(copy, clock_, RaamatchSchema());
  ASSERT_THAT(restored.status(), IsOk());
  absl::StatusOr<v1::Child> read =
      registry_rows::GetChild(**restored, "sheffield", 1);
  ASSERT_THAT(read.status(), IsOk());
  EXPECT_THAT(*read, EqualsProto(child->value));
  absl::StatusOr<Page<v1::Child>> all =
      registry_rows::ListChildren(**restored, {}, PageRequest{50, 0});
  ASSERT_THAT(all.status(), IsOk());
  EXPECT_THAT(all->items, SizeIs(1));
  EXPECT_THAT(registry_rows::GetAuthority(**restored, "leeds").status(),
              IsOk());
}

int PageSizeOf(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  return db.execAndGet("PRAGMA page_size").getInt();
}

std::string JournalModeOf(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  return db.execAndGet("PRAGMA journal_mode").getString();
}

TEST_F(StoreTest, ANewDatabaseHasTheLargerPages) {
  EXPECT_EQ(PageSizeOf(path_), Store::kPageSize);
  EXPECT_EQ(JournalModeOf(path_), "wal");
}

TEST(StoreCompactTest, CompactGivesAnOlderDatabaseTheLargerPagesAndKeepsIt) {
  ScratchDir dir;
  const std::string path = dir.File("old.db");
  {
    // As SQLite made every database before this one: 4 KiB pages.
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA page_size = 4096");
    db.exec("PRAGMA journal_mode = WAL");
  }
  FakeClock clock(test::TestNow());
  v1::Child child = ValidChild();
  {
    absl::StatusOr<std::unique_ptr<Store>> store =
        Store::Open(path, clock, RaamatchSchema());
    ASSERT_THAT(store.status(), IsOk());
    // Opening an existing file keeps its pages.
    EXPECT_EQ(PageSizeOf(path), 4096);
    v1::Authority authority = ValidAuthority("sheffield", "south-yorkshire");
    authority.set_name("authorities/sheffield");
    authority.set_status(v1::AUTHORITY_STATUS_ACTIVE);
    *authority.mutable_joined_on() = MakeDate(2026, 1, 1);
    absl::StatusOr<Written<v1::Child>> written = (*store)->Write<v1::Child>(
        RequestKey{}, [&](StoreTx& tx) -> absl::StatusOr<v1::Child> {
          RETURN_IF_ERROR(registry_rows::InsertAuthority(tx, authority));
          for (int i = 0; i < 200; ++i) {
            RETURN_IF_ERROR(registry_rows::InsertChild(tx, "sheffield", child));
          }
          return child;
        });
    ASSERT_THAT(written.status(), IsOk());
    child = written->value;
    // Free pages for the compaction to drop: the requests' stored answers.
    absl::StatusOr<Written<v1::Child>> padded = (*store)->Write<v1::Child>(
        RequestKey{}, [&](StoreTx& tx) -> absl::StatusOr<v1::Child> {
          tx.db().exec(
              "CREATE TABLE padding AS WITH RECURSIVE n(i) AS (SELECT 1 "
              "UNION ALL SELECT i + 1 FROM n WHERE i < 2000) SELECT i, "
              "randomblob(1000) AS b FROM n");
          tx.db().exec("DROP TABLE padding");
          return child;
        });
    ASSERT_THAT(padded.status(), IsOk());

    // Not while the store has it open.
    absl::Status refused = Store::Compact(path).status();
    EXPECT_THAT(refused, StatusIs(absl::StatusCode::kFailedPrecondition));
    EXPECT_THAT(refused.message(), HasSubstr("in use"));
    EXPECT_EQ(PageSizeOf(path), 4096);
  }

  absl::StatusOr<Store::Compacted> done = Store::Compact(path);
  ASSERT_THAT(done.status(), IsOk());
  EXPECT_EQ(done->page_size_before, 4096);
  EXPECT_EQ(done->page_size_after, Store::kPageSize);
  EXPECT_LT(done->bytes_after, done->bytes_before - 1'000'000);
  EXPECT_EQ(PageSizeOf(path), Store::kPageSize);
  EXPECT_EQ(JournalModeOf(path), "wal");
  {
    SQLite::Database db(path, SQLite::OPEN_READONLY);
    EXPECT_EQ(db.execAndGet("PRAGMA freelist_count").getInt(), 0);
    EXPECT_EQ(db.execAndGet("PRAGMA integrity_check").getString(), "ok");
  }

  absl::StatusOr<std::unique_ptr<Store>> store =
      Store::Open(path, clock, RaamatchSchema());
  ASSERT_THAT(store.status(), IsOk());
  absl::StatusOr<Page<v1::Child>> all =
      registry_rows::ListChildren(**store, {}, PageRequest{500, 0});
  ASSERT_THAT(all.status(), IsOk());
  ASSERT_THAT(all->items, SizeIs(200));
  // The children's row ids (INTEGER PRIMARY KEY, which VACUUM keeps), and
  // so their names: the 200th child is still c200.
  absl::StatusOr<v1::Child> last =
      registry_rows::GetChild(**store, "sheffield", 200);
  ASSERT_THAT(last.status(), IsOk());
  EXPECT_EQ(last->name(), "authorities/sheffield/children/c200");
}

TEST(StoreCompactTest, CompactWithoutADatabaseIsNotFoundAndMakesNone) {
  ScratchDir dir;
  const std::string path = dir.File("missing.db");
  absl::Status missing = Store::Compact(path).status();
  EXPECT_THAT(missing, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(missing.message(), HasSubstr(path));
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(MakeRequestKeyTest, HashesTheBodyWithoutTheRequestId) {
  v1::CreateChildRequest request;
  request.set_parent("authorities/sheffield");
  *request.mutable_child() = ValidChild();
  request.set_request_id("first");
  v1::CreateChildRequest retry = request;
  retry.set_request_id("second");
  v1::CreateChildRequest changed = request;
  changed.mutable_child()->set_summary("a different summary");

  RequestKey a = MakeRequestKey("sheffield", request);
  RequestKey b = MakeRequestKey("sheffield", retry);
  RequestKey c = MakeRequestKey("sheffield", changed);
  EXPECT_EQ(a.request_id, "first");
  EXPECT_EQ(a.scope, "sheffield");
  EXPECT_EQ(a.method, "CreateChild");
  EXPECT_EQ(a.body_hash, b.body_hash);
  EXPECT_NE(a.body_hash, c.body_hash);
}

// ---- The core knows no area: a new one brings its table, migration, rows
// and observer, and the store runs them as its own. ----

// A journal in the way the ledger will keep one: INSERT-only, a migration of
// its own numbered after every existing one.
constexpr Migration kJournalMigrations[] = {
    {kSchemaVersion + 1, "journal", R"sql(
CREATE TABLE journal (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  entry TEXT NOT NULL
);
CREATE TRIGGER journal_append_only_update BEFORE UPDATE ON journal
  BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
)sql"},
};

struct JournalChanges {
  std::vector<std::string> entries;
};

absl::Status AppendEntry(StoreTx& tx, const std::string& entry) {
  SQLite::Statement q(tx.db(), "INSERT INTO journal (entry) VALUES (?)");
  q.bind(1, entry);
  q.exec();
  tx.State<JournalChanges>().entries.push_back(entry);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> ReadJournal(Store& store) {
  return store.Read(
      [](SQLite::Database& db) -> absl::StatusOr<std::vector<std::string>> {
        std::vector<std::string> out;
        SQLite::Statement q(db, "SELECT entry FROM journal ORDER BY id");
        while (q.executeStep()) out.push_back(q.getColumn(0).getString());
        return out;
      });
}

// Hears what each write appended, and the outcome.
class JournalListener final : public StoreListener {
 public:
  absl::Status BeforeCommit(StoreTx& tx) override {
    if (const JournalChanges* c = tx.FindState<JournalChanges>()) {
      pending = c->entries;
    }
    return absl::OkStatus();
  }
  void Committed() override {
    for (std::string& e : pending) heard.push_back(std::move(e));
    pending.clear();
  }
  void RolledBack() override { pending.clear(); }
  std::vector<std::string> pending;
  std::vector<std::string> heard;
};

TEST(StoreCoreTest, AnAreaAddsItsTableMigrationRowsAndObserverAlone) {
  ScratchDir dir;
  FakeClock clock{test::TestNow()};
  std::vector<SchemaPart> schema(RaamatchSchema().begin(),
                                 RaamatchSchema().end());
  schema.push_back(SchemaPart{.migrations = kJournalMigrations});
  absl::StatusOr<std::unique_ptr<Store>> store =
      Store::Open(dir.File("raamatch.db"), clock, schema);
  ASSERT_THAT(store.status(), IsOk());
  JournalListener listener;
  (*store)->SetListener(&listener);

  auto append = [&](const std::string& entry, bool fail) {
    return (*store)
        ->Write<v1::Authority>(
            RequestKey{},
            [&](StoreTx& tx) -> absl::StatusOr<v1::Authority> {
              RETURN_IF_ERROR(AppendEntry(tx, entry));
              if (fail) return absl::InternalError("changed my mind");
              return v1::Authority();
            })
        .status();
  };
  ASSERT_THAT(append("debit sheffield 100", false), IsOk());
  EXPECT_THAT(append("never kept", true), testing::Not(IsOk()));
  absl::StatusOr<std::vector<std::string>> journal = ReadJournal(**store);
  ASSERT_THAT(journal.status(), IsOk());
  EXPECT_THAT(*journal, ElementsAre("debit sheffield 100"));
  EXPECT_THAT(listener.heard, ElementsAre("debit sheffield 100"));
  // The area's own rules hold: its trigger refuses an edit.
  EXPECT_THAT((*store)
                  ->Write<v1::Authority>(
                      RequestKey{},
                      [&](StoreTx& tx) -> absl::StatusOr<v1::Authority> {
                        tx.db().exec("UPDATE journal SET entry = 'x'");
                        return v1::Authority();
                      })
                  .status(),
              StatusIs(absl::StatusCode::kInternal));
  (*store)->SetListener(nullptr);
}

// PRAGMA temp_store as the last part's after_open saw it.
int temp_store_at_open = -1;

// Served writes keep a statement's undo journal in memory (temp_store 2);
// the migrations and repairs at open, which may sort or rewrite a whole
// table, keep SQLite's default and spill to disk.
TEST(StoreCoreTest, OnlyServedWritesKeepTheirJournalsInMemory) {
  ScratchDir dir;
  FakeClock clock{test::TestNow()};
  std::vector<SchemaPart> schema(RaamatchSchema().begin(),
                                 RaamatchSchema().end());
  schema.push_back(SchemaPart{
      .migrations = {}, .after_open = [](SQLite::Database& db) {
        temp_store_at_open = db.execAndGet("PRAGMA temp_store").getInt();
      }});
  absl::StatusOr<std::unique_ptr<Store>> store =
      Store::Open(dir.File("raamatch.db"), clock, schema);
  ASSERT_THAT(store.status(), IsOk());
  EXPECT_EQ(temp_store_at_open, 0);

  int during_write = -1;
  ASSERT_THAT((*store)
                  ->Write<v1::Authority>(
                      RequestKey{},
                      [&](StoreTx& tx) -> absl::StatusOr<v1::Authority> {
                        during_write =
                            tx.db().execAndGet("PRAGMA temp_store").getInt();
                        return v1::Authority();
                      })
                  .status(),
              IsOk());
  EXPECT_EQ(during_write, 2);
}

TEST(StoreCoreTest, TwoMigrationsWithOneNumberAreRefused) {
  constexpr Migration kClash[] = {{5, "not-regions", "SELECT 1;"}};
  std::vector<SchemaPart> schema(RaamatchSchema().begin(),
                                 RaamatchSchema().end());
  schema.push_back(SchemaPart{.migrations = kClash});
  EXPECT_THAT(OrderedMigrations(schema).status(),
              StatusIs(absl::StatusCode::kInternal));
  ScratchDir dir;
  FakeClock clock{test::TestNow()};
  EXPECT_THAT(Store::Open(dir.File("raamatch.db"), clock, schema).status(),
              StatusIs(absl::StatusCode::kInternal));
}

// The method part of every stored idempotency key: the strings written by
// hand before it was taken from the request's type. A change here breaks
// retries across an upgrade (the stored row no longer matches).
// ---- The journey dates live as milestone rows from migration 7 on ----

// Counts the milestone rows and the stored blobs that still hold a date.
struct StoredDates {
  int milestone_rows = 0;
  int blobs_with_dates = 0;
};

StoredDates CountStoredDates(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  StoredDates out;
  if (db.tableExists("milestones")) {
    out.milestone_rows =
        db.execAndGet("SELECT COUNT(*) FROM milestones").getInt();
  }
  SQLite::Statement children(db, "SELECT profile FROM children");
  while (children.executeStep()) {
    v1::Child c;
    const SQLite::Column col = children.getColumn(0);
    c.ParseFromArray(col.getBlob(), col.getBytes());
    if (c.journey().has_entered_care()) ++out.blobs_with_dates;
  }
  SQLite::Statement adopters(db, "SELECT profile FROM adopters");
  while (adopters.executeStep()) {
    v1::Adopter a;
    const SQLite::Column col = adopters.getColumn(0);
    a.ParseFromArray(col.getBlob(), col.getBytes());
    if (a.has_approved_on() || a.has_applied_on()) ++out.blobs_with_dates;
  }
  return out;
}

// A member's check of its stored regions and languages (CheckRegions) reads
// its own rows only: another member's profiles are never parsed.
TEST_F(StoreTest, AMembersProfileScanReadsItsOwnRowsOnly) {
  ASSERT_THAT(AddChild("sheffield", ValidChild()).status(), IsOk());
  ASSERT_THAT(AddChild("leeds", ValidChild()).status(), IsOk());
  ASSERT_THAT(AddAdopter("sheffield", ValidAdopter()).status(), IsOk());
  ASSERT_THAT(AddAdopter("leeds", ValidAdopter()).status(), IsOk());
  {
    // Sheffield's profiles made unreadable: a scan that parses one fails.
    SQLite::Database db(path_, SQLite::OPEN_READWRITE);
    for (const char* table : {"children", "adopters"}) {
      EXPECT_EQ(db.exec(absl::StrCat("UPDATE ", table,
                                     " SET profile = x'ff' WHERE "
                                     "authority_id = 'sheffield'")),
                1);
    }
  }
  std::vector<std::string> names;
  ASSERT_THAT(
      registry_rows::ScanChildProfilesOf(
          *store_, "leeds",
          [&](int64_t, const v1::Child& c) { names.push_back(c.name()); }),
      IsOk());
  ASSERT_THAT(
      registry_rows::ScanAdopterProfilesOf(
          *store_, "leeds",
          [&](int64_t, const v1::Adopter& a) { names.push_back(a.name()); }),
      IsOk());
  EXPECT_THAT(names, ElementsAre(HasSubstr("authorities/leeds/children/"),
                                 HasSubstr("authorities/leeds/adopters/")));
  // So does a member's check of its regions and languages.
  absl::StatusOr<std::vector<v1::UnknownValue>> leeds =
      FindUnknownValues(*store_, *RegionList::Shipped(), "leeds");
  ASSERT_THAT(leeds.status(), IsOk());
  for (const v1::UnknownValue& u : *leeds) {
    EXPECT_THAT(u.record(), HasSubstr("authorities/leeds/"));
  }
  EXPECT_THAT(FindUnknownValues(*store_, *RegionList::Shipped(), "").status(),
              StatusIs(absl::StatusCode::kDataLoss));
  // Every member's: Sheffield's too.
  EXPECT_THAT(registry_rows::ScanChildProfilesOf(
                  *store_, "", [](int64_t, const v1::Child&) {}),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(registry_rows::ScanAdopterProfilesOf(
                  *store_, "", [](int64_t, const v1::Adopter&) {}),
              StatusIs(absl::StatusCode::kDataLoss));
}

TEST_F(StoreTest, ProfilesAreStoredWithoutTheirDatesAndReadWithThem) {
  absl::StatusOr<Written<v1::Child>> child =
      AddChild("sheffield", ValidChild());
  ASSERT_THAT(child.status(), IsOk());
  absl::StatusOr<Written<v1::Adopter>> adopter =
      AddAdopter("leeds", ValidAdopter());
  ASSERT_THAT(adopter.status(), IsOk());
  // ValidChild has three journey dates, ValidAdopter three.
  StoredDates stored = CountStoredDates(path_);
  EXPECT_EQ(stored.milestone_rows, 6);
  EXPECT_EQ(stored.blobs_with_dates, 0);
  EXPECT_THAT(*registry_rows::GetChild(*store_, "sheffield", 1),
              EqualsProto(child->value));
  EXPECT_THAT(*registry_rows::GetAdopter(*store_, "leeds", 1),
              EqualsProto(adopter->value));
  absl::StatusOr<Page<v1::Child>> page =
      registry_rows::ListChildren(*store_, {}, PageRequest{50, 0});
  ASSERT_THAT(page.status(), IsOk());
  ASSERT_THAT(page->items, SizeIs(1));
  EXPECT_THAT(page->items[0], EqualsProto(child->value));
  absl::StatusOr<Page<v1::Adopter>> adopters =
      registry_rows::ListAdopters(*store_, {}, PageRequest{50, 0});
  ASSERT_THAT(adopters.status(), IsOk());
  ASSERT_THAT(adopters->items, SizeIs(1));
  EXPECT_THAT(adopters->items[0], EqualsProto(adopter->value));

  // An update adds a row only for the date that changed, and the profile
  // reads with it.
  v1::Child changed = child->value;
  *changed.mutable_journey()->mutable_placement_order() = MakeDate(2025, 9, 1);
  ASSERT_THAT(
      store_
          ->Write<v1::Child>(RequestKey{},
                             [&](StoreTx& tx) -> absl::StatusOr<v1::Child> {
                               RETURN_IF_ERROR(registry_rows::UpdateChild(
                                   tx, changed, {"sheffield", "k1", ""}));
                               return changed;
                             })
          .status(),
      IsOk());
  EXPECT_EQ(CountStoredDates(path_).milestone_rows, 7);
  EXPECT_EQ(registry_rows::GetChild(*store_, "sheffield", 1)
                ->journey()
                .placement_order()
                .month(),
            9);
}

// Reads keep their statements prepared between calls: a kept statement
// must not keep its read transaction too, or no checkpoint could empty the
// write-ahead log while the server runs.
TEST_F(StoreTest, ReadsLeaveNoReadTransactionOpen) {
  absl::StatusOr<Written<v1::Child>> child =
      AddChild("sheffield", ValidChild());
  ASSERT_THAT(child.status(), IsOk());
  for (int i = 0; i < 2; ++i) {  // the second read through kept statements
    absl::StatusOr<v1::Child> read =
        registry_rows::GetChild(*store_, "sheffield", 1);
    ASSERT_THAT(read.status(), IsOk());
    EXPECT_THAT(*read, EqualsProto(child->value));
    EXPECT_THAT(registry_rows::ListStatusChanges(*store_, RecordKind::kChild,
                                                 "sheffield", 1)
                    .status(),
                IsOk());
  }
  // Written after the reads: a reader still on its snapshot would keep the
  // checkpoint from copying this.
  ASSERT_THAT(AddChild("sheffield", ValidChild()).status(), IsOk());
  SQLite::Database other(path_, SQLite::OPEN_READWRITE);
  SQLite::Statement checkpoint(other, "PRAGMA wal_checkpoint(TRUNCATE)");
  ASSERT_TRUE(checkpoint.executeStep());
  EXPECT_EQ(checkpoint.getColumn(0).getInt(), 0) << "a reader blocked it";
  EXPECT_EQ(checkpoint.getColumn(1).getInt(), 0) << "log pages left";
}

// Reads run side by side on the store's read connections: one that takes
// long (a consortium's overdue list) holds up no other while one is free.
TEST_F(StoreTest, AsManyReadsAsConnectionsRunAtOnce) {
  ASSERT_THAT(AddChild("sheffield", ValidChild()).status(), IsOk());
  HeldReadConnections held(*store_, Store::kReadConnections - 1);
  // With every connection but one held, a child's profile still reads.
  absl::Notification read;
  std::thread reader([&] {
    absl::StatusOr<v1::Child> child =
        registry_rows::GetChild(*store_, "sheffield", 1);
    EXPECT_THAT(child.status(), IsOk());
    read.Notify();
  });
  EXPECT_TRUE(read.WaitForNotificationWithTimeout(absl::Seconds(30)))
      << "GetChild waited for the held reads";
  held.Release();
  reader.join();
  // And again once they are given back.
  EXPECT_THAT(registry_rows::GetChild(*store_, "sheffield", 1).status(),
              IsOk());
}

// A read inside a read would hold two connections (four threads doing it at
// once would wait for each other for ever): it is refused, and reads go on
// after it.
TEST_F(StoreTest, AReadInsideAReadIsRefused) {
  absl::Status inner;
  EXPECT_THAT(store_->Read([&](SQLite::Database&) {
    inner = store_->Read([](SQLite::Database&) { return absl::OkStatus(); });
    return absl::OkStatus();
  }),
              IsOk());
  EXPECT_THAT(inner, StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(store_->Read([](SQLite::Database&) { return absl::OkStatus(); }),
              IsOk());
}

TEST(StoreMigrationTest, JourneyDatesInSchemaSixBlobsMoveToMilestonesOnce) {
  ScratchDir dir;
  const std::string path = dir.File("raamatch.db");
  FakeClock clock{test::TestNow()};
  // A database as schema 6 left it: the dates inside the profiles.
  std::vector<Migration> up_to_six;
  for (const Migration& m : Migrations()) {
    if (m.version <= 6) up_to_six.push_back(m);
  }
  const SchemaPart old_schema[] = {SchemaPart{.migrations = up_to_six}};
  v1::Child child = ValidChild();
  *child.mutable_journey()->mutable_placement_order() = MakeDate(2025, 9, 1);
  v1::Adopter adopter = ValidAdopter();
  {
    absl::StatusOr<std::unique_ptr<Store>> old =
        Store::Open(path, clock, old_schema);
    ASSERT_THAT(old.status(), IsOk());
  }
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    db.exec(
        "INSERT INTO authorities VALUES ('sheffield', 'Sheffield', 1, "
        "'south-yorkshire', 0, 1, '2026-01-01', NULL, x'', 1, 1)");
    child.set_name("authorities/sheffield/children/c1");
    SQLite::Statement c(
        db,
        "INSERT INTO children (id, authority_id, status, group_size, "
        "min_age_months, max_age_months, need_mask, region, profile, "
        "create_time, update_time, ages_as_of) VALUES (1, 'sheffield', 1, 1, "
        "0, 0, 0, 'sheffield', ?, 5, 5, '2026-01-01')");
    const std::string child_blob = child.SerializeAsString();
    c.bind(1, child_blob.data(), static_cast<int>(child_blob.size()));
    c.exec();
    adopter.set_name("authorities/sheffield/adopters/h1");
    SQLite::Statement h(
        db,
        "INSERT INTO adopters (id, authority_id, status, approved_on, "
        "approved_for, min_age_months, max_age_months, sex_preference, "
        "region, excluded_regions, dual_approved, max_contact, heritage_mask, "
        "religion, languages, max_physical_disability, "
        "max_learning_disability, max_global_developmental_delay, "
        "max_medical_condition, max_emotional_and_behavioural, "
        "max_foetal_alcohol_spectrum, max_sexualised_behaviour, "
        "max_uncertain_developmental_prognosis, max_attachment_difficulties, "
        "profile, create_time, update_time) VALUES (1, 'sheffield', 2, "
        "'2025-09-01', 1, 0, 60, 0, 'sheffield', '[]', 0, 0, 0, 0, '[]', "
        "0,0,0,0,0,0,0,0,0, ?, 5, 5)");
    const std::string adopter_blob = adopter.SerializeAsString();
    h.bind(1, adopter_blob.data(), static_cast<int>(adopter_blob.size()));
    h.exec();
  }
  EXPECT_EQ(CountStoredDates(path).blobs_with_dates, 2);
  for (int open = 0; open < 2; ++open) {
    absl::StatusOr<std::unique_ptr<Store>> store =
        Store::Open(path, clock, RaamatchSchema());
    ASSERT_THAT(store.status(), IsOk());
    EXPECT_THAT(*registry_rows::GetChild(**store, "sheffield", 1),
                EqualsProto(child));
    EXPECT_THAT(*registry_rows::GetAdopter(**store, "sheffield", 1),
                EqualsProto(adopter));
    // Four child dates and three household dates, moved once.
    StoredDates stored = CountStoredDates(path);
    EXPECT_EQ(stored.milestone_rows, 7) << "open " << open;
    EXPECT_EQ(stored.blobs_with_dates, 0);
    // Recorded as done, so later opens do not read every profile again.
    SQLite::Database db(path, SQLite::OPEN_READONLY);
    EXPECT_EQ(db.execAndGet("SELECT group_concat(name, '; ') FROM (SELECT "
                            "name FROM repairs_done ORDER BY name)")
                  .getString(),
              "ages_as_of from profiles; journey dates out of profiles; "
              "withdraw reasons of records not withdrawn");
  }
}

// Before schema 20 a create stored the (output only) withdraw reason it was
// given: the next open clears it from the profiles of records that are not
// withdrawn, once, and keeps a withdrawn record's own reason.
TEST_F(StoreTest, AnOpenClearsTheWithdrawReasonsStoredByCreates) {
  const std::string kIdentifying = "Jane Smith, born 12/03/2019, 4 Elm Road";
  v1::Child waiting = ValidChild();
  waiting.set_withdraw_reason(kIdentifying);
  // With a request id: its answer, the record, is kept for retries.
  ASSERT_THAT(AddChild("sheffield", waiting,
                       RequestKey{.scope = "sheffield",
                                  .request_id = "r1",
                                  .method = "CreateChild",
                                  .body_hash = "h1",
                                  .earlier_body_hash = ""})
                  .status(),
              IsOk());
  v1::Child withdrawn = ValidChild();
  withdrawn.set_status(v1::CHILD_STATUS_WITHDRAWN);
  withdrawn.set_withdraw_reason("placed with family elsewhere");
  ASSERT_THAT(AddChild("sheffield", withdrawn).status(), IsOk());
  v1::Adopter approved = ValidAdopter();
  approved.set_withdraw_reason(kIdentifying);
  ASSERT_THAT(AddAdopter("leeds", approved).status(), IsOk());
  // As a database of schema 19 had them: the repair not yet run.
  store_.reset();
  {
    SQLite::Database db(path_, SQLite::OPEN_READWRITE);
    db.exec("DELETE FROM repairs_done WHERE name LIKE 'withdraw reasons%'");
    db.exec("ALTER TABLE audit_events DROP COLUMN events");
    db.exec("ALTER TABLE audit_events DROP COLUMN times");
    db.exec("DELETE FROM schema_migrations WHERE version IN (20, 21)");
    ASSERT_EQ(db.execAndGet("SELECT count(*) FROM requests WHERE "
                            "instr(response, 'Jane')")
                  .getInt(),
              1);
  }
  for (int open = 0; open < 2; ++open) {
    absl::StatusOr<std::unique_ptr<Store>> store =
        Store::Open(path_, clock_, RaamatchSchema());
    ASSERT_THAT(store.status(), IsOk());
    EXPECT_EQ(
        registry_rows::GetChild(**store, "sheffield", 1)->withdraw_reason(),
        "");
    EXPECT_EQ(
        registry_rows::GetChild(**store, "sheffield", 2)->withdraw_reason(),
        "placed with family elsewhere");
    EXPECT_EQ(registry_rows::GetAdopter(**store, "leeds", 1)->withdraw_reason(),
              "");
  }
  // Gone from the file, not only from what is read: the profiles and the
  // answer kept for a retry.
  SQLite::Database db(path_, SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM requests").getInt(), 1);
  EXPECT_EQ(db.execAndGet("SELECT (SELECT count(*) FROM children WHERE "
                          "instr(profile, 'Jane')) + (SELECT count(*) FROM "
                          "adopters WHERE instr(profile, 'Jane')) + (SELECT "
                          "count(*) FROM requests WHERE instr(response, "
                          "'Jane'))")
                .getInt(),
            0);
}

TEST(MakeRequestKeyTest, MethodsAreTheStoredNamesOfEveryWrite) {
  const std::vector<std::pair<const google::protobuf::Descriptor*, std::string>>
      kStored = {
          {v1::CreateAuthorityRequest::descriptor(), "CreateAuthority"},
          {v1::UpdateAuthorityRequest::descriptor(), "UpdateAuthority"},
          {v1::WithdrawAuthorityRequest::descriptor(), "WithdrawAuthority"},
          {v1::ReinstateAuthorityRequest::descriptor(), "ReinstateAuthority"},
          {v1::CreateChildRequest::descriptor(), "CreateChild"},
          {v1::BatchCreateChildrenRequest::descriptor(), "BatchCreateChildren"},
          {v1::UpdateChildRequest::descriptor(), "UpdateChild"},
          {v1::WithdrawChildRequest::descriptor(), "WithdrawChild"},
          {v1::CreateAdopterRequest::descriptor(), "CreateAdopter"},
          {v1::BatchCreateAdoptersRequest::descriptor(), "BatchCreateAdopters"},
          {v1::UpdateAdopterRequest::descriptor(), "UpdateAdopter"},
          {v1::WithdrawAdopterRequest::descriptor(), "WithdrawAdopter"},
          {v1::CreateRegionRequest::descriptor(), "CreateRegion"},
          {v1::CreateApiKeyRequest::descriptor(), "CreateApiKey"},
          {v1::RevokeApiKeyRequest::descriptor(), "RevokeApiKey"},
          {v1::CreateFollowRequest::descriptor(), "CreateFollow"},
          {v1::DeleteFollowRequest::descriptor(), "DeleteFollow"},
          {v1::UpdateMatchingPolicyRequest::descriptor(),
           "UpdateMatchingPolicy"},
      };
  for (const auto& [type, stored] : kStored) {
    EXPECT_EQ(IdempotencyMethodOf(*type), stored) << type->full_name();
  }
}

}  // namespace
}  // namespace raa
