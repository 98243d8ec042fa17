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

bool StatementCache::EvictLeastRecentlyUsed() {
  // A linear walk of at most kMaxStatements entries: it happens only before
  // a prepare, which costs far more.
  auto oldest = entries_.end();
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->second.in_use) continue;
    if (oldest == entries_.end() ||
        it->second.last_use < oldest->second.last_use) {
      oldest = it;
    }
  }
  if (oldest == entries_.end()) return false;
  entries_.erase(oldest);
  return true;
}

CachedStatement::CachedStatement(SQLite::Database& db, absl::string_view sql) {
  StatementCache* cache = current_cache;
  if (cache != nullptr && &cache->db() == &db) {
    auto it = cache->entries_.find(sql);
    if (it == cache->entries_.end()) {
      // Prepared before room is made and it is stored: a text SQLite refuses
      // is not kept, and costs no other text its place.
      auto statement =
          std::make_unique<SQLite::Statement>(db, std::string(sql));
      ++cache->prepares_;
      if (cache->entries_.size() >= StatementCache::kMaxStatements &&
          !cache->EvictLeastRecentlyUsed()) {
        own_.emplace(std::move(*statement));
        statement_ = &*own_;
        return;
      }
      it = cache->entries_
               .emplace(std::string(sql),
                        StatementCache::Entry{std::move(statement)})
               .first;
    }
    if (!it->second.in_use) {
      entry_ = &it->second;
      entry_->in_use = true;
      entry_->last_use = ++cache->uses_;
      statement_ = entry_->statement.get();
      return;
    }
  }
  statement_ = &own_.emplace(db, std::string(sql));
  if (cache != nullptr && &cache->db() == &db) ++cache->prepares_;
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
