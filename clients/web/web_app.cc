#include "clients/web/web_app.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "clients/lib/money.h"
#include "clients/lib/profile_text.h"
#include "clients/web/page_helpers.h"
#include "clients/web/reasons.h"
#include "clients/web/tables.h"
#include "clients/web/views.h"
#include "common/clock.h"
#include "common/dates.h"
#include "common/enum_names.h"
#include "common/errors.h"
#include "common/version.h"

namespace raa::web {
namespace {

using kainjow::mustache::data;

constexpr char kSessionCookie[] = "raa_session";
constexpr char kSignInCookie[] = "raa_signin";
constexpr char kStaticCache[] = "public, max-age=604800";

// The client's address for the sign-in limiter.
std::string AddressOf(const httplib::Request& req) { return req.remote_addr; }

void SetPageHeaders(httplib::Response& res) {
  res.set_header("Cache-Control", "no-store");
}

bool IsHexToken(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!absl::ascii_isxdigit(c)) return false;
  }
  return true;
}

data ViolationsData(const absl::Status& status) {
  data list = List();
  for (const FieldViolation& v : ViolationsOf(status)) {
    data item;
    item.set("field", v.field);
    item.set("description", v.description);
    list.push_back(item);
  }
  return list;
}

// Tenths of a point as text: 125 -> "12.5", -5 -> "-0.5".
std::string PointsText(int32_t tenths) {
  return absl::StrCat(tenths < 0 ? "-" : "", std::abs(tenths) / 10, ".",
                      std::abs(tenths) % 10);
}

}  // namespace

// The one place score components and their reasons become page data
// (templates/reasons.mustache shows them): the API's words, or its codes in
// the catalogue's words. Declared in clients/web/reasons.h.
data ReasonsData(
    const ReasonCatalog& reasons,
    const google::protobuf::RepeatedPtrField<v1::ScoreComponent>& components) {
  data list = List();
  for (const v1::ScoreComponent& c : components) {
    data item;
    item.set("component",
             absl::StrReplaceAll(reasons.ComponentKey(c), {{"_", " "}}));
    item.set("points", PointsText(c.points_tenths()));
    item.set("fit", absl::StrCat(c.fit_permille() / 10));
    item.set("weight", absl::StrCat(c.weight()));
    item.set("reason", reasons.ReasonOf(c));
    list.push_back(item);
  }
  return list;
}

data ExclusionsData(
    const ReasonCatalog& reasons,
    const google::protobuf::RepeatedPtrField<v1::Exclusion>& exclusions) {
  data list = List();
  for (const v1::Exclusion& e : exclusions) {
    data item;
    item.set("text", reasons.TextOf(e));
    list.push_back(item);
  }
  return list;
}

absl::StatusOr<std::shared_ptr<const ReasonCatalog>> WebApp::Reasons(
    RaaClient& client, const ReasonNeeds& needs) {
  return reasons_.For(needs, [&client] { return FetchReasonCatalog(client); });
}

namespace {

// How many of a child's ranked households its page fetches (its table pages
// through them, 25 at a time).
constexpr size_t kRankDepth = 300;

// A profile's sort key for its ages: the youngest child's age today in
// months (nothing for a profile without children).
SortKey YoungestAgeKey(const v1::Child& child) {
  if (child.members_size() == 0) return SortKey();
  int64_t youngest = child.members(0).age_months_today();
  for (const v1::ChildMember& m : child.members()) {
    youngest = std::min<int64_t>(youngest, m.age_months_today());
  }
  return youngest;
}

}  // namespace

httplib::Headers SecurityHeaders() {
  return {
      {"Content-Security-Policy",
       "default-src 'self'; script-src 'self'; style-src 'self'; img-src "
       "'self' data:; font-src 'self'; frame-ancestors 'none'; form-action "
       "'self'; base-uri 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},
  };
}

std::string SessionCookie(const std::string& id, bool secure) {
  std::string cookie = absl::StrCat(kSessionCookie, "=", id,
                                    "; HttpOnly; SameSite=Strict; Path=/");
  if (id.empty()) absl::StrAppend(&cookie, "; Max-Age=0");
  if (secure) absl::StrAppend(&cookie, "; Secure");
  return cookie;
}

WebApp::WebApp(WebOptions options)
    : options_(std::move(options)),
      sessions_({.idle = options_.session_idle,
                 .max_sessions = options_.max_sessions}),
      limiter_(SignInLimiterOptions{}) {}

absl::Status WebApp::Install(httplib::Server& server) {
  namespace fs = std::filesystem;
  fs::path assets(options_.assets_dir);
  if (!fs::exists(assets / "govuk-frontend.min.css") ||
      !fs::exists(assets / "assets" / "fonts")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--assets ", options_.assets_dir,
        ": no govuk-frontend.min.css and assets/fonts there; run "
        "scripts/install-deps.sh (npm ci in clients/web) and build, or give "
        "govuk-frontend's dist/govuk folder"));
  }
  server.set_default_headers(SecurityHeaders());
  httplib::Headers cache = {{"Cache-Control", kStaticCache}};
  server.set_mount_point("/static/govuk", assets.string(), cache);
  // govuk-frontend's CSS names its fonts and images under /assets/.
  server.set_mount_point("/assets", (assets / "assets").string(), cache);
  server.set_file_extension_and_mimetype_mapping("mjs", "text/javascript");
  for (const auto& [name, content] : EmbeddedStaticFiles()) {
    std::string type = name.ends_with(".css")
                           ? "text/css; charset=utf-8"
                           : "text/javascript; charset=utf-8";
    const std::string* body = &content;
    server.Get("/static/" + name,
               [body, type](const httplib::Request&, httplib::Response& res) {
                 res.set_header("Cache-Control", kStaticCache);
                 res.set_content(*body, type.c_str());
               });
  }

  auto bind = [this](Method method) { return Bind(method); };
  server.Get("/sign-in", bind(&WebApp::GetSignIn));
  server.Post("/sign-in", bind(&WebApp::PostSignIn));
  server.Post("/sign-out", bind(&WebApp::PostSignOut));
  server.Get("/", bind(&WebApp::GetHome));
  server.Get(R"(/children/([a-z0-9][a-z0-9-]*)/([a-z0-9][a-z0-9-]*))",
             bind(&WebApp::GetChild));
  server.Post("/links", bind(&WebApp::PostLink));
  server.Get("/ledger", bind(&WebApp::GetLedger));
  server.Get("/ledger/balances.csv", bind(&WebApp::GetBalancesCsv));
  server.Get("/ledger/statement", bind(&WebApp::GetStatement));
  server.Get("/ledger/statement.csv", bind(&WebApp::GetStatement));
  server.Get("/ledger/payments", bind(&WebApp::GetPayments));
  server.Get("/ledger/payments.csv", bind(&WebApp::GetPayments));
  server.Post("/ledger/payments", bind(&WebApp::PostPayment));
  server.Post("/ledger/payments/decide", bind(&WebApp::PostPaymentDecision));
  server.Get("/ledger/settlement", bind(&WebApp::GetSettlement));
  server.Get("/ledger/settlement.csv", bind(&WebApp::GetSettlement));
  server.Get("/ledger/budget", bind(&WebApp::GetBudget));
  server.Post("/ledger/budget", bind(&WebApp::PostBudget));
  server.Get("/ledger/reconcile", bind(&WebApp::GetReconcile));
  server.Post("/ledger/reconcile", bind(&WebApp::PostReconcile));
  InstallRegistrarPages(server);

  InstallManagerPages(server);

  InstallFinderPages(server);

  server.set_error_handler(httplib::Server::HandlerWithResponse(
      [this](const httplib::Request&, httplib::Response& res) {
        // A refusal of the request as sent ends its connection
        // (bounded_server.h): the browser is told so, and does not send
        // its next request on it.
        if (res.status == 400 || res.status == 411 || res.status == 413 ||
            res.status == 414 || res.status == 431) {
          res.set_header("Connection", "close");
        }
        if (!res.body.empty())
          return httplib::Server::HandlerResponse::Unhandled;
        std::string heading = res.status == 404   ? "Page not found"
                              : res.status == 405 ? "That cannot be done here"
                              : res.status == 413 ? "That was too much to send"
                                                  : "Sorry, there is a problem";
        // 413: cpp-httplib's limits, before any handler runs: 8 KiB for a
        // form's fields (built into the library), 1 MiB for an upload
        // (set_payload_max_length in main.cc).
        std::string message =
            res.status == 404
                ? "If you typed the web address, check it is correct."
            : res.status == 413
                ? "A form's fields may hold up to 8 KB of text, and an "
                  "uploaded file up to 1 MB. Nothing was changed: go back, "
                  "shorten what you typed or split the file, and send it "
                  "again."
                : "The request could not be handled.";
        ErrorPage(res, res.status, heading, message, nullptr);
        return httplib::Server::HandlerResponse::Handled;
      }));
  server.set_exception_handler([this](const httplib::Request&,
                                      httplib::Response& res,
                                      std::exception_ptr) {
    std::cerr << "raa-web: a handler failed\n";
    ErrorPage(res, 500, "Sorry, there is a problem with the console",
              "Try again later.", nullptr);
  });
  return absl::OkStatus();
}

httplib::Server::Handler WebApp::Bind(Method method) {
  return [this, method](const httplib::Request& req, httplib::Response& res) {
    absl::Time start = absl::Now();
    (this->*method)(req, res);
    res.set_header("Server-Timing",
                   absl::StrFormat("app;dur=%.3f", absl::ToDoubleMilliseconds(
                                                       absl::Now() - start)));
  };
}

// ---- sessions and CSRF ----

std::optional<WebApp::SignedIn> WebApp::RequireSession(
    const httplib::Request& req, httplib::Response& res) {
  std::string id = CookieValue(req.get_header_value("Cookie"), kSessionCookie);
  std::optional<Session> session = sessions_.Touch(id, absl::Now());
  if (!session.has_value()) {
    Redirect(res, "/sign-in");
    return std::nullopt;
  }
  return SignedIn{id, *std::move(session)};
}

std::optional<WebApp::SignedIn> WebApp::RequireRole(
    const httplib::Request& req, httplib::Response& res,
    std::initializer_list<v1::Role> roles, absl::string_view whose_pages) {
  std::optional<SignedIn> signed_in = RequireSession(req, res);
  if (!signed_in.has_value()) return std::nullopt;
  for (v1::Role role : roles) {
    if (HasRole(signed_in->session, role)) return signed_in;
  }
  std::vector<std::string> held;
  for (v1::Role role : signed_in->session.roles) held.push_back(RoleText(role));
  ErrorPage(res, 403, "You cannot see or do this",
            absl::StrCat(whose_pages, " Your key's roles are: ",
                         absl::StrJoin(held, ", "), "."),
            &*signed_in);
  return std::nullopt;
}

bool WebApp::CheckCsrf(const httplib::Request& req, httplib::Response& res,
                       const SignedIn& signed_in) {
  // A multipart form (a file upload) carries its fields as parts.
  std::string token = Param(req, "csrf");
  if (token.empty() && req.has_file("csrf")) {
    token = req.get_file_value("csrf").content;
  }
  if (TokensMatch(token, signed_in.session.csrf)) return true;
  // Most often a form left open in another tab across a sign-out and
  // sign-in: a page of the console, with its menu, says so.
  // A form sent again from the page of a lost answer after its session
  // ended (ResendPageIfUnknown) may have been done the first time.
  ErrorPage(
      res, 403, "This form could not be sent",
      absl::StrCat("Nothing was changed. The form was opened before you last "
                   "signed in, or it was not sent from this console's own page "
                   "(its security token is missing or out of date). Open the "
                   "page again and send the form from there.",
                   Param(req, "request_id").empty()
                       ? ""
                       : " If you were sending it again because the console "
                         "could not tell whether it was done, look first for "
                         "what it did (the record, the payment, the change): "
                         "a new form would do it a second time."),
      &signed_in);
  return false;
}

// ---- rendering ----

data WebApp::LayoutData(const std::string& title, const SignedIn* signed_in) {
  data d;
  d.set("title", title);
  d.set("version", std::string(kVersion));
  if (signed_in != nullptr) {
    d.set("signed_in", true);
    d.set("authority_display_name",
          signed_in->session.authority_display_name.empty()
              ? signed_in->session.authority
              : signed_in->session.authority_display_name);
    d.set("csrf", signed_in->session.csrf);
    // Which of the menu's role sections (layout_top.mustache) show.
    const Session& session = signed_in->session;
    if (HasRole(session, v1::ROLE_REGISTRAR)) d.set("menu_registrar", true);
    if (HasRole(session, v1::ROLE_FAMILY_FINDER)) d.set("menu_finder", true);
    // Fees: the finance officer's, and the manager's as the API allows.
    if (HasRole(session, v1::ROLE_FINANCE) ||
        HasRole(session, v1::ROLE_MANAGER)) {
      d.set("menu_finance", true);
    }
    if (HasRole(session, v1::ROLE_MANAGER)) d.set("menu_manager", true);
    std::string flash = sessions_.TakeFlash(signed_in->id);
    if (!flash.empty()) d.set("flash", flash);
  }
  return d;
}

void WebApp::RenderPage(httplib::Response& res, int status,
                        const std::string& template_name, const data& d) {
  absl::StatusOr<std::string> page = templates_.Render(template_name, d);
  SetPageHeaders(res);
  if (!page.ok()) {
    std::cerr << "raa-web: " << page.status() << "\n";
    res.status = 500;
    res.set_content("Sorry, there is a problem with the console.\n",
                    "text/plain; charset=utf-8");
    return;
  }
  res.status = status;
  res.set_content(*page, "text/html; charset=utf-8");
}

void WebApp::ErrorPage(httplib::Response& res, int status,
                       const std::string& heading, const std::string& message,
                       const SignedIn* signed_in,
                       const absl::Status& api_status) {
  data d = LayoutData(heading, signed_in);
  d.set("error_title", true);
  d.set("heading", heading);
  const size_t violations = ViolationsOf(api_status).size();
  // The API's message joins the violations listed below it: say it once.
  d.set("message", violations > 0 && message == api_status.message()
                       ? (violations == 1 ? "It was refused for this reason:"
                                          : "It was refused for these reasons:")
                       : message);
  if (violations > 0) {
    d.set("has_violations", true);
    d.set("violations", ViolationsData(api_status));
  }
  RenderPage(res, status, "error", d);
}

bool WebApp::RequireLiveKey(httplib::Response& res, const SignedIn& signed_in) {
  v1::GetAuthorityRequest get;
  get.set_name(signed_in.session.authority);
  absl::StatusOr<v1::Authority> own = signed_in.session.client->Call(
      &v1::RegistryService::Stub::GetAuthority, get);
  if (own.ok()) return true;
  ApiErrorPage(res, own.status(), &signed_in);
  return false;
}

void WebApp::ApiErrorPage(httplib::Response& res, const absl::Status& status,
                          const SignedIn* signed_in) {
  if (status.code() == absl::StatusCode::kUnauthenticated &&
      signed_in != nullptr) {
    // The key was revoked (or expired) since sign-in: the session ends.
    sessions_.Remove(signed_in->id);
    res.set_header("Set-Cookie", SessionCookie("", options_.https));
    Redirect(res, "/sign-in");
    return;
  }
  int http = HttpStatusOf(status);
  std::string heading = http == 404   ? "Not found"
                        : http == 403 ? "You cannot see or do this"
                        : http == 503 ? "The matching service is not answering"
                        : http == 400 ? "That request was not accepted"
                                      : "That could not be done";
  ErrorPage(res, http, heading, UserMessageOf(status), signed_in, status);
}

bool WebApp::ResendPageIfUnknown(const httplib::Request& req,
                                 httplib::Response& res,
                                 const SignedIn& signed_in,
                                 const absl::Status& status,
                                 const std::string& request_id) {
  if (!WriteOutcomeUnknown(status)) return false;
  data fields(data::type::list);
  auto add = [&fields](const std::string& name, const std::string& value) {
    data field;
    field.set("name", name);
    field.set("value", value);
    fields.push_back(field);
  };
  // The fields as they came (a field sent twice, twice), the request id as
  // the write used it: a form without a valid one was given a new one.
  add("request_id", request_id);
  for (const auto& [name, value] : req.params) {
    if (name != "request_id") add(name, value);
  }
  const std::string heading = "We cannot tell whether this was done";
  data d = LayoutData(heading, &signed_in);
  d.set("error_title", true);
  d.set("heading", heading);
  d.set("action", req.path);
  d.set("fields", fields);
  d.set("what_happened",
        status.code() == absl::StatusCode::kDeadlineExceeded
            ? "The matching service did not answer in time"
        : status.code() == absl::StatusCode::kUnavailable
            ? "The matching service could not be reached, or stopped "
              "answering"
            : "The matching service failed while it handled this");
  RenderPage(res, HttpStatusOf(status), "resend", d);
  return true;
}

void WebApp::WriteErrorPage(const httplib::Request& req, httplib::Response& res,
                            const SignedIn& signed_in,
                            const absl::Status& status,
                            const std::string& request_id) {
  if (!ResendPageIfUnknown(req, res, signed_in, status, request_id)) {
    ApiErrorPage(res, status, &signed_in);
  }
}

// ---- sign in and out ----

absl::StatusOr<Session> WebApp::SignIn(const std::string& key) {
  Session session;
  session.key = key;
  session.client = std::make_shared<RaaClient>(
      ClientOptions{.server = options_.server,
                    .key = key,
                    .deadline = options_.rpc_deadline,
                    .tls = options_.tls});
  std::string key_name = absl::StrCat("apiKeys/", KeyIdOf(key));
  v1::ListApiKeysRequest request;
  request.set_page_size(1000);
  bool found = false;
  do {
    absl::StatusOr<v1::ListApiKeysResponse> page =
        session.client->Call(&v1::AccessService::Stub::ListApiKeys, request);
    if (!page.ok()) return page.status();
    for (const v1::ApiKey& k : page->api_keys()) {
      if (k.name() != key_name) continue;
      found = true;
      session.authority = k.authority();
      session.key_label = k.display_name();
      for (int role : k.roles()) {
        session.roles.push_back(static_cast<v1::Role>(role));
      }
    }
    request.set_page_token(page->next_page_token());
  } while (!found && !request.page_token().empty());
  if (!found) {
    return absl::UnauthenticatedError("the key's own record was not listed");
  }
  v1::GetAuthorityRequest get;
  get.set_name(session.authority);
  absl::StatusOr<v1::Authority> authority =
      session.client->Call(&v1::RegistryService::Stub::GetAuthority, get);
  if (authority.ok())
    session.authority_display_name = authority->display_name();
  return session;
}

void WebApp::RenderSignIn(httplib::Response& res, int status,
                          const std::string& token,
                          const std::string& key_error) {
  data d = LayoutData("Sign in", nullptr);
  d.set("csrf", token);
  if (!key_error.empty()) {
    d.set("key_error", key_error);
    d.set("error_title", true);
  }
  res.set_header("Set-Cookie",
                 absl::StrCat(kSignInCookie, "=", token,
                              "; HttpOnly; SameSite=Strict; Path=/sign-in",
                              options_.https ? "; Secure" : ""));
  RenderPage(res, status, "sign_in", d);
}

void WebApp::GetSignIn(const httplib::Request& req, httplib::Response& res) {
  std::string id = CookieValue(req.get_header_value("Cookie"), kSessionCookie);
  if (sessions_.Touch(id, absl::Now()).has_value()) {
    Redirect(res, "/");
    return;
  }
  std::string token =
      CookieValue(req.get_header_value("Cookie"), kSignInCookie);
  if (!IsHexToken(token)) token = RandomHex(32);
  RenderSignIn(res, 200, token, "");
}

void WebApp::PostSignIn(const httplib::Request& req, httplib::Response& res) {
  std::string token =
      CookieValue(req.get_header_value("Cookie"), kSignInCookie);
  if (!IsHexToken(token) || !TokensMatch(Param(req, "csrf"), token)) {
    // A sign-in page left open across a restart of the browser, or a form
    // sent from elsewhere: a page of the console, with the way back in.
    ErrorPage(res, 403, "This form could not be sent",
              "Nothing was changed. The sign-in form was not sent from this "
              "console's own page, or it is out of date (its security token "
              "is missing or wrong). Open the sign-in page again and sign in "
              "from there.",
              nullptr);
    return;
  }
  absl::Time now = absl::Now();
  absl::Duration wait = limiter_.RetryAfter(AddressOf(req), now);
  if (wait > absl::ZeroDuration()) {
    int64_t seconds = absl::ToInt64Seconds(absl::Ceil(wait, absl::Seconds(1)));
    res.set_header("Retry-After", absl::StrCat(seconds));
    ErrorPage(res, 429, "Too many sign-in attempts",
              absl::StrCat("Too many keys that were not accepted came from "
                           "your address. Try again in ",
                           seconds, " seconds."),
              nullptr);
    return;
  }
  std::string key(absl::StripAsciiWhitespace(Param(req, "key")));
  // Checked before anything is sent: gRPC would abort the whole console on
  // a key with a character a header cannot carry (an accent, a control
  // character, a non-breaking space pasted with it).
  if (!IsSendableKey(key)) {
    limiter_.RecordFailure(AddressOf(req), now);
    RenderSignIn(
        res, 200, token,
        key.empty() ? "Enter your API key" : "That key was not accepted");
    return;
  }
  absl::StatusOr<Session> session = SignIn(key);
  if (!session.ok()) {
    absl::StatusCode code = session.status().code();
    if (code == absl::StatusCode::kUnauthenticated ||
        code == absl::StatusCode::kPermissionDenied ||
        code == absl::StatusCode::kInvalidArgument) {
      limiter_.RecordFailure(AddressOf(req), now);
      RenderSignIn(res, 200, token, "That key was not accepted");
    } else {
      ApiErrorPage(res, session.status(), nullptr);
    }
    return;
  }
  limiter_.RecordSuccess(AddressOf(req));
  std::string id = sessions_.Create(*std::move(session), now);
  res.set_header("Set-Cookie", SessionCookie(id, options_.https));
  res.set_header("Set-Cookie",
                 absl::StrCat(kSignInCookie,
                              "=; HttpOnly; SameSite=Strict; Path=/sign-in; "
                              "Max-Age=0",
                              options_.https ? "; Secure" : ""));
  Redirect(res, "/");
}

void WebApp::PostSignOut(const httplib::Request& req, httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireSession(req, res);
  if (!signed_in.has_value()) return;
  if (!CheckCsrf(req, res, *signed_in)) return;
  sessions_.Remove(signed_in->id);
  res.set_header("Set-Cookie", SessionCookie("", options_.https));
  Redirect(res, "/sign-in");
}

// ---- home ----

void WebApp::GetHome(const httplib::Request& req, httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireSession(req, res);
  if (!signed_in.has_value()) return;
  const Session& session = signed_in->session;
  RaaClient& client = *session.client;
  data d = LayoutData("Home", &*signed_in);
  d.set("authority", session.authority);
  d.set("heading", session.authority_display_name.empty()
                       ? session.authority
                       : session.authority_display_name);
  std::vector<std::string> roles;
  for (v1::Role role : session.roles) roles.push_back(RoleText(role));
  d.set("roles_text", absl::StrJoin(roles, ", "));
  if (!session.key_label.empty()) d.set("key_label", session.key_label);

  bool finder = HasRole(session, v1::ROLE_FAMILY_FINDER);
  bool registrar = HasRole(session, v1::ROLE_REGISTRAR);
  absl::CivilDay today = SystemClock().Today();

  if (finder || registrar) {
    d.set("show_children", true);
    // Every waiting profile (all pages, up to kMaxListed), in a table sorted
    // and paged by the URL (?sort=&dir=&page=).
    v1::ListChildrenRequest request;
    request.set_parent(session.authority);
    request.set_status(v1::CHILD_STATUS_WAITING);
    request.set_page_size(1000);
    Table table({{.key = "id", .label = "Profile"},
                 {.key = "children", .label = "Children", .numeric = true},
                 {.key = "age", .label = "Ages"},
                 {.key = "days", .label = "Days waited", .numeric = true},
                 {.key = "region", .label = "Region"}},
                {.default_sort = "days", .default_descending = true});
    bool more = false;
    do {
      absl::StatusOr<v1::ListChildrenResponse> children =
          client.Call(&v1::RegistryService::Stub::ListChildren, request);
      if (!children.ok()) {
        ApiErrorPage(res, children.status(), &*signed_in);
        return;
      }
      for (const v1::Child& child : children->children()) {
        std::optional<ChildRef> ref = ParseChildName(child.name());
        if (!ref.has_value()) continue;
        data row;
        row.set("href", ChildPath(*ref));
        row.set("id", ref->child);
        row.set("group_size", absl::StrCat(child.members_size()));
        row.set("ages", AgesText(child));
        std::optional<int> days = DaysWaited(child, today);
        row.set("days_waited",
                days.has_value() ? absl::StrCat(*days) : "not yet");
        row.set("region", child.region());
        table.AddRow(
            std::move(row),
            {ref->child, int64_t{child.members_size()}, YoungestAgeKey(child),
             days.has_value() ? SortKey(int64_t{*days}) : SortKey(),
             child.region()});
      }
      request.set_page_token(children->next_page_token());
      more = !request.page_token().empty() && table.size() < kMaxListed;
    } while (more);
    d.set("children_table", table.Render(req.params, "/"));
    d.set("children_count",
          absl::StrCat(table.size(), table.size() == 1 ? " child profile"
                                                       : " child profiles"));
    d.set("has_children", table.size() > 0);
    if (!request.page_token().empty()) {
      d.set("more_children", absl::StrCat(kMaxListed));
    }
  }
  if (finder || registrar) {
    v1::ListOverdueRequest request;
    request.set_authority(session.authority);
    request.set_within_days(14);
    request.set_page_size(1000);
    d.set("show_overdue", true);
    Table table({{.key = "record", .label = "Record"},
                 {.key = "timescale", .label = "Timescale"},
                 {.key = "due", .label = "Due"},
                 {.key = "late", .label = "When", .numeric = true}},
                {.prefix = "o"});
    absl::Status failed;
    do {
      absl::StatusOr<v1::ListOverdueResponse> overdue =
          client.Call(&v1::JourneyService::Stub::ListOverdue, request);
      if (!overdue.ok()) {
        failed = overdue.status();
        break;
      }
      for (const v1::OverdueItem& item : overdue->items()) {
        data row;
        std::optional<ChildRef> ref = ParseChildName(item.record());
        if (ref.has_value()) row.set("href", ChildPath(*ref));
        row.set("record", item.record());
        if (!item.link().empty()) row.set("link", item.link());
        row.set("description", item.description());
        row.set("due_date", FormatDate(item.due_date()));
        bool late = item.days_late() > 0;
        row.set("late", late);
        row.set("days_text",
                late ? absl::StrCat(item.days_late(), " days late")
                : item.days_late() == 0
                    ? std::string("due today")
                    : absl::StrCat("due in ", -item.days_late(), " days"));
        table.AddRow(std::move(row),
                     {item.record(), item.description(),
                      FormatDate(item.due_date()), int64_t{item.days_late()}});
      }
      request.set_page_token(overdue->next_page_token());
    } while (!request.page_token().empty() && table.size() < kMaxListed);
    if (!failed.ok()) {
      if (failed.code() == absl::StatusCode::kUnauthenticated) {
        ApiErrorPage(res, failed, &*signed_in);  // the key was revoked
        return;
      }
      d.set("overdue_error", UserMessageOf(failed));
    } else {
      d.set("overdue_table", table.Render(req.params, "/"));
      d.set("has_overdue", table.size() > 0);
    }
  }
  if (finder) {
    // The last 7 days' alerts, oldest first from the API: every page (up to
    // kMaxListed), so the table's newest are the newest there are.
    v1::ListAlertsRequest request;
    request.set_page_size(500);
    *request.mutable_since_time() = google::protobuf::Timestamp();
    request.mutable_since_time()->set_seconds(
        absl::ToUnixSeconds(absl::Now() - absl::Hours(24 * 7)));
    absl::StatusOr<v1::ListAlertsResponse> alerts =
        client.Call(&v1::MatchingService::Stub::ListAlerts, request);
    while (alerts.ok() && !alerts->next_page_token().empty() &&
           static_cast<size_t>(alerts->alerts_size()) < kMaxListed) {
      request.set_page_token(alerts->next_page_token());
      absl::StatusOr<v1::ListAlertsResponse> more =
          client.Call(&v1::MatchingService::Stub::ListAlerts, request);
      if (!more.ok()) {
        alerts = more.status();
        break;
      }
      alerts->mutable_alerts()->MergeFrom(more->alerts());
      alerts->set_next_page_token(more->next_page_token());
    }
    d.set("show_alerts", true);
    if (!alerts.ok()) {
      if (alerts.status().code() == absl::StatusCode::kUnauthenticated) {
        ApiErrorPage(res, alerts.status(), &*signed_in);  // the key was revoked
        return;
      }
      d.set("alerts_error", UserMessageOf(alerts.status()));
    } else {
      Table table({{.key = "time", .label = "When (UTC)"},
                   {.key = "child", .label = "Child"},
                   {.key = "household", .label = "Household"},
                   {.key = "score", .label = "Score", .numeric = true},
                   {.key = "alert", .label = "Alert"}},
                  {.default_sort = "time",
                   .default_descending = true,
                   .page_size = 20,
                   .prefix = "a"});
      for (const v1::MatchAlert& alert : alerts->alerts()) {
        data row;
        std::optional<ChildRef> ref = ParseChildName(alert.child());
        if (ref.has_value()) row.set("href", ChildPath(*ref));
        row.set("child", alert.child());
        row.set("adopter", alert.adopter());
        row.set("score", absl::StrCat(alert.score()));
        row.set("message", alert.message());
        std::string time = absl::FormatTime(
            "%Y-%m-%d %H:%M", absl::FromUnixSeconds(alert.time().seconds()),
            absl::UTCTimeZone());
        row.set("time", time);
        table.AddRow(std::move(row), {int64_t{alert.time().seconds()},
                                      alert.child(), alert.adopter(),
                                      int64_t{alert.score()}, alert.message()});
      }
      d.set("alerts_table", table.Render(req.params, "/"));
      d.set("has_alerts", alerts->alerts_size() > 0);
    }
  }
  if (HasRole(session, v1::ROLE_MANAGER)) {
    v1::ListAuthoritiesRequest request;
    request.set_page_size(1000);
    absl::StatusOr<v1::ListAuthoritiesResponse> members =
        client.Call(&v1::RegistryService::Stub::ListAuthorities, request);
    d.set("show_members", true);
    if (!members.ok()) {
      if (members.status().code() == absl::StatusCode::kUnauthenticated) {
        ApiErrorPage(res, members.status(),
                     &*signed_in);  // the key was revoked
        return;
      }
      d.set("members_error", UserMessageOf(members.status()));
    } else {
      Table table({{.key = "member", .label = "Member"},
                   {.key = "id", .label = "Id"},
                   {.key = "region", .label = "Region"},
                   {.key = "status", .label = "Status"}},
                  {.default_sort = "member", .prefix = "m"});
      for (const v1::Authority& a : members->authorities()) {
        data row;
        std::string status =
            EnumValueWords(v1::AuthorityStatus_descriptor(), a.status());
        row.set("name", a.display_name());
        row.set("id", LastPart(a.name()));
        row.set("region", a.region());
        row.set("status", status);
        table.AddRow(std::move(row), {a.display_name(), LastPart(a.name()),
                                      a.region(), status});
      }
      d.set("members_table", table.Render(req.params, "/"));
    }
  }
  if (HasRole(session, v1::ROLE_FINANCE)) {
    absl::StatusOr<v1::Balances> balances = client.Call(
        &v1::LedgerService::Stub::GetBalances, v1::GetBalancesRequest());
    d.set("show_finance", true);
    d.set("finance_links", true);
    if (!balances.ok()) {
      if (balances.status().code() == absl::StatusCode::kUnauthenticated) {
        ApiErrorPage(res, balances.status(),
                     &*signed_in);  // the key was revoked
        return;
      }
      d.set("finance_error", UserMessageOf(balances.status()));
    } else {
      d.set("balances_as_of", FormatDate(balances->as_of()));
      for (const v1::MemberPosition& p : balances->positions()) {
        if (p.authority() != session.authority) continue;
        int64_t pence = PenceOf(p.position());
        d.set("position",
              pence >= 0
                  ? absl::StrCat("The others owe you ", FormatPounds(pence))
                  : absl::StrCat("You owe the others ", FormatPounds(-pence)));
      }
      d.set("debts_table", DebtsTable(*balances, "d").Render(req.params, "/"));
      d.set("has_debts", balances->debts_size() > 0);
    }
  }
  // What each role still does with `raa` (docs/web.md, "What each role can
  // do in the console").
  data guidance = List();
  auto add = [&](v1::Role role, const char* what, const char* commands) {
    if (!HasRole(session, role)) return;
    data item;
    item.set("role", RoleText(role));
    item.set("what", what);
    item.set("commands", commands);
    guidance.push_back(item);
  };
  add(v1::ROLE_REGISTRAR,
      "loading journeys, milestones and tracking reviews, and checking the "
      "regions list",
      "raa import journeys FILE, raa journey, raa region check");
  add(v1::ROLE_FAMILY_FINDER,
      "milestones and tracking reviews, opening a link with an override "
      "reason or as early permanence, and the reports",
      "raa journey, raa link open --override-reason, --kind, raa report");
  add(v1::ROLE_FINANCE,
      "the journal, sales and purchases, fee schedules, and the budget as CSV",
      "raa ledger entries, raa ledger trade, raa ledger schedule list, raa "
      "--csv ledger budget show");
  add(v1::ROLE_MANAGER,
      "the audit trail, regions, correcting a member, timescales, fee "
      "schedules and closing a month",
      "raa audit, raa region, raa authority update, raa journey timescales "
      "set, raa ledger schedule, raa ledger close-month");
  d.set("guidance", guidance);
  RenderPage(res, 200, "home", d);
}

// ---- child page and opening a link ----

void WebApp::GetChild(const httplib::Request& req, httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireSession(req, res);
  if (!signed_in.has_value()) return;
  ChildRef ref{req.matches[1].str(), req.matches[2].str()};
  RenderChildPage(
      res, *signed_in,
      absl::StrCat("authorities/", ref.authority, "/children/", ref.child),
      req.params, 200, absl::OkStatus());
}

void WebApp::RenderChildPage(httplib::Response& res, const SignedIn& signed_in,
                             const std::string& child_name,
                             const QueryParams& params, int status,
                             const absl::Status& api_error) {
  const Session& session = signed_in.session;
  RaaClient& client = *session.client;
  v1::GetChildRequest get;
  get.set_name(child_name);
  absl::StatusOr<v1::Child> child =
      client.Call(&v1::RegistryService::Stub::GetChild, get);
  if (!child.ok()) {
    ApiErrorPage(res, child.status(), &signed_in);
    return;
  }
  std::optional<ChildRef> ref = ParseChildName(child_name);
  if (!ref.has_value()) {
    ErrorPage(res, 404, "Not found", "There is no such child profile.",
              &signed_in);
    return;
  }
  std::string title = absl::StrCat("Child profile ", ref->child);
  data d = LayoutData(title, &signed_in);
  d.set("heading", title);
  d.set("child", child_name);
  // Each "Open a link" form sends <this>-<household>: sent twice, one link.
  d.set("link_request", NewRequestId());
  d.set("authority", ref->authority);
  if (!api_error.ok()) {
    data error;
    error.set("message", UserMessageOf(api_error));
    // "links/l4 already links this child and household": a way to it.
    if (absl::IsAlreadyExists(api_error)) {
      absl::string_view message = api_error.message();
      const size_t digits = message.find_first_not_of("0123456789", 7);
      if (absl::StartsWith(message, "links/l") && digits != 7 &&
          digits != absl::string_view::npos) {
        const std::string link(message.substr(0, digits));
        error.set("see_href", absl::StrCat("/", link));
        error.set("see_text", link);
      }
    }
    if (!ViolationsOf(api_error).empty()) {
      error.set("has_violations", true);
      error.set("violations", ViolationsData(api_error));
    }
    d.set("api_error", error);
    d.set("error_title", true);
  }
  d.set("status",
        EnumValueWords(v1::ChildStatus_descriptor(), child->status()));
  // A registrar of the child's member changes or withdraws it there
  // (registrar pages); the API decides in the end.
  if (HasRole(session, v1::ROLE_REGISTRAR) &&
      session.authority == absl::StrCat("authorities/", ref->authority) &&
      child->status() != v1::CHILD_STATUS_WITHDRAWN) {
    d.set("edit_href", absl::StrCat(ChildPath(*ref), "/edit"));
    d.set("withdraw_href", absl::StrCat(ChildPath(*ref), "/withdraw"));
  }
  std::optional<int> days = DaysWaited(*child, SystemClock().Today());
  d.set("days_waited", days.has_value() ? absl::StrCat(*days, " days")
                                        : std::string("not yet waiting"));
  d.set("ages", AgesText(*child));
  d.set("group_size", absl::StrCat(child->members_size()));
  data facts = List();
  for (const auto& [column, value] : ChildToText(*child)) {
    if (value.empty() || column == "summary") continue;
    data fact;
    fact.set("key", absl::StrReplaceAll(column, {{"_", " "}}));
    fact.set("value", value);
    facts.push_back(fact);
  }
  d.set("facts", facts);
  if (!child->summary().empty()) d.set("summary", child->summary());

  // The profile's links, for the journey so far (a link just opened among
  // them).
  v1::ListLinksRequest links_request;
  links_request.set_child(child_name);
  d.set("links_id", "child-links");
  SetRecordLinks(client, links_request, params, ChildPath(*ref), d);

  // The best kRankDepth households (pages of 100), sorted and paged by the
  // URL: by rank, score or any component's points.
  absl::StatusOr<v1::RankAdoptersResponse> ranking;
  std::vector<v1::RankedAdopter> ranked;
  for (int attempt = 0; attempt < 2; ++attempt) {
    v1::RankAdoptersRequest rank;
    rank.set_child(child_name);
    rank.set_page_size(100);
    rank.set_view(v1::RANK_VIEW_FULL);
    ranked.clear();
    do {
      ranking = client.Call(&v1::MatchingService::Stub::RankAdopters, rank);
      if (!ranking.ok()) break;
      for (v1::RankedAdopter& a : *ranking->mutable_adopters()) {
        ranked.push_back(std::move(a));
      }
      rank.set_page_token(ranking->next_page_token());
    } while (!rank.page_token().empty() && ranked.size() < kRankDepth);
    // ABORTED: the ranking changed between two pages; start again once.
    if (ranking.ok() || ranking.status().code() != absl::StatusCode::kAborted)
      break;
  }
  // The reasons are codes (RANK_VIEW_FULL): their words are the catalogue's.
  // `reasons` holds the ranking's error when it failed.
  absl::StatusOr<std::shared_ptr<const ReasonCatalog>> reasons =
      absl::UnknownError("not ranked");
  if (!ranking.ok()) {
    reasons = ranking.status();
  } else {
    ReasonNeeds needs;
    needs.policy_version = ranking->policy_version();
    needs.Add(ranking->exclusions());
    for (const v1::RankedAdopter& a : ranked) needs.Add(a.components());
    reasons = Reasons(client, needs);
  }
  if (!reasons.ok()) {
    d.set("ranking_error", UserMessageOf(reasons.status()));
  } else {
    d.set("ranked", true);
    d.set("considered", absl::StrCat(ranking->considered()));
    d.set("eligible", absl::StrCat(ranking->eligible()));
    d.set("excluded", absl::StrCat(ranking->excluded()));
    if (ranking->eligible() > static_cast<int>(ranked.size())) {
      d.set("ranked_shown", absl::StrCat(ranked.size()));
    }
    const ReasonCatalog& words = **reasons;
    d.set("exclusions", ExclusionsData(words, ranking->exclusions()));
    d.set("has_exclusions", ranking->exclusions_size() > 0);
    bool can_open = HasRole(session, v1::ROLE_FAMILY_FINDER) ||
                    HasRole(session, v1::ROLE_MANAGER);
    // A column per score component, in the order the API gives them.
    std::vector<std::string> components;
    for (const v1::RankedAdopter& a : ranked) {
      for (const v1::ScoreComponent& c : a.components()) {
        std::string key = words.ComponentKey(c);
        if (std::find(components.begin(), components.end(), key) ==
            components.end()) {
          components.push_back(std::move(key));
        }
      }
    }
    std::vector<TableColumn> columns = {
        {.key = "rank", .label = "Rank", .numeric = true},
        {.key = "household", .label = "Household"},
        {.key = "score", .label = "Score", .numeric = true}};
    for (const std::string& c : components) {
      columns.push_back({.key = c,
                         .label = absl::StrReplaceAll(c, {{"_", " "}}),
                         .numeric = true});
    }
    // Each household's reasons (and its "Open a link") are in a row of
    // their own below its scores, across every column.
    const std::string span = absl::StrCat(columns.size());
    // Sort keys for every household; the cells (reasons and all) only for
    // the page shown.
    Table table(std::move(columns), {.default_sort = "rank", .page_size = 25});
    for (size_t i = 0; i < ranked.size(); ++i) {
      const v1::RankedAdopter& a = ranked[i];
      std::vector<SortKey> keys = {static_cast<int64_t>(i + 1), a.adopter(),
                                   int64_t{a.score()}};
      for (const std::string& name : components) {
        SortKey key;
        for (const v1::ScoreComponent& c : a.components()) {
          if (words.ComponentKey(c) == name) key = int64_t{c.points_tenths()};
        }
        keys.push_back(key);
      }
      data row;
      row.set("index", absl::StrCat(i));
      table.AddRow(std::move(row), std::move(keys));
    }
    data rendered = table.Render(params, ChildPath(*ref));
    data rows = List();
    for (const data& shown : rendered.get("rows")->list_value()) {
      size_t i = 0;
      if (!absl::SimpleAtoi(shown.get("index")->string_value(), &i)) continue;
      const v1::RankedAdopter& a = ranked[i];
      data row;
      row.set("rank", absl::StrCat(i + 1));
      row.set("adopter", a.adopter());
      row.set("adopter_id", LastPart(a.adopter()));
      // "authorities/b/adopters/h7": h7 of member b, and its page.
      std::vector<std::string> parts = absl::StrSplit(a.adopter(), '/');
      if (parts.size() == 4) {
        row.set("adopter_member", parts[1]);
        row.set("household_href",
                absl::StrCat("/households/", parts[1], "/", parts[3]));
      }
      row.set("score", absl::StrCat(a.score()));
      row.set("components", ReasonsData(words, a.components()));
      data points = List();
      for (const std::string& name : components) {
        data cell;
        cell.set("value", "");
        for (const v1::ScoreComponent& c : a.components()) {
          if (words.ComponentKey(c) == name) {
            cell.set("value", PointsText(c.points_tenths()));
          }
        }
        points.push_back(cell);
      }
      row.set("points", points);
      row.set("span", span);
      if (a.members_size() > 0) {
        std::vector<std::string> which;
        for (int m : a.members()) which.push_back(absl::StrCat(m + 1));
        row.set("members_text",
                absl::StrCat("Only children ", absl::StrJoin(which, ", ")));
      }
      if (can_open) {
        row.set("can_open", true);
        row.set("child", child_name);
        row.set("csrf", session.csrf);
      }
      rows.push_back(row);
    }
    rendered.set("rows", rows);
    d.set("adopters_table", rendered);
    d.set("has_adopters", !ranked.empty());
  }
  RenderPage(res, status, "child", d);
}

void WebApp::PostLink(const httplib::Request& req, httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireSession(req, res);
  if (!signed_in.has_value()) return;
  if (!CheckCsrf(req, res, *signed_in)) return;
  std::string child = Param(req, "child");
  std::optional<ChildRef> ref = ParseChildName(child);
  if (!ref.has_value()) {
    ErrorPage(res, 400, "That request was not accepted",
              "The form did not name a child profile.", &*signed_in);
    return;
  }
  v1::OpenLinkRequest request;
  request.set_child(child);
  request.set_adopter(Param(req, "adopter"));
  request.set_request_id(RequestIdOf(req));
  absl::StatusOr<v1::Link> link = signed_in->session.client->Call(
      &v1::JourneyService::Stub::OpenLink, request);
  if (!link.ok()) {
    if (ResendPageIfUnknown(req, res, *signed_in, link.status(),
                            request.request_id())) {
      return;
    }
    RenderChildPage(res, *signed_in, child, QueryParams(),
                    HttpStatusOf(link.status()), link.status());
    return;
  }
  sessions_.SetFlash(signed_in->id, absl::StrCat("Link ", link->name(),
                                                 " opened with household ",
                                                 LastPart(link->adopter())));
  Redirect(res, ChildPath(*ref));
}

}  // namespace raa::web
