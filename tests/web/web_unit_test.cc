// The parts of raa-web (clients/web) that the browser's security rests on,
// without a server: session ids and CSRF tokens (random, distinct, never
// each other), the cookie parser (a cookie whose name merely ends the same
// is another cookie), the exact header set and the session cookie's
// attributes, and how failed calls become statuses and messages. The
// session table's expiry and eviction, the limiter, days waited and template
// escaping are in clients/web/web_pure_test.cc; the program itself, in a
// browser, is tests/node/web_console_chromium.js.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "clients/web/page_helpers.h"
#include "clients/web/sessions.h"
#include "clients/web/views.h"
#include "clients/web/web_app.h"
#include "common/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace raa::web {
namespace {

using ::testing::_;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::Pair;
using ::testing::StartsWith;

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

Session SessionFor(const std::string& key) {
  Session s;
  s.key = key;
  s.authority = "authorities/sheffield";
  s.roles = {v1::ROLE_FAMILY_FINDER};
  return s;
}

TEST(WebTokensTest, RandomHexIsLowerCaseHexOfTwiceTheBytesAndNeverRepeats) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string token = RandomHex(32);
    EXPECT_THAT(token, MatchesRegex("[0-9a-f]{64}"));
    EXPECT_TRUE(seen.insert(token).second) << "a token repeated: " << token;
  }
}

TEST(WebTokensTest, OnlyEqualNonEmptyTokensMatch) {
  const std::string token = RandomHex(32);
  EXPECT_TRUE(TokensMatch(token, std::string(token)));
  std::string other = token;
  other.back() = other.back() == '0' ? '1' : '0';
  EXPECT_FALSE(TokensMatch(token, other));
  EXPECT_FALSE(TokensMatch(token, token.substr(0, 63)));
  EXPECT_FALSE(TokensMatch(token + "0", token));
  EXPECT_FALSE(TokensMatch("", ""));
  EXPECT_FALSE(TokensMatch(token, ""));
}

TEST(WebCookieTest, FindsTheNamedCookieOnly) {
  EXPECT_EQ(CookieValue("a=1; raa_session=ab12", "raa_session"), "ab12");
  EXPECT_EQ(CookieValue("raa_session=ab12", "raa_session"), "ab12");
  EXPECT_EQ(CookieValue("raa_session=ab12;a=1", "raa_session"), "ab12");
  // A cookie whose name ends with the name is another cookie.
  EXPECT_EQ(CookieValue("xraa_session=evil; raa_session=good", "raa_session"),
            "good");
  EXPECT_EQ(CookieValue("xraa_session=evil", "raa_session"), "");
  EXPECT_EQ(CookieValue("", "raa_session"), "");
  EXPECT_EQ(CookieValue("a=1; b=2", "raa_session"), "");
}

TEST(WebSessionTest, CreateGivesARandomIdAndACsrfToken) {
  SessionTable table({.idle = absl::Minutes(30), .max_sessions = 10});
  const std::string a = table.Create(SessionFor("raa_k1_s"), kNow);
  const std::string b = table.Create(SessionFor("raa_k1_s"), kNow);
  EXPECT_THAT(a, MatchesRegex("[0-9a-f]{64}"));
  EXPECT_NE(a, b);
  EXPECT_THAT(a, Not(HasSubstr("raa_k1_s")));
  auto sa = table.Touch(a, kNow);
  auto sb = table.Touch(b, kNow);
  ASSERT_TRUE(sa.has_value());
  ASSERT_TRUE(sb.has_value());
  EXPECT_EQ(sa->key, "raa_k1_s");
  EXPECT_EQ(sa->authority, "authorities/sheffield");
  EXPECT_THAT(sa->csrf, MatchesRegex("[0-9a-f]{64}"));
  EXPECT_NE(sa->csrf, sb->csrf) << "each session needs its own CSRF token";
  EXPECT_NE(sa->csrf, a) << "the CSRF token must not be the session id";
  EXPECT_EQ(table.size(), 2u);
}

TEST(WebSessionTest, UnknownIdsFindNothing) {
  SessionTable table({.idle = absl::Minutes(30), .max_sessions = 10});
  const std::string id = table.Create(SessionFor("raa_k1_s"), kNow);
  EXPECT_FALSE(table.Touch("", kNow).has_value());
  EXPECT_FALSE(table.Touch(RandomHex(32), kNow).has_value());
  EXPECT_FALSE(table.Touch(id.substr(0, 32), kNow).has_value());
}

TEST(WebSessionTest, RemoveEndsTheSessionOnly) {
  SessionTable table({.idle = absl::Minutes(30), .max_sessions = 10});
  const std::string a = table.Create(SessionFor("raa_a_s"), kNow);
  const std::string b = table.Create(SessionFor("raa_b_s"), kNow);
  table.Remove(a);
  table.Remove(a);  // twice: no-op
  table.Remove("not-a-session");
  EXPECT_FALSE(table.Touch(a, kNow).has_value());
  ASSERT_TRUE(table.Touch(b, kNow).has_value());
  EXPECT_EQ(table.Touch(b, kNow)->key, "raa_b_s");
}

TEST(WebHeadersTest, AreTheContracts) {
  const httplib::Headers headers = SecurityHeaders();
  auto value = [&](const std::string& name) {
    auto it = headers.find(name);
    return it == headers.end() ? std::string("<missing>") : it->second;
  };
  EXPECT_EQ(value("Content-Security-Policy"),
            "default-src 'self'; script-src 'self'; style-src 'self'; "
            "img-src 'self' data:; font-src 'self'; frame-ancestors 'none'; "
            "form-action 'self'; base-uri 'none'");
  EXPECT_EQ(value("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(value("Referrer-Policy"), "no-referrer");
}

TEST(WebCookieTest, SessionCookieIsHttpOnlyStrictAndSecureOverHttps) {
  const std::string id = RandomHex(32);
  const std::string plain = SessionCookie(id, /*secure=*/false);
  EXPECT_TRUE(absl::StartsWith(plain, "raa_session=" + id)) << plain;
  EXPECT_THAT(plain, HasSubstr("HttpOnly"));
  EXPECT_THAT(plain, HasSubstr("SameSite=Strict"));
  EXPECT_THAT(plain, HasSubstr("Path=/"));
  EXPECT_THAT(plain, Not(HasSubstr("Secure")));
  EXPECT_THAT(SessionCookie(id, /*secure=*/true), HasSubstr("; Secure"));
  // Clearing it: an empty value that expires now.
  const std::string cleared = SessionCookie("", false);
  EXPECT_TRUE(absl::StartsWith(cleared, "raa_session=;")) << cleared;
  EXPECT_THAT(cleared,
              MatchesRegex(".*(Max-Age=0|Expires=Thu, 01 Jan 1970).*"));
}

TEST(WebViewsTest, ChildNamesAndPaths) {
  auto ref = ParseChildName("authorities/sheffield/children/c12");
  ASSERT_TRUE(ref.has_value());
  EXPECT_EQ(ref->authority, "sheffield");
  EXPECT_EQ(ref->child, "c12");
  EXPECT_EQ(ChildPath(*ref), "/children/sheffield/c12");
  for (const char* bad :
       {"", "authorities/sheffield", "authorities/sheffield/adopters/h1",
        "authorities//children/c1", "authorities/a/children/",
        "authorities/a/children/c1/x"}) {
    EXPECT_FALSE(ParseChildName(bad).has_value()) << bad;
  }
}

TEST(WebViewsTest, FailedCallsBecomeStatusesAndMessagesWithoutInsides) {
  EXPECT_EQ(HttpStatusOf(absl::InvalidArgumentError("x")), 400);
  EXPECT_EQ(HttpStatusOf(absl::PermissionDeniedError("x")), 403);
  EXPECT_EQ(HttpStatusOf(absl::NotFoundError("x")), 404);
  EXPECT_EQ(HttpStatusOf(absl::FailedPreconditionError("x")), 409);
  EXPECT_EQ(HttpStatusOf(absl::UnavailableError("x")), 503);
  EXPECT_EQ(HttpStatusOf(absl::InternalError("x")), 500);
  EXPECT_EQ(UserMessageOf(absl::NotFoundError("no such child")),
            "no such child");
  const std::string inside = "sqlite3_step: disk I/O error at store.cc:123";
  EXPECT_THAT(UserMessageOf(absl::InternalError(inside)),
              Not(HasSubstr("store.cc")));
  EXPECT_THAT(UserMessageOf(absl::UnknownError(inside)),
              Not(HasSubstr("sqlite3")));
}

// The text of every item of the error summary in `d`, "href text".
std::vector<std::string> SummaryOf(const kainjow::mustache::data& d) {
  std::vector<std::string> items;
  for (const kainjow::mustache::data& item : d.get("errors")->list_value()) {
    items.push_back(item.get("href")->string_value() + " " +
                    item.get("text")->string_value());
  }
  return items;
}

std::string Beside(const kainjow::mustache::data& d, const std::string& key) {
  const kainjow::mustache::data* v = d.get(key);
  return v != nullptr && v->is_string() ? v->string_value() : "<none>";
}

TEST(WebFormErrorsTest, TheSummaryNamesEachFieldByItsLabel) {
  FieldErrors errors;
  errors.Add("amount.units", "is more than £1,000,000");
  errors.Add("paid_on", "must be a date YYYY-MM-DD");
  errors.Add("amount.nanos", "is not whole pence");
  errors.Add("request_id", "is not a request id");
  const FormField payee{"payee", "Paid to"};
  const FieldOf field_of =
      FieldsByPath({{"payee", payee},
                    {"amount", {"amount", "Amount in pounds"}},
                    {"paid_on", {"paid-on", "Paid on"}}});
  kainjow::mustache::data d;
  std::map<std::string, std::string> beside =
      SetFormErrors(d, errors.ToStatus(), field_of, payee);
  EXPECT_THAT(SummaryOf(d),
              ElementsAre("#amount Amount in pounds: is more than £1,000,000",
                          "#paid-on Paid on: must be a date YYYY-MM-DD",
                          "#amount Amount in pounds: is not whole pence",
                          "#payee is not a request id"));
  // Beside each field, its messages without the label; '-' in ids reads
  // as '_' in the keys.
  EXPECT_EQ(Beside(d, "amount_error"),
            "is more than £1,000,000; is not whole pence");
  EXPECT_EQ(Beside(d, "paid_on_error"), "must be a date YYYY-MM-DD");
  EXPECT_EQ(Beside(d, "payee_error"), "<none>");
  EXPECT_THAT(beside, ElementsAre(Pair("amount", _), Pair("paid-on", _)));
  // A path only starting like a field's is not that field's.
  EXPECT_EQ(field_of("amounts").id, "");
  EXPECT_EQ(field_of("amount[0]").id, "amount");
}

TEST(WebFormErrorsTest, ARefusalNamingNoFieldGoesBesideTheFallbackWhenAsked) {
  const FormField reason{"close-reason", "Why it closes"};
  kainjow::mustache::data d;
  SetFormErrors(d, absl::FailedPreconditionError("the link is closed"),
                FieldsByPath({{"reason", reason}}), reason,
                /*beside_fallback=*/true);
  EXPECT_THAT(SummaryOf(d), ElementsAre("#close-reason the link is closed"));
  EXPECT_EQ(Beside(d, "close_reason_error"), "the link is closed");
  EXPECT_TRUE(d.get("close_reason_error_class")->is_true());
  // A field the form lacks is in the summary only.
  kainjow::mustache::data unplaced;
  SetFormErrors(unplaced, InvalidField("request_id", "is not a request id"),
                FieldsByPath({{"reason", reason}}), reason,
                /*beside_fallback=*/true);
  EXPECT_THAT(SummaryOf(unplaced),
              ElementsAre("#close-reason is not a request id"));
  EXPECT_EQ(Beside(unplaced, "close_reason_error"), "<none>");
  // INTERNAL's inside does not reach the page.
  kainjow::mustache::data internal;
  SetFormErrors(internal, absl::InternalError("store.cc:12 disk I/O"),
                FieldsByPath({}), reason);
  EXPECT_THAT(SummaryOf(internal),
              ElementsAre(AllOf(StartsWith("#close-reason "),
                                Not(HasSubstr("store.cc")))));
  EXPECT_EQ(Beside(internal, "close_reason_error"), "<none>");
}

}  // namespace
}  // namespace raa::web
