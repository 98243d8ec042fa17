#include "services/store/statement_cache.h"

#include <SQLiteCpp/Exception.h>

#include <utility>

namespace raa::store_internal {
namespace {

thread_local StatementCache* current_cache = nullptr;

}  // namespace

StatementCacheScope::StatementCacheScope(StatementCache& cache)
    : outer_(current_cache) {
  current_cache = &cache;
}

StatementCacheScope::~StatementCacheScope() { current_cache = outer_; }

CachedStatement::CachedStatement(SQLite::Database& db, absl::string_view sql) {
  StatementCache* cache = current_cache;
  if (cache != nullptr && &cache->db() == &db) {
    auto it = cache->entries_.find(sql);
    if (it == cache->entries_.end() &&
        cache->entries_.size() < StatementCache::kMaxStatements) {
      // Prepared before it is stored: a text SQLite refuses is not kept.
      auto statement =
          std::make_unique<SQLite::Statement>(db, std::string(sql));
      it = cache->entries_
               .emplace(std::string(sql),
                        StatementCache::Entry{std::move(statement)})
               .first;
    }
    if (it != cache->entries_.end() && !it->second.in_use) {
      entry_ = &it->second;
      entry_->in_use = true;
      statement_ = entry_->statement.get();
      return;
    }
  }
  statement_ = &own_.emplace(db, std::string(sql));
}

CachedStatement::~CachedStatement() {
  if (entry_ == nullptr) return;
  // Nothing may throw from here: tryReset does not, and clearing bindings
  // cannot fail (sqlite3_clear_bindings always answers SQLITE_OK).
  statement_->tryReset();
  try {
    statement_->clearBindings();
  } catch (const SQLite::Exception&) {
  }
  entry_->in_use = false;
}

}  // namespace raa::store_internal
