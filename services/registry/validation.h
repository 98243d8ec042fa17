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

namespace raa {

inline constexpr int kMaxGroupSize = 8;
inline constexpr int kMaxAgeMonths = 18 * 12;
inline constexpr int kMaxSummaryChars = 1000;
inline constexpr int kMaxApprovedFor = 5;

// A slug: 2-40 characters of a-z, 0-9 and '-', starting with a letter.
bool IsSlug(absl::string_view text);

// Why `text` looks like it identifies a person (a full date, an NHS number, a
// full UK postcode, an email address or a phone number), or nullopt.
std::optional<std::string> FindPersonalIdentifier(absl::string_view text);

void ValidateRequestId(absl::string_view request_id, FieldErrors& errors);

// A new member. `field` is the message's path ("authority").
void ValidateAuthority(const v1::Authority& authority, absl::CivilDay today,
                       FieldErrors& errors);

// Fills defaults for optional child fields left unset, and clears the
// output-only ones (ages today, status history).
void NormalizeChild(v1::Child& child);
// A whole child profile as it would be stored (after a create or an update).
// Every member's age is required, and the eldest's is at least the whole
// months from journey.entered_care to ages_as_of (both fields are named when
// not).
void ValidateChild(const v1::Child& child, absl::CivilDay today,
                   FieldErrors& errors);

// Sets each member's age_months_today: the stored age plus the whole months
// from the profile's ages_as_of to `today`.
void SetAgesToday(v1::Child& child, absl::CivilDay today);

// Why a status may not move from `from` to `to` (nullopt if it may): nothing
// moves back out of CHILD_ADOPTED, and CHILD_PLACED moves on only to
// CHILD_ADOPTED; a household's ADOPTER_PLACED does not move back. (Until
// dated links replace status updates.)
std::optional<std::string> ChildStatusMoveRefused(v1::ChildStatus from,
                                                  v1::ChildStatus to);
std::optional<std::string> AdopterStatusMoveRefused(v1::AdopterStatus from,
                                                    v1::AdopterStatus to);

void NormalizeAdopter(v1::Adopter& adopter);
void ValidateAdopter(const v1::Adopter& adopter, absl::CivilDay today,
                     FieldErrors& errors);

}  // namespace raa

#endif  // RAAMATCH_SERVICES_REGISTRY_VALIDATION_H_
