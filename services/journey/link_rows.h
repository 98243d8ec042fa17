// The journey's link rows in the store: links, their dated steps and the
// corrections of those dates (migration 8). Steps and corrections are
// append-only (triggers refuse UPDATE and DELETE); the view link_step_dates
// gives each step's date with its latest correction applied, which is the
// date every report uses.
#ifndef RAAMATCH_SERVICES_JOURNEY_LINK_ROWS_H_
#define RAAMATCH_SERVICES_JOURNEY_LINK_ROWS_H_

#include "services/store/store.h"

namespace raa {

// Migration 8: the tables links, link_steps and step_corrections and the
// view link_step_dates.
SchemaPart LinkSchema();

}  // namespace raa

#endif  // RAAMATCH_SERVICES_JOURNEY_LINK_ROWS_H_
