#include "services/auth/rules.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/enum_names.h"
#include "common/names.h"

namespace raa {
namespace {

std::string RoleNames(std::initializer_list<v1::Role> roles) {
  return absl::StrJoin(roles, " or ", [](std::string* out, v1::Role r) {
    out->append(
        absl::AsciiStrToLower(EnumValueSuffix(v1::Role_descriptor(), r)));
  });
}

bool IsOwn(const Caller& caller, absl::string_view owner) {
  return caller.authority_id == owner;
}

}  // namespace

std::string WithdrawnMessage(const Caller& caller) {
  return absl::StrCat(AuthorityName(caller.authority_id),
                      " has withdrawn from the consortium: its keys may only "
                      "read its own records");
}

// ---- seeing records ----

bool IsVisibleTo(const Caller& caller, absl::string_view owner,
                 const v1::Child& child) {
  return IsVisibleTo(caller, owner, child.hidden_from());
}

bool IsVisibleTo(const Caller& caller, absl::string_view owner) {
  return IsOwn(caller, owner) || !caller.withdrawn;
}

void RedactFor(const Caller& caller, v1::Child& child) {
  // "authorities/{owner}/children/…"
  if (AuthorityOf(child.name()) != caller.authority_id) {
    child.clear_hidden_from();
  }
}

void RedactFor(const Caller& caller, v1::ListChildrenResponse& response) {
  for (v1::Child& child : *response.mutable_children()) {
    RedactFor(caller, child);
  }
}

// ---- changing records ----

absl::Status RequireAnyRole(const Caller& caller,
                            std::initializer_list<v1::Role> roles) {
  // Used for changes: a withdrawn member's keys make none.
  if (caller.withdrawn) {
    return absl::PermissionDeniedError(WithdrawnMessage(caller));
  }
  for (v1::Role r : roles) {
    if (caller.Has(r)) return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      absl::StrCat("this needs a ", RoleNames(roles), " key"));
}

bool CanChangeRecordsOf(const Caller& caller, absl::string_view owner) {
  return caller.Has(v1::ROLE_REGISTRAR) && !caller.withdrawn &&
         IsOwn(caller, owner);
}

absl::Status RequireRegistrarOf(const Caller& caller, absl::string_view owner) {
  if (CanChangeRecordsOf(caller, owner)) return absl::OkStatus();
  if (!caller.Has(v1::ROLE_REGISTRAR)) {
    return absl::PermissionDeniedError("this needs a registrar key");
  }
  if (caller.withdrawn) {
    return absl::PermissionDeniedError(WithdrawnMessage(caller));
  }
  return absl::PermissionDeniedError(
      absl::StrCat("a registrar of ", caller.authority_id, " may change only ",
                   caller.authority_id, "'s records, not ", owner, "'s"));
}

// ---- searching ----

bool CanSearchAll(const Caller& caller) {
  return !caller.withdrawn && (caller.roles & kSearchAllRoles) != 0;
}

absl::Status CanSearchFor(const Caller& caller, absl::string_view owner) {
  if (caller.withdrawn) {
    return absl::PermissionDeniedError(WithdrawnMessage(caller));
  }
  if (CanSearchAll(caller)) return absl::OkStatus();
  if (caller.Has(v1::ROLE_REGISTRAR) && IsOwn(caller, owner)) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      caller.Has(v1::ROLE_REGISTRAR)
          ? absl::StrCat("a registrar may search only for ",
                         caller.authority_id, "'s own children and adopters")
          : "searching needs a family_finder, manager or registrar key");
}

Caller SearcherOfPair(const Caller& caller, absl::string_view child_owner,
                      absl::string_view adopter_owner) {
  Caller searcher = caller;
  if (!CanSearchAll(caller) && caller.Has(v1::ROLE_REGISTRAR) &&
      (IsOwn(caller, child_owner) || IsOwn(caller, adopter_owner))) {
    searcher.roles |= kFamilyFinder;
  }
  return searcher;
}

// ---- API keys ----

bool SeesEveryMembersKeys(const Caller& caller) {
  return !caller.withdrawn && caller.Has(v1::ROLE_MANAGER);
}

bool CanRevokeKey(const Caller& caller, absl::string_view key_id) {
  return key_id != caller.key_id;
}

// ---- the child's journey ----

namespace {
// A registrar or family finder of `owner`, still in the consortium.
bool WorksFor(const Caller& caller, absl::string_view owner) {
  return !caller.withdrawn && IsOwn(caller, owner) &&
         (caller.Has(v1::ROLE_FAMILY_FINDER) || caller.Has(v1::ROLE_REGISTRAR));
}
bool JourneyManager(const Caller& caller) {
  return !caller.withdrawn && caller.Has(v1::ROLE_MANAGER);
}
}  // namespace

bool CanOpenLinkFor(const Caller& caller, absl::string_view /*child_owner*/) {
  return !caller.withdrawn &&
         (caller.Has(v1::ROLE_FAMILY_FINDER) || caller.Has(v1::ROLE_MANAGER));
}

bool CanRecordStepFor(const Caller& caller, const LinkParties& link,
                      v1::LinkStep step) {
  if (JourneyManager(caller)) return true;
  if (WorksFor(caller, link.child_owner)) return true;
  return step <= v1::LINK_STEP_LINKING_MEETING &&
         CanOpenLinkFor(caller, link.child_owner) &&
         (caller.hub || IsOwn(caller, link.adopter_owner) ||
          IsOwn(caller, link.opener));
}

bool CanCloseLinkFor(const Caller& caller, absl::string_view child_owner,
                     absl::string_view adopter_owner, v1::CloseReason reason) {
  if (reason == v1::CLOSE_REASON_UNSPECIFIED ||
      reason == v1::CLOSE_REASON_CHILD_MATCHED_ELSEWHERE ||
      reason == v1::CLOSE_REASON_HOUSEHOLD_MATCHED_ELSEWHERE) {
    return false;
  }
  if (JourneyManager(caller) || WorksFor(caller, child_owner)) return true;
  return reason == v1::CLOSE_REASON_HOUSEHOLD_WITHDREW &&
         WorksFor(caller, adopter_owner);
}

bool CanRecordMilestoneFor(const Caller& caller, absl::string_view owner) {
  if (caller.withdrawn) return false;
  if (caller.Has(v1::ROLE_MANAGER)) return true;
  return IsOwn(caller, owner) &&
         (caller.Has(v1::ROLE_REGISTRAR) || caller.Has(v1::ROLE_FAMILY_FINDER));
}

// ---- the fee ledger ----

bool CanSeeLedgerOf(const Caller& caller, absl::string_view payer,
                    absl::string_view payee) {
  if (caller.Has(v1::ROLE_MANAGER) && !caller.withdrawn) return true;
  return caller.Has(v1::ROLE_FINANCE) &&
         (IsOwn(caller, payer) || IsOwn(caller, payee));
}

bool CanRecordPaymentFor(const Caller& caller, absl::string_view payer,
                         absl::string_view /*payee*/) {
  if (caller.withdrawn) return false;
  if (caller.Has(v1::ROLE_MANAGER)) return true;
  return caller.Has(v1::ROLE_FINANCE) && IsOwn(caller, payer);
}

bool CanConfirmPaymentFor(const Caller& caller, absl::string_view /*payer*/,
                          absl::string_view payee) {
  if (caller.withdrawn) return false;
  if (caller.Has(v1::ROLE_MANAGER)) return true;
  return caller.Has(v1::ROLE_FINANCE) && IsOwn(caller, payee);
}

bool SeesChildrenAndHouseholds(const Caller& caller) {
  return caller.Has(v1::ROLE_REGISTRAR) || caller.Has(v1::ROLE_FAMILY_FINDER) ||
         caller.Has(v1::ROLE_MANAGER);
}

bool CanManageBudgetOf(const Caller& caller, absl::string_view authority) {
  if (caller.withdrawn) return false;
  if (caller.Has(v1::ROLE_MANAGER)) return true;
  return caller.Has(v1::ROLE_FINANCE) && IsOwn(caller, authority);
}

bool CanSeeReportsOf(const Caller& caller, absl::string_view authority) {
  if (authority != "-" && IsOwn(caller, authority)) return true;
  if (caller.withdrawn) return false;
  if (caller.Has(v1::ROLE_MANAGER)) return true;
  return authority == "-" && caller.Has(v1::ROLE_FAMILY_FINDER);
}

}  // namespace raa
