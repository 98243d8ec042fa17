#include "clients/lib/journey_file.h"

#include <algorithm>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/dates.h"
#include "common/errors.h"
#include "common/utf8.h"
#include "nlohmann/json.hpp"

namespace raa {
namespace {

struct StepColumnName {
  v1::LinkStep step;
  const char* column;
};
constexpr StepColumnName kSteps[] = {
    {v1::LINK_STEP_OPENED, "opened"},
    {v1::LINK_STEP_LINKING_MEETING, "linking_meeting"},
    {v1::LINK_STEP_PAPERS_TO_PANEL, "papers_to_panel"},
    {v1::LINK_STEP_PANEL_RECOMMENDED, "panel_recommended"},
    {v1::LINK_STEP_MATCH_DECIDED, "match_decided"},
    {v1::LINK_STEP_PLACED, "placed"},
    {v1::LINK_STEP_ORDER_APPLIED, "order_applied"},
    {v1::LINK_STEP_ORDER_GRANTED, "order_granted"},
};

constexpr const char* kLinkOnly[] = {
    "child",     "adopter",    "placement_kind", "close_reason",
    "closed_on", "close_note", "override_reason"};
constexpr const char* kMilestoneOnly[] = {"record", "milestone", "date",
                                          "reason"};

constexpr size_t kMaxOverrideReason = 500;
constexpr size_t kMaxCloseNote = 1000;
constexpr size_t kMaxReason = 500;

std::string Cell(const TextFields& fields, const std::string& column) {
  auto it = fields.find(column);
  if (it == fields.end()) return "";
  return std::string(absl::StripAsciiWhitespace(it->second));
}

// "authorities/a/children/c1" from that or "a/children/c1"; nullopt if it
// is neither (`collection` "children" or "adopters").
std::optional<std::string> RecordName(const std::string& text,
                                      absl::string_view collection) {
  std::string name = absl::StartsWith(text, "authorities/")
                         ? text
                         : absl::StrCat("authorities/", text);
  std::vector<std::string> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != "authorities" || parts[1].empty() ||
      parts[2] != collection || parts[3].empty()) {
    return std::nullopt;
  }
  return name;
}

// Characters, not bytes (UTF-8 continuation bytes do not count).
size_t Characters(absl::string_view text) {
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

std::string Hashed(absl::string_view prefix, absl::string_view key) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : key) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return absl::StrFormat("%s-%016x-%d", prefix, hash, key.size());
}

std::string LinkKey(const JourneyLinkRow& row) {
  return absl::StrCat(row.child, "|", row.adopter, "|",
                      row.steps.empty() ? "" : FormatDate(row.steps[0].second),
                      "|", static_cast<int>(row.placement_kind));
}

}  // namespace

const std::vector<std::string>& JourneyColumns() {
  static const std::vector<std::string>* columns = [] {
    auto* c = new std::vector<std::string>{"type", "child", "adopter",
                                           "placement_kind"};
    for (const StepColumnName& s : kSteps) c->push_back(s.column);
    for (const char* name :
         {"close_reason", "closed_on", "close_note", "override_reason",
          "record", "milestone", "date", "reason"}) {
      c->push_back(name);
    }
    return c;
  }();
  return *columns;
}

std::string StepColumn(v1::LinkStep step) {
  for (const StepColumnName& s : kSteps) {
    if (s.step == step) return s.column;
  }
  return "step";
}

absl::StatusOr<JourneyRow> JourneyRowFromText(const TextFields& fields,
                                              absl::CivilDay today) {
  FieldErrors errors;
  std::vector<std::string> unknown;
  for (const auto& [column, value] : fields) {
    const auto& known = JourneyColumns();
    if (std::find(known.begin(), known.end(), column) == known.end()) {
      unknown.push_back(column);
    }
  }
  for (const std::string& column : unknown) {
    errors.Add(column, "is not a column of a journeys file");
  }
  // Checked before any call: a row is sent whole or not at all.
  for (const auto& [column, value] : fields) {
    if (!IsValidUtf8(value)) {
      errors.Add(column, "is not UTF-8: save the file as \"CSV UTF-8\"");
    }
  }
  // A date cell: nullopt when empty or bad (bad ones are reported).
  auto date =
      [&](const std::string& column) -> std::optional<google::type::Date> {
    std::string text = Cell(fields, column);
    if (text.empty()) return std::nullopt;
    std::optional<google::type::Date> d = ParseDate(text);
    if (!d.has_value()) {
      errors.Add(column, absl::StrCat("\"", text,
                                      "\" is not a date: write YYYY-MM-DD"));
      return std::nullopt;
    }
    if (*ToCivilDay(*d) > today) {
      errors.Add(column, absl::StrCat(text, " is in the future"));
      return std::nullopt;
    }
    return d;
  };
  auto text_limit = [&](const std::string& column, size_t limit) {
    std::string text = Cell(fields, column);
    if (Characters(text) > limit) {
      errors.Add(column, absl::StrCat("has ", Characters(text),
                                      " characters; at most ", limit));
    }
    return text;
  };

  JourneyRow row;
  std::string type = absl::AsciiStrToLower(Cell(fields, "type"));
  if (type.empty())
    type = Cell(fields, "milestone").empty() ? "link" : "milestone";
  if (type != "link" && type != "milestone") {
    errors.Add("type", absl::StrCat("\"", Cell(fields, "type"),
                                    "\" is not a row type: link or milestone"));
    return errors.ToStatus();
  }
  row.type = type == "link" ? JourneyRow::kLink : JourneyRow::kMilestone;
  for (const char* column :
       row.type == JourneyRow::kLink
           ? std::vector<const char*>(std::begin(kMilestoneOnly),
                                      std::end(kMilestoneOnly))
           : std::vector<const char*>(std::begin(kLinkOnly),
                                      std::end(kLinkOnly))) {
    if (!Cell(fields, column).empty()) {
      errors.Add(column,
                 absl::StrCat("belongs to ",
                              row.type == JourneyRow::kLink
                                  ? "milestone rows; this is a link row"
                                  : "link rows; this is a milestone row"));
    }
  }
  if (row.type == JourneyRow::kMilestone) {
    for (const StepColumnName& s : kSteps) {
      if (!Cell(fields, s.column).empty()) {
        errors.Add(s.column, "belongs to link rows; this is a milestone row");
      }
    }
    JourneyMilestoneRow& m = row.milestone;
    std::string record = Cell(fields, "record");
    if (record.empty()) {
      errors.Add("record", "is required: the child profile or household");
    } else if (auto child = RecordName(record, "children")) {
      m.record = *child;
    } else if (auto household = RecordName(record, "adopters")) {
      m.record = *household;
    } else {
      errors.Add("record",
                 absl::StrCat("\"", record,
                              "\" is not authorities/{authority}/children/{c} "
                              "or authorities/{authority}/adopters/{h}"));
    }
    std::string kind = Cell(fields, "milestone");
    if (kind.empty()) {
      errors.Add("milestone", "is required");
    } else if (absl::StatusOr<int> k =
                   ParseEnum(v1::MilestoneKind_descriptor(), kind);
               !k.ok()) {
      errors.Add("milestone", k.status().message());
    } else {
      m.kind = static_cast<v1::MilestoneKind>(*k);
      bool household = *k >= v1::MILESTONE_KIND_REGISTRATION_OF_INTEREST;
      if (!m.record.empty() &&
          household != absl::StrContains(m.record, "/adopters/")) {
        errors.Add(
            "milestone",
            absl::StrCat(kind, household ? " is a household's milestone; "
                                           "record names a child profile"
                                         : " is a child's milestone; record "
                                           "names a household"));
      }
    }
    if (std::optional<google::type::Date> d = date("date")) {
      m.date = *d;
    } else if (Cell(fields, "date").empty()) {
      errors.Add("date", "is required");
    }
    m.reason = text_limit("reason", kMaxReason);
    if (!errors.empty()) return errors.ToStatus();
    return row;
  }

  JourneyLinkRow& link = row.link;
  std::string child = Cell(fields, "child");
  if (child.empty()) {
    errors.Add("child", "is required: authorities/{authority}/children/{c}");
  } else if (auto name = RecordName(child, "children")) {
    link.child = *name;
  } else {
    errors.Add("child", absl::StrCat("\"", child,
                                     "\" is not authorities/{authority}/"
                                     "children/{c}"));
  }
  std::string adopter = Cell(fields, "adopter");
  if (adopter.empty()) {
    errors.Add("adopter", "is required: authorities/{authority}/adopters/{h}");
  } else if (auto name = RecordName(adopter, "adopters")) {
    link.adopter = *name;
  } else {
    errors.Add("adopter", absl::StrCat("\"", adopter,
                                       "\" is not authorities/{authority}/"
                                       "adopters/{h}"));
  }
  if (std::string kind = Cell(fields, "placement_kind"); !kind.empty()) {
    absl::StatusOr<int> k = ParseEnum(v1::PlacementKind_descriptor(), kind);
    if (k.ok()) {
      link.placement_kind = static_cast<v1::PlacementKind>(*k);
    } else {
      errors.Add("placement_kind", k.status().message());
    }
  }

  // The steps: each reached one in order, none missing before a later one.
  std::string gap;  // the first empty step column
  bool bad_date = false;
  for (const StepColumnName& s : kSteps) {
    std::string text = Cell(fields, s.column);
    if (text.empty()) {
      if (gap.empty()) gap = s.column;
      continue;
    }
    std::optional<google::type::Date> d = date(s.column);
    if (!d.has_value()) {
      bad_date = true;
      continue;
    }
    if (!gap.empty()) {
      errors.Add(gap, absl::StrCat("is empty but ", s.column,
                                   " is set: a link reaches its steps in "
                                   "order (opened, linking_meeting, "
                                   "papers_to_panel, panel_recommended, "
                                   "match_decided, placed, order_applied, "
                                   "order_granted)"));
      gap.clear();
      bad_date = true;
      continue;
    }
    // Each step is dated on or after every step before it, except that an
    // early-permanence link's `placed` (the start of the foster placement)
    // is bounded by `opened` only, as the server's link rules say.
    const bool early =
        link.placement_kind == v1::PLACEMENT_KIND_FOSTERING_FOR_ADOPTION ||
        link.placement_kind == v1::PLACEMENT_KIND_CONCURRENT_PLANNING;
    // The nearest step before it first, so the problem names the step it
    // should follow.
    for (auto prev = link.steps.rbegin(); prev != link.steps.rend(); ++prev) {
      const auto& [prev_step, prev_date] = *prev;
      if (bad_date) break;
      if (early && s.step == v1::LINK_STEP_PLACED &&
          prev_step != v1::LINK_STEP_OPENED) {
        continue;
      }
      if (DayNumber(*d) < DayNumber(prev_date)) {
        errors.Add(s.column, absl::StrCat(FormatDate(*d), " is before ",
                                          StepColumn(prev_step), " (",
                                          FormatDate(prev_date), ")"));
        break;
      }
    }
    link.steps.emplace_back(s.step, *d);
  }
  if (Cell(fields, "opened").empty()) {
    errors.Add("opened", "is required: the date the link was opened");
  }

  std::string reason = Cell(fields, "close_reason");
  std::optional<google::type::Date> closed_on = date("closed_on");
  link.close_note = text_limit("close_note", kMaxCloseNote);
  if (reason.empty()) {
    if (!Cell(fields, "closed_on").empty() || !link.close_note.empty()) {
      errors.Add("close_reason",
                 "is required when closed_on or close_note is given");
    }
  } else if (absl::StatusOr<int> r =
                 ParseEnum(v1::CloseReason_descriptor(), reason);
             !r.ok()) {
    // The reasons a person gives: the service sets the other two.
    errors.Add(
        "close_reason",
        absl::StrCat(
            "\"", reason, "\" is not one of: ",
            EnumChoices(v1::CloseReason_descriptor(),
                        {v1::CLOSE_REASON_CHILD_MATCHED_ELSEWHERE,
                         v1::CLOSE_REASON_HOUSEHOLD_MATCHED_ELSEWHERE})));
  } else {
    link.close_reason = static_cast<v1::CloseReason>(*r);
    if (*r == v1::CLOSE_REASON_CHILD_MATCHED_ELSEWHERE ||
        *r == v1::CLOSE_REASON_HOUSEHOLD_MATCHED_ELSEWHERE) {
      errors.Add("close_reason",
                 "is set by the service only (when another link reaches "
                 "match_decided); leave it out");
    }
    if (!Cell(fields, "order_granted").empty()) {
      errors.Add("close_reason",
                 "a link cannot close once the order is granted");
    }
    if (*r == v1::CLOSE_REASON_DISRUPTION && Cell(fields, "placed").empty()) {
      errors.Add("close_reason", "disruption needs a placed date");
    }
    if (closed_on.has_value()) {
      link.closed_on = *closed_on;
      if (!link.steps.empty() && !bad_date &&
          DayNumber(*closed_on) < DayNumber(link.steps.back().second)) {
        errors.Add("closed_on",
                   absl::StrCat(FormatDate(*closed_on), " is before ",
                                StepColumn(link.steps.back().first), " (",
                                FormatDate(link.steps.back().second), ")"));
      }
    } else if (Cell(fields, "closed_on").empty()) {
      errors.Add("closed_on", "is required with close_reason");
    }
  }
  link.override_reason = text_limit("override_reason", kMaxOverrideReason);
  if (!errors.empty()) return errors.ToStatus();
  return row;
}

absl::StatusOr<TextFields> JourneyFieldsFromJson(const std::string& json) {
  nlohmann::json doc =
      nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return absl::InvalidArgumentError("is not a JSON object");
  }
  TextFields fields;
  FieldErrors errors;
  for (const auto& [key, value] : doc.items()) {
    std::string column = ColumnName(key);
    if (value.is_string()) {
      fields[column] = value.get<std::string>();
    } else if (value.is_null()) {
      fields[column] = "";
    } else {
      errors.Add(column, "must be a string (dates as \"YYYY-MM-DD\")");
    }
  }
  if (!errors.empty()) return errors.ToStatus();
  return fields;
}

std::string OpenLinkRequestId(const JourneyLinkRow& row, bool override) {
  return Hashed(override ? "journey-open-override" : "journey-open",
                LinkKey(row));
}

std::string AdvanceLinkRequestId(const JourneyLinkRow& row, v1::LinkStep step) {
  std::string date;
  for (const auto& [s, d] : row.steps) {
    if (s == step) date = FormatDate(d);
  }
  return Hashed(absl::StrCat("journey-step", static_cast<int>(step)),
                absl::StrCat(LinkKey(row), "|", date));
}

std::string CloseLinkRequestId(const JourneyLinkRow& row) {
  return Hashed(
      "journey-close",
      absl::StrCat(LinkKey(row), "|", static_cast<int>(row.close_reason), "|",
                   FormatDate(row.closed_on), "|", row.close_note));
}

std::string MilestoneRequestId(const JourneyMilestoneRow& row) {
  return Hashed("journey-milestone",
                absl::StrCat(row.record, "|", static_cast<int>(row.kind), "|",
                             FormatDate(row.date), "|", row.reason));
}

}  // namespace raa
