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
#include "raa/v1/registry.pb.h"
#include "services/common/errors.h"
#include "services/registry/personal_data.h"
#include "services/registry/regions.h"

namespace raa {

inline constexpr int kMaxGroupSize = 8;
inline constexpr int kMaxAgeMonths = 18 * 12;
inline constexpr int kMaxSummaryChars = 1000;
inline constexpr int kMaxApprovedFor = 5;
// Per record, so no record can take much of the matching index's tables.
inline constexpr int kMaxExcludedRegions = 20;
inline constexpr int kMaxAdopterLanguages = 8;
inline constexpr int kMaxReasonChars = 500;
inline constexpr int kMaxDisplayNameChars = 100;

// How one free-text field is checked. Lengths are in characters (Unicode
// code points), not bytes: 400 "€" is 400 characters.
struct FreeTextRule {
  size_t min_chars = 0;  // 1 for a required field
  size_t max_chars = 0;
  bool multi_line = false;  // may hold line feeds and tabs
  bool anonymous = false;   // scanned for personal identifiers
};
// A child's summary: optional, several lines, anonymous.
inline constexpr FreeTextRule kSummaryText{0, kMaxSummaryChars, true, true};
// Why a child or household was withdrawn: required, one line, anonymous.
inline constexpr FreeTextRule kReasonText{1, kMaxReasonChars, false, true};
// A member's name: required, one line.
inline constexpr FreeTextRule kDisplayNameText{1, kMaxDisplayNameChars, false,
                                               false};
// An API key's label: optional, one line.
inline constexpr FreeTextRule kKeyLabelText{0, kMaxDisplayNameChars, false,
                                            false};

// Checks one free-text field and adds at most one violation for `field`, the
// first of, in this order:
//   1. its length in characters is outside the rule's range (counted before
//      anything else looks at the text, so an over-long text is refused
//      without being scanned);
//   2. it is not valid UTF-8;
//   3. it holds a control character (C0, DEL, C1; line feed and tab are
//      allowed in multi-line fields only), a line or paragraph separator in
//      a one-line field, or a bidirectional embedding, override or isolate
//      (U+202A-U+202E, U+2066-U+2069);
//   4. for an anonymous field, it contains a personal identifier
//      (ScanForPersonalIdentifier).
// Linear in the text's length.
void CheckFreeText(absl::string_view text, absl::string_view field,
                   const FreeTextRule& rule, FieldErrors& errors);

// A slug: 2-40 characters of a-z, 0-9 and '-', starting with a letter.
bool IsSlug(absl::string_view text);

void ValidateRequestId(absl::string_view request_id, FieldErrors& errors);

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
