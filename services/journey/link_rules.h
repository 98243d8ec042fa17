// The rules of a link, as pure functions: no gRPC, no SQL (as matcher/).
// The journey service (links.h) and the store only carry them out; tests
// drive them directly (tests/journey/link_rules_test.cc).
//
//   link_rules::LinkFacts link = ...;  // the link as stored
//   RETURN_IF_ERROR(link_rules::CheckNextStep(link, v1::LINK_STEP_PLACED));
//   RETURN_IF_ERROR(link_rules::CheckStepDate(link, v1::LINK_STEP_PLACED,
//                                             date, today, record_dates));
//   v1::ChildStatus s = link_rules::ChildStatusFor(child.status(), links);
//
// What they decide:
//  - the transition table: a link moves forward one step at a time
//    (OPENED → LINKING_MEETING → PAPERS_TO_PANEL → PANEL_RECOMMENDED →
//    MATCH_DECIDED → PLACED → ORDER_APPLIED → ORDER_GRANTED); it may close
//    while open (before ORDER_GRANTED) with a reason a person may give
//    (the *_MATCHED_ELSEWHERE reasons are the service's); DISRUPTION only
//    after PLACED;
//  - date order: never in the future, never before the previous step;
//    OPENED not before the household's approval, nor (unless early
//    permanence, which may start before birth) before the child entered
//    care; MATCH_DECIDED not before the child's placement order when it
//    has one, unless the link is early permanence; PLACED not before
//    MATCH_DECIDED (early permanence: not before OPENED, nor before the
//    child entered care); a correction keeps the order with both
//    neighbours (and a closed link's closing date); and the records' dates
//    keep these rules when they change (CheckRecordDates);
//  - the caps: a household holds fewer than policy.max_open_links open
//    links before another opens, a child profile fewer than
//    max_open_links_per_child;
//  - early permanence: a dual-approved household and a child whose
//    early_permanence is not NONE;
//  - the statuses: a child profile's and a household's status follow from
//    their links (ChildStatusFor, AdopterStatusFor), and which other links
//    close when one reaches MATCH_DECIDED (ClosesOnMatch).
//
// Every check returns OK, INVALID_ARGUMENT (a bad value, with a
// google.rpc.BadRequest naming the field) or FAILED_PRECONDITION (a value
// the link's state refuses; the message names the field). Pure and
// thread-safe.
#ifndef RAAMATCH_SERVICES_JOURNEY_LINK_RULES_H_
#define RAAMATCH_SERVICES_JOURNEY_LINK_RULES_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "raa/v1/common.pb.h"
#include "raa/v1/journey.pb.h"

namespace raa::link_rules {

// The default and the bounds of MatchingPolicy.max_open_links_per_child.
inline constexpr int kDefaultMaxOpenLinksPerChild = 3;
inline constexpr int kMinOpenLinksPerChild = 1;
inline constexpr int kMaxOpenLinksPerChild = 10;

// One recorded step and its current (corrected) date.
struct StepDate {
  v1::LinkStep step = v1::LINK_STEP_UNSPECIFIED;
  absl::CivilDay date;
};

// What the rules need of one link.
struct LinkFacts {
  v1::LinkState state = v1::LINK_STATE_OPEN;
  v1::PlacementKind placement_kind = v1::PLACEMENT_KIND_ADOPTIVE;
  // Every step recorded, in step order (OPENED first).
  std::vector<StepDate> steps;
  // Set once closed.
  std::optional<absl::CivilDay> closed_on;

  // The last step recorded (UNSPECIFIED if none).
  v1::LinkStep step() const {
    return steps.empty() ? v1::LINK_STEP_UNSPECIFIED : steps.back().step;
  }
  // The date of `step` if recorded.
  std::optional<absl::CivilDay> DateOf(v1::LinkStep step) const;
};

// Whether the placement is early permanence (fostering for adoption or
// concurrent planning).
bool IsEarlyPermanence(v1::PlacementKind kind);

// ---- the transition table ----

// Whether `next` may be recorded on an open link whose last step is
// `current`: exactly the step after it.
bool MayFollow(v1::LinkStep current, v1::LinkStep next);

// `step` as the link's next step: INVALID_ARGUMENT ("step") for no step or
// OPENED (which OpenLink records); FAILED_PRECONDITION ("step") when the
// link is not open or `step` is not the one after its last.
absl::Status CheckNextStep(const LinkFacts& link, v1::LinkStep step);

// Whether a person may give `reason` when closing a link (not UNSPECIFIED,
// a known value, not one of the *_MATCHED_ELSEWHERE reasons the service
// sets).
bool IsCloseReasonForPeople(v1::CloseReason reason);

// Closing with `reason`: INVALID_ARGUMENT ("reason") unless
// IsCloseReasonForPeople; FAILED_PRECONDITION when the link is not open
// (an adopted link never closes) or, for DISRUPTION, not yet PLACED.
absl::Status CheckClose(const LinkFacts& link, v1::CloseReason reason);

// ---- date order ----

// The dates of a link's child profile and household that bound its steps;
// unset when the record has none (or, in CheckRecordDates, when the date
// does not change).
struct RecordDates {
  std::optional<absl::CivilDay> entered_care;     // the child's
  std::optional<absl::CivilDay> placement_order;  // the child's
  std::optional<absl::CivilDay> approved_on;      // the household's
};

// A date a link is opened on: not in the future ("opened_on").
absl::Status CheckOpenedDate(absl::CivilDay date, absl::CivilDay today);

// The date of `step` recorded next on `link` (CheckNextStep passed; for
// OPENED, `link` holds no step yet): not in the future, not before the
// last step's date, and the dependencies above on `records`.
// FAILED_PRECONDITION / INVALID_ARGUMENT naming `field` ("date").
absl::Status CheckStepDate(const LinkFacts& link, v1::LinkStep step,
                           absl::CivilDay date, absl::CivilDay today,
                           const RecordDates& records,
                           absl::string_view field = "date");

// The date a link closes on: not in the future, not before its last step
// ("date").
absl::Status CheckCloseDate(const LinkFacts& link, absl::CivilDay date,
                            absl::CivilDay today);

// A correction of a recorded step's date to `new_date`: the step must be
// recorded (and not OPENED once the link is closed), the new date differ
// from the current one, not be in the future, keep the order with the
// steps before and after it and the closing date, and keep the
// dependencies (OPENED / entered care and approval, MATCH_DECIDED /
// placement order, PLACED / MATCH_DECIDED). Fields "step" and "new_date".
absl::Status CheckCorrection(const LinkFacts& link, v1::LinkStep step,
                             absl::CivilDay new_date, absl::CivilDay today,
                             const RecordDates& records);

// A link of a record whose dates change, as the caller may name it.
struct RecordLink {
  LinkFacts facts;
  // "links/l3"; empty when its child profile is hidden from the caller,
  // which is then not told which link it is.
  std::string name;
};
// The fields the record's dates are given in.
struct RecordDateFields {
  absl::string_view entered_care = "date";
  absl::string_view placement_order = "date";
  absl::string_view approved_on = "date";
};
// A child profile's or household's dates changing to `changed` (the
// dates that change are set): every open or adopted link of the record
// keeps the dependencies above: entered care not after an adoptive
// link's opening nor an early-permanence link's placement, the placement
// order not after a (not early-permanence) link's match, the approval not
// after any link's opening. A closed link's dates are history, which the
// record's may pass: a child who came back into care, a new placement
// order, a household approved again. FAILED_PRECONDITION naming the
// field.
absl::Status CheckRecordDates(const RecordDates& changed,
                              std::span<const RecordLink> links,
                              const RecordDateFields& fields = {});

// ---- caps ----

// A household holding `open_links` open links may take one more if fewer
// than `max_open_links`: FAILED_PRECONDITION ("adopter") otherwise.
absl::Status CheckHouseholdCap(int open_links, int max_open_links);
// A child profile likewise against max_open_links_per_child ("child").
absl::Status CheckChildCap(int open_links, int max_open_links_per_child);
// A policy value of max_open_links_per_child: 1..10 ("max_open_links_per_
// child", INVALID_ARGUMENT).
absl::Status ValidateMaxOpenLinksPerChild(int value);

// ---- early permanence ----

// `kind` for this pair: ADOPTIVE always; early permanence only with a
// dual-approved household and a child whose early_permanence is set and
// not NONE. FAILED_PRECONDITION ("placement_kind") otherwise;
// INVALID_ARGUMENT for an unknown or unset kind.
absl::Status CheckPlacementKind(v1::PlacementKind kind, bool dual_approved,
                                v1::EarlyPermanence child_early_permanence);

// ---- statuses ----

// One link of a record, as the status rules see it.
struct LinkSummary {
  int64_t id = 0;
  v1::LinkState state = v1::LINK_STATE_OPEN;
  v1::LinkStep step = v1::LINK_STEP_OPENED;
};

// Whether the journey sets this status (and UpdateChild / UpdateAdopter
// may not): LINKED, MATCHED, PLACED, ADOPTED.
bool IsLinkChildStatus(v1::ChildStatus status);
bool IsLinkAdopterStatus(v1::AdopterStatus status);

// The child profile's status given all its links: any adopted link →
// ADOPTED; else the furthest open link: PLACED or later → PLACED,
// MATCH_DECIDED → MATCHED, earlier → LINKED; no open link → WAITING.
// A status the journey does not own (WITHDRAWN) is kept.
v1::ChildStatus ChildStatusFor(v1::ChildStatus current,
                               std::span<const LinkSummary> links);
// The household's likewise: an adopted link → PLACED (it stays placed
// after the order); the furthest open link → PLACED / MATCHED / LINKED; no
// open link → APPROVED. Statuses the journey does not own (STAGE_ONE,
// STAGE_TWO, ON_HOLD, WITHDRAWN) are kept.
v1::AdopterStatus AdopterStatusFor(v1::AdopterStatus current,
                                   std::span<const LinkSummary> links);

// A link the service closes.
struct AutoClose {
  int64_t link_id = 0;
  v1::CloseReason reason = v1::CLOSE_REASON_UNSPECIFIED;
};

// When link `matched` reaches MATCH_DECIDED: every other open link of its
// child closes with CHILD_MATCHED_ELSEWHERE, then every other open link of
// its household with HOUSEHOLD_MATCHED_ELSEWHERE (a link in both lists is
// closed once, as the child's). By link id, ascending, within each reason.
std::vector<AutoClose> ClosesOnMatch(
    int64_t matched, std::span<const LinkSummary> child_links,
    std::span<const LinkSummary> adopter_links);

// The words for a step or a reason in messages: "match decided".
std::string StepWords(v1::LinkStep step);

}  // namespace raa::link_rules

#endif  // RAAMATCH_SERVICES_JOURNEY_LINK_RULES_H_
