// The console's pure parts, without a server: sessions expire and are
// bounded, tokens compare, cookies parse, failed sign-ins are limited,
// days waited follow the waiting report's definition, and templates escape.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "clients/lib/profile_text.h"
#include "clients/web/finder_views.h"
#include "clients/web/manager_views.h"
#include "clients/web/registry_forms.h"
#include "clients/web/sessions.h"
#include "clients/web/tables.h"
#include "clients/web/templates.h"
#include "clients/web/views.h"
#include "common/dates.h"

namespace raa::web {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

const absl::Time kStart = absl::FromUnixSeconds(1'800'000'000);

TEST(SessionTableTest, ExpiresAfterIdleAndTouchKeepsAlive) {
  SessionTable table({.idle = absl::Minutes(30), .max_sessions = 10});
  Session s;
  s.authority = "authorities/sheffield";
  std::string id = table.Create(s, kStart);
  EXPECT_EQ(id.size(), 64u);
  std::optional<Session> got = table.Touch(id, kStart + absl::Minutes(29));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->authority, "authorities/sheffield");
  EXPECT_EQ(got->csrf.size(), 64u);
  // Seen at 29 minutes: still there at 58.
  EXPECT_TRUE(table.Touch(id, kStart + absl::Minutes(58)).has_value());
  EXPECT_FALSE(table.Touch(id, kStart + absl::Minutes(89)).has_value());
  EXPECT_EQ(table.size(), 0u);
}

TEST(SessionTableTest, BoundedByEvictingTheLeastRecentlySeen) {
  SessionTable table({.idle = absl::Hours(1), .max_sessions = 2});
  std::string a = table.Create(Session(), kStart);
  std::string b = table.Create(Session(), kStart + absl::Seconds(1));
  ASSERT_TRUE(table.Touch(a, kStart + absl::Seconds(2)).has_value());
  std::string c = table.Create(Session(), kStart + absl::Seconds(3));
  EXPECT_EQ(table.size(), 2u);
  EXPECT_TRUE(table.Touch(a, kStart + absl::Seconds(4)).has_value());
  EXPECT_FALSE(table.Touch(b, kStart + absl::Seconds(4)).has_value());
  EXPECT_TRUE(table.Touch(c, kStart + absl::Seconds(4)).has_value());
}

// Stop 41's probe signed one family finder's key in 1,005 times and so
// signed everyone else out. One key's sessions now push out only its own.
TEST(SessionTableTest, OneKeySigningInAgainAndAgainEvictsOnlyItsOwn) {
  SessionTable table(
      {.idle = absl::Hours(1), .max_sessions = 50, .max_per_key = 3});
  Session manager;
  manager.key = "raa_manager";
  const std::string kept = table.Create(manager, kStart);
  Session finder;
  finder.key = "raa_finder";
  std::vector<std::string> ids;
  for (int i = 1; i <= 1005; ++i) {
    ids.push_back(table.Create(finder, kStart + absl::Seconds(i)));
  }
  EXPECT_EQ(table.size(), 4u);
  EXPECT_TRUE(table.Touch(kept, kStart + absl::Seconds(2000)).has_value());
  // The finder's three newest remain.
  EXPECT_TRUE(table.Touch(ids[1004], kStart + absl::Seconds(2000)));
  EXPECT_TRUE(table.Touch(ids[1002], kStart + absl::Seconds(2000)));
  EXPECT_FALSE(table.Touch(ids[1001], kStart + absl::Seconds(2000)));
}

TEST(SessionTableTest, RemoveAndFlash) {
  SessionTable table({});
  std::string id = table.Create(Session(), kStart);
  table.SetFlash(id, "Link links/l1 opened");
  EXPECT_EQ(table.TakeFlash(id), "Link links/l1 opened");
  EXPECT_EQ(table.TakeFlash(id), "");
  table.Remove(id);
  EXPECT_FALSE(table.Touch(id, kStart).has_value());
  EXPECT_FALSE(table.Touch("", kStart).has_value());
}

TEST(TokensTest, RandomHexIsFreshAndTokensCompareExactly) {
  std::string a = RandomHex(32);
  EXPECT_EQ(a.size(), 64u);
  EXPECT_NE(a, RandomHex(32));
  EXPECT_TRUE(TokensMatch(a, a));
  EXPECT_FALSE(TokensMatch(a, a.substr(1)));
  EXPECT_FALSE(TokensMatch("", ""));
  EXPECT_FALSE(TokensMatch("ab", "ac"));
}

TEST(CookieTest, FindsTheNamedCookie) {
  EXPECT_EQ(CookieValue("a=1; raa_session=ab12; b=2", "raa_session"), "ab12");
  EXPECT_EQ(CookieValue("raa_session_x=1", "raa_session"), "");
  EXPECT_EQ(CookieValue("", "raa_session"), "");
}

TEST(SignInLimiterTest, RefusesAfterFreeFailuresUntilTheWindowPasses) {
  SignInLimiter limiter({.free_failures = 2, .window = absl::Minutes(1)});
  EXPECT_EQ(limiter.RetryAfter("10.0.0.1", kStart), absl::ZeroDuration());
  limiter.RecordFailure("10.0.0.1", kStart);
  limiter.RecordFailure("10.0.0.1", kStart + absl::Seconds(10));
  EXPECT_EQ(limiter.RetryAfter("10.0.0.1", kStart + absl::Seconds(20)),
            absl::Seconds(40));
  EXPECT_EQ(limiter.RetryAfter("10.0.0.2", kStart), absl::ZeroDuration());
  EXPECT_EQ(limiter.RetryAfter("10.0.0.1", kStart + absl::Minutes(1)),
            absl::ZeroDuration());
  limiter.RecordFailure("10.0.0.3", kStart);
  limiter.RecordFailure("10.0.0.3", kStart);
  limiter.RecordSuccess("10.0.0.3");
  EXPECT_EQ(limiter.RetryAfter("10.0.0.3", kStart), absl::ZeroDuration());
}

TEST(ViewsTest, DaysWaitedFromThePlacementOrderElseShobpa) {
  v1::Child child;
  absl::CivilDay today(2026, 12, 1);
  EXPECT_FALSE(DaysWaited(child, today).has_value());
  *child.mutable_journey()->mutable_shobpa_decision() =
      ToDate(absl::CivilDay(2026, 11, 1));
  EXPECT_EQ(DaysWaited(child, today), 30);
  *child.mutable_journey()->mutable_placement_order() =
      ToDate(absl::CivilDay(2026, 11, 21));
  EXPECT_EQ(DaysWaited(child, today), 10);
}

TEST(ViewsTest, AgesKeysNamesAndAddresses) {
  EXPECT_EQ(AgeText(86), "7 years 2 months");
  EXPECT_EQ(AgeText(12), "1 year");
  EXPECT_EQ(AgeText(0), "0 months");
  EXPECT_EQ(KeyIdOf("raa_1035d0c6d3a207d6_c53a"), "1035d0c6d3a207d6");
  EXPECT_EQ(KeyIdOf("nope"), "");
  std::optional<ChildRef> ref =
      ParseChildName("authorities/sheffield/children/c12");
  ASSERT_TRUE(ref.has_value());
  EXPECT_EQ(ChildPath(*ref), "/children/sheffield/c12");
  EXPECT_FALSE(ParseChildName("authorities/x/adopters/h1").has_value());
  EXPECT_FALSE(ParseChildName("authorities/../children/c1").has_value());
  std::optional<HostPort> hp = ParseHostPort("[::1]:0");
  ASSERT_TRUE(hp.has_value());
  EXPECT_EQ(hp->host, "::1");
  EXPECT_TRUE(IsLoopbackHost(hp->host));
  EXPECT_TRUE(IsLoopbackHost("127.0.0.1"));
  EXPECT_FALSE(IsLoopbackHost("0.0.0.0"));
  EXPECT_FALSE(ParseHostPort("127.0.0.1").has_value());
  EXPECT_FALSE(ParseHostPort("127.0.0.1:70000").has_value());
  EXPECT_EQ(HttpStatusOf(absl::InvalidArgumentError("x")), 400);
  EXPECT_EQ(HttpStatusOf(absl::FailedPreconditionError("x")), 409);
  EXPECT_THAT(UserMessageOf(absl::InternalError("sqlite: disk I/O at x.cc")),
              Not(HasSubstr("sqlite")));
}

// A write answered with one of these may have been stored: the console
// offers "Send it again" with the same request id. Any other answer is a
// refusal, which stores nothing: the form is shown again to be corrected.
TEST(ViewsTest, OnlyALostOrFailedAnswerLeavesAWritesOutcomeUnknown) {
  for (const absl::Status& unknown :
       {absl::UnavailableError("x"), absl::DeadlineExceededError("x"),
        absl::CancelledError("x"), absl::UnknownError("x"),
        absl::InternalError("x")}) {
    EXPECT_TRUE(WriteOutcomeUnknown(unknown)) << unknown;
  }
  for (const absl::Status& refused :
       {absl::OkStatus(), absl::InvalidArgumentError("x"),
        absl::FailedPreconditionError("x"), absl::AlreadyExistsError("x"),
        absl::PermissionDeniedError("x"), absl::UnauthenticatedError("x"),
        absl::NotFoundError("x"), absl::ResourceExhaustedError("x"),
        absl::AbortedError("x"), absl::OutOfRangeError("x")}) {
    EXPECT_FALSE(WriteOutcomeUnknown(refused)) << refused;
  }
}

TEST(TemplatesTest, EveryValueIsEscaped) {
  Templates templates;
  kainjow::mustache::data d;
  d.set("title", "Sign in");
  d.set("csrf", "t\"><script>");
  d.set("key_error", "<script>alert(1)</script>");
  absl::StatusOr<std::string> page = templates.Render("sign_in", d);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_THAT(*page, Not(HasSubstr("<script>alert")));
  EXPECT_THAT(*page, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_THAT(*page, Not(HasSubstr("t\"><script>")));
  EXPECT_THAT(*page, HasSubstr("<main class=\"govuk-main-wrapper\" "
                               "id=\"main-content\">"));
}

TEST(TemplatesTest, NoTemplateUsesTripleBraces) {
  for (const auto& [name, text] : EmbeddedTemplates()) {
    EXPECT_THAT(text, Not(HasSubstr("{{{"))) << name;
    EXPECT_THAT(text, Not(HasSubstr("{{&"))) << name;
  }
}

// ---- tables.h ----

TEST(TableTest, SortsByTheUrlsColumnAndPagesWithLinksThatKeepTheRest) {
  using kainjow::mustache::data;
  Table table(
      {{.key = "id", .label = "Profile"},
       {.key = "days", .label = "Days waited", .numeric = true}},
      {.default_sort = "days", .default_descending = true, .page_size = 2});
  auto add = [&](const std::string& id, SortKey days) {
    data row;
    row.set("id", id);
    table.AddRow(row, {SortKey(id), days});
  };
  add("c1", int64_t{10});
  add("c2", int64_t{300});
  add("c3", SortKey());  // not waiting yet: always last
  add("c4", int64_t{45});
  add("C5", int64_t{45});

  auto ids = [](const data& rendered) {
    std::vector<std::string> out;
    for (const data& row : rendered.get("rows")->list_value()) {
      out.push_back(row.get("id")->string_value());
    }
    return out;
  };
  // The default: days waited, longest first, two a page.
  data page1 = table.Render({{"filter", "a b"}}, "/");
  EXPECT_THAT(ids(page1), ElementsAre("c2", "c4"));
  EXPECT_EQ(page1.get("showing")->string_value(), "Showing 1 to 2 of 5");
  const data* pagination = page1.get("pagination");
  EXPECT_EQ(pagination->get("next_href")->string_value(),
            "/?filter=a%20b&page=2");
  EXPECT_EQ(pagination->get("previous_href"), nullptr);
  const data& days_column = page1.get("columns")->list_value()[1];
  EXPECT_EQ(days_column.get("aria_sort")->string_value(), "descending");
  EXPECT_EQ(days_column.get("href")->string_value(),
            "/?filter=a%20b&dir=asc&sort=days");

  data page3 = table.Render({{"page", "3"}}, "/");
  EXPECT_THAT(ids(page3), ElementsAre("c3"));
  // Equal keys keep the order added; a page past the end is the last.
  EXPECT_THAT(ids(table.Render({{"page", "99"}}, "/")), ElementsAre("c3"));
  EXPECT_THAT(ids(table.Render({{"sort", "days"}, {"dir", "asc"}}, "/")),
              ElementsAre("c1", "c4"));
  // Text sorts ignore case; an unknown column falls back to the default.
  EXPECT_THAT(ids(table.Render({{"sort", "id"}, {"dir", "desc"}}, "/")),
              ElementsAre("C5", "c4"));
  EXPECT_THAT(ids(table.Render({{"sort", "<script>"}}, "/")),
              ElementsAre("c2", "c4"));
}

TEST(TableTest, ARowShownIsOnThePageRenderedWhateverTheUrlSays) {
  using kainjow::mustache::data;
  Table table({{.key = "paid_on", .label = "Paid on"}},
              {.default_sort = "paid_on", .page_size = 2});
  for (const char* day :
       {"2026-11-05", "2026-11-01", "2026-11-04", "2026-11-03", "2026-11-02"}) {
    data row;
    row.set("paid_on", day);
    table.AddRow(row, {SortKey(std::string(day))});
  }
  table.ShowRow(2);  // 2026-11-04: fourth in date order, so on page 2
  auto days = [](const data& rendered) {
    std::vector<std::string> out;
    for (const data& row : rendered.get("rows")->list_value()) {
      out.push_back(row.get("paid_on")->string_value());
    }
    return out;
  };
  EXPECT_THAT(days(table.Render({}, "/")),
              ElementsAre("2026-11-03", "2026-11-04"));
  EXPECT_THAT(days(table.Render({{"page", "3"}}, "/")),
              ElementsAre("2026-11-03", "2026-11-04"));
  // In the order the URL asks for: newest first, it is second, on page 1.
  data newest = table.Render({{"sort", "paid_on"}, {"dir", "desc"}}, "/");
  EXPECT_THAT(days(newest), ElementsAre("2026-11-05", "2026-11-04"));
  EXPECT_EQ(newest.get("showing")->string_value(), "Showing 1 to 2 of 5");
}

TEST(TableTest, APrefixSeparatesTwoTablesOnOnePage) {
  Table table({{.key = "score", .label = "Score", .numeric = true}},
              {.page_size = 1, .prefix = "h"});
  for (int64_t s : {5, 9}) {
    kainjow::mustache::data row;
    row.set("score", std::to_string(s));
    table.AddRow(row, {SortKey(s)});
  }
  // No default sort: the order added (a ranking's).
  kainjow::mustache::data out =
      table.Render({{"page", "7"}, {"h_page", "2"}}, "/x");
  EXPECT_EQ(out.get("rows")->list_value()[0].get("score")->string_value(), "9");
  EXPECT_EQ(out.get("pagination")->get("previous_href")->string_value(),
            "/x?page=7");
}

// ---- the family finder's pages (finder_views.h) ----

TEST(FinderViewsTest, HouseholdNamesBecomeTheirPages) {
  std::optional<HouseholdRef> ref =
      ParseHouseholdName("authorities/southyorks-raa/adopters/h4");
  ASSERT_TRUE(ref.has_value());
  EXPECT_EQ(ref->authority, "southyorks-raa");
  EXPECT_EQ(ref->household, "h4");
  EXPECT_EQ(HouseholdPath(*ref), "/households/southyorks-raa/h4");
  EXPECT_FALSE(ParseHouseholdName("authorities/leeds/children/c1"));
  EXPECT_FALSE(ParseHouseholdName("authorities/leeds/adopters/../h1"));
  EXPECT_FALSE(ParseHouseholdName("authorities/leeds/adopters/H1"));
}

TEST(FinderViewsTest, RecordPathKnowsChildrenAndHouseholdsOnly) {
  EXPECT_EQ(RecordPath("authorities/leeds/children/c12"),
            "/children/leeds/c12");
  EXPECT_EQ(RecordPath("authorities/leeds/adopters/h3"),
            "/households/leeds/h3");
  EXPECT_EQ(RecordPath("authorities/leeds/follows/f1"), "");
  EXPECT_EQ(RecordPath(""), "");
  EXPECT_EQ(RecordPath("javascript:alert(1)"), "");
}

TEST(FinderViewsTest, LinkNamesBecomeTheirPages) {
  EXPECT_EQ(LinkIdOf("links/l12"), "l12");
  EXPECT_EQ(LinkPath("links/l12"), "/links/l12");
  EXPECT_FALSE(LinkIdOf("links/"));
  EXPECT_FALSE(LinkIdOf("links/l1/x"));
  EXPECT_FALSE(LinkIdOf("l12"));
  EXPECT_EQ(LinkPath("ledger/entries/e1"), "");
}

TEST(FinderViewsTest, FollowedNameTakesShortAndFullNames) {
  EXPECT_EQ(FollowedName(" sheffield/c12 "),
            "authorities/sheffield/children/c12");
  EXPECT_EQ(FollowedName("leeds/h4"), "authorities/leeds/adopters/h4");
  EXPECT_EQ(FollowedName("authorities/leeds/adopters/h4"),
            "authorities/leeds/adopters/h4");
  // Anything else is left for the API to refuse in its own words.
  EXPECT_EQ(FollowedName("leeds/x4"), "leeds/x4");
  EXPECT_EQ(FollowedName("c12"), "c12");
}

TEST(FinderViewsTest, StepsInWordsAndTheNextStep) {
  EXPECT_EQ(StepLabel(v1::LINK_STEP_PAPERS_TO_PANEL), "Papers to panel");
  EXPECT_EQ(StepLabel(v1::LINK_STEP_OPENED), "Opened");
  v1::Link link;
  link.set_state(v1::LINK_STATE_OPEN);
  link.set_step(v1::LINK_STEP_OPENED);
  EXPECT_EQ(NextStep(link), v1::LINK_STEP_LINKING_MEETING);
  link.set_step(v1::LINK_STEP_MATCH_DECIDED);
  EXPECT_EQ(NextStep(link), v1::LINK_STEP_PLACED);
  link.set_step(v1::LINK_STEP_ORDER_GRANTED);
  EXPECT_EQ(NextStep(link), v1::LINK_STEP_UNSPECIFIED);
  link.set_step(v1::LINK_STEP_PLACED);
  link.set_state(v1::LINK_STATE_CLOSED);
  EXPECT_EQ(NextStep(link), v1::LINK_STEP_UNSPECIFIED);
}

TEST(FinderViewsTest, RequestIdsFromAFormAreCheckedAsTheApiDoes) {
  EXPECT_TRUE(IsRequestId("3f2a-17"));
  EXPECT_FALSE(IsRequestId(""));
  EXPECT_FALSE(IsRequestId(std::string(129, 'a')));
  EXPECT_FALSE(IsRequestId("a\nb"));
}

TEST(FinderTemplatesTest, TheLiveRegionEscapesWhereItStartsFrom) {
  Templates templates;
  kainjow::mustache::data live;
  live.set("after", "\"><script>x</script>");
  live.set("since", "1800000000");
  live.set("interval_ms", "5000");
  live.set("idle_ms", "1800000");
  kainjow::mustache::data d;
  d.set("live", live);
  absl::StatusOr<std::string> html = templates.Render("finder_live_alerts", d);
  ASSERT_TRUE(html.ok()) << html.status();
  EXPECT_THAT(*html, Not(HasSubstr("<script>x")));
  EXPECT_THAT(*html, HasSubstr("aria-live=\"polite\""));
  EXPECT_THAT(*html, HasSubstr("src=\"/static/raa-alerts.js\""));
  EXPECT_THAT(*html, HasSubstr(" hidden "));
}

TEST(FinderViewsTest, JsonForScriptEscapesMarkupAndStaysJson) {
  nlohmann::json value = {{"message", "</script><b>&"}, {"score", 7}};
  std::string text = JsonForScript(value);
  EXPECT_THAT(text, Not(HasSubstr("<")));
  EXPECT_THAT(text, Not(HasSubstr(">")));
  EXPECT_THAT(text, Not(HasSubstr("&")));
  EXPECT_EQ(nlohmann::json::parse(text), value);
}

// ---- the registrar's forms (registry_forms.h) ----

TEST(RegistryFormsTest, AColumnsInputFollowsItsField) {
  const RecordFields& child = ChildFields();
  const RecordFields& household = AdopterFields();
  EXPECT_EQ(InputOf(child, *child.Find("contact_plan")), FormInput::kChoice);
  EXPECT_EQ(InputOf(child, *child.Find("must_be_placed_together")),
            FormInput::kYesNo);
  // One entry per child of a group: typed, ';' between.
  EXPECT_EQ(InputOf(child, *child.Find("sex")), FormInput::kText);
  EXPECT_EQ(InputOf(child, *child.Find("religion")), FormInput::kText);
  EXPECT_EQ(InputOf(child, *child.Find("summary")), FormInput::kTextArea);
  // A household's religion is one value; its heritage a list.
  EXPECT_EQ(InputOf(household, *household.Find("religion")),
            FormInput::kChoice);
  EXPECT_EQ(InputOf(household, *household.Find("heritage")), FormInput::kText);
  EXPECT_EQ(InputOf(household, *household.Find("dual_approved")),
            FormInput::kYesNo);
  EXPECT_EQ(InputWidthOf(child, *child.Find("entered_care")),
            "govuk-input--width-10");
  EXPECT_EQ(InputWidthOf(household, *household.Find("approved_for")),
            "govuk-input--width-4");
  EXPECT_EQ(InputWidthOf(child, *child.Find("age_months")), "");
  EXPECT_EQ(FormLabelOf("shobpa_decision"), "SHOBPA decision");
  EXPECT_EQ(FormLabelOf("age_months"), "Age months");
}

TEST(RegistryFormsTest, TheApisFieldPathsLandOnTheFormsFields) {
  const RecordFields& child = ChildFields();
  PlacedViolation p = PlaceViolation(
      {"child.members[1].age_months", "is outside 0-216"}, child, {}, 2);
  EXPECT_EQ(p.field_id, "age_months");
  EXPECT_EQ(p.text, "child 2: is outside 0-216");
  // A group of one: no "child 1".
  p = PlaceViolation({"child.members[0].sex", "is required"}, child, {}, 1);
  EXPECT_EQ(p.field_id, "sex");
  EXPECT_EQ(p.text, "is required");
  EXPECT_EQ(
      PlaceViolation({"child.members[0].needs[1].level", "x"}, child, {}, 1)
          .field_id,
      "needs");
  EXPECT_EQ(PlaceViolation({"child.journey.shobpa_decision", "x"}, child, {}, 1)
                .field_id,
            "shobpa_decision");
  EXPECT_EQ(PlaceViolation({"child.journey", "x"}, child, {}, 1).field_id,
            "entered_care");
  EXPECT_EQ(PlaceViolation({"child.members", "x"}, child, {}, 1).field_id,
            "age_months");
  // The parser's own violations name the column already.
  EXPECT_EQ(PlaceViolation({"contact_plan", "x"}, child, {}, 1).field_id,
            "contact_plan");
  const RecordFields& household = AdopterFields();
  EXPECT_EQ(
      PlaceViolation({"adopter.need_limits[0].category", "x"}, household, {}, 1)
          .field_id,
      "need_limits");
  EXPECT_EQ(
      PlaceViolation({"status_reason", "x"}, household, {"status_reason"}, 1)
          .field_id,
      "status_reason");
  // Nothing on the form: the summary links the first field.
  EXPECT_EQ(PlaceViolation({"request_id", "x"}, household, {}, 1).field_id, "");
}

TEST(RegistryFormsTest, AnUploadIsReadAsRaaImportReadsAFile) {
  absl::StatusOr<ImportFile> csv = ReadUploadedFile(
      "Children.CSV",
      "\xEF\xBB\xBF"
      "Age months,sex\r\n36,female\r\n\r\n\"30;60\",male;male\r\n");
  ASSERT_TRUE(csv.ok()) << csv.status();
  EXPECT_THAT(csv->header, ElementsAre("Age months", "sex"));
  ASSERT_EQ(csv->rows.size(), 2u);
  EXPECT_EQ(csv->rows[1].line, 4);
  EXPECT_EQ(csv->rows[1].fields.at("age_months"), "30;60");
  absl::StatusOr<ImportFile> json =
      ReadUploadedFile("h.json", "[\n{\"approved_for\": 1},\n{}\n]\n");
  ASSERT_TRUE(json.ok()) << json.status();
  ASSERT_EQ(json->rows.size(), 2u);
  EXPECT_EQ(json->rows[1].line, 3);
  absl::StatusOr<ImportFile> bad = ReadUploadedFile("c.csv", "a,\"b\n");
  ASSERT_FALSE(bad.ok());
  // The message names the uploaded file, never the temporary one.
  EXPECT_THAT(bad.status().message(), HasSubstr("c.csv"));
  EXPECT_THAT(bad.status().message(), Not(HasSubstr("raa-web-upload")));
  EXPECT_FALSE(ReadUploadedFile("c.xlsx", "x").ok());
}

TEST(RegistryFormsTest, AFieldLeftAsShownIsNotAChange) {
  const RecordFields& household = AdopterFields();
  const RecordField& sex = *household.Find("sex_preference");
  // An unset choice shows as "Not given" (""), posted back as "".
  EXPECT_EQ(FormValueOf(household, sex,
                        AdopterToText(v1::Adopter())["sex_preference"]),
            "");
  EXPECT_EQ(FormValueOf(household, sex, "Any"), "any");
  EXPECT_EQ(FormValueOf(ChildFields(), *ChildFields().Find("contact_plan"),
                        "Letterbox contact"),
            "letterbox");
  EXPECT_EQ(FormValueOf(household, *household.Find("dual_approved"), "Yes"),
            "true");
  EXPECT_EQ(FormValueOf(household, *household.Find("region"), " leeds "),
            "leeds");
}

TEST(RegistryFormsTest, AnUploadedRowsRequestIdDependsOnlyOnTheRow) {
  v1::CreateChildRequest a;
  a.set_parent("authorities/sheffield");
  a.mutable_child()->set_summary("x");
  v1::CreateChildRequest b = a;
  EXPECT_EQ(UploadRowRequestId(a), UploadRowRequestId(b));
  b.mutable_child()->set_summary("y");
  EXPECT_NE(UploadRowRequestId(a), UploadRowRequestId(b));
  EXPECT_THAT(UploadRowRequestId(a), testing::StartsWith("import-"));
}

// ---- manager_views.h ----

TEST(ChartDataTest, ScalesToTheLargestFigureAndSaysEveryFigureInWords) {
  std::vector<ChartBar> bars = {
      {.label = "2023\u201326",
       .value = 300,
       .value_text = "300 days, within the threshold of 600 days",
       .threshold = 600},
      {.label = "2024\u201327",
       .value = 750,
       .value_text = "750 days, over the threshold of 600 days",
       .threshold = 600,
       .over = true},
      {.label = "2025\u201328", .value_text = "no data"}};
  kainjow::mustache::data chart = ChartData("chart-a1", "A1", bars);
  const auto& rows = chart.get("bars")->list_value();
  ASSERT_EQ(rows.size(), 3u);
  // 750 spans the 600 units; 300 is 240; no figure, no bar.
  EXPECT_EQ(rows[1].get("bar_width")->string_value(), "600.0");
  EXPECT_EQ(rows[0].get("bar_width")->string_value(), "240.0");
  EXPECT_EQ(rows[0].get("threshold_x")->string_value(), "480.0");
  EXPECT_TRUE(rows[1].get("over")->is_true());
  EXPECT_FALSE(rows[2].get("has_value")->is_true());
  EXPECT_FALSE(rows[2].get("has_threshold")->is_true());
  EXPECT_EQ(chart.get("height")->string_value(), "138.0");
  EXPECT_EQ(chart.get("desc")->string_value(),
            "2023\u201326: 300 days, within the threshold of 600 days; "
            "2024\u201327: 750 days, over the threshold of 600 days; "
            "2025\u201328: no data.");
}

TEST(ChartDataTest, AllZeroDrawsNoBarsAndRendersEscaped) {
  kainjow::mustache::data chart = ChartData(
      "chart-x", "<script>",
      {{.label = "<b>zero</b>", .value = 0, .value_text = "0 waiting"}});
  EXPECT_EQ(chart.get("bars")->list_value()[0].get("bar_width")->string_value(),
            "0.0");
  Templates templates;
  absl::StatusOr<std::string> svg = templates.Render("manager_chart", chart);
  ASSERT_TRUE(svg.ok()) << svg.status();
  EXPECT_THAT(*svg, HasSubstr("role=\"img\""));
  EXPECT_THAT(*svg, HasSubstr("aria-labelledby=\"chart-x-title\""));
  EXPECT_THAT(*svg, Not(HasSubstr("<script>")));
  EXPECT_THAT(*svg, Not(HasSubstr("<b>")));
  EXPECT_THAT(*svg, HasSubstr("&lt;b&gt;zero&lt;/b&gt;"));
  EXPECT_THAT(*svg, Not(HasSubstr("style=")));
}

TEST(CompareRankingsTest, MovementsNewcomersAndLeavers) {
  std::vector<RankPlace> before = {{"a", 1, 90}, {"b", 2, 85}, {"c", 3, 80}};
  std::vector<RankPlace> after = {{"b", 1, 88}, {"a", 2, 86}, {"d", 3, 84}};
  std::vector<RankMove> moves = CompareRankings(before, after, 3);
  ASSERT_EQ(moves.size(), 4u);
  std::vector<std::string> got;
  for (const RankMove& m : moves) {
    got.push_back(absl::StrCat(m.household, " ", m.places, " ", m.movement));
  }
  EXPECT_THAT(got, ElementsAre("b 1 up 1", "a -1 down 1",
                               "d 3 new in the top 3", "c -3 left the top 3"));
  EXPECT_EQ(moves[0].before->score, 85);
  EXPECT_EQ(moves[0].after->score, 88);
  EXPECT_FALSE(moves[2].before.has_value());
  EXPECT_FALSE(moves[3].after.has_value());
  EXPECT_EQ(CompareRankings(before, before, 3)[1].movement, "no change");
}

}  // namespace
}  // namespace raa::web
