// Every visibility and role rule, as named pure functions of a Caller
// (caller.h) and the record's owners: the one place an area asks who may see
// or change what. The access table (access_policy.h) decides who may call
// which RPC at all; these decide about the records a call touches. No area
// writes its own copy; tests/auth/rules_test.cc checks each as a table
// (role × relation to the record → answer).
//
// "Withdrawn" is Caller::withdrawn: the caller's member has left the
// consortium, and its keys may only read its own records. Every function
// here is pure and thread-safe.
#ifndef RAAMATCH_SERVICES_AUTH_RULES_H_
#define RAAMATCH_SERVICES_AUTH_RULES_H_

#include <initializer_list>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "raa/v1/access.pb.h"
#include "raa/v1/journey.pb.h"
#include "raa/v1/registry.pb.h"
#include "services/auth/caller.h"

namespace raa {

// "authorities/{a} has withdrawn from the consortium: …", for refusals.
std::string WithdrawnMessage(const Caller& caller);

// ---- seeing records ----

// Whether a profile owned by `owner` with this hidden_from list (authority
// ids) is hidden from `authority`: never from its owner.
template <typename Ids>
bool IsHiddenFrom(absl::string_view authority, absl::string_view owner,
                  const Ids& hidden_from) {
  if (authority == owner) return false;
  for (const auto& id : hidden_from) {
    if (id == authority) return true;
  }
  return false;
}

// Whether a child profile owned by `owner` with this hidden_from list may be
// shown to the caller: its own member always (even withdrawn); others unless
// hidden from their member, and never to a withdrawn member.
template <typename Ids>
bool IsVisibleTo(const Caller& caller, absl::string_view owner,
                 const Ids& hidden_from) {
  if (caller.authority_id == owner) return true;
  return !caller.withdrawn &&
         !IsHiddenFrom(caller.authority_id, owner, hidden_from);
}
// The same for a stored child.
bool IsVisibleTo(const Caller& caller, absl::string_view owner,
                 const v1::Child& child);
// The same for a record with no hidden_from list (a household).
bool IsVisibleTo(const Caller& caller, absl::string_view owner);

// Field rules: clears what the caller may not see in a response. A child's
// hidden_from names where its birth family may live: only the owning member
// sees it.
void RedactFor(const Caller& caller, v1::Child& child);
void RedactFor(const Caller& caller, v1::ListChildrenResponse& response);
// Responses with nothing to redact. A ranking's answer is not a message
// (services/matching/ranking_answer.h): should it ever carry a field to
// redact, its RedactFor must be written for RankingAnswer, or this one
// silently applies.
template <typename Message>
void RedactFor(const Caller&, Message&) {}

// ---- changing records ----

// PERMISSION_DENIED unless the caller has one of `roles` and its member has
// not withdrawn (for changes; reads ask the access table).
absl::Status RequireAnyRole(const Caller& caller,
                            std::initializer_list<v1::Role> roles);

// Whether the caller may change `owner`'s children and households: a
// registrar of `owner`, still in the consortium.
bool CanChangeRecordsOf(const Caller& caller, absl::string_view owner);
// CanChangeRecordsOf, or PERMISSION_DENIED saying which part is missing.
absl::Status RequireRegistrarOf(const Caller& caller, absl::string_view owner);

// ---- searching (rank, explain, follow) ----

// The roles that search every member's records (the access table's
// search rows and CanSearchAll).
inline constexpr uint32_t kSearchAllRoles = kFamilyFinder | kManager;
// Whether the caller may search for the children and households of every
// member: family finders and managers of members still in the consortium.
bool CanSearchAll(const Caller& caller);
// PERMISSION_DENIED unless the caller may search for `owner`'s records:
// CanSearchAll, or a registrar of `owner` still in the consortium.
absl::Status CanSearchFor(const Caller& caller, absl::string_view owner);
// The caller as it searches for one pair (ExplainPair): a registrar may
// explain a pair where either side is its own member's, as a family finder
// would; anyone else searches as itself. A new value; `caller` is unchanged.
Caller SearcherOfPair(const Caller& caller, absl::string_view child_owner,
                      absl::string_view adopter_owner);

// ---- API keys ----

// Whether the caller sees every member's API keys (a manager of a member
// still in the consortium); others see their own member's.
bool SeesEveryMembersKeys(const Caller& caller);
// Whether the caller may revoke key `key_id`: never the key it calls with
// (so a manager cannot lock itself out). Roles are RequireAnyRole's.
bool CanRevokeKey(const Caller& caller, absl::string_view key_id);

// ---- the child's journey (links) ----
//
// "The child's authority" is a registrar or family finder of the member
// that owns the child profile; "the household's agency" likewise for the
// household. Managers of members still in the consortium may do every
// journey step. A withdrawn member's keys change nothing.

// Whether the caller may open a link between a child profile owned by
// `child_owner` and a household: a family finder of any member, or a
// manager. (Whether the profile is visible to the caller is IsVisibleTo.)
bool CanOpenLinkFor(const Caller& caller, absl::string_view child_owner);
// Whose a link is: authority ids of the child's authority, the household's
// agency and the member whose key opened it.
struct LinkParties {
  absl::string_view child_owner;
  absl::string_view adopter_owner;
  absl::string_view opener;
};
// Whether the caller may record (or correct the date of) `step` of `link`:
// OPENED and LINKING_MEETING, the child's authority or a family finder of
// the household's agency, of the member that opened it or of the regional
// adoption agency (Caller::hub), whose family finders work for every member
// (not a family finder of another member with no part in the link);
// PAPERS_TO_PANEL and every later step, the child's authority; managers any.
bool CanRecordStepFor(const Caller& caller, const LinkParties& link,
                      v1::LinkStep step);
// Whether the caller may close a link of a child owned by `child_owner`
// with a household of `adopter_owner` for `reason`: the child's authority
// with any reason a person gives, the household's agency with
// HOUSEHOLD_WITHDREW only, managers any; nobody with the reasons the
// service sets (*_MATCHED_ELSEWHERE).
bool CanCloseLinkFor(const Caller& caller, absl::string_view child_owner,
                     absl::string_view adopter_owner, v1::CloseReason reason);

// Whether the caller may record a milestone or a tracking review of a record
// owned by `owner`: a registrar or family finder of `owner`, or a manager,
// of a member still in the consortium.
bool CanRecordMilestoneFor(const Caller& caller, absl::string_view owner);

// Whether the caller reads children's profiles and households at all: a
// registrar, family finder or manager, each record still subject to
// IsVisibleTo. A finance officer's key never does: its overdue list
// (ListOverdue) holds its budget warnings only, and its forecast
// (GetForecast) the figures without the list of waiting children.
bool SeesChildrenAndHouseholds(const Caller& caller);

// ---- the inter-agency fee ledger (used from the ledger issue on) ----

// Whether the caller may read the ledger entries between `payer` and
// `payee`: a finance officer of either (even withdrawn: its own records), or
// a manager still in the consortium.
bool CanSeeLedgerOf(const Caller& caller, absl::string_view payer,
                    absl::string_view payee);
// Whether the caller may record a payment from `payer` to `payee`: a
// finance officer of the payer, or a manager, of a member still in the
// consortium (the payee answers it with CanConfirmPaymentFor).
bool CanRecordPaymentFor(const Caller& caller, absl::string_view payer,
                         absl::string_view payee);
// Whether the caller may confirm or reject a payment from `payer` to
// `payee`: a finance officer of the payee, or a manager, of a member still
// in the consortium; never the payer's finance officer (a payer confirming
// its own payment would settle its debt alone).
bool CanConfirmPaymentFor(const Caller& caller, absl::string_view payer,
                          absl::string_view payee);
// Whether the caller may set the inter-agency budget of `authority`: its
// finance officer, or a manager, of a member still in the consortium.
bool CanManageBudgetOf(const Caller& caller, absl::string_view authority);

// ---- reports (the scorecard, the waiting report, the forecast) ----

// Whether the caller may read the reports of `authority` (an authority id, or
// "-" for the consortium view: the consortium's figures and every member
// ranked): its own member's, any role (even withdrawn: its own records);
// another member's, a manager still in the consortium; the consortium view,
// a manager or a family finder still in the consortium (family finders
// compare members' timescales; the figures are aggregates, and the forecast
// lists only the children visible to the caller).
bool CanSeeReportsOf(const Caller& caller, absl::string_view authority);

}  // namespace raa

#endif  // RAAMATCH_SERVICES_AUTH_RULES_H_
