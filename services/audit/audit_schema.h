// The audit trail's tables (migration 4), for the schema the server opens
// the store with; AuditLog writes them on its own connection.
#ifndef RAAMATCH_SERVICES_AUDIT_AUDIT_SCHEMA_H_
#define RAAMATCH_SERVICES_AUDIT_AUDIT_SCHEMA_H_

#include "services/store/store.h"

namespace raa {

SchemaPart AuditSchema();

}  // namespace raa

#endif  // RAAMATCH_SERVICES_AUDIT_AUDIT_SCHEMA_H_
