// Statements kept prepared on each of the store's read connections. Preparing
// a statement (SQLite parses and plans its text) costs more than reading one
// row through it: a third of a GetChild call's CPU was three prepares.
//
//   // In row code, on the connection Store::Read hands over:
//   CachedStatement q(db, "SELECT profile FROM children WHERE id = ?");
//   q->bind(1, row);
//   if (q->executeStep()) ...
//   // q's destructor resets and unbinds the kept statement.
//
// Store::Read holds the cache in scope (StatementCacheScope) for its
// function; anywhere else a CachedStatement is an ordinary statement.
#ifndef RAAMATCH_SERVICES_STORE_STATEMENT_CACHE_H_
#define RAAMATCH_SERVICES_STORE_STATEMENT_CACHE_H_

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/container/node_hash_map.h"
#include "absl/strings/string_view.h"

namespace raa::store_internal {

// The statements prepared on one connection, by their text. Used by one
// thread at a time (the holder of the connection's lock), and only while
// that thread has it in a StatementCacheScope.
class StatementCache {
 public:
  // At most this many texts are kept (the texts of the read paths are a few
  // dozen; the lists' filter variants could be a few hundred). A new text
  // beyond it takes the place of the one used longest ago, so a burst of
  // unusual filters cannot leave GetChild's text out for good.
  static constexpr size_t kMaxStatements = 128;

  explicit StatementCache(SQLite::Database& db) : db_(db) {}
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;

  SQLite::Database& db() const { return db_; }
  size_t size() const { return entries_.size(); }
  // Statements prepared through this cache so far, kept or not.
  uint64_t prepares() const { return prepares_; }

 private:
  friend class CachedStatement;
  struct Entry {
    std::unique_ptr<SQLite::Statement> statement;
    bool in_use = false;
    uint64_t last_use = 0;  // uses_ when it was last handed out
  };

  // Makes room for one more text: drops the entry used longest ago that is
  // not in use. False when every entry is in use.
  bool EvictLeastRecentlyUsed();

  SQLite::Database& db_;
  uint64_t uses_ = 0;  // statements handed out so far
  uint64_t prepares_ = 0;
  // Nodes: a CachedStatement holds its entry while others are added.
  absl::node_hash_map<std::string, Entry> entries_;
};

// While one lives, the CachedStatements this thread makes on `cache`'s
// connection come from `cache`. Scopes nest; the innermost one counts.
class StatementCacheScope {
 public:
  explicit StatementCacheScope(StatementCache& cache);
  StatementCacheScope(const StatementCacheScope&) = delete;
  StatementCacheScope& operator=(const StatementCacheScope&) = delete;
  ~StatementCacheScope();

 private:
  StatementCache* const outer_;
};

// A statement for one use. On a connection whose cache this thread holds
// in scope, the cache's statement for `sql` (prepared on its first use),
// which is reset and unbound when this is destroyed, so it holds no read
// transaction open and carries no binding to the next use; elsewhere (a
// write transaction, a connection of a scan's own), or while the cache's
// statement is in use higher up the stack, one prepared for this use alone.
// Throws SQLite::Exception, like SQLiteCpp.
class CachedStatement {
 public:
  CachedStatement(SQLite::Database& db, absl::string_view sql);
  CachedStatement(const CachedStatement&) = delete;
  CachedStatement& operator=(const CachedStatement&) = delete;
  ~CachedStatement();

  SQLite::Statement& operator*() { return *statement_; }
  SQLite::Statement* operator->() { return statement_; }

 private:
  StatementCache::Entry* entry_ = nullptr;
  std::optional<SQLite::Statement> own_;
  SQLite::Statement* statement_ = nullptr;
};

}  // namespace raa::store_internal

#endif  // RAAMATCH_SERVICES_STORE_STATEMENT_CACHE_H_
