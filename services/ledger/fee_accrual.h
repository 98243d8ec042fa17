// Accrual: what the journey tells the ledger about a link, inside the
// journey's own transaction (services/journey/links.cc calls these in its
// Store::Write body), so a fee accrues in the same commit as the PLACED
// step, and a retry (same request id) never runs them twice.
//
//   fee_accrual::FeeLink fee{row.id, row.child_authority,
//                            row.adopter_authority, child.members_size()};
//   RETURN_IF_ERROR(fee_accrual::OnStep(tx, fee, step, *date,
//                                       {caller.authority_id, caller.key_id}));
//
// What each does when the household's agency (payee) is not the child's
// authority (payer); nothing otherwise:
//  - OnStep: keeps the link's dates in fee_placements (PANEL_RECOMMENDED and
//    MATCH_DECIDED: the budget's pipeline; ORDER_GRANTED: monthly fees
//    stop); on PLACED posts the fee (ledger_rules::PostingsForPlacement:
//    only what the journal lacks, so never twice).
//  - OnCorrection: a corrected PLACED date re-prices the fee (reversal and
//    new entry if the rate changes); other dates are kept.
//  - OnClose: a placed link ended before the order reverses the refundable
//    part of its fee (ledger_rules::PostingsForEnding, `why` the closing
//    reason's words); an unplaced one leaves the budget's pipeline.
//  - The order (OnStep), a corrected date and an end also reverse monthly
//    fees already charged for months the dates no longer make due.
//  - A corrected placement or order date also charges the monthly fees of
//    months already closed (ledger_rows::MarkMonthClosed) that the dates
//    now make due and that have no fee standing (a month reversed and due
//    again: a second charge). A placement recorded after its months were
//    closed is charged by the next month-end run (ClosedMonthsOwed), so an
//    imported history whose order follows at once charges and reverses
//    nothing.
// Descriptions in the journal hold dates and reason words only, never the
// journey's free text (notes, correction reasons): finance officers of both
// members read them, and the journal is never edited.
// FAILED_PRECONDITION if no fee schedule is in force on the placement date
// (the step is refused with it). Thread-safety is the store's.
#ifndef RAAMATCH_SERVICES_LEDGER_FEE_ACCRUAL_H_
#define RAAMATCH_SERVICES_LEDGER_FEE_ACCRUAL_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "raa/v1/journey.pb.h"
#include "services/ledger/ledger_rows.h"
#include "services/ledger/ledger_rules.h"
#include "services/store/store.h"

namespace raa::fee_accrual {

// What the ledger needs of a link.
struct FeeLink {
  int64_t link_id = 0;
  std::string payer;  // the child's authority id
  std::string payee;  // the household's authority id
  int children = 1;   // the child profile's group size
};

// What prices a placement row's fees (its payee's kind and London
// weighting read from the registry).
absl::StatusOr<ledger_rules::Placement> PricingOf(
    StoreTx& tx, const ledger_rows::PlacementRow& row);

// The MONTHLY_FEE postings `row` owes for the months of `closed` (months
// the manager has closed) that its dates make due and that have no fee
// standing. A fee for a month other than `on_time` (the month being
// closed, if any) is charged late: `why` is added to its description.
absl::StatusOr<std::vector<ledger_rules::Posting>> ClosedMonthsOwed(
    StoreTx& tx, const ledger_rows::PlacementRow& row,
    std::span<const v1::FeeSchedule> schedules,
    std::span<const absl::CivilMonth> closed,
    std::optional<absl::CivilMonth> on_time, absl::string_view why);

absl::Status OnStep(StoreTx& tx, const FeeLink& link, v1::LinkStep step,
                    absl::CivilDay date, const ledger_rows::Recorder& by);
absl::Status OnCorrection(StoreTx& tx, const FeeLink& link, v1::LinkStep step,
                          absl::CivilDay date, const ledger_rows::Recorder& by);
absl::Status OnClose(StoreTx& tx, const FeeLink& link, absl::CivilDay date,
                     absl::string_view why, const ledger_rows::Recorder& by);

}  // namespace raa::fee_accrual

#endif  // RAAMATCH_SERVICES_LEDGER_FEE_ACCRUAL_H_
