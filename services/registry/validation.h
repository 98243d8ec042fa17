// Validation of registry input that needs no database: shapes, ranges, enums,
// dates against today, and the anonymity rules for free text.
//
// Each Validate* function adds every violation it finds to `errors`, named by
// the field's path in the request (e.g. "child.members[1].age_months"), so a
// client learns everything that is wrong in one round trip. Some fields left
// unset get their documented default (Normalize*).
#ifndef RAAMATCH_SERVICES_REGISTRY_VALIDATION_H_
#define RAAMATCH_SERVICES_REGISTRY_VALIDATION_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "raa/v1/registry.pb.h"
#include "services/common/errors.h"
#include "services/registry/regions.h"

namespace raa {

inline constexpr int kMaxGroupSize = 8;
inline constexpr int kMaxAgeMonths = 18 * 12;
inline constexpr int kMaxSummaryChars = 1000;
inline constexpr int kMaxApprovedFor = 5;
// Per record, so no record can take much of the matching index's tables.
inline constexpr int kMaxExcludedRegions = 20;
inline constexpr int kMaxAdopterLanguages = 8;

// A slug: 2-40 characters of a-z, 0-9 and '-', starting with a letter.
bool IsSlug(absl::string_view text);

// Why `text` looks like it identifies a person (a full date, an NHS number, a
// full UK postcode, an email address or a phone number), or nullopt.
std::optional<std::string> FindPersonalIdentifier(absl::string_view text);

void ValidateRequestId(absl::string_view request_id, FieldErrors& errors);

// A new member. `field` is the message's path ("authority").
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

// Fills defaults for optional child fields left unset.
void NormalizeChild(v1::Child& child);
// A whole child profile as it would be stored (after a create or an update).
// Includes ValidateChildNames.
void ValidateChild(const v1::Child& child, absl::CivilDay today,
                   const RegionList& regions, FieldErrors& errors);

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
