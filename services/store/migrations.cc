#include "services/store/migrations.h"

namespace raa {
namespace {

// Profiles are stored whole as serialized raa.v1 messages (the `profile`
// column, the source of truth); the other columns are projections of it,
// written in the same statement, for filtering and for plain SQL reports.
constexpr Migration kMigrations[] = {
    {1, "registry", R"sql(
CREATE TABLE authorities (
  id TEXT PRIMARY KEY,
  display_name TEXT NOT NULL,
  kind INTEGER NOT NULL,
  region TEXT NOT NULL,
  london_weighting INTEGER NOT NULL,
  status INTEGER NOT NULL,
  joined_on TEXT NOT NULL,
  withdrawn_on TEXT,
  profile BLOB NOT NULL,
  create_time INTEGER NOT NULL,
  update_time INTEGER NOT NULL
);

CREATE TABLE children (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  authority_id TEXT NOT NULL REFERENCES authorities(id),
  status INTEGER NOT NULL,
  group_size INTEGER NOT NULL,
  min_age_months INTEGER NOT NULL,
  max_age_months INTEGER NOT NULL,
  need_mask INTEGER NOT NULL,
  region TEXT NOT NULL,
  profile BLOB NOT NULL,
  create_time INTEGER NOT NULL,
  update_time INTEGER NOT NULL
);
CREATE INDEX children_by_authority ON children(authority_id, id);
CREATE INDEX children_by_status ON children(status, id);

CREATE TABLE adopters (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  authority_id TEXT NOT NULL REFERENCES authorities(id),
  status INTEGER NOT NULL,
  approved_on TEXT,
  approved_for INTEGER NOT NULL,
  min_age_months INTEGER NOT NULL,
  max_age_months INTEGER NOT NULL,
  sex_preference INTEGER NOT NULL,
  region TEXT NOT NULL,
  excluded_regions TEXT NOT NULL,
  dual_approved INTEGER NOT NULL,
  max_contact INTEGER NOT NULL,
  heritage_mask INTEGER NOT NULL,
  religion INTEGER NOT NULL,
  languages TEXT NOT NULL,
  max_physical_disability INTEGER NOT NULL,
  max_learning_disability INTEGER NOT NULL,
  max_global_developmental_delay INTEGER NOT NULL,
  max_medical_condition INTEGER NOT NULL,
  max_emotional_and_behavioural INTEGER NOT NULL,
  max_foetal_alcohol_spectrum INTEGER NOT NULL,
  max_sexualised_behaviour INTEGER NOT NULL,
  max_uncertain_developmental_prognosis INTEGER NOT NULL,
  max_attachment_difficulties INTEGER NOT NULL,
  profile BLOB NOT NULL,
  create_time INTEGER NOT NULL,
  update_time INTEGER NOT NULL
);
CREATE INDEX adopters_by_authority ON adopters(authority_id, id);
CREATE INDEX adopters_by_status ON adopters(status, id);

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  authority_id TEXT NOT NULL REFERENCES authorities(id),
  roles INTEGER NOT NULL,
  display_name TEXT NOT NULL,
  secret_sha256 BLOB NOT NULL,
  create_time INTEGER NOT NULL,
  revoke_time INTEGER
);

CREATE TABLE requests (
  scope TEXT NOT NULL,
  request_id TEXT NOT NULL,
  method TEXT NOT NULL,
  body_sha256 BLOB NOT NULL,
  response BLOB NOT NULL,
  create_time INTEGER NOT NULL,
  PRIMARY KEY (scope, request_id)
);
)sql"},
    {2, "matching_policies", R"sql(
CREATE TABLE matching_policies (
  version INTEGER PRIMARY KEY,
  policy BLOB NOT NULL,
  updated_by TEXT NOT NULL,
  create_time INTEGER NOT NULL
);
)sql"},
    // A follow is an authority's standing interest in one child or
    // household; alerts are append-only, numbered per follower authority
    // (seq 1, 2, ...), and written in the transaction of the write that
    // caused them. `alert` is the serialized raa.v1.MatchAlert; the other
    // columns are projections for filtering.
    {3, "follows_and_alerts", R"sql(
CREATE TABLE follows (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  authority_id TEXT NOT NULL REFERENCES authorities(id),
  followed TEXT NOT NULL,
  state INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  profile BLOB NOT NULL,
  create_time INTEGER NOT NULL,
  update_time INTEGER NOT NULL
);
CREATE INDEX follows_by_authority ON follows(authority_id, id);
CREATE INDEX follows_by_followed ON follows(authority_id, followed);

CREATE TABLE alerts (
  authority_id TEXT NOT NULL REFERENCES authorities(id),
  seq INTEGER NOT NULL,
  follow_id INTEGER NOT NULL REFERENCES follows(id),
  child TEXT NOT NULL,
  alert BLOB NOT NULL,
  create_time INTEGER NOT NULL,
  PRIMARY KEY (authority_id, seq)
) WITHOUT ROWID;
CREATE INDEX alerts_by_follow ON alerts(follow_id, seq);
)sql"},
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
    // The regions the consortium adds to the shipped list (data/regions/).
    {5, "regions", R"sql(
CREATE TABLE regions (
  slug TEXT PRIMARY KEY,
  display_name TEXT NOT NULL,
  kind INTEGER NOT NULL,
  parent TEXT NOT NULL,
  profile BLOB NOT NULL,
  create_time INTEGER NOT NULL
);
)sql"},
    // Every status change of a child profile or a household, with its reason
    // and who made it. Append-only: the triggers refuse edits and deletes.
    {6, "status_history", R"sql(
CREATE TABLE status_changes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  record_kind TEXT NOT NULL CHECK (record_kind IN ('child', 'adopter')),
  authority_id TEXT NOT NULL REFERENCES authorities(id),
  record_id INTEGER NOT NULL,
  from_status INTEGER NOT NULL,
  to_status INTEGER NOT NULL,
  reason TEXT NOT NULL,
  key_id TEXT NOT NULL,
  changed_by TEXT NOT NULL,
  change_time INTEGER NOT NULL
);
CREATE INDEX status_changes_by_record
  ON status_changes(record_kind, record_id, id);
CREATE TRIGGER status_changes_append_only_update
  BEFORE UPDATE ON status_changes
  BEGIN SELECT RAISE(ABORT, 'status history is append-only'); END;
CREATE TRIGGER status_changes_append_only_delete
  BEFORE DELETE ON status_changes
  BEGIN SELECT RAISE(ABORT, 'status history is append-only'); END;

-- The profile's ages_as_of ('YYYY-MM-DD'), so lists filter on ages today.
-- Rows stored before are filled in by Store::Open from their profiles.
ALTER TABLE children ADD COLUMN ages_as_of TEXT;
)sql"},
};

}  // namespace

std::span<const Migration> Migrations() { return kMigrations; }

}  // namespace raa
