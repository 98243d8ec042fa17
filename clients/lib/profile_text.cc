#include "clients/lib/profile_text.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/common/dates.h"
#include "services/common/errors.h"

namespace raa {
namespace {

using google::protobuf::EnumDescriptor;

// The prefix each enum's value names carry, dropped in labels.
absl::string_view PrefixOf(const EnumDescriptor* type) {
  static const auto* const kPrefixes =
      new std::map<std::string, std::string, std::less<>>{
          {"raa.v1.ContactPlan", "CONTACT_"},
          {"raa.v1.ChildStatus", "CHILD_"},
          {"raa.v1.AdopterStatus", "ADOPTER_"},
          {"raa.v1.NeedLevel", "NEED_LEVEL_"},
          {"raa.v1.Sex", "SEX_"},
          {"raa.v1.SexPreference", "SEX_PREFERENCE_"},
          {"raa.v1.FastTrack", "FAST_TRACK_"},
          {"raa.v1.EarlyPermanence", "EARLY_PERMANENCE_"},
          {"raa.v1.AuthorityStatus", "AUTHORITY_"},
      };
  auto it = kPrefixes->find(type->full_name());
  return it == kPrefixes->end() ? absl::string_view() : it->second;
}

std::vector<std::string> SplitList(absl::string_view cell) {
  std::vector<std::string> out;
  if (absl::StripAsciiWhitespace(cell).empty()) return out;
  for (absl::string_view part : absl::StrSplit(cell, ';')) {
    out.emplace_back(absl::StripAsciiWhitespace(part));
  }
  return out;
}

bool IsUtf8(absl::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = text[i];
    const int extra = c < 0x80           ? 0
                      : (c >> 5) == 0x06 ? 1
                      : (c >> 4) == 0x0E ? 2
                      : (c >> 3) == 0x1E ? 3
                                         : -1;
    if (extra < 0 || i + extra >= text.size() + (extra == 0)) return false;
    for (int k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) >> 6) != 0x02) return false;
    }
    i += extra + 1;
  }
  return true;
}

absl::Status NotUtf8(absl::string_view column) {
  return InvalidField(column,
                      "is not UTF-8 text: save the file as UTF-8 (in a "
                      "spreadsheet, \"CSV UTF-8\")");
}

absl::Status CellError(absl::string_view column, absl::string_view why) {
  return InvalidField(column, why);
}

absl::StatusOr<bool> ParseBool(absl::string_view column,
                               absl::string_view text) {
  std::string t = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  if (t == "true" || t == "yes" || t == "y" || t == "1") return true;
  if (t == "false" || t == "no" || t == "n" || t == "0" || t.empty()) {
    return false;
  }
  return CellError(column, absl::StrCat("\"", text, "\" is not true or false"));
}

absl::StatusOr<int> ParseInt(absl::string_view column, absl::string_view text) {
  int value = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &value)) {
    return CellError(column, absl::StrCat("\"", text, "\" is not a number"));
  }
  return value;
}

absl::Status ParseDateInto(absl::string_view column, absl::string_view text,
                           google::type::Date* date) {
  absl::string_view t = absl::StripAsciiWhitespace(text);
  if (t.empty()) {
    date->Clear();
    return absl::OkStatus();
  }
  std::optional<google::type::Date> parsed = ParseDate(t);
  if (!parsed) {
    return CellError(column,
                     absl::StrCat("\"", text, "\" is not a YYYY-MM-DD date"));
  }
  *date = *parsed;
  return absl::OkStatus();
}

template <typename E>
absl::StatusOr<E> ParseEnumAs(const EnumDescriptor* type,
                              absl::string_view column,
                              absl::string_view text) {
  absl::StatusOr<int> v = ParseEnum(type, text);
  if (!v.ok()) return CellError(column, v.status().message());
  return static_cast<E>(*v);
}

std::string Labels(const EnumDescriptor* type,
                   const google::protobuf::RepeatedField<int>& values) {
  return absl::StrJoin(values, ";", [type](std::string* out, int v) {
    out->append(EnumLabel(type, v));
  });
}

std::string Join(const google::protobuf::RepeatedPtrField<std::string>& v) {
  return absl::StrJoin(v, ";");
}

#define RAA_TRY(lhs, expr)                      \
  auto lhs##_or = (expr);                       \
  if (!lhs##_or.ok()) return lhs##_or.status(); \
  auto lhs = *lhs##_or

}  // namespace

const std::vector<std::string>& ChildColumns() {
  static const auto* const kColumns =
      new std::vector<std::string>{"ages_as_of",
                                   "age_months",
                                   "sex",
                                   "heritage",
                                   "religion",
                                   "first_language",
                                   "needs",
                                   "must_be_placed_together",
                                   "contact_plan",
                                   "early_permanence",
                                   "region",
                                   "excluded_regions",
                                   "hidden_from",
                                   "entered_care",
                                   "plan_for_adoption",
                                   "shobpa_decision",
                                   "placement_order",
                                   "summary"};
  return *kColumns;
}

const std::vector<std::string>& AdopterColumns() {
  static const auto* const kColumns =
      new std::vector<std::string>{"status",
                                   "registered_interest_on",
                                   "applied_on",
                                   "approved_on",
                                   "approved_for",
                                   "min_age_months",
                                   "max_age_months",
                                   "sex_preference",
                                   "need_limits",
                                   "heritage",
                                   "religion",
                                   "languages",
                                   "region",
                                   "excluded_regions",
                                   "dual_approved",
                                   "fast_track",
                                   "youngest_child_age_months",
                                   "max_contact"};
  return *kColumns;
}

std::string EnumLabel(const EnumDescriptor* type, int value) {
  const google::protobuf::EnumValueDescriptor* v =
      type->FindValueByNumber(value);
  if (v == nullptr) return absl::StrCat(value);
  absl::string_view name = v->name();
  absl::ConsumePrefix(&name, PrefixOf(type));
  return absl::AsciiStrToLower(name);
}

absl::StatusOr<int> ParseEnum(const EnumDescriptor* type,
                              absl::string_view text) {
  std::string upper = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(text));
  std::replace(upper.begin(), upper.end(), '-', '_');
  std::vector<std::string> choices;
  for (int i = 0; i < type->value_count(); ++i) {
    const auto* v = type->value(i);
    if (v->number() == 0) continue;
    std::string label = EnumLabel(type, v->number());
    if (upper == v->name() || upper == absl::AsciiStrToUpper(label)) {
      return v->number();
    }
    choices.push_back(label);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "\"", text, "\" is not one of: ", absl::StrJoin(choices, ", ")));
}

std::string FormatAgeMonths(int months) {
  return absl::StrCat(months / 12, "y ", months % 12, "m");
}

absl::StatusOr<std::vector<std::string>> ChildFromText(const TextFields& fields,
                                                       v1::Child& child) {
  absl::flat_hash_set<std::string> known(ChildColumns().begin(),
                                         ChildColumns().end());
  std::vector<std::string> touched;
  auto touch = [&](const std::string& field) {
    if (std::find(touched.begin(), touched.end(), field) == touched.end()) {
      touched.push_back(field);
    }
  };
  for (const auto& [column, value] : fields) {
    if (!known.contains(column)) {
      return CellError(column,
                       absl::StrCat("unknown column; expected one of: ",
                                    absl::StrJoin(ChildColumns(), ", ")));
    }
    if (!IsUtf8(value)) return NotUtf8(column);
  }
  auto has = [&](const char* c) { return fields.count(c) > 0; };
  auto get = [&](const char* c) -> const std::string& { return fields.at(c); };

  // Per-child lists: the group has as many children as the longest list.
  const char* kMemberColumns[] = {"age_months", "sex", "heritage", "religion",
                                  "first_language"};
  // The group has as many children as the ages given (an update may shrink
  // it), else as the longest list given, else as it had.
  size_t group = child.members_size();
  if (has("age_months")) {
    group = SplitList(get("age_months")).size();
  } else {
    for (const char* c : kMemberColumns) {
      if (has(c)) group = std::max(group, SplitList(get(c)).size());
    }
  }
  bool members_touched = false;
  for (const char* c : kMemberColumns) {
    if (!has(c)) continue;
    members_touched = true;
    std::vector<std::string> cells = SplitList(get(c));
    if (!cells.empty() && cells.size() != group) {
      return CellError(c, absl::StrCat("lists ", cells.size(),
                                       " children; the group has ", group));
    }
  }
  while (static_cast<size_t>(child.members_size()) < group) child.add_members();
  while (static_cast<size_t>(child.members_size()) > group) {
    child.mutable_members()->RemoveLast();
  }
  if (has("age_months")) {
    std::vector<std::string> cells = SplitList(get("age_months"));
    for (size_t i = 0; i < cells.size(); ++i) {
      RAA_TRY(age, ParseInt("age_months", cells[i]));
      child.mutable_members(i)->set_age_months(age);
    }
  }
  if (has("sex")) {
    std::vector<std::string> cells = SplitList(get("sex"));
    for (size_t i = 0; i < cells.size(); ++i) {
      std::string s = absl::AsciiStrToLower(cells[i]);
      if (s == "f") s = "female";
      if (s == "m") s = "male";
      RAA_TRY(sex, ParseEnumAs<v1::Sex>(v1::Sex_descriptor(), "sex", s));
      child.mutable_members(i)->set_sex(sex);
    }
  }
  if (has("heritage")) {
    std::vector<std::string> cells = SplitList(get("heritage"));
    for (size_t i = 0; i < cells.size(); ++i) {
      if (cells[i].empty()) continue;  // not recorded
      RAA_TRY(h, ParseEnumAs<v1::Heritage>(v1::Heritage_descriptor(),
                                           "heritage", cells[i]));
      child.mutable_members(i)->set_heritage(h);
    }
  }
  if (has("religion")) {
    std::vector<std::string> cells = SplitList(get("religion"));
    for (size_t i = 0; i < cells.size(); ++i) {
      if (cells[i].empty()) continue;  // not recorded
      RAA_TRY(r, ParseEnumAs<v1::Religion>(v1::Religion_descriptor(),
                                           "religion", cells[i]));
      child.mutable_members(i)->set_religion(r);
    }
  }
  if (has("first_language")) {
    std::vector<std::string> cells = SplitList(get("first_language"));
    for (size_t i = 0; i < cells.size(); ++i) {
      child.mutable_members(i)->set_first_language(cells[i]);
    }
  }
  if (has("needs")) {
    members_touched = true;
    for (v1::ChildMember& m : *child.mutable_members()) m.clear_needs();
    for (const std::string& entry : SplitList(get("needs"))) {
      std::vector<std::string> parts =
          absl::StrSplit(entry, absl::ByAnyChar(":="));
      int position = 0;
      if (parts.size() != 3 || !absl::SimpleAtoi(parts[0], &position) ||
          position < 1 || position > child.members_size()) {
        return CellError(
            "needs", absl::StrCat("\"", entry,
                                  "\" is not <child number>:<category>=<level> "
                                  "with a child number from 1 to ",
                                  child.members_size()));
      }
      RAA_TRY(category, ParseEnumAs<v1::NeedCategory>(
                            v1::NeedCategory_descriptor(), "needs", parts[1]));
      RAA_TRY(level, ParseEnumAs<v1::NeedLevel>(v1::NeedLevel_descriptor(),
                                                "needs", parts[2]));
      v1::Need* need = child.mutable_members(position - 1)->add_needs();
      need->set_category(category);
      need->set_level(level);
    }
  }
  if (members_touched) touch("members");
  if (has("ages_as_of")) {
    if (absl::Status s = ParseDateInto("ages_as_of", get("ages_as_of"),
                                       child.mutable_ages_as_of());
        !s.ok()) {
      return s;
    }
    touch("ages_as_of");
  }
  if (has("must_be_placed_together")) {
    RAA_TRY(b, ParseBool("must_be_placed_together",
                         get("must_be_placed_together")));
    child.set_must_be_placed_together(b);
    touch("must_be_placed_together");
  }
  if (has("contact_plan")) {
    RAA_TRY(c,
            ParseEnumAs<v1::ContactPlan>(v1::ContactPlan_descriptor(),
                                         "contact_plan", get("contact_plan")));
    child.set_contact_plan(c);
    touch("contact_plan");
  }
  if (has("early_permanence") && !get("early_permanence").empty()) {
    RAA_TRY(e, ParseEnumAs<v1::EarlyPermanence>(
                   v1::EarlyPermanence_descriptor(), "early_permanence",
                   get("early_permanence")));
    child.set_early_permanence(e);
    touch("early_permanence");
  }
  if (has("region")) {
    child.set_region(std::string(absl::StripAsciiWhitespace(get("region"))));
    touch("region");
  }
  if (has("excluded_regions")) {
    child.clear_excluded_regions();
    for (std::string& r : SplitList(get("excluded_regions"))) {
      child.add_excluded_regions(std::move(r));
    }
    touch("excluded_regions");
  }
  if (has("hidden_from")) {
    child.clear_hidden_from();
    for (std::string& a : SplitList(get("hidden_from"))) {
      child.add_hidden_from(std::move(a));
    }
    touch("hidden_from");
  }
  const std::pair<const char*, google::type::Date* (v1::ChildJourney::*)()>
      kJourney[] = {
          {"entered_care", &v1::ChildJourney::mutable_entered_care},
          {"plan_for_adoption", &v1::ChildJourney::mutable_plan_for_adoption},
          {"shobpa_decision", &v1::ChildJourney::mutable_shobpa_decision},
          {"placement_order", &v1::ChildJourney::mutable_placement_order},
      };
  for (const auto& [column, field] : kJourney) {
    if (!has(column)) continue;
    if (absl::Status s = ParseDateInto(column, get(column),
                                       (child.mutable_journey()->*field)());
        !s.ok()) {
      return s;
    }
    touch("journey");
  }
  if (has("summary")) {
    child.set_summary(get("summary"));
    touch("summary");
  }
  return touched;
}

absl::StatusOr<std::vector<std::string>> AdopterFromText(
    const TextFields& fields, v1::Adopter& a) {
  absl::flat_hash_set<std::string> known(AdopterColumns().begin(),
                                         AdopterColumns().end());
  std::vector<std::string> touched;
  for (const auto& [column, value] : fields) {
    if (!known.contains(column)) {
      return CellError(column,
                       absl::StrCat("unknown column; expected one of: ",
                                    absl::StrJoin(AdopterColumns(), ", ")));
    }
    if (!IsUtf8(value)) return NotUtf8(column);
    touched.push_back(column);
  }
  auto has = [&](const char* c) { return fields.count(c) > 0; };
  auto get = [&](const char* c) -> const std::string& { return fields.at(c); };
  if (has("status")) {
    RAA_TRY(s, ParseEnumAs<v1::AdopterStatus>(v1::AdopterStatus_descriptor(),
                                              "status", get("status")));
    a.set_status(s);
  }
  const std::pair<const char*, google::type::Date* (v1::Adopter::*)()>
      kDates[] = {
          {"registered_interest_on",
           &v1::Adopter::mutable_registered_interest_on},
          {"applied_on", &v1::Adopter::mutable_applied_on},
          {"approved_on", &v1::Adopter::mutable_approved_on},
      };
  for (const auto& [column, field] : kDates) {
    if (!has(column)) continue;
    if (absl::Status s = ParseDateInto(column, get(column), (a.*field)());
        !s.ok()) {
      return s;
    }
  }
  const std::pair<const char*, void (v1::Adopter::*)(int32_t)> kInts[] = {
      {"approved_for", &v1::Adopter::set_approved_for},
      {"min_age_months", &v1::Adopter::set_min_age_months},
      {"max_age_months", &v1::Adopter::set_max_age_months},
  };
  for (const auto& [column, setter] : kInts) {
    if (!has(column)) continue;
    RAA_TRY(v, ParseInt(column, get(column)));
    (a.*setter)(v);
  }
  if (has("youngest_child_age_months")) {
    if (absl::StripAsciiWhitespace(get("youngest_child_age_months")).empty()) {
      a.clear_youngest_child_age_months();
    } else {
      RAA_TRY(v, ParseInt("youngest_child_age_months",
                          get("youngest_child_age_months")));
      a.set_youngest_child_age_months(v);
    }
  }
  if (has("sex_preference") &&
      !absl::StripAsciiWhitespace(get("sex_preference")).empty()) {
    RAA_TRY(s, ParseEnumAs<v1::SexPreference>(v1::SexPreference_descriptor(),
                                              "sex_preference",
                                              get("sex_preference")));
    a.set_sex_preference(s);
  }
  if (has("need_limits")) {
    a.clear_need_limits();
    for (const std::string& entry : SplitList(get("need_limits"))) {
      std::vector<std::string> parts = absl::StrSplit(entry, '=');
      if (parts.size() != 2) {
        return CellError(
            "need_limits",
            absl::StrCat("\"", entry, "\" is not <category>=<highest level>"));
      }
      RAA_TRY(category,
              ParseEnumAs<v1::NeedCategory>(v1::NeedCategory_descriptor(),
                                            "need_limits", parts[0]));
      RAA_TRY(level, ParseEnumAs<v1::NeedLevel>(v1::NeedLevel_descriptor(),
                                                "need_limits", parts[1]));
      v1::NeedLimit* limit = a.add_need_limits();
      limit->set_category(category);
      limit->set_max_level(level);
    }
  }
  if (has("heritage")) {
    a.clear_heritage();
    for (const std::string& h : SplitList(get("heritage"))) {
      RAA_TRY(v, ParseEnumAs<v1::Heritage>(v1::Heritage_descriptor(),
                                           "heritage", h));
      a.add_heritage(v);
    }
  }
  if (has("religion")) {
    if (absl::StripAsciiWhitespace(get("religion")).empty()) {
      a.clear_religion();
    } else {
      RAA_TRY(r, ParseEnumAs<v1::Religion>(v1::Religion_descriptor(),
                                           "religion", get("religion")));
      a.set_religion(r);
    }
  }
  if (has("languages")) {
    a.clear_languages();
    for (std::string& l : SplitList(get("languages"))) {
      a.add_languages(std::move(l));
    }
  }
  if (has("region")) {
    a.set_region(std::string(absl::StripAsciiWhitespace(get("region"))));
  }
  if (has("excluded_regions")) {
    a.clear_excluded_regions();
    for (std::string& r : SplitList(get("excluded_regions"))) {
      a.add_excluded_regions(std::move(r));
    }
  }
  if (has("dual_approved")) {
    RAA_TRY(b, ParseBool("dual_approved", get("dual_approved")));
    a.set_dual_approved(b);
  }
  if (has("fast_track") && !get("fast_track").empty()) {
    RAA_TRY(f, ParseEnumAs<v1::FastTrack>(v1::FastTrack_descriptor(),
                                          "fast_track", get("fast_track")));
    a.set_fast_track(f);
  }
  if (has("max_contact")) {
    RAA_TRY(c, ParseEnumAs<v1::ContactPlan>(v1::ContactPlan_descriptor(),
                                            "max_contact", get("max_contact")));
    a.set_max_contact(c);
  }
  return touched;
}

TextFields ChildToText(const v1::Child& child) {
  TextFields f;
  std::vector<std::string> ages, sexes, heritage, religion, language, needs;
  for (int i = 0; i < child.members_size(); ++i) {
    const v1::ChildMember& m = child.members(i);
    ages.push_back(absl::StrCat(m.age_months()));
    sexes.push_back(EnumLabel(v1::Sex_descriptor(), m.sex()));
    heritage.push_back(
        m.heritage() == 0 ? ""
                          : EnumLabel(v1::Heritage_descriptor(), m.heritage()));
    religion.push_back(
        m.religion() == 0 ? ""
                          : EnumLabel(v1::Religion_descriptor(), m.religion()));
    language.push_back(m.first_language());
    for (const v1::Need& n : m.needs()) {
      needs.push_back(absl::StrCat(
          i + 1, ":", EnumLabel(v1::NeedCategory_descriptor(), n.category()),
          "=", EnumLabel(v1::NeedLevel_descriptor(), n.level())));
    }
  }
  f["ages_as_of"] = FormatDate(child.ages_as_of());
  f["age_months"] = absl::StrJoin(ages, ";");
  f["sex"] = absl::StrJoin(sexes, ";");
  f["heritage"] = absl::StrJoin(heritage, ";");
  f["religion"] = absl::StrJoin(religion, ";");
  f["first_language"] = absl::StrJoin(language, ";");
  f["needs"] = absl::StrJoin(needs, ";");
  f["must_be_placed_together"] =
      child.must_be_placed_together() ? "true" : "false";
  f["contact_plan"] =
      EnumLabel(v1::ContactPlan_descriptor(), child.contact_plan());
  f["early_permanence"] =
      EnumLabel(v1::EarlyPermanence_descriptor(), child.early_permanence());
  f["region"] = child.region();
  f["excluded_regions"] = Join(child.excluded_regions());
  f["hidden_from"] = Join(child.hidden_from());
  f["entered_care"] = FormatDate(child.journey().entered_care());
  f["plan_for_adoption"] = FormatDate(child.journey().plan_for_adoption());
  f["shobpa_decision"] = FormatDate(child.journey().shobpa_decision());
  f["placement_order"] = FormatDate(child.journey().placement_order());
  f["summary"] = child.summary();
  return f;
}

TextFields AdopterToText(const v1::Adopter& a) {
  TextFields f;
  f["status"] = EnumLabel(v1::AdopterStatus_descriptor(), a.status());
  f["registered_interest_on"] = FormatDate(a.registered_interest_on());
  f["applied_on"] = FormatDate(a.applied_on());
  f["approved_on"] = FormatDate(a.approved_on());
  f["approved_for"] = absl::StrCat(a.approved_for());
  f["min_age_months"] = absl::StrCat(a.min_age_months());
  f["max_age_months"] = absl::StrCat(a.max_age_months());
  f["sex_preference"] =
      EnumLabel(v1::SexPreference_descriptor(), a.sex_preference());
  f["need_limits"] = absl::StrJoin(
      a.need_limits(), ";", [](std::string* out, const v1::NeedLimit& l) {
        absl::StrAppend(
            out, EnumLabel(v1::NeedCategory_descriptor(), l.category()), "=",
            EnumLabel(v1::NeedLevel_descriptor(), l.max_level()));
      });
  f["heritage"] = Labels(v1::Heritage_descriptor(), a.heritage());
  f["religion"] = a.religion() == 0
                      ? ""
                      : EnumLabel(v1::Religion_descriptor(), a.religion());
  f["languages"] = Join(a.languages());
  f["region"] = a.region();
  f["excluded_regions"] = Join(a.excluded_regions());
  f["dual_approved"] = a.dual_approved() ? "true" : "false";
  f["fast_track"] = EnumLabel(v1::FastTrack_descriptor(), a.fast_track());
  f["youngest_child_age_months"] =
      a.has_youngest_child_age_months()
          ? absl::StrCat(a.youngest_child_age_months())
          : "";
  f["max_contact"] = EnumLabel(v1::ContactPlan_descriptor(), a.max_contact());
  return f;
}

}  // namespace raa
