#include "clients/lib/profile_text.h"

#include <algorithm>

#include "absl/algorithm/container.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/dates.h"
#include "common/enum_names.h"
#include "common/errors.h"
#include "common/status_macros.h"

namespace raa {
namespace {

using google::protobuf::EnumDescriptor;

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

constexpr absl::string_view kNotUtf8 =
    "is not UTF-8 text: save the file as UTF-8 (in a spreadsheet, \"CSV "
    "UTF-8\")";

// "HELLO_WORLD" for "Hello, world!": letters and digits only, upper case.
std::string Squash(absl::string_view text) {
  std::string out;
  for (char c : text) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      out += absl::ascii_toupper(static_cast<unsigned char>(c));
    }
  }
  return out;
}

// Spreadsheet spellings that are not the value's own name, squashed, each
// with the value it stands for as users know it (LegacyEnumName).
const std::map<std::string, std::string, std::less<>>& Synonyms(
    const EnumDescriptor* type) {
  static const auto* const kSynonyms =
      new std::map<std::string,
                   std::map<std::string, std::string, std::less<>>>{
          {"raa.v1.ContactPlan",
           {{"FACETOFACE", "CONTACT_DIRECT"},
            {"DIRECTCONTACT", "CONTACT_DIRECT"},
            {"LETTERBOXCONTACT", "CONTACT_LETTERBOX"},
            {"LETTERBOXONLY", "CONTACT_LETTERBOX"},
            {"INDIRECT", "CONTACT_LETTERBOX"},
            {"INDIRECTCONTACT", "CONTACT_LETTERBOX"},
            {"NOCONTACT", "CONTACT_NONE"},
            {"NO", "CONTACT_NONE"}}},
          {"raa.v1.Sex",
           {{"F", "SEX_FEMALE"},
            {"M", "SEX_MALE"},
            {"GIRL", "SEX_FEMALE"},
            {"BOY", "SEX_MALE"}}},
          {"raa.v1.SexPreference",
           {{"EITHER", "SEX_PREFERENCE_ANY"},
            {"NOPREFERENCE", "SEX_PREFERENCE_ANY"},
            {"BOTH", "SEX_PREFERENCE_ANY"},
            {"F", "SEX_PREFERENCE_FEMALE"},
            {"M", "SEX_PREFERENCE_MALE"},
            {"GIRL", "SEX_PREFERENCE_FEMALE"},
            {"GIRLS", "SEX_PREFERENCE_FEMALE"},
            {"BOY", "SEX_PREFERENCE_MALE"},
            {"BOYS", "SEX_PREFERENCE_MALE"}}},
          {"raa.v1.Heritage",
           {{"ANYOTHERWHITEBACKGROUND", "WHITE_OTHER"},
            {"GYPSYORIRISHTRAVELLER", "WHITE_GYPSY_OR_IRISH_TRAVELLER"},
            {"TRAVELLEROFIRISHHERITAGE", "WHITE_GYPSY_OR_IRISH_TRAVELLER"},
            {"GYPSYROMA", "WHITE_ROMA"},
            {"ROMA", "WHITE_ROMA"},
            {"WHITEANDBLACKCARIBBEAN", "MIXED_WHITE_AND_BLACK_CARIBBEAN"},
            {"WHITEANDBLACKAFRICAN", "MIXED_WHITE_AND_BLACK_AFRICAN"},
            {"WHITEANDASIAN", "MIXED_WHITE_AND_ASIAN"},
            {"ANYOTHERMIXEDBACKGROUND", "MIXED_OTHER"},
            {"INDIAN", "ASIAN_INDIAN"},
            {"PAKISTANI", "ASIAN_PAKISTANI"},
            {"BANGLADESHI", "ASIAN_BANGLADESHI"},
            {"CHINESE", "ASIAN_CHINESE"},
            {"ANYOTHERASIANBACKGROUND", "ASIAN_OTHER"},
            {"AFRICAN", "BLACK_AFRICAN"},
            {"CARIBBEAN", "BLACK_CARIBBEAN"},
            {"ANYOTHERBLACKBACKGROUND", "BLACK_OTHER"},
            {"ARAB", "OTHER_ARAB"},
            {"ANYOTHERETHNICGROUP", "OTHER_ETHNIC_GROUP"},
            {"OTHER", "OTHER_ETHNIC_GROUP"}}},
          {"raa.v1.Religion",
           {{"NONE", "NO_RELIGION"},
            {"CHRISTIANITY", "CHRISTIAN"},
            {"ISLAM", "MUSLIM"},
            {"JUDAISM", "JEWISH"},
            {"HINDUISM", "HINDU"},
            {"SIKHISM", "SIKH"},
            {"BUDDHISM", "BUDDHIST"},
            {"OTHER", "OTHER_RELIGION"},
            {"ANYOTHERRELIGION", "OTHER_RELIGION"}}},
          {"raa.v1.EarlyPermanence",
           {{"FFA", "FOSTERING_FOR_ADOPTION"},
            {"FOSTERTOADOPT", "FOSTERING_FOR_ADOPTION"},
            {"CONCURRENT", "CONCURRENT_PLANNING"},
            {"NO", "EARLY_PERMANENCE_NONE"}}},
          {"raa.v1.FastTrack",
           {{"PREVIOUSADOPTERS", "FAST_TRACK_PREVIOUS_ADOPTER"},
            {"FOSTERCARER", "FAST_TRACK_APPROVED_FOSTER_CARER"},
            {"APPROVEDFOSTERCARERS", "FAST_TRACK_APPROVED_FOSTER_CARER"},
            {"NO", "FAST_TRACK_NONE"}}},
          {"raa.v1.AdopterStatus",
           {{"STAGE1", "ADOPTER_STAGE_ONE"}, {"STAGE2", "ADOPTER_STAGE_TWO"}}},
      };
  static const auto* const kNone =
      new std::map<std::string, std::string, std::less<>>();
  auto it = kSynonyms->find(type->full_name());
  return it == kSynonyms->end() ? *kNone : it->second;
}

// ONS census headings put the broad group first ("Asian or Asian British -
// Indian"): the short form is the enum's ("ASIAN_INDIAN").
std::string WithoutCensusPrefix(std::string squashed) {
  static const std::pair<absl::string_view, absl::string_view> kPrefixes[] = {
      {"ASIANORASIANBRITISH", "ASIAN"},
      {"ASIANWELSHORASIANBRITISH", "ASIAN"},
      {"BLACKAFRICANCARIBBEANORBLACKBRITISH", "BLACK"},
      {"BLACKORBLACKBRITISH", "BLACK"},
      {"MIXEDORMULTIPLEETHNICGROUPS", "MIXED"},
      {"MIXEDORMULTIPLEETHNICGROUP", "MIXED"},
      {"OTHERETHNICGROUP", "OTHER"},
  };
  for (const auto& [long_form, short_form] : kPrefixes) {
    if (absl::StartsWith(squashed, long_form) &&
        squashed.size() > long_form.size()) {
      return absl::StrCat(short_form, squashed.substr(long_form.size()));
    }
  }
  return squashed;
}

// One profile's cells as they are read: the errors of every cell collected,
// each under its column name.
class CellReader {
 public:
  explicit CellReader(const TextFields& fields) : fields_(fields) {}

  bool has(absl::string_view c) const {
    return fields_.find(std::string(c)) != fields_.end();
  }
  const std::string& get(absl::string_view c) const {
    return fields_.at(std::string(c));
  }
  void Error(absl::string_view column, absl::string_view why) {
    errors_.Add(column, why);
  }
  // "for child 2, " when the group has more than one child.
  static std::string Whose(size_t i, size_t group) {
    return group > 1 ? absl::StrCat("child ", i + 1, ": ") : "";
  }

  std::optional<bool> Bool(absl::string_view column, absl::string_view text) {
    std::string t = Squash(text);
    if (t == "TRUE" || t == "YES" || t == "Y" || t == "1") return true;
    if (t == "FALSE" || t == "NO" || t == "N" || t == "0" || t.empty()) {
      return false;
    }
    Error(column, absl::StrCat("\"", text, "\" is not yes or no"));
    return std::nullopt;
  }
  std::optional<int> Int(absl::string_view column, absl::string_view text,
                         absl::string_view whose = "") {
    int value = 0;
    if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &value)) {
      Error(column,
            absl::StrCat(whose, "\"", text, "\" is not a whole number"));
      return std::nullopt;
    }
    return value;
  }
  void Date(absl::string_view column, absl::string_view text,
            google::type::Date* date) {
    absl::string_view t = absl::StripAsciiWhitespace(text);
    if (t.empty()) {
      date->Clear();
      return;
    }
    std::optional<google::type::Date> parsed = ParseDate(t);
    if (!parsed) {
      Error(column,
            absl::StrCat("\"", text, "\" is not a date written YYYY-MM-DD"));
      return;
    }
    *date = *parsed;
  }
  template <typename E>
  std::optional<E> Enum(const EnumDescriptor* type, absl::string_view column,
                        absl::string_view text, absl::string_view whose = "") {
    absl::StatusOr<int> v = ParseEnum(type, text);
    if (!v.ok()) {
      Error(column, absl::StrCat(whose, v.status().message()));
      return std::nullopt;
    }
    return static_cast<E>(*v);
  }
  absl::Status Status() const { return errors_.ToStatus(); }

 private:
  const TextFields& fields_;
  FieldErrors errors_;
};

// Checks every column is known and UTF-8; the unknown ones in one error.
bool CheckColumns(const TextFields& fields,
                  const std::vector<std::string>& columns, CellReader& cells) {
  absl::flat_hash_set<std::string> known(columns.begin(), columns.end());
  std::vector<std::string> unknown;
  for (const auto& [column, value] : fields) {
    if (!known.contains(column)) {
      unknown.push_back(column);
    } else if (!IsUtf8(value)) {
      cells.Error(column, kNotUtf8);
    }
  }
  if (!unknown.empty()) {
    cells.Error(absl::StrJoin(unknown, ", "),
                absl::StrCat(
                    unknown.size() == 1 ? "is not a column" : "are not columns",
                    "; the columns are: ", absl::StrJoin(columns, ", ")));
  }
  return unknown.empty();
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

}  // namespace

const google::protobuf::Descriptor* MessageOf(const RecordFields& fields) {
  return &fields == &ChildFields() ? v1::Child::descriptor()
                                   : v1::Adopter::descriptor();
}

const google::protobuf::FieldDescriptor* FieldAt(
    const google::protobuf::Descriptor* message, absl::string_view path) {
  const google::protobuf::FieldDescriptor* field = nullptr;
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    if (message == nullptr) return nullptr;
    field = message->FindFieldByName(std::string(part));
    if (field == nullptr) return nullptr;
    message = field->message_type();
  }
  return field;
}

std::string ColumnHelp(const RecordFields& fields, const RecordField& field) {
  std::string text(field.help);
  if (!field.choices.empty()) {
    const google::protobuf::FieldDescriptor* choices =
        FieldAt(MessageOf(fields), field.choices);
    if (choices != nullptr && choices->enum_type() != nullptr) {
      absl::StrAppend(&text, text.empty() ? "" : " ",
                      EnumChoices(choices->enum_type()));
    }
  }
  return text;
}

std::string ColumnOfField(absl::string_view field, std::string& whose) {
  whose.clear();
  absl::ConsumePrefix(&field, "child.") ||
      absl::ConsumePrefix(&field, "adopter.");
  absl::ConsumePrefix(&field, "journey.");
  if (absl::ConsumePrefix(&field, "members[")) {
    size_t close = field.find(']');
    int index = 0;
    if (close != absl::string_view::npos &&
        absl::SimpleAtoi(field.substr(0, close), &index)) {
      whose = absl::StrCat("child ", index + 1);
    }
    field.remove_prefix(close == absl::string_view::npos ? field.size()
                                                         : close + 1);
    if (!absl::ConsumePrefix(&field, ".")) return "age_months";
    if (absl::StartsWith(field, "needs")) return "needs";
  } else if (field == "members") {
    return "age_months";
  }
  // "need_limits[0].category" and "heritage[2]": the list's column.
  size_t end = field.find_first_of("[.");
  return std::string(field.substr(0, end));
}

std::string ColumnName(absl::string_view header) {
  std::string name;
  for (char c : absl::StripAsciiWhitespace(header)) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      name += absl::ascii_tolower(static_cast<unsigned char>(c));
    } else if (!name.empty() && name.back() != '_') {
      name += '_';
    }
  }
  while (!name.empty() && name.back() == '_') name.pop_back();
  return name;
}

std::string EnumLabel(const EnumDescriptor* type, int value) {
  if (type->FindValueByNumber(value) == nullptr) return absl::StrCat(value);
  return absl::AsciiStrToLower(EnumValueSuffix(type, value));
}

std::string EnumChoices(const EnumDescriptor* type,
                        std::initializer_list<int> leave_out) {
  std::vector<std::string> labels;
  for (int i = 0; i < type->value_count(); ++i) {
    const int number = type->value(i)->number();
    if (number == 0 || absl::c_linear_search(leave_out, number)) continue;
    labels.push_back(EnumLabel(type, type->value(i)->number()));
  }
  if (labels.size() < 2) return absl::StrJoin(labels, "");
  std::string last = labels.back();
  labels.pop_back();
  return absl::StrCat(absl::StrJoin(labels, ", "), " or ", last);
}

absl::StatusOr<int> ParseEnum(const EnumDescriptor* type,
                              absl::string_view text) {
  std::string wanted = Squash(text);
  if (!wanted.empty()) {
    auto synonym = Synonyms(type).find(wanted);
    if (synonym != Synonyms(type).end()) wanted = Squash(synonym->second);
    if (type == v1::Heritage_descriptor()) {
      wanted = WithoutCensusPrefix(wanted);
      synonym = Synonyms(type).find(wanted);
      if (synonym != Synonyms(type).end()) wanted = Squash(synonym->second);
    }
    for (int i = 0; i < type->value_count(); ++i) {
      const auto* v = type->value(i);
      if (v->number() == 0) continue;
      if (wanted == Squash(v->name()) ||
          wanted == Squash(LegacyEnumName(type, v->number())) ||
          wanted == Squash(EnumLabel(type, v->number()))) {
        return v->number();
      }
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat("\"", text, "\" is not one of: ", EnumChoices(type)));
}

std::string FormatAgeMonths(int months) {
  return absl::StrCat(months / 12, "y ", months % 12, "m");
}

namespace {

// The update-mask paths of the columns read, each once, in the order read.
class MaskPaths {
 public:
  explicit MaskPaths(const RecordFields& fields) : fields_(fields) {}
  void Touch(absl::string_view column) {
    std::string path(fields_.Find(column)->mask_path);
    if (std::find(paths_.begin(), paths_.end(), path) == paths_.end()) {
      paths_.push_back(std::move(path));
    }
  }
  std::vector<std::string> paths() const { return paths_; }

 private:
  const RecordFields& fields_;
  std::vector<std::string> paths_;
};

// The columns with one entry per child of the group, ; between.
constexpr const char* kMemberColumns[] = {"age_months", "sex", "heritage",
                                          "religion", "first_language"};

// How many children the group has: as many as the ages given (an update may
// shrink it), else as the longest per-child list given, else as it had.
size_t GroupSize(const CellReader& cells, const v1::Child& child) {
  if (cells.has("age_months")) return SplitList(cells.get("age_months")).size();
  size_t group = child.members_size();
  for (const char* c : kMemberColumns) {
    if (cells.has(c)) group = std::max(group, SplitList(cells.get(c)).size());
  }
  return group;
}

// Reports each per-child list whose length is not the group's; returns those
// columns (their cells are not read, so each is reported once).
absl::flat_hash_set<std::string> CheckListLengths(CellReader& cells,
                                                  size_t group,
                                                  MaskPaths& touched) {
  absl::flat_hash_set<std::string> miscounted;
  for (const char* c : kMemberColumns) {
    if (!cells.has(c)) continue;
    touched.Touch(c);
    std::vector<std::string> list = SplitList(cells.get(c));
    if (!list.empty() && list.size() != group) {
      cells.Error(c,
                  absl::StrCat("lists ", list.size(),
                               list.size() == 1 ? " child" : " children",
                               "; age_months lists ", group,
                               ": give one entry per child, separated by ;"));
      miscounted.insert(c);
    }
  }
  return miscounted;
}

// The per-child columns onto the group's members, cell by cell.
void ReadMemberCells(CellReader& cells,
                     const absl::flat_hash_set<std::string>& miscounted,
                     size_t group, v1::Child& child) {
  auto each = [&](const char* c, auto&& apply) {
    if (!cells.has(c) || miscounted.contains(c)) return;
    std::vector<std::string> list = SplitList(cells.get(c));
    for (size_t i = 0; i < list.size() && i < group; ++i) {
      apply(*child.mutable_members(i), list[i], CellReader::Whose(i, group));
    }
  };
  using Cell = const std::string&;
  each("age_months", [&](v1::ChildMember& m, Cell cell, Cell whose) {
    if (auto age = cells.Int("age_months", cell, whose)) m.set_age_months(*age);
  });
  each("sex", [&](v1::ChildMember& m, Cell cell, Cell whose) {
    if (auto sex =
            cells.Enum<v1::Sex>(v1::Sex_descriptor(), "sex", cell, whose)) {
      m.set_sex(*sex);
    }
  });
  each("heritage", [&](v1::ChildMember& m, Cell cell, Cell whose) {
    if (cell.empty()) return;  // not recorded
    if (auto h = cells.Enum<v1::Heritage>(v1::Heritage_descriptor(), "heritage",
                                          cell, whose)) {
      m.set_heritage(*h);
    }
  });
  each("religion", [&](v1::ChildMember& m, Cell cell, Cell whose) {
    if (cell.empty()) return;  // not recorded
    if (auto r = cells.Enum<v1::Religion>(v1::Religion_descriptor(), "religion",
                                          cell, whose)) {
      m.set_religion(*r);
    }
  });
  each("first_language", [&](v1::ChildMember& m, Cell cell, Cell) {
    m.set_first_language(absl::AsciiStrToLower(cell));
  });
}

// The per-child columns: the group resized to the lists given, then each
// child's cells.
void ReadMembers(CellReader& cells, v1::Child& child, MaskPaths& touched) {
  const size_t group = GroupSize(cells, child);
  absl::flat_hash_set<std::string> miscounted =
      CheckListLengths(cells, group, touched);
  while (static_cast<size_t>(child.members_size()) < group) child.add_members();
  while (static_cast<size_t>(child.members_size()) > group) {
    child.mutable_members()->RemoveLast();
  }
  ReadMemberCells(cells, miscounted, group, child);
}

// "needs": "1:learning_disability=mild;2:attachment_difficulties=moderate",
// each child's needs replaced by those listed (the child number may be left
// out for a group of one).
void ReadNeeds(CellReader& cells, v1::Child& child, MaskPaths& touched) {
  if (!cells.has("needs")) return;
  touched.Touch("needs");
  for (v1::ChildMember& m : *child.mutable_members()) m.clear_needs();
  for (const std::string& entry : SplitList(cells.get("needs"))) {
    std::vector<std::string> parts =
        absl::StrSplit(entry, absl::ByAnyChar(":="));
    int position = 0;
    if (child.members_size() == 1 && parts.size() == 2) {
      parts.insert(parts.begin(), "1");  // one child: the number is optional
    }
    if (parts.size() != 3 || !absl::SimpleAtoi(parts[0], &position) ||
        position < 1 || position > child.members_size()) {
      cells.Error("needs",
                  absl::StrCat("\"", entry,
                               "\" is not <child number>:<category>=<level> "
                               "with a child number from 1 to ",
                               child.members_size()));
      continue;
    }
    auto category = cells.Enum<v1::NeedCategory>(v1::NeedCategory_descriptor(),
                                                 "needs", parts[1]);
    auto level = cells.Enum<v1::NeedLevel>(v1::NeedLevel_descriptor(), "needs",
                                           parts[2]);
    if (!category || !level) continue;
    v1::Need* need = child.mutable_members(position - 1)->add_needs();
    need->set_category(*category);
    need->set_level(*level);
  }
}

// The columns about the group as a whole and its placement.
void ReadPlacement(CellReader& cells, v1::Child& child, MaskPaths& touched) {
  auto has = [&](const char* c) { return cells.has(c); };
  auto get = [&](const char* c) -> const std::string& { return cells.get(c); };
  if (has("ages_as_of")) {
    cells.Date("ages_as_of", get("ages_as_of"), child.mutable_ages_as_of());
    touched.Touch("ages_as_of");
  }
  if (has("must_be_placed_together")) {
    if (auto b = cells.Bool("must_be_placed_together",
                            get("must_be_placed_together"))) {
      child.set_must_be_placed_together(*b);
    }
    touched.Touch("must_be_placed_together");
  }
  if (has("contact_plan")) {
    if (auto c =
            cells.Enum<v1::ContactPlan>(v1::ContactPlan_descriptor(),
                                        "contact_plan", get("contact_plan"))) {
      child.set_contact_plan(*c);
    }
    touched.Touch("contact_plan");
  }
  // A blank early-permanence cell changes nothing.
  if (has("early_permanence") &&
      !absl::StripAsciiWhitespace(get("early_permanence")).empty()) {
    if (auto e = cells.Enum<v1::EarlyPermanence>(
            v1::EarlyPermanence_descriptor(), "early_permanence",
            get("early_permanence"))) {
      child.set_early_permanence(*e);
    }
    touched.Touch("early_permanence");
  }
}

// Where the profile may be seen and matched: its region, the regions it
// excludes, the members it is hidden from.
void ReadReach(CellReader& cells, v1::Child& child, MaskPaths& touched) {
  if (cells.has("region")) {
    child.set_region(
        std::string(absl::StripAsciiWhitespace(cells.get("region"))));
    touched.Touch("region");
  }
  if (cells.has("excluded_regions")) {
    child.clear_excluded_regions();
    for (std::string& r : SplitList(cells.get("excluded_regions"))) {
      child.add_excluded_regions(std::move(r));
    }
    touched.Touch("excluded_regions");
  }
  if (cells.has("hidden_from")) {
    child.clear_hidden_from();
    for (std::string& a : SplitList(cells.get("hidden_from"))) {
      child.add_hidden_from(std::move(a));
    }
    touched.Touch("hidden_from");
  }
}

// The journey's dates.
void ReadJourney(CellReader& cells, v1::Child& child, MaskPaths& touched) {
  const std::pair<const char*, google::type::Date* (v1::ChildJourney::*)()>
      kJourney[] = {
          {"entered_care", &v1::ChildJourney::mutable_entered_care},
          {"plan_for_adoption", &v1::ChildJourney::mutable_plan_for_adoption},
          {"shobpa_decision", &v1::ChildJourney::mutable_shobpa_decision},
          {"placement_order", &v1::ChildJourney::mutable_placement_order},
      };
  for (const auto& [column, field] : kJourney) {
    if (!cells.has(column)) continue;
    cells.Date(column, cells.get(column), (child.mutable_journey()->*field)());
    touched.Touch(column);
  }
}

// The household's status and the dates of its approval.
void ReadApproval(CellReader& cells, v1::Adopter& a) {
  if (cells.has("status")) {
    if (auto s = cells.Enum<v1::AdopterStatus>(v1::AdopterStatus_descriptor(),
                                               "status", cells.get("status"))) {
      a.set_status(*s);
    }
  }
  const std::pair<const char*, google::type::Date* (v1::Adopter::*)()>
      kDates[] = {
          {"registered_interest_on",
           &v1::Adopter::mutable_registered_interest_on},
          {"applied_on", &v1::Adopter::mutable_applied_on},
          {"approved_on", &v1::Adopter::mutable_approved_on},
      };
  for (const auto& [column, field] : kDates) {
    if (cells.has(column)) cells.Date(column, cells.get(column), (a.*field)());
  }
}

// How many children, of what ages, and the youngest child at home.
void ReadCapacity(CellReader& cells, v1::Adopter& a) {
  const std::pair<const char*, void (v1::Adopter::*)(int32_t)> kInts[] = {
      {"approved_for", &v1::Adopter::set_approved_for},
      {"min_age_months", &v1::Adopter::set_min_age_months},
      {"max_age_months", &v1::Adopter::set_max_age_months},
  };
  for (const auto& [column, setter] : kInts) {
    if (!cells.has(column)) continue;
    if (auto v = cells.Int(column, cells.get(column))) (a.*setter)(*v);
  }
  if (cells.has("youngest_child_age_months")) {
    const std::string& cell = cells.get("youngest_child_age_months");
    if (absl::StripAsciiWhitespace(cell).empty()) {
      a.clear_youngest_child_age_months();
    } else if (auto v = cells.Int("youngest_child_age_months", cell)) {
      a.set_youngest_child_age_months(*v);
    }
  }
}

// "need_limits": "learning_disability=moderate;physical_disability=mild".
void ReadNeedLimits(CellReader& cells, v1::Adopter& a) {
  if (!cells.has("need_limits")) return;
  a.clear_need_limits();
  for (const std::string& entry : SplitList(cells.get("need_limits"))) {
    std::vector<std::string> parts = absl::StrSplit(entry, '=');
    if (parts.size() != 2) {
      cells.Error(
          "need_limits",
          absl::StrCat("\"", entry, "\" is not <category>=<highest level>"));
      continue;
    }
    auto category = cells.Enum<v1::NeedCategory>(v1::NeedCategory_descriptor(),
                                                 "need_limits", parts[0]);
    auto level = cells.Enum<v1::NeedLevel>(v1::NeedLevel_descriptor(),
                                           "need_limits", parts[1]);
    if (!category || !level) continue;
    v1::NeedLimit* limit = a.add_need_limits();
    limit->set_category(*category);
    limit->set_max_level(*level);
  }
}

// Who the household is: heritage, religion, languages.
void ReadIdentity(CellReader& cells, v1::Adopter& a) {
  if (cells.has("heritage")) {
    a.clear_heritage();
    for (const std::string& h : SplitList(cells.get("heritage"))) {
      if (auto v = cells.Enum<v1::Heritage>(v1::Heritage_descriptor(),
                                            "heritage", h)) {
        a.add_heritage(*v);
      }
    }
  }
  if (cells.has("religion")) {
    const std::string& cell = cells.get("religion");
    if (absl::StripAsciiWhitespace(cell).empty()) {
      a.clear_religion();
    } else if (auto r = cells.Enum<v1::Religion>(v1::Religion_descriptor(),
                                                 "religion", cell)) {
      a.set_religion(*r);
    }
  }
  if (cells.has("languages")) {
    a.clear_languages();
    for (std::string& l : SplitList(cells.get("languages"))) {
      a.add_languages(absl::AsciiStrToLower(l));
    }
  }
}

// Where the household may be matched, and what else it offers: regions,
// dual approval, fast track, the most contact it can support.
void ReadReachAndOffer(CellReader& cells, v1::Adopter& a) {
  auto has = [&](const char* c) { return cells.has(c); };
  auto get = [&](const char* c) -> const std::string& { return cells.get(c); };
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
    if (auto b = cells.Bool("dual_approved", get("dual_approved"))) {
      a.set_dual_approved(*b);
    }
  }
  if (has("fast_track") &&
      !absl::StripAsciiWhitespace(get("fast_track")).empty()) {
    if (auto f = cells.Enum<v1::FastTrack>(v1::FastTrack_descriptor(),
                                           "fast_track", get("fast_track"))) {
      a.set_fast_track(*f);
    }
  }
  if (has("max_contact")) {
    if (auto c = cells.Enum<v1::ContactPlan>(
            v1::ContactPlan_descriptor(), "max_contact", get("max_contact"))) {
      a.set_max_contact(*c);
    }
  }
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ChildFromText(const TextFields& fields,
                                                       v1::Child& child) {
  CellReader cells(fields);
  if (!CheckColumns(fields, ChildFields().Columns(), cells)) {
    return cells.Status();
  }
  MaskPaths touched(ChildFields());
  ReadMembers(cells, child, touched);
  ReadNeeds(cells, child, touched);
  ReadPlacement(cells, child, touched);
  ReadReach(cells, child, touched);
  ReadJourney(cells, child, touched);
  if (cells.has("summary")) {
    child.set_summary(cells.get("summary"));
    touched.Touch("summary");
  }
  RETURN_IF_ERROR(cells.Status());
  return touched.paths();
}

absl::StatusOr<std::vector<std::string>> AdopterFromText(
    const TextFields& fields, v1::Adopter& a) {
  CellReader cells(fields);
  if (!CheckColumns(fields, AdopterFields().Columns(), cells)) {
    return cells.Status();
  }
  // Every column given is named, even a blank one that leaves its field.
  MaskPaths touched(AdopterFields());
  for (const auto& [column, value] : fields) touched.Touch(column);
  ReadApproval(cells, a);
  ReadCapacity(cells, a);
  if (cells.has("sex_preference") &&
      !absl::StripAsciiWhitespace(cells.get("sex_preference")).empty()) {
    if (auto s = cells.Enum<v1::SexPreference>(v1::SexPreference_descriptor(),
                                               "sex_preference",
                                               cells.get("sex_preference"))) {
      a.set_sex_preference(*s);
    }
  }
  ReadNeedLimits(cells, a);
  ReadIdentity(cells, a);
  ReadReachAndOffer(cells, a);
  RETURN_IF_ERROR(cells.Status());
  return touched.paths();
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
