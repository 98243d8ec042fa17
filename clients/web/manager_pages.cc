// The consortium manager's pages of raa-web (docs/web.md, "Manager pages"):
// members (add, withdraw after seeing the impact, reinstate), API keys
// (issue, with the secret shown once; revoke after a confirmation), the
// matching policy (see and change the weights, and how a child's ranking
// moves with the change) and the three reports (scorecard, waiting,
// forecast) with server-side SVG charts and the CLI's HTML report as a
// download. Each page is a handler here and a template
// templates/manager_*.mustache.
//
// Every page calls the API with the signed-in key: the server decides. A key
// without the manager role gets a 403 page here before any form is shown
// (RequireManager); the server refuses its writes as well.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
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
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "clients/lib/figures.h"
#include "clients/lib/report_html.h"
#include "clients/web/manager_views.h"
#include "clients/web/page_helpers.h"
#include "clients/web/tables.h"
#include "clients/web/views.h"
#include "clients/web/web_app.h"
#include "common/dates.h"
#include "common/enum_names.h"
#include "common/errors.h"

namespace raa::web {
namespace {

using kainjow::mustache::data;

// Route patterns: a member's id (a slug) and a key's id (hex).
constexpr char kMemberId[] = "([a-z][a-z0-9-]*)";
constexpr char kKeyId[] = "([0-9a-f]+)";
// How many of a child's households the ranking comparison shows.
constexpr int kCompareTop = 10;

// "2026-12-02 09:15 UTC"; empty for an unset time.
std::string UtcTimeText(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return "";
  return absl::FormatTime("%Y-%m-%d %H:%M UTC",
                          absl::FromUnixSeconds(t.seconds()),
                          absl::UTCTimeZone());
}

std::string RolesText(const v1::ApiKey& key) {
  std::vector<std::string> roles;
  for (int r : key.roles()) roles.push_back(RoleText(static_cast<v1::Role>(r)));
  return absl::StrJoin(roles, ", ");
}

// Every member, all pages.
absl::StatusOr<std::vector<v1::Authority>> AllMembers(RaaClient& client) {
  std::vector<v1::Authority> all;
  v1::ListAuthoritiesRequest request;
  request.set_page_size(1000);
  do {
    absl::StatusOr<v1::ListAuthoritiesResponse> page =
        client.Call(&v1::RegistryService::Stub::ListAuthorities, request);
    if (!page.ok()) return page.status();
    for (const v1::Authority& a : page->authorities()) all.push_back(a);
    request.set_page_token(page->next_page_token());
  } while (!request.page_token().empty() && all.size() < kMaxListed);
  return all;
}

// Every key the caller may see (`parent` empty for all members).
absl::StatusOr<std::vector<v1::ApiKey>> AllKeys(RaaClient& client,
                                                const std::string& parent) {
  std::vector<v1::ApiKey> all;
  v1::ListApiKeysRequest request;
  request.set_parent(parent);
  request.set_page_size(1000);
  do {
    absl::StatusOr<v1::ListApiKeysResponse> page =
        client.Call(&v1::AccessService::Stub::ListApiKeys, request);
    if (!page.ok()) return page.status();
    for (const v1::ApiKey& k : page->api_keys()) all.push_back(k);
    request.set_page_token(page->next_page_token());
  } while (!request.page_token().empty() && all.size() < kMaxListed);
  return all;
}

// ---- form errors ----

// The policy form's field for a component's weight: "weight-age_fit",
// labelled "age fit".
FormField WeightField(const std::string& component) {
  return {absl::StrCat("weight-", component),
          absl::StrReplaceAll(component, {{"_", " "}})};
}

// ---- charts ----

// The bar of an indicator: its value, its threshold, and whether it misses
// it, in words.
ChartBar IndicatorBar(const std::string& label, const v1::Indicator& i) {
  ChartBar bar;
  bar.label = label;
  if (i.has_value()) {
    bar.value = i.value();
    bar.value_text = FigureText(i.value(), i.unit());
  } else {
    bar.value_text = "no data";
  }
  if (i.has_threshold()) {
    bar.threshold = i.threshold();
    bar.over = i.has_value() && !i.met();
    if (i.has_value()) {
      absl::StrAppend(&bar.value_text, bar.over ? ", over" : ", within",
                      " the threshold of ",
                      FigureText(i.threshold(), i.unit()));
    }
  }
  return bar;
}

// "2023–26" for the window 1 April 2023 to 31 March 2026.
std::string WindowLabel(const google::type::Date& start,
                        const google::type::Date& end) {
  int first = IsUnset(start) ? end.year() - 3 : start.year();
  return absl::StrFormat("%d\u2013%02d", first, end.year() % 100);
}

std::string IdPart(const std::string& text) {
  std::string out;
  for (char c : text) {
    out.push_back(absl::ascii_isalnum(c) ? absl::ascii_tolower(c) : '-');
  }
  return out;
}

// The latest 31 March passed: the default year of `raa report scorecard`.
int DefaultReportYear() {
  absl::CivilDay today = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
  return static_cast<int>(today.month() >= 4 ? today.year() : today.year() - 1);
}

// The title `raa report ... --html` gives its document.
std::string ReportTitle(const std::string& what, const std::string& authority) {
  return absl::StrCat(what, ": ",
                      authority == "authorities/-" ? "the consortium"
                                                   : ShortAuthority(authority));
}

// "sheffield" for authorities/sheffield, "consortium" for authorities/-.
std::string FileNamePart(const std::string& authority) {
  return authority == "authorities/-" ? "consortium"
                                      : IdPart(ShortAuthority(authority));
}

void SendReportHtml(httplib::Response& res, const ReportHtmlInput& input,
                    const std::string& filename) {
  res.status = 200;
  res.set_header("Cache-Control", "no-store");
  res.set_header("Content-Disposition",
                 absl::StrCat("attachment; filename=\"", filename, "\""));
  res.set_content(RenderReportHtml(input), "text/html; charset=utf-8");
}

// ---- ranking comparison ----

// "authorities/a/adopters/h" -> "a/h".
std::string AdopterShort(const std::string& name) {
  std::vector<std::string> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4) return name;
  return absl::StrCat(parts[1], "/", parts[3]);
}

bool IsSlug(absl::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '-') {
      return false;
    }
  }
  return true;
}

// "leeds/c12" or "authorities/leeds/children/c12" -> the child's name.
std::optional<std::string> ChildNameOf(const std::string& text) {
  std::string t(absl::StripAsciiWhitespace(text));
  if (ParseChildName(t).has_value()) return t;
  std::vector<std::string> parts = absl::StrSplit(t, '/');
  if (parts.size() == 2 && IsSlug(parts[0]) && IsSlug(parts[1])) {
    return absl::StrCat("authorities/", parts[0], "/children/", parts[1]);
  }
  return std::nullopt;
}

// The ranking's top as the URL's `b` values: "a/h/score", best first.
std::vector<RankPlace> ParsePlaced(const httplib::Request& req) {
  std::vector<RankPlace> out;
  size_t n = req.get_param_value_count("b");
  for (size_t i = 0; i < n && out.size() < kCompareTop; ++i) {
    std::vector<std::string> parts =
        absl::StrSplit(req.get_param_value("b", i), '/');
    int score = 0;
    if (parts.size() != 3 || !IsSlug(parts[0]) || !IsSlug(parts[1]) ||
        !absl::SimpleAtoi(parts[2], &score)) {
      continue;
    }
    out.push_back(
        {absl::StrCat("authorities/", parts[0], "/adopters/", parts[1]),
         static_cast<int>(out.size()) + 1, score});
  }
  return out;
}

absl::StatusOr<v1::RankAdoptersResponse> TopOf(RaaClient& client,
                                               const std::string& child) {
  v1::RankAdoptersRequest rank;
  rank.set_child(child);
  rank.set_page_size(kCompareTop);
  rank.set_view(v1::RANK_VIEW_BASIC);
  return client.Call(&v1::MatchingService::Stub::RankAdopters, rank);
}

}  // namespace

void WebApp::InstallManagerPages(httplib::Server& server) {
  const std::string member = absl::StrCat("/members/", kMemberId);
  const std::string key = absl::StrCat("/keys/", kKeyId);
  server.Get("/members", Bind(&WebApp::GetMembers));
  server.Get("/members/new", Bind(&WebApp::GetNewMember));
  server.Post("/members", Bind(&WebApp::PostNewMember));
  server.Get(member + "/withdraw", Bind(&WebApp::GetWithdrawMember));
  server.Post(member + "/withdraw", Bind(&WebApp::PostWithdrawMember));
  server.Post(member + "/reinstate", Bind(&WebApp::PostReinstateMember));
  server.Get("/keys", Bind(&WebApp::GetKeys));
  server.Get("/keys/new", Bind(&WebApp::GetNewKey));
  server.Post("/keys", Bind(&WebApp::PostNewKey));
  server.Get(key + "/revoke", Bind(&WebApp::GetRevokeKey));
  server.Post(key + "/revoke", Bind(&WebApp::PostRevokeKey));
  server.Get("/policy", Bind(&WebApp::GetPolicy));
  server.Post("/policy", Bind(&WebApp::PostPolicy));
  server.Get("/policy/change", Bind(&WebApp::GetPolicyChange));
  server.Get("/reports/scorecard", Bind(&WebApp::GetScorecardReport));
  server.Get("/reports/scorecard.html", Bind(&WebApp::GetScorecardReport));
  server.Get("/reports/waiting", Bind(&WebApp::GetWaitingReport));
  server.Get("/reports/waiting.html", Bind(&WebApp::GetWaitingReport));
  server.Get("/reports/forecast", Bind(&WebApp::GetForecastReport));
  server.Get("/reports/forecast.html", Bind(&WebApp::GetForecastReport));
}

std::optional<WebApp::SignedIn> WebApp::RequireManager(
    const httplib::Request& req, httplib::Response& res) {
  return RequireRole(req, res, {v1::ROLE_MANAGER},
                     "These pages are the consortium manager's: members, "
                     "keys, the matching policy and the reports.");
}

// ---- members ----

void WebApp::GetMembers(const httplib::Request& req, httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireManager(req, res);
  if (!signed_in.has_value()) return;
  std::optional<std::vector<v1::Authority>> members =
      MembersOrErrorPage(res, *signed_in);
  if (!members.has_value()) return;
  Table table({{.key = "name", .label = "Member"},
               {.key = "id", .label = "ID"},
               {.key = "kind", .label = "Kind"},
               {.key = "region", .label = "Region"},
               {.key = "status", .label = "Status"},
               {.key = "joined", .label = "Joined"},
               {.key = "action", .label = "Action", .sortable = false}},
              {.default_sort = "name"});
  for (const v1::Authority& a : *members) {
    const std::string id = ShortAuthority(a.name());
    const bool active = a.status() == v1::AUTHORITY_STATUS_ACTIVE;
    data row;
    row.set("name", a.display_name());
    row.set("id", id);
    row.set("kind", EnumValueWords(v1::AuthorityKind_descriptor(), a.kind()));
    row.set("region", a.region());
    row.set("london", a.london_weighting());
    std::string status =
        EnumValueWords(v1::AuthorityStatus_descriptor(), a.status());
    if (!active && !IsUnset(a.withdrawn_on())) {
      absl::StrAppend(&status, " on ", FormatDate(a.withdrawn_on()));
    }
    if (active && !IsUnset(a.rejoined_on())) {
      absl::StrAppend(&status, " (rejoined ", FormatDate(a.rejoined_on()), ")");
    }
    row.set("status", status);
    row.set("joined", FormatDate(a.joined_on()));
    row.set("active", active);
    // A member cannot withdraw itself with its own key (the API refuses):
    // the manager's own member offers no Withdraw.
    row.set("own", a.name() == signed_in->session.authority);
    row.set("withdraw_href", absl::StrCat("/members/", id, "/withdraw"));
    row.set("reinstate_action", absl::StrCat("/members/", id, "/reinstate"));
    row.set("request_id", NewRequestId());
    table.AddRow(row, {a.display_name(), id,
                       EnumValueWords(v1::AuthorityKind_descriptor(), a.kind()),
                       a.region(), status, FormatDate(a.joined_on())});
  }
  data d = LayoutData("Members", &*signed_in);
  d.set("members_table", table.Render(req.params, "/members"));
  RenderPage(res, 200, "manager_members", d);
}

void WebApp::GetNewMember(const httplib::Request& req, httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireManager(req, res);
  if (!signed_in.has_value()) return;
  if (!RequireLiveKey(res, *signed_in)) return;
  data form;
  form.set("kind", "AUTHORITY_KIND_LOCAL_AUTHORITY");
  RenderNewMember(res, *signed_in, 200, form, absl::OkStatus());
}

void WebApp::RenderNewMember(httplib::Response& res, const SignedIn& signed_in,
                             int status, data form,
                             const absl::Status& api_error) {
  data d = LayoutData("Add a member", &signed_in);
  const data* chosen = form.get("kind");
  const std::string kind =
      chosen != nullptr && chosen->is_string() ? chosen->string_value() : "";
  data kinds = List();
  for (v1::AuthorityKind k : {v1::AUTHORITY_KIND_LOCAL_AUTHORITY,
                              v1::AUTHORITY_KIND_VOLUNTARY_ADOPTION_AGENCY,
                              v1::AUTHORITY_KIND_REGIONAL_ADOPTION_AGENCY}) {
    data option;
    option.set("value", v1::AuthorityKind_Name(k));
    std::string words = EnumValueWords(v1::AuthorityKind_descriptor(), k);
    words[0] = absl::ascii_toupper(words[0]);
    option.set("text", words);
    // The first radio carries the group's id, for the error summary's link.
    option.set("id",
               kinds.is_empty_list()
                   ? std::string("kind")
                   : absl::StrCat("kind-", IdPart(v1::AuthorityKind_Name(k))));
    if (v1::AuthorityKind_Name(k) == kind) option.set("checked", true);
    kinds.push_back(option);
  }
  form.set("kinds", kinds);
  if (!form.get("request_id")) form.set("request_id", NewRequestId());
  if (!api_error.ok()) {
    // 'authority "x" already exists' is the id's problem: beside the id
    // (not a request_id reused for another request, also ALREADY_EXISTS).
    const bool id_taken = absl::IsAlreadyExists(api_error) &&
                          ViolationsOf(api_error).empty() &&
                          absl::StartsWith(api_error.message(), "authority \"");
    // A second regional adoption agency is the kind's problem: beside it.
    const bool second_hub =
        absl::IsFailedPrecondition(api_error) &&
        ViolationsOf(api_error).empty() &&
        absl::StrContains(api_error.message(),
                          "cannot be of kind REGIONAL_ADOPTION_AGENCY");
    const absl::Status shown =
        id_taken     ? InvalidField("authority_id", api_error.message())
        : second_hub ? InvalidField("authority.kind", api_error.message())
                     : api_error;
    const FormField id{"authority_id", "Member ID"};
    SetFormErrors(
        d, shown,
        FieldsByPath({{"authority_id", id},
                      {"authority.display_name", {"display_name", "Name"}},
                      {"authority.kind", {"kind", "Kind of member"}},
                      {"authority.region", {"region", "Region"}},
                      {"authority.london_weighting",
                       {"london_weighting", "An agency in London"}},
                      {"authority.joined_on", {"joined_on", "Joined on"}}}),
        id);
  }
  d.set("form", form);
  RenderPage(res, status, "manager_member_new", d);
}

void WebApp::PostNewMember(const httplib::Request& req,
                           httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireManager(req, res);
  if (!signed_in.has_value()) return;
  if (!CheckCsrf(req, res, *signed_in)) return;
  data form;
  for (const char* field :
       {"authority_id", "display_name", "kind", "region", "joined_on"}) {
    form.set(field, Param(req, field));
  }
  form.set("london_weighting", Param(req, "london_weighting") == "yes");
  const std::string request_id = RequestIdOf(req);
  form.set("request_id", request_id);
  v1::CreateAuthorityRequest request;
  request.set_authority_id(Param(req, "authority_id"));
  request.set_request_id(request_id);
  v1::Authority* a = request.mutable_authority();
  a->set_display_name(Param(req, "display_name"));
  a->set_region(Param(req, "region"));
  a->set_london_weighting(Param(req, "london_weighting") == "yes");
  FieldErrors errors;
  v1::AuthorityKind kind = v1::AUTHORITY_KIND_UNSPECIFIED;
  if (!Param(req, "kind").empty() &&
      !v1::AuthorityKind_Parse(Param(req, "kind"), &kind)) {
    errors.Add("authority.kind", "choose what kind of member it is");
  }
  a->set_kind(kind);
  const std::string joined = Param(req, "joined_on");
  if (!joined.empty()) {
    std::optional<google::type::Date> date = ParseDate(joined);
    if (!date.has_value()) {
      errors.Add("authority.joined_on", "must be a date YYYY-MM-DD");
    } else {
      *a->mutable_joined_on() = *date;
    }
  }
  absl::Status status = errors.ToStatus();
  if (status.ok()) {
    absl::StatusOr<v1::Authority> created = signed_in->session.client->Call(
        &v1::RegistryService::Stub::CreateAuthority, request);
    if (created.ok()) {
      sessions_.SetFlash(signed_in->id,
                         absl::StrCat("Member ", MemberLabel(*created),
                                      " added. Issue it a key next."));
      Redirect(res, "/members");
      return;
    }
    status = created.status();
    if (ResendPageIfUnknown(req, res, *signed_in, status,
                            request.request_id())) {
      return;
    }
  }
  if (HttpStatusOf(status) != 400 && HttpStatusOf(status) != 409) {
    ApiErrorPage(res, status, &*signed_in);
    return;
  }
  RenderNewMember(res, *signed_in, HttpStatusOf(status), form, status);
}

void WebApp::GetWithdrawMember(const httplib::Request& req,
                               httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireManager(req, res);
  if (!signed_in.has_value()) return;
  // The API refuses a member withdrawing itself with its own key: say so
  // before showing a form that could only be refused.
  if (absl::StrCat("authorities/", req.matches[1].str()) ==
      signed_in->session.authority) {
    ErrorPage(res, 409, "Your own member cannot be withdrawn here",
              "A member cannot withdraw itself with its own key.", &*signed_in);
    return;
  }
  data form;
  RenderWithdrawMember(res, *signed_in, req.matches[1].str(), 200, form,
                       absl::OkStatus());
}

void WebApp::RenderWithdrawMember(httplib::Response& res,
                                  const SignedIn& signed_in,
                                  const std::string& id, int status, data form,
                                  const absl::Status& api_error) {
  v1::GetWithdrawalImpactRequest request;
  request.set_name(absl::StrCat("authorities/", id));
  absl::StatusOr<v1::WithdrawalImpact> impact = signed_in.session.client->Call(
      &v1::RegistryService::Stub::GetWithdrawalImpact, request);
  if (!impact.ok()) {
    ApiErrorPage(res, impact.status(), &signed_in);
    return;
  }
  const std::string name =
      impact->display_name().empty() ? id : impact->display_name();
  data d = LayoutData(absl::StrCat("Withdraw ", name), &signed_in);
  d.set("member_name", name);
  d.set("id", id);
  d.set("action", absl::StrCat("/members/", id, "/withdraw"));
  d.set("active", impact->status() == v1::AUTHORITY_STATUS_ACTIVE);
  data facts = List();
  auto fact = [&facts](const std::string& key, int32_t value,
                       const std::string& note) {
    data f;
    f.set("key", key);
    f.set("value", absl::StrCat(value));
    if (!note.empty()) f.set("note", note);  // an empty string is "true"
    facts.push_back(f);
  };
  fact("Child profiles leaving matching", impact->child_profiles_in_matching(),
       absl::StrCat(impact->children_in_matching(), " children in them"));
  fact("Households leaving matching", impact->households_in_matching(), "");
  fact("Open links", impact->open_links(), "");
  fact("Keys that become read-only", impact->active_keys(),
       "they may then only read the member's own records");
  fact("Other child profiles, kept as history", impact->other_child_profiles(),
       "");
  fact("Other households, kept as history", impact->other_households(), "");
  d.set("facts", facts);
  if (!form.get("request_id")) form.set("request_id", NewRequestId());
  if (!api_error.ok()) {
    const FormField withdrawn_on{"withdrawn_on", "Membership ends on"};
    SetFormErrors(d, api_error, FieldsByPath({{"withdrawn_on", withdrawn_on}}),
                  withdrawn_on);
  }
  d.set("form", form);
  RenderPage(res, status, "manager_member_withdraw", d);
}

void WebApp::PostWithdrawMember(const httplib::Request& req,
                                httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireManager(req, res);
  if (!signed_in.has_value()) return;
  if (!CheckCsrf(req, res, *signed_in)) return;
  const std::string id = req.matches[1].str();
  data form;
  form.set("withdrawn_on", Param(req, "withdrawn_on"));
  const std::string request_id = RequestIdOf(req);
  form.set("request_id", request_id);
  v1::WithdrawAuthorityRequest request;
  request.set_name(absl::StrCat("authorities/", id));
  request.set_request_id(request_id);
  absl::Status status;
  const std::string on = Param(req, "withdrawn_on");
  if (!on.empty()) {
    std::optional<google::type::Date> date = ParseDate(on);
    if (!date.has_value()) {
      status = InvalidField("withdrawn_on", "must be a date YYYY-MM-DD");
    } else {
      *request.mutable_withdrawn_on() = *date;
    }
  }
  if (status.ok()) {
    absl::StatusOr<v1::Authority> withdrawn = signed_in->session.client->Call(
        &v1::RegistryService::Stub::WithdrawAuthority, request);
    if (withdrawn.ok()) {
      sessions_.SetFlash(
          signed_in->id,
          absl::StrCat("Member ", MemberLabel(*withdrawn), " withdrawn on ",
                       FormatDate(withdrawn->withdrawn_on()),
                       ": its records have left matching"));
      Redirect(res, "/members");
      return;
    }
    status = withdrawn.status();
    if (ResendPageIfUnknown(req, res, *signed_in, status,
                            request.request_id())) {
      return;
    }
  }
  if (HttpStatusOf(status) != 400 && HttpStatusOf(status) != 409) {
    ApiErrorPage(res, status, &*signed_in);
    return;
  }
  RenderWithdrawMember(res, *signed_in, id, HttpStatusOf(status), form, status);
}

void WebApp::PostReinstateMember(const httplib::Request& req,
                                 httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireManager(req, res);
  if (!signed_in.has_value()) return;
  if (!CheckCsrf(req, res, *signed_in)) return;
  v1::ReinstateAuthorityRequest request;
  request.set_name(absl::StrCat("authorities/", req.matches[1].str()));
  request.set_request_id(RequestIdOf(req));
  absl::StatusOr<v1::Authority> member = signed_in->session.client->Call(
      &v1::RegistryService::Stub::ReinstateAuthority, request);
  if (!member.ok()) {
    WriteErrorPage(req, res, *signed_in, member.status(), request.request_id());
    return;
  }
  sessions_.SetFlash(signed_in->id,
                     absl::StrCat("Member ", MemberLabel(*member),
                                  " reinstated: its records are back in "
                                  "matching as they were"));
  Redirect(res, "/members");
}

// ---- keys ----

void WebApp::GetKeys(const httplib::Request& req, httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireManager(req, res);
  if (!signed_in.has_value()) return;
  RaaClient& client = *signed_in->session.client;
  const std::string member = Param(req, "member");
  if (!member.empty() && !IsSlug(member)) {
    ErrorPage(res, 400, "That member was not accepted",
              "Choose a member from the list.", &*signed_in);
    return;
  }
  absl::StatusOr<std::vector<v1::ApiKey>> keys = AllKeys(
      client, member.empty() ? "" : absl::StrCat("authorities/", member));
  if (!keys.ok()) {
    ApiErrorPage(res, keys.status(), &*signed_in);
    return;
  }
  std::optional<std::vector<v1::Authority>> members =
      MembersOrErrorPage(res, *signed_in);
  if (!members.has_value()) return;
  Table table({{.key = "key", .label = "Key"},
               {.key = "member", .label = "Member"},
               {.key = "roles", .label = "Roles"},
               {.key = "label", .label = "Label"},
               {.key = "created", .label = "Issued"},
               {.key = "state", .label = "State"},
               {.key = "action", .label = "Action", .sortable = false}},
              {.default_sort = "created", .default_descending = true});
  for (const v1::ApiKey& k : *keys) {
    const std::string id(absl::StripPrefix(k.name(), "apiKeys/"));
    const bool revoked = k.has_revoke_time();
    data row;
    row.set("key", id);
    row.set("member", ShortAuthority(k.authority()));
    row.set("roles", RolesText(k));
    row.set("label", k.display_name());
    row.set("created", UtcTimeText(k.create_time()));
    std::string state =
        revoked ? absl::StrCat("revoked ", UtcTimeText(k.revoke_time()))
                : std::string("active");
    row.set("state", state);
    row.set("active", !revoked);
    row.set("revoke_href", absl::StrCat("/keys/", id, "/revoke"));
    table.AddRow(
        row, {id, ShortAuthority(k.authority()), RolesText(k), k.display_name(),
              static_cast<int64_t>(k.create_time().seconds()), state});
  }
  data d = LayoutData("API keys", &*signed_in);
  data options = List();
  for (const v1::Authority& a : *members) {
    data option;
    option.set("value", ShortAuthority(a.name()));
    option.set("text", MemberLabel(a));
    if (ShortAuthority(a.name()) == member) option.set("selected", true);
    options.push_back(option);
  }
  d.set("members", options);
  d.set("keys_table", table.Render(req.params, "/keys"));
  RenderPage(res, 200, "manager_keys", d);
}

void WebApp::GetNewKey(const httplib::Request& req, httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireManager(req, res);
  if (!signed_in.has_value()) return;
  data form;
  form.set("member", Param(req, "member"));
  RenderNewKey(res, *signed_in, 200, form, absl::OkStatus());
}

void WebApp::RenderNewKey(httplib::Response& res, const SignedIn& signed_in,
                          int status, data form,
                          const absl::Status& api_error) {
  std::optional<std::vector<v1::Authority>> members =
      MembersOrErrorPage(res, signed_in);
  if (!members.has_value()) return;
  data d = LayoutData("Issue a key", &signed_in);
  const data* chosen = form.get("member");
  const std::string member =
      chosen != nullptr && chosen->is_string() ? chosen->string_value() : "";
  data options = List();
  for (const v1::Authority& a : *members) {
    if (a.status() != v1::AUTHORITY_STATUS_ACTIVE) continue;
    data option;
    option.set("value", ShortAuthority(a.name()));
    option.set("text", MemberLabel(a));
    if (ShortAuthority(a.name()) == member) option.set("selected", true);
    options.push_back(option);
  }
  form.set("members", options);
  data roles = List();
  bool first = true;
  for (v1::Role role : {v1::ROLE_REGISTRAR, v1::ROLE_FAMILY_FINDER,
                        v1::ROLE_FINANCE, v1::ROLE_MANAGER}) {
    data r;
    const std::string value = v1::Role_Name(role);
    r.set("value", value);
    r.set("text", RoleText(role));
    r.set("id",
          first ? std::string("roles") : absl::StrCat("roles-", IdPart(value)));
    first = false;
    const data* checked = form.get(absl::StrCat("role_", value));
    if (checked != nullptr && checked->is_true()) r.set("checked", true);
    roles.push_back(r);
  }
  form.set("roles", roles);
  if (!form.get("request_id")) form.set("request_id", NewRequestId());
  if (!api_error.ok()) {
    const FormField member{"member", "Member"};
    SetFormErrors(
        d, api_error,
        FieldsByPath({{"api_key.authority", member},
                      {"api_key.roles", {"roles", "Roles"}},
                      {"api_key.display_name", {"display_name", "Label"}}}),
        member);
  }
  d.set("form", form);
  RenderPage(res, status, "manager_key_new", d);
}

void WebApp::PostNewKey(const httplib::Request& req, httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireManager(req, res);
  if (!signed_in.has_value()) return;
  if (!CheckCsrf(req, res, *signed_in)) return;
  data form;
  form.set("member", Param(req, "member"));
  form.set("display_name", Param(req, "display_name"));
  const std::string request_id = RequestIdOf(req);
  form.set("request_id", request_id);
  v1::CreateApiKeyRequest request;
  request.set_request_id(request_id);
  v1::ApiKey* key = request.mutable_api_key();
  const std::string member = Param(req, "member");
  if (!member.empty()) key->set_authority(absl::StrCat("authorities/", member));
  key->set_display_name(Param(req, "display_name"));
  FieldErrors errors;
  for (size_t i = 0; i < req.get_param_value_count("roles"); ++i) {
    const std::string value = req.get_param_value("roles", i);
    v1::Role role = v1::ROLE_UNSPECIFIED;
    if (!v1::Role_Parse(value, &role) || role == v1::ROLE_UNSPECIFIED) {
      errors.Add("api_key.roles", "choose roles from the list");
      continue;
    }
    key->add_roles(role);
    form.set(absl::StrCat("role_", value), true);
  }
  absl::Status status = errors.ToStatus();
  if (status.ok()) {
    absl::StatusOr<v1::CreateApiKeyResponse> created =
        signed_in->session.client->Call(&v1::AccessService::Stub::CreateApiKey,
                                        request);
    if (created.ok()) {
      // The secret is on this page only: the console keeps no copy, and
      // the page is not stored (Cache-Control: no-store, as every page).
      const v1::ApiKey& k = created->api_key();
      data d = LayoutData("Key issued", &*signed_in);
      d.set("key_id", std::string(absl::StripPrefix(k.name(), "apiKeys/")));
      d.set("member", ShortAuthority(k.authority()));
      d.set("roles", RolesText(k));
      d.set("label", k.display_name());
      d.set("secret", created->secret());
      d.set("has_secret", !created->secret().empty());
      RenderPage(res, 200, "manager_key_issued", d);
      return;
    }
    status = created.status();
    if (ResendPageIfUnknown(req, res, *signed_in, status,
                            request.request_id())) {
      return;
    }
  }
  if (HttpStatusOf(status) != 400 && HttpStatusOf(status) != 409) {
    ApiErrorPage(res, status, &*signed_in);
    return;
  }
  RenderNewKey(res, *signed_in, HttpStatusOf(status), form, status);
}

void WebApp::GetRevokeKey(const httplib::Request& req, httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireManager(req, res);
  if (!signed_in.has_value()) return;
  const std::string id = req.matches[1].str();
  absl::StatusOr<std::vector<v1::ApiKey>> keys =
      AllKeys(*signed_in->session.client, "");
  if (!keys.ok()) {
    ApiErrorPage(res, keys.status(), &*signed_in);
    return;
  }
  const std::string name = absl::StrCat("apiKeys/", id);
  auto it = std::find_if(keys->begin(), keys->end(),
                         [&](const v1::ApiKey& k) { return k.name() == name; });
  if (it == keys->end()) {
    ErrorPage(res, 404, "Not found", absl::StrCat("There is no key ", id, "."),
              &*signed_in);
    return;
  }
  data d = LayoutData(absl::StrCat("Revoke key ", id), &*signed_in);
  d.set("key_id", id);
  d.set("member", ShortAuthority(it->authority()));
  d.set("roles", RolesText(*it));
  d.set("label", it->display_name());
  d.set("created", UtcTimeText(it->create_time()));
  d.set("revoked", it->has_revoke_time());
  d.set("revoked_at", UtcTimeText(it->revoke_time()));
  d.set("own",
        name == absl::StrCat("apiKeys/", KeyIdOf(signed_in->session.key)));
  d.set("action", absl::StrCat("/keys/", id, "/revoke"));
  d.set("request_id", NewRequestId());
  RenderPage(res, 200, "manager_key_revoke", d);
}

void WebApp::PostRevokeKey(const httplib::Request& req,
                           httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireManager(req, res);
  if (!signed_in.has_value()) return;
  if (!CheckCsrf(req, res, *signed_in)) return;
  const std::string id = req.matches[1].str();
  v1::RevokeApiKeyRequest request;
  request.set_name(absl::StrCat("apiKeys/", id));
  request.set_request_id(RequestIdOf(req));
  absl::StatusOr<v1::ApiKey> key = signed_in->session.client->Call(
      &v1::AccessService::Stub::RevokeApiKey, request);
  if (!key.ok()) {
    WriteErrorPage(req, res, *signed_in, key.status(), request.request_id());
    return;
  }
  sessions_.SetFlash(
      signed_in->id,
      absl::StrCat("Key ", id, " of ", ShortAuthority(key->authority()),
                   " revoked: it stopped working at once"));
  Redirect(res, "/keys");
}

// ---- matching policy ----

void WebApp::GetPolicy(const httplib::Request& req, httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireManager(req, res);
  if (!signed_in.has_value()) return;
  RenderPolicy(res, *signed_in, 200, req, absl::OkStatus());
}

// The policy page: the policy in force and the form, holding what `req`
// carried (a POST that failed) or the policy's own values.
void WebApp::RenderPolicy(httplib::Response& res, const SignedIn& signed_in,
                          int status, const httplib::Request& req,
                          const absl::Status& api_error) {
  absl::StatusOr<v1::MatchingPolicy> policy = signed_in.session.client->Call(
      &v1::MatchingService::Stub::GetMatchingPolicy,
      v1::GetMatchingPolicyRequest());
  if (!policy.ok()) {
    ApiErrorPage(res, policy.status(), &signed_in);
    return;
  }
  const bool posted = req.method == "POST";
  data d = LayoutData("Matching policy", &signed_in);
  d.set("policy_version", absl::StrCat(policy->version()));
  d.set("updated_by", policy->updated_by());
  if (policy->has_update_time()) {
    d.set("update_time", UtcTimeText(policy->update_time()));
  }
  int total = 0;
  for (const v1::ComponentWeight& w : policy->weights()) total += w.weight();
  std::map<std::string, std::string> errors_by_field;
  if (!api_error.ok()) {
    // The request listed the weights in the policy's order: weights[i] is
    // the policy's i-th component.
    errors_by_field = SetFormErrors(
        d, api_error,
        [&policy](const std::string& field) -> FormField {
          if (field == "policy.max_open_links") {
            return {"max_open_links", "Most open links per household"};
          }
          if (field == "policy.max_open_links_per_child") {
            return {"max_open_links_per_child",
                    "Most open links per child profile"};
          }
          if (field == "child") return {"child", "Child profile to compare"};
          // "policy.weights[2].weight" -> the third component's field.
          absl::string_view f = field;
          int i = -1;
          if (absl::ConsumePrefix(&f, "policy.weights[") &&
              absl::SimpleAtoi(f.substr(0, f.find(']')), &i) && i >= 0 &&
              i < policy->weights_size()) {
            return WeightField(policy->weights(i).component());
          }
          return {};
        },
        policy->weights_size() > 0
            ? WeightField(policy->weights(0).component())
            : FormField{"max_open_links", "Most open links per household"});
  }
  data weights = List();
  for (const v1::ComponentWeight& w : policy->weights()) {
    const FormField field = WeightField(w.component());
    const std::string& id = field.id;
    data row;
    row.set("id", id);
    row.set("name", field.label);
    row.set("weight", absl::StrCat(w.weight()));
    row.set("share",
            total > 0
                ? absl::StrCat((w.weight() * 100 + total / 2) / total, "%")
                : std::string("0%"));
    row.set("value",
            posted ? Param(req, id.c_str()) : absl::StrCat(w.weight()));
    auto error = errors_by_field.find(id);
    row.set("has_error", error != errors_by_field.end());
    row.set("error", error != errors_by_field.end() ? error->second : "");
    weights.push_back(row);
  }
  d.set("weights", weights);
  d.set("max_open_links", absl::StrCat(policy->max_open_links()));
  d.set("max_open_links_per_child",
        absl::StrCat(policy->max_open_links_per_child()));
  data form;
  form.set("max_open_links", posted ? Param(req, "max_open_links")
                                    : absl::StrCat(policy->max_open_links()));
  form.set("max_open_links_per_child",
           posted ? Param(req, "max_open_links_per_child")
                  : absl::StrCat(policy->max_open_links_per_child()));
  form.set("child", Param(req, "child"));
  form.set("request_id", posted ? RequestIdOf(req) : NewRequestId());
  d.set("form", form);
  // GET /policy?child=sheffield/c12: that child's top households under the
  // policy in force, to compare with after a change.
  const std::string preview = Param(req, "child");
  if (!posted && !preview.empty()) {
    data p;
    p.set("child", preview);
    std::optional<std::string> child = ChildNameOf(preview);
    absl::StatusOr<v1::RankAdoptersResponse> top =
        child.has_value()
            ? TopOf(*signed_in.session.client, *child)
            : absl::StatusOr<v1::RankAdoptersResponse>(
                  absl::InvalidArgumentError(
                      "Give the child profile as member/profile, for example "
                      "sheffield/c12."));
    if (!top.ok()) {
      p.set("preview_error", UserMessageOf(top.status()));
    } else {
      Table table({{.key = "rank", .label = "Rank", .numeric = true},
                   {.key = "household", .label = "Household"},
                   {.key = "score", .label = "Score", .numeric = true}},
                  {.prefix = "p"});
      int rank = 0;
      for (const v1::RankedAdopter& a : top->adopters()) {
        data row;
        row.set("rank", absl::StrCat(++rank));
        row.set("household", AdopterShort(a.adopter()));
        row.set("score", absl::StrCat(a.score()));
        table.AddRow(row, {int64_t{rank}, AdopterShort(a.adopter()),
                           int64_t{a.score()}});
      }
      p.set("ranked_version", absl::StrCat(top->policy_version()));
      p.set("ranking_table", table.Render(req.params, "/policy"));
    }
    d.set("preview", p);
  }
  RenderPage(res, status, "manager_policy", d);
}

void WebApp::PostPolicy(const httplib::Request& req, httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireManager(req, res);
  if (!signed_in.has_value()) return;
  if (!CheckCsrf(req, res, *signed_in)) return;
  RaaClient& client = *signed_in->session.client;
  absl::StatusOr<v1::MatchingPolicy> current =
      client.Call(&v1::MatchingService::Stub::GetMatchingPolicy,
                  v1::GetMatchingPolicyRequest());
  if (!current.ok()) {
    ApiErrorPage(res, current.status(), &*signed_in);
    return;
  }
  v1::UpdateMatchingPolicyRequest request;
  request.set_request_id(RequestIdOf(req));
  FieldErrors errors;
  // The weights in the policy's order, so the API's policy.weights[i] is
  // the form's i-th field.
  for (int i = 0; i < current->weights_size(); ++i) {
    const std::string& component = current->weights(i).component();
    const std::string text(absl::StripAsciiWhitespace(
        Param(req, absl::StrCat("weight-", component).c_str())));
    int weight = 0;
    // The ranges are checked here too, so that every problem is told at
    // once (the API checks them again).
    if (!absl::SimpleAtoi(text, &weight)) {
      errors.Add(absl::StrCat("policy.weights[", i, "].weight"),
                 "must be a whole number from 0 to 100");
    } else if (weight < 0 || weight > 100) {
      errors.Add(absl::StrCat("policy.weights[", i, "].weight"),
                 absl::StrCat(weight, " is outside 0-100"));
    }
    v1::ComponentWeight* w = request.mutable_policy()->add_weights();
    w->set_component(component);
    w->set_weight(weight);
  }
  for (const auto& [field, most] :
       {std::pair<const char*, int>{"max_open_links", 20},
        std::pair<const char*, int>{"max_open_links_per_child", 10}}) {
    const std::string text(absl::StripAsciiWhitespace(Param(req, field)));
    int value = 0;
    // The API reads 0 as "keep the limit": the form, which always shows
    // the limit, asks for one (stop 41's probe saved 0 and was told
    // "saved" while nothing changed). Above the range the API says so.
    if (text.empty()) {
      errors.Add(absl::StrCat("policy.", field),
                 absl::StrCat("is required: a whole number from 1 to ", most));
    } else if (!absl::SimpleAtoi(text, &value)) {
      errors.Add(absl::StrCat("policy.", field),
                 absl::StrCat("must be a whole number from 1 to ", most));
    } else if (value < 1 || value > most) {
      errors.Add(absl::StrCat("policy.", field),
                 absl::StrCat(value, " is outside 1-", most));
    }
    if (std::string(field) == "max_open_links") {
      request.mutable_policy()->set_max_open_links(value);
    } else {
      request.mutable_policy()->set_max_open_links_per_child(value);
    }
  }
  // The child whose ranking to compare: its top households before the
  // change (the API has no preview, so the page ranks it before saving and
  // again after).
  std::optional<std::string> child;
  absl::StatusOr<v1::RankAdoptersResponse> before;
  const std::string child_text = Param(req, "child");
  if (!child_text.empty()) {
    child = ChildNameOf(child_text);
    if (!child.has_value()) {
      errors.Add("child",
                 "give the child profile as member/profile, for example "
                 "sheffield/c12");
    }
  }
  absl::Status status = errors.ToStatus();
  if (status.ok() && child.has_value()) {
    before = TopOf(client, *child);
    if (!before.ok()) {
      status = InvalidField("child", UserMessageOf(before.status()));
    }
  }
  if (status.ok()) {
    absl::StatusOr<v1::MatchingPolicy> updated =
        client.Call(&v1::MatchingService::Stub::UpdateMatchingPolicy, request);
    if (updated.ok()) {
      sessions_.SetFlash(signed_in->id,
                         absl::StrCat("Matching policy version ",
                                      updated->version(), " saved"));
      if (!child.has_value()) {
        Redirect(res, "/policy");
        return;
      }
      QueryParams query = {{"child", ParseChildName(*child)->authority + "/" +
                                         ParseChildName(*child)->child},
                           {"from", absl::StrCat(before->policy_version())},
                           {"to", absl::StrCat(updated->version())}};
      for (const v1::RankedAdopter& a : before->adopters()) {
        query.insert(
            {"b", absl::StrCat(AdopterShort(a.adopter()), "/", a.score())});
      }
      Redirect(res, UrlWith("/policy/change", query, {}));
      return;
    }
    status = updated.status();
    if (ResendPageIfUnknown(req, res, *signed_in, status,
                            request.request_id())) {
      return;
    }
  }
  if (HttpStatusOf(status) != 400) {
    ApiErrorPage(res, status, &*signed_in);
    return;
  }
  RenderPolicy(res, *signed_in, 400, req, status);
}

void WebApp::GetPolicyChange(const httplib::Request& req,
                             httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireManager(req, res);
  if (!signed_in.has_value()) return;
  std::optional<std::string> child = ChildNameOf(Param(req, "child"));
  if (!child.has_value()) {
    ErrorPage(res, 400, "That child profile was not accepted",
              "The address does not name a child profile.", &*signed_in);
    return;
  }
  absl::StatusOr<v1::RankAdoptersResponse> after =
      TopOf(*signed_in->session.client, *child);
  if (!after.ok()) {
    ApiErrorPage(res, after.status(), &*signed_in);
    return;
  }
  std::vector<RankPlace> before = ParsePlaced(req);
  std::vector<RankPlace> now;
  for (const v1::RankedAdopter& a : after->adopters()) {
    now.push_back({a.adopter(), static_cast<int>(now.size()) + 1, a.score()});
  }
  Table table(
      {{.key = "household", .label = "Household"},
       {.key = "rank_before", .label = "Rank before", .numeric = true},
       {.key = "score_before", .label = "Score before", .numeric = true},
       {.key = "rank_after", .label = "Rank after", .numeric = true},
       {.key = "score_after", .label = "Score after", .numeric = true},
       {.key = "movement", .label = "Movement", .numeric = true}});
  int moved = 0;
  for (const RankMove& m : CompareRankings(before, now, kCompareTop)) {
    const std::optional<RankPlace>& b = m.before;
    const std::optional<RankPlace>& a = m.after;
    data row;
    row.set("household", AdopterShort(m.household));
    row.set("rank_before", b ? absl::StrCat(b->rank) : "-");
    row.set("score_before", b ? absl::StrCat(b->score) : "-");
    row.set("rank_after", a ? absl::StrCat(a->rank) : "-");
    row.set("score_after", a ? absl::StrCat(a->score) : "-");
    row.set("movement", m.movement);
    row.set("up", m.places > 0);
    row.set("down", m.places < 0);
    if (m.places != 0) ++moved;
    std::vector<SortKey> keys;
    keys.emplace_back(std::in_place_type<std::string>,
                      AdopterShort(m.household));
    for (const std::optional<RankPlace>* p : {&b, &a}) {
      if (p->has_value()) {
        keys.emplace_back(std::in_place_type<int64_t>, (*p)->rank);
        keys.emplace_back(std::in_place_type<int64_t>, (*p)->score);
      } else {
        keys.emplace_back();
        keys.emplace_back();
      }
    }
    keys.emplace_back(std::in_place_type<int64_t>, m.places);
    table.AddRow(row, std::move(keys));
  }
  std::optional<ChildRef> ref = ParseChildName(*child);
  data d = LayoutData("How the ranking changed", &*signed_in);
  d.set("child", absl::StrCat(ref->authority, "/", ref->child));
  d.set("child_href", ChildPath(*ref));
  d.set("from", Param(req, "from"));
  d.set("to", Param(req, "to"));
  d.set("now_version", absl::StrCat(after->policy_version()));
  d.set("changed_since",
        absl::StrCat(after->policy_version()) != Param(req, "to"));
  d.set("summary",
        moved == 0
            ? std::string("No household moved.")
            : absl::StrCat(moved, moved == 1 ? " household" : " households",
                           " moved."));
  d.set("changes_table", table.Render(req.params, "/policy/change"));
  RenderPage(res, 200, "manager_policy_change", d);
}

// ---- reports ----

namespace {

// The report form's member choice: "-" (the consortium) or a member id.
// nullopt if it is neither.
std::optional<std::string> ReportAuthority(const httplib::Request& req) {
  std::string a = Param(req, "authority");
  if (a.empty() || a == "-") return std::string("authorities/-");
  if (!IsSlug(a)) return std::nullopt;
  return absl::StrCat("authorities/", a);
}

data MemberOptions(const std::vector<v1::Authority>& members,
                   const std::string& chosen) {
  data options = List();
  data all;
  all.set("value", "-");
  all.set("text", "The whole consortium");
  if (chosen == "authorities/-") all.set("selected", true);
  options.push_back(all);
  for (const v1::Authority& a : members) {
    // The hub has no figures of its own: the consortium's are above.
    if (a.kind() == v1::AUTHORITY_KIND_REGIONAL_ADOPTION_AGENCY) continue;
    data option;
    option.set("value", ShortAuthority(a.name()));
    option.set("text", MemberLabel(a));
    if (a.name() == chosen) option.set("selected", true);
    options.push_back(option);
  }
  return options;
}

// The page's own query string for the download link.
std::string QueryOf(const httplib::Request& req) {
  return UrlWith("", req.params, {});
}

// A report the API refused for what was asked (a year out of range, a
// member that is not one, the hub): the form again, not an error page.
bool RefusedAsAsked(const absl::Status& status) {
  return absl::IsInvalidArgument(status) || absl::IsNotFound(status);
}

// A member choice that is not one of the list's (a hand-made address).
const FieldViolation kNoSuchMemberChoice = {
    "authority", "choose the whole consortium or a member from the list"};

}  // namespace

std::optional<std::vector<v1::Authority>> WebApp::MembersOrErrorPage(
    httplib::Response& res, const SignedIn& signed_in) {
  absl::StatusOr<std::vector<v1::Authority>> members =
      AllMembers(*signed_in.session.client);
  if (!members.ok()) {
    ApiErrorPage(res, members.status(), &signed_in);
    return std::nullopt;
  }
  return *std::move(members);
}

void WebApp::RenderReportRefused(const httplib::Request& req,
                                 httplib::Response& res,
                                 const SignedIn& signed_in,
                                 const std::string& template_name,
                                 const std::string& who,
                                 std::vector<FieldViolation> typed,
                                 const absl::Status& api_error) {
  std::optional<std::vector<v1::Authority>> members =
      MembersOrErrorPage(res, signed_in);
  if (!members.has_value()) return;
  data d = LayoutData(who, &signed_in);
  std::optional<std::string> authority = ReportAuthority(req);
  d.set("members", MemberOptions(*members, authority.value_or("")));
  d.set("who", who);
  // As typed: a year or a number of windows left empty is the default.
  const std::string year = Param(req, "year");
  const std::string windows = Param(req, "windows");
  d.set("year", year.empty() ? absl::StrCat(DefaultReportYear()) : year);
  d.set("windows", windows.empty() ? std::string("5") : windows);
  const FormField member{"authority", "Member"};
  const FieldOf fields =
      FieldsByPath({{"authority", member},
                    {"year_ending", {"year", "Year ending 31 March"}},
                    {"windows", {"windows", "Three-year windows"}}});
  if (!typed.empty()) {
    SetFormErrors(d, std::move(typed), fields, member);
  } else {
    SetFormErrors(d, api_error, fields, member, /*beside_fallback=*/true);
  }
  RenderPage(res, 400, template_name, d);
}

void WebApp::GetScorecardReport(const httplib::Request& req,
                                httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireManager(req, res);
  if (!signed_in.has_value()) return;
  RaaClient& client = *signed_in->session.client;
  std::optional<std::string> authority = ReportAuthority(req);
  int year = DefaultReportYear();
  int windows = 5;  // as `raa report scorecard --html`
  std::vector<FieldViolation> typed;
  if (!authority.has_value()) typed.push_back(kNoSuchMemberChoice);
  if (!Param(req, "year").empty() &&
      !absl::SimpleAtoi(Param(req, "year"), &year)) {
    typed.push_back({"year_ending", "must be a year such as 2026"});
  }
  if (!Param(req, "windows").empty() &&
      !absl::SimpleAtoi(Param(req, "windows"), &windows)) {
    typed.push_back({"windows", "must be a whole number from 1 to 10"});
  }
  if (!typed.empty()) {
    RenderReportRefused(req, res, *signed_in, "manager_scorecard",
                        "Adoption scorecard", std::move(typed),
                        absl::OkStatus());
    return;
  }
  v1::GetScorecardRequest request;
  request.set_authority(*authority);
  request.set_year_ending(year);
  request.set_windows(windows);
  absl::StatusOr<v1::Scorecard> card =
      client.Call(&v1::ReportService::Stub::GetScorecard, request);
  if (RefusedAsAsked(card.status())) {
    RenderReportRefused(req, res, *signed_in, "manager_scorecard",
                        "Adoption scorecard", {}, card.status());
    return;
  }
  if (!card.ok()) {
    ApiErrorPage(res, card.status(), &*signed_in);
    return;
  }
  if (req.path.ends_with(".html")) {
    ReportHtmlInput input;
    input.title = ReportTitle("Adoption scorecard", card->authority());
    input.generated_on = FormatDate(card->as_of());
    input.scorecard = *card;
    SendReportHtml(res, input,
                   absl::StrCat("scorecard-", FileNamePart(*authority), "-",
                                FormatDate(card->as_of()), ".html"));
    return;
  }
  std::optional<std::vector<v1::Authority>> members =
      MembersOrErrorPage(res, *signed_in);
  if (!members.has_value()) return;
  data d = LayoutData("Scorecard", &*signed_in);
  d.set("members", MemberOptions(*members, *authority));
  d.set("year", absl::StrCat(year));
  d.set("windows", absl::StrCat(windows));
  d.set("who", ReportTitle("Adoption scorecard", card->authority()));
  d.set("has_report", true);
  d.set("as_of", FormatDate(card->as_of()));
  d.set("download", absl::StrCat("/reports/scorecard.html", QueryOf(req)));
  // A chart per indicator with a threshold (A1, A2) and for A3, over the
  // windows, as the CLI's report draws them.
  std::vector<std::string> charted;
  for (const v1::ScorecardWindow& w : card->windows()) {
    for (const v1::Indicator& i : w.indicators()) {
      if ((i.has_threshold() || i.code() == "A3") &&
          std::find(charted.begin(), charted.end(), i.id()) == charted.end()) {
        charted.push_back(i.id());
      }
    }
  }
  data charts = List();
  for (const std::string& id : charted) {
    std::vector<ChartBar> bars;
    std::string title;
    for (const v1::ScorecardWindow& w : card->windows()) {
      for (const v1::Indicator& i : w.indicators()) {
        if (i.id() != id) continue;
        title = i.code().empty() ? i.title()
                                 : absl::StrCat(i.code(), ": ", i.title());
        bars.push_back(IndicatorBar(WindowLabel(w.start(), w.end()), i));
      }
    }
    charts.push_back(
        ChartData(absl::StrCat("chart-", IdPart(id)), title, bars));
  }
  d.set("charts", charts);
  d.set("has_charts", !charts.is_empty_list());
  // One row per indicator, one column per window (as the CLI's report
  // tabulates them): the value, and its threshold where it has one.
  std::vector<TableColumn> columns = {
      {.key = "indicator", .label = "Indicator"}};
  for (int w = 0; w < card->windows_size(); ++w) {
    columns.push_back(
        {.key = absl::StrCat("w", w),
         .label = WindowLabel(card->windows(w).start(), card->windows(w).end()),
         .numeric = true});
  }
  Table table(columns, {.page_size = 100, .prefix = "i"});
  std::vector<std::string> ids;
  for (const v1::ScorecardWindow& w : card->windows()) {
    for (const v1::Indicator& i : w.indicators()) {
      if (std::find(ids.begin(), ids.end(), i.id()) == ids.end()) {
        ids.push_back(i.id());
      }
    }
  }
  for (const std::string& id : ids) {
    data row;
    data cells = List();
    std::string title;
    std::vector<std::pair<bool, int64_t>> values;
    for (const v1::ScorecardWindow& w : card->windows()) {
      const v1::Indicator* found = nullptr;
      for (const v1::Indicator& i : w.indicators()) {
        if (i.id() == id) found = &i;
      }
      data cell;
      cell.set("text", found != nullptr && found->has_value()
                           ? FigureText(found->value(), found->unit())
                           : std::string("-"));
      cell.set("over", found != nullptr && found->has_threshold() &&
                           found->has_value() && !found->met());
      if (found != nullptr && found->has_threshold()) {
        cell.set("threshold",
                 absl::StrCat("threshold ",
                              FigureText(found->threshold(), found->unit())));
      }
      cells.push_back(cell);
      int64_t tenths = 0;
      const bool has_value = found != nullptr && found->has_value();
      if (has_value) tenths = std::llround(found->value() * 10);
      values.push_back({has_value, tenths});
      if (found != nullptr) {
        title = found->code().empty()
                    ? found->title()
                    : absl::StrCat(found->code(), ": ", found->title());
      }
    }
    row.set("indicator", title);
    row.set("cells", cells);
    std::vector<SortKey> keys;
    keys.emplace_back(std::in_place_type<std::string>, title);
    for (const auto& [has, tenths] : values) {
      if (has) {
        keys.emplace_back(std::in_place_type<int64_t>, tenths);
      } else {
        keys.emplace_back();
      }
    }
    table.AddRow(row, std::move(keys));
  }
  d.set("indicators_table", table.Render(req.params, "/reports/scorecard"));
  if (card->rankings_size() > 0) {
    Table ranks({{.key = "indicator", .label = "Indicator"},
                 {.key = "rank", .label = "Rank", .numeric = true},
                 {.key = "member", .label = "Member"},
                 {.key = "value", .label = "Value", .numeric = true},
                 {.key = "count", .label = "Count", .numeric = true},
                 {.key = "met", .label = "Met"}},
                {.page_size = 100, .prefix = "r"});
    for (const v1::MemberRanking& r : card->rankings()) {
      for (const v1::RankedMember& m : r.members()) {
        data row;
        row.set("indicator", r.code().empty() ? r.indicator_id() : r.code());
        row.set("rank", absl::StrCat(m.rank()));
        row.set("member", m.display_name().empty()
                              ? ShortAuthority(m.authority())
                              : m.display_name());
        row.set("value",
                m.has_value() ? TenthsText(m.value()) : std::string("-"));
        row.set("count", absl::StrCat(m.count()));
        row.set("met", m.met() ? "yes" : "");
        ranks.AddRow(
            row,
            {r.code().empty() ? r.indicator_id() : r.code(), int64_t{m.rank()},
             ShortAuthority(m.authority()),
             m.has_value()
                 ? SortKey(static_cast<int64_t>(std::llround(m.value() * 10)))
                 : SortKey(),
             int64_t{m.count()}, std::string(m.met() ? "yes" : "")});
      }
    }
    d.set("rankings_table", ranks.Render(req.params, "/reports/scorecard"));
  }
  RenderPage(res, 200, "manager_scorecard", d);
}

void WebApp::GetWaitingReport(const httplib::Request& req,
                              httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireManager(req, res);
  if (!signed_in.has_value()) return;
  RaaClient& client = *signed_in->session.client;
  std::optional<std::string> authority = ReportAuthority(req);
  if (!authority.has_value()) {
    RenderReportRefused(req, res, *signed_in, "manager_waiting",
                        "Waiting report", {kNoSuchMemberChoice},
                        absl::OkStatus());
    return;
  }
  v1::GetWaitingReportRequest request;
  request.set_authority(*authority);
  absl::StatusOr<v1::WaitingReport> report =
      client.Call(&v1::ReportService::Stub::GetWaitingReport, request);
  if (RefusedAsAsked(report.status())) {
    RenderReportRefused(req, res, *signed_in, "manager_waiting",
                        "Waiting report", {}, report.status());
    return;
  }
  if (!report.ok()) {
    ApiErrorPage(res, report.status(), &*signed_in);
    return;
  }
  if (req.path.ends_with(".html")) {
    ReportHtmlInput input;
    input.title = ReportTitle("Waiting report", report->authority());
    input.generated_on = FormatDate(report->as_of());
    input.waiting = *report;
    SendReportHtml(res, input,
                   absl::StrCat("waiting-", FileNamePart(*authority), "-",
                                FormatDate(report->as_of()), ".html"));
    return;
  }
  std::optional<std::vector<v1::Authority>> members =
      MembersOrErrorPage(res, *signed_in);
  if (!members.has_value()) return;
  data d = LayoutData("Waiting report", &*signed_in);
  d.set("members", MemberOptions(*members, *authority));
  d.set("who", ReportTitle("Waiting report", report->authority()));
  d.set("has_report", true);
  d.set("as_of", FormatDate(report->as_of()));
  d.set("download", absl::StrCat("/reports/waiting.html", QueryOf(req)));
  auto count_bars = [](const auto& groups) {
    std::vector<ChartBar> bars;
    for (const v1::WaitingGroup& g : groups) {
      ChartBar bar;
      bar.label = g.title();
      bar.value = g.waiting();
      bar.value_text = absl::StrCat(g.waiting(), " waiting");
      bars.push_back(bar);
    }
    return bars;
  };
  auto days_bars = [](const auto& groups) {
    std::vector<ChartBar> bars;
    for (const v1::WaitingGroup& g : groups) {
      ChartBar bar;
      bar.label = g.title();
      if (g.has_mean_days()) {
        bar.value = g.mean_days();
        bar.value_text = FigureText(g.mean_days(), "days");
      } else {
        bar.value_text = "no one waiting";
      }
      bars.push_back(bar);
    }
    return bars;
  };
  data charts = List();
  if (report->children_size() > 0) {
    charts.push_back(ChartData("chart-children-waiting",
                               "Children waiting, by group",
                               count_bars(report->children())));
    charts.push_back(ChartData("chart-children-days",
                               "Mean days children have waited, by group",
                               days_bars(report->children())));
  }
  if (report->households_size() > 0) {
    charts.push_back(ChartData("chart-households-waiting",
                               "Households waiting, by group",
                               count_bars(report->households())));
    charts.push_back(ChartData("chart-households-days",
                               "Mean days households have waited, by group",
                               days_bars(report->households())));
  }
  d.set("charts", charts);
  d.set("has_charts", !charts.is_empty_list());
  Table table({{.key = "who", .label = "Who"},
               {.key = "group", .label = "Group"},
               {.key = "waiting", .label = "Waiting", .numeric = true},
               {.key = "mean", .label = "Mean days", .numeric = true},
               {.key = "median", .label = "Median days", .numeric = true},
               {.key = "households",
                .label = "Households that could take one",
                .numeric = true}},
              {.page_size = 100, .prefix = "g"});
  auto add = [&table](const char* who, const v1::WaitingGroup& g) {
    data row;
    row.set("who", who);
    row.set("group", g.title());
    row.set("waiting", absl::StrCat(g.waiting()));
    row.set("mean",
            g.has_mean_days() ? WholeText(g.mean_days()) : std::string("-"));
    row.set("median", g.has_median_days() ? WholeText(g.median_days())
                                          : std::string("-"));
    row.set("households", g.has_eligible_households()
                              ? absl::StrCat(g.eligible_households())
                              : std::string(""));
    table.AddRow(
        row,
        {std::string(who), g.title(), int64_t{g.waiting()},
         g.has_mean_days() ? SortKey(std::llround(g.mean_days())) : SortKey(),
         g.has_median_days() ? SortKey(std::llround(g.median_days()))
                             : SortKey(),
         g.has_eligible_households() ? SortKey(int64_t{g.eligible_households()})
                                     : SortKey()});
  };
  for (const v1::WaitingGroup& g : report->children()) add("children", g);
  for (const v1::WaitingGroup& g : report->households()) add("households", g);
  d.set("groups_table", table.Render(req.params, "/reports/waiting"));
  data barriers = List();
  for (const std::string& b : report->barriers()) {
    data item;
    item.set("text", b);
    barriers.push_back(item);
  }
  d.set("barriers", barriers);
  d.set("has_barriers", report->barriers_size() > 0);
  RenderPage(res, 200, "manager_waiting", d);
}

void WebApp::GetForecastReport(const httplib::Request& req,
                               httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireManager(req, res);
  if (!signed_in.has_value()) return;
  RaaClient& client = *signed_in->session.client;
  std::optional<std::string> authority = ReportAuthority(req);
  if (!authority.has_value()) {
    RenderReportRefused(req, res, *signed_in, "manager_forecast", "Forecast",
                        {kNoSuchMemberChoice}, absl::OkStatus());
    return;
  }
  v1::GetForecastRequest request;
  request.set_authority(*authority);
  absl::StatusOr<v1::Forecast> forecast =
      client.Call(&v1::ReportService::Stub::GetForecast, request);
  if (RefusedAsAsked(forecast.status())) {
    RenderReportRefused(req, res, *signed_in, "manager_forecast", "Forecast",
                        {}, forecast.status());
    return;
  }
  if (!forecast.ok()) {
    ApiErrorPage(res, forecast.status(), &*signed_in);
    return;
  }
  if (req.path.ends_with(".html")) {
    ReportHtmlInput input;
    input.title = ReportTitle("Forecast", request.authority());
    input.generated_on = FormatDate(forecast->as_of());
    input.forecast = *forecast;
    SendReportHtml(res, input,
                   absl::StrCat("forecast-", FileNamePart(*authority), "-",
                                FormatDate(forecast->as_of()), ".html"));
    return;
  }
  std::optional<std::vector<v1::Authority>> members =
      MembersOrErrorPage(res, *signed_in);
  if (!members.has_value()) return;
  data d = LayoutData("Forecast", &*signed_in);
  d.set("members", MemberOptions(*members, *authority));
  d.set("who", ReportTitle("Forecast", request.authority()));
  d.set("has_report", true);
  d.set("as_of", FormatDate(forecast->as_of()));
  d.set("download", absl::StrCat("/reports/forecast.html", QueryOf(req)));
  data charts = List();
  Table table(
      {{.key = "member", .label = "Member"},
       {.key = "child", .label = "Child profile"},
       {.key = "days", .label = "Days since the order", .numeric = true},
       {.key = "latest", .label = "Latest match date"},
       {.key = "pulls", .label = "Pulls the average over"}},
      {.default_sort = "days",
       .default_descending = true,
       .page_size = 100,
       .prefix = "c"});
  int pulling = 0;
  for (const v1::AuthorityForecast& a : forecast->authorities()) {
    std::vector<ChartBar> bars;
    for (const v1::ForecastWindow& w : a.windows()) {
      for (const v1::Indicator& i : w.indicators()) {
        bars.push_back(
            IndicatorBar(absl::StrCat(i.code().empty() ? i.id() : i.code(), " ",
                                      WindowLabel(w.start(), w.end())),
                         i));
      }
    }
    if (!bars.empty()) {
      charts.push_back(ChartData(
          absl::StrCat("chart-forecast-",
                       IdPart(ShortAuthority(a.authority()))),
          absl::StrCat("Forecast A1 and A2 for ", ShortAuthority(a.authority()),
                       " (court median ", a.court_median_days(), " days)"),
          bars));
    }
    for (const v1::ForecastChild& c : a.children()) {
      std::optional<ChildRef> ref = ParseChildName(c.child());
      data row;
      row.set("member", ShortAuthority(a.authority()));
      row.set("child", ref.has_value() ? ref->child : c.child());
      if (ref.has_value()) row.set("href", ChildPath(*ref));
      row.set("days", absl::StrCat(c.days_since_order()));
      row.set("latest", c.has_latest_match_date()
                            ? FormatDate(c.latest_match_date())
                            : std::string("none keeps it under"));
      row.set("pulls", c.pulls_over());
      if (c.pulls_over()) ++pulling;
      table.AddRow(row,
                   {ShortAuthority(a.authority()),
                    ref.has_value() ? ref->child : c.child(),
                    int64_t{c.days_since_order()},
                    c.has_latest_match_date()
                        ? SortKey(int64_t{DayNumber(c.latest_match_date())})
                        : SortKey(),
                    std::string(c.pulls_over() ? "yes" : "no")});
    }
  }
  d.set("charts", charts);
  d.set("has_charts", !charts.is_empty_list());
  d.set("pulling", absl::StrCat(pulling,
                                pulling == 1 ? " child already pulls"
                                             : " children already pull",
                                " the average over if matched today."));
  d.set("children_table", table.Render(req.params, "/reports/forecast"));
  RenderPage(res, 200, "manager_forecast", d);
}

}  // namespace raa::web
