#include "services/journey/links.h"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "common/dates.h"
#include "common/enum_names.h"
#include "common/errors.h"
#include "common/free_text.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "services/auth/rules.h"
#include "services/journey/link_rules.h"
#include "services/ledger/fee_accrual.h"
#include "services/registry/registry_rows.h"
#include "services/store/paging.h"

namespace raa {
namespace {

absl::Status NoSuchLink() { return absl::NotFoundError("no such link"); }

// Whose `row` is, for CanRecordStepFor: the opener is the member of the key
// that recorded its OPENED step. Views into `row`.
LinkParties PartiesOf(const LinkRow& row) {
  LinkParties parties{.child_owner = row.child_authority,
                      .adopter_owner = row.adopter_authority,
                      .opener = {}};
  for (const v1::LinkStepRecord& step : row.link.steps()) {
    if (step.step() != v1::LINK_STEP_OPENED) continue;
    parties.opener = step.authority();
    absl::ConsumePrefix(&parties.opener, "authorities/");
    break;
  }
  return parties;
}
// The views would outlive a temporary row.
LinkParties PartiesOf(LinkRow&&) = delete;

// FAILED_PRECONDITION naming `field`, with a BadRequest detail.
absl::Status Refused(absl::string_view field, absl::string_view why) {
  absl::Status invalid = InvalidField(field, why);
  absl::Status out(absl::StatusCode::kFailedPrecondition, invalid.message());
  invalid.ForEachPayload([&](absl::string_view url, const absl::Cord& payload) {
    out.SetPayload(url, payload);
  });
  return out;
}

// A date field: required or optional, a real date. nullopt (with an error
// added when required or malformed) if there is none.
std::optional<absl::CivilDay> DateField(const google::type::Date& date,
                                        absl::string_view field, bool required,
                                        FieldErrors& errors) {
  if (IsUnset(date)) {
    if (required) errors.Add(field, "is required");
    return std::nullopt;
  }
  std::optional<absl::CivilDay> day = ToCivilDay(date);
  if (!day.has_value()) errors.Add(field, "is not a real date");
  return day;
}

std::string Day(absl::CivilDay day) { return absl::FormatCivilTime(day); }

// The child's and the household's dates a link's steps depend on.
link_rules::RecordDates RecordDatesOf(const v1::Child& child,
                                      const v1::Adopter& adopter) {
  link_rules::RecordDates dates;
  dates.entered_care = ToCivilDay(child.journey().entered_care());
  dates.placement_order = ToCivilDay(child.journey().placement_order());
  dates.approved_on = ToCivilDay(adopter.approved_on());
  return dates;
}

// The constraints a pair fails that an override may pass: all but a
// household not available, a withdrawn member, a profile hidden from the
// household's authority (its link would put the child before the very
// member the child's authority hid it from, which then could not see the
// link it holds), and the link limit (the caps are checked apart and never
// overridden).
bool Overridable(matcher::Constraint c) {
  return c != matcher::Constraint::kNotAvailable &&
         c != matcher::Constraint::kAuthorityWithdrawn &&
         c != matcher::Constraint::kHiddenFromAuthority &&
         c != matcher::Constraint::kLinkLimit;
}

// The child's and the household's statuses after a link change, each with
// its status history, in the same transaction (the live index follows).
absl::Status SyncChild(StoreTx& tx, const Caller& caller,
                       const std::string& authority, int64_t row,
                       absl::string_view why) {
  ASSIGN_OR_RETURN(v1::Child child,
                   registry_rows::GetChild(tx, authority, row));
  ASSIGN_OR_RETURN(std::vector<link_rules::LinkSummary> links,
                   link_rows::ChildLinks(tx, authority, row));
  const v1::ChildStatus from = child.status();
  const v1::ChildStatus to = link_rules::ChildStatusFor(from, links);
  if (to == from) return absl::OkStatus();
  child.set_status(to);
  RETURN_IF_ERROR(registry_rows::UpdateChild(tx, child));
  return registry_rows::InsertStatusChange(tx, RecordKind::kChild, authority,
                                           row, from, to, why, caller.key_id,
                                           caller.authority_id);
}

absl::Status SyncAdopter(StoreTx& tx, const Caller& caller,
                         const std::string& authority, int64_t row,
                         absl::string_view why) {
  ASSIGN_OR_RETURN(v1::Adopter adopter,
                   registry_rows::GetAdopter(tx, authority, row));
  ASSIGN_OR_RETURN(std::vector<link_rules::LinkSummary> links,
                   link_rows::AdopterLinks(tx, authority, row));
  const v1::AdopterStatus from = adopter.status();
  const v1::AdopterStatus to = link_rules::AdopterStatusFor(from, links);
  if (to == from) return absl::OkStatus();
  adopter.set_status(to);
  RETURN_IF_ERROR(registry_rows::UpdateAdopter(tx, adopter));
  return registry_rows::InsertStatusChange(tx, RecordKind::kAdopter, authority,
                                           row, from, to, why, caller.key_id,
                                           caller.authority_id);
}

absl::Status SyncBoth(StoreTx& tx, const Caller& caller, const LinkRow& link,
                      absl::string_view why) {
  RETURN_IF_ERROR(
      SyncChild(tx, caller, link.child_authority, link.child_row, why));
  return SyncAdopter(tx, caller, link.adopter_authority, link.adopter_row, why);
}

std::string ReasonWords(v1::CloseReason reason) {
  return absl::StrReplaceAll(absl::AsciiStrToLower(EnumValueSuffix(
                                 v1::CloseReason_descriptor(), reason)),
                             {{"_", " "}});
}

// What the ledger needs of a link (services/ledger/fee_accrual.h).
fee_accrual::FeeLink FeeLinkOf(const LinkRow& row, const v1::Child& child) {
  return fee_accrual::FeeLink{.link_id = row.id,
                              .payer = row.child_authority,
                              .payee = row.adopter_authority,
                              .children = std::max(1, child.members_size())};
}

ledger_rows::Recorder RecorderOf(const Caller& caller) {
  return ledger_rows::Recorder{caller.authority_id, caller.key_id};
}

}  // namespace

v1::Link Links::Answer(LinkRow row) const {
  v1::Link& link = row.link;
  if (link.steps_size() > 0) {
    std::optional<absl::CivilDay> from =
        ToCivilDay(link.steps(link.steps_size() - 1).date());
    std::optional<absl::CivilDay> to = clock_.Today();
    if (link.state() == v1::LINK_STATE_CLOSED) {
      to = ToCivilDay(link.closed_on());
    }
    if (from.has_value() && to.has_value()) {
      link.set_days_in_step(static_cast<int32_t>(
          std::max<int64_t>(0, static_cast<int64_t>(*to - *from))));
    }
  }
  return std::move(link);
}

absl::StatusOr<LinkRow> Links::VisibleLink(const Caller& caller,
                                           absl::string_view name) {
  ASSIGN_OR_RETURN(int64_t id, ParseLinkName(name, "name"));
  absl::StatusOr<LinkRow> row = link_rows::GetLink(store_, id);
  if (absl::IsNotFound(row.status())) return NoSuchLink();
  RETURN_IF_ERROR(row.status());
  ASSIGN_OR_RETURN(
      bool seen,
      link_rows::SeenBy(store_, caller, row->child_authority, row->child_row));
  if (!seen) return NoSuchLink();
  return row;
}

absl::StatusOr<v1::Link> Links::OpenLink(const Caller& caller,
                                         const v1::OpenLinkRequest& request) {
  FieldErrors errors;
  absl::StatusOr<RecordName> child_name =
      ParseRecordName(request.child(), "children", 'c', "child");
  absl::StatusOr<RecordName> adopter_name =
      ParseRecordName(request.adopter(), "adopters", 'h', "adopter");
  errors.AddAll(child_name.status());
  errors.AddAll(adopter_name.status());
  const absl::CivilDay today = clock_.Today();
  std::optional<absl::CivilDay> opened_on =
      DateField(request.opened_on(), "opened_on", false, errors);
  if (opened_on.has_value()) {
    errors.AddAll(link_rules::CheckOpenedDate(*opened_on, today));
  }
  v1::PlacementKind kind = request.placement_kind();
  if (kind == v1::PLACEMENT_KIND_UNSPECIFIED)
    kind = v1::PLACEMENT_KIND_ADOPTIVE;
  if (!v1::PlacementKind_IsValid(kind)) {
    errors.Add("placement_kind", "is not a placement kind");
  }
  if (!request.override_reason().empty()) {
    CheckFreeText(request.override_reason(), "override_reason", kReasonText,
                  errors);
  }
  ValidateRequestId(request.request_id(), errors);
  RETURN_IF_ERROR(errors.ToStatus());

  if (!CanOpenLinkFor(caller, child_name->authority_id)) {
    return absl::PermissionDeniedError(
        caller.withdrawn ? WithdrawnMessage(caller)
                         : "opening a link needs a family_finder or manager "
                           "key");
  }
  // The records, as the caller may see them.
  absl::StatusOr<v1::Child> seen_child = registry_rows::GetChild(
      store_, child_name->authority_id, child_name->row_id);
  if (absl::IsNotFound(seen_child.status()) ||
      (seen_child.ok() &&
       !IsVisibleTo(caller, child_name->authority_id, *seen_child))) {
    return absl::NotFoundError("no such child");
  }
  RETURN_IF_ERROR(seen_child.status());
  absl::StatusOr<v1::Adopter> seen_adopter = registry_rows::GetAdopter(
      store_, adopter_name->authority_id, adopter_name->row_id);
  if (absl::IsNotFound(seen_adopter.status()) ||
      (seen_adopter.ok() && !IsVisibleTo(caller, adopter_name->authority_id))) {
    return absl::NotFoundError("no such household");
  }
  RETURN_IF_ERROR(seen_adopter.status());

  const std::string opened = FormatDate(ToDate(opened_on.value_or(today)));
  ASSIGN_OR_RETURN(
      auto written,
      store_.Write<v1::Link>(
          MakeRequestKey(caller.authority_id, request),
          [&](StoreTx& tx) -> absl::StatusOr<v1::Link> {
            ASSIGN_OR_RETURN(v1::Child child, registry_rows::GetChild(
                                                  tx, child_name->authority_id,
                                                  child_name->row_id));
            ASSIGN_OR_RETURN(
                v1::Adopter adopter,
                registry_rows::GetAdopter(tx, adopter_name->authority_id,
                                          adopter_name->row_id));
            if (child.status() != v1::CHILD_STATUS_WAITING &&
                child.status() != v1::CHILD_STATUS_LINKED) {
              return Refused(
                  "child",
                  absl::StrCat("the child profile is ",
                               EnumValueSuffix(v1::ChildStatus_descriptor(),
                                               child.status()),
                               ": only a waiting or linked one is linked"));
            }
            if (adopter.status() != v1::ADOPTER_STATUS_APPROVED &&
                adopter.status() != v1::ADOPTER_STATUS_LINKED) {
              return Refused(
                  "adopter",
                  absl::StrCat("the household is ",
                               EnumValueSuffix(v1::AdopterStatus_descriptor(),
                                               adopter.status()),
                               ": only an approved or linked one is linked"));
            }
            ASSIGN_OR_RETURN(
                int64_t existing,
                link_rows::OpenLinkOfPair(
                    tx, child_name->authority_id, child_name->row_id,
                    adopter_name->authority_id, adopter_name->row_id));
            if (existing != 0) {
              return absl::AlreadyExistsError(
                  absl::StrCat(LinkName(existing),
                               " already links this child and household"));
            }
            RETURN_IF_ERROR(link_rules::CheckPlacementKind(
                kind, adopter.dual_approved(), child.early_permanence()));
            link_rules::LinkFacts unopened;
            unopened.placement_kind = kind;
            RETURN_IF_ERROR(link_rules::CheckStepDate(
                unopened, v1::LINK_STEP_OPENED, opened_on.value_or(today),
                today, RecordDatesOf(child, adopter), "opened_on"));
            // The caps, from the links as stored.
            const matcher::MatchingPolicy policy =
                live_.Read([](const matcher::CandidateIndex&,
                              const matcher::MatchingPolicy& p) { return p; });
            ASSIGN_OR_RETURN(std::vector<link_rules::LinkSummary> child_links,
                             link_rows::ChildLinks(tx, child_name->authority_id,
                                                   child_name->row_id));
            ASSIGN_OR_RETURN(
                std::vector<link_rules::LinkSummary> adopter_links,
                link_rows::AdopterLinks(tx, adopter_name->authority_id,
                                        adopter_name->row_id));
            auto open = [](const std::vector<link_rules::LinkSummary>& ls) {
              return static_cast<int>(std::count_if(
                  ls.begin(), ls.end(), [](const link_rules::LinkSummary& l) {
                    return l.state == v1::LINK_STATE_OPEN;
                  }));
            };
            RETURN_IF_ERROR(link_rules::CheckHouseholdCap(
                open(adopter_links), policy.max_open_links));
            RETURN_IF_ERROR(link_rules::CheckChildCap(
                open(child_links), policy.max_open_links_per_child));
            // Every hard constraint of the matcher, on the live index.
            const uint64_t child_key =
                static_cast<uint64_t>(child_name->row_id);
            const uint64_t household_key =
                static_cast<uint64_t>(adopter_name->row_id);
            absl::StatusOr<matcher::PairExplanation> e =
                live_.Read([&](const matcher::CandidateIndex& index,
                               const matcher::MatchingPolicy& p)
                               -> absl::StatusOr<matcher::PairExplanation> {
                  std::optional<matcher::ChildGroup> g =
                      index.FindChild(child_key);
                  std::optional<matcher::Household> h =
                      index.FindHousehold(household_key);
                  if (!g.has_value() ||
                      g->authority != child_name->authority_id ||
                      !h.has_value() ||
                      h->authority != adopter_name->authority_id) {
                    return absl::FailedPreconditionError(
                        "the child profile or the household is not in "
                        "matching");
                  }
                  return index.ExplainPair(child_key, household_key, p,
                                           DayNumber(ToDate(today)));
                });
            RETURN_IF_ERROR(e.status());
            std::vector<std::string> failed;
            std::vector<std::string> why;
            for (const matcher::ConstraintCheck& c : e->constraints) {
              if (c.passed || c.constraint == matcher::Constraint::kLinkLimit) {
                continue;
              }
              const std::string id(matcher::ConstraintId(c.constraint));
              if (!Overridable(c.constraint)) {
                return absl::FailedPreconditionError(
                    absl::StrCat("the pair fails ", id, " (", c.reason,
                                 "), which no override passes"));
              }
              failed.push_back(id);
              why.push_back(absl::StrCat(id, ": ", c.reason));
            }
            if (!failed.empty() && request.override_reason().empty()) {
              return Refused(
                  "override_reason",
                  absl::StrCat("the pair fails ", absl::StrJoin(why, "; "),
                               ": give override_reason to open it anyway"));
            }
            if (failed.empty() && !request.override_reason().empty()) {
              return InvalidField("override_reason",
                                  "the pair fails no hard constraint: there "
                                  "is nothing to override");
            }
            NewLink link;
            link.child_authority = child_name->authority_id;
            link.child_row = child_name->row_id;
            link.adopter_authority = adopter_name->authority_id;
            link.adopter_row = adopter_name->row_id;
            link.placement_kind = kind;
            link.opened_on = opened;
            link.override_reason = request.override_reason();
            link.overridden = failed;
            link.authority_id = caller.authority_id;
            link.key_id = caller.key_id;
            ASSIGN_OR_RETURN(int64_t id, link_rows::InsertLink(tx, link));
            ASSIGN_OR_RETURN(LinkRow row, link_rows::GetLink(tx, id));
            RETURN_IF_ERROR(
                SyncBoth(tx, caller, row,
                         absl::StrCat("link ", LinkName(id), " opened")));
            return Answer(std::move(row));
          }));
  return written.value;
}

absl::StatusOr<v1::Link> Links::AdvanceLink(
    const Caller& caller, const v1::AdvanceLinkRequest& request) {
  FieldErrors errors;
  errors.AddAll(ParseLinkName(request.name(), "name").status());
  const v1::LinkStep step = request.step();
  if (step <= v1::LINK_STEP_OPENED || step > v1::LINK_STEP_ORDER_GRANTED) {
    errors.Add("step", step == v1::LINK_STEP_OPENED
                           ? "a link is opened by OpenLink"
                           : "give the step to record (linking meeting to "
                             "order granted)");
  }
  const absl::CivilDay today = clock_.Today();
  std::optional<absl::CivilDay> date =
      DateField(request.date(), "date", true, errors);
  if (date.has_value() && *date > today) {
    errors.Add("date", absl::StrCat(Day(*date), " is in the future"));
  }
  ValidateRequestId(request.request_id(), errors);
  RETURN_IF_ERROR(errors.ToStatus());

  ASSIGN_OR_RETURN(LinkRow seen, VisibleLink(caller, request.name()));
  if (!CanRecordStepFor(caller, PartiesOf(seen), step)) {
    return absl::PermissionDeniedError(
        caller.withdrawn
            ? WithdrawnMessage(caller)
            : absl::StrCat(link_rules::StepWords(step),
                           " is recorded by the child's authority (",
                           seen.child_authority, ")",
                           step <= v1::LINK_STEP_LINKING_MEETING
                               ? ", or a family finder of the household's "
                                 "agency, of the member that opened the "
                                 "link or of the regional adoption agency"
                               : ""));
  }
  ASSIGN_OR_RETURN(
      auto written,
      store_.Write<v1::Link>(
          MakeRequestKey(caller.authority_id, request),
          [&](StoreTx& tx) -> absl::StatusOr<v1::Link> {
            ASSIGN_OR_RETURN(LinkRow row, link_rows::GetLink(tx, seen.id));
            const link_rules::LinkFacts facts = FactsOf(row.link);
            RETURN_IF_ERROR(link_rules::CheckNextStep(facts, step));
            ASSIGN_OR_RETURN(v1::Child child,
                             registry_rows::GetChild(tx, row.child_authority,
                                                     row.child_row));
            ASSIGN_OR_RETURN(v1::Adopter adopter,
                             registry_rows::GetAdopter(
                                 tx, row.adopter_authority, row.adopter_row));
            // A withdrawn profile or household moves no further: close the
            // link instead. (Withdrawing is refused while a link is open;
            // this keeps links from stores written before that.)
            if (child.status() == v1::CHILD_STATUS_WITHDRAWN) {
              return Refused("name",
                             absl::StrCat(row.link.child(),
                                          " was withdrawn: close the link"));
            }
            if (adopter.status() == v1::ADOPTER_STATUS_WITHDRAWN) {
              return Refused("name",
                             absl::StrCat(row.link.adopter(),
                                          " was withdrawn: close the link"));
            }
            RETURN_IF_ERROR(link_rules::CheckStepDate(
                facts, step, *date, today, RecordDatesOf(child, adopter)));
            const std::string day = Day(*date);
            RETURN_IF_ERROR(link_rows::AppendStep(
                tx, row.id, step, day, caller.authority_id, caller.key_id));
            // The inter-agency fee accrues in this same transaction.
            RETURN_IF_ERROR(fee_accrual::OnStep(tx, FeeLinkOf(row, child), step,
                                                *date, RecorderOf(caller)));
            const std::string why = absl::StrCat("link ", LinkName(row.id), " ",
                                                 link_rules::StepWords(step));
            // The records' statuses move with this step first, so that
            // their histories name it (the match decision, not the other
            // links it then closes).
            RETURN_IF_ERROR(SyncBoth(tx, caller, row, why));
            if (step == v1::LINK_STEP_MATCH_DECIDED) {
              ASSIGN_OR_RETURN(auto child_links,
                               link_rows::ChildLinks(tx, row.child_authority,
                                                     row.child_row));
              ASSIGN_OR_RETURN(auto adopter_links,
                               link_rows::AdopterLinks(
                                   tx, row.adopter_authority, row.adopter_row));
              for (const link_rules::AutoClose& close :
                   link_rules::ClosesOnMatch(row.id, child_links,
                                             adopter_links)) {
                ASSIGN_OR_RETURN(LinkRow other,
                                 link_rows::GetLink(tx, close.link_id));
                const link_rules::LinkFacts of = FactsOf(other.link);
                const absl::CivilDay on =
                    of.steps.empty() ? *date
                                     : std::max(*date, of.steps.back().date);
                RETURN_IF_ERROR(link_rows::CloseLink(tx, other.id, close.reason,
                                                     "", Day(on),
                                                     caller.authority_id));
                ASSIGN_OR_RETURN(
                    v1::Child other_child,
                    registry_rows::GetChild(tx, other.child_authority,
                                            other.child_row));
                RETURN_IF_ERROR(fee_accrual::OnClose(
                    tx, FeeLinkOf(other, other_child), on,
                    ReasonWords(close.reason), RecorderOf(caller)));
                RETURN_IF_ERROR(SyncBoth(
                    tx, caller, other,
                    absl::StrCat("link ", LinkName(other.id),
                                 " closed: ", ReasonWords(close.reason), " (",
                                 LinkName(row.id), ")")));
              }
            }
            ASSIGN_OR_RETURN(LinkRow after, link_rows::GetLink(tx, row.id));
            return Answer(std::move(after));
          }));
  return written.value;
}

absl::StatusOr<v1::Link> Links::CloseLink(const Caller& caller,
                                          const v1::CloseLinkRequest& request) {
  FieldErrors errors;
  errors.AddAll(ParseLinkName(request.name(), "name").status());
  const v1::CloseReason reason = request.reason();
  if (!link_rules::IsCloseReasonForPeople(reason)) {
    errors.Add("reason",
               reason == v1::CLOSE_REASON_CHILD_MATCHED_ELSEWHERE ||
                       reason == v1::CLOSE_REASON_HOUSEHOLD_MATCHED_ELSEWHERE
                   ? "is set by the service only, when another link reaches "
                     "match decided"
                   : "give why the link closes");
  }
  CheckFreeText(request.note(), "note", kSummaryText, errors);
  const absl::CivilDay today = clock_.Today();
  std::optional<absl::CivilDay> date =
      DateField(request.date(), "date", false, errors);
  if (date.has_value() && *date > today) {
    errors.Add("date", absl::StrCat(Day(*date), " is in the future"));
  }
  ValidateRequestId(request.request_id(), errors);
  RETURN_IF_ERROR(errors.ToStatus());

  ASSIGN_OR_RETURN(LinkRow seen, VisibleLink(caller, request.name()));
  if (!CanCloseLinkFor(caller, seen.child_authority, seen.adopter_authority,
                       reason)) {
    return absl::PermissionDeniedError(
        caller.withdrawn
            ? WithdrawnMessage(caller)
            : absl::StrCat("the child's authority (", seen.child_authority,
                           ") closes this link; the household's agency (",
                           seen.adopter_authority,
                           ") only with HOUSEHOLD_WITHDREW"));
  }
  const absl::CivilDay on = date.value_or(today);
  ASSIGN_OR_RETURN(
      auto written,
      store_.Write<v1::Link>(
          MakeRequestKey(caller.authority_id, request),
          [&](StoreTx& tx) -> absl::StatusOr<v1::Link> {
            ASSIGN_OR_RETURN(LinkRow row, link_rows::GetLink(tx, seen.id));
            const link_rules::LinkFacts facts = FactsOf(row.link);
            RETURN_IF_ERROR(link_rules::CheckClose(facts, reason));
            RETURN_IF_ERROR(link_rules::CheckCloseDate(facts, on, today));
            RETURN_IF_ERROR(link_rows::CloseLink(tx, row.id, reason,
                                                 request.note(), Day(on),
                                                 caller.authority_id));
            ASSIGN_OR_RETURN(v1::Child child,
                             registry_rows::GetChild(tx, row.child_authority,
                                                     row.child_row));
            // The reason's words only: the note is the journey's free text.
            RETURN_IF_ERROR(fee_accrual::OnClose(tx, FeeLinkOf(row, child), on,
                                                 ReasonWords(reason),
                                                 RecorderOf(caller)));
            RETURN_IF_ERROR(
                SyncBoth(tx, caller, row,
                         absl::StrCat("link ", LinkName(row.id),
                                      " closed: ", ReasonWords(reason))));
            ASSIGN_OR_RETURN(LinkRow after, link_rows::GetLink(tx, row.id));
            return Answer(std::move(after));
          }));
  return written.value;
}

absl::StatusOr<v1::Link> Links::CorrectStep(
    const Caller& caller, const v1::CorrectStepRequest& request) {
  FieldErrors errors;
  errors.AddAll(ParseLinkName(request.name(), "name").status());
  const v1::LinkStep step = request.step();
  if (step < v1::LINK_STEP_OPENED || step > v1::LINK_STEP_ORDER_GRANTED) {
    errors.Add("step", "give the step whose date is corrected");
  }
  const absl::CivilDay today = clock_.Today();
  std::optional<absl::CivilDay> new_date =
      DateField(request.new_date(), "new_date", true, errors);
  if (new_date.has_value() && *new_date > today) {
    errors.Add("new_date", absl::StrCat(Day(*new_date), " is in the future"));
  }
  CheckFreeText(request.reason(), "reason", kReasonText, errors);
  ValidateRequestId(request.request_id(), errors);
  RETURN_IF_ERROR(errors.ToStatus());

  ASSIGN_OR_RETURN(LinkRow seen, VisibleLink(caller, request.name()));
  if (!CanRecordStepFor(caller, PartiesOf(seen), step)) {
    return absl::PermissionDeniedError(
        caller.withdrawn ? WithdrawnMessage(caller)
                         : absl::StrCat("a step's date is corrected by whoever "
                                        "may record ",
                                        link_rules::StepWords(step)));
  }
  ASSIGN_OR_RETURN(
      auto written,
      store_.Write<v1::Link>(
          MakeRequestKey(caller.authority_id, request),
          [&](StoreTx& tx) -> absl::StatusOr<v1::Link> {
            ASSIGN_OR_RETURN(LinkRow row, link_rows::GetLink(tx, seen.id));
            const link_rules::LinkFacts facts = FactsOf(row.link);
            ASSIGN_OR_RETURN(v1::Child child,
                             registry_rows::GetChild(tx, row.child_authority,
                                                     row.child_row));
            ASSIGN_OR_RETURN(v1::Adopter adopter,
                             registry_rows::GetAdopter(
                                 tx, row.adopter_authority, row.adopter_row));
            RETURN_IF_ERROR(link_rules::CheckCorrection(
                facts, step, *new_date, today, RecordDatesOf(child, adopter)));
            const std::optional<absl::CivilDay> old = facts.DateOf(step);
            RETURN_IF_ERROR(link_rows::AppendCorrection(
                tx, row.id, step, Day(*old), Day(*new_date), request.reason(),
                caller.authority_id, caller.key_id));
            RETURN_IF_ERROR(fee_accrual::OnCorrection(tx, FeeLinkOf(row, child),
                                                      step, *new_date,
                                                      RecorderOf(caller)));
            ASSIGN_OR_RETURN(LinkRow after, link_rows::GetLink(tx, row.id));
            return Answer(std::move(after));
          }));
  return written.value;
}

absl::StatusOr<v1::Link> Links::GetLink(const Caller& caller,
                                        const v1::GetLinkRequest& request) {
  FieldErrors errors;
  errors.AddAll(ParseLinkName(request.name(), "name").status());
  RETURN_IF_ERROR(errors.ToStatus());
  ASSIGN_OR_RETURN(LinkRow row, VisibleLink(caller, request.name()));
  return Answer(std::move(row));
}

absl::StatusOr<v1::ListLinksResponse> Links::ListLinks(
    const Caller& caller, const v1::ListLinksRequest& request) {
  FieldErrors errors;
  LinkFilter filter;
  if (!request.child().empty()) {
    absl::StatusOr<RecordName> n =
        ParseRecordName(request.child(), "children", 'c', "child");
    errors.AddAll(n.status());
    if (n.ok()) {
      filter.child_authority = n->authority_id;
      filter.child_row = n->row_id;
    }
  }
  if (!request.adopter().empty()) {
    absl::StatusOr<RecordName> n =
        ParseRecordName(request.adopter(), "adopters", 'h', "adopter");
    errors.AddAll(n.status());
    if (n.ok()) {
      filter.adopter_authority = n->authority_id;
      filter.adopter_row = n->row_id;
    }
  }
  if (!request.authority().empty()) {
    absl::StatusOr<std::string> a =
        ParseAuthorityName(request.authority(), "authority");
    errors.AddAll(a.status());
    if (a.ok()) filter.authority_id = *a;
  }
  if (!v1::LinkState_IsValid(request.state())) {
    errors.Add("state", "is not a link state");
  }
  filter.state = request.state();
  absl::StatusOr<PageCursor> cursor =
      ReadPageRequest(request.page_size(), request.page_token());
  errors.AddAll(cursor.status());
  RETURN_IF_ERROR(errors.ToStatus());
  if (!filter.authority_id.empty() && filter.authority_id != "-") {
    RETURN_IF_ERROR(
        registry_rows::RequireMember(store_, filter.authority_id, "authority")
            .status());
  }

  ASSIGN_OR_RETURN(
      Page<LinkRow> page,
      link_rows::ListLinks(store_, filter,
                           PageRequest{cursor->page_size, cursor->after}));
  v1::ListLinksResponse out;
  std::map<std::pair<std::string, int64_t>, bool> visible;
  for (LinkRow& row : page.items) {
    auto key = std::make_pair(row.child_authority, row.child_row);
    auto it = visible.find(key);
    if (it == visible.end()) {
      ASSIGN_OR_RETURN(bool seen,
                       link_rows::SeenBy(store_, caller, row.child_authority,
                                         row.child_row));
      it = visible.emplace(key, seen).first;
    }
    if (it->second) *out.add_links() = Answer(std::move(row));
  }
  out.set_next_page_token(NextPageToken(page.next_after));
  return out;
}

}  // namespace raa
