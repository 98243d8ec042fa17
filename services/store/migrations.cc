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
};

}  // namespace

std::span<const Migration> Migrations() { return kMigrations; }

}  // namespace raa
