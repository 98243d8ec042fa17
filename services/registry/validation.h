// Validation of registry input that needs no database: shapes, ranges, enums,
// dates against today, and the rules for free text (length, characters,
// anonymity; the identifier scan itself is in personal_data.h).
//
// Each Validate* function adds every violation it finds to `errors`, named by
// the field's path in the request (e.g. "child.members[1].age_months"), so a
// client learns everything that is wrong in one round trip. Some fields left
// unset get their documented default (Normalize*).
#ifndef RAAMATCH_SERVICES_REGISTRY_VALIDATION_H_
#define RAAMATCH_SERVICES_REGISTRY_VALIDATION_H_

#include <cstddef>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "common/errors.h"
#include "common/free_text.h"
#include "common/names.h"
#include "raa/v1/registry.pb.h"
#include "services/registry/regions.h"

namespace raa {

inline constexpr int kMaxGroupSize = 8;
inline constexpr int kMaxAgeMonths = 18 * 12;
inline constexpr int kMaxApprovedFor = 5;
// Per record, so no record can take much of the matching index's tables.
inline constexpr int kMaxExcludedRegions = 20;
inline constexpr int kMaxAdopterLanguages = 8;

// A new member. Violations are named by the Authority's own fields, under the
// prefix `errors` was made with (FieldErrors("authority") gives
// "authority.region").
void ValidateAuthority(const v1::Authority& authority, absl::CivilDay today,
                       const RegionList& regions, FieldErrors& errors);

// The names a record refers to: regions in `regions`, languages in ISO 639
// (see languages.h), each list without repeats and within its per-record
// limit. Unset fields pass (whether they are required is checked by
// Validate*). Cheap: in-memory lookups, run before any store lock.
void ValidateChildNames(const v1::Child& child, const RegionList& regions,
                        FieldErrors& errors);
void ValidateAdopterNames(const v1::Adopter& adopter, const RegionList& regions,
                          FieldErrors& errors);

// Fills defaults for optional child fields left unset, and clears the
// output-only ones (ages today, status history).
void NormalizeChild(v1::Child& child);
// A whole child profile as it would be stored (after a create or an update).
// Includes ValidateChildNames. Every member's age is required, and the eldest's
// is at least the whole months from journey.entered_care to ages_as_of (both
// fields are named when not).
void ValidateChild(const v1::Child& child, absl::CivilDay today,
                   const RegionList& regions, FieldErrors& errors);

// The checks of a profile's dates that apply only when a write sets them,
// so that a profile stored before a check existed still takes updates of
// its other fields. Today one: a placement order is not before the child
// entered care. (With a SHOBPA decision, ValidateChild's order of dates
// already says so.) `before` is the stored profile, or null for a new one.
// The violation names the date that moved: journey.entered_care when only
// it changed, journey.placement_order otherwise.
void ValidateChildChanges(const v1::Child* before, const v1::Child& after,
                          FieldErrors& errors);

// Sets each member's age_months_today: the stored age plus the whole months
// from the profile's ages_as_of to `today`.
void SetAgesToday(v1::Child& child, absl::CivilDay today);

// Why a status may not move from `from` to `to` (nullopt if it may): nothing
// moves back out of CHILD_STATUS_ADOPTED, and CHILD_STATUS_PLACED moves on
// only to CHILD_STATUS_ADOPTED; a household's ADOPTER_STATUS_PLACED does not
// move back. The message names `to` as users know it (LegacyEnumName:
// "CHILD_LINKED"). (Until dated links replace status updates.)
std::optional<std::string> ChildStatusMoveRefused(v1::ChildStatus from,
                                                  v1::ChildStatus to);
std::optional<std::string> AdopterStatusMoveRefused(v1::AdopterStatus from,
                                                    v1::AdopterStatus to);

void NormalizeAdopter(v1::Adopter& adopter);
// Includes ValidateAdopterNames.
void ValidateAdopter(const v1::Adopter& adopter, absl::CivilDay today,
                     const RegionList& regions, FieldErrors& errors);

// The same against the shipped region list alone (for tests and tools that
// have no consortium list).
void ValidateAuthority(const v1::Authority& authority, absl::CivilDay today,
                       FieldErrors& errors);
void ValidateChild(const v1::Child& child, absl::CivilDay today,
                   FieldErrors& errors);
void ValidateAdopter(const v1::Adopter& adopter, absl::CivilDay today,
                     FieldErrors& errors);

}  // namespace raa

#endif  // RAAMATCH_SERVICES_REGISTRY_VALIDATION_H_
