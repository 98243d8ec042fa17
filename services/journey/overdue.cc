#include "services/journey/overdue.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/budget_text.h"
#include "common/dates.h"
#include "common/names.h"
#include "services/registry/registry_rows.h"

namespace raa {
namespace {

using Days = std::map<int, absl::CivilDay>;

std::optional<absl::CivilDay> Find(const Days& days, int kind) {
  auto it = days.find(kind);
  if (it == days.end()) return std::nullopt;
  return it->second;
}

// ListOverdue's order: days_late descending, then record, timescale, link.
bool WorseFirst(const v1::OverdueItem& a, const v1::OverdueItem& b) {
  return std::make_tuple(-a.days_late(), a.record(), a.timescale(), a.link()) <
         std::make_tuple(-b.days_late(), b.record(), b.timescale(), b.link());
}

// "£1,234,567.89" (pence >= 0).
std::string PoundsText(int64_t pence) {
  std::string units = absl::StrCat(pence / 100);
  std::string grouped;
  for (size_t i = 0; i < units.size(); ++i) {
    if (i > 0 && (units.size() - i) % 3 == 0) grouped += ',';
    grouped += units[i];
  }
  return absl::StrFormat("£%s.%02d", grouped, pence % 100);
}

int64_t PenceOf(const google::type::Money& m) {
  return m.units() * 100 + m.nanos() / 10'000'000;
}

std::string RecordNameOf(const JourneyRecord& r) {
  return r.record_kind == kMilestoneOfChild
             ? ChildName(r.authority_id, r.row)
             : AdopterName(r.authority_id, r.row);
}

class Collector {
 public:
  Collector(const BankHolidays& holidays, absl::CivilDay today, int within_days)
      : holidays_(holidays), today_(today), within_days_(within_days) {}

  // Adds the item if `t` falls due from `from` before today + within_days.
  void From(const JourneyRecord& r, const v1::Timescale& t, absl::CivilDay from,
            const std::string& link = "") {
    At(r, t, DueDate(from, t, holidays_), link);
  }

  void At(const JourneyRecord& r, const v1::Timescale& t, absl::CivilDay due,
          const std::string& link = "", const std::string& description = "") {
    const int late = static_cast<int>(today_ - due);
    if (late < -within_days_) return;
    v1::OverdueItem& item = items_.emplace_back();
    item.set_record(RecordNameOf(r));
    item.set_link(link);
    item.set_timescale(t.id());
    item.set_description(description.empty() ? DescribeTimescale(t.id())
                                             : description);
    *item.mutable_due_date() = ToDate(due);
    item.set_days_late(late);
    item.set_authority(AuthorityName(r.authority_id));
  }

  std::vector<v1::OverdueItem> Take() {
    std::stable_sort(items_.begin(), items_.end(), WorseFirst);
    return std::move(items_);
  }

 private:
  const BankHolidays& holidays_;
  const absl::CivilDay today_;
  const int within_days_;
  std::vector<v1::OverdueItem> items_;
};

}  // namespace

std::vector<v1::OverdueItem> ComputeOverdue(
    const JourneyFacts& facts, const v1::Timescales& timescales,
    const BankHolidays& holidays, absl::CivilDay today, int within_days,
    absl::FunctionRef<bool(const JourneyRecord&)> include) {
  std::map<std::string, const v1::Timescale*> rules;
  for (const v1::Timescale& t : timescales.timescales()) {
    if (t.enabled()) rules[t.id()] = &t;
  }
  auto rule = [&](absl::string_view id) -> const v1::Timescale* {
    auto it = rules.find(std::string(id));
    return it == rules.end() ? nullptr : it->second;
  };
  Collector out(holidays, today, within_days);

  // The children's links: open or adopted ones hold the child. A child
  // whose last link to close (by its closing date) closed because its plan
  // changed away from adoption is not waiting for a family; a link opened
  // and closed after that (the plan back to adoption) makes it wait again.
  std::map<std::pair<std::string, int64_t>, bool> held;
  std::map<std::pair<std::string, int64_t>,
           std::pair<std::pair<absl::CivilDay, int64_t>, bool>>
      last_closed;
  for (const JourneyLink& l : facts.links) {
    const std::pair<std::string, int64_t> child{l.child_authority, l.child_row};
    if (l.state == v1::LINK_STATE_OPEN || l.state == v1::LINK_STATE_ADOPTED) {
      held[child] = true;
    }
    if (l.state != v1::LINK_STATE_CLOSED || !l.closed_on.has_value()) continue;
    const std::pair<absl::CivilDay, int64_t> when{*l.closed_on, l.id};
    auto [it, added] = last_closed.try_emplace(
        child, when, l.close_reason == v1::CLOSE_REASON_PLAN_CHANGED);
    if (!added && it->second.first < when) {
      it->second = {when, l.close_reason == v1::CLOSE_REASON_PLAN_CHANGED};
    }
  }
  auto plan_changed = [&](const JourneyRecord& r) {
    auto it = last_closed.find({r.authority_id, r.row});
    return it != last_closed.end() && it->second.second;
  };
  std::map<std::pair<std::string, int64_t>, const JourneyRecord*> children;

  for (const JourneyRecord& r : facts.records) {
    if (r.record_kind == kMilestoneOfChild) {
      children[{r.authority_id, r.row}] = &r;
    }
    if (!include(r)) continue;
    const Days& m = r.milestones;
    if (r.record_kind == kMilestoneOfChild) {
      if (const v1::Timescale* t = rule(kInitialPackCompleted)) {
        auto sent = Find(m, v1::MILESTONE_KIND_INITIAL_PACK_SENT);
        if (sent && !Find(m, v1::MILESTONE_KIND_COMPLETED_PACK_RECEIVED)) {
          out.From(r, *t, *sent);
        }
      }
      if (const v1::Timescale* t = rule(kNationalRegisterChild)) {
        auto from = Find(m, v1::MILESTONE_KIND_PLACEMENT_ORDER);
        if (!from) from = Find(m, v1::MILESTONE_KIND_SHOBPA_DECISION);
        if (from && r.status == v1::CHILD_STATUS_WAITING &&
            !held.contains({r.authority_id, r.row}) && !plan_changed(r)) {
          out.From(r, *t, *from);
        }
      }
      if (const v1::Timescale* t = rule(kReviewActions)) {
        auto review = facts.reviews.find({r.authority_id, r.row});
        if (review != facts.reviews.end()) {
          for (const v1::ReviewAction& a : review->second.actions()) {
            if (!IsUnset(a.done_on())) continue;
            std::optional<absl::CivilDay> due = ToCivilDay(a.due_date());
            if (!due) continue;
            out.At(r, *t, *due, "",
                   absl::StrCat("tracking review action: ", a.description()));
          }
        }
      }
    } else {
      if (const v1::Timescale* t = rule(kDecisionAfterPar)) {
        auto par = Find(m, v1::MILESTONE_KIND_PROSPECTIVE_ADOPTER_REPORT);
        if (par && !Find(m, v1::MILESTONE_KIND_APPROVAL)) out.From(r, *t, *par);
      }
      if (const v1::Timescale* t = rule(kStageOne)) {
        auto start = Find(m, v1::MILESTONE_KIND_STAGE_ONE_START);
        if (start && !Find(m, v1::MILESTONE_KIND_STAGE_TWO_START)) {
          out.From(r, *t, *start);
        }
      }
      if (const v1::Timescale* t = rule(kStageTwo)) {
        auto start = Find(m, v1::MILESTONE_KIND_STAGE_TWO_START);
        if (start && !Find(m, v1::MILESTONE_KIND_APPROVAL)) {
          out.From(r, *t, *start);
        }
      }
      if (const v1::Timescale* t = rule(kNationalRegisterHousehold)) {
        auto approved = Find(m, v1::MILESTONE_KIND_APPROVAL);
        if (approved && (r.status == v1::ADOPTER_STATUS_APPROVED ||
                         r.status == v1::ADOPTER_STATUS_LINKED)) {
          out.From(r, *t, *approved);
        }
      }
    }
  }

  for (const JourneyLink& l : facts.links) {
    if (l.state != v1::LINK_STATE_OPEN) continue;
    auto child = children.find({l.child_authority, l.child_row});
    if (child == children.end() || !include(*child->second)) continue;
    const JourneyRecord& r = *child->second;
    const std::string link = LinkName(l.id);
    if (const v1::Timescale* t = rule(kAdmAfterPanel)) {
      auto panel = Find(l.steps, v1::LINK_STEP_PANEL_RECOMMENDED);
      if (panel && !Find(l.steps, v1::LINK_STEP_MATCH_DECIDED)) {
        out.From(r, *t, *panel, link);
      }
    }
    auto placed = Find(l.steps, v1::LINK_STEP_PLACED);
    if (!placed) continue;
    if (const v1::Timescale* t = rule(kAnnexA)) {
      auto annex = Find(r.milestones, v1::MILESTONE_KIND_ANNEX_A_REPORT);
      if (!annex || *annex < *placed) out.From(r, *t, *placed, link);
    }
    if (const v1::Timescale* t = rule(kOrderApplication)) {
      if (!Find(l.steps, v1::LINK_STEP_ORDER_APPLIED)) {
        out.From(r, *t, *placed, link);
      }
    }
  }
  return out.Take();
}

std::vector<v1::OverdueItem> BudgetWarnings(std::span<const v1::Budget> budgets,
                                            absl::CivilDay today) {
  std::vector<v1::OverdueItem> out;
  for (const v1::Budget& b : budgets) {
    if (!b.set()) continue;
    auto warns = [](v1::BudgetWarning w) {
      return w == v1::BUDGET_WARNING_NEAR || w == v1::BUDGET_WARNING_OVER;
    };
    if (!warns(b.committed_warning()) && !warns(b.forecast_warning())) {
      continue;
    }
    v1::OverdueItem& item = out.emplace_back();
    item.set_record(b.authority());
    item.set_timescale(std::string(kInterAgencyBudget));
    const std::string committed =
        PoundsText(std::max<int64_t>(0, PenceOf(b.committed())));
    const std::string year = absl::StrFormat("%d-%02d", b.financial_year(),
                                             (b.financial_year() + 1) % 100);
    // A budget of nothing has no percent of it to give.
    item.set_description(
        PenceOf(b.amount()) == 0
            ? absl::StrFormat(
                  "Inter-agency budget %s: %s committed against a "
                  "budget of %s; forecast %s",
                  year, committed, PoundsText(0),
                  PoundsText(std::max<int64_t>(0, PenceOf(b.forecast()))))
            : absl::StrFormat(
                  "Inter-agency budget %s: %s committed (%s of %s); "
                  "forecast %s",
                  year, FormatBudgetPercent(b.committed_percent()), committed,
                  PoundsText(PenceOf(b.amount())),
                  FormatBudgetPercent(b.forecast_percent())));
    *item.mutable_due_date() = ToDate(today);
    item.set_days_late(0);
    item.set_authority(b.authority());
  }
  std::stable_sort(out.begin(), out.end(), WorseFirst);
  return out;
}

std::vector<v1::OverdueItem> MergeOverdue(std::vector<v1::OverdueItem> items,
                                          std::vector<v1::OverdueItem> more) {
  for (v1::OverdueItem& item : more) items.push_back(std::move(item));
  std::stable_sort(items.begin(), items.end(), WorseFirst);
  return items;
}

}  // namespace raa
