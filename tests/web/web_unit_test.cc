// raa-web's pure parts without a server or a browser (clients/web/sessions.h,
// views.h, and the header set and cookie of web_app.h): random tokens, the
// session table's idle expiry and eviction, CSRF comparison, the cookie
// parser, the sign-in limiter, and what pages make of API answers. The
// browser side is tests/node/web_console_chromium.js.
#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "clients/web/sessions.h"
#include "clients/web/views.h"
#include "clients/web/web_app.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace raa::web {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

Session SessionFor(const std::string& key) {
  Session s;
  s.key = key;
  s.authority = "authorities/sheffield";
  s.roles = {v1::ROLE_FAMILY_FINDER};
  return s;
}

TEST(RandomHexTest, IsLowerCaseHexOfTwiceTheBytesAndNeverRepeats) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string token = RandomHex(32);
    EXPECT_THAT(token, MatchesRegex("[0-9a-f]{64}"));
    EXPECT_TRUE(seen.insert(token).second) << "a token repeated: " << token;
  }
}

TEST(TokensMatchTest, OnlyEqualNonEmptyTokensMatch) {
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

TEST(CookieValueTest, FindsTheNamedCookieOnly) {
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

TEST(SessionTableTest, CreateGivesARandomIdAndACsrfToken) {
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

TEST(SessionTableTest, UnknownIdsFindNothing) {
  SessionTable table({.idle = absl::Minutes(30), .max_sessions = 10});
  const std::string id = table.Create(SessionFor("raa_k1_s"), kNow);
  EXPECT_FALSE(table.Touch("", kNow).has_value());
  EXPECT_FALSE(table.Touch(RandomHex(32), kNow).has_value());
  EXPECT_FALSE(table.Touch(id.substr(0, 32), kNow).has_value());
}

TEST(SessionTableTest, ExpiresAfterTheIdleTimeAndUseKeepsItAlive) {
  SessionTable table({.idle = absl::Minutes(30), .max_sessions = 10});
  const std::string id = table.Create(SessionFor("raa_k1_s"), kNow);
  // Used every 20 minutes: never idle for 30.
  EXPECT_TRUE(table.Touch(id, kNow + absl::Minutes(20)).has_value());
  EXPECT_TRUE(table.Touch(id, kNow + absl::Minutes(40)).has_value());
  EXPECT_TRUE(table.Touch(id, kNow + absl::Minutes(60)).has_value());
  // Then left for 31 minutes: gone, and stays gone.
  EXPECT_FALSE(table.Touch(id, kNow + absl::Minutes(91)).has_value());
  EXPECT_FALSE(table.Touch(id, kNow + absl::Minutes(92)).has_value());
  EXPECT_EQ(table.size(), 0u);
}

TEST(SessionTableTest, RemoveEndsTheSessionOnly) {
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

TEST(SessionTableTest, AFullTableEvictsTheLeastRecentlySeen) {
  SessionTable table({.idle = absl::Minutes(30), .max_sessions = 2});
  const std::string a = table.Create(SessionFor("raa_a_s"), kNow);
  const std::string b =
      table.Create(SessionFor("raa_b_s"), kNow + absl::Seconds(1));
  ASSERT_TRUE(
      table.Touch(a, kNow + absl::Seconds(2)).has_value());  // b is older
  const std::string c =
      table.Create(SessionFor("raa_c_s"), kNow + absl::Seconds(3));
  EXPECT_EQ(table.size(), 2u);
  EXPECT_TRUE(table.Touch(a, kNow + absl::Seconds(4)).has_value());
  EXPECT_FALSE(table.Touch(b, kNow + absl::Seconds(4)).has_value());
  EXPECT_TRUE(table.Touch(c, kNow + absl::Seconds(4)).has_value());
}

TEST(SessionTableTest, AFlashIsShownOnce) {
  SessionTable table({.idle = absl::Minutes(30), .max_sessions = 10});
  const std::string id = table.Create(SessionFor("raa_k1_s"), kNow);
  table.SetFlash(id, "Link opened");
  EXPECT_EQ(table.TakeFlash(id), "Link opened");
  EXPECT_EQ(table.TakeFlash(id), "");
  table.SetFlash("not-a-session", "x");  // no-op
  EXPECT_EQ(table.TakeFlash("not-a-session"), "");
}

TEST(SignInLimiterTest,
     RefusesAnAddressAfterItsFreeFailuresUntilTheWindowPasses) {
  SignInLimiter limiter({.free_failures = 3, .window = absl::Minutes(1)});
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(limiter.RetryAfter("10.0.0.1", kNow), absl::ZeroDuration()) << i;
    limiter.RecordFailure("10.0.0.1", kNow);
  }
  const absl::Duration wait =
      limiter.RetryAfter("10.0.0.1", kNow + absl::Seconds(10));
  EXPECT_GT(wait, absl::ZeroDuration());
  EXPECT_LE(wait, absl::Minutes(1));
  // Another address is not held back.
  EXPECT_EQ(limiter.RetryAfter("10.0.0.2", kNow), absl::ZeroDuration());
  // Once the window has passed, the address may try again.
  EXPECT_EQ(limiter.RetryAfter("10.0.0.1",
                               kNow + absl::Minutes(1) + absl::Seconds(1)),
            absl::ZeroDuration());
}

TEST(SecurityHeadersTest, AreTheContractsOnEveryResponse) {
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

TEST(SessionCookieTest, IsHttpOnlyStrictAndSecureOverHttps) {
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

TEST(ViewsTest, ChildNamesAndPaths) {
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

TEST(ViewsTest, AgesAsPeopleSayThem) {
  EXPECT_EQ(AgeText(86), "7 years 2 months");
  EXPECT_EQ(AgeText(11), "11 months");
  EXPECT_EQ(AgeText(12), "1 year");
}

TEST(ViewsTest, DaysWaitedFromThePlacementOrderElseTheShobpaDecision) {
  v1::Child child;
  const absl::CivilDay today(2026, 12, 1);
  EXPECT_FALSE(DaysWaited(child, today).has_value());
  auto* j = child.mutable_journey();
  j->mutable_shobpa_decision()->set_year(2026);
  j->mutable_shobpa_decision()->set_month(11);
  j->mutable_shobpa_decision()->set_day(1);
  EXPECT_EQ(DaysWaited(child, today), 30);
  j->mutable_placement_order()->set_year(2026);
  j->mutable_placement_order()->set_month(11);
  j->mutable_placement_order()->set_day(21);
  EXPECT_EQ(DaysWaited(child, today), 10);
}

TEST(ViewsTest, FailedCallsBecomeStatusesAndMessagesWithoutInsides) {
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

TEST(ViewsTest, KeyIdOfTakesOnlyTheId) {
  EXPECT_EQ(KeyIdOf("raa_1a2b_s3cr3t"), "1a2b");
  EXPECT_EQ(KeyIdOf("not a key"), "");
  EXPECT_EQ(KeyIdOf(""), "");
}

}  // namespace
}  // namespace raa::web
