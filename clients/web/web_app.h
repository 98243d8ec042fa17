// raa-web's HTTP side: the routes, sessions, CSRF checks, security headers
// and pages of the web console, a client of raamatchd with each signed-in
// user's own API key.
//
//   httplib::Server http;
//   raa::web::WebApp app({.server = "127.0.0.1:50051", ...});
//   RETURN_IF_ERROR(app.Install(http));
//   http.bind_to_port("127.0.0.1", 8080); http.listen_after_bind();
//
// Adding a page: one handler here (a method that builds a
// kainjow::mustache::data and calls RenderPage) and one template under
// clients/web/templates/ (starting {{> layout_top}}, ending
// {{> layout_bottom}}); register the route with Bind in its area's
// Install...Pages, which Install calls. Sortable, paged tables: tables.h.
//
// Thread-safety: the handlers run on the HTTP server's worker threads at
// once; the app's state (session table, limiter, reason catalogue) is
// thread-safe. The app must outlive the server it is installed in.
#ifndef RAAMATCH_CLIENTS_WEB_WEB_APP_H_
#define RAAMATCH_CLIENTS_WEB_WEB_APP_H_

#include <httplib.h>

#include <cstddef>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "clients/lib/client.h"
#include "clients/lib/reason_cache.h"
#include "clients/web/sessions.h"
#include "clients/web/tables.h"
#include "clients/web/templates.h"
#include "common/errors.h"

namespace raa::web {

struct WebOptions {
  std::string server = "127.0.0.1:50051";  // raamatchd
  ClientTls tls{};                         // to raamatchd; plain if disabled
  absl::Duration session_idle = absl::Minutes(30);
  size_t max_sessions = 1000;
  // govuk-frontend's dist/govuk folder (govuk-frontend.min.css, .min.js,
  // assets/).
  std::string assets_dir;
  bool https = false;  // served over TLS: cookies are Secure
  absl::Duration rpc_deadline = absl::Seconds(20);
};

// The headers on every response (Content-Security-Policy, nosniff,
// Referrer-Policy, X-Frame-Options).
httplib::Headers SecurityHeaders();

// The Set-Cookie value for the session cookie (HttpOnly, SameSite=Strict,
// Path=/, Secure when `secure`); an empty id clears it.
std::string SessionCookie(const std::string& id, bool secure);

class WebApp {
 public:
  explicit WebApp(WebOptions options);

  // Registers the routes, static mounts, default headers and error
  // handlers. INVALID_ARGUMENT if the assets folder lacks govuk-frontend.
  absl::Status Install(httplib::Server& server);

  SessionTable& sessions() { return sessions_; }

 private:
  struct SignedIn {
    std::string id;
    Session session;
  };

  using Method = void (WebApp::*)(const httplib::Request&, httplib::Response&);
  // The route handler that calls `method` on this app. It measures the
  // handler's time and sends it as `Server-Timing: app;dur=<ms>` (the page
  // time bench/web_bench reads).
  httplib::Server::Handler Bind(Method method);

  // The signed-in session of `req`, or nullopt after answering 303 to
  // /sign-in.
  std::optional<SignedIn> RequireSession(const httplib::Request& req,
                                         httplib::Response& res);
  // The signed-in session of `req` if its key has one of `roles`; otherwise
  // nullopt after answering (303 to /sign-in, or a 403 page saying
  // `whose_pages` and the key's roles), before any form is read.
  std::optional<SignedIn> RequireRole(const httplib::Request& req,
                                      httplib::Response& res,
                                      std::initializer_list<v1::Role> roles,
                                      absl::string_view whose_pages);
  // True if the POST's csrf field matches the session's token; otherwise
  // answers 403 with a page that says what happened (nothing changed; the
  // form came from elsewhere, or from before the last sign-in) and returns
  // false.
  bool CheckCsrf(const httplib::Request& req, httplib::Response& res,
                 const SignedIn& signed_in);

  // The layout's data: title, who is signed in, the CSRF token, the flash.
  kainjow::mustache::data LayoutData(const std::string& title,
                                     const SignedIn* signed_in);
  void RenderPage(httplib::Response& res, int status,
                  const std::string& template_name,
                  const kainjow::mustache::data& data);
  void ErrorPage(httplib::Response& res, int status, const std::string& heading,
                 const std::string& message, const SignedIn* signed_in,
                 const absl::Status& api_status = absl::OkStatus());
  void ApiErrorPage(httplib::Response& res, const absl::Status& status,
                    const SignedIn* signed_in);
  // After a write whose answer says nothing of whether it was stored
  // (WriteOutcomeUnknown): answers 503 (500 for INTERNAL, UNKNOWN,
  // CANCELLED: HttpStatusOf) with a page that says so and holds
  // the form as it was sent, `request_id` being the id the write was sent
  // with, so that "Send it again" is the same write (the API is idempotent
  // by request id: done once, whatever happened). Returns false, writing
  // nothing, for any other status.
  bool ResendPageIfUnknown(const httplib::Request& req, httplib::Response& res,
                           const SignedIn& signed_in,
                           const absl::Status& status,
                           const std::string& request_id);
  // The page of a write that failed with `status`: ResendPageIfUnknown's,
  // else ApiErrorPage's.
  void WriteErrorPage(const httplib::Request& req, httplib::Response& res,
                      const SignedIn& signed_in, const absl::Status& status,
                      const std::string& request_id);

  // The reason catalogue to render `needs` with: the one the app keeps
  // (for every session: it holds no personal data, every role reads it),
  // fetched with `client`'s key when it lacks something `needs` asks for
  // (clients/lib/reason_cache.h). Nothing is fetched when every reason came
  // with its words.
  absl::StatusOr<std::shared_ptr<const ReasonCatalog>> Reasons(
      RaaClient& client, const ReasonNeeds& needs);

  // Checks `key` with raamatchd and finds its member and roles.
  absl::StatusOr<Session> SignIn(const std::string& key);

  void GetSignIn(const httplib::Request& req, httplib::Response& res);
  void PostSignIn(const httplib::Request& req, httplib::Response& res);
  void PostSignOut(const httplib::Request& req, httplib::Response& res);
  void GetHome(const httplib::Request& req, httplib::Response& res);
  void GetChild(const httplib::Request& req, httplib::Response& res);
  void PostLink(const httplib::Request& req, httplib::Response& res);

  // ---- The registrar's pages (registrar_pages.cc; docs/web.md) ----
  void InstallRegistrarPages(httplib::Server& server);
  // `Kind` is one of registrar_pages.cc's record kinds (child profiles or
  // households); the handlers are instantiated there.
  template <typename Kind>
  void GetRegistryList(const httplib::Request& req, httplib::Response& res);
  template <typename Kind>
  void GetRegistryNew(const httplib::Request& req, httplib::Response& res);
  template <typename Kind>
  void PostRegistryNew(const httplib::Request& req, httplib::Response& res);
  template <typename Kind>
  void GetRegistryEdit(const httplib::Request& req, httplib::Response& res);
  template <typename Kind>
  void PostRegistryEdit(const httplib::Request& req, httplib::Response& res);
  template <typename Kind>
  void GetRegistryWithdraw(const httplib::Request& req, httplib::Response& res);
  template <typename Kind>
  void PostRegistryWithdraw(const httplib::Request& req,
                            httplib::Response& res);
  void GetRegistryUpload(const httplib::Request& req, httplib::Response& res);
  void PostRegistryUpload(const httplib::Request& req, httplib::Response& res);
  // True if the signed-in key still works (it reads its own member): for
  // a page that calls the API for nothing else, so that a key revoked since
  // sign-in ends the session at the next page there too. Otherwise answers
  // as ApiErrorPage does (sign-in again) and returns false.
  bool RequireLiveKey(httplib::Response& res, const SignedIn& signed_in);
  // True if the signed-in key may write `authority`'s records (a registrar
  // of that member, the API's rule); otherwise answers a 403 page saying
  // why, before any form is shown.
  bool RequireRegistrarOf(httplib::Response& res, const SignedIn& signed_in,
                          const std::string& authority,
                          const std::string& what);
  // The register or change form of a `Kind` record: `values` as typed (by
  // column), `name` the record's for a change ("" to register), `error` the
  // failed call whose violations go beside their fields.
  template <typename Kind>
  void RenderRecordForm(httplib::Response& res, const SignedIn& signed_in,
                        int status,
                        const std::map<std::string, std::string>& values,
                        const std::string& name, const absl::Status& error);
  // The page that asks to confirm withdrawing `name` (a `Kind` record),
  // with the reason as typed and `error`'s violations beside it.
  template <typename Kind>
  void RenderWithdrawPage(httplib::Response& res, const SignedIn& signed_in,
                          int status, const std::string& name,
                          const std::string& reason, const absl::Status& error);

  // ---- The manager's pages (manager_pages.cc; docs/web.md) ----
  void InstallManagerPages(httplib::Server& server);
  // The signed-in session of `req` if its key has the manager role;
  // otherwise nullopt after answering (303 to /sign-in, or a 403 page). The
  // server refuses a non-manager's writes as well: this only spares the
  // user a form they cannot send.
  std::optional<SignedIn> RequireManager(const httplib::Request& req,
                                         httplib::Response& res);
  void GetMembers(const httplib::Request& req, httplib::Response& res);
  void GetNewMember(const httplib::Request& req, httplib::Response& res);
  void PostNewMember(const httplib::Request& req, httplib::Response& res);
  void GetWithdrawMember(const httplib::Request& req, httplib::Response& res);
  void PostWithdrawMember(const httplib::Request& req, httplib::Response& res);
  void PostReinstateMember(const httplib::Request& req, httplib::Response& res);
  void GetKeys(const httplib::Request& req, httplib::Response& res);
  void GetNewKey(const httplib::Request& req, httplib::Response& res);
  void PostNewKey(const httplib::Request& req, httplib::Response& res);
  void GetRevokeKey(const httplib::Request& req, httplib::Response& res);
  void PostRevokeKey(const httplib::Request& req, httplib::Response& res);
  void GetPolicy(const httplib::Request& req, httplib::Response& res);
  void PostPolicy(const httplib::Request& req, httplib::Response& res);
  void GetPolicyChange(const httplib::Request& req, httplib::Response& res);
  void GetScorecardReport(const httplib::Request& req, httplib::Response& res);
  void GetWaitingReport(const httplib::Request& req, httplib::Response& res);
  void GetForecastReport(const httplib::Request& req, httplib::Response& res);
  // Every member of the consortium, or nullopt once the API's refusal has
  // been answered as a page.
  std::optional<std::vector<v1::Authority>> MembersOrErrorPage(
      httplib::Response& res, const SignedIn& signed_in);
  // A report's form (`template_name`, its heading `who`) again with what was
  // typed and why it was not asked for: `typed`, what did not read, or else
  // the API's refusal `api_error` (its violations beside their fields). 400.
  void RenderReportRefused(const httplib::Request& req, httplib::Response& res,
                           const SignedIn& signed_in,
                           const std::string& template_name,
                           const std::string& who,
                           std::vector<FieldViolation> typed,
                           const absl::Status& api_error);
  // The forms again with what was typed (`form`) and the API's refusal
  // (`api_error`: each violation beside its field and in the summary).
  void RenderNewMember(httplib::Response& res, const SignedIn& signed_in,
                       int status, kainjow::mustache::data form,
                       const absl::Status& api_error);
  void RenderWithdrawMember(httplib::Response& res, const SignedIn& signed_in,
                            const std::string& id, int status,
                            kainjow::mustache::data form,
                            const absl::Status& api_error);
  void RenderNewKey(httplib::Response& res, const SignedIn& signed_in,
                    int status, kainjow::mustache::data form,
                    const absl::Status& api_error);
  void RenderPolicy(httplib::Response& res, const SignedIn& signed_in,
                    int status, const httplib::Request& req,
                    const absl::Status& api_error);

  // ---- The family finder's household page, links board and live alerts
  // (finder_pages.cc; docs/web.md) ----
  void InstallFinderPages(httplib::Server& server);
  void GetHousehold(const httplib::Request& req, httplib::Response& res);
  void GetLinksBoard(const httplib::Request& req, httplib::Response& res);
  void GetLinkPage(const httplib::Request& req, httplib::Response& res);
  void PostLinkAdvance(const httplib::Request& req, httplib::Response& res);
  void PostLinkClose(const httplib::Request& req, httplib::Response& res);
  void PostLinkCorrect(const httplib::Request& req, httplib::Response& res);
  void GetFollows(const httplib::Request& req, httplib::Response& res);
  void PostFollow(const httplib::Request& req, httplib::Response& res);
  void PostUnfollow(const httplib::Request& req, httplib::Response& res);
  void GetAlerts(const httplib::Request& req, httplib::Response& res);
  // The live alerts' JSON (static/raa-alerts.js polls it): one ListAlerts
  // call per request; 401 JSON, not a redirect, without a session.
  void GetAlertsJson(const httplib::Request& req, httplib::Response& res);
  // The link page of `link` (links/{id}). `form` names the form that failed
  // ("advance", "close" or "correct"; empty for none), `values` holds its
  // fields as typed, and `api_error` why it failed: its violations go beside
  // the fields and in the error summary.
  void RenderLinkPage(httplib::Response& res, const SignedIn& signed_in,
                      const std::string& link, int status,
                      const std::string& form,
                      const kainjow::mustache::data& values,
                      const absl::Status& api_error);
  // The follows page with the follow form's values and errors.
  void RenderFollowsPage(const httplib::Request& req, httplib::Response& res,
                         const SignedIn& signed_in, int status,
                         const kainjow::mustache::data& values,
                         const absl::Status& api_error);
  // The live alerts region's data (templates/finder_live_alerts.mustache):
  // where raa-alerts.js starts polling from (`after`, the last alert this
  // page shows, else `since`, unix seconds).
  kainjow::mustache::data LiveAlertsData(const std::string& after,
                                         int64_t since_seconds);

  // ---- The finance officer's pages (finance_pages.cc; docs/web.md) ----
  // Who owes whom (net per pair), sortable by either side or the amount,
  // largest first: the balances page's table and the home page's. `prefix`
  // names its URL parameters (TableOptions::prefix).
  static Table DebtsTable(const v1::Balances& balances,
                          const std::string& prefix);
  // The signed-in session of `req` if its key has the finance or manager
  // role; otherwise nullopt after answering (303 to /sign-in, or a 403 page),
  // before any form is read. The server refuses such keys as well.
  std::optional<SignedIn> RequireLedger(const httplib::Request& req,
                                        httplib::Response& res);
  // The member whose ledger a member's page (statement, payments, budget,
  // reconciliation) shows and changes: `id` (a `member` parameter, the
  // member's id), or the key's own member when it is empty. nullopt after a
  // 400 page when `id` cannot be a member's. A manager acts for any member
  // this way; the API refuses another member's ledger to a finance officer,
  // and that key gets its 403 page.
  std::optional<std::string> LedgerMemberOrErrorPage(httplib::Response& res,
                                                     const SignedIn& signed_in,
                                                     const std::string& id);
  // What a member's page needs to stay with `member` (its links, forms and
  // redirects): member_id (empty for the key's own), member_suffix
  // ("?member=ID" or "") and member_amp ("&member=ID" or ""); and for a
  // manager the member selector (member_choice, member_path: the page it
  // shows). False after an error page when the members cannot be listed.
  bool SetLedgerMember(httplib::Response& res, const SignedIn& signed_in,
                       const std::string& member, const std::string& path,
                       kainjow::mustache::data& d);
  void GetLedger(const httplib::Request& req, httplib::Response& res);
  void GetBalancesCsv(const httplib::Request& req, httplib::Response& res);
  void GetStatement(const httplib::Request& req, httplib::Response& res);
  void GetPayments(const httplib::Request& req, httplib::Response& res);
  void PostPayment(const httplib::Request& req, httplib::Response& res);
  void PostPaymentDecision(const httplib::Request& req, httplib::Response& res);
  void GetSettlement(const httplib::Request& req, httplib::Response& res);
  void GetBudget(const httplib::Request& req, httplib::Response& res);
  void PostBudget(const httplib::Request& req, httplib::Response& res);
  // The budget page of `member` for financial year `year`; when a budget form
  // was refused, `typed` is what the form held and `error` the reason, shown
  // beside the amount.
  void RenderBudgetPage(httplib::Response& res, const SignedIn& signed_in,
                        const std::string& member, const QueryParams& params,
                        int year, int status,
                        const std::optional<std::string>& typed,
                        const absl::Status& error);
  void GetReconcile(const httplib::Request& req, httplib::Response& res);
  void PostReconcile(const httplib::Request& req, httplib::Response& res);
  // A rejection refused as malformed (no reason, or one too long): shown
  // beside that payment's reason field, with what was typed.
  struct RefusedRejection {
    std::string payment;  // its name
    std::string reason;   // as typed
    std::string message;
  };
  // `member`'s payments page with the record form's values and errors (`form`
  // holds the fields as typed; `api_error` the refused record's reason) or
  // a refused rejection; `params` sort and page its table of payments.
  void RenderPaymentsPage(httplib::Response& res, const SignedIn& signed_in,
                          const std::string& member, const QueryParams& params,
                          int status, kainjow::mustache::data form,
                          const absl::Status& api_error,
                          const RefusedRejection* refused = nullptr);

  // The child page for `child` (a name), with `api_error` shown above it
  // when an action on it failed; `params` (the URL's query) sort and page
  // its ranked households.
  void RenderChildPage(httplib::Response& res, const SignedIn& signed_in,
                       const std::string& child, const QueryParams& params,
                       int status, const absl::Status& api_error);
  // The links of a child profile (the request's child set) or a household
  // (its adopter set), for that record's page: `d` gets links_table (each
  // row's other side, the household or the child, as "other") and
  // has_links, or links_error.
  static void SetRecordLinks(RaaClient& client,
                             const v1::ListLinksRequest& request,
                             const QueryParams& params, const std::string& path,
                             kainjow::mustache::data& d);
  void RenderSignIn(httplib::Response& res, int status,
                    const std::string& token, const std::string& key_error);

  const WebOptions options_;
  Templates templates_;
  SessionTable sessions_;
  SignInLimiter limiter_;
  ReasonCatalogCache reasons_;
};

}  // namespace raa::web

#endif  // RAAMATCH_CLIENTS_WEB_WEB_APP_H_
