// The audit trail's storage (services/audit): a search by record finds every
// event that read the record, newest first, whether the by-record index has
// taken the event in yet (AuditLog::Merge) or not; pruning leaves no trace
// of an expired event; a database written before record numbers
// (migration 11), or before the by-record lists (migration 16), reads back
// the same events.
#include "services/audit/audit_log.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <atomic>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/notification.h"
#include "common/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "services/server/schema.h"
#include "services/store/paging.h"
#include "services/store/store.h"
#include "tests/support/builders.h"
#include "tests/support/scratch_dir.h"
#include "tests/support/status_matchers.h"

namespace raa {
namespace {

using ::google::protobuf::util::TimeUtil;
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

// Every event a search pages through, newest first.
std::vector<int64_t> EventIds(AuditLog& audit,
                              v1::QueryAuditLogRequest request) {
  std::vector<int64_t> ids;
  while (true) {
    absl::StatusOr<v1::QueryAuditLogResponse> page = audit.Query(request);
    EXPECT_THAT(page.status(), IsOk());
    if (!page.ok()) return ids;
    for (const v1::AuditEvent& e : page->events()) {
      int64_t id = 0;
      EXPECT_TRUE(
          absl::SimpleAtoi(absl::StripPrefix(e.name(), "auditEvents/"), &id));
      ids.push_back(id);
    }
    if (page->next_page_token().empty()) return ids;
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

// The rows of audit_postings' events column, in key order.
std::vector<std::string> ListedEvents(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  SQLite::Statement lists(db, "SELECT events FROM audit_postings");
  std::vector<std::string> listed;
  while (lists.executeStep()) listed.push_back(lists.getColumn(0).getString());
  return listed;
}

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<Store>> store =
        Store::Open(path_, clock_, RaamatchSchema());
    ASSERT_THAT(store.status(), IsOk());
    store_ = std::move(*store);
  }

  std::unique_ptr<AuditLog> OpenLog(int64_t merge_every,
                                    size_t merge_pairs = size_t{1} << 20) {
    absl::StatusOr<std::unique_ptr<AuditLog>> audit =
        AuditLog::Open({.db_path = path_,
                        .retention = absl::Hours(24 * 30),
                        .merge_every = merge_every,
                        .merge_pairs = merge_pairs},
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

// A batch SQLite refuses is rolled back and reported to the calls waiting
// for it; the writer's statements, kept from batch to batch, serve the
// next one, and a record first named in the refused batch is numbered
// afresh.
TEST_F(AuditLogTest, ACommitAfterARefusedOneRecordsAndFindsItsEvent) {
  std::unique_ptr<AuditLog> audit = OpenLog(/*merge_every=*/2);
  ASSERT_NE(audit, nullptr);
  auto event = [](std::string method, std::vector<std::string> records) {
    AuditEvent e;
    e.key_id = "336774ed25169ddb";
    e.authority_id = "leeds";
    e.method = std::move(method);
    e.records = AuditRecords(records);
    return e;
  };
  const std::string before = "authorities/leeds/adopters/h1";
  const std::string refused = "authorities/leeds/adopters/h2";
  audit->Record(event("/raa.v1.RegistryService/GetAdopter", {before}));
  audit->Flush();
  {
    SQLite::Database db(path_, SQLite::OPEN_READWRITE);
    db.exec(
        "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events "
        "WHEN NEW.method = '/refused' BEGIN SELECT RAISE(ABORT, 'refused'); "
        "END");
  }
  absl::Status first = absl::UnknownError("not called");
  audit->Record(event("/refused", {refused, before}),
                [&first](absl::Status s) { first = std::move(s); });
  audit->Flush();
  EXPECT_FALSE(first.ok());
  EXPECT_THAT(AllPages(*audit, refused), IsEmpty());

  absl::Status second = absl::UnknownError("not called");
  audit->Record(
      event("/raa.v1.RegistryService/UpdateAdopter", {refused, before}),
      [&second](absl::Status s) { second = std::move(s); });
  audit->Flush();
  EXPECT_THAT(second, IsOk());
  const std::vector<std::string> both = {refused, before};
  EXPECT_THAT(AllPages(*audit, refused),
              ElementsAreArray(Seen{{"auditEvents/2", both}}));
  EXPECT_THAT(AllPages(*audit, before),
              ElementsAreArray(
                  Seen{{"auditEvents/2", both}, {"auditEvents/1", {before}}}));
}

// A read is answered before its event is committed, so an event whose batch
// could not be committed (the database locked past the busy wait, a full
// disk: here a trigger) is kept and tried again, here at the stop, not
// dropped with the batch; the change that failed with it was answered
// UNAVAILABLE.
TEST_F(AuditLogTest, AReadsEventWhoseCommitFailedIsRecordedOnceItCan) {
  std::unique_ptr<AuditLog> audit = OpenLog(/*merge_every=*/2);
  ASSERT_NE(audit, nullptr);
  {
    SQLite::Database db(path_, SQLite::OPEN_READWRITE);
    db.exec(
        "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events "
        "BEGIN SELECT RAISE(ABORT, 'disk full'); END");
  }
  const std::string child = "authorities/leeds/children/c1";
  audit->Record(Read(child));
  // Answered once a batch after the read's has failed.
  AuditEvent update = Read(child);
  update.method = "/raa.v1.RegistryService/UpdateChild";
  absl::Notification answered;
  absl::Status change = absl::UnknownError("not called");
  audit->Record(std::move(update), [&](absl::Status s) {
    change = std::move(s);
    answered.Notify();
  });
  answered.WaitForNotification();
  EXPECT_FALSE(change.ok());
  {
    SQLite::Database db(path_, SQLite::OPEN_READWRITE);
    db.exec("DROP TRIGGER refuse_audit");
  }
  audit.reset();  // stops: what is kept is tried once more
  audit = OpenLog(/*merge_every=*/2);
  ASSERT_NE(audit, nullptr);
  Seen seen = AllPages(*audit, child);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_THAT(seen[0].second, ElementsAreArray({child}));
  v1::QueryAuditLogRequest request;
  request.set_record(child);
  absl::StatusOr<v1::QueryAuditLogResponse> page = audit->Query(request);
  ASSERT_THAT(page.status(), IsOk());
  ASSERT_EQ(page->events_size(), 1);
  EXPECT_EQ(page->events(0).method(), "/raa.v1.RegistryService/GetChild");
}

TEST_F(AuditLogTest, PruningLeavesNoTraceOfAnExpiredEvent) {
  std::unique_ptr<AuditLog> audit = OpenLog(/*merge_every=*/2);
  ASSERT_NE(audit, nullptr);
  const std::string child = "authorities/sheffield/children/c1";
  const std::string other = "authorities/sheffield/children/c2";
  for (int i = 0; i < 5; ++i) {
    AuditEvent e = Read(child);
    if (i == 4) e.records.push_back(other);  // event 5 alone reads c2
    audit->Record(std::move(e));
    audit->Flush();
  }
  clock_.Advance(absl::Hours(24 * 20));
  audit->Record(Read(child));
  audit->Flush();
  // Runs 2, 4 and 6 (events 5 and 6) listed: the writer's last merge is
  // done once it has stopped. The log opened again has nothing to merge.
  audit.reset();
  audit = OpenLog(/*merge_every=*/2);
  ASSERT_NE(audit, nullptr);
  clock_.Advance(absl::Hours(24 * 11));
  absl::StatusOr<int64_t> pruned = audit->Prune();
  ASSERT_THAT(pruned.status(), IsOk());
  EXPECT_EQ(*pruned, 5);
  EXPECT_THAT(AllPages(*audit, child),
              ElementsAreArray(Seen{{"auditEvents/6", {child}}}));
  audit.reset();
  // No record's list names an expired event, in a run wholly expired or in
  // the run that took in events 5 (expired) and 6: c1's list there keeps 6,
  // c2's (only 5) is gone.
  EXPECT_THAT(ListedEvents(path_), ElementsAreArray({"6"}));
}

// Rows of audit_events (migration 21) hold a run of a batch's events by one
// key, method and status within a second: 150 events, every tenth by
// another key and the last thirty two seconds later, are stored in far
// fewer rows, and read back one by one as they were recorded, whatever cuts
// a row: a page, a key, a time window, a record (merged or not), a pruning
// whose cut falls inside a row (which keeps the row's later events and
// counts only those it deletes), a restart, and a pruning of every event
// (after which no id is given again).
TEST_F(AuditLogTest, EventsPackedInRowsReadBackOneByOne) {
  std::unique_ptr<AuditLog> audit = OpenLog(/*merge_every=*/1'000'000);
  ASSERT_NE(audit, nullptr);
  const absl::Time base = clock_.Now();
  auto time_of = [&](int i) {
    return base + absl::Milliseconds(i) +
           (i > 120 ? absl::Seconds(2) : absl::ZeroDuration());
  };
  const std::string child = "authorities/leeds/children/c1";
  auto records_of = [&](int i) {
    std::vector<std::string> names;
    if (i % 3 == 0) names.push_back(child);
    names.push_back(absl::StrCat("authorities/york/adopters/h", i % 5));
    return names;
  };
  const std::string other_key = "aaaaaaaaaaaaaaaa";
  for (int i = 1; i <= 150; ++i) {
    AuditEvent e = Read(child);
    e.method = "/raa.v1.MatchingService/RankAdopters";
    if (i % 10 == 0) e.key_id = other_key;
    e.time = time_of(i);
    e.records = AuditRecords(records_of(i));
    audit->Record(std::move(e));
  }
  audit->Flush();
  {
    SQLite::Database db(path_, SQLite::OPEN_READONLY);
    db.setBusyTimeout(5000);  // the writer may be merging
    EXPECT_LE(db.execAndGet("SELECT COUNT(*) FROM audit_events").getInt(), 75);
  }
  // The ids 150..1 that `keep` keeps, newest first.
  auto ids = [](int from, auto&& keep) {
    std::vector<int64_t> out;
    for (int i = 150; i >= from; --i) {
      if (keep(i)) out.push_back(i);
    }
    return out;
  };
  auto any = [](int) { return true; };
  auto query = [](auto&& fill) {
    v1::QueryAuditLogRequest request;
    request.set_page_size(7);
    fill(request);
    return request;
  };
  auto everything = query([](v1::QueryAuditLogRequest&) {});
  auto by_key = query([](v1::QueryAuditLogRequest& r) {
    r.set_api_key("apiKeys/aaaaaaaaaaaaaaaa");
  });
  auto window = query([&](v1::QueryAuditLogRequest& r) {
    *r.mutable_since() =
        TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(time_of(33)));
    *r.mutable_until() =
        TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(time_of(125)));
  });
  auto late = query([&](v1::QueryAuditLogRequest& r) {
    *r.mutable_since() =
        TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(time_of(140)));
  });
  auto by_child =
      query([&](v1::QueryAuditLogRequest& r) { r.set_record(child); });
  auto check_all = [&](int from) {
    EXPECT_THAT(EventIds(*audit, everything), ElementsAreArray(ids(from, any)));
    EXPECT_THAT(EventIds(*audit, by_key),
                ElementsAreArray(ids(from, [](int i) { return i % 10 == 0; })));
    EXPECT_THAT(EventIds(*audit, window),
                ElementsAreArray(
                    ids(std::max(from, 33), [](int i) { return i < 125; })));
    EXPECT_THAT(EventIds(*audit, late),
                ElementsAreArray(ids(std::max(from, 140), any)));
    EXPECT_THAT(EventIds(*audit, by_child),
                ElementsAreArray(ids(from, [](int i) { return i % 3 == 0; })));
  };
  check_all(1);
  // Each event as it was recorded.
  v1::QueryAuditLogRequest all = everything;
  all.set_page_size(1000);
  absl::StatusOr<v1::QueryAuditLogResponse> page = audit->Query(all);
  ASSERT_THAT(page.status(), IsOk());
  ASSERT_EQ(page->events_size(), 150);
  for (const v1::AuditEvent& e : page->events()) {
    int i = 0;
    ASSERT_TRUE(
        absl::SimpleAtoi(absl::StripPrefix(e.name(), "auditEvents/"), &i));
    EXPECT_EQ(TimeUtil::TimestampToMicroseconds(e.time()),
              absl::ToUnixMicros(time_of(i)))
        << i;
    EXPECT_EQ(e.api_key(), i % 10 == 0 ? "apiKeys/aaaaaaaaaaaaaaaa"
                                       : "apiKeys/336774ed25169ddb")
        << i;
    EXPECT_THAT(e.records(), ElementsAreArray(records_of(i))) << i;
  }

  // Merged into the by-record lists by a restart, then events 1-45 expire:
  // the cut (45.5 ms after base) falls inside the row of events 41-49.
  audit.reset();
  audit = OpenLog(/*merge_every=*/1);
  ASSERT_NE(audit, nullptr);
  check_all(1);
  clock_.Advance(absl::Hours(24 * 30) + absl::Microseconds(45'500));
  absl::StatusOr<int64_t> pruned = audit->Prune();
  ASSERT_THAT(pruned.status(), IsOk());
  EXPECT_EQ(*pruned, 45);
  {
    // Event 46 begins the trail's first row: the kept events of the row the
    // cut fell in are a row of their own. (Which events shared that row
    // depends on where the writer's 5 ms window ended, 41-49 unless the
    // machine was slow.)
    SQLite::Database db(path_, SQLite::OPEN_READONLY);
    db.setBusyTimeout(5000);
    EXPECT_EQ(db.execAndGet("SELECT MIN(id) FROM audit_events").getInt(), 46);
  }
  check_all(46);

  // After a restart, ids go on from the newest event's.
  audit.reset();
  audit = OpenLog(/*merge_every=*/1);
  ASSERT_NE(audit, nullptr);
  audit->Record(Read(child));
  audit->Flush();
  EXPECT_EQ(EventIds(*audit, by_child).front(), 151);
  // And after every event has expired.
  clock_.Advance(absl::Hours(24 * 31));
  pruned = audit->Prune();
  ASSERT_THAT(pruned.status(), IsOk());
  EXPECT_EQ(*pruned, 106);
  audit.reset();
  audit = OpenLog(/*merge_every=*/1);
  ASSERT_NE(audit, nullptr);
  audit->Record(Read(child));
  audit->Flush();
  EXPECT_THAT(EventIds(*audit, everything), ElementsAreArray({152}));
  // A row not written by raamatchd, whose events column says more events
  // than it lists, shows those it lists.
  {
    SQLite::Database db(path_, SQLite::OPEN_READWRITE);
    db.setBusyTimeout(5000);  // the writer may be merging
    db.exec(
        "INSERT INTO audit_events (id, time, key_id, authority_id, method, "
        "status_code, record_count, record_ids, events, times) VALUES (1000, "
        "0, 'bbbbbbbbbbbbbbbb', 'leeds', '/m', 0, 0, ',', 5, '1')");
  }
  EXPECT_THAT(EventIds(*audit, everything),
              ElementsAreArray({1001, 1000, 152}));
}

// A server stopped between merges leaves events unlisted; the writer of the
// next one lists them with its own at its first merge.
TEST_F(AuditLogTest, EventsLeftUnmergedByAStopAreListedByTheNextMerge) {
  const std::string child = "authorities/sheffield/children/c1";
  std::unique_ptr<AuditLog> audit = OpenLog(/*merge_every=*/4);
  ASSERT_NE(audit, nullptr);
  for (int i = 0; i < 3; ++i) audit->Record(Read(child));
  audit->Flush();
  audit.reset();
  EXPECT_THAT(ListedEvents(path_), IsEmpty());

  audit = OpenLog(/*merge_every=*/4);
  ASSERT_NE(audit, nullptr);
  // Found before any merge: the writer reads them back at its start.
  EXPECT_THAT(AllPages(*audit, child),
              ElementsAreArray(Seen{{"auditEvents/3", {child}},
                                    {"auditEvents/2", {child}},
                                    {"auditEvents/1", {child}}}));
  audit->Record(Read(child));
  audit->Flush();
  audit.reset();  // the merge after event 4's commit is done
  EXPECT_THAT(ListedEvents(path_), ElementsAreArray({"1 2 3 4"}));
  audit = OpenLog(/*merge_every=*/4);
  ASSERT_NE(audit, nullptr);
  EXPECT_THAT(AllPages(*audit, child),
              ElementsAreArray(Seen{{"auditEvents/4", {child}},
                                    {"auditEvents/3", {child}},
                                    {"auditEvents/2", {child}},
                                    {"auditEvents/1", {child}}}));
}

// A search by record reads the writer's unmerged events from memory and
// the merged ones from its snapshot of audit_postings; with merges running
// between searches, each search still shows every event committed before it
// began, once each, newest first, and nothing that was not committed.
TEST_F(AuditLogTest, ASearchWhileMergesRunShowsEveryEventOnce) {
  const std::string child = "authorities/sheffield/children/c1";
  std::unique_ptr<AuditLog> audit = OpenLog(/*merge_every=*/3);
  ASSERT_NE(audit, nullptr);
  constexpr int kEvents = 600;
  // Events known committed: the writer's Flush has returned for them.
  std::atomic<int> committed{0};
  std::thread writer([&audit, &child, &committed] {
    for (int i = 1; i <= kEvents; ++i) {
      audit->Record(Read(child));
      if (i % 2 == 0) {
        audit->Flush();  // a commit, and a merge every third event
        committed.store(i);
      }
    }
  });
  v1::QueryAuditLogRequest request;
  request.set_record(child);
  request.set_page_size(kMaxPageSize);
  // Each search's failure, if any; checked once the writer is joined.
  std::vector<std::string> failures;
  int searches = 0;
  while (failures.empty()) {
    const int before = committed.load();
    absl::StatusOr<v1::QueryAuditLogResponse> page = audit->Query(request);
    ++searches;
    if (!page.ok()) {
      failures.push_back(page.status().ToString());
      break;
    }
    const int seen = page->events_size();
    if (seen < before) {
      failures.push_back(absl::StrCat("search ", searches, " showed ", seen,
                                      " events of ", before, " committed"));
    }
    // Events n, n-1, ..., 1: none missing, none twice.
    for (int i = 0; i < seen && failures.empty(); ++i) {
      if (page->events(i).name() != absl::StrCat("auditEvents/", seen - i)) {
        failures.push_back(absl::StrCat("search ", searches, ", position ", i,
                                        ": ", page->events(i).name()));
      }
    }
    if (before == kEvents) break;  // a search after the last commit
  }
  writer.join();
  EXPECT_THAT(failures, IsEmpty());
}

// A merge lists each record's events in order whatever its number: here
// numbers past 2^16 (131072 and 131073), whose low 16 bits sort before
// and with record 1's.
TEST_F(AuditLogTest, RecordsNumberedPast65536AreListedInOrder) {
  const std::string low = "authorities/leeds/adopters/h1";
  const std::string high_a = "authorities/leeds/adopters/h2";
  const std::string high_b = "authorities/leeds/adopters/h3";
  std::unique_ptr<AuditLog> audit = OpenLog(/*merge_every=*/6);
  ASSERT_NE(audit, nullptr);
  audit->Record(Read(low));  // event 1; `low` is number 1
  audit->Flush();
  {
    SQLite::Database db(path_, SQLite::OPEN_READWRITE);
    db.exec(
        "INSERT INTO audit_names (id, name) VALUES (131071, "
        "'authorities/leeds/adopters/h0')");
  }
  auto read = [](std::vector<std::string> records) {
    AuditEvent e = Read(records[0]);
    e.records = AuditRecords(records);
    return e;
  };
  audit->Record(read({high_a, low}));          // 2: high_a is 131072
  audit->Record(read({high_b}));               // 3: high_b is 131073
  audit->Record(read({low, high_b, high_a}));  // 4
  audit->Record(read({high_a}));               // 5
  audit->Record(read({high_b, low}));          // 6: six since the last merge
  audit->Flush();
  audit.reset();  // the merge after event 6's commit is done
  EXPECT_THAT(ListedEvents(path_),
              ElementsAreArray({"1 2 4 6", "2 4 5", "3 4 6"}));
}

// Events naming many records (pages of a list) are merged before
// merge_every of them gather: the writer's memory is bounded by pairs.
TEST_F(AuditLogTest, EventsNamingManyRecordsAreMergedSooner) {
  std::unique_ptr<AuditLog> audit =
      OpenLog(/*merge_every=*/1000, /*merge_pairs=*/4);
  ASSERT_NE(audit, nullptr);
  AuditEvent first = Read("authorities/leeds/adopters/h1");
  first.records.push_back("authorities/leeds/adopters/h2");
  first.records.push_back("authorities/leeds/adopters/h3");
  audit->Record(std::move(first));  // three pairs: no merge yet
  audit->Flush();
  EXPECT_THAT(ListedEvents(path_), IsEmpty());
  AuditEvent second = Read("authorities/leeds/adopters/h1");
  second.records.push_back("authorities/leeds/adopters/h4");
  audit->Record(std::move(second));  // five
  audit->Flush();
  audit.reset();  // the merge after the second event's commit is done
  EXPECT_THAT(ListedEvents(path_), ElementsAreArray({"1 2", "1", "1", "2"}));
}

// Events pruned before any merge took them in are in no list.
TEST_F(AuditLogTest, EventsPrunedBeforeTheirMergeAreNotListed) {
  const std::string child = "authorities/sheffield/children/c1";
  std::unique_ptr<AuditLog> audit = OpenLog(/*merge_every=*/3);
  ASSERT_NE(audit, nullptr);
  for (int i = 0; i < 2; ++i) audit->Record(Read(child));
  audit->Flush();
  clock_.Advance(absl::Hours(24 * 31));
  absl::StatusOr<int64_t> pruned = audit->Prune();
  ASSERT_THAT(pruned.status(), IsOk());
  EXPECT_EQ(*pruned, 2);
  audit->Record(Read(child));  // event 3: three since the last merge
  audit->Flush();
  audit.reset();
  EXPECT_THAT(ListedEvents(path_), ElementsAreArray({"3"}));
}

// Creates the database at `path` as the migrations up to `version` left it.
void CreateAtSchema(const std::string& path, FakeClock& clock, int version) {
  absl::StatusOr<std::vector<Migration>> all =
      OrderedMigrations(RaamatchSchema());
  ASSERT_THAT(all.status(), IsOk());
  std::vector<Migration> up_to;
  for (const Migration& m : *all) {
    if (m.version <= version) up_to.push_back(m);
  }
  const SchemaPart old_schema[] = {SchemaPart{.migrations = up_to}};
  absl::StatusOr<std::unique_ptr<Store>> old =
      Store::Open(path, clock, old_schema);
  ASSERT_THAT(old.status(), IsOk());
}

}  // namespace

// A database as schema 10 left it: records by name, two rows each.
TEST(AuditMigrationTest, EventsRecordedByNameReadBackTheSameByNumber) {
  ScratchDir dir;
  const std::string path = dir.File("raamatch.db");
  FakeClock clock{test::TestNow()};
  ASSERT_NO_FATAL_FAILURE(CreateAtSchema(path, clock, 10));
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

// A trail as schema 15 left it: one audit_reads row per read, 10,000 events
// of which 9,000 merged. After migration 16 (lists in bands of 4096 event
// ids, the last ending at 9,000) a search by record, alone or with a key, a
// member or a time window, pages through the same events, and through a
// later merge's; a pruning whose cut falls inside a band leaves the band's
// later events findable and no list naming an expired one.
TEST(AuditMigrationTest, ReadsKeptOneRowEachAreFoundTheSameAsLists) {
  ScratchDir dir;
  const std::string path = dir.File("raamatch.db");
  FakeClock clock{test::TestNow()};
  ASSERT_NO_FATAL_FAILURE(CreateAtSchema(path, clock, 15));
  // Event i at base + i ms: with a 30-day retention at TestNow(), events
  // 1-4999 have expired. Event i reads c1 if i % 3 == 0, h1 if i % 7 == 0;
  // odd events are key aaaa..., even ones bbbb...; every fifth is York's.
  const absl::Duration retention = absl::Hours(24 * 30);
  const int64_t base =
      absl::ToUnixMicros(test::TestNow() - retention) - int64_t{5000} * 1000;
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    db.exec(absl::StrCat(
        "INSERT INTO audit_names (id, name) VALUES "
        "(1, 'authorities/leeds/children/c1'), "
        "(2, 'authorities/york/adopters/h1');"
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
        "WHERE i < 10000) "
        "INSERT INTO audit_events (id, time, key_id, authority_id, method, "
        "status_code, record_count, record_ids) "
        "SELECT i, ",
        base,
        " + i * 1000, CASE WHEN i % 2 THEN 'aaaaaaaaaaaaaaaa' ELSE "
        "'bbbbbbbbbbbbbbbb' END, CASE WHEN i % 5 THEN 'leeds' ELSE 'york' "
        "END, '/m/Rank', 0, (i % 3 = 0) + (i % 7 = 0), "
        "trim(CASE WHEN i % 3 = 0 THEN '1' ELSE '' END || "
        "CASE WHEN i % 7 = 0 THEN ' 2' ELSE '' END) FROM n;"
        "INSERT INTO audit_reads SELECT 1, id FROM audit_events "
        "WHERE id % 3 = 0 AND id <= 9000;"
        "INSERT INTO audit_reads SELECT 2, id FROM audit_events "
        "WHERE id % 7 = 0 AND id <= 9000;"
        "UPDATE audit_merged SET upto = 9000;"));
  }
  {
    absl::StatusOr<std::unique_ptr<Store>> store =
        Store::Open(path, clock, RaamatchSchema());
    ASSERT_THAT(store.status(), IsOk());
    SQLite::Database db(path, SQLite::OPEN_READONLY);
    SQLite::Statement runs(
        db, "SELECT DISTINCT run FROM audit_postings ORDER BY run");
    std::vector<int64_t> bands;
    while (runs.executeStep()) bands.push_back(runs.getColumn(0).getInt64());
    EXPECT_THAT(bands, ElementsAreArray({4095, 8191, 9000}));
  }
  // Event 10,001 (recorded below, merged at once) reads c1 and h1, by key
  // aaaa..., for Leeds.
  auto expected = [](int every, int from, auto&& also) {
    std::vector<int64_t> ids;
    for (int64_t i = 10001; i >= from; --i) {
      if ((i == 10001 || i % every == 0) && also(i)) ids.push_back(i);
    }
    return ids;
  };
  auto any = [](int64_t) { return true; };
  auto odd = [](int64_t i) { return i % 2 == 1; };
  auto york = [](int64_t i) { return i % 5 == 0 && i != 10001; };
  auto window = [](int64_t i) { return i >= 2002 && i < 8505; };
  const auto at = [&](int64_t i) {
    return TimeUtil::MicrosecondsToTimestamp(base + i * 1000);
  };
  v1::QueryAuditLogRequest c1;
  c1.set_record("authorities/leeds/children/c1");
  c1.set_page_size(50);
  v1::QueryAuditLogRequest c1_by_a = c1;
  c1_by_a.set_api_key("apiKeys/aaaaaaaaaaaaaaaa");
  v1::QueryAuditLogRequest c1_by_york = c1;
  c1_by_york.set_authority("authorities/york");
  v1::QueryAuditLogRequest h1;
  h1.set_record("authorities/york/adopters/h1");
  h1.set_page_size(100);
  v1::QueryAuditLogRequest h1_in_window = h1;
  *h1_in_window.mutable_since() = at(2002);
  *h1_in_window.mutable_until() = at(8505);
  {
    // The default retention (six years): nothing is pruned.
    absl::StatusOr<std::unique_ptr<AuditLog>> audit =
        AuditLog::Open({.db_path = path, .merge_every = 1}, clock);
    ASSERT_THAT(audit.status(), IsOk());
    AuditEvent e;
    e.time = absl::FromUnixMicros(base + int64_t{10001} * 1000);
    e.key_id = "aaaaaaaaaaaaaaaa";
    e.authority_id = "leeds";
    e.method = "/m/Rank";
    e.records = {c1.record(), h1.record()};
    (*audit)->Record(std::move(e));
    (*audit)->Flush();
  }
  {
    // Stopped: event 10,001's merge (a run above the capped band) is done.
    absl::StatusOr<std::unique_ptr<AuditLog>> audit =
        AuditLog::Open({.db_path = path}, clock);
    ASSERT_THAT(audit.status(), IsOk());
    EXPECT_THAT(EventIds(**audit, c1), ElementsAreArray(expected(3, 1, any)));
    EXPECT_THAT(EventIds(**audit, c1_by_a),
                ElementsAreArray(expected(3, 1, odd)));
    EXPECT_THAT(EventIds(**audit, c1_by_york),
                ElementsAreArray(expected(3, 1, york)));
    EXPECT_THAT(EventIds(**audit, h1), ElementsAreArray(expected(7, 1, any)));
    EXPECT_THAT(EventIds(**audit, h1_in_window),
                ElementsAreArray(expected(7, 1, window)));
  }
  {
    // Open prunes: events 1-4999 go, the cut inside the band 4096-8191.
    absl::StatusOr<std::unique_ptr<AuditLog>> audit =
        AuditLog::Open({.db_path = path, .retention = retention}, clock);
    ASSERT_THAT(audit.status(), IsOk());
    EXPECT_THAT(EventIds(**audit, c1),
                ElementsAreArray(expected(3, 5000, any)));
    EXPECT_THAT(EventIds(**audit, c1_by_a),
                ElementsAreArray(expected(3, 5000, odd)));
    EXPECT_THAT(EventIds(**audit, h1),
                ElementsAreArray(expected(7, 5000, any)));
  }
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  SQLite::Statement lists(db, "SELECT events FROM audit_postings");
  int64_t oldest = std::numeric_limits<int64_t>::max();
  while (lists.executeStep()) {
    for (absl::string_view id :
         absl::StrSplit(lists.getColumn(0).getString(), ' ')) {
      int64_t n = 0;
      ASSERT_TRUE(absl::SimpleAtoi(id, &n)) << id;
      oldest = std::min(oldest, n);
    }
  }
  EXPECT_NE(oldest, std::numeric_limits<int64_t>::max());
  EXPECT_GE(oldest, 5000);
}

}  // namespace raa
