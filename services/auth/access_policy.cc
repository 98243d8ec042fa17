#include "services/auth/access_policy.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/enum_names.h"
#include "common/errors.h"
#include "common/names.h"
#include "google/protobuf/descriptor.h"

namespace raa {
namespace {

using CK = CallKind;
using W = Wildcard;

constexpr uint32_t kReaders = kRegistrar | kFamilyFinder | kManager;

// The table. Read a row as: these roles may call it; of them, these may name
// any member's records (the rest only their own); what kind of call it is;
// the fields that name records; then the flags of MethodRule.
// clang-format off
constexpr MethodRule kRules[] = {
    // {method, roles, roles naming any member, kind, scope fields,
    //  [any_field_own, own_reads_when_withdrawn, wildcard]}
    // ---- RegistryService ----
    {"/raa.v1.RegistryService/CreateAuthority", kManager, kManager, CK::kAdminWrite, {}},
    {"/raa.v1.RegistryService/GetAuthority", kEveryRole, kEveryRole, CK::kDirectory, {"name"}, false, true},
    {"/raa.v1.RegistryService/ListAuthorities", kEveryRole, kEveryRole, CK::kDirectory, {}},
    {"/raa.v1.RegistryService/UpdateAuthority", kManager, kManager, CK::kAdminWrite, {"authority.name"}},
    {"/raa.v1.RegistryService/GetWithdrawalImpact", kManager, kManager, CK::kDirectory, {"name"}},
    {"/raa.v1.RegistryService/WithdrawAuthority", kManager, kManager, CK::kAdminWrite, {"name"}},
    {"/raa.v1.RegistryService/ReinstateAuthority", kManager, kManager, CK::kAdminWrite, {"name"}},
    {"/raa.v1.RegistryService/CreateChild", kRegistrar, 0, CK::kRecordWrite, {"parent"}},
    {"/raa.v1.RegistryService/BatchCreateChildren", kRegistrar, 0, CK::kRecordWrite, {"parent"}},
    {"/raa.v1.RegistryService/GetChild", kReaders, kReaders, CK::kRecordRead, {"name"}, false, true},
    {"/raa.v1.RegistryService/ListChildren", kReaders, kReaders, CK::kRecordRead, {"parent"}, false, true, W::kAnyMember},
    {"/raa.v1.RegistryService/UpdateChild", kRegistrar, 0, CK::kRecordWrite, {"child.name"}},
    {"/raa.v1.RegistryService/WithdrawChild", kRegistrar, 0, CK::kRecordWrite, {"name"}},
    {"/raa.v1.RegistryService/CreateAdopter", kRegistrar, 0, CK::kRecordWrite, {"parent"}},
    {"/raa.v1.RegistryService/BatchCreateAdopters", kRegistrar, 0, CK::kRecordWrite, {"parent"}},
    {"/raa.v1.RegistryService/GetAdopter", kReaders, kReaders, CK::kRecordRead, {"name"}, false, true},
    {"/raa.v1.RegistryService/ListAdopters", kReaders, kReaders, CK::kRecordRead, {"parent"}, false, true, W::kAnyMember},
    {"/raa.v1.RegistryService/UpdateAdopter", kRegistrar, 0, CK::kRecordWrite, {"adopter.name"}},
    {"/raa.v1.RegistryService/WithdrawAdopter", kRegistrar, 0, CK::kRecordWrite, {"name"}},
    // The region list is a directory; adding to it is a manager's. A check
    // reads stored records: a manager's covers every member, anyone else's
    // only their own (the handler narrows it; the request names no record).
    {"/raa.v1.RegistryService/ListRegions", kEveryRole, kEveryRole, CK::kDirectory, {}},
    {"/raa.v1.RegistryService/CreateRegion", kManager, kManager, CK::kAdminWrite, {}},
    {"/raa.v1.RegistryService/CheckRegions", kReaders, kManager, CK::kRecordRead, {}},
    // ---- AccessService ----
    {"/raa.v1.AccessService/CreateApiKey", kManager, kManager, CK::kAdminWrite, {"api_key.authority"}},
    {"/raa.v1.AccessService/ListApiKeys", kEveryRole, kManager, CK::kDirectory, {"parent"}, false, true},
    {"/raa.v1.AccessService/RevokeApiKey", kManager, kManager, CK::kAdminWrite, {}},
    {"/raa.v1.AccessService/QueryAuditLog", kManager, kManager, CK::kAuditRead, {}},
    // ---- MatchingService ----
    {"/raa.v1.MatchingService/RankAdopters", kReaders, kSearchAllRoles, CK::kSearch, {"child"}},
    {"/raa.v1.MatchingService/RankChildren", kReaders, kSearchAllRoles, CK::kSearch, {"adopter"}},
    {"/raa.v1.MatchingService/ExplainPair", kReaders, kSearchAllRoles, CK::kSearch, {"child", "adopter"}, true},
    {"/raa.v1.MatchingService/WatchMatches", kReaders, kSearchAllRoles, CK::kSearch, {"children", "adopters"}},
    {"/raa.v1.MatchingService/GetMatchingPolicy", kEveryRole, kEveryRole, CK::kDirectory, {}},
    {"/raa.v1.MatchingService/UpdateMatchingPolicy", kManager, kManager, CK::kAdminWrite, {}},
    // The words of coded reasons: no personal data, any role.
    {"/raa.v1.MatchingService/GetReasonCatalog", kEveryRole, kEveryRole, CK::kDirectory, {}},
    // Follows and alerts are the caller's member's own; the handlers
    // (services/matching/follows.cc) answer another member's follow as
    // NOT_FOUND, as a missing one, rather than say it exists.
    {"/raa.v1.MatchingService/CreateFollow", kReaders, kReaders, CK::kSearch, {"parent"}},
    {"/raa.v1.MatchingService/GetFollow", kReaders, kReaders, CK::kSearch, {"name"}},
    {"/raa.v1.MatchingService/ListFollows", kReaders, kReaders, CK::kSearch, {"parent"}},
    {"/raa.v1.MatchingService/DeleteFollow", kReaders, kReaders, CK::kSearch, {"name"}},
    {"/raa.v1.MatchingService/ListAlerts", kReaders, kReaders, CK::kSearch, {"parent"}},
    // ---- JourneyService: links ----
    // Names of links carry no member: the handlers (services/journey/
    // links.cc) ask rules.h (CanOpenLinkFor, CanRecordStepFor,
    // CanCloseLinkFor) and answer a link to a profile hidden from the caller
    // as NOT_FOUND.
    {"/raa.v1.JourneyService/OpenLink", kSearchAllRoles, kSearchAllRoles, CK::kRecordWrite, {"child", "adopter"}},
    {"/raa.v1.JourneyService/AdvanceLink", kReaders, kReaders, CK::kRecordWrite, {"name"}},
    {"/raa.v1.JourneyService/CloseLink", kReaders, kReaders, CK::kRecordWrite, {"name"}},
    {"/raa.v1.JourneyService/CorrectStep", kReaders, kReaders, CK::kRecordWrite, {"name"}},
    {"/raa.v1.JourneyService/GetLink", kReaders, kReaders, CK::kRecordRead, {"name"}, false, true},
    {"/raa.v1.JourneyService/ListLinks", kReaders, kReaders, CK::kRecordRead, {"child", "adopter"}, false, true},
    // ---- ReportService ----
    // A member's own reports: any role; another member's: a manager; the
    // consortium view (authorities/-): a manager or a family finder. The
    // handler decides the wildcard with CanSeeReportsOf (rules.h).
    {"/raa.v1.ReportService/GetScorecard", kEveryRole, kManager, CK::kRecordRead, {"authority"}, false, true, W::kNarrowed},
    {"/raa.v1.ReportService/GetWaitingReport", kEveryRole, kManager, CK::kRecordRead, {"authority"}, false, true, W::kNarrowed},
    {"/raa.v1.ReportService/GetForecast", kEveryRole, kManager, CK::kRecordRead, {"authority"}, false, true, W::kNarrowed},
    // ---- JourneyService: milestones, reviews, overdue, timescales ----
    // Writers of another member's records are refused by
    // CanRecordMilestoneFor (rules.h); readers of a record hidden from them
    // get NOT_FOUND from the handlers (services/journey/milestones.cc).
    {"/raa.v1.JourneyService/RecordMilestone", kReaders, kManager, CK::kRecordWrite, {"record"}},
    {"/raa.v1.JourneyService/ListMilestones", kReaders, kReaders, CK::kRecordRead, {"record"}, false, true},
    {"/raa.v1.JourneyService/RecordTrackingReview", kReaders, kManager, CK::kRecordWrite, {"review.child"}},
    {"/raa.v1.JourneyService/ListTrackingReviews", kReaders, kReaders, CK::kRecordRead, {"child"}, false, true},
    {"/raa.v1.JourneyService/ListOverdue", kReaders | kFinance, kReaders, CK::kRecordRead, {"authority"}, false, true},  // finance: budget warnings only
    {"/raa.v1.JourneyService/GetTimescales", kEveryRole, kEveryRole, CK::kDirectory, {}},
    {"/raa.v1.JourneyService/UpdateTimescales", kManager, kManager, CK::kAdminWrite, {}},
    // ---- LedgerService ----
    // Finance officers and managers only. A finance officer names only its
    // own member (ListEntries: its own as `authority`, any counterparty);
    // the handlers (services/ledger/ledger.cc) narrow what it sees with
    // CanSeeLedgerOf and decide payments with CanRecordPaymentFor (the
    // payer's) and CanConfirmPaymentFor (the payee's), budgets with
    // CanManageBudgetOf (rules.h). A withdrawn member's finance officer
    // still reads its own ledger. Schedules and month-ends: managers.
    {"/raa.v1.LedgerService/GetFeeSchedule", kFinance | kManager, kFinance | kManager, CK::kDirectory, {}, false, true},
    {"/raa.v1.LedgerService/ListFeeSchedules", kFinance | kManager, kFinance | kManager, CK::kDirectory, {}, false, true},
    {"/raa.v1.LedgerService/AddFeeSchedule", kManager, kManager, CK::kAdminWrite, {}},
    {"/raa.v1.LedgerService/ListEntries", kFinance | kManager, kManager, CK::kRecordRead, {"authority", "counterparty"}, true, true},
    {"/raa.v1.LedgerService/GetBalances", kFinance | kManager, kManager, CK::kRecordRead, {}, false, true},
    {"/raa.v1.LedgerService/GetStatement", kFinance | kManager, kManager, CK::kRecordRead, {"authority"}, false, true},
    {"/raa.v1.LedgerService/GetSalesAndPurchases", kFinance | kManager, kManager, CK::kRecordRead, {"authority"}, false, true},
    {"/raa.v1.LedgerService/RecordPayment", kFinance | kManager, kManager, CK::kAdminWrite, {"payer"}},
    {"/raa.v1.LedgerService/ConfirmPayment", kFinance | kManager, kFinance | kManager, CK::kAdminWrite, {}},
    {"/raa.v1.LedgerService/RejectPayment", kFinance | kManager, kFinance | kManager, CK::kAdminWrite, {}},
    {"/raa.v1.LedgerService/ListPayments", kFinance | kManager, kManager, CK::kRecordRead, {"authority"}, false, true},
    {"/raa.v1.LedgerService/Reconcile", kFinance | kManager, kManager, CK::kRecordRead, {"authority"}, false, true},
    {"/raa.v1.LedgerService/PlanSettlement", kFinance | kManager, kManager, CK::kRecordRead, {}, false, true},
    {"/raa.v1.LedgerService/SetBudget", kFinance | kManager, kManager, CK::kAdminWrite, {"authority"}},
    {"/raa.v1.LedgerService/GetBudget", kFinance | kManager, kManager, CK::kRecordRead, {"authority"}, false, true},
    {"/raa.v1.LedgerService/CloseMonth", kManager, kManager, CK::kAdminWrite, {}},
};
// clang-format on

std::string RoleNames(uint32_t roles) {
  std::vector<std::string> names;
  for (int r = v1::Role_MIN; r <= v1::Role_MAX; ++r) {
    if ((roles & (1u << r)) == 0) continue;
    names.push_back(
        absl::AsciiStrToLower(EnumValueSuffix(v1::Role_descriptor(), r)));
  }
  if (names.size() <= 1) return absl::StrJoin(names, "");
  std::string last = names.back();
  names.pop_back();
  return absl::StrCat(absl::StrJoin(names, ", "), " or ", last);
}

// Appends the string values at dotted `path` of `message`.
void ValuesAt(const google::protobuf::Message& message, absl::string_view path,
              std::vector<std::string>& out) {
  const google::protobuf::Message* m = &message;
  std::vector<absl::string_view> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    const google::protobuf::FieldDescriptor* f =
        m->GetDescriptor()->FindFieldByName(std::string(parts[i]));
    if (f == nullptr) return;
    const google::protobuf::Reflection* r = m->GetReflection();
    const bool last = i + 1 == parts.size();
    if (!last) {
      if (f->is_repeated() ||
          f->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
        return;
      }
      m = &r->GetMessage(*m, f);
      continue;
    }
    if (f->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_STRING) {
      return;
    }
    if (f->is_repeated()) {
      for (int j = 0; j < r->FieldSize(*m, f); ++j) {
        out.push_back(r->GetRepeatedString(*m, f, j));
      }
    } else {
      out.push_back(r->GetString(*m, f));
    }
  }
}

}  // namespace

std::span<const MethodRule> MethodRules() { return kRules; }

const MethodRule* FindMethodRule(absl::string_view method) {
  static const auto* const by_name = [] {
    auto* map = new absl::flat_hash_map<absl::string_view, const MethodRule*>;
    for (const MethodRule& rule : kRules) (*map)[rule.method] = &rule;
    return map;
  }();
  auto it = by_name->find(method);
  return it == by_name->end() ? nullptr : it->second;
}

absl::Status MayCall(const Caller& caller, const MethodRule& rule) {
  if ((caller.roles & rule.roles) == 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("this needs a ", RoleNames(rule.roles), " key"));
  }
  if (caller.withdrawn && !rule.own_reads_when_withdrawn) {
    return absl::PermissionDeniedError(WithdrawnMessage(caller));
  }
  return absl::OkStatus();
}

bool MayNameAnyMember(const Caller& caller, const MethodRule& rule) {
  return !caller.withdrawn && (caller.roles & rule.any_member_roles) != 0;
}

std::vector<std::string> NamedRecords(
    const MethodRule& rule, const google::protobuf::Message& request) {
  std::vector<std::string> values;
  for (absl::string_view field : rule.scope_fields) {
    if (!field.empty()) ValuesAt(request, field, values);
  }
  return values;
}

absl::Status CheckCall(const Caller& caller, const MethodRule* rule,
                       const google::protobuf::Message& request) {
  if (rule == nullptr) {
    return absl::PermissionDeniedError(
        "this call has no access rule: nobody may make it");
  }
  if (absl::Status s = MayCall(caller, *rule); !s.ok()) return s;
  // The member ids the scope fields name.
  absl::InlinedVector<std::string, 4> named;
  for (absl::string_view field : rule->scope_fields) {
    if (field.empty()) continue;
    std::vector<std::string> values;
    ValuesAt(request, field, values);
    for (const std::string& value : values) {
      std::string member = AuthorityOf(value);
      if (member.empty()) {
        // Not a member's name at all (unset, or another kind of name): the
        // handler says what is wrong. One that starts as a member's but
        // whose id is not an id ("authorities/LEEDS", "authorities/../hub")
        // is refused here, whoever calls, so no handler is trusted to.
        if (absl::StartsWith(value, "authorities/")) {
          return InvalidField(
              field,
              "is not a member's name: authorities/ is followed by an "
              "id of lowercase letters, digits and '-'");
        }
        continue;
      }
      if (member == "-" && rule->wildcard == Wildcard::kNone) {
        return InvalidField(
            field, absl::StrCat(Quoted(value),
                                " names every member (authorities/-); this "
                                "call takes one member's name"));
      }
      named.push_back(std::move(member));
    }
  }
  if (MayNameAnyMember(caller, *rule)) return absl::OkStatus();
  // Limited to its own member: every name (or, for any_field_own, one) must
  // be the caller's own.
  bool any_own = false;
  std::string other;
  for (const std::string& member : named) {
    if (member == "-") {
      if (rule->wildcard == Wildcard::kNarrowed) continue;
      return absl::PermissionDeniedError(
          caller.withdrawn
              ? absl::StrCat(WithdrawnMessage(caller), ": give authorities/",
                             caller.authority_id)
              : absl::StrCat("this key may list only authorities/",
                             caller.authority_id));
    }
    if (member == caller.authority_id) {
      any_own = true;
    } else if (other.empty()) {
      other = member;
    }
  }
  if (other.empty() || (rule->any_field_own && any_own)) {
    return absl::OkStatus();
  }
  if (caller.withdrawn) {
    return absl::PermissionDeniedError(WithdrawnMessage(caller));
  }
  switch (rule->kind) {
    case CallKind::kRecordWrite:
      return absl::PermissionDeniedError(absl::StrCat(
          caller.Has(v1::ROLE_REGISTRAR) ? "a registrar of " : "a key of ",
          caller.authority_id, " may change only ", caller.authority_id,
          "'s records, not ", other, "'s"));
    case CallKind::kSearch:
      return absl::PermissionDeniedError(
          absl::StrCat("a registrar may search only for ", caller.authority_id,
                       "'s own children and adopters"));
    default:
      return absl::PermissionDeniedError(
          absl::StrCat("a key of ", caller.authority_id, " may name only ",
                       caller.authority_id, "'s records, not ", other, "'s"));
  }
}

}  // namespace raa
