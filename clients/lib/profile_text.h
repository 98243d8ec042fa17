// Profiles as text: the cell formats shared by CSV imports,
// `raa child create --age-months 84;60 ...` flags, and the CLI's tables. The
// columns, and the update-mask path each one changes, are the field tables'
// (common/record_fields.h).
//
// Children (one row per profile; lists are ';'-separated, one entry per child
// in the group):
//   ages_as_of, age_months, sex, heritage, religion, first_language,
//   needs ("1:learning_disability=mild;2:attachment_difficulties=moderate",
//   the number is the child's position in the group), must_be_placed_together,
//   contact_plan, early_permanence, region, excluded_regions, hidden_from,
//   entered_care, plan_for_adoption, shobpa_decision, placement_order, summary
// Adopters:
//   status, registered_interest_on, applied_on, approved_on, approved_for,
//   min_age_months, max_age_months, sex_preference,
//   need_limits ("learning_disability=moderate;physical_disability=mild"),
//   heritage, religion, languages, region, excluded_regions, dual_approved,
//   fast_track, youngest_child_age_months, max_contact
// Enum cells take the lower-case value name with its prefix dropped
// ("letterbox", "approved", "white_british"), in any case and with spaces,
// hyphens or underscores ("White British", "Stage 1"), the full value name
// (CONTACT_PLAN_LETTERBOX, or CONTACT_LETTERBOX as it was before), or a
// common spreadsheet spelling ("Face to face" for direct contact,
// "Letterbox contact", "Asian or Asian British - Indian", "None" for no
// religion).
#ifndef RAAMATCH_CLIENTS_LIB_PROFILE_TEXT_H_
#define RAAMATCH_CLIENTS_LIB_PROFILE_TEXT_H_

#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/record_fields.h"
#include "google/protobuf/descriptor.h"
#include "raa/v1/registry.pb.h"

namespace raa {

using TextFields = std::map<std::string, std::string>;

// The message a record type's proto paths start from: raa.v1.Child for
// ChildFields(), raa.v1.Adopter for AdopterFields().
const google::protobuf::Descriptor* MessageOf(const RecordFields& fields);

// The field at a dotted proto path from `message` ("members.sex",
// "journey.entered_care"), or nullptr if there is none.
const google::protobuf::FieldDescriptor* FieldAt(
    const google::protobuf::Descriptor* message, absl::string_view path);

// What a column holds, in a sentence, with its allowed values when it is an
// enum ("contact_plan": "the contact plan: none, letterbox or direct").
std::string ColumnHelp(const RecordFields& fields, const RecordField& field);

// A header cell as a column name: "Age months", "AGE-MONTHS" and
// " age_months " are all "age_months".
std::string ColumnName(absl::string_view header);

// A server's field path as the column a user wrote: "child.members[1].sex"
// is column "sex" for "child 2", "adopter.need_limits[0].category" is
// "need_limits", "child.journey.entered_care" is "entered_care". `whose` is
// set to "child 2" when the path names one child of a group, else cleared.
std::string ColumnOfField(absl::string_view field, std::string& whose);

// Parses the fields present into `child` (fields absent are left alone).
// INVALID_ARGUMENT with one violation per problem (every bad cell, not only
// the first), each named by its column; unknown columns are one violation
// naming them all. Returns the update-mask paths of the columns given (each
// column's mask_path in the field table, once), for an update.
absl::StatusOr<std::vector<std::string>> ChildFromText(const TextFields& fields,
                                                       v1::Child& child);
absl::StatusOr<std::vector<std::string>> AdopterFromText(
    const TextFields& fields, v1::Adopter& adopter);

TextFields ChildToText(const v1::Child& child);
TextFields AdopterToText(const v1::Adopter& adopter);

// "letterbox" for CONTACT_PLAN_LETTERBOX, "white_british" for
// HERITAGE_WHITE_BRITISH: the value's name without its enum's prefix, in
// lower case.
std::string EnumLabel(const google::protobuf::EnumDescriptor* type, int value);
// "none, letterbox or direct": the labels a flag or cell accepts (less
// those in `leave_out`, by number).
std::string EnumChoices(const google::protobuf::EnumDescriptor* type,
                        std::initializer_list<int> leave_out = {});
// Accepts the label, the full value name (the API's, CONTACT_PLAN_LETTERBOX,
// or the one it had before issue 7, CONTACT_LETTERBOX: LegacyEnumName) or a
// spreadsheet spelling (see above), any case and spacing. INVALID_ARGUMENT
// listing the choices otherwise.
absl::StatusOr<int> ParseEnum(const google::protobuf::EnumDescriptor* type,
                              absl::string_view text);

// "7y 2m" for 86 months.
std::string FormatAgeMonths(int months);

}  // namespace raa

#endif  // RAAMATCH_CLIENTS_LIB_PROFILE_TEXT_H_
