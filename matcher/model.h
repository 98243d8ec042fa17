// The matching model: children waiting for adoption and approved adopter
// households, as the matcher sees them.
//
// These are plain value types. The server converts its protos and database
// rows into them and hands them to `CandidateIndex`
// (matcher/candidate_index.h), which validates them, interns their strings and
// packs them for ranking.
//
// Example:
//
//   raa::matcher::ChildGroup group;
//   group.key = 42;
//   group.authority = "sheffield";
//   group.waiting = true;
//   group.members.push_back({.age_months = 50, .sex = Sex::kFemale});
//   group.region = "south-yorkshire";
//   ...
//   absl::Status s = index.UpsertChild(group);
//
// Days are "day numbers": days since 1970-01-01, -1 when unknown.

#ifndef RAAMATCH_MATCHER_MODEL_H_
#define RAAMATCH_MATCHER_MODEL_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace raa::matcher {

// Categories of assessed need. A child has a level per category; a household
// states the highest level it would consider per category.
enum class NeedCategory : uint8_t {
  kPhysicalDisability,
  kLearningDisability,
  kGlobalDevelopmentalDelay,
  kMedicalCondition,
  kEmotionalBehavioural,
  kFoetalAlcoholSpectrum,
  kSexualisedBehaviour,
  kUncertainDevelopmentalPrognosis,
  kAttachmentDifficulties,
};
inline constexpr int kNeedCategoryCount = 9;

// Ordered: a household that would consider kModerate also considers kMild.
// For a household, kNone means "would not consider any need in this
// category".
enum class NeedLevel : uint8_t {
  kNone = 0,
  kMild = 1,
  kModerate = 2,
  kSevere = 3,
};

enum class Sex : uint8_t { kFemale, kMale };
enum class SexPreference : uint8_t { kAny, kFemale, kMale };

// Ordered: a household that supports direct contact also supports letterbox.
enum class ContactPlan : uint8_t { kNone = 0, kLetterbox = 1, kDirect = 2 };

enum class AuthorityKind : uint8_t {
  kLocalAuthority,
  kVoluntaryAdoptionAgency,
  kRegionalAdoptionAgency,
};

using NeedLevels = std::array<NeedLevel, kNeedCategoryCount>;

// One child of a group.
struct ChildMember {
  // Age in whole months on the group's `ages_as_of_day`, 0..216. The matcher
  // always uses the age on the day of the query (AgeMonthsOn).
  int age_months = 0;
  Sex sex = Sex::kFemale;
  NeedLevels needs{};  // assessed level per NeedCategory
  // Bitset over up to 32 ONS ethnic groups (bit numbers assigned by the
  // server); 0 = not recorded.
  uint32_t heritage_mask = 0;
  // Religion code; 0 = not stated / none recorded, never counts as shared.
  uint8_t religion = 0;
  std::string first_language;  // empty = not recorded
};

// One profile: the children to be placed together (a single child is a group
// of one).
struct ChildGroup {
  uint64_t key = 0;       // stable unique id; ties break on it, ascending
  std::string authority;  // owning authority id (must be known to the index)
  bool waiting = false;   // only waiting children are ranked
  std::vector<ChildMember> members;           // 1..8
  std::string region;                         // where the child lives now
  std::vector<std::string> excluded_regions;  // must not be placed there
  std::vector<std::string> hidden_from;       // authority ids
  bool early_permanence_candidate = false;
  ContactPlan contact_plan = ContactPlan::kNone;
  // Day of the placement order or SHOBPA decision; -1 unknown.
  int32_t waiting_since_day = -1;
  // The day the members' ages were measured. -1: the ages never move (they
  // are the ages on every day; for tests and tools without dates).
  int32_t ages_as_of_day = -1;
  // The plan allows the children to be placed apart (a sibling group whose
  // profile says they need not be placed together). Such a group is also
  // offered to households that could take only some of the children: see
  // matcher/policy.h, "PLACED APART". Ignored for a single child.
  bool may_be_placed_apart = false;
};

// An approved adopter household.
struct Household {
  uint64_t key = 0;        // stable unique id; ties break on it, ascending
  std::string authority;   // approving authority id (must be known)
  bool available = false;  // can take a link now: approved, not on hold
  int approved_for = 1;    // 1..5 children
  int min_age_months = 0;  // 0 <= min <= max <= 216
  int max_age_months = 0;
  SexPreference sex_preference = SexPreference::kAny;
  // Highest level they would consider per NeedCategory (kNone = would not
  // consider any need in that category).
  NeedLevels max_need{};
  std::string region;
  std::vector<std::string> excluded_regions;  // regions they would not consider
  bool dual_approved = false;  // fostering for adoption / concurrent planning
  ContactPlan max_contact = ContactPlan::kNone;  // most contact they support
  uint32_t heritage_mask = 0;                    // as ChildMember
  uint8_t religion = 0;                          // as ChildMember
  std::vector<std::string> languages;            // languages spoken at home
  int32_t approved_day = -1;                     // -1 if unknown
};

// A member of the consortium (or an authority only named in `hidden_from`).
struct Authority {
  std::string id;
  AuthorityKind kind = AuthorityKind::kLocalAuthority;
  bool withdrawn = false;  // has left the consortium
};

// Plain-English names, for reasons: "global developmental delay", "moderate",
// "letterbox contact", "voluntary adoption agency".
absl::string_view NeedCategoryName(NeedCategory category);
absl::string_view NeedLevelName(NeedLevel level);
absl::string_view ContactPlanName(ContactPlan plan);
absl::string_view AuthorityKindName(AuthorityKind kind);

// Whole months from day `from_day` to day `to_day` (day numbers): a month is
// complete on the same day of a later month (31 Jan to 28 Feb is 0 months,
// to 1 Mar is 1). 0 when `to_day` is not after `from_day`.
int WholeMonthsBetween(int32_t from_day, int32_t to_day);

// A child's age on `day`: `age_months` measured on `as_of_day` plus the whole
// months since. `as_of_day` < 0 means the ages never move.
int AgeMonthsOn(int age_months, int32_t as_of_day, int32_t day);

// A child's age: "4y 2m", "2y 0m".
std::string FormatAgeMonths(int months);
// A bound of a household's age range: "6y", "6y 3m".
std::string FormatAgeBound(int months);

}  // namespace raa::matcher

#endif  // RAAMATCH_MATCHER_MODEL_H_
