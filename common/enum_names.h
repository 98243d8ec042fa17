// The API's enum value names, and the spellings users have always seen.
//
// Every enum value of raa.v1 carries its enum's prefix, as buf lint's
// STANDARD asks (ChildStatus CHILD_STATUS_WAITING, AuthorityKind
// AUTHORITY_KIND_LOCAL_AUTHORITY). Until issue 7 many did not
// (CHILD_WAITING, LOCAL_AUTHORITY), and those older names are what users
// read in error messages, in a record's status history and in `raa`'s JSON,
// and what their import files say. This module is the one place that knows
// both, so that every message, label and parser that shows or reads a value
// keeps the spelling users know:
//
//   EnumValueSuffix(v1::AdopterStatus_descriptor(), v1::ADOPTER_STATUS_ON_HOLD)
//       == "ON_HOLD"
//   EnumValueWords(v1::AdopterStatus_descriptor(), v1::ADOPTER_STATUS_ON_HOLD)
//       == "on hold"
//   LegacyEnumName(v1::CHILD_STATUS_WAITING) == "CHILD_WAITING"
//   LegacyEnumName(v1::AUTHORITY_KIND_LOCAL_AUTHORITY) == "LOCAL_AUTHORITY"
//   LegacyEnumName(v1::SEX_FEMALE) == "SEX_FEMALE"       (never renamed)
//
// Pure functions of the generated descriptors: thread-safe.
#ifndef RAAMATCH_COMMON_ENUM_NAMES_H_
#define RAAMATCH_COMMON_ENUM_NAMES_H_

#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/generated_enum_reflection.h"

namespace raa {

// The prefix every value of `type` carries: "CHILD_STATUS_" for ChildStatus,
// "SEX_PREFERENCE_" for SexPreference (the enum's name in upper snake case).
std::string EnumValuePrefix(const google::protobuf::EnumDescriptor* type);

// The value's name without its enum's prefix: "WAITING" for
// CHILD_STATUS_WAITING, "LOCAL_AUTHORITY" for AUTHORITY_KIND_LOCAL_AUTHORITY,
// "UNSPECIFIED" for 0. Empty if `number` is not a value of `type`.
std::string EnumValueSuffix(const google::protobuf::EnumDescriptor* type,
                            int number);

// The suffix in lower case, '_' as a space: "stage two" for
// ADOPTER_STATUS_STAGE_TWO; "unknown" if `number` is not a value of `type`.
std::string EnumValueWords(const google::protobuf::EnumDescriptor* type,
                           int number);

// The value's name as it was before issue 7 gave every value its enum's
// prefix (the name itself for values that already had it). Empty if
// `number` is not a value of `type`, as `<Enum>_Name` is.
std::string LegacyEnumName(const google::protobuf::EnumDescriptor* type,
                           int number);

template <typename Enum>
std::string LegacyEnumName(Enum value) {
  return LegacyEnumName(google::protobuf::GetEnumDescriptor<Enum>(),
                        static_cast<int>(value));
}

}  // namespace raa

#endif  // RAAMATCH_COMMON_ENUM_NAMES_H_
