// The link rules of services/journey/link_rules.h as tables: every step
// against every step (allowed exactly when it is the next), every close
// reason at every step, the date order, the caps, early permanence and the
// status effects. Pure functions: no store, no network.
#include "services/journey/link_rules.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace raa::link_rules {
namespace {

using ::testing::HasSubstr;

constexpr v1::LinkStep kSteps[] = {
    v1::LINK_STEP_OPENED,          v1::LINK_STEP_LINKING_MEETING,
    v1::LINK_STEP_PAPERS_TO_PANEL, v1::LINK_STEP_PANEL_RECOMMENDED,
    v1::LINK_STEP_MATCH_DECIDED,   v1::LINK_STEP_PLACED,
    v1::LINK_STEP_ORDER_APPLIED,   v1::LINK_STEP_ORDER_GRANTED};

const absl::CivilDay kToday(2026, 6, 30);

// An open link at `last`, one step a day from 2026-01-01.
LinkFacts LinkAt(v1::LinkStep last,
                 v1::PlacementKind kind = v1::PLACEMENT_KIND_ADOPTIVE) {
  LinkFacts link;
  link.placement_kind = kind;
  absl::CivilDay day(2026, 1, 1);
  for (v1::LinkStep s : kSteps) {
    if (s > last) break;
    link.steps.push_back({s, day});
    day += 10;
  }
  if (last == v1::LINK_STEP_ORDER_GRANTED) {
    link.state = v1::LINK_STATE_ADOPTED;
  }
  return link;
}

// The records' dates with only the child's placement order (if any).
RecordDates OrderOn(std::optional<absl::CivilDay> placement_order) {
  RecordDates dates;
  dates.placement_order = placement_order;
  return dates;
}

std::string FieldOf(const absl::Status& s) {
  std::vector<FieldViolation> v = ViolationsOf(s);
  return v.empty() ? "" : v.front().field;
}

TEST(LinkRulesTest, EachStepFollowsOnlyTheOneBeforeIt) {
  for (v1::LinkStep current : kSteps) {
    if (current == v1::LINK_STEP_ORDER_GRANTED) continue;
    for (v1::LinkStep next : kSteps) {
      const absl::Status s = CheckNextStep(LinkAt(current), next);
      const std::string cell =
          absl::StrCat(StepWords(current), " -> ", StepWords(next));
      if (next == current + 1) {
        EXPECT_TRUE(s.ok()) << cell << ": " << s;
        EXPECT_TRUE(MayFollow(current, next)) << cell;
      } else if (next == v1::LINK_STEP_OPENED) {
        EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << cell;
        EXPECT_EQ(FieldOf(s), "step") << cell;
      } else {
        EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << cell;
        EXPECT_EQ(FieldOf(s), "step") << cell;
        EXPECT_FALSE(MayFollow(current, next)) << cell;
      }
    }
  }
}

TEST(LinkRulesTest, NothingFollowsAnAdoptedOrClosedLink) {
  for (v1::LinkStep next : kSteps) {
    if (next == v1::LINK_STEP_OPENED) continue;
    EXPECT_EQ(CheckNextStep(LinkAt(v1::LINK_STEP_ORDER_GRANTED), next).code(),
              absl::StatusCode::kFailedPrecondition);
    LinkFacts closed = LinkAt(static_cast<v1::LinkStep>(next - 1));
    closed.state = v1::LINK_STATE_CLOSED;
    EXPECT_EQ(CheckNextStep(closed, next).code(),
              absl::StatusCode::kFailedPrecondition);
  }
  EXPECT_EQ(
      CheckNextStep(LinkAt(v1::LINK_STEP_OPENED), v1::LINK_STEP_UNSPECIFIED)
          .code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      CheckNextStep(LinkAt(v1::LINK_STEP_OPENED), static_cast<v1::LinkStep>(42))
          .code(),
      absl::StatusCode::kInvalidArgument);
}

TEST(LinkRulesTest, EveryReasonAtEveryStep) {
  const v1::CloseReason people[] = {v1::CLOSE_REASON_HOUSEHOLD_WITHDREW,
                                    v1::CLOSE_REASON_CHOSE_ANOTHER_FAMILY,
                                    v1::CLOSE_REASON_PANEL_DID_NOT_RECOMMEND,
                                    v1::CLOSE_REASON_ADM_DID_NOT_AGREE,
                                    v1::CLOSE_REASON_DISRUPTION,
                                    v1::CLOSE_REASON_PLAN_CHANGED,
                                    v1::CLOSE_REASON_AUTHORITY_WITHDREW};
  for (v1::LinkStep step : kSteps) {
    for (v1::CloseReason reason : people) {
      const absl::Status s = CheckClose(LinkAt(step), reason);
      const std::string cell = absl::StrCat(StepWords(step), " closed with ",
                                            v1::CloseReason_Name(reason));
      const bool allowed = step != v1::LINK_STEP_ORDER_GRANTED &&
                           (reason != v1::CLOSE_REASON_DISRUPTION ||
                            step >= v1::LINK_STEP_PLACED);
      if (allowed) {
        EXPECT_TRUE(s.ok()) << cell << ": " << s;
      } else {
        EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << cell;
        EXPECT_EQ(FieldOf(s), "reason") << cell;
      }
    }
    for (v1::CloseReason reason : {v1::CLOSE_REASON_UNSPECIFIED,
                                   v1::CLOSE_REASON_CHILD_MATCHED_ELSEWHERE,
                                   v1::CLOSE_REASON_HOUSEHOLD_MATCHED_ELSEWHERE,
                                   static_cast<v1::CloseReason>(77)}) {
      const absl::Status s = CheckClose(LinkAt(step), reason);
      EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument)
          << v1::CloseReason_Name(reason);
      EXPECT_EQ(FieldOf(s), "reason");
      EXPECT_FALSE(IsCloseReasonForPeople(reason));
    }
  }
  LinkFacts closed = LinkAt(v1::LINK_STEP_OPENED);
  closed.state = v1::LINK_STATE_CLOSED;
  EXPECT_EQ(CheckClose(closed, v1::CLOSE_REASON_PLAN_CHANGED).code(),
            absl::StatusCode::kFailedPrecondition);
}

struct DateCase {
  std::string name;
  v1::LinkStep at;  // the link's last step
  v1::PlacementKind kind;
  v1::LinkStep step;  // the step recorded
  absl::CivilDay date;
  std::optional<absl::CivilDay> placement_order;
  absl::StatusCode code;
};

TEST(LinkRulesTest, StepDatesKeepTheirOrder) {
  // LinkAt puts step k (1-based) on 2026-01-01 + 10 * (k - 1).
  const auto ok = absl::StatusCode::kOk;
  const auto refused = absl::StatusCode::kFailedPrecondition;
  const auto invalid = absl::StatusCode::kInvalidArgument;
  const v1::PlacementKind adoptive = v1::PLACEMENT_KIND_ADOPTIVE;
  const v1::PlacementKind ffa = v1::PLACEMENT_KIND_FOSTERING_FOR_ADOPTION;
  const std::vector<DateCase> cases = {
      {"same day as the last step",
       v1::LINK_STEP_OPENED,
       adoptive,
       v1::LINK_STEP_LINKING_MEETING,
       absl::CivilDay(2026, 1, 1),
       {},
       ok},
      {"before the last step",
       v1::LINK_STEP_OPENED,
       adoptive,
       v1::LINK_STEP_LINKING_MEETING,
       absl::CivilDay(2025, 12, 31),
       {},
       refused},
      {"today",
       v1::LINK_STEP_OPENED,
       adoptive,
       v1::LINK_STEP_LINKING_MEETING,
       kToday,
       {},
       ok},
      {"tomorrow",
       v1::LINK_STEP_OPENED,
       adoptive,
       v1::LINK_STEP_LINKING_MEETING,
       kToday + 1,
       {},
       invalid},
      {"match decided after the placement order",
       v1::LINK_STEP_PANEL_RECOMMENDED, adoptive, v1::LINK_STEP_MATCH_DECIDED,
       absl::CivilDay(2026, 3, 1), absl::CivilDay(2026, 2, 1), ok},
      {"match decided before the placement order",
       v1::LINK_STEP_PANEL_RECOMMENDED, adoptive, v1::LINK_STEP_MATCH_DECIDED,
       absl::CivilDay(2026, 3, 1), absl::CivilDay(2026, 4, 1), refused},
      {"match decided with no placement order",
       v1::LINK_STEP_PANEL_RECOMMENDED,
       adoptive,
       v1::LINK_STEP_MATCH_DECIDED,
       absl::CivilDay(2026, 3, 1),
       {},
       ok},
      {"early permanence: match decided before the placement order",
       v1::LINK_STEP_PANEL_RECOMMENDED, ffa, v1::LINK_STEP_MATCH_DECIDED,
       absl::CivilDay(2026, 3, 1), absl::CivilDay(2026, 4, 1), ok},
      {"placed on the match decision's day",
       v1::LINK_STEP_MATCH_DECIDED,
       adoptive,
       v1::LINK_STEP_PLACED,
       absl::CivilDay(2026, 2, 10),
       {},
       ok},
      {"placed before the match decision",
       v1::LINK_STEP_MATCH_DECIDED,
       adoptive,
       v1::LINK_STEP_PLACED,
       absl::CivilDay(2026, 2, 9),
       {},
       refused},
  };
  for (const DateCase& c : cases) {
    const absl::Status s = CheckStepDate(LinkAt(c.at, c.kind), c.step, c.date,
                                         kToday, OrderOn(c.placement_order));
    EXPECT_EQ(s.code(), c.code) << c.name << ": " << s;
    if (!s.ok()) {
      EXPECT_EQ(FieldOf(s), "date") << c.name;
    }
  }
}

TEST(LinkRulesTest, EarlyPermanencePlacesFromTheOpeningDay) {
  // An early-permanence link: the child moved in as a foster placement,
  // which may be before the linking meeting, the panel and the match (A10
  // stops its clock there); only the opening bounds it. The table above
  // covers the ordinary rule.
  LinkFacts link = LinkAt(v1::LINK_STEP_MATCH_DECIDED,  // opened 2026-01-01,
                          v1::PLACEMENT_KIND_CONCURRENT_PLANNING);  // 02-10
  EXPECT_TRUE(CheckStepDate(link, v1::LINK_STEP_PLACED,
                            absl::CivilDay(2026, 2, 10), kToday, {})
                  .ok());
  EXPECT_TRUE(CheckStepDate(link, v1::LINK_STEP_PLACED,
                            absl::CivilDay(2026, 1, 5), kToday, {})
                  .ok());
  EXPECT_EQ(CheckStepDate(link, v1::LINK_STEP_PLACED,
                          absl::CivilDay(2025, 12, 31), kToday, {})
                .code(),
            absl::StatusCode::kFailedPrecondition);
  // The same for an ordinary link is refused: placed follows the match.
  EXPECT_FALSE(
      CheckStepDate(
          LinkAt(v1::LINK_STEP_MATCH_DECIDED, v1::PLACEMENT_KIND_ADOPTIVE),
          v1::LINK_STEP_PLACED, absl::CivilDay(2026, 1, 5), kToday, {})
          .ok());
  // Once placed early, the order is applied for after the match, not only
  // after the placement.
  link.steps.push_back({v1::LINK_STEP_PLACED, absl::CivilDay(2026, 1, 5)});
  EXPECT_FALSE(CheckStepDate(link, v1::LINK_STEP_ORDER_APPLIED,
                             absl::CivilDay(2026, 2, 1), kToday, {})
                   .ok());
  EXPECT_TRUE(CheckStepDate(link, v1::LINK_STEP_ORDER_APPLIED,
                            absl::CivilDay(2026, 2, 11), kToday, {})
                  .ok());
  // A correction of the match decision may move it past the early
  // placement, but not before the panel.
  EXPECT_TRUE(CheckCorrection(link, v1::LINK_STEP_MATCH_DECIDED,
                              absl::CivilDay(2026, 2, 5), kToday, {})
                  .ok());
  EXPECT_TRUE(IsEarlyPermanence(v1::PLACEMENT_KIND_CONCURRENT_PLANNING));
  EXPECT_FALSE(IsEarlyPermanence(v1::PLACEMENT_KIND_ADOPTIVE));
}

TEST(LinkRulesTest, OpeningAndClosingDates) {
  EXPECT_TRUE(CheckOpenedDate(kToday, kToday).ok());
  EXPECT_EQ(FieldOf(CheckOpenedDate(kToday + 1, kToday)), "opened_on");
  const LinkFacts link = LinkAt(v1::LINK_STEP_LINKING_MEETING);  // 01-11
  EXPECT_TRUE(CheckCloseDate(link, absl::CivilDay(2026, 1, 11), kToday).ok());
  EXPECT_EQ(CheckCloseDate(link, absl::CivilDay(2026, 1, 10), kToday).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CheckCloseDate(link, kToday + 1, kToday).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(LinkRulesTest, CorrectionsKeepOrderWithTheirNeighbours) {
  // Steps on 01-01, 01-11, 01-21, 01-31, 02-10 (match decided), 02-20.
  const LinkFacts link = LinkAt(v1::LINK_STEP_PLACED);
  struct Case {
    v1::LinkStep step;
    absl::CivilDay date;
    std::optional<absl::CivilDay> order;
    absl::StatusCode code;
    std::string field;
  };
  const auto ok = absl::StatusCode::kOk;
  const auto refused = absl::StatusCode::kFailedPrecondition;
  const auto invalid = absl::StatusCode::kInvalidArgument;
  const std::vector<Case> cases = {
      {v1::LINK_STEP_LINKING_MEETING, absl::CivilDay(2026, 1, 5), {}, ok, ""},
      {v1::LINK_STEP_LINKING_MEETING,
       absl::CivilDay(2025, 12, 31),
       {},
       refused,
       "new_date"},
      {v1::LINK_STEP_LINKING_MEETING,
       absl::CivilDay(2026, 1, 22),
       {},
       refused,
       "new_date"},
      {v1::LINK_STEP_LINKING_MEETING,
       absl::CivilDay(2026, 1, 11),
       {},
       invalid,
       "new_date"},
      {v1::LINK_STEP_PLACED, kToday + 1, {}, invalid, "new_date"},
      {v1::LINK_STEP_PLACED, kToday, {}, ok, ""},
      {v1::LINK_STEP_ORDER_APPLIED, kToday, {}, refused, "step"},
      {v1::LINK_STEP_UNSPECIFIED, kToday, {}, invalid, "step"},
      {v1::LINK_STEP_MATCH_DECIDED, absl::CivilDay(2026, 2, 5),
       absl::CivilDay(2026, 2, 7), refused, "new_date"},
      {v1::LINK_STEP_MATCH_DECIDED, absl::CivilDay(2026, 2, 8),
       absl::CivilDay(2026, 2, 7), ok, ""},
  };
  for (const Case& c : cases) {
    const absl::Status s =
        CheckCorrection(link, c.step, c.date, kToday, OrderOn(c.order));
    EXPECT_EQ(s.code(), c.code)
        << StepWords(c.step) << " to " << c.date << ": " << s;
    EXPECT_EQ(FieldOf(s), c.field) << StepWords(c.step) << " to " << c.date;
  }
  LinkFacts closed = LinkAt(v1::LINK_STEP_LINKING_MEETING);
  closed.state = v1::LINK_STATE_CLOSED;
  closed.closed_on = absl::CivilDay(2026, 1, 15);
  EXPECT_EQ(FieldOf(CheckCorrection(closed, v1::LINK_STEP_OPENED,
                                    absl::CivilDay(2026, 1, 2), kToday, {})),
            "step");
  EXPECT_EQ(FieldOf(CheckCorrection(closed, v1::LINK_STEP_LINKING_MEETING,
                                    absl::CivilDay(2026, 1, 16), kToday, {})),
            "new_date");
  EXPECT_TRUE(CheckCorrection(closed, v1::LINK_STEP_LINKING_MEETING,
                              absl::CivilDay(2026, 1, 15), kToday, {})
                  .ok());
}

TEST(LinkRulesTest, ALinkOpensOnceTheChildIsInCareAndTheHouseholdApproved) {
  RecordDates records;
  records.entered_care = absl::CivilDay(2026, 1, 10);
  records.approved_on = absl::CivilDay(2026, 1, 20);
  LinkFacts unopened;
  auto open_on = [&](absl::CivilDay day, v1::PlacementKind kind) {
    unopened.placement_kind = kind;
    return CheckStepDate(unopened, v1::LINK_STEP_OPENED, day, kToday, records,
                         "opened_on");
  };
  const auto adoptive = v1::PLACEMENT_KIND_ADOPTIVE;
  const auto ffa = v1::PLACEMENT_KIND_FOSTERING_FOR_ADOPTION;
  EXPECT_TRUE(open_on(absl::CivilDay(2026, 1, 20), adoptive).ok());
  // Before the approval: refused for every kind, naming the approval.
  const absl::Status early_approval = open_on(absl::CivilDay(2026, 1, 19), ffa);
  EXPECT_EQ(early_approval.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(FieldOf(early_approval), "opened_on");
  EXPECT_THAT(early_approval.message(), HasSubstr("the household's approval"));
  // Before the child entered care: refused for an adoptive link; early
  // permanence may be planned before the child is born.
  records.approved_on = absl::CivilDay(2025, 6, 1);
  const absl::Status before_care =
      open_on(absl::CivilDay(2026, 1, 9), adoptive);
  EXPECT_EQ(before_care.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(before_care.message(), HasSubstr("the child entering care"));
  EXPECT_TRUE(open_on(absl::CivilDay(2026, 1, 9), ffa).ok());
  // The same when the opening is corrected.
  EXPECT_EQ(CheckCorrection(LinkAt(v1::LINK_STEP_LINKING_MEETING),
                            v1::LINK_STEP_OPENED, absl::CivilDay(2025, 12, 31),
                            kToday, records)
                .code(),
            absl::StatusCode::kFailedPrecondition);
  // An early-permanence placement is the child entering care: not before.
  LinkFacts ep = LinkAt(v1::LINK_STEP_OPENED, ffa);  // opened 2026-01-01
  EXPECT_EQ(CheckStepDate(ep, v1::LINK_STEP_LINKING_MEETING,
                          absl::CivilDay(2026, 1, 5), kToday, records)
                .code(),
            absl::StatusCode::kOk);
  ep = LinkAt(v1::LINK_STEP_MATCH_DECIDED, ffa);
  EXPECT_EQ(CheckStepDate(ep, v1::LINK_STEP_PLACED, absl::CivilDay(2026, 1, 9),
                          kToday, records)
                .code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(CheckStepDate(ep, v1::LINK_STEP_PLACED,
                            absl::CivilDay(2026, 1, 10), kToday, records)
                  .ok());
}

TEST(LinkRulesTest, ARecordsDatesKeepItsLinksInOrder) {
  // An adoptive link opened 01-01 and matched 02-10, placed 02-20; an
  // early-permanence one opened 01-01, placed 02-20, matched 02-10.
  const std::vector<RecordLink> adoptive = {
      {LinkAt(v1::LINK_STEP_PLACED), "links/l3"}};
  const std::vector<RecordLink> ffa = {
      {LinkAt(v1::LINK_STEP_PLACED, v1::PLACEMENT_KIND_FOSTERING_FOR_ADOPTION),
       "links/l4"}};
  RecordDateFields fields;
  fields.entered_care = "child.journey.entered_care";
  fields.placement_order = "child.journey.placement_order";
  fields.approved_on = "adopter.approved_on";
  struct Case {
    std::string name;
    RecordDates changed;
    const std::vector<RecordLink>* links;
    std::string field;  // empty: accepted
    std::string words;
  };
  auto entered = [](absl::CivilDay d) {
    RecordDates r;
    r.entered_care = d;
    return r;
  };
  auto approved = [](absl::CivilDay d) {
    RecordDates r;
    r.approved_on = d;
    return r;
  };
  const std::vector<Case> cases = {
      {"entered care on the opening day", entered(absl::CivilDay(2026, 1, 1)),
       &adoptive, "", ""},
      {"entered care after the opening", entered(absl::CivilDay(2026, 1, 2)),
       &adoptive, "child.journey.entered_care",
       "2026-01-02 is after the opening of links/l3 (2026-01-01)"},
      {"early permanence: entered care after the opening, before placement",
       entered(absl::CivilDay(2026, 2, 20)), &ffa, "", ""},
      {"early permanence: entered care after the placement",
       entered(absl::CivilDay(2026, 2, 21)), &ffa, "child.journey.entered_care",
       "the placement of links/l4 (2026-02-20)"},
      {"order on the match day", OrderOn(absl::CivilDay(2026, 2, 10)),
       &adoptive, "", ""},
      {"order after the match", OrderOn(absl::CivilDay(2026, 2, 11)), &adoptive,
       "child.journey.placement_order",
       "the match decision of links/l3 (2026-02-10), which may not come before "
       "the "
       "child's placement order: correct the link's date first (CorrectStep, "
       "by the child's authority or a manager; raa link correct l3 "
       "match_decided --date DATE --reason TEXT)"},
      {"early permanence: order after the match",
       OrderOn(absl::CivilDay(2026, 3, 1)), &ffa, "", ""},
      {"approved on the opening day", approved(absl::CivilDay(2026, 1, 1)),
       &adoptive, "", ""},
      {"approved after the opening", approved(absl::CivilDay(2026, 1, 5)), &ffa,
       "adopter.approved_on",
       "the household's approval: correct the link's date first (CorrectStep, "
       "by a family finder, the child's authority or a manager; raa link "
       "correct l4 opened --date DATE --reason TEXT)"},
  };
  for (const Case& c : cases) {
    const absl::Status s = CheckRecordDates(c.changed, *c.links, fields);
    EXPECT_EQ(FieldOf(s), c.field) << c.name << ": " << s;
    if (c.field.empty()) {
      EXPECT_TRUE(s.ok()) << c.name << ": " << s;
    } else {
      EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << c.name;
      EXPECT_THAT(s.message(), HasSubstr(c.words)) << c.name;
    }
  }
  // A link whose child profile is hidden from the caller is not named.
  const std::vector<RecordLink> hidden = {{LinkAt(v1::LINK_STEP_OPENED), ""}};
  const absl::Status s =
      CheckRecordDates(approved(absl::CivilDay(2026, 1, 5)), hidden, fields);
  EXPECT_THAT(
      s.message(),
      HasSubstr("a link to a child profile hidden from your authority"));
  EXPECT_THAT(s.message(), ::testing::Not(HasSubstr("links/")));
  EXPECT_THAT(s.message(), ::testing::Not(HasSubstr("raa link correct")));
  // Nor its date (opened 2026-01-01).
  EXPECT_THAT(s.message(), ::testing::Not(HasSubstr("2026-01-01")));
  // A closed link is history: a child who came back into care, a new
  // placement order, a household approved again may all come after it.
  std::vector<RecordLink> closed = {{LinkAt(v1::LINK_STEP_PLACED), "links/l5"}};
  closed[0].facts.state = v1::LINK_STATE_CLOSED;
  closed[0].facts.closed_on = absl::CivilDay(2026, 3, 1);
  RecordDates later;
  later.entered_care = absl::CivilDay(2026, 4, 1);
  later.placement_order = absl::CivilDay(2026, 5, 1);
  later.approved_on = absl::CivilDay(2026, 4, 1);
  EXPECT_TRUE(CheckRecordDates(later, closed, fields).ok());
  // An adopted one is not.
  EXPECT_EQ(FieldOf(CheckRecordDates(
                later,
                std::vector<RecordLink>{
                    {LinkAt(v1::LINK_STEP_ORDER_GRANTED), "links/l6"}},
                fields)),
            "child.journey.entered_care");
  // Nothing changing checks nothing, even against links already out of
  // order (stores written before these rules).
  EXPECT_TRUE(CheckRecordDates(RecordDates{}, hidden, fields).ok());
}

TEST(LinkRulesTest, CapsCountOpenLinksBeforeTheNewOne) {
  EXPECT_TRUE(CheckHouseholdCap(5, 6).ok());
  EXPECT_EQ(CheckHouseholdCap(6, 6).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(FieldOf(CheckHouseholdCap(6, 6)), "adopter");
  EXPECT_TRUE(CheckChildCap(2, 3).ok());
  EXPECT_EQ(FieldOf(CheckChildCap(3, 3)), "child");
  EXPECT_THAT(CheckChildCap(3, 3).message(),
              HasSubstr("max_open_links_per_child 3"));
  for (int v : {0, 11, -1}) {
    EXPECT_EQ(FieldOf(ValidateMaxOpenLinksPerChild(v)),
              "max_open_links_per_child");
  }
  for (int v : {1, 3, 10}) EXPECT_TRUE(ValidateMaxOpenLinksPerChild(v).ok());
}

TEST(LinkRulesTest,
     EarlyPermanenceNeedsADualApprovedHouseholdAndAnEligibleChild) {
  const v1::PlacementKind early[] = {v1::PLACEMENT_KIND_FOSTERING_FOR_ADOPTION,
                                     v1::PLACEMENT_KIND_CONCURRENT_PLANNING};
  const v1::EarlyPermanence plans[] = {
      v1::EARLY_PERMANENCE_UNSPECIFIED, v1::EARLY_PERMANENCE_NONE,
      v1::EARLY_PERMANENCE_FOSTERING_FOR_ADOPTION,
      v1::EARLY_PERMANENCE_CONCURRENT_PLANNING};
  for (bool dual : {false, true}) {
    for (v1::EarlyPermanence plan : plans) {
      EXPECT_TRUE(
          CheckPlacementKind(v1::PLACEMENT_KIND_ADOPTIVE, dual, plan).ok());
      for (v1::PlacementKind kind : early) {
        const bool eligible = dual && plan != v1::EARLY_PERMANENCE_NONE &&
                              plan != v1::EARLY_PERMANENCE_UNSPECIFIED;
        const absl::Status s = CheckPlacementKind(kind, dual, plan);
        EXPECT_EQ(s.ok(), eligible) << dual << " " << plan << " " << kind;
        if (!eligible) {
          EXPECT_EQ(FieldOf(s), "placement_kind");
        }
      }
    }
  }
  EXPECT_EQ(CheckPlacementKind(v1::PLACEMENT_KIND_UNSPECIFIED, true,
                               v1::EARLY_PERMANENCE_NONE)
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(LinkRulesTest, StatusesFollowTheFurthestOpenLink) {
  struct Case {
    std::vector<LinkSummary> links;
    v1::ChildStatus child;
    v1::AdopterStatus adopter;
  };
  using S = LinkSummary;
  const auto open = v1::LINK_STATE_OPEN;
  const auto closed = v1::LINK_STATE_CLOSED;
  const std::vector<Case> cases = {
      {{}, v1::CHILD_STATUS_WAITING, v1::ADOPTER_STATUS_APPROVED},
      {{S{1, open, v1::LINK_STEP_OPENED}},
       v1::CHILD_STATUS_LINKED,
       v1::ADOPTER_STATUS_LINKED},
      {{S{1, closed, v1::LINK_STEP_PANEL_RECOMMENDED}},
       v1::CHILD_STATUS_WAITING,
       v1::ADOPTER_STATUS_APPROVED},
      {{S{1, closed, v1::LINK_STEP_OPENED}, S{2, open, v1::LINK_STEP_OPENED}},
       v1::CHILD_STATUS_LINKED,
       v1::ADOPTER_STATUS_LINKED},
      {{S{1, open, v1::LINK_STEP_PANEL_RECOMMENDED}},
       v1::CHILD_STATUS_LINKED,
       v1::ADOPTER_STATUS_LINKED},
      {{S{1, open, v1::LINK_STEP_MATCH_DECIDED}},
       v1::CHILD_STATUS_MATCHED,
       v1::ADOPTER_STATUS_MATCHED},
      {{S{1, open, v1::LINK_STEP_PLACED}},
       v1::CHILD_STATUS_PLACED,
       v1::ADOPTER_STATUS_PLACED},
      {{S{1, open, v1::LINK_STEP_ORDER_APPLIED}},
       v1::CHILD_STATUS_PLACED,
       v1::ADOPTER_STATUS_PLACED},
      {{S{1, v1::LINK_STATE_ADOPTED, v1::LINK_STEP_ORDER_GRANTED}},
       v1::CHILD_STATUS_ADOPTED,
       v1::ADOPTER_STATUS_PLACED},
      {{S{1, closed, v1::LINK_STEP_PLACED}},
       v1::CHILD_STATUS_WAITING,
       v1::ADOPTER_STATUS_APPROVED},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    for (v1::ChildStatus from :
         {v1::CHILD_STATUS_WAITING, v1::CHILD_STATUS_LINKED,
          v1::CHILD_STATUS_MATCHED}) {
      EXPECT_EQ(ChildStatusFor(from, cases[i].links), cases[i].child)
          << "case " << i;
    }
    for (v1::AdopterStatus from :
         {v1::ADOPTER_STATUS_APPROVED, v1::ADOPTER_STATUS_LINKED,
          v1::ADOPTER_STATUS_PLACED}) {
      EXPECT_EQ(AdopterStatusFor(from, cases[i].links), cases[i].adopter)
          << "case " << i;
    }
    // Statuses the journey does not own stay.
    EXPECT_EQ(ChildStatusFor(v1::CHILD_STATUS_WITHDRAWN, cases[i].links),
              v1::CHILD_STATUS_WITHDRAWN);
    for (v1::AdopterStatus kept :
         {v1::ADOPTER_STATUS_ON_HOLD, v1::ADOPTER_STATUS_WITHDRAWN,
          v1::ADOPTER_STATUS_STAGE_TWO}) {
      EXPECT_EQ(AdopterStatusFor(kept, cases[i].links), kept);
    }
  }
}

TEST(LinkRulesTest, AMatchClosesTheOtherOpenLinksOfBothSides) {
  using S = LinkSummary;
  const auto open = v1::LINK_STATE_OPEN;
  const std::vector<S> child = {
      S{4, open, v1::LINK_STEP_MATCH_DECIDED}, S{7, open, v1::LINK_STEP_OPENED},
      S{2, open, v1::LINK_STEP_LINKING_MEETING},
      S{3, v1::LINK_STATE_CLOSED, v1::LINK_STEP_OPENED}};
  const std::vector<S> household = {S{4, open, v1::LINK_STEP_MATCH_DECIDED},
                                    S{9, open, v1::LINK_STEP_OPENED},
                                    S{7, open, v1::LINK_STEP_OPENED}};
  const std::vector<AutoClose> closes = ClosesOnMatch(4, child, household);
  ASSERT_EQ(closes.size(), 3u);
  EXPECT_EQ(closes[0].link_id, 2);
  EXPECT_EQ(closes[0].reason, v1::CLOSE_REASON_CHILD_MATCHED_ELSEWHERE);
  EXPECT_EQ(closes[1].link_id, 7);
  EXPECT_EQ(closes[1].reason, v1::CLOSE_REASON_CHILD_MATCHED_ELSEWHERE);
  EXPECT_EQ(closes[2].link_id, 9);
  EXPECT_EQ(closes[2].reason, v1::CLOSE_REASON_HOUSEHOLD_MATCHED_ELSEWHERE);
}

TEST(LinkRulesTest, TheJourneyOwnsTheLinkStatuses) {
  for (int s = v1::ChildStatus_MIN; s <= v1::ChildStatus_MAX; ++s) {
    const auto status = static_cast<v1::ChildStatus>(s);
    EXPECT_EQ(IsLinkChildStatus(status),
              status == v1::CHILD_STATUS_LINKED ||
                  status == v1::CHILD_STATUS_MATCHED ||
                  status == v1::CHILD_STATUS_PLACED ||
                  status == v1::CHILD_STATUS_ADOPTED);
  }
  for (int s = v1::AdopterStatus_MIN; s <= v1::AdopterStatus_MAX; ++s) {
    const auto status = static_cast<v1::AdopterStatus>(s);
    EXPECT_EQ(IsLinkAdopterStatus(status),
              status == v1::ADOPTER_STATUS_LINKED ||
                  status == v1::ADOPTER_STATUS_MATCHED ||
                  status == v1::ADOPTER_STATUS_PLACED);
  }
}

}  // namespace
}  // namespace raa::link_rules
