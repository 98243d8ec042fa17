#include "services/audit/audit_schema.h"

namespace raa {
namespace {

constexpr Migration kMigrations[] = {
    // The audit trail (services/audit): one row per call, and one per record
    // the call read or changed, clustered by event so a batch appends and
    // pruning deletes a range; looked up by record, key, member or time.
    // Migration 11 replaces audit_records.
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
    // Records by number: each record name is stored once (audit_names), and
    // an event lists its records' numbers (record_ids, space-separated, in
    // the order the answer gave them): one row per call. audit_reads, which
    // finds a record's events, is filled from record_ids in sorted runs of
    // thousands of events (AuditLog::Merge) rather than per event, so a
    // commit writes a few pages instead of one per record read; events after
    // audit_merged.upto are found by scanning their record_ids.
    {11, "audit_trail_by_number", R"sql(
CREATE TABLE audit_names (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);
INSERT INTO audit_names (name)
  SELECT DISTINCT record FROM audit_records ORDER BY record;

CREATE TABLE audit_reads (
  record_id INTEGER NOT NULL,
  event_id INTEGER NOT NULL,
  PRIMARY KEY (record_id, event_id)
) WITHOUT ROWID;
INSERT INTO audit_reads (record_id, event_id)
  SELECT n.id, r.event_id FROM audit_records r
  JOIN audit_names n ON n.name = r.record;

ALTER TABLE audit_events ADD COLUMN record_ids TEXT NOT NULL DEFAULT '';
UPDATE audit_events SET record_ids = COALESCE((
  SELECT group_concat(record_id, ' ') FROM (
    SELECT n.id AS record_id FROM audit_records r
    JOIN audit_names n ON n.name = r.record
    WHERE r.event_id = audit_events.id ORDER BY r.record)), '');

CREATE TABLE audit_merged (
  upto INTEGER NOT NULL
);
INSERT INTO audit_merged (upto) SELECT COALESCE(MAX(id), 0) FROM audit_events;

DROP TABLE audit_records;
)sql"},
    // The by-record index as lists: one row per record per merge run (run:
    // the newest event the run took in), listing the run's events that read
    // the record (space-separated; ascending, but for the rows this
    // migration makes, whose order SQLite does not promise), instead of one
    // row per read.
    // A merge of thousands of rankings then writes one row per record read
    // rather than twenty per event. Runs cover disjoint ranges of event ids
    // in order: a row holds only events after the previous run. The rows
    // audit_reads held are grouped in bands of 4096 event ids, the last band
    // ending at audit_merged.upto.
    {16, "audit_reads_as_lists", R"sql(
CREATE TABLE audit_postings (
  record_id INTEGER NOT NULL,
  run INTEGER NOT NULL,
  events TEXT NOT NULL,
  PRIMARY KEY (record_id, run)
) WITHOUT ROWID;
CREATE INDEX audit_postings_by_run ON audit_postings(run);
INSERT INTO audit_postings (record_id, run, events)
  SELECT record_id,
         MIN((event_id / 4096 + 1) * 4096 - 1, (SELECT upto FROM audit_merged)),
         group_concat(event_id, ' ')
  FROM (SELECT record_id, event_id FROM audit_reads
        WHERE event_id <= (SELECT upto FROM audit_merged)
        ORDER BY record_id, event_id)
  GROUP BY record_id, event_id / 4096;
DROP TABLE audit_reads;
)sql"},
    // Events packed: a row holds `events` events, ids id to id + events - 1,
    // made with one key for one member through one method and answered with
    // one status, committed together, in time order within a second of the
    // first (AuditLog::Commit). `time` is the first's; `times` the later
    // ones' offsets from it in microseconds (space-separated); `record_ids`
    // their lists, separated by ','; `record_count` their records in all. A
    // batch of a load of rankings by one key writes a row per 64 calls
    // instead of one each (and an entry in each index per row). Every row
    // written before holds one event, as the defaults say.
    {21, "audit_events_packed", R"sql(
ALTER TABLE audit_events ADD COLUMN events INTEGER NOT NULL DEFAULT 1;
ALTER TABLE audit_events ADD COLUMN times TEXT NOT NULL DEFAULT '';
)sql"},
};

}  // namespace

SchemaPart AuditSchema() { return SchemaPart{.migrations = kMigrations}; }

}  // namespace raa
