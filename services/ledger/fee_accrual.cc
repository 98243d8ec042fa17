#include "services/ledger/fee_accrual.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "services/ledger/ledger_rules.h"
#include "services/registry/registry_rows.h"

namespace raa::fee_accrual {
namespace {

std::string Day(absl::CivilDay day) { return absl::FormatCivilTime(day); }

// The link's row in fee_placements, or a new one.
absl::StatusOr<ledger_rows::PlacementRow> RowOf(StoreTx& tx,
                                                const FeeLink& link) {
  ASSIGN_OR_RETURN(std::optional<ledger_rows::PlacementRow> row,
                   ledger_rows::GetPlacement(tx, link.link_id));
  if (row.has_value()) {
    row->children = link.children;
    return *row;
  }
  ledger_rows::PlacementRow fresh;
  fresh.link_id = link.link_id;
  fresh.payer = link.payer;
  fresh.payee = link.payee;
  fresh.children = link.children;
  return fresh;
}

std::optional<absl::CivilDay>* DateSlot(ledger_rows::PlacementRow& row,
                                        v1::LinkStep step) {
  switch (step) {
    case v1::LINK_STEP_PANEL_RECOMMENDED:
      return &row.recommended_on;
    case v1::LINK_STEP_MATCH_DECIDED:
      return &row.matched_on;
    case v1::LINK_STEP_PLACED:
      return &row.placed_on;
    case v1::LINK_STEP_ORDER_GRANTED:
      return &row.order_on;
    default:
      return nullptr;
  }
}

// Posts what PostingsForPlacement says for the row's placement date.
absl::Status Price(StoreTx& tx, const ledger_rows::PlacementRow& row,
                   absl::string_view why, const ledger_rows::Recorder& by) {
  ASSIGN_OR_RETURN(std::vector<v1::FeeSchedule> schedules,
                   ledger_rows::Schedules(tx));
  ASSIGN_OR_RETURN(ledger_rules::Placement placement, PricingOf(tx, row));
  ASSIGN_OR_RETURN(std::vector<ledger_rules::JournalEntry> existing,
                   ledger_rows::LinkEntries(tx, row.link_id));
  absl::StatusOr<std::vector<ledger_rules::Posting>> postings =
      ledger_rules::PostingsForPlacement(placement, existing, schedules, why);
  if (absl::IsFailedPrecondition(postings.status())) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no fee schedule is in force on ", Day(*row.placed_on),
        " to price the inter-agency fee of this placement: a manager adds "
        "one with `raa ledger schedule add` (",
        postings.status().message(), ")"));
  }
  RETURN_IF_ERROR(postings.status());
  return ledger_rows::Post(tx, *postings, by).status();
}

// Refunds part of the link's live fee, as the schedule that priced it says,
// for a placement that ended on `ended_on` before the adoption order: once
// per fee (PostingsForEnding posts nothing for a fee already refunded).
absl::Status Refund(StoreTx& tx, const ledger_rows::PlacementRow& row,
                    absl::CivilDay ended_on, absl::string_view why,
                    const ledger_rows::Recorder& by) {
  ASSIGN_OR_RETURN(std::vector<v1::FeeSchedule> schedules,
                   ledger_rows::Schedules(tx));
  ASSIGN_OR_RETURN(std::vector<ledger_rules::JournalEntry> existing,
                   ledger_rows::LinkEntries(tx, row.link_id));
  return ledger_rows::Post(tx,
                           ledger_rules::PostingsForEnding(existing, schedules,
                                                           ended_on, why),
                           by)
      .status();
}

// Reverses the link's monthly fees that its dates, as they are now, no
// longer make due (an order recorded late, a date corrected, an end), and,
// when its placement date was corrected (`placement_moved`), those of
// months still due that the new date prices at another amount
// (ChargeClosedMonthsDue charges those months again).
absl::Status ReverseMonthsNoLongerOwed(StoreTx& tx,
                                       const ledger_rows::PlacementRow& row,
                                       absl::string_view why,
                                       const ledger_rows::Recorder& by,
                                       bool placement_moved = false) {
  if (!row.placed_on.has_value()) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::vector<v1::FeeSchedule> schedules,
                   ledger_rows::Schedules(tx));
  ASSIGN_OR_RETURN(std::vector<ledger_rules::JournalEntry> existing,
                   ledger_rows::LinkEntries(tx, row.link_id));
  std::vector<ledger_rules::Posting> postings =
      ledger_rules::PostingsForMonthsNoLongerDue(
          existing, schedules, *row.placed_on, row.order_on, row.ended_on, why);
  if (placement_moved) {
    // Of months still due: none of those reversed above.
    ASSIGN_OR_RETURN(ledger_rules::Placement placement, PricingOf(tx, row));
    ASSIGN_OR_RETURN(
        std::vector<ledger_rules::Posting> repriced,
        ledger_rules::PostingsForMonthsRepriced(
            placement, existing, schedules, row.order_on, row.ended_on, why));
    postings.insert(postings.end(), repriced.begin(), repriced.end());
  }
  if (postings.empty()) return absl::OkStatus();
  return ledger_rows::Post(tx, postings, by).status();
}

// Posts the link's monthly fees for the months already closed that a
// corrected date makes due and that have no fee standing (a month whose
// fee was reversed is charged again).
absl::Status ChargeClosedMonthsDue(StoreTx& tx,
                                   const ledger_rows::PlacementRow& row,
                                   absl::string_view why,
                                   const ledger_rows::Recorder& by) {
  if (!row.placed_on.has_value()) return absl::OkStatus();
  ASSIGN_OR_RETURN(
      std::vector<absl::CivilMonth> closed,
      ledger_rows::MonthsClosedFrom(tx, absl::CivilMonth(*row.placed_on)));
  if (closed.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::vector<v1::FeeSchedule> schedules,
                   ledger_rows::Schedules(tx));
  ASSIGN_OR_RETURN(
      std::vector<ledger_rules::Posting> postings,
      ClosedMonthsOwed(tx, row, schedules, closed, std::nullopt, why));
  if (postings.empty()) return absl::OkStatus();
  return ledger_rows::Post(tx, postings, by).status();
}

// The words of a step, for descriptions ("adoption order").
std::string StepWords(v1::LinkStep step) {
  switch (step) {
    case v1::LINK_STEP_PLACED:
      return "placement";
    case v1::LINK_STEP_ORDER_GRANTED:
      return "adoption order";
    default:
      return "step";
  }
}

}  // namespace

absl::StatusOr<ledger_rules::Placement> PricingOf(
    StoreTx& tx, const ledger_rows::PlacementRow& row) {
  ASSIGN_OR_RETURN(v1::Authority payee,
                   registry_rows::GetAuthority(tx, row.payee));
  ledger_rules::Placement placement;
  placement.link_id = row.link_id;
  placement.payer = row.payer;
  placement.payee = row.payee;
  placement.payee_agency =
      ledger_rules::Agency{payee.kind(), payee.london_weighting()};
  placement.children = std::max(1, row.children);
  if (row.placed_on.has_value()) placement.placed_on = *row.placed_on;
  return placement;
}

absl::StatusOr<std::vector<ledger_rules::Posting>> ClosedMonthsOwed(
    StoreTx& tx, const ledger_rows::PlacementRow& row,
    std::span<const v1::FeeSchedule> schedules,
    std::span<const absl::CivilMonth> closed,
    std::optional<absl::CivilMonth> on_time, absl::string_view why) {
  std::vector<ledger_rules::Posting> postings;
  if (!row.placed_on.has_value() || row.payer == row.payee) return postings;
  std::optional<ledger_rules::Placement> placement;
  for (absl::CivilMonth month : closed) {
    if (!ledger_rules::MonthlyFeeDue(schedules, *row.placed_on, row.order_on,
                                     row.ended_on, month)) {
      continue;
    }
    ASSIGN_OR_RETURN(bool posted,
                     ledger_rows::MonthlyFeePosted(
                         tx, row.link_id, absl::FormatCivilTime(month)));
    if (posted) continue;
    if (!placement.has_value()) {
      ASSIGN_OR_RETURN(placement, PricingOf(tx, row));
    }
    ASSIGN_OR_RETURN(
        std::optional<ledger_rules::Posting> posting,
        ledger_rules::MonthlyFeePosting(*placement, schedules, row.order_on,
                                        row.ended_on, month));
    if (!posting.has_value()) continue;
    if (month != on_time && !why.empty()) {
      absl::StrAppend(&posting->description, "; charged late: ", why);
    }
    postings.push_back(*std::move(posting));
  }
  return postings;
}

absl::Status OnStep(StoreTx& tx, const FeeLink& link, v1::LinkStep step,
                    absl::CivilDay date, const ledger_rows::Recorder& by) {
  if (link.payer == link.payee) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::optional<ledger_rows::PlacementRow> known,
                   ledger_rows::GetPlacement(tx, link.link_id));
  ledger_rows::PlacementRow probe;
  if (!known.has_value() && DateSlot(probe, step) == nullptr) {
    return absl::OkStatus();  // before panel: nothing to follow yet
  }
  ASSIGN_OR_RETURN(ledger_rows::PlacementRow row, RowOf(tx, link));
  row.step = step;
  if (std::optional<absl::CivilDay>* slot = DateSlot(row, step)) {
    *slot = date;
  }
  RETURN_IF_ERROR(ledger_rows::PutPlacement(tx, row));
  if (step == v1::LINK_STEP_PLACED) return Price(tx, row, "", by);
  if (step == v1::LINK_STEP_ORDER_GRANTED) {
    return ReverseMonthsNoLongerOwed(
        tx, row, absl::StrCat("adoption order made on ", Day(date)), by);
  }
  return absl::OkStatus();
}

absl::Status OnCorrection(StoreTx& tx, const FeeLink& link, v1::LinkStep step,
                          absl::CivilDay date,
                          const ledger_rows::Recorder& by) {
  if (link.payer == link.payee) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::optional<ledger_rows::PlacementRow> known,
                   ledger_rows::GetPlacement(tx, link.link_id));
  if (!known.has_value()) return absl::OkStatus();
  ledger_rows::PlacementRow row = *known;
  std::optional<absl::CivilDay>* slot = DateSlot(row, step);
  if (slot == nullptr || !slot->has_value()) return absl::OkStatus();
  // Only dates in the journal's words: the correction's reason is the
  // journey's free text, which finance officers must not read.
  const std::string why = absl::StrCat(StepWords(step), " date corrected from ",
                                       Day(**slot), " to ", Day(date));
  *slot = date;
  RETURN_IF_ERROR(ledger_rows::PutPlacement(tx, row));
  if (step == v1::LINK_STEP_PLACED) {
    RETURN_IF_ERROR(Price(tx, row, why, by));
    // A disrupted placement's fee priced again is refunded as its own
    // schedule says (the fee it replaces was reversed whole, refund and all).
    if (row.ended_on.has_value() && !row.order_on.has_value()) {
      RETURN_IF_ERROR(Refund(tx, row, *row.ended_on, why, by));
    }
  }
  RETURN_IF_ERROR(ReverseMonthsNoLongerOwed(tx, row, why, by,
                                            step == v1::LINK_STEP_PLACED));
  // Only these two dates can make a month due (an end is not corrected).
  if (step != v1::LINK_STEP_PLACED && step != v1::LINK_STEP_ORDER_GRANTED) {
    return absl::OkStatus();
  }
  return ChargeClosedMonthsDue(tx, row, why, by);
}

absl::Status OnClose(StoreTx& tx, const FeeLink& link, absl::CivilDay date,
                     absl::string_view why, const ledger_rows::Recorder& by) {
  if (link.payer == link.payee) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::optional<ledger_rows::PlacementRow> known,
                   ledger_rows::GetPlacement(tx, link.link_id));
  if (!known.has_value()) return absl::OkStatus();
  ledger_rows::PlacementRow row = *known;
  if (row.ended_on.has_value()) return absl::OkStatus();
  row.ended_on = date;
  RETURN_IF_ERROR(ledger_rows::PutPlacement(tx, row));
  if (!row.placed_on.has_value() || row.order_on.has_value()) {
    return absl::OkStatus();
  }
  RETURN_IF_ERROR(Refund(tx, row, date, why, by));
  return ReverseMonthsNoLongerOwed(
      tx, row, absl::StrCat("placement ended on ", Day(date)), by);
}

}  // namespace raa::fee_accrual
