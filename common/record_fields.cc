#include "common/record_fields.h"

#include <algorithm>

namespace raa {
namespace {

constexpr RecordField kChildFields[] = {
    {.column = "ages_as_of",
     .proto_path = "ages_as_of",
     .mask_path = "ages_as_of",
     .header = "AGES AS OF",
     .help = "the date the ages were measured, YYYY-MM-DD",
     .required = true},
    {.column = "age_months",
     .proto_path = "members.age_months",
     .mask_path = "members",
     .header = "AGE MONTHS",
     .help = "each child's age in months, ; between children (84;60)",
     .required = true},
    {.column = "sex",
     .proto_path = "members.sex",
     .mask_path = "members",
     .header = "SEX",
     .help = "each child's sex, ; between children:",
     .choices = "members.sex",
     .required = true},
    {.column = "heritage",
     .proto_path = "members.heritage",
     .mask_path = "members",
     .header = "HERITAGE",
     .help = "ethnic group (children: one per child, ; between; households: "
             "any number):",
     .choices = "members.heritage"},
    {.column = "religion",
     .proto_path = "members.religion",
     .mask_path = "members",
     .header = "RELIGION",
     .help = "religion:",
     .choices = "members.religion"},
    {.column = "first_language",
     .proto_path = "members.first_language",
     .mask_path = "members",
     .header = "FIRST LANGUAGE",
     .help = "each child's first language, an ISO 639 code (en, pl, ur)"},
    {.column = "needs",
     .proto_path = "members.needs",
     .mask_path = "members",
     .header = "NEEDS BY CHILD",
     .help = "needs, child:category=level, ; between "
             "(1:learning_disability=mild); categories:",
     .choices = "members.needs.category"},
    {.column = "must_be_placed_together",
     .proto_path = "must_be_placed_together",
     .mask_path = "must_be_placed_together",
     .header = "TOGETHER",
     .help = "yes or no"},
    {.column = "contact_plan",
     .proto_path = "contact_plan",
     .mask_path = "contact_plan",
     .header = "CONTACT",
     .help = "the contact plan:",
     .choices = "contact_plan",
     .required = true},
    {.column = "early_permanence",
     .proto_path = "early_permanence",
     .mask_path = "early_permanence",
     .header = "EARLY PERMANENCE",
     .help = "early-permanence route:",
     .choices = "early_permanence"},
    {.column = "region",
     .proto_path = "region",
     .mask_path = "region",
     .header = "REGION",
     .help = "region slug (south-yorkshire)"},
    {.column = "excluded_regions",
     .proto_path = "excluded_regions",
     .mask_path = "excluded_regions",
     .header = "EXCLUDED REGIONS",
     .help = "region slugs, ; between"},
    {.column = "hidden_from",
     .proto_path = "hidden_from",
     .mask_path = "hidden_from",
     .header = "HIDDEN FROM",
     .help = "authority ids that must not see it, ; between"},
    {.column = "entered_care",
     .proto_path = "journey.entered_care",
     .mask_path = "journey",
     .header = "ENTERED CARE",
     .help = "YYYY-MM-DD",
     .required = true},
    {.column = "plan_for_adoption",
     .proto_path = "journey.plan_for_adoption",
     .mask_path = "journey",
     .header = "PLAN FOR ADOPTION",
     .help = "YYYY-MM-DD"},
    {.column = "shobpa_decision",
     .proto_path = "journey.shobpa_decision",
     .mask_path = "journey",
     .header = "SHOBPA DECISION",
     .help = "YYYY-MM-DD"},
    {.column = "placement_order",
     .proto_path = "journey.placement_order",
     .mask_path = "journey",
     .header = "PLACEMENT ORDER",
     .help = "YYYY-MM-DD"},
    {.column = "summary",
     .proto_path = "summary",
     .mask_path = "summary",
     .header = "SUMMARY",
     .help = "free text, no names or dates"},
};

// A child's status changes through `raa child update --status`, with a
// reason, not as a column.
constexpr absl::string_view kChildOtherUpdatable[] = {"status"};

constexpr RecordField kAdopterFields[] = {
    {.column = "status",
     .proto_path = "status",
     .mask_path = "status",
     .header = "STATUS",
     .help = "adopter status:",
     .choices = "status",
     .required = true},
    {.column = "registered_interest_on",
     .proto_path = "registered_interest_on",
     .mask_path = "registered_interest_on",
     .header = "REGISTERED INTEREST",
     .help = "YYYY-MM-DD",
     .required = true},
    {.column = "applied_on",
     .proto_path = "applied_on",
     .mask_path = "applied_on",
     .header = "APPLIED",
     .help = "YYYY-MM-DD (required after stage one)"},
    {.column = "approved_on",
     .proto_path = "approved_on",
     .mask_path = "approved_on",
     .header = "APPROVED",
     .help = "YYYY-MM-DD (required once approved)"},
    {.column = "approved_for",
     .proto_path = "approved_for",
     .mask_path = "approved_for",
     .header = "FOR",
     .help = "how many children, 1-5",
     .required = true},
    {.column = "min_age_months",
     .proto_path = "min_age_months",
     .mask_path = "min_age_months",
     .header = "MIN AGE MONTHS",
     .help = "youngest age considered, months"},
    {.column = "max_age_months",
     .proto_path = "max_age_months",
     .mask_path = "max_age_months",
     .header = "MAX AGE MONTHS",
     .help = "oldest age considered, months"},
    {.column = "sex_preference",
     .proto_path = "sex_preference",
     .mask_path = "sex_preference",
     .header = "SEX",
     .help = "",
     .choices = "sex_preference"},
    {.column = "need_limits",
     .proto_path = "need_limits",
     .mask_path = "need_limits",
     .header = "NEED LIMITS",
     .help = "highest level considered per need, category=level, ; between; "
             "levels:",
     .choices = "need_limits.max_level"},
    {.column = "heritage",
     .proto_path = "heritage",
     .mask_path = "heritage",
     .header = "HERITAGE",
     .help = "ethnic group (children: one per child, ; between; households: "
             "any number):",
     .choices = "heritage"},
    {.column = "religion",
     .proto_path = "religion",
     .mask_path = "religion",
     .header = "RELIGION",
     .help = "religion:",
     .choices = "religion"},
    {.column = "languages",
     .proto_path = "languages",
     .mask_path = "languages",
     .header = "LANGUAGES",
     .help = "ISO 639 codes, ; between"},
    {.column = "region",
     .proto_path = "region",
     .mask_path = "region",
     .header = "REGION",
     .help = "region slug (south-yorkshire)",
     .required = true},
    {.column = "excluded_regions",
     .proto_path = "excluded_regions",
     .mask_path = "excluded_regions",
     .header = "EXCLUDED REGIONS",
     .help = "region slugs, ; between"},
    {.column = "dual_approved",
     .proto_path = "dual_approved",
     .mask_path = "dual_approved",
     .header = "DUAL APPROVED",
     .help = "yes or no"},
    {.column = "fast_track",
     .proto_path = "fast_track",
     .mask_path = "fast_track",
     .header = "FAST TRACK",
     .help = "",
     .choices = "fast_track"},
    {.column = "youngest_child_age_months",
     .proto_path = "youngest_child_age_months",
     .mask_path = "youngest_child_age_months",
     .header = "YOUNGEST CHILD AGE MONTHS",
     .help = "age of the youngest child at home, months"},
    {.column = "max_contact",
     .proto_path = "max_contact",
     .mask_path = "max_contact",
     .header = "MAX CONTACT",
     .help = "most contact the household can support:",
     .choices = "max_contact",
     .required = true},
};

constexpr RecordFields kChild("child", kChildFields, kChildOtherUpdatable);
constexpr RecordFields kAdopter("adopter", kAdopterFields, {});

}  // namespace

const RecordField* RecordFields::Find(absl::string_view column) const {
  for (const RecordField& f : fields_) {
    if (f.column == column) return &f;
  }
  return nullptr;
}

std::vector<std::string> RecordFields::Columns() const {
  std::vector<std::string> columns;
  for (const RecordField& f : fields_) columns.emplace_back(f.column);
  return columns;
}

std::vector<std::string> RecordFields::RequiredColumns() const {
  std::vector<std::string> columns;
  for (const RecordField& f : fields_) {
    if (f.required) columns.emplace_back(f.column);
  }
  return columns;
}

bool RecordFields::IsUpdatable(absl::string_view mask_path) const {
  return std::any_of(
             fields_.begin(), fields_.end(),
             [&](const RecordField& f) { return f.mask_path == mask_path; }) ||
         std::find(other_updatable_.begin(), other_updatable_.end(),
                   mask_path) != other_updatable_.end();
}

std::vector<std::string> RecordFields::UpdatablePaths() const {
  std::vector<std::string> paths;
  auto add = [&paths](absl::string_view path) {
    if (std::find(paths.begin(), paths.end(), path) == paths.end()) {
      paths.emplace_back(path);
    }
  };
  for (const RecordField& f : fields_) add(f.mask_path);
  for (absl::string_view path : other_updatable_) add(path);
  return paths;
}

const RecordFields& ChildFields() { return kChild; }
const RecordFields& AdopterFields() { return kAdopter; }

}  // namespace raa
