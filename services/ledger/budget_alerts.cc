#include "services/ledger/budget_alerts.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "services/ledger/ledger_rows.h"
#include "services/ledger/ledger_rules.h"
#include "services/registry/registry_rows.h"

namespace raa::budget_alerts {
namespace {

using ledger_rules::Pence;
using ledger_rules::ToMoney;

Pence PenceOf(const google::type::Money& m) {
  return m.units() * 100 + m.nanos() / 10'000'000;
}

// "authorities/leeds" → "leeds".
std::string IdOf(const std::string& name) {
  constexpr absl::string_view kPrefix = "authorities/";
  return absl::StartsWith(name, kPrefix) ? name.substr(kPrefix.size()) : name;
}

absl::StatusOr<v1::Budget> Compute(
    Store& store, const std::string& authority, int year, absl::CivilDay today,
    const std::vector<ledger_rows::PlacementRow>& placements,
    const std::vector<v1::FeeSchedule>& schedules) {
  ASSIGN_OR_RETURN(std::optional<Pence> budget,
                   ledger_rows::GetBudget(store, authority, year));
  const auto [from, to] = ledger_rules::FinancialYear(year);
  ASSIGN_OR_RETURN(std::vector<v1::Entry> entries,
                   ledger_rows::EntriesOf(store, authority, from, to));
  Pence committed = 0;
  for (const v1::Entry& e : entries) {
    const bool debit = IdOf(e.debit()) == authority;
    const Pence amount = PenceOf(e.amount());
    if (debit && (e.type() == v1::ENTRY_TYPE_FEE ||
                  e.type() == v1::ENTRY_TYPE_MONTHLY_FEE)) {
      committed += amount;
    } else if (!debit && e.type() == v1::ENTRY_TYPE_REVERSAL &&
               !e.link().empty()) {
      committed -= amount;  // a fee charged to it, reversed
    }
  }
  v1::Budget out;
  out.set_authority(AuthorityName(authority));
  out.set_financial_year(year);
  *out.mutable_committed() = ToMoney(committed);
  Pence pipeline = 0;
  // A recommended or matched link's fee falls due at its placement, weeks
  // away: in the year that holds today, not in one that has ended or one
  // still to come.
  const std::span<const ledger_rows::PlacementRow> open =
      ledger_rules::FinancialYearOf(today) == year
          ? std::span<const ledger_rows::PlacementRow>(placements)
          : std::span<const ledger_rows::PlacementRow>();
  for (const ledger_rows::PlacementRow& p : open) {
    if (p.payer != authority || p.payer == p.payee || p.placed_on.has_value() ||
        p.ended_on.has_value() ||
        (!p.recommended_on.has_value() && !p.matched_on.has_value())) {
      continue;
    }
    absl::StatusOr<v1::Authority> payee =
        registry_rows::GetAuthority(store, p.payee);
    if (!payee.ok()) continue;
    absl::StatusOr<ledger_rules::FeeQuote> fee = ledger_rules::PlacementFee(
        schedules, today,
        ledger_rules::Agency{payee->kind(), payee->london_weighting()},
        std::max(1, p.children));
    if (!fee.ok()) continue;  // no schedule today: nothing to forecast
    v1::BudgetPipelineItem* item = out.add_pipeline();
    item->set_link(LinkName(p.link_id));
    item->set_step(p.step);
    item->set_payee(AuthorityName(p.payee));
    item->set_children(p.children);
    *item->mutable_amount() = ToMoney(fee->amount);
    pipeline += fee->amount;
  }
  *out.mutable_forecast() = ToMoney(committed + pipeline);
  if (budget.has_value()) {
    SetAmount(out, *budget);
  } else {
    SetAmount(out, 0);
    out.set_set(false);
    out.set_committed_percent(0);  // none set: 0, as ledger.proto says
    out.set_forecast_percent(0);
  }
  return out;
}

}  // namespace

void SetAmount(v1::Budget& budget, Pence amount) {
  const Pence committed = PenceOf(budget.committed());
  const Pence forecast = PenceOf(budget.forecast());
  *budget.mutable_amount() = ToMoney(amount);
  budget.set_set(true);
  // Of a budget of nothing, anything used is past every percent: the most
  // the field holds, as for a budget of a penny (a client showing "0%" with
  // the warning OVER misleads).
  auto percent = [amount](Pence used) {
    return amount == 0 && used > 0 ? std::numeric_limits<int32_t>::max()
                                   : ledger_rules::PercentOf(used, amount);
  };
  budget.set_committed_percent(percent(committed));
  budget.set_forecast_percent(percent(forecast));
  budget.set_committed_warning(ledger_rules::WarningFor(committed, amount));
  budget.set_forecast_warning(ledger_rules::WarningFor(forecast, amount));
}

absl::StatusOr<v1::Budget> BudgetOf(Store& store, const std::string& authority,
                                    int year, absl::CivilDay today) {
  ASSIGN_OR_RETURN(std::vector<ledger_rows::PlacementRow> placements,
                   ledger_rows::Placements(store));
  ASSIGN_OR_RETURN(std::vector<v1::FeeSchedule> schedules,
                   ledger_rows::Schedules(store));
  return Compute(store, authority, year, today, placements, schedules);
}

absl::StatusOr<std::vector<v1::Budget>> BudgetsOfYear(Store& store,
                                                      absl::CivilDay today) {
  const int year = ledger_rules::FinancialYearOf(today);
  ASSIGN_OR_RETURN(std::vector<std::string> ids,
                   store.Read([&](SQLite::Database& db)
                                  -> absl::StatusOr<std::vector<std::string>> {
                     SQLite::Statement q(
                         db,
                         "SELECT authority_id FROM budgets WHERE "
                         "financial_year = ?1 ORDER BY authority_id");
                     q.bind(1, year);
                     std::vector<std::string> out;
                     while (q.executeStep())
                       out.push_back(q.getColumn(0).getString());
                     return out;
                   }));
  std::vector<v1::Budget> out;
  if (ids.empty()) return out;
  ASSIGN_OR_RETURN(std::vector<ledger_rows::PlacementRow> placements,
                   ledger_rows::Placements(store));
  ASSIGN_OR_RETURN(std::vector<v1::FeeSchedule> schedules,
                   ledger_rows::Schedules(store));
  for (const std::string& id : ids) {
    ASSIGN_OR_RETURN(v1::Budget budget,
                     Compute(store, id, year, today, placements, schedules));
    budget.clear_pipeline();
    out.push_back(std::move(budget));
  }
  return out;
}

}  // namespace raa::budget_alerts
