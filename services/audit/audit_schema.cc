#include "services/audit/audit_schema.h"

namespace raa {
namespace {

constexpr Migration kMigrations[] = {
    // The audit trail (services/audit): one row per call, and one per record
    // the call read or changed, clustered by event so a batch appends and
    // pruning deletes a range; looked up by record, key, member or time.
    {4, "audit_trail", R"sql(
CREATE TABLE audit_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time INTEGER NOT NULL,
  key_id TEXT NOT NULL,
  authority_id TEXT NOT NULL,
  method TEXT NOT NULL,
  status_code INTEGER NOT NULL,
  record_count INTEGER NOT NULL
);
CREATE INDEX audit_events_by_time ON audit_events(time);
CREATE INDEX audit_events_by_key ON audit_events(key_id, id);
CREATE INDEX audit_events_by_authority ON audit_events(authority_id, id);

CREATE TABLE audit_records (
  event_id INTEGER NOT NULL,
  record TEXT NOT NULL,
  PRIMARY KEY (event_id, record)
) WITHOUT ROWID;
CREATE INDEX audit_records_by_record ON audit_records(record, event_id);
)sql"},
};

}  // namespace

SchemaPart AuditSchema() { return SchemaPart{.migrations = kMigrations}; }

}  // namespace raa
