#include "services/server/schema.h"

#include "services/audit/audit_schema.h"
#include "services/journey/link_rows.h"
#include "services/journey/review_rows.h"
#include "services/ledger/ledger_rows.h"
#include "services/matching/matching_rows.h"
#include "services/registry/registry_rows.h"

namespace raa {

std::span<const SchemaPart> RaamatchSchema() {
  // Migrations by number: 1 registry, 2 matching_policies, 3
  // follows_and_alerts, 4 audit_trail, 5 regions, 6 status_history, 7
  // milestones, 8 links, 9 reviews_and_timescales, 10 ledger (and, since,
  // each part's own, up to 21 audit_events_packed).
  static const SchemaPart kParts[] = {RegistrySchema(), MatchingSchema(),
                                      AuditSchema(),    LinkSchema(),
                                      ReviewSchema(),   LedgerSchema()};
  return kParts;
}

}  // namespace raa
