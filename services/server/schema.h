// raamatchd's database schema: every area's migrations and repairs, handed
// to Store::Open. An area that adds tables adds its SchemaPart here (and
// takes the next free migration number); the store core does not change.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
//                    Store::Open(path, clock, RaamatchSchema()));
#ifndef RAAMATCH_SERVICES_SERVER_SCHEMA_H_
#define RAAMATCH_SERVICES_SERVER_SCHEMA_H_

#include <span>

#include "services/store/store.h"

namespace raa {

// The highest migration number of RaamatchSchema(): a database recording a
// higher one was written by a newer raamatch and is refused.
inline constexpr int kSchemaVersion = 21;

// The parts, in the order their repairs run at open. Valid for the life of
// the program.
std::span<const SchemaPart> RaamatchSchema();

}  // namespace raa

#endif  // RAAMATCH_SERVICES_SERVER_SCHEMA_H_
