#include "services/journey/link_rules.h"

#include <algorithm>
#include <iterator>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "common/enum_names.h"
#include "common/errors.h"

namespace raa::link_rules {
namespace {

// FAILED_PRECONDITION naming `field`, with the same BadRequest detail as
// bad input: the request is well formed but the link's state refuses it.
absl::Status Refused(absl::string_view field, absl::string_view why) {
  absl::Status invalid = InvalidField(field, why);
  absl::Status out(absl::StatusCode::kFailedPrecondition, invalid.message());
  invalid.ForEachPayload([&](absl::string_view url, const absl::Cord& payload) {
    out.SetPayload(url, payload);
  });
  return out;
}

std::string Day(absl::CivilDay day) { return absl::FormatCivilTime(day); }

bool Known(v1::LinkStep step) {
  return step > v1::LINK_STEP_UNSPECIFIED &&
         step <= v1::LINK_STEP_ORDER_GRANTED;
}

// A date `step`'s date may not be before, and what that date is.
struct Floor {
  absl::CivilDay date;
  std::string what;
};
// The later of `floor` and `date` (if set).
void AtLeast(std::optional<Floor>& floor, std::optional<absl::CivilDay> date,
             absl::string_view what) {
  if (date.has_value() && (!floor.has_value() || *date > floor->date)) {
    floor = Floor{*date, std::string(what)};
  }
}

// The latest of the records' dates that `step` depends on, if any.
std::optional<Floor> RecordFloor(const LinkFacts& link, v1::LinkStep step,
                                 const RecordDates& records) {
  const bool early = IsEarlyPermanence(link.placement_kind);
  std::optional<Floor> floor;
  switch (step) {
    case v1::LINK_STEP_OPENED:
      AtLeast(floor, records.approved_on, "the household's approval");
      // Early permanence may be planned before the child is born.
      if (!early)
        AtLeast(floor, records.entered_care, "the child entering care");
      break;
    case v1::LINK_STEP_MATCH_DECIDED:
      if (!early)
        AtLeast(floor, records.placement_order, "the child's placement order");
      break;
    case v1::LINK_STEP_PLACED:
      if (early)
        AtLeast(floor, records.entered_care, "the child entering care");
      break;
    default:
      break;
  }
  return floor;
}

// The dependencies of `step`'s date other than its neighbours: the latest
// date it may not be before, and what that date is, if any.
std::optional<Floor> DependencyFloor(const LinkFacts& link, v1::LinkStep step,
                                     const RecordDates& records) {
  std::optional<Floor> floor = RecordFloor(link, step, records);
  if (step == v1::LINK_STEP_PLACED) {
    const v1::LinkStep after = IsEarlyPermanence(link.placement_kind)
                                   ? v1::LINK_STEP_OPENED
                                   : v1::LINK_STEP_MATCH_DECIDED;
    AtLeast(floor, link.DateOf(after), StepWords(after));
  }
  return floor;
}

// Whether step `earlier` (recorded before `later` in the sequence) must also
// be dated on or before it. Always, except for an early-permanence link's
// PLACED: the child moved in as a foster placement, which may come before the
// linking meeting, the panel and the match; only OPENED bounds it (see
// DependencyFloor).
bool DatesOrdered(const LinkFacts& link, v1::LinkStep earlier,
                  v1::LinkStep later) {
  if (IsEarlyPermanence(link.placement_kind) && later == v1::LINK_STEP_PLACED &&
      earlier != v1::LINK_STEP_OPENED) {
    return false;
  }
  return true;
}

// A step as the event it records, for messages: "the match decision".
std::string StepEvent(v1::LinkStep step) {
  switch (step) {
    case v1::LINK_STEP_OPENED:
      return "the opening";
    case v1::LINK_STEP_MATCH_DECIDED:
      return "the match decision";
    case v1::LINK_STEP_PLACED:
      return "the placement";
    default:
      return StepWords(step);
  }
}

absl::Status NotInFuture(absl::CivilDay date, absl::CivilDay today,
                         absl::string_view field) {
  if (date > today) {
    return InvalidField(field, absl::StrCat(Day(date), " is in the future"));
  }
  return absl::OkStatus();
}

}  // namespace

std::optional<absl::CivilDay> LinkFacts::DateOf(v1::LinkStep step) const {
  for (const StepDate& s : steps) {
    if (s.step == step) return s.date;
  }
  return std::nullopt;
}

bool IsEarlyPermanence(v1::PlacementKind kind) {
  return kind == v1::PLACEMENT_KIND_FOSTERING_FOR_ADOPTION ||
         kind == v1::PLACEMENT_KIND_CONCURRENT_PLANNING;
}

std::string StepWords(v1::LinkStep step) {
  return absl::StrReplaceAll(
      absl::AsciiStrToLower(EnumValueSuffix(v1::LinkStep_descriptor(), step)),
      {{"_", " "}});
}

// ---- the transition table ----

bool MayFollow(v1::LinkStep current, v1::LinkStep next) {
  return Known(current) && Known(next) && next == current + 1;
}

absl::Status CheckNextStep(const LinkFacts& link, v1::LinkStep step) {
  if (!Known(step)) {
    return InvalidField("step",
                        "give the step to record (linking meeting to "
                        "order granted)");
  }
  if (step == v1::LINK_STEP_OPENED) {
    return InvalidField("step",
                        "a link is opened by OpenLink, not advanced "
                        "to opened");
  }
  if (link.state != v1::LINK_STATE_OPEN) {
    return Refused("step", link.state == v1::LINK_STATE_ADOPTED
                               ? "the adoption order was granted: the link "
                                 "has no further step"
                               : "the link is closed");
  }
  if (!MayFollow(link.step(), step)) {
    const v1::LinkStep next = static_cast<v1::LinkStep>(link.step() + 1);
    return Refused(
        "step", absl::StrCat("the link is at ", StepWords(link.step()),
                             ": the next step is ", StepWords(next), ", not ",
                             StepWords(step)));
  }
  return absl::OkStatus();
}

bool IsCloseReasonForPeople(v1::CloseReason reason) {
  return reason > v1::CLOSE_REASON_UNSPECIFIED &&
         reason <= v1::CLOSE_REASON_AUTHORITY_WITHDREW;
}

absl::Status CheckClose(const LinkFacts& link, v1::CloseReason reason) {
  if (reason == v1::CLOSE_REASON_CHILD_MATCHED_ELSEWHERE ||
      reason == v1::CLOSE_REASON_HOUSEHOLD_MATCHED_ELSEWHERE) {
    return InvalidField("reason",
                        "is set by the service only, when another link "
                        "reaches match decided");
  }
  if (!IsCloseReasonForPeople(reason)) {
    return InvalidField("reason", "give why the link closes");
  }
  if (link.state == v1::LINK_STATE_ADOPTED) {
    return Refused("reason",
                   "the adoption order was granted: the link cannot close");
  }
  if (link.state != v1::LINK_STATE_OPEN) {
    return Refused("reason", "the link is already closed");
  }
  if (reason == v1::CLOSE_REASON_DISRUPTION &&
      link.step() < v1::LINK_STEP_PLACED) {
    return Refused("reason",
                   absl::StrCat("a disruption needs a placement: the link is "
                                "at ",
                                StepWords(link.step())));
  }
  return absl::OkStatus();
}

// ---- date order ----

absl::Status CheckOpenedDate(absl::CivilDay date, absl::CivilDay today) {
  return NotInFuture(date, today, "opened_on");
}

absl::Status CheckStepDate(const LinkFacts& link, v1::LinkStep step,
                           absl::CivilDay date, absl::CivilDay today,
                           const RecordDates& records,
                           absl::string_view field) {
  if (absl::Status s = NotInFuture(date, today, field); !s.ok()) return s;
  for (const StepDate& before : link.steps) {
    if (DatesOrdered(link, before.step, step) && date < before.date) {
      return Refused(
          field, absl::StrCat(Day(date), " is before ", StepWords(before.step),
                              " (", Day(before.date), ")"));
    }
  }
  if (std::optional<Floor> floor = DependencyFloor(link, step, records);
      floor.has_value() && date < floor->date) {
    return Refused(
        field, absl::StrCat(StepWords(step), " on ", Day(date), " is before ",
                            floor->what, " (", Day(floor->date), ")"));
  }
  return absl::OkStatus();
}

absl::Status CheckCloseDate(const LinkFacts& link, absl::CivilDay date,
                            absl::CivilDay today) {
  if (absl::Status s = NotInFuture(date, today, "date"); !s.ok()) return s;
  for (const StepDate& step : link.steps) {
    if (date < step.date) {
      return Refused(
          "date", absl::StrCat(Day(date), " is before ", StepWords(step.step),
                               " (", Day(step.date), ")"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckCorrection(const LinkFacts& link, v1::LinkStep step,
                             absl::CivilDay new_date, absl::CivilDay today,
                             const RecordDates& records) {
  if (!Known(step)) return InvalidField("step", "give the step to correct");
  auto it = std::find_if(link.steps.begin(), link.steps.end(),
                         [&](const StepDate& s) { return s.step == step; });
  if (it == link.steps.end()) {
    return Refused("step", absl::StrCat("the link has no ", StepWords(step),
                                        " step to correct"));
  }
  if (step == v1::LINK_STEP_OPENED && link.state == v1::LINK_STATE_CLOSED) {
    return Refused("step", "the link is closed: the date it was opened stays");
  }
  if (absl::Status s = NotInFuture(new_date, today, "new_date"); !s.ok()) {
    return s;
  }
  if (new_date == it->date) {
    return InvalidField(
        "new_date", absl::StrCat("is already ", StepWords(step), "'s date (",
                                 Day(new_date), ")"));
  }
  for (auto other = link.steps.begin(); other != link.steps.end(); ++other) {
    if (other < it && DatesOrdered(link, other->step, step) &&
        new_date < other->date) {
      return Refused("new_date", absl::StrCat(Day(new_date), " is before ",
                                              StepWords(other->step), " (",
                                              Day(other->date), ")"));
    }
    if (other > it && DatesOrdered(link, step, other->step) &&
        new_date > other->date) {
      return Refused("new_date", absl::StrCat(Day(new_date), " is after ",
                                              StepWords(other->step), " (",
                                              Day(other->date), ")"));
    }
  }
  if (std::next(it) == link.steps.end() && link.closed_on.has_value() &&
      new_date > *link.closed_on) {
    return Refused("new_date",
                   absl::StrCat(Day(new_date), " is after the link closed (",
                                Day(*link.closed_on), ")"));
  }
  if (std::optional<Floor> floor = DependencyFloor(link, step, records);
      floor.has_value() && new_date < floor->date) {
    return Refused(
        "new_date",
        absl::StrCat(StepWords(step), " on ", Day(new_date), " is before ",
                     floor->what, " (", Day(floor->date), ")"));
  }
  // The steps that depend on this one: PLACED on MATCH_DECIDED (or, early
  // permanence, on OPENED).
  const v1::LinkStep anchor = IsEarlyPermanence(link.placement_kind)
                                  ? v1::LINK_STEP_OPENED
                                  : v1::LINK_STEP_MATCH_DECIDED;
  if (step == anchor) {
    if (std::optional<absl::CivilDay> placed =
            link.DateOf(v1::LINK_STEP_PLACED);
        placed.has_value() && new_date > *placed) {
      return Refused(
          "new_date",
          absl::StrCat(Day(new_date), " is after placed (", Day(*placed), ")"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckRecordDates(const RecordDates& changed,
                              std::span<const RecordLink> links,
                              const RecordDateFields& fields) {
  // Each changed date alone, against each recorded step that depends on it.
  struct Changed {
    absl::string_view field;
    RecordDates alone;
  };
  std::vector<Changed> dates;
  if (changed.entered_care.has_value()) {
    dates.push_back({fields.entered_care, {}});
    dates.back().alone.entered_care = changed.entered_care;
  }
  if (changed.placement_order.has_value()) {
    dates.push_back({fields.placement_order, {}});
    dates.back().alone.placement_order = changed.placement_order;
  }
  if (changed.approved_on.has_value()) {
    dates.push_back({fields.approved_on, {}});
    dates.back().alone.approved_on = changed.approved_on;
  }
  for (const RecordLink& link : links) {
    if (link.facts.state == v1::LINK_STATE_CLOSED) continue;
    for (const StepDate& step : link.facts.steps) {
      for (const Changed& d : dates) {
        std::optional<Floor> floor =
            RecordFloor(link.facts, step.step, d.alone);
        if (!floor.has_value() || step.date >= floor->date) continue;
        if (link.name.empty()) {
          // Neither the link nor its dates: only that one exists, which the
          // household's status history already says.
          return Refused(
              d.field,
              absl::StrCat(Day(floor->date), " is after ", StepEvent(step.step),
                           " of a link to a child profile hidden from your "
                           "authority, which may not come before ",
                           floor->what,
                           ": the child's authority or a consortium manager "
                           "corrects the link's date"));
        }
        const std::string why = absl::StrCat(
            Day(floor->date), " is after ", StepEvent(step.step), " of ",
            link.name, " (", Day(step.date), "), which may not come before ",
            floor->what, ": correct the link's date first (CorrectStep, by ",
            step.step <= v1::LINK_STEP_LINKING_MEETING
                ? "a family finder, the child's authority or a manager"
                : "the child's authority or a manager",
            "; raa link correct ", absl::StripPrefix(link.name, "links/"), " ",
            absl::StrReplaceAll(StepWords(step.step), {{" ", "_"}}),
            " --date DATE --reason TEXT)");
        return Refused(d.field, why);
      }
    }
  }
  return absl::OkStatus();
}

// ---- caps ----

absl::Status CheckHouseholdCap(int open_links, int max_open_links) {
  if (open_links >= max_open_links) {
    return Refused("adopter",
                   absl::StrCat("the household already holds ", open_links,
                                " open links, the most the matching policy "
                                "allows (max_open_links ",
                                max_open_links, ")"));
  }
  return absl::OkStatus();
}

absl::Status CheckChildCap(int open_links, int max_open_links_per_child) {
  if (open_links >= max_open_links_per_child) {
    return Refused("child",
                   absl::StrCat("the child profile already has ", open_links,
                                " open links, the most the matching policy "
                                "allows (max_open_links_per_child ",
                                max_open_links_per_child, ")"));
  }
  return absl::OkStatus();
}

absl::Status ValidateMaxOpenLinksPerChild(int value) {
  if (value < kMinOpenLinksPerChild || value > kMaxOpenLinksPerChild) {
    return InvalidField(
        "max_open_links_per_child",
        absl::StrCat(value, " is outside ", kMinOpenLinksPerChild, "-",
                     kMaxOpenLinksPerChild));
  }
  return absl::OkStatus();
}

// ---- early permanence ----

absl::Status CheckPlacementKind(v1::PlacementKind kind, bool dual_approved,
                                v1::EarlyPermanence child_early_permanence) {
  if (kind == v1::PLACEMENT_KIND_ADOPTIVE) return absl::OkStatus();
  if (!IsEarlyPermanence(kind)) {
    return InvalidField("placement_kind", "is not a placement kind");
  }
  if (!dual_approved) {
    return Refused("placement_kind",
                   "early permanence needs a dual-approved household");
  }
  if (child_early_permanence == v1::EARLY_PERMANENCE_UNSPECIFIED ||
      child_early_permanence == v1::EARLY_PERMANENCE_NONE) {
    return Refused("placement_kind",
                   "the child's plan does not allow early permanence");
  }
  return absl::OkStatus();
}

// ---- statuses ----

bool IsLinkChildStatus(v1::ChildStatus status) {
  return status == v1::CHILD_STATUS_LINKED ||
         status == v1::CHILD_STATUS_MATCHED ||
         status == v1::CHILD_STATUS_PLACED ||
         status == v1::CHILD_STATUS_ADOPTED;
}

bool IsLinkAdopterStatus(v1::AdopterStatus status) {
  return status == v1::ADOPTER_STATUS_LINKED ||
         status == v1::ADOPTER_STATUS_MATCHED ||
         status == v1::ADOPTER_STATUS_PLACED;
}

namespace {
// The furthest step of an open link (UNSPECIFIED if none), and whether any
// link is adopted.
struct Furthest {
  v1::LinkStep open_step = v1::LINK_STEP_UNSPECIFIED;
  bool adopted = false;
};
Furthest FurthestOf(std::span<const LinkSummary> links) {
  Furthest f;
  for (const LinkSummary& l : links) {
    if (l.state == v1::LINK_STATE_ADOPTED) f.adopted = true;
    if (l.state == v1::LINK_STATE_OPEN && l.step > f.open_step) {
      f.open_step = l.step;
    }
  }
  return f;
}
}  // namespace

v1::ChildStatus ChildStatusFor(v1::ChildStatus current,
                               std::span<const LinkSummary> links) {
  if (current != v1::CHILD_STATUS_WAITING && !IsLinkChildStatus(current)) {
    return current;
  }
  const Furthest f = FurthestOf(links);
  if (f.adopted) return v1::CHILD_STATUS_ADOPTED;
  if (f.open_step >= v1::LINK_STEP_PLACED) return v1::CHILD_STATUS_PLACED;
  if (f.open_step == v1::LINK_STEP_MATCH_DECIDED) {
    return v1::CHILD_STATUS_MATCHED;
  }
  if (f.open_step != v1::LINK_STEP_UNSPECIFIED) return v1::CHILD_STATUS_LINKED;
  return v1::CHILD_STATUS_WAITING;
}

v1::AdopterStatus AdopterStatusFor(v1::AdopterStatus current,
                                   std::span<const LinkSummary> links) {
  if (current != v1::ADOPTER_STATUS_APPROVED && !IsLinkAdopterStatus(current)) {
    return current;
  }
  const Furthest f = FurthestOf(links);
  if (f.adopted || f.open_step >= v1::LINK_STEP_PLACED) {
    return v1::ADOPTER_STATUS_PLACED;
  }
  if (f.open_step == v1::LINK_STEP_MATCH_DECIDED) {
    return v1::ADOPTER_STATUS_MATCHED;
  }
  if (f.open_step != v1::LINK_STEP_UNSPECIFIED) {
    return v1::ADOPTER_STATUS_LINKED;
  }
  return v1::ADOPTER_STATUS_APPROVED;
}

std::vector<AutoClose> ClosesOnMatch(
    int64_t matched, std::span<const LinkSummary> child_links,
    std::span<const LinkSummary> adopter_links) {
  std::vector<AutoClose> out;
  auto take = [&](std::span<const LinkSummary> links, v1::CloseReason reason) {
    std::vector<int64_t> ids;
    for (const LinkSummary& l : links) {
      if (l.id == matched || l.state != v1::LINK_STATE_OPEN) continue;
      if (std::any_of(out.begin(), out.end(),
                      [&](const AutoClose& c) { return c.link_id == l.id; })) {
        continue;
      }
      ids.push_back(l.id);
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    for (int64_t id : ids) out.push_back({id, reason});
  };
  take(child_links, v1::CLOSE_REASON_CHILD_MATCHED_ELSEWHERE);
  take(adopter_links, v1::CLOSE_REASON_HOUSEHOLD_MATCHED_ELSEWHERE);
  return out;
}

}  // namespace raa::link_rules
