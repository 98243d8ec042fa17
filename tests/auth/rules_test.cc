// Every visibility and role rule of services/auth/rules.h as a table: for
// each rule, the cells (role × the record's relation to the caller × whether
// the caller's member has withdrawn) where it answers yes. Every other cell
// must answer no. No store, no network.
#include "services/auth/rules.h"

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace raa {
namespace {

// Whose record it is, seen from the caller (of "sheffield").
enum class Relation {
  kOwn,     // the caller's member's
  kOther,   // another member's, not hidden from the caller's
  kHidden,  // another member's, hidden from the caller's (hidden_from)
};
constexpr Relation kRelations[] = {Relation::kOwn, Relation::kOther,
                                   Relation::kHidden};
constexpr v1::Role kRoles[] = {v1::ROLE_REGISTRAR, v1::ROLE_FAMILY_FINDER,
                               v1::ROLE_FINANCE, v1::ROLE_MANAGER};

std::string Describe(Relation r) {
  switch (r) {
    case Relation::kOwn:
      return "own";
    case Relation::kOther:
      return "other";
    case Relation::kHidden:
      return "hidden";
  }
  return "?";
}

Caller CallerWith(v1::Role role, bool withdrawn) {
  Caller caller;
  caller.authority_id = "sheffield";
  caller.key_id = "0123456789abcdef";
  caller.roles = 1u << role;
  caller.withdrawn = withdrawn;
  return caller;
}

// The record's owner for a relation, and the child it would be.
std::string OwnerFor(Relation r) {
  return r == Relation::kOwn ? "sheffield" : "leeds";
}
v1::Child ChildFor(Relation r) {
  v1::Child child;
  child.set_name(absl::StrCat("authorities/", OwnerFor(r), "/children/c1"));
  child.add_hidden_from("york");
  if (r == Relation::kHidden) child.add_hidden_from("sheffield");
  return child;
}

struct Cell {
  v1::Role role;
  Relation relation;
  bool withdrawn;
  bool operator==(const Cell&) const = default;
};

// A rule as a yes/no question about (caller, relation).
using Rule = std::function<bool(const Caller&, Relation)>;

struct RuleRow {
  std::string name;
  Rule rule;
  std::vector<Cell> yes;  // every other cell answers no
};

// Cells for every role in `roles`, at each relation in `relations`.
std::vector<Cell> Cells(std::vector<v1::Role> roles,
                        std::vector<Relation> relations, bool withdrawn) {
  std::vector<Cell> out;
  for (v1::Role role : roles) {
    for (Relation r : relations) out.push_back({role, r, withdrawn});
  }
  return out;
}
std::vector<Cell> Join(std::vector<std::vector<Cell>> parts) {
  std::vector<Cell> out;
  for (auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

const std::vector<v1::Role> kAll = {v1::ROLE_REGISTRAR, v1::ROLE_FAMILY_FINDER,
                                    v1::ROLE_FINANCE, v1::ROLE_MANAGER};
const std::vector<Relation> kAny = {Relation::kOwn, Relation::kOther,
                                    Relation::kHidden};
const std::vector<Relation> kOwnOnly = {Relation::kOwn};
const std::vector<Relation> kNotHidden = {Relation::kOwn, Relation::kOther};

std::vector<RuleRow> Table() {
  return {
      // A child: its own member always (even withdrawn); others unless hidden
      // from them; never a withdrawn member's keys. Roles do not matter.
      {"IsVisibleTo(child)",
       [](const Caller& c, Relation r) {
         return IsVisibleTo(c, OwnerFor(r), ChildFor(r));
       },
       Join({Cells(kAll, kNotHidden, false), Cells(kAll, kOwnOnly, true)})},
      // A household has no hidden_from: "hidden" is just another member's.
      {"IsVisibleTo(household)",
       [](const Caller& c, Relation r) { return IsVisibleTo(c, OwnerFor(r)); },
       Join({Cells(kAll, kAny, false), Cells(kAll, kOwnOnly, true)})},
      // Changing children and households: a registrar of the owner.
      {"CanChangeRecordsOf",
       [](const Caller& c, Relation r) {
         return CanChangeRecordsOf(c, OwnerFor(r));
       },
       Cells({v1::ROLE_REGISTRAR}, kOwnOnly, false)},
      {"RequireRegistrarOf",
       [](const Caller& c, Relation r) {
         return RequireRegistrarOf(c, OwnerFor(r)).ok();
       },
       Cells({v1::ROLE_REGISTRAR}, kOwnOnly, false)},
      // Searching every member's records: family finders and managers.
      {"CanSearchAll",
       [](const Caller& c, Relation) { return CanSearchAll(c); },
       Cells({v1::ROLE_FAMILY_FINDER, v1::ROLE_MANAGER}, kAny, false)},
      // Searching one member's: those, or a registrar for its own.
      {"CanSearchFor",
       [](const Caller& c, Relation r) {
         return CanSearchFor(c, OwnerFor(r)).ok();
       },
       Join({Cells({v1::ROLE_FAMILY_FINDER, v1::ROLE_MANAGER}, kAny, false),
             Cells({v1::ROLE_REGISTRAR}, kOwnOnly, false)})},
      // A pair (ExplainPair) where the child is the relation's and the
      // household another member's: a registrar of either side may.
      {"SearcherOfPair (child's side)",
       [](const Caller& c, Relation r) {
         return CanSearchFor(SearcherOfPair(c, OwnerFor(r), "york"), "york")
             .ok();
       },
       Join({Cells({v1::ROLE_FAMILY_FINDER, v1::ROLE_MANAGER}, kAny, false),
             Cells({v1::ROLE_REGISTRAR}, kOwnOnly, false)})},
      {"SearcherOfPair (household's side)",
       [](const Caller& c, Relation r) {
         return CanSearchFor(SearcherOfPair(c, "york", OwnerFor(r)), "york")
             .ok();
       },
       Join({Cells({v1::ROLE_FAMILY_FINDER, v1::ROLE_MANAGER}, kAny, false),
             Cells({v1::ROLE_REGISTRAR}, kOwnOnly, false)})},
      // API keys: managers see every member's.
      {"SeesEveryMembersKeys",
       [](const Caller& c, Relation) { return SeesEveryMembersKeys(c); },
       Cells({v1::ROLE_MANAGER}, kAny, false)},
      {"RequireAnyRole(manager)",
       [](const Caller& c, Relation) {
         return RequireAnyRole(c, {v1::ROLE_MANAGER}).ok();
       },
       Cells({v1::ROLE_MANAGER}, kAny, false)},
      // The journey. Opening: a family finder of any member, or a manager.
      {"CanOpenLinkFor",
       [](const Caller& c, Relation r) {
         return CanOpenLinkFor(c, OwnerFor(r));
       },
       Cells({v1::ROLE_FAMILY_FINDER, v1::ROLE_MANAGER}, kAny, false)},
      // A linking meeting, the relation's member owning the child (the
      // household's and the opener's another): the child's authority, or
      // managers; a family finder of a member with no part in the link may
      // not.
      {"CanRecordStepFor (linking meeting, child's side)",
       [](const Caller& c, Relation r) {
         return CanRecordStepFor(c, {OwnerFor(r), "york", "york"},
                                 v1::LINK_STEP_LINKING_MEETING);
       },
       Join({Cells({v1::ROLE_MANAGER}, kAny, false),
             Cells({v1::ROLE_FAMILY_FINDER, v1::ROLE_REGISTRAR}, kOwnOnly,
                   false)})},
      // The relation's member owning the household: its family finders.
      {"CanRecordStepFor (linking meeting, household's side)",
       [](const Caller& c, Relation r) {
         return CanRecordStepFor(c, {"york", OwnerFor(r), "york"},
                                 v1::LINK_STEP_LINKING_MEETING);
       },
       Join({Cells({v1::ROLE_MANAGER}, kAny, false),
             Cells({v1::ROLE_FAMILY_FINDER}, kOwnOnly, false)})},
      // The relation's member opened the link: its family finders.
      {"CanRecordStepFor (linking meeting, opener)",
       [](const Caller& c, Relation r) {
         return CanRecordStepFor(c, {"york", "york", OwnerFor(r)},
                                 v1::LINK_STEP_LINKING_MEETING);
       },
       Join({Cells({v1::ROLE_MANAGER}, kAny, false),
             Cells({v1::ROLE_FAMILY_FINDER}, kOwnOnly, false)})},
      // Papers to panel and later: the child's authority, or a manager.
      {"CanRecordStepFor (papers to panel and later)",
       [](const Caller& c, Relation r) {
         bool all = true, any = false;
         for (v1::LinkStep s :
              {v1::LINK_STEP_PAPERS_TO_PANEL, v1::LINK_STEP_PANEL_RECOMMENDED,
               v1::LINK_STEP_MATCH_DECIDED, v1::LINK_STEP_PLACED,
               v1::LINK_STEP_ORDER_APPLIED, v1::LINK_STEP_ORDER_GRANTED}) {
           // The household's side and the opener's give nothing here.
           const bool may =
               CanRecordStepFor(c, {OwnerFor(r), "sheffield", "sheffield"}, s);
           all = all && may;
           any = any || may;
         }
         EXPECT_EQ(all, any) << "every later step has the same rule";
         return all;
       },
       Join({Cells({v1::ROLE_MANAGER}, kAny, false),
             Cells({v1::ROLE_FAMILY_FINDER, v1::ROLE_REGISTRAR}, kOwnOnly,
                   false)})},
      // Milestones and tracking reviews: the record's member's registrars
      // and family finders, and managers; never a withdrawn member.
      {"CanRecordMilestoneFor",
       [](const Caller& c, Relation r) {
         return CanRecordMilestoneFor(c, OwnerFor(r));
       },
       Join({Cells({v1::ROLE_MANAGER}, kAny, false),
             Cells({v1::ROLE_FAMILY_FINDER, v1::ROLE_REGISTRAR}, kOwnOnly,
                   false)})},
      // Closing, the relation's member owning the child: the child's
      // authority (any reason), managers.
      {"CanCloseLinkFor (child's side, plan changed)",
       [](const Caller& c, Relation r) {
         return CanCloseLinkFor(c, OwnerFor(r), "york",
                                v1::CLOSE_REASON_PLAN_CHANGED);
       },
       Join({Cells({v1::ROLE_MANAGER}, kAny, false),
             Cells({v1::ROLE_FAMILY_FINDER, v1::ROLE_REGISTRAR}, kOwnOnly,
                   false)})},
      // The relation's member owning the household: HOUSEHOLD_WITHDREW only.
      {"CanCloseLinkFor (household's side, household withdrew)",
       [](const Caller& c, Relation r) {
         return CanCloseLinkFor(c, "york", OwnerFor(r),
                                v1::CLOSE_REASON_HOUSEHOLD_WITHDREW);
       },
       Join({Cells({v1::ROLE_MANAGER}, kAny, false),
             Cells({v1::ROLE_FAMILY_FINDER, v1::ROLE_REGISTRAR}, kOwnOnly,
                   false)})},
      {"CanCloseLinkFor (household's side, chose another family)",
       [](const Caller& c, Relation r) {
         return CanCloseLinkFor(c, "york", OwnerFor(r),
                                v1::CLOSE_REASON_CHOSE_ANOTHER_FAMILY);
       },
       Cells({v1::ROLE_MANAGER}, kAny, false)},
      // The service's own reasons: nobody.
      {"CanCloseLinkFor (matched elsewhere)",
       [](const Caller& c, Relation r) {
         return CanCloseLinkFor(c, OwnerFor(r), OwnerFor(r),
                                v1::CLOSE_REASON_CHILD_MATCHED_ELSEWHERE) ||
                CanCloseLinkFor(c, OwnerFor(r), OwnerFor(r),
                                v1::CLOSE_REASON_HOUSEHOLD_MATCHED_ELSEWHERE);
       },
       {}},
      // The ledger, with the relation's member as the payer: finance officers
      // of the payer (reading even when withdrawn), and managers.
      {"CanSeeLedgerOf (payer)",
       [](const Caller& c, Relation r) {
         return CanSeeLedgerOf(c, OwnerFor(r), "york");
       },
       Join({Cells({v1::ROLE_MANAGER}, kAny, false),
             Cells({v1::ROLE_FINANCE}, kOwnOnly, false),
             Cells({v1::ROLE_FINANCE}, kOwnOnly, true)})},
      {"CanSeeLedgerOf (payee)",
       [](const Caller& c, Relation r) {
         return CanSeeLedgerOf(c, "york", OwnerFor(r));
       },
       Join({Cells({v1::ROLE_MANAGER}, kAny, false),
             Cells({v1::ROLE_FINANCE}, kOwnOnly, false),
             Cells({v1::ROLE_FINANCE}, kOwnOnly, true)})},
      {"CanRecordPaymentFor (payer)",
       [](const Caller& c, Relation r) {
         return CanRecordPaymentFor(c, OwnerFor(r), "york");
       },
       Join({Cells({v1::ROLE_MANAGER}, kAny, false),
             Cells({v1::ROLE_FINANCE}, kOwnOnly, false)})},
      // A payment is recorded by the payer and answered by the payee.
      {"CanRecordPaymentFor (payee)",
       [](const Caller& c, Relation r) {
         return CanRecordPaymentFor(c, "york", OwnerFor(r));
       },
       Cells({v1::ROLE_MANAGER}, kAny, false)},
      {"CanConfirmPaymentFor (payee)",
       [](const Caller& c, Relation r) {
         return CanConfirmPaymentFor(c, "york", OwnerFor(r));
       },
       Join({Cells({v1::ROLE_MANAGER}, kAny, false),
             Cells({v1::ROLE_FINANCE}, kOwnOnly, false)})},
      {"CanConfirmPaymentFor (payer)",
       [](const Caller& c, Relation r) {
         return CanConfirmPaymentFor(c, OwnerFor(r), "york");
       },
       Cells({v1::ROLE_MANAGER}, kAny, false)},
      // The overdue list's records: any member's role but finance, withdrawn
      // or not (each record is then filtered by IsVisibleTo).
      {"SeesChildrenAndHouseholds",
       [](const Caller& c, Relation) { return SeesChildrenAndHouseholds(c); },
       Join({Cells(
                 {v1::ROLE_REGISTRAR, v1::ROLE_FAMILY_FINDER, v1::ROLE_MANAGER},
                 kAny, false),
             Cells(
                 {v1::ROLE_REGISTRAR, v1::ROLE_FAMILY_FINDER, v1::ROLE_MANAGER},
                 kAny, true)})},
      {"CanManageBudgetOf",
       [](const Caller& c, Relation r) {
         return CanManageBudgetOf(c, OwnerFor(r));
       },
       Join({Cells({v1::ROLE_MANAGER}, kAny, false),
             Cells({v1::ROLE_FINANCE}, kOwnOnly, false)})},
      // Reports: a member's own, any role (even withdrawn); another
      // member's, a manager still in the consortium.
      {"CanSeeReportsOf",
       [](const Caller& c, Relation r) {
         return CanSeeReportsOf(c, OwnerFor(r));
       },
       Join({Cells({v1::ROLE_MANAGER}, kAny, false),
             Cells(
                 {v1::ROLE_REGISTRAR, v1::ROLE_FAMILY_FINDER, v1::ROLE_FINANCE},
                 kOwnOnly, false),
             Cells({v1::ROLE_REGISTRAR, v1::ROLE_FAMILY_FINDER,
                    v1::ROLE_FINANCE, v1::ROLE_MANAGER},
                   kOwnOnly, true)})},
      // The consortium view: managers and family finders still in it.
      {"CanSeeReportsOf (consortium)",
       [](const Caller& c, Relation) { return CanSeeReportsOf(c, "-"); },
       Cells({v1::ROLE_MANAGER, v1::ROLE_FAMILY_FINDER}, kAny, false)},
  };
}

TEST(RulesTest, EveryRuleAnswersItsTable) {
  for (const RuleRow& row : Table()) {
    for (v1::Role role : kRoles) {
      for (Relation relation : kRelations) {
        for (bool withdrawn : {false, true}) {
          const Caller caller = CallerWith(role, withdrawn);
          const bool expected =
              std::find(row.yes.begin(), row.yes.end(),
                        Cell{role, relation, withdrawn}) != row.yes.end();
          EXPECT_EQ(row.rule(caller, relation), expected)
              << row.name << " for a " << v1::Role_Name(role) << " key, "
              << Describe(relation) << " record"
              << (withdrawn ? ", member withdrawn" : "");
        }
      }
    }
  }
}

TEST(RulesTest, SearcherOfPairLeavesTheCallerAsItWas) {
  const Caller registrar = CallerWith(v1::ROLE_REGISTRAR, false);
  const Caller searcher = SearcherOfPair(registrar, "sheffield", "leeds");
  EXPECT_TRUE(CanSearchAll(searcher));
  EXPECT_FALSE(CanSearchAll(registrar));
  EXPECT_EQ(registrar.roles, 1u << v1::ROLE_REGISTRAR);
}

// The regional adoption agency's family finders run linking meetings for
// every member: they record a link's early steps whoever opened it, and
// nothing from the panel on; its other roles gain nothing, nor does a member
// that has withdrawn.
TEST(RulesTest, TheHubsFamilyFindersRecordEveryLinksEarlySteps) {
  const LinkParties others{"leeds", "york", "york"};
  Caller finder = CallerWith(v1::ROLE_FAMILY_FINDER, false);
  EXPECT_FALSE(CanRecordStepFor(finder, others, v1::LINK_STEP_LINKING_MEETING));
  finder.hub = true;
  EXPECT_TRUE(CanRecordStepFor(finder, others, v1::LINK_STEP_OPENED));
  EXPECT_TRUE(CanRecordStepFor(finder, others, v1::LINK_STEP_LINKING_MEETING));
  EXPECT_FALSE(CanRecordStepFor(finder, others, v1::LINK_STEP_PAPERS_TO_PANEL));
  EXPECT_FALSE(CanRecordStepFor(finder, others, v1::LINK_STEP_MATCH_DECIDED));

  Caller registrar = CallerWith(v1::ROLE_REGISTRAR, false);
  registrar.hub = true;
  EXPECT_FALSE(
      CanRecordStepFor(registrar, others, v1::LINK_STEP_LINKING_MEETING));
  Caller withdrawn = CallerWith(v1::ROLE_FAMILY_FINDER, true);
  withdrawn.hub = true;
  EXPECT_FALSE(
      CanRecordStepFor(withdrawn, others, v1::LINK_STEP_LINKING_MEETING));
}

TEST(RulesTest, NoKeyRevokesItself) {
  const Caller manager = CallerWith(v1::ROLE_MANAGER, false);
  EXPECT_FALSE(CanRevokeKey(manager, manager.key_id));
  EXPECT_TRUE(CanRevokeKey(manager, "fedcba9876543210"));
}

TEST(RulesTest, RefusalsSayWhatIsMissing) {
  EXPECT_EQ(
      RequireRegistrarOf(CallerWith(v1::ROLE_FAMILY_FINDER, false), "leeds")
          .message(),
      "this needs a registrar key");
  EXPECT_EQ(
      RequireRegistrarOf(CallerWith(v1::ROLE_REGISTRAR, true), "sheffield")
          .message(),
      "authorities/sheffield has withdrawn from the consortium: its keys may "
      "only read its own records");
  EXPECT_EQ(RequireRegistrarOf(CallerWith(v1::ROLE_REGISTRAR, false), "leeds")
                .message(),
            "a registrar of sheffield may change only sheffield's records, "
            "not leeds's");
  EXPECT_EQ(
      CanSearchFor(CallerWith(v1::ROLE_FINANCE, false), "leeds").message(),
      "searching needs a family_finder, manager or registrar key");
}

TEST(RulesTest, OnlyTheOwnerSeesWhereAChildIsHiddenFrom) {
  v1::Child child = ChildFor(Relation::kOther);
  RedactFor(CallerWith(v1::ROLE_MANAGER, false), child);
  EXPECT_THAT(child.hidden_from(), testing::IsEmpty());
  v1::Child own = ChildFor(Relation::kOwn);
  RedactFor(CallerWith(v1::ROLE_REGISTRAR, false), own);
  EXPECT_THAT(own.hidden_from(), testing::ElementsAre("york"));
}

}  // namespace
}  // namespace raa
