#include "tests/support/explanations.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "matcher/reasons.h"

namespace raa::test {

const std::vector<std::string>& ComponentIds() {
  static const auto* const kIds = new std::vector<std::string>{
      "needs_margin",     "age_fit", "capacity_fit", "waiting",
      "early_permanence", "contact", "identity",     "locality"};
  return *kIds;
}

const std::vector<std::string>& ConstraintIds() {
  static const auto* const kIds =
      new std::vector<std::string>{"not_available",
                                   "authority_withdrawn",
                                   "capacity",
                                   "age_range",
                                   "needs",
                                   "sex_preference",
                                   "child_excluded_region",
                                   "household_excluded_region",
                                   "hidden_from_authority",
                                   "link_limit"};
  return *kIds;
}

const std::vector<int>& DefaultWeights() {
  static const auto* const kWeights =
      new std::vector<int>{20, 15, 20, 15, 10, 10, 5, 5};
  return *kWeights;
}

void ExpectExplainedComponents(
    const google::protobuf::RepeatedPtrField<v1::ScoreComponent>& components,
    int score, const std::vector<int>& weights) {
  ASSERT_EQ(components.size(), static_cast<int>(ComponentIds().size()));
  int points = 0;
  for (int i = 0; i < components.size(); ++i) {
    const v1::ScoreComponent& c = components[i];
    const std::string& key = ComponentIds()[i];
    // Named (FULL_TEXT), numbered (every view of the coded API), or both.
    EXPECT_TRUE(!c.component().empty() || c.id() != 0) << "component " << i;
    if (!c.component().empty()) {
      EXPECT_EQ(c.component(), key);
    }
    if (c.id() != 0) {
      EXPECT_EQ(static_cast<int>(c.id()), i + 1) << key;
    }
    EXPECT_EQ(c.weight(), weights[i]) << key;
    EXPECT_GE(c.fit_permille(), 0) << key;
    EXPECT_LE(c.fit_permille(), 1000) << key;
    EXPECT_FALSE(c.reason().empty() && c.reason_codes().empty())
        << key << " has no reason";
    if (!c.reason_codes().empty()) {
      // The coded reason renders completely, as the words when both came.
      const std::vector<std::string> texts(c.reason_text_args().begin(),
                                           c.reason_text_args().end());
      const std::string words = matcher::ReasonCatalogPhrases().Format(
          c.reason_codes(), c.reason_args(), texts);
      EXPECT_THAT(words, ::testing::Not(::testing::HasSubstr("?"))) << key;
      EXPECT_THAT(words, ::testing::Not(::testing::HasSubstr("(reason")))
          << key;
      if (!c.reason().empty()) {
        EXPECT_EQ(words, c.reason()) << key;
      }
    }
    points += c.points_tenths();
  }
  // The contributions are apportioned to add up to the score exactly.
  EXPECT_EQ(points, 10 * score) << "points do not add up to the score";
  EXPECT_GE(score, 0);
  EXPECT_LE(score, 100);
}

std::string FirstFailedConstraint(const v1::PairExplanation& explanation) {
  for (const v1::ConstraintCheck& c : explanation.constraints()) {
    if (!c.passed()) return c.constraint();
  }
  return "";
}

}  // namespace raa::test
