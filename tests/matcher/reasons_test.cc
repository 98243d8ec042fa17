// The reason catalogue (matcher/reasons.h): every code has a phrase that
// parses, every exclusion line and component reason reads as the prose did
// before reasons became data (the expected words are that prose's), and on
// random consortia every reason of every pair renders completely. (While the
// prose and the codes both existed, the random test also compared them
// word for word on every pair: they were equal.)

#include "matcher/reasons.h"

#include <algorithm>
#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "matcher/candidate_index.h"
#include "tests/matcher/builders.h"

namespace raa::matcher {
namespace {

using ::raa::matcher::testing::AChild;
using ::raa::matcher::testing::AddAuthorities;
using ::raa::matcher::testing::AGroup;
using ::raa::matcher::testing::AHousehold;
using ::raa::matcher::testing::Index;
using ::raa::matcher::testing::kToday;
using ::raa::matcher::testing::Options;
using ::testing::HasSubstr;
using ::testing::Not;

// Every code of ReasonCode: a code added to the enum belongs here too.
const std::vector<ReasonCode>& AllCodes() {
  using C = ReasonCode;
  static const auto* const kCodes = new std::vector<ReasonCode>([] {
    std::vector<ReasonCode> codes = {
        C::kNoAssessedNeeds,
        C::kWouldNotConsiderNeed,
        C::kWouldConsiderNeedUpTo,
        C::kChildsNeedIs,
        C::kChildrensHighestNeedIs,
        C::kCategoriesOfNeed,
        C::kAge,
        C::kAges,
        C::kAgesNext,
        C::kTodayWithin,
        C::kTodayNotAllWithin,
        C::kTodayOutside,
        C::kAgeLowYears,
        C::kAgeLowYearsMonths,
        C::kAgeHighYears,
        C::kAgeHighYearsMonths,
        C::kApprovedForGroupOf,
        C::kSparePlacesKept,
        C::kTooManyChildren,
        C::kCouldTakeChild,
        C::kCouldTakeChildNext,
        C::kCouldTakeChildLast,
        C::kOfGroup,
        C::kMayBePlacedApart,
        C::kHouseholdApprovalUnknown,
        C::kHouseholdWaitingDays,
        C::kHouseholdWaitingMonths,
        C::kChildWaitingUnknown,
        C::kChildWaitingDays,
        C::kChildWaitingMonths,
        C::kChildrenWaitingUnknown,
        C::kChildrenWaitingDays,
        C::kChildrenWaitingMonths,
        C::kNotEarlyPermanence,
        C::kDualApproved,
        C::kNotDualApproved,
        C::kNoContactPlanned,
        C::kWouldNotSupportContact,
        C::kSupportsContactOnly,
        C::kSupportsContact,
        C::kSharesChildsHeritage,
        C::kSharesHeritageWithEvery,
        C::kSharesHeritageWithSome,
        C::kSameReligion,
        C::kSpeaksFirstLanguage,
        C::kNoSharedIdentity,
        C::kSameAuthority,
        C::kAnotherAuthority,
        C::kVoluntaryAgency,
    };
    for (int c = 0; c < kConstraintCount; ++c) {
      for (SearchSide side : {SearchSide::kHouseholds, SearchSide::kChildren}) {
        codes.push_back(ExclusionCode(static_cast<Constraint>(c), side));
      }
    }
    return codes;
  }());
  return *kCodes;
}

const ReasonPhraseText* PhraseOf(int32_t code) {
  for (const ReasonPhraseText& p : ReasonCatalogPhrases().phrases()) {
    if (p.code == code) return &p;
  }
  return nullptr;
}

// The numbers and strings a reason's phrases take, in total.
std::pair<size_t, size_t> Arities(const CodedReason& r) {
  size_t args = 0, texts = 0;
  for (int32_t code : r.codes) {
    const ReasonPhraseText* p = PhraseOf(code);
    if (p == nullptr) continue;
    args += p->arity;
    texts += p->text_arity;
  }
  return {args, texts};
}

TEST(ReasonCatalogueTest, EveryCodeHasOnePhraseAndEveryPhraseParses) {
  const ReasonFormatter& catalogue = ReasonCatalogPhrases();
  std::set<int32_t> codes;
  for (ReasonCode code : AllCodes()) {
    const int32_t n = static_cast<int32_t>(code);
    EXPECT_TRUE(codes.insert(n).second) << "code " << n << " listed twice";
    EXPECT_NE(PhraseOf(n), nullptr) << "code " << n << " has no phrase";
    // One byte on the wire.
    EXPECT_GT(n, 0);
    EXPECT_LT(n, 128);
  }
  EXPECT_EQ(catalogue.phrases().size(), codes.size())
      << "a phrase whose code is not in ReasonCode";
  // What a client does with the published catalogue: it parses again.
  EXPECT_TRUE(
      ReasonFormatter::Create(catalogue.phrases(), catalogue.tables()).ok());
  std::vector<std::string> tables;
  for (const ReasonTableText& t : catalogue.tables()) tables.push_back(t.name);
  EXPECT_THAT(tables, ::testing::UnorderedElementsAre(
                          "need_category", "need_level", "contact_plan"));
  for (const ReasonPhraseText& p : catalogue.phrases()) {
    EXPECT_FALSE(p.text.empty()) << p.code;
    // A phrase that starts a reason (or follows "; ") starts with a word.
    if (!p.continues) {
      EXPECT_NE(p.text[0], ' ') << p.code;
    }
  }
}

TEST(ReasonCatalogueTest, TablesNameTheModelsValues) {
  CodedReason r;
  AddPhrase(r, ReasonCode::kWouldConsiderNeedUpTo,
            {static_cast<int>(NeedCategory::kEmotionalBehavioural),
             static_cast<int>(NeedLevel::kSevere)});
  AddPhrase(r, ReasonCode::kChildsNeedIs, {static_cast<int>(NeedLevel::kMild)});
  EXPECT_EQ(ReasonText(r),
            "would consider emotional and behavioural needs up to severe; "
            "child's is mild");
  CodedReason contact;
  AddPhrase(contact, ReasonCode::kSupportsContact,
            {static_cast<int>(ContactPlan::kDirect),
             static_cast<int>(ContactPlan::kNone)});
  EXPECT_EQ(ReasonText(contact), "supports direct contact; plan is no contact");
}

// What FormatDuration said before durations became phrases.
TEST(ReasonCatalogueTest, DurationsInDaysThenMonths) {
  auto child_waiting = [](int days) {
    CodedReason r;
    AddPhrase(r,
              days < 31 ? ReasonCode::kChildWaitingDays
                        : ReasonCode::kChildWaitingMonths,
              {days < 31 ? days : days * 12 / 365});
    return ReasonText(r);
  };
  EXPECT_EQ(child_waiting(0), "child waiting 0 days");
  EXPECT_EQ(child_waiting(1), "child waiting 1 day");
  EXPECT_EQ(child_waiting(30), "child waiting 30 days");
  EXPECT_EQ(child_waiting(31), "child waiting 1 month");
  EXPECT_EQ(child_waiting(213), "child waiting 7 months");
  EXPECT_EQ(child_waiting(730), "child waiting 24 months");
}

// Every exclusion phrase, as ConstraintSummary wrote it after "<count>
// households" / "<count> children".
TEST(ExclusionReasonTest, EveryConstraintOnEitherSideReadsAsBefore) {
  struct Case {
    Constraint constraint;
    SearchSide side;
    int count;
    int n;
    const char* words;
  };
  const SearchSide kH = SearchSide::kHouseholds;
  const SearchSide kC = SearchSide::kChildren;
  const Case kCases[] = {
      {Constraint::kNotAvailable, kH, 1, 1,
       "1 household not available (on hold)"},
      {Constraint::kNotAvailable, kH, 7, 3,
       "7 households not available (on hold)"},
      {Constraint::kAuthorityWithdrawn, kH, 2, 1,
       "2 households approved by an authority that has left the consortium"},
      {Constraint::kCapacity, kH, 41, 3,
       "41 households approved for fewer than 3 children"},
      {Constraint::kCapacity, kH, 1, 2,
       "1 household approved for fewer than 2 children"},
      {Constraint::kAgeRange, kH, 12, 3,
       "12 households with a child outside their age range"},
      {Constraint::kAgeRange, kH, 12, 1,
       "12 households with the child outside their age range"},
      {Constraint::kNeeds, kH, 5, 1,
       "5 households that would not consider the level of need"},
      {Constraint::kSexPreference, kH, 5, 2,
       "5 households with a sex preference the group does not meet"},
      {Constraint::kSexPreference, kH, 1, 1,
       "1 household with a sex preference the child does not meet"},
      {Constraint::kChildExcludedRegion, kH, 3, 3,
       "3 households in a region these children must not be placed in"},
      {Constraint::kChildExcludedRegion, kH, 3, 1,
       "3 households in a region this child must not be placed in"},
      {Constraint::kHouseholdExcludedRegion, kH, 4, 2,
       "4 households that would not consider the children's region"},
      {Constraint::kHouseholdExcludedRegion, kH, 4, 1,
       "4 households that would not consider the child's region"},
      {Constraint::kHiddenFromAuthority, kH, 9, 1,
       "9 households approved by an authority the profile is hidden from"},
      {Constraint::kLinkLimit, kH, 1, 1,
       "1 household already holding the maximum number of open links"},
      {Constraint::kNotAvailable, kC, 1, 1, "1 child not waiting"},
      {Constraint::kNotAvailable, kC, 6, 2, "6 children not waiting"},
      {Constraint::kAuthorityWithdrawn, kC, 2, 1,
       "2 children of an authority that has left the consortium"},
      {Constraint::kCapacity, kC, 2, 2, "2 children in groups larger than 2"},
      {Constraint::kAgeRange, kC, 3, 1,
       "3 children outside the household's age range"},
      {Constraint::kNeeds, kC, 1, 1,
       "1 child with needs above what the household would consider"},
      {Constraint::kSexPreference, kC, 8, 1,
       "8 children not of the sex the household would consider"},
      {Constraint::kChildExcludedRegion, kC, 2, 1,
       "2 children who must not be placed in the household's region"},
      {Constraint::kHouseholdExcludedRegion, kC, 2, 1,
       "2 children in a region the household would not consider"},
      {Constraint::kHiddenFromAuthority, kC, 1, 1,
       "1 child hidden from the household's authority"},
      {Constraint::kLinkLimit, kC, 30, 1,
       "30 children not offered: the household holds the maximum number of "
       "open links"},
  };
  for (const Case& c : kCases) {
    const CodedReason r = ExclusionReason(c.constraint, c.side, c.count, c.n);
    EXPECT_EQ(ReasonText(r), c.words);
    ASSERT_EQ(r.args.size(), 2u);
    EXPECT_EQ(r.args[0], c.count);  // the count first
    EXPECT_EQ(r.codes.size(), 1u);
  }
}

TEST(ExclusionReasonTest, ARankingCodesItsLines) {
  CandidateIndex index;
  AddAuthorities(index);
  ChildGroup g = AGroup(1, 30);
  g.members.push_back(AChild(20));
  ASSERT_TRUE(index.UpsertChild(g).ok());
  ASSERT_TRUE(index.UpsertHousehold(AHousehold(100)).ok());  // for 1
  absl::StatusOr<RankResult> r =
      index.RankHouseholds(1, MatchingPolicy(), Options());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->exclusions.size(), 1u);
  const ExclusionLine& line = r->exclusions[0];
  EXPECT_EQ(line.constraint, Constraint::kCapacity);
  EXPECT_EQ(line.coded.codes[0],
            static_cast<int32_t>(ReasonCode::kHouseholdsCapacity));
  EXPECT_EQ(ReasonText(line.coded),
            "1 household approved for fewer than 2 children");
}

// Component reasons the other matcher tests do not reach.
class ComponentWordsTest : public ::testing::Test {
 protected:
  void SetUp() override { AddAuthorities(index_); }

  // The words of one component of the pair's explanation (eligible or not).
  std::string Words(const Household& h, const ChildGroup& g, Component c) {
    EXPECT_TRUE(index_.UpsertHousehold(h).ok());
    EXPECT_TRUE(index_.UpsertChild(g).ok());
    absl::StatusOr<PairExplanation> e =
        index_.ExplainPair(g.key, h.key, MatchingPolicy(), kToday);
    EXPECT_TRUE(e.ok()) << e.status();
    if (!e.ok()) return "";
    return ReasonText(e->components[Index(c)].coded);
  }

  CandidateIndex index_;
};

TEST_F(ComponentWordsTest, Needs) {
  Household h = AHousehold(100);
  ChildGroup g = AGroup(1);
  constexpr int kFasd = static_cast<int>(NeedCategory::kFoetalAlcoholSpectrum);
  h.max_need[kFasd] = NeedLevel::kNone;
  g.members[0].needs[kFasd] = NeedLevel::kSevere;
  EXPECT_EQ(Words(h, g, Component::kNeedsMargin),
            "would not consider foetal alcohol spectrum disorder; child's is "
            "severe");
}

TEST_F(ComponentWordsTest, AgesNotAllWithinAndBoundsWithMonths) {
  Household h = AHousehold(100);
  h.approved_for = 3;
  h.min_age_months = 27;
  h.max_age_months = 75;
  ChildGroup g = AGroup(1, 30);
  g.members.push_back(AChild(80));
  g.members.push_back(AChild(12));
  EXPECT_EQ(Words(h, g, Component::kAgeFit),
            "ages 2y 6m, 6y 8m, 1y 0m today not all within 2y 3m\u20136y 3m");
}

TEST_F(ComponentWordsTest, CapacityTooManyChildrenAndOneSparePlace) {
  Household h = AHousehold(100);
  ChildGroup g = AGroup(1);
  g.members.push_back(AChild(20));
  EXPECT_EQ(Words(h, g, Component::kCapacityFit),
            "approved for 1, group of 2: too many children");
  h.approved_for = 3;
  EXPECT_EQ(Words(h, g, Component::kCapacityFit),
            "approved for 3, group of 2: 1 spare place kept for larger groups");
}

TEST_F(ComponentWordsTest, CapacityNamesEveryChildTakenWhenPlacedApart) {
  Household h = AHousehold(100);
  h.approved_for = 3;
  h.max_age_months = 48;
  ChildGroup g = AGroup(1, 30);
  g.members.push_back(AChild(20));
  g.members.push_back(AChild(70));  // too old
  g.members.push_back(AChild(40));
  g.may_be_placed_apart = true;
  EXPECT_EQ(Words(h, g, Component::kCapacityFit),
            "approved for 3, group of 4: could take child 1 (aged 2y 6m "
            "today), child 2 (aged 1y 8m today) and child 4 (aged 3y 4m "
            "today) of 4; the plan allows the children to be placed apart");
}

TEST_F(ComponentWordsTest, WaitingOfAGroup) {
  Household h = AHousehold(100);
  h.approved_for = 2;
  h.approved_day = kToday - 30;
  ChildGroup g = AGroup(1);
  g.members.push_back(AChild(20));
  g.waiting_since_day = kToday - 31;
  EXPECT_EQ(Words(h, g, Component::kWaiting),
            "household waiting 30 days since approval; children waiting 1 "
            "month");
  g.waiting_since_day = -1;
  EXPECT_EQ(Words(h, g, Component::kWaiting),
            "household waiting 30 days since approval; children waiting since "
            "an unknown date");
}

TEST_F(ComponentWordsTest, ContactNotSupported) {
  Household h = AHousehold(100);
  h.max_contact = ContactPlan::kNone;
  ChildGroup g = AGroup(1);
  g.contact_plan = ContactPlan::kDirect;
  EXPECT_EQ(Words(h, g, Component::kContact),
            "would not support contact; plan is direct contact");
}

TEST_F(ComponentWordsTest, IdentityOfOneChildAndOfSome) {
  Household h = AHousehold(100);
  h.heritage_mask = 0b0110;
  ChildGroup g = AGroup(1);
  g.members[0].heritage_mask = 0b0010;
  EXPECT_EQ(Words(h, g, Component::kIdentity), "shares the child's heritage");
  h.approved_for = 2;
  h.languages = {"Polish"};
  g.members.push_back(AChild(20));
  g.members[1].heritage_mask = 0b1000;
  g.members[1].first_language = "Polish";
  EXPECT_EQ(Words(h, g, Component::kIdentity),
            "shares heritage with some of the children; speaks the child's "
            "first language (Polish)");
}

// ---- Random consortia ------------------------------------------------------

class Random {
 public:
  explicit Random(uint32_t seed) : rng_(seed) {}
  int Uniform(int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng_);
  }
  bool Chance(int percent) { return Uniform(0, 99) < percent; }

  Household AHousehold(uint64_t key) {
    static const char* kAuthorities[] = {"leeds", "bradford", "barnardos",
                                         "one-adoption", "gone"};
    Household h;
    h.key = key;
    h.authority = kAuthorities[Uniform(0, Chance(10) ? 4 : 3)];
    h.available = Chance(90);
    h.approved_for = Uniform(1, 4);
    h.min_age_months = Chance(50) ? 12 * Uniform(0, 4) : Uniform(0, 60);
    h.max_age_months = h.min_age_months + Uniform(0, 100);
    for (NeedLevel& l : h.max_need) l = static_cast<NeedLevel>(Uniform(0, 3));
    h.sex_preference =
        static_cast<SexPreference>(Chance(80) ? 0 : Uniform(1, 2));
    h.region = absl::StrCat("r", Uniform(0, 3));
    if (Chance(20))
      h.excluded_regions.push_back(absl::StrCat("r", Uniform(0, 3)));
    h.dual_approved = Chance(30);
    h.max_contact = static_cast<ContactPlan>(Uniform(0, 2));
    h.heritage_mask = Chance(30) ? 0 : uint32_t{1} << Uniform(0, 3);
    h.religion = static_cast<uint8_t>(Uniform(0, 2));
    if (Chance(50)) h.languages.push_back(absl::StrCat("l", Uniform(0, 2)));
    h.approved_day = Chance(10)   ? -1
                     : Chance(30) ? kToday - Uniform(-3, 40)
                                  : kToday - Uniform(-3, 900);
    return h;
  }

  ChildGroup AGroup(uint64_t key) {
    ChildGroup g;
    g.key = key;
    g.authority = Chance(5) ? "gone" : Chance(50) ? "leeds" : "bradford";
    g.waiting = Chance(90);
    for (int n = Chance(50) ? 1 : Uniform(2, 4); n > 0; --n) {
      ChildMember m = AChild(Uniform(0, 120), static_cast<Sex>(Uniform(0, 1)));
      for (NeedLevel& l : m.needs) {
        l = static_cast<NeedLevel>(Chance(80) ? 0 : Uniform(1, 3));
      }
      m.heritage_mask = Chance(40) ? 0 : uint32_t{1} << Uniform(0, 3);
      m.religion = static_cast<uint8_t>(Uniform(0, 2));
      if (Chance(50)) m.first_language = absl::StrCat("l", Uniform(0, 2));
      g.members.push_back(std::move(m));
    }
    g.region = absl::StrCat("r", Uniform(0, 3));
    if (Chance(20))
      g.excluded_regions.push_back(absl::StrCat("r", Uniform(0, 3)));
    if (Chance(10)) g.hidden_from.push_back(Chance(50) ? "leeds" : "barnardos");
    g.early_permanence_candidate = Chance(30);
    g.contact_plan = static_cast<ContactPlan>(Uniform(0, 2));
    g.waiting_since_day = Chance(10) ? -1 : kToday - Uniform(-3, 900);
    g.ages_as_of_day = Chance(50) ? -1 : kToday - Uniform(0, 400);
    g.may_be_placed_apart = Chance(40);
    return g;
  }

 private:
  std::mt19937 rng_;
};

// A coded reason renders completely: words, every number and string a phrase
// takes is there and none is left over.
std::set<int32_t>& CodesSeen() {
  static auto* const kSeen = new std::set<int32_t>;
  return *kSeen;
}

void ExpectComplete(const CodedReason& r, const std::string& where) {
  CodesSeen().insert(r.codes.begin(), r.codes.end());
  const std::string words = ReasonText(r);
  EXPECT_FALSE(words.empty()) << where;
  EXPECT_THAT(words, Not(HasSubstr("?"))) << where;
  EXPECT_THAT(words, Not(HasSubstr("(reason"))) << where;
  EXPECT_THAT(words, Not(HasSubstr("(need_"))) << where;
  EXPECT_THAT(words, Not(HasSubstr("(contact_plan"))) << where;
  const auto [args, texts] = Arities(r);
  EXPECT_EQ(args, r.args.size()) << where << ": " << words;
  EXPECT_EQ(texts, r.text_args.size()) << where << ": " << words;
}

void ExpectComplete(const std::array<ComponentScore, kComponentCount>& c,
                    const std::string& where) {
  for (int i = 0; i < kComponentCount; ++i) {
    EXPECT_EQ(c[i].component, static_cast<Component>(i));
    ExpectComplete(
        c[i].coded,
        absl::StrCat(where, " ", ComponentId(static_cast<Component>(i))));
  }
}

// One line per constraint that excluded anyone, its phrase that of the
// constraint and side, its first number the count.
void ExpectLines(const RankResult& r, SearchSide side) {
  for (const ExclusionLine& line : r.exclusions) {
    ExpectComplete(line.coded, std::string(ConstraintId(line.constraint)));
    ASSERT_EQ(line.coded.codes.size(), 1u);
    EXPECT_EQ(line.coded.codes[0],
              static_cast<int32_t>(ExclusionCode(line.constraint, side)));
    EXPECT_EQ(line.coded.args[0], line.count);
    EXPECT_EQ(line.count, r.excluded[static_cast<int>(line.constraint)]);
  }
}

TEST(RandomReasonsTest, EveryReasonOfEveryPairRendersCompletely) {
  for (uint32_t seed = 1; seed <= 6; ++seed) {
    Random random(seed);
    CandidateIndex index;
    AddAuthorities(index);
    ASSERT_TRUE(
        index.UpsertAuthority({"gone", AuthorityKind::kLocalAuthority, true})
            .ok());
    constexpr int kHouseholds = 60, kGroups = 40;
    for (int i = 0; i < kHouseholds; ++i) {
      ASSERT_TRUE(index.UpsertHousehold(random.AHousehold(1000 + i)).ok());
      if (random.Chance(10)) index.SetOpenLinks(1000 + i, 6);
    }
    for (int i = 0; i < kGroups; ++i) {
      ASSERT_TRUE(index.UpsertChild(random.AGroup(1 + i)).ok());
    }
    const int32_t day = kToday + random.Uniform(0, 10);
    const CandidateIndex::RankOptions options{
        .limit = 100, .min_score = 0, .as_of_day = day};
    const MatchingPolicy policy;
    for (int c = 1; c <= kGroups; ++c) {
      for (int h = 1000; h < 1000 + kHouseholds; ++h) {
        absl::StatusOr<PairExplanation> e =
            index.ExplainPair(c, h, policy, day);
        ASSERT_TRUE(e.ok()) << e.status();
        ExpectComplete(e->components, absl::StrCat("pair ", c, "/", h));
      }
      absl::StatusOr<RankResult> r = index.RankHouseholds(c, policy, options);
      if (!r.ok()) continue;  // not waiting
      for (const RankedCandidate& cand : r->candidates) {
        ExpectComplete(cand.components,
                       absl::StrCat("households for ", c, ": ", cand.key));
      }
      ExpectLines(*r, SearchSide::kHouseholds);
    }
    for (int h = 1000; h < 1000 + kHouseholds; ++h) {
      absl::StatusOr<RankResult> r = index.RankChildren(h, policy, options);
      if (!r.ok()) continue;  // on hold
      for (const RankedCandidate& cand : r->candidates) {
        ExpectComplete(cand.components,
                       absl::StrCat("children for ", h, ": ", cand.key));
      }
      ExpectLines(*r, SearchSide::kChildren);
    }
  }
  // The random pairs reach every phrase but the age_range constraint's
  // (" today outside "), which no component uses.
  for (ReasonCode code : AllCodes()) {
    if (code == ReasonCode::kTodayOutside) continue;
    EXPECT_TRUE(CodesSeen().contains(static_cast<int32_t>(code)))
        << "no random pair gave code " << static_cast<int32_t>(code);
  }
}

}  // namespace
}  // namespace raa::matcher
