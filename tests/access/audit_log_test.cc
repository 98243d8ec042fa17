// The audit trail's storage (services/audit): a search by record finds every
// event that read the record, newest first, whether the by-record index has
// taken the event in yet (AuditLog::Merge) or not; pruning leaves no trace
// of an expired event; a database written before record numbers
// (migration 11) reads back the same events.
#include "services/audit/audit_log.h"

#include <SQLiteCpp/Database.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/server/schema.h"
#include "services/store/store.h"
#include "tests/support/builders.h"
#include "tests/support/scratch_dir.h"
#include "tests/support/status_matchers.h"

namespace raa {
namespace {

using ::raa::test::IsOk;
using ::raa::test::ScratchDir;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;

// A record's events as QueryAuditLog pages them (page size 3), as
// (event name, records) pairs, newest first.
using Seen = std::vector<std::pair<std::string, std::vector<std::string>>>;

Seen AllPages(AuditLog& audit, const std::string& record) {
  Seen seen;
  v1::QueryAuditLogRequest request;
  request.set_record(record);
  request.set_page_size(3);
  while (true) {
    absl::StatusOr<v1::QueryAuditLogResponse> page = audit.Query(request);
    EXPECT_THAT(page.status(), IsOk());
    if (!page.ok()) return seen;
    for (const v1::AuditEvent& e : page->events()) {
      seen.emplace_back(e.name(), std::vector<std::string>(e.records().begin(),
                                                           e.records().end()));
    }
    if (page->next_page_token().empty()) return seen;
    request.set_page_token(page->next_page_token());
  }
}

// A GetChild's event for `record` by a Leeds key.
AuditEvent Read(const std::string& record) {
  AuditEvent e;
  e.key_id = "336774ed25169ddb";
  e.authority_id = "leeds";
  e.method = "/raa.v1.RegistryService/GetChild";
  e.records = {record};
  return e;
}

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<Store>> store =
        Store::Open(path_, clock_, RaamatchSchema());
    ASSERT_THAT(store.status(), IsOk());
    store_ = std::move(*store);
  }

  std::unique_ptr<AuditLog> OpenLog(int64_t merge_every) {
    absl::StatusOr<std::unique_ptr<AuditLog>> audit =
        AuditLog::Open({.db_path = path_,
                        .retention = absl::Hours(24 * 30),
                        .merge_every = merge_every},
                       clock_);
    EXPECT_THAT(audit.status(), IsOk());
    return audit.ok() ? std::move(*audit) : nullptr;
  }

  ScratchDir dir_;
  const std::string path_ = dir_.File("raamatch.db");
  FakeClock clock_{test::TestNow()};
  std::unique_ptr<Store> store_;
};

// Names 1 and 11 both exist, so a match on a number's digits alone would
// show; duplicates within an event are recorded once.
TEST_F(AuditLogTest, ASearchByRecordFindsEveryEventBeforeAndAfterTheIndexRun) {
  std::unique_ptr<AuditLog> audit = OpenLog(/*merge_every=*/7);
  ASSERT_NE(audit, nullptr);
  std::vector<std::string> names;
  for (int i = 1; i <= 14; ++i) {
    names.push_back(absl::StrCat("authorities/leeds/adopters/h", i));
  }
  std::mt19937 rng(11);
  // What each name's search must show: event ids, newest last.
  std::vector<std::vector<std::pair<int, std::vector<std::string>>>> expected(
      names.size());
  for (int event = 1; event <= 60; ++event) {
    AuditEvent e;
    e.key_id = "336774ed25169ddb";
    e.authority_id = "leeds";
    e.method = "/raa.v1.MatchingService/RankAdopters";
    std::vector<std::string> distinct;
    const int count = static_cast<int>(rng() % 5);
    for (int i = 0; i < count; ++i) {
      const std::string& name = names[rng() % names.size()];
      e.records.push_back(name);
      if (absl::c_find(distinct, name) == distinct.end()) {
        distinct.push_back(name);
      }
    }
    for (const std::string& name : distinct) {
      const size_t n =
          static_cast<size_t>(absl::c_find(names, name) - names.begin());
      expected[n].emplace_back(event, distinct);
    }
    audit->Record(std::move(e));
    // Flushing at uneven points leaves some events merged, some not.
    if (event % 5 == 0 || event == 60) {
      audit->Flush();
      for (size_t n = 0; n < names.size(); ++n) {
        Seen want;
        for (auto it = expected[n].rbegin(); it != expected[n].rend(); ++it) {
          want.emplace_back(absl::StrCat("auditEvents/", it->first),
                            it->second);
        }
        ASSERT_THAT(AllPages(*audit, names[n]), ElementsAreArray(want))
            << names[n] << " after event " << event;
      }
    }
  }
  EXPECT_THAT(AllPages(*audit, "authorities/leeds/adopters/h99"), IsEmpty());
}

TEST_F(AuditLogTest, PruningLeavesNoTraceOfAnExpiredEvent) {
  std::unique_ptr<AuditLog> audit = OpenLog(/*merge_every=*/2);
  ASSERT_NE(audit, nullptr);
  const std::string child = "authorities/sheffield/children/c1";
  for (int i = 0; i < 5; ++i) {
    audit->Record(Read(child));
    audit->Flush();
  }
  clock_.Advance(absl::Hours(24 * 20));
  audit->Record(Read(child));
  audit->Flush();
  clock_.Advance(absl::Hours(24 * 11));
  absl::StatusOr<int64_t> pruned = audit->Prune();
  ASSERT_THAT(pruned.status(), IsOk());
  EXPECT_EQ(*pruned, 5);
  EXPECT_THAT(AllPages(*audit, child),
              ElementsAreArray(Seen{{"auditEvents/6", {child}}}));
  audit.reset();
  SQLite::Database db(path_, SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("SELECT COUNT(*) FROM audit_reads WHERE event_id "
                          "<= 5")
                .getInt(),
            0);
}

}  // namespace

// A database as schema 10 left it: records by name, two rows each.
TEST(AuditMigrationTest, EventsRecordedByNameReadBackTheSameByNumber) {
  ScratchDir dir;
  const std::string path = dir.File("raamatch.db");
  FakeClock clock{test::TestNow()};
  absl::StatusOr<std::vector<Migration>> all =
      OrderedMigrations(RaamatchSchema());
  ASSERT_THAT(all.status(), IsOk());
  std::vector<Migration> up_to_ten;
  for (const Migration& m : *all) {
    if (m.version <= 10) up_to_ten.push_back(m);
  }
  const SchemaPart old_schema[] = {SchemaPart{.migrations = up_to_ten}};
  {
    absl::StatusOr<std::unique_ptr<Store>> old =
        Store::Open(path, clock, old_schema);
    ASSERT_THAT(old.status(), IsOk());
  }
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    // Recorded a day before now: within the retention period.
    const int64_t t = absl::ToUnixMicros(test::TestNow() - absl::Hours(24));
    db.exec(
        absl::StrCat("INSERT INTO audit_events VALUES "
                     "(1, ",
                     t,
                     ", 'aaaaaaaaaaaaaaaa', 'leeds', '/m/Get', 0, 1), "
                     "(2, ",
                     t + 1,
                     ", 'bbbbbbbbbbbbbbbb', 'york', '/m/Rank', 0, 3), "
                     "(3, ",
                     t + 2,
                     ", 'aaaaaaaaaaaaaaaa', 'leeds', '/m/Get', 7, 0);"
                     "INSERT INTO audit_records VALUES "
                     "(1, 'authorities/leeds/children/c1'), "
                     "(2, 'authorities/leeds/children/c1'), "
                     "(2, 'authorities/york/adopters/h1'), "
                     "(2, 'authorities/york/adopters/h11');"));
  }
  absl::StatusOr<std::unique_ptr<Store>> store =
      Store::Open(path, clock, RaamatchSchema());
  ASSERT_THAT(store.status(), IsOk());
  absl::StatusOr<std::unique_ptr<AuditLog>> audit =
      AuditLog::Open({.db_path = path, .merge_every = 1}, clock);
  ASSERT_THAT(audit.status(), IsOk());
  EXPECT_THAT(
      AllPages(**audit, "authorities/leeds/children/c1"),
      ElementsAreArray(Seen{
          {"auditEvents/2",
           {"authorities/leeds/children/c1", "authorities/york/adopters/h1",
            "authorities/york/adopters/h11"}},
          {"auditEvents/1", {"authorities/leeds/children/c1"}}}));
  EXPECT_THAT(AllPages(**audit, "authorities/york/adopters/h1"),
              ElementsAreArray(Seen{{"auditEvents/2",
                                     {"authorities/leeds/children/c1",
                                      "authorities/york/adopters/h1",
                                      "authorities/york/adopters/h11"}}}));
  // A new event after the migrated ones is found with them.
  (*audit)->Record(Read("authorities/york/adopters/h1"));
  (*audit)->Flush();
  EXPECT_THAT(AllPages(**audit, "authorities/york/adopters/h1"),
              ::testing::SizeIs(2));
  v1::QueryAuditLogResponse everything =
      *(*audit)->Query(v1::QueryAuditLogRequest());
  ASSERT_EQ(everything.events_size(), 4);
  EXPECT_EQ(everything.events(1).status_code(), 7);
  EXPECT_THAT(everything.events(1).records(), IsEmpty());
}

}  // namespace raa
