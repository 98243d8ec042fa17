// The rows of a journeys file (`raa import journeys`): past links with the
// date of each step they reached, and dated milestones, read from text cells
// and checked before anything is sent.
//
// Columns (a CSV header, or the keys of each JSON object; any order, any
// case, spaces or hyphens for underscores, as the other imports):
//   type               "link" or "milestone"; when empty, "milestone" if the
//                      milestone cell is filled, else "link"
//   Link rows:
//   child              authorities/{a}/children/{c} (or {a}/children/{c})
//   adopter            authorities/{a}/adopters/{h} (or {a}/adopters/{h})
//   placement_kind     adoptive (default), fostering_for_adoption or
//                      concurrent_planning
//   opened, linking_meeting, papers_to_panel, panel_recommended,
//   match_decided, placed, order_applied, order_granted
//                      YYYY-MM-DD: each step the link reached, in order
//                      (opened required; no gaps; none before the step
//                      before it). The server also keeps match_decided
//                      not before the child's placement order, except for
//                      early permanence.
//   close_reason       optional: household_withdrew, chose_another_family,
//                      panel_did_not_recommend, adm_did_not_agree,
//                      disruption (only once placed), plan_changed,
//                      authority_withdrew; never with order_granted
//   closed_on          required with close_reason; not before the last step
//   close_note         optional free text (at most 1,000 characters)
//   override_reason    optional: why a pair that fails one of today's hard
//                      constraints is opened (default
//                      kHistoricalOverrideReason)
//   Milestone rows:
//   record             a child profile or household, as above
//   milestone          a raa.v1.MilestoneKind label: entered_care,
//                      placement_order, annex_a_report, approval, ...
//   date               YYYY-MM-DD
//   reason             required by the server when the milestone already
//                      has another date (a correction)
//
// Pure functions of their arguments: thread-safe, no server.
#ifndef RAAMATCH_CLIENTS_LIB_JOURNEY_FILE_H_
#define RAAMATCH_CLIENTS_LIB_JOURNEY_FILE_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "clients/lib/profile_text.h"
#include "google/type/date.pb.h"
#include "raa/v1/journey.pb.h"

namespace raa {

// The override reason a historical link is opened with when the pair fails
// one of today's hard constraints (ages move on; the household's approval
// may since have changed) and the row gives none.
inline constexpr char kHistoricalOverrideReason[] =
    "historical link imported from the member's records";

// Every column a journeys file may have, in the order above.
const std::vector<std::string>& JourneyColumns();

// The column holding a link step's date ("placed" for LINK_STEP_PLACED).
std::string StepColumn(v1::LinkStep step);

struct JourneyLinkRow {
  std::string child;    // authorities/{a}/children/{c}
  std::string adopter;  // authorities/{a}/adopters/{h}
  v1::PlacementKind placement_kind = v1::PLACEMENT_KIND_ADOPTIVE;
  // OPENED first, then each later step reached, in order.
  std::vector<std::pair<v1::LinkStep, google::type::Date>> steps;
  v1::CloseReason close_reason = v1::CLOSE_REASON_UNSPECIFIED;
  google::type::Date closed_on;
  std::string close_note;
  std::string override_reason;  // empty: kHistoricalOverrideReason
};

struct JourneyMilestoneRow {
  std::string record;  // a child profile's or a household's name
  v1::MilestoneKind kind = v1::MILESTONE_KIND_UNSPECIFIED;
  google::type::Date date;
  std::string reason;
};

struct JourneyRow {
  enum Type { kLink, kMilestone } type = kLink;
  JourneyLinkRow link;            // for kLink
  JourneyMilestoneRow milestone;  // for kMilestone
};

// Reads one row. INVALID_ARGUMENT with one violation per problem (every bad
// cell, not only the first), each named by its column; no date may be after
// `today`.
absl::StatusOr<JourneyRow> JourneyRowFromText(const TextFields& fields,
                                              absl::CivilDay today);

// A JSON row (an object whose keys are columns, each value a string, or
// null for an empty cell) as text cells keyed by ColumnName(key).
// INVALID_ARGUMENT when it is not such an object.
absl::StatusOr<TextFields> JourneyFieldsFromJson(const std::string& json);

// Request ids derived from the row alone, so that importing the same file
// again sends the same ids and the server answers each call as the first
// time (changing nothing). `override` distinguishes the retry of OpenLink
// with an override reason from the first attempt.
std::string OpenLinkRequestId(const JourneyLinkRow& row, bool override);
std::string AdvanceLinkRequestId(const JourneyLinkRow& row, v1::LinkStep step);
std::string CloseLinkRequestId(const JourneyLinkRow& row);
std::string MilestoneRequestId(const JourneyMilestoneRow& row);

}  // namespace raa

#endif  // RAAMATCH_CLIENTS_LIB_JOURNEY_FILE_H_
