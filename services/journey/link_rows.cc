#include "services/journey/link_rows.h"

namespace raa {
namespace {

constexpr Migration kMigrations[] = {
    // A link between a child profile and a household. `step` is the last
    // step recorded and `state` the raa.v1.LinkState; both are projections
    // of link_steps kept in the same transaction. `overridden` lists the
    // matcher constraint ids the pair failed when opened (comma-separated).
    {8, "links", R"sql(
CREATE TABLE links (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  child_authority TEXT NOT NULL REFERENCES authorities(id),
  child_row INTEGER NOT NULL,
  adopter_authority TEXT NOT NULL REFERENCES authorities(id),
  adopter_row INTEGER NOT NULL,
  placement_kind INTEGER NOT NULL,
  state INTEGER NOT NULL,
  step INTEGER NOT NULL,
  override_reason TEXT NOT NULL DEFAULT '',
  overridden TEXT NOT NULL DEFAULT '',
  close_reason INTEGER NOT NULL DEFAULT 0,
  close_note TEXT NOT NULL DEFAULT '',
  closed_on TEXT,
  closed_by TEXT NOT NULL DEFAULT '',
  create_time INTEGER NOT NULL,
  update_time INTEGER NOT NULL
);
CREATE INDEX links_by_child ON links(child_authority, child_row);
CREATE INDEX links_by_adopter ON links(adopter_authority, adopter_row);
CREATE INDEX links_by_state ON links(state, id);

CREATE TABLE link_steps (
  link_id INTEGER NOT NULL REFERENCES links(id),
  step INTEGER NOT NULL,
  date TEXT NOT NULL,
  authority_id TEXT NOT NULL,
  key_id TEXT NOT NULL,
  record_time INTEGER NOT NULL,
  PRIMARY KEY (link_id, step)
);
CREATE TRIGGER link_steps_append_only_update
  BEFORE UPDATE ON link_steps
  BEGIN SELECT RAISE(ABORT, 'link steps are append-only'); END;
CREATE TRIGGER link_steps_append_only_delete
  BEFORE DELETE ON link_steps
  BEGIN SELECT RAISE(ABORT, 'link steps are append-only'); END;

CREATE TABLE step_corrections (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  link_id INTEGER NOT NULL REFERENCES links(id),
  step INTEGER NOT NULL,
  old_date TEXT NOT NULL,
  new_date TEXT NOT NULL,
  reason TEXT NOT NULL,
  authority_id TEXT NOT NULL,
  key_id TEXT NOT NULL,
  record_time INTEGER NOT NULL
);
CREATE INDEX step_corrections_by_link ON step_corrections(link_id, step, id);
CREATE TRIGGER step_corrections_append_only_update
  BEFORE UPDATE ON step_corrections
  BEGIN SELECT RAISE(ABORT, 'step corrections are append-only'); END;
CREATE TRIGGER step_corrections_append_only_delete
  BEFORE DELETE ON step_corrections
  BEGIN SELECT RAISE(ABORT, 'step corrections are append-only'); END;

CREATE VIEW link_step_dates AS
  SELECT s.link_id AS link_id, s.step AS step,
         COALESCE((SELECT c.new_date FROM step_corrections c
                   WHERE c.link_id = s.link_id AND c.step = s.step
                   ORDER BY c.id DESC LIMIT 1), s.date) AS date
  FROM link_steps s;
)sql"},
};

}  // namespace

SchemaPart LinkSchema() { return SchemaPart{.migrations = kMigrations}; }

}  // namespace raa
