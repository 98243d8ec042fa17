// The schema, as numbered migrations. Append only: a migration, once released,
// never changes; a new one gets the next number and Store::kSchemaVersion
// moves up with it.
#ifndef RAAMATCH_SERVICES_STORE_MIGRATIONS_H_
#define RAAMATCH_SERVICES_STORE_MIGRATIONS_H_

#include <span>

namespace raa {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

std::span<const Migration> Migrations();

}  // namespace raa

#endif  // RAAMATCH_SERVICES_STORE_MIGRATIONS_H_
