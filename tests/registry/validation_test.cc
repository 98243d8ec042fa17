// The rules a registrar's input must pass before anything is stored: the
// anonymity check on free text, and the shape, range and date rules of child
// profiles and adopter households, each reported under the field's path.
#include "services/registry/validation.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/builders.h"
#include "tests/support/grpc_calls.h"
#include "tests/support/scratch_dir.h"
#include "tests/support/status_matchers.h"

namespace raa {
namespace {

using ::raa::test::MakeDate;
using ::raa::test::Today;
using ::raa::test::ValidAdopter;
using ::raa::test::ValidAuthority;
using ::raa::test::ValidChild;
using ::raa::test::ViolationFields;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Optional;
using ::testing::UnorderedElementsAre;

// ---------------- FindPersonalIdentifier ----------------

TEST(FindPersonalIdentifierTest, FlagsFullDatesInEveryCommonForm) {
  for (const char* text : {
           "born 12/03/2019 in hospital",
           "seen on 3.4.19 by the GP",
           "moved on 1-2-2020",
           "order granted 2019-03-12",
           "since 12 March 2019",
           "since 12th of March, 2019",
           "since March 12, 2019",
           "since 4 sept 2021",
       }) {
    EXPECT_THAT(FindPersonalIdentifier(text), Optional(HasSubstr("date")))
        << text;
  }
}

TEST(FindPersonalIdentifierTest, AllowsMonthAndYearWithoutADay) {
  EXPECT_THAT(FindPersonalIdentifier(
                  "Has lived with the same foster carers since March 2024"),
              Eq(std::nullopt));
}

TEST(FindPersonalIdentifierTest, FlagsNhsNumbersThatPassTheModElevenCheck) {
  for (const char* text :
       {"NHS 943 476 5919", "nhs no. 9434765919", "ref 943-476-5919 on file"}) {
    EXPECT_THAT(FindPersonalIdentifier(text), Optional(HasSubstr("NHS")))
        << text;
  }
}

TEST(FindPersonalIdentifierTest, TenDigitsFailingModElevenAreNotAnNhsNumber) {
  // 943 476 5919 with the check digit changed.
  EXPECT_THAT(FindPersonalIdentifier("ref 943 476 5918"),
              Not(Optional(HasSubstr("NHS"))));
  EXPECT_THAT(FindPersonalIdentifier("ref 9434765918"),
              Not(Optional(HasSubstr("NHS"))));
}

TEST(FindPersonalIdentifierTest, FlagsFullUkPostcodes) {
  for (const char* text :
       {"lives near S1 2HH", "school in LS6 1AN", "postcode ls6 1an",
        "SW1A 1AA", "M1 1AE", "near S12HH"}) {
    EXPECT_THAT(FindPersonalIdentifier(text), Optional(HasSubstr("postcode")))
        << text;
  }
}

TEST(FindPersonalIdentifierTest, AllowsPartialPostcodes) {
  EXPECT_THAT(FindPersonalIdentifier("lives in the S1 area"), Eq(std::nullopt));
  EXPECT_THAT(FindPersonalIdentifier("birth family are in LS6"),
              Eq(std::nullopt));
}

TEST(FindPersonalIdentifierTest, FlagsEmailAddresses) {
  EXPECT_THAT(FindPersonalIdentifier("ask jo.bloggs@sheffield.gov.uk"),
              Optional(HasSubstr("email")));
  EXPECT_THAT(FindPersonalIdentifier("foster carer: carer+1@example.com"),
              Optional(HasSubstr("email")));
}

TEST(FindPersonalIdentifierTest, FlagsUkPhoneNumbers) {
  for (const char* text :
       {"call 0114 273 4567", "mobile +44 7700 900123", "mobile 07700 900123",
        "ring 0114-273-4567", "01142734567"}) {
    EXPECT_THAT(FindPersonalIdentifier(text), Optional(HasSubstr("phone")))
        << text;
  }
}

// The area code in brackets is how UK numbers are most often printed.
TEST(FindPersonalIdentifierTest, FlagsPhoneNumbersWithTheAreaCodeInBrackets) {
  for (const char* text :
       {"call (0114) 273 4567", "call +44 (0)114 273 4567"}) {
    EXPECT_THAT(FindPersonalIdentifier(text), Optional(HasSubstr("phone")))
        << text;
  }
}

TEST(FindPersonalIdentifierTest, AllowsOrdinarySummaries) {
  for (const char* text : {
           "Sam, 7, loves football and needs a family who can manage "
           "moderate learning needs",
           "A sibling group of 3 (aged 2, 4 and 6) who should stay together; "
           "letterbox contact with their birth mother twice a year.",
           "Enjoys Lego, swimming and Peppa Pig; speaks English and some "
           "Polish. Started nursery in 2023 and is in year 2 now.",
           "Needs a family within 45 minutes of a specialist hospital; "
           "weighs 18 kg and walks with a frame.",
           "",
       }) {
    EXPECT_THAT(FindPersonalIdentifier(text), Eq(std::nullopt)) << text;
  }
}

// ---------------- CheckFreeText ----------------

std::vector<FieldViolation> TextViolations(absl::string_view text,
                                           const FreeTextRule& rule) {
  FieldErrors errors;
  CheckFreeText(text, "field", rule, errors);
  return errors.violations();
}

std::string Repeat(absl::string_view piece, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out.append(piece.data(), piece.size());
  return out;
}

// Issue 6: a reason of 400 "€" (1,200 bytes) was refused as over 500.
TEST(CheckFreeTextTest, CountsCharactersNotBytes) {
  EXPECT_THAT(TextViolations(Repeat("\u20AC", 400), kReasonText), IsEmpty());
  EXPECT_THAT(TextViolations(Repeat("\u20AC", 500), kReasonText), IsEmpty());
  std::vector<FieldViolation> v =
      TextViolations(Repeat("\u20AC", 501), kReasonText);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].description, "is 501 characters; at most 500");
}

TEST(CheckFreeTextTest, RefusesOverLongTextBeforeScanningIt) {
  // 16,000 digits and 32,000 letters crashed the old regex scan.
  for (const std::string& text :
       {std::string(16'000, '7'), std::string(32'000, 'a'),
        "call 0114 273 4567 " + std::string(1000, 'a')}) {
    std::vector<FieldViolation> v = TextViolations(text, kSummaryText);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_THAT(v[0].description, HasSubstr("characters; at most 1000"));
  }
}

TEST(CheckFreeTextTest, RequiresARequiredField) {
  std::vector<FieldViolation> v = TextViolations("", kReasonText);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_THAT(v[0].description, HasSubstr("is required"));
  EXPECT_THAT(TextViolations("", kSummaryText), IsEmpty());
}

// Stop 41's probe: a reason of spaces or a zero-width space was taken as
// given, and a closed link then showed an empty reason.
TEST(CheckFreeTextTest, ARequiredFieldNeedsAVisibleCharacter) {
  for (const char* text : {" ", "   ", "\u200B", "\u00A0\u2003", "\uFEFF\u200D",
                           "\u3000", "\u2800", "\u3164", " \uFE0F "}) {
    for (const FreeTextRule& rule : {kReasonText, kDisplayNameText}) {
      std::vector<FieldViolation> v = TextViolations(text, rule);
      ASSERT_EQ(v.size(), 1u) << text;
      EXPECT_THAT(v[0].description, HasSubstr("only spaces or invisible"))
          << text;
    }
    // An optional field may be blank.
    EXPECT_THAT(TextViolations(text, kKeyLabelText), IsEmpty()) << text;
  }
  EXPECT_THAT(TextViolations("  moved away \u200B", kReasonText), IsEmpty());
  EXPECT_THAT(TextViolations("\u00E9", kReasonText), IsEmpty());
}

TEST(CheckFreeTextTest, AVisibleOnlyFieldRefusesAnInvisibleCharacterAnywhere) {
  // A payment's reference: "BA\u200BCS" looks like "BACS" and is not.
  constexpr FreeTextRule kReference{
      .min_chars = 1, .max_chars = 60, .visible_only = true};
  for (const char* text : {"BA\u200BCS", "BACS\u00A0123", "\uFEFFBACS",
                           "BACS\u2060", "A\u3164B"}) {
    std::vector<FieldViolation> v = TextViolations(text, kReference);
    ASSERT_EQ(v.size(), 1u) << text;
    EXPECT_THAT(v[0].description, HasSubstr("an invisible character (U+"))
        << text;
  }
  EXPECT_THAT(TextViolations("BA\u200BCS", kReference)[0].description,
              HasSubstr("(U+200B) at character 3"));
  EXPECT_THAT(TextViolations("BACS 2026-10 \u00E9", kReference), IsEmpty());
  // Other fields keep them (a reason's words may hold a joiner).
  EXPECT_THAT(TextViolations("BA\u200BCS", kReasonText), IsEmpty());
}

TEST(CheckFreeTextTest, RefusesControlCharactersNamingThem) {
  for (const FreeTextRule& rule :
       {kSummaryText, kReasonText, kDisplayNameText, kKeyLabelText}) {
    for (const std::string& text :
         {std::string("Sam\0Smith", 9), std::string("ring\abell"),
          std::string("esc\x1B[31m"), std::string("del\x7F"),
          std::string("c1 \xC2\x85 next line"), std::string("cr\r\n")}) {
      std::vector<FieldViolation> v = TextViolations(text, rule);
      ASSERT_EQ(v.size(), 1u) << text;
      EXPECT_THAT(v[0].description, HasSubstr("U+00")) << text;
    }
  }
  EXPECT_THAT(
      TextViolations(std::string("a\0b", 3), kSummaryText)[0].description,
      HasSubstr("a control character (U+0000) at character 2"));
}

TEST(CheckFreeTextTest, AllowsLineFeedsAndTabsOnlyInMultiLineText) {
  EXPECT_THAT(TextViolations("Likes:\n\t- trains\n\t- swimming", kSummaryText),
              IsEmpty());
  for (const FreeTextRule& rule : {kReasonText, kDisplayNameText}) {
    EXPECT_THAT(TextViolations("two\nlines", rule), Not(IsEmpty()));
    EXPECT_THAT(TextViolations("a\ttab", rule), Not(IsEmpty()));
    EXPECT_THAT(TextViolations("line\u2028separator", rule), Not(IsEmpty()));
  }
}

TEST(CheckFreeTextTest, RefusesBidiOverridesAndIsolates) {
  for (const char* text :
       {"Sam \u202Eevil", "\u202Aa", "\u202Bb", "\u202Cc", "\u202Dd", "\u2066e",
        "\u2067f", "\u2068g", "\u2069h"}) {
    std::vector<FieldViolation> v = TextViolations(text, kDisplayNameText);
    ASSERT_EQ(v.size(), 1u) << text;
    EXPECT_THAT(v[0].description, HasSubstr("bidirectional")) << text;
  }
  // Right-to-left text itself is fine.
  EXPECT_THAT(
      TextViolations("\u0645\u0631\u062D\u0628\u0627 Sam", kSummaryText),
      IsEmpty());
}

TEST(CheckFreeTextTest, RefusesMalformedUtf8) {
  for (const char* text : {"bad \xFF byte", "cut \xE2\x82", "overlong \xC0\xAF",
                           "surrogate \xED\xA0\x80"}) {
    std::vector<FieldViolation> v = TextViolations(text, kSummaryText);
    ASSERT_EQ(v.size(), 1u) << text;
    EXPECT_EQ(v[0].description, "is not valid UTF-8");
  }
}

TEST(CheckFreeTextTest, ScansOnlyAnonymousFields) {
  EXPECT_THAT(TextViolations("ask 0114 273 4567", kReasonText), Not(IsEmpty()));
  EXPECT_THAT(TextViolations("Team 0114 273 4567", kDisplayNameText),
              IsEmpty());
}

TEST(ValidateAuthorityTest, RefusesControlAndBidiCharactersInTheName) {
  FieldErrors errors;
  ValidateAuthority(ValidAuthority("Sheffield\u202E", "south-yorkshire"),
                    Today(), errors);
  EXPECT_THAT(ViolationFields(errors.ToStatus()), Contains("display_name"));
}

// ---------------- messages ----------------

TEST(QuotedTest, QuotesAtMostFortyCharactersCutOnACharacterBoundary) {
  EXPECT_EQ(Quoted("short"), "\"short\"");
  EXPECT_EQ(Quoted(std::string(100, 'x')),
            "\"" + std::string(40, 'x') + "\u2026\"");
  std::string euros = Repeat("\u20AC", 50);
  EXPECT_EQ(Quoted(euros), "\"" + Repeat("\u20AC", 40) + "\u2026\"");
  EXPECT_EQ(Quoted("a\nb\u202Ec\xFF"), "\"a\uFFFDb\uFFFDc\uFFFD\"");
}

TEST(ToGrpcStatusTest, CapsTheMessageAndTheDetails) {
  FieldErrors errors;
  for (int i = 0; i < 1000; ++i) {
    errors.Add(absl::StrCat("requests[", i, "].child.summary"),
               std::string(300, 'e'));
  }
  grpc::Status status = ToGrpcStatus(errors.ToStatus());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_LE(status.error_message().size(), kMaxStatusMessageBytes);
  EXPECT_LE(status.error_details().size(),
            kMaxStatusMessageBytes + kMaxStatusDetailsBytes + 200);
  std::vector<FieldViolation> kept = ViolationsOf(FromGrpcStatus(status));
  ASSERT_GE(kept.size(), 2u);
  EXPECT_EQ(kept[0].field, "requests[0].child.summary");
  EXPECT_THAT(kept.back().description, HasSubstr("more problems"));

  grpc::Status plain =
      ToGrpcStatus(absl::NotFoundError(std::string(1 << 20, 'n')));
  EXPECT_LE(plain.error_message().size(), kMaxStatusMessageBytes);
}

// ---------------- ValidateRequestId ----------------

TEST(ValidateRequestIdTest, RequiresOneTo128Characters) {
  FieldErrors ok;
  ValidateRequestId("import-2026-11-01-row-17", ok);
  EXPECT_TRUE(ok.empty());

  FieldErrors empty;
  ValidateRequestId("", empty);
  EXPECT_THAT(ViolationFields(empty.ToStatus()), ElementsAre("request_id"));

  FieldErrors too_long;
  ValidateRequestId(std::string(129, 'r'), too_long);
  EXPECT_THAT(ViolationFields(too_long.ToStatus()), ElementsAre("request_id"));
}

// registry.proto: "1-128 printable characters".
TEST(ValidateRequestIdTest, RejectsUnprintableCharacters) {
  FieldErrors errors;
  ValidateRequestId("row-17\n", errors);
  EXPECT_THAT(ViolationFields(errors.ToStatus()), ElementsAre("request_id"));
  // 43 euro signs are 129 bytes: told they are not ASCII, not that they
  // are too many.
  std::string euros;
  for (int i = 0; i < 43; ++i) euros += "\u20ac";
  FieldErrors not_ascii;
  ValidateRequestId(euros, not_ascii);
  EXPECT_THAT(not_ascii.ToStatus().message(), HasSubstr("printable ASCII"));
}

// ---------------- ValidateChild ----------------

// Validates `child` as the registry stores it: with defaults filled in.
std::vector<std::string> ChildViolations(v1::Child child) {
  NormalizeChild(child);
  FieldErrors errors("child");
  ValidateChild(child, Today(), errors);
  return ViolationFields(errors.ToStatus());
}

TEST(ValidateChildTest, AcceptsAValidProfile) {
  EXPECT_THAT(ChildViolations(ValidChild()), IsEmpty());
}

TEST(ValidateChildTest, RejectsAnUnknownNeedCategory) {
  v1::Child child = ValidChild();
  child.mutable_members(0)->mutable_needs(0)->set_category(
      static_cast<v1::NeedCategory>(42));
  EXPECT_THAT(ChildViolations(child),
              ElementsAre("child.members[0].needs[0].category"));

  child.mutable_members(0)->mutable_needs(0)->set_category(
      v1::NEED_CATEGORY_UNSPECIFIED);
  EXPECT_THAT(ChildViolations(child),
              ElementsAre("child.members[0].needs[0].category"));
}

TEST(ValidateChildTest, RejectsANeedCategoryListedTwice) {
  v1::Child child = ValidChild();
  v1::Need* again = child.mutable_members(0)->add_needs();
  again->set_category(v1::NEED_CATEGORY_LEARNING_DISABILITY);
  again->set_level(v1::NEED_LEVEL_SEVERE);
  EXPECT_THAT(ChildViolations(child),
              ElementsAre("child.members[0].needs[1].category"));
}

TEST(ValidateChildTest, RejectsANeedWithoutALevel) {
  v1::Child child = ValidChild();
  child.mutable_members(0)->mutable_needs(0)->set_level(v1::NEED_LEVEL_NONE);
  EXPECT_THAT(ChildViolations(child),
              ElementsAre("child.members[0].needs[0].level"));
}

TEST(ValidateChildTest, NamesTheMemberWithABadAge) {
  v1::Child child = ValidChild();
  *child.add_members() = child.members(0);
  child.mutable_members(1)->set_age_months(-1);
  EXPECT_THAT(ChildViolations(child),
              ElementsAre("child.members[1].age_months"));
  child.mutable_members(1)->set_age_months(18 * 12 + 1);
  EXPECT_THAT(ChildViolations(child),
              ElementsAre("child.members[1].age_months"));
}

TEST(ValidateChildTest, NeedsOneToEightMembers) {
  v1::Child none = ValidChild();
  none.clear_members();
  EXPECT_THAT(ChildViolations(none), ElementsAre("child.members"));

  v1::Child nine = ValidChild();
  for (int i = 0; i < 8; ++i) *nine.add_members() = nine.members(0);
  EXPECT_THAT(ChildViolations(nine), ElementsAre("child.members"));

  v1::Child eight = ValidChild();
  for (int i = 0; i < 7; ++i) *eight.add_members() = eight.members(0);
  EXPECT_THAT(ChildViolations(eight), IsEmpty());
}

TEST(ValidateChildTest, RequiresAgesAsOf) {
  v1::Child child = ValidChild();
  child.clear_ages_as_of();
  EXPECT_THAT(ChildViolations(child), ElementsAre("child.ages_as_of"));
}

TEST(ValidateChildTest, RejectsDatesInTheFuture) {
  v1::Child child = ValidChild();
  *child.mutable_ages_as_of() = MakeDate(2026, 11, 2);
  *child.mutable_journey()->mutable_shobpa_decision() = MakeDate(2027, 1, 1);
  EXPECT_THAT(ChildViolations(child),
              UnorderedElementsAre("child.ages_as_of",
                                   "child.journey.shobpa_decision"));
}

TEST(ValidateChildTest, AcceptsToday) {
  v1::Child child = ValidChild();
  *child.mutable_ages_as_of() = MakeDate(2026, 11, 1);
  EXPECT_THAT(ChildViolations(child), IsEmpty());
}

TEST(ValidateChildTest, RejectsImpossibleDates) {
  v1::Child child = ValidChild();
  *child.mutable_ages_as_of() = MakeDate(2025, 2, 30);
  *child.mutable_journey()->mutable_entered_care() = MakeDate(2025, 13, 1);
  EXPECT_THAT(
      ChildViolations(child),
      UnorderedElementsAre("child.ages_as_of", "child.journey.entered_care"));
}

TEST(ValidateChildTest, RejectsADateBefore1970AndStillChecksTheAgeInCare) {
  // A mistyped year: before, a date before 1970 passed as if unset, so a
  // child of two could have been in care since 1969.
  for (int year : {1969, 1900}) {
    v1::Child child = ValidChild();
    *child.mutable_journey()->mutable_entered_care() = MakeDate(year, 12, 31);
    EXPECT_THAT(ChildViolations(child),
                ElementsAre("child.journey.entered_care"))
        << year;
  }
  v1::Child child = ValidChild();
  *child.mutable_journey()->mutable_entered_care() = MakeDate(1970, 1, 1);
  EXPECT_THAT(ChildViolations(child),
              UnorderedElementsAre("child.members[0].age_months",
                                   "child.journey.entered_care"));
}

TEST(ValidateChildTest, RejectsAJourneyOutOfOrder) {
  v1::Child child = ValidChild();
  // The SHOBPA decision cannot come before the child entered care.
  *child.mutable_journey()->mutable_shobpa_decision() = MakeDate(2024, 12, 1);
  EXPECT_THAT(ChildViolations(child),
              ElementsAre("child.journey.shobpa_decision"));
}

TEST(ValidateChildChangesTest, APlacementOrderSetBeforeCareIsRefused) {
  v1::Child child = ValidChild();
  child.mutable_journey()->clear_shobpa_decision();
  const google::type::Date care = child.journey().entered_care();
  *child.mutable_journey()->mutable_placement_order() =
      MakeDate(care.year() - 1, care.month(), care.day());
  // A new profile.
  FieldErrors created("child");
  ValidateChildChanges(nullptr, child, created);
  EXPECT_THAT(ViolationFields(created.ToStatus()),
              ElementsAre("child.journey.placement_order"));
  // An update that sets the placement order, or moves the date of care.
  v1::Child stored = child;
  stored.mutable_journey()->clear_placement_order();
  FieldErrors updated("child");
  ValidateChildChanges(&stored, child, updated);
  EXPECT_THAT(ViolationFields(updated.ToStatus()),
              ElementsAre("child.journey.placement_order"));
  // An update that moves only the date of care past the stored order names
  // the date of care, the one the registrar changed.
  v1::Child in_order = child;
  *in_order.mutable_journey()->mutable_placement_order() =
      MakeDate(care.year(), care.month(), care.day());
  v1::Child care_moved = in_order;
  *care_moved.mutable_journey()->mutable_entered_care() =
      MakeDate(care.year() + 1, care.month(), care.day());
  FieldErrors moved("child");
  ValidateChildChanges(&in_order, care_moved, moved);
  EXPECT_THAT(ViolationFields(moved.ToStatus()),
              ElementsAre("child.journey.entered_care"));
  EXPECT_THAT(moved.ToStatus().message(), HasSubstr("after the placement"));
  // A profile stored so before the check keeps taking other changes.
  v1::Child summary_changed = child;
  summary_changed.set_summary("Loves the seaside.");
  FieldErrors other("child");
  ValidateChildChanges(&child, summary_changed, other);
  EXPECT_TRUE(other.ToStatus().ok());
  // With a SHOBPA decision, ValidateChild's order of dates says it (once).
  *child.mutable_journey()->mutable_shobpa_decision() = care;
  FieldErrors with_shobpa("child");
  ValidateChildChanges(nullptr, child, with_shobpa);
  EXPECT_TRUE(with_shobpa.ToStatus().ok());
  EXPECT_THAT(ChildViolations(child),
              ElementsAre("child.journey.placement_order"));
}

TEST(ValidateChildTest, LimitsTheSummaryToOneThousandCharacters) {
  v1::Child child = ValidChild();
  child.set_summary(std::string(1000, 'a'));
  EXPECT_THAT(ChildViolations(child), IsEmpty());
  child.set_summary(std::string(1001, 'a'));
  EXPECT_THAT(ChildViolations(child), ElementsAre("child.summary"));
}

TEST(ValidateChildTest, CountsSummaryCharactersNotBytes) {
  v1::Child child = ValidChild();
  std::string accented;
  for (int i = 0; i < 1000; ++i) accented += "\xC3\xA9";  // é, 2 bytes
  child.set_summary(accented);
  EXPECT_THAT(ChildViolations(child), IsEmpty());
}

TEST(ValidateChildTest, RejectsASummaryWithAPersonalIdentifier) {
  v1::Child child = ValidChild();
  child.set_summary("Sam's social worker is on 0114 273 4567");
  NormalizeChild(child);
  FieldErrors errors("child");
  ValidateChild(child, Today(), errors);
  ASSERT_EQ(errors.violations().size(), 1u);
  EXPECT_EQ(errors.violations()[0].field, "child.summary");
  EXPECT_THAT(errors.violations()[0].description, HasSubstr("phone"));
}

TEST(ValidateChildTest, ReportsEveryViolationAtOnce) {
  v1::Child child = ValidChild();
  child.mutable_members(0)->set_sex(v1::SEX_UNSPECIFIED);
  child.set_contact_plan(v1::CONTACT_PLAN_UNSPECIFIED);
  child.add_excluded_regions("Not A Slug");
  child.set_summary("email me: a@b.com");
  EXPECT_THAT(
      ChildViolations(child),
      UnorderedElementsAre("child.members[0].sex", "child.contact_plan",
                           "child.excluded_regions[0]", "child.summary"));
}

// ---------------- ValidateAdopter ----------------

std::vector<std::string> AdopterViolations(v1::Adopter adopter) {
  NormalizeAdopter(adopter);
  FieldErrors errors("adopter");
  ValidateAdopter(adopter, Today(), errors);
  return ViolationFields(errors.ToStatus());
}

TEST(ValidateAdopterTest, AcceptsAValidHousehold) {
  EXPECT_THAT(AdopterViolations(ValidAdopter()), IsEmpty());
}

TEST(ValidateAdopterTest, RejectsADateBefore1970) {
  v1::Adopter household = ValidAdopter();
  *household.mutable_approved_on() = MakeDate(1920, 6, 1);
  EXPECT_THAT(AdopterViolations(household),
              ::testing::Contains("adopter.approved_on"));
}

TEST(ValidateAdopterTest, RejectsAReversedAgeRange) {
  v1::Adopter adopter = ValidAdopter();
  adopter.set_min_age_months(60);
  adopter.set_max_age_months(24);
  FieldErrors errors("adopter");
  ValidateAdopter(adopter, Today(), errors);
  ASSERT_EQ(errors.violations().size(), 1u);
  EXPECT_EQ(errors.violations()[0].field, "adopter.max_age_months");
  EXPECT_THAT(errors.violations()[0].description, HasSubstr("reversed"));
}

TEST(ValidateAdopterTest, ApprovedForMustBeOneToFive) {
  for (int approved_for : {0, 6, -1}) {
    v1::Adopter adopter = ValidAdopter();
    adopter.set_approved_for(approved_for);
    EXPECT_THAT(AdopterViolations(adopter), ElementsAre("adopter.approved_for"))
        << approved_for;
  }
  for (int approved_for : {1, 5}) {
    v1::Adopter adopter = ValidAdopter();
    adopter.set_approved_for(approved_for);
    EXPECT_THAT(AdopterViolations(adopter), IsEmpty()) << approved_for;
  }
}

TEST(ValidateAdopterTest, RejectsAnUnknownOrRepeatedNeedCategory) {
  v1::Adopter adopter = ValidAdopter();
  v1::NeedLimit* unknown = adopter.add_need_limits();
  unknown->set_category(static_cast<v1::NeedCategory>(99));
  unknown->set_max_level(v1::NEED_LEVEL_MILD);
  v1::NeedLimit* repeated = adopter.add_need_limits();
  repeated->set_category(v1::NEED_CATEGORY_LEARNING_DISABILITY);
  repeated->set_max_level(v1::NEED_LEVEL_SEVERE);
  EXPECT_THAT(AdopterViolations(adopter),
              ElementsAre("adopter.need_limits[1].category",
                          "adopter.need_limits[2].category"));
}

TEST(ValidateAdopterTest, RequiresTheApprovalDateOnceApproved) {
  v1::Adopter adopter = ValidAdopter();
  adopter.clear_approved_on();
  EXPECT_THAT(AdopterViolations(adopter), ElementsAre("adopter.approved_on"));

  adopter.set_status(v1::ADOPTER_STATUS_STAGE_TWO);
  EXPECT_THAT(AdopterViolations(adopter), IsEmpty());
}

TEST(ValidateAdopterTest, RejectsDatesInTheFutureOrImpossible) {
  v1::Adopter adopter = ValidAdopter();
  *adopter.mutable_approved_on() = MakeDate(2026, 12, 1);
  EXPECT_THAT(AdopterViolations(adopter), ElementsAre("adopter.approved_on"));

  adopter = ValidAdopter();
  *adopter.mutable_applied_on() = MakeDate(2025, 4, 31);
  EXPECT_THAT(AdopterViolations(adopter), ElementsAre("adopter.applied_on"));
}

TEST(ValidateAdopterTest, RejectsAnApplicationBeforeTheRegistration) {
  v1::Adopter adopter = ValidAdopter();
  *adopter.mutable_applied_on() = MakeDate(2024, 12, 1);
  EXPECT_THAT(AdopterViolations(adopter), ElementsAre("adopter.applied_on"));
}

TEST(ValidateAdopterTest, ReportsEveryViolationAtOnce) {
  v1::Adopter adopter = ValidAdopter();
  adopter.set_approved_for(0);
  adopter.set_min_age_months(48);
  adopter.set_max_age_months(12);
  adopter.set_region("");
  adopter.set_languages(0, "English");
  EXPECT_THAT(
      AdopterViolations(adopter),
      UnorderedElementsAre("adopter.approved_for", "adopter.max_age_months",
                           "adopter.region", "adopter.languages[0]"));
}

}  // namespace
}  // namespace raa
