// The read connection's statement cache on a real SQLite file: a statement
// is prepared once and handed out again, reset and unbound; a text in use
// higher up the stack, a connection without a cache in scope, and a text
// SQLite refuses each get a statement of their own; past its room the text
// used longest ago (and not in use) makes way for a new one.
#include "services/store/statement_cache.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>

#include <string>

#include "gtest/gtest.h"
#include "tests/support/scratch_dir.h"

namespace raa::store_internal {
namespace {

using ::raa::test::ScratchDir;

class StatementCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
    db_.exec("INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, 'three')");
  }

  // The v of row `id` through a cached statement (empty when none).
  std::string ValueOf(int id) {
    CachedStatement q(db_, "SELECT v FROM t WHERE id = ?");
    q->bind(1, id);
    return q->executeStep() ? q->getColumn(0).getString() : std::string();
  }

  ScratchDir dir_;
  SQLite::Database db_{dir_.File("t.db"),
                       SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE};
  StatementCache cache_{db_};
};

TEST_F(StatementCacheTest, ATextIsPreparedOnceAndHandedOutAgain) {
  StatementCacheScope scope(cache_);
  const SQLite::Statement* first = nullptr;
  {
    CachedStatement q(db_, "SELECT v FROM t WHERE id = ?");
    first = &*q;
  }
  CachedStatement again(db_, "SELECT v FROM t WHERE id = ?");
  EXPECT_EQ(&*again, first);
  EXPECT_EQ(cache_.size(), 1u);
  EXPECT_EQ(cache_.prepares(), 1u);
}

TEST_F(StatementCacheTest, AStatementComesBackResetAndUnbound) {
  StatementCacheScope scope(cache_);
  {
    // Left on its first row, with a binding.
    CachedStatement q(db_, "SELECT v, ? FROM t ORDER BY id");
    q->bind(1, 7);
    ASSERT_TRUE(q->executeStep());
  }
  CachedStatement q(db_, "SELECT v, ? FROM t ORDER BY id");
  ASSERT_TRUE(q->executeStep());
  EXPECT_EQ(q->getColumn(0).getString(), "one");  // from the first row again
  EXPECT_TRUE(q->getColumn(1).isNull());          // the 7 is gone
}

TEST_F(StatementCacheTest, ATextInUseGetsAStatementOfItsOwn) {
  StatementCacheScope scope(cache_);
  CachedStatement outer(db_, "SELECT v FROM t WHERE id = ?");
  outer->bind(1, 1);
  ASSERT_TRUE(outer->executeStep());
  // The same text again while the outer one is on its row.
  EXPECT_EQ(ValueOf(2), "two");
  EXPECT_EQ(outer->getColumn(0).getString(), "one");
  EXPECT_FALSE(outer->executeStep());
  EXPECT_EQ(cache_.size(), 1u);
}

TEST_F(StatementCacheTest, TextsAddedWhileOneIsInUseLeaveItIntact) {
  StatementCacheScope scope(cache_);
  const SQLite::Statement* first = nullptr;
  {
    CachedStatement outer(db_, "SELECT v FROM t WHERE id = ?");
    first = &*outer;
    outer->bind(1, 2);
    ASSERT_TRUE(outer->executeStep());
    // Enough new texts that the cache grows several times meanwhile.
    for (int i = 0; i < 100; ++i) {
      CachedStatement q(db_, "SELECT " + std::to_string(i));
      ASSERT_TRUE(q->executeStep());
    }
    EXPECT_EQ(outer->getColumn(0).getString(), "two");
  }
  // Given back: the same statement serves the text again.
  CachedStatement again(db_, "SELECT v FROM t WHERE id = ?");
  EXPECT_EQ(&*again, first);
}

TEST_F(StatementCacheTest, WithoutTheCacheInScopeNothingIsKept) {
  EXPECT_EQ(ValueOf(3), "three");
  EXPECT_EQ(cache_.size(), 0u);
  // Another connection to the same file, while this one's cache is in scope.
  StatementCacheScope scope(cache_);
  SQLite::Database other(dir_.File("t.db"), SQLite::OPEN_READONLY);
  CachedStatement q(other, "SELECT v FROM t WHERE id = 1");
  ASSERT_TRUE(q->executeStep());
  EXPECT_EQ(q->getColumn(0).getString(), "one");
  EXPECT_EQ(cache_.size(), 0u);
}

TEST_F(StatementCacheTest, ATextSQLiteRefusesThrowsAndIsNotKept) {
  StatementCacheScope scope(cache_);
  EXPECT_THROW(CachedStatement(db_, "SELECT nothing FROM nowhere"),
               SQLite::Exception);
  EXPECT_EQ(cache_.size(), 0u);
  EXPECT_EQ(ValueOf(1), "one");
}

TEST_F(StatementCacheTest, PastItsLimitEveryStatementIsStillServed) {
  StatementCacheScope scope(cache_);
  for (size_t i = 0; i < StatementCache::kMaxStatements + 5; ++i) {
    CachedStatement q(db_, "SELECT " + std::to_string(i));
    ASSERT_TRUE(q->executeStep());
    EXPECT_EQ(q->getColumn(0).getInt64(), static_cast<int64_t>(i));
  }
  EXPECT_EQ(cache_.size(), StatementCache::kMaxStatements);
}

TEST_F(StatementCacheTest,
       ATextInSteadyUseKeepsItsPlaceWhileOthersPassThrough) {
  StatementCacheScope scope(cache_);
  EXPECT_EQ(ValueOf(1), "one");
  // Three times the cache's room of texts used once each, the steady text
  // used between them (as GetChild's is, between unusual list filters).
  for (size_t i = 0; i < 3 * StatementCache::kMaxStatements; ++i) {
    {
      CachedStatement q(db_, "SELECT " + std::to_string(i));
      ASSERT_TRUE(q->executeStep());
    }
    CachedStatement again(db_, "SELECT v FROM t WHERE id = ?");
    ASSERT_EQ(cache_.prepares(), i + 2) << "after " << i << " other texts";
  }
  EXPECT_EQ(ValueOf(3), "three");
  EXPECT_EQ(cache_.prepares(), 3 * StatementCache::kMaxStatements + 1);
  EXPECT_EQ(cache_.size(), StatementCache::kMaxStatements);
}

TEST_F(StatementCacheTest, ANewTextOnceTheCacheIsFullIsKeptInTheOldestsPlace) {
  StatementCacheScope scope(cache_);
  for (size_t i = 0; i < StatementCache::kMaxStatements; ++i) {
    CachedStatement q(db_, "SELECT " + std::to_string(i));
  }
  ASSERT_EQ(cache_.size(), StatementCache::kMaxStatements);
  EXPECT_EQ(ValueOf(1), "one");
  EXPECT_EQ(ValueOf(2), "two");  // the same text: not prepared again
  EXPECT_EQ(cache_.prepares(), StatementCache::kMaxStatements + 1);
  EXPECT_EQ(cache_.size(), StatementCache::kMaxStatements);
}

TEST_F(StatementCacheTest, StatementsInUseAreNeverTheOnesDropped) {
  StatementCacheScope scope(cache_);
  // The oldest text, held on its row while the cache fills past its room.
  CachedStatement held(db_, "SELECT v FROM t ORDER BY id");
  ASSERT_TRUE(held->executeStep());
  for (size_t i = 0; i < 2 * StatementCache::kMaxStatements; ++i) {
    CachedStatement q(db_, "SELECT " + std::to_string(i));
    ASSERT_TRUE(q->executeStep());
  }
  EXPECT_EQ(held->getColumn(0).getString(), "one");
  ASSERT_TRUE(held->executeStep());
  EXPECT_EQ(held->getColumn(0).getString(), "two");
}

}  // namespace
}  // namespace raa::store_internal
