// The family finder's pages of raa-web (docs/web.md, "Family finder's
// pages"): the household page with its ranked children, the links board and
// each link's page (move it a dated step on, close it, correct a step's
// date), follows, and the alerts (a plain page, and the JSON that
// static/raa-alerts.js polls to show new matches without a reload). Each
// page is a handler here and a template templates/finder_*.mustache.
//
// Every page calls raamatchd with the signed-in key, so what a key may see
// and do is the API's decision: a refusal is shown in the API's words, next
// to the field it names when it names one (a finance key's
// PERMISSION_DENIED on /links is a 403 page).
#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "clients/lib/profile_text.h"
#include "clients/web/finder_views.h"
#include "clients/web/page_helpers.h"
#include "clients/web/reasons.h"
#include "clients/web/tables.h"
#include "clients/web/views.h"
#include "clients/web/web_app.h"
#include "common/clock.h"
#include "common/dates.h"
#include "common/enum_names.h"
#include "common/errors.h"
#include "nlohmann/json.hpp"

namespace raa::web {
namespace {

using kainjow::mustache::data;

constexpr char kSlug[] = "([a-z0-9][a-z0-9-]*)";
// How many pages of a list a page reads at most (1,000 items each).
constexpr int kMaxPages = 10;
// How often raa-alerts.js asks for new alerts.
constexpr int kPollMilliseconds = 5000;

// Sets `key` only when `value` is not empty: a mustache section of an empty
// string still renders ({{#child_href}}...{{/child_href}}).
void SetIf(data& d, const std::string& key, const std::string& value) {
  if (!value.empty()) d.set(key, value);
}

// "authorities/leeds/adopters/h4" -> "leeds/h4" (a record's short name).
std::string ShortRecord(const std::string& name) {
  if (std::optional<ChildRef> c = ParseChildName(name)) {
    return absl::StrCat(c->authority, "/", c->child);
  }
  if (std::optional<HouseholdRef> h = ParseHouseholdName(name)) {
    return absl::StrCat(h->authority, "/", h->household);
  }
  return name;
}

std::string TimeText(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return "";
  return absl::FormatTime("%Y-%m-%d %H:%M", absl::FromUnixSeconds(t.seconds()),
                          absl::UTCTimeZone());
}

int64_t Micros(const google::protobuf::Timestamp& t) {
  return t.seconds() * 1000000 + t.nanos() / 1000;
}

std::string DateText(const google::type::Date& d) {
  return d.year() == 0 ? "" : FormatDate(d);
}

// A local path to go back to after a form ("/households/a/h1"), or
// `fallback` for anything else: only letters, digits and / - _ after a
// leading / (no other site, no scheme, nothing a browser strips, such as a
// tab, to make "//").
std::string LocalPath(const std::string& path, const std::string& fallback) {
  if (path.size() < 2 || path.size() > 200 || path[0] != '/' ||
      path[1] == '/') {
    return fallback;
  }
  for (char c : path) {
    if (!absl::ascii_isalnum(c) && c != '/' && c != '-' && c != '_') {
      return fallback;
    }
  }
  return path;
}

// A date field as typed: unset when empty (the API decides whether it is
// required), a violation on `field` when it is not YYYY-MM-DD.
void SetDateField(const std::string& text, const std::string& field,
                  google::type::Date* out, FieldErrors& errors) {
  if (text.empty()) return;
  std::optional<google::type::Date> date = ParseDate(text);
  if (!date.has_value()) {
    errors.Add(field, "must be a date YYYY-MM-DD, for example 2026-03-31");
    return;
  }
  *out = *date;
}

// Every page of a List call (at most kMaxPages): `add` takes each response.
template <typename Request, typename Response, typename Stub>
absl::Status ReadAll(RaaClient& client,
                     grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                  const Request&, Response*),
                     Request request,
                     const std::function<void(const Response&)>& add) {
  for (int page = 0; page < kMaxPages; ++page) {
    absl::StatusOr<Response> response = client.Call(method, request);
    if (!response.ok()) return response.status();
    add(*response);
    if (response->next_page_token().empty()) break;
    request.set_page_token(response->next_page_token());
  }
  return absl::OkStatus();
}

// The options of a <select> of the values of `type` (their words, sentence
// case), with `chosen` (a value's full name) selected.
data EnumOptions(const google::protobuf::EnumDescriptor* type,
                 const std::vector<int>& numbers, const std::string& chosen) {
  data options = List();
  for (int number : numbers) {
    const google::protobuf::EnumValueDescriptor* value =
        type->FindValueByNumber(number);
    if (value == nullptr) continue;
    std::string words = EnumValueWords(type, number);
    if (!words.empty()) words[0] = absl::ascii_toupper(words[0]);
    data option;
    option.set("value", value->name());
    option.set("text", words);
    if (value->name() == chosen) option.set("selected", true);
    options.push_back(option);
  }
  return options;
}

// The close reasons a person may give (the *_MATCHED_ELSEWHERE ones are the
// service's own).
std::vector<int> CloseReasonsForPeople() {
  return {v1::CLOSE_REASON_HOUSEHOLD_WITHDREW,
          v1::CLOSE_REASON_CHOSE_ANOTHER_FAMILY,
          v1::CLOSE_REASON_PANEL_DID_NOT_RECOMMEND,
          v1::CLOSE_REASON_ADM_DID_NOT_AGREE,
          v1::CLOSE_REASON_DISRUPTION,
          v1::CLOSE_REASON_PLAN_CHANGED,
          v1::CLOSE_REASON_AUTHORITY_WITHDREW};
}

std::string CloseReasonWords(v1::CloseReason reason) {
  // The agency decision maker is "the ADM" in the guides, as in practice.
  if (reason == v1::CLOSE_REASON_ADM_DID_NOT_AGREE) {
    return "ADM did not agree";
  }
  std::string words = EnumValueWords(v1::CloseReason_descriptor(), reason);
  if (!words.empty()) words[0] = absl::ascii_toupper(words[0]);
  return words;
}

// One alert as a table row (the /alerts page); its reasons in the API's
// words, or in those of `reasons` when it sent only codes.
data AlertRow(const ReasonCatalog& reasons, const v1::MatchAlert& alert) {
  data row;
  row.set("time", TimeText(alert.time()));
  row.set("kind", alert.kind() == v1::ALERT_KIND_FOLLOW_ENDED ? "Follow ended"
                                                              : "New match");
  row.set("child", ShortRecord(alert.child()));
  SetIf(row, "child_href", RecordPath(alert.child()));
  row.set("adopter", ShortRecord(alert.adopter()));
  SetIf(row, "adopter_href", RecordPath(alert.adopter()));
  if (alert.kind() != v1::ALERT_KIND_FOLLOW_ENDED) {
    row.set("score", absl::StrCat(alert.score()));
  }
  row.set("components", ReasonsData(reasons, alert.components()));
  row.set("has_components", alert.components_size() > 0);
  SetIf(row, "message", alert.message());
  return row;
}

void SendJson(httplib::Response& res, int status, const nlohmann::json& value) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(JsonForScript(value), "application/json; charset=utf-8");
}

}  // namespace

void WebApp::InstallFinderPages(httplib::Server& server) {
  server.Get(absl::StrCat("/households/", kSlug, "/", kSlug),
             Bind(&WebApp::GetHousehold));
  server.Get("/links", Bind(&WebApp::GetLinksBoard));
  server.Get(absl::StrCat("/links/", kSlug), Bind(&WebApp::GetLinkPage));
  server.Post(absl::StrCat("/links/", kSlug, "/advance"),
              Bind(&WebApp::PostLinkAdvance));
  server.Post(absl::StrCat("/links/", kSlug, "/close"),
              Bind(&WebApp::PostLinkClose));
  server.Post(absl::StrCat("/links/", kSlug, "/correct"),
              Bind(&WebApp::PostLinkCorrect));
  server.Get("/follows", Bind(&WebApp::GetFollows));
  server.Post("/follows", Bind(&WebApp::PostFollow));
  server.Post("/follows/delete", Bind(&WebApp::PostUnfollow));
  server.Get("/alerts", Bind(&WebApp::GetAlerts));
  server.Get("/alerts.json", Bind(&WebApp::GetAlertsJson));
}

data WebApp::LiveAlertsData(const std::string& after, int64_t since_seconds) {
  data live;
  live.set("after", after);
  live.set("since", absl::StrCat(since_seconds));
  live.set("interval_ms", absl::StrCat(kPollMilliseconds));
  // Polling stops after the session's idle time without a key press or a
  // click, so an open page does not keep a session alive for ever.
  live.set("idle_ms",
           absl::StrCat(absl::ToInt64Milliseconds(options_.session_idle)));
  return live;
}

// ---- the household page ----

void WebApp::GetHousehold(const httplib::Request& req, httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireSession(req, res);
  if (!signed_in.has_value()) return;
  const Session& session = signed_in->session;
  RaaClient& client = *session.client;
  HouseholdRef ref{req.matches[1].str(), req.matches[2].str()};
  const std::string name =
      absl::StrCat("authorities/", ref.authority, "/adopters/", ref.household);
  v1::GetAdopterRequest get;
  get.set_name(name);
  absl::StatusOr<v1::Adopter> adopter =
      client.Call(&v1::RegistryService::Stub::GetAdopter, get);
  if (!adopter.ok()) {
    ApiErrorPage(res, adopter.status(), &*signed_in);
    return;
  }
  const std::string title = absl::StrCat("Household ", ref.household);
  data d = LayoutData(title, &*signed_in);
  d.set("heading", title);
  d.set("adopter", name);
  // Each "Open a link" form sends <this>-<child>: sent twice, one link.
  d.set("link_request", NewRequestId());
  d.set("path", HouseholdPath(ref));
  d.set("status",
        EnumValueWords(v1::AdopterStatus_descriptor(), adopter->status()));
  // A registrar of the household's member changes or withdraws it there
  // (registrar pages); the API decides in the end.
  if (HasRole(session, v1::ROLE_REGISTRAR) &&
      session.authority == absl::StrCat("authorities/", ref.authority) &&
      adopter->status() != v1::ADOPTER_STATUS_WITHDRAWN) {
    d.set("edit_href", absl::StrCat(HouseholdPath(ref), "/edit"));
    d.set("withdraw_href", absl::StrCat(HouseholdPath(ref), "/withdraw"));
  }
  d.set("approved_for", absl::StrCat(adopter->approved_for()));
  d.set("ages", absl::StrCat(AgeText(adopter->min_age_months()), " to ",
                             AgeText(adopter->max_age_months())));
  d.set("region", adopter->region());
  SetIf(d, "approved_on", DateText(adopter->approved_on()));
  data facts = List();
  for (const auto& [column, value] : AdopterToText(*adopter)) {
    if (value.empty()) continue;
    data fact;
    fact.set("key", absl::StrReplaceAll(column, {{"_", " "}}));
    fact.set("value", value);
    facts.push_back(fact);
  }
  d.set("facts", facts);

  const bool can_open = HasRole(session, v1::ROLE_FAMILY_FINDER) ||
                        HasRole(session, v1::ROLE_MANAGER);
  // Whether this member follows the household (the API keeps follows per
  // member; a key that may not follow sees no button).
  if (can_open) {
    v1::ListFollowsRequest list;
    list.set_page_size(1000);
    std::string follow_name;
    absl::Status listed =
        ReadAll<v1::ListFollowsRequest, v1::ListFollowsResponse>(
            client, &v1::MatchingService::Stub::ListFollows, list,
            [&](const v1::ListFollowsResponse& page) {
              for (const v1::Follow& f : page.follows()) {
                if (f.followed() == name &&
                    f.state() == v1::FOLLOW_STATE_ACTIVE) {
                  follow_name = f.name();
                }
              }
            });
    if (listed.ok()) {
      data follow;
      follow.set("followed", name);
      follow.set("return_to", HouseholdPath(ref));
      follow.set("request_id", NewRequestId());
      if (!follow_name.empty()) follow.set("follow_name", follow_name);
      d.set("follow", follow);
    }
  }

  v1::RankChildrenRequest rank;
  rank.set_adopter(name);
  rank.set_page_size(100);
  rank.set_view(v1::RANK_VIEW_FULL);
  absl::StatusOr<v1::RankChildrenResponse> ranking =
      client.Call(&v1::MatchingService::Stub::RankChildren, rank);
  // The reasons are codes (RANK_VIEW_FULL): their words are the catalogue's.
  // `reasons` holds the ranking's error when it failed.
  absl::StatusOr<std::shared_ptr<const ReasonCatalog>> reasons =
      ranking.ok() ? Reasons(client, ReasonNeeds::Of(*ranking))
                   : ranking.status();
  if (!reasons.ok()) {
    d.set("ranking_error", UserMessageOf(reasons.status()));
  } else {
    const ReasonCatalog& words = **reasons;
    d.set("ranked", true);
    d.set("considered", absl::StrCat(ranking->considered()));
    d.set("eligible", absl::StrCat(ranking->eligible()));
    d.set("excluded", absl::StrCat(ranking->excluded()));
    d.set("exclusions", ExclusionsData(words, ranking->exclusions()));
    d.set("has_exclusions", ranking->exclusions_size() > 0);
    Table table({{.key = "rank", .label = "Rank", .numeric = true},
                 {.key = "child", .label = "Child profile"},
                 {.key = "score", .label = "Score", .numeric = true},
                 {.key = "why", .label = "Why", .sortable = false},
                 {.key = "action", .label = "Action", .sortable = false}},
                {.page_size = 25});
    int rank_number = 0;
    for (const v1::RankedChild& c : ranking->children()) {
      data row;
      ++rank_number;
      row.set("rank", absl::StrCat(rank_number));
      row.set("child", c.child());
      row.set("child_short", ShortRecord(c.child()));
      SetIf(row, "child_href", RecordPath(c.child()));
      row.set("score", absl::StrCat(c.score()));
      row.set("components", ReasonsData(words, c.components()));
      if (c.members_size() > 0) {
        std::vector<std::string> which;
        for (int m : c.members()) which.push_back(absl::StrCat(m + 1));
        row.set("members_text",
                absl::StrCat("Only children ", absl::StrJoin(which, ", ")));
      }
      if (can_open) {
        row.set("can_open", true);
        row.set("adopter", name);
        row.set("csrf", session.csrf);
      }
      table.AddRow(row, {SortKey(int64_t{rank_number}), SortKey(c.child()),
                         SortKey(int64_t{c.score()})});
    }
    d.set("children_table", table.Render(req.params, HouseholdPath(ref)));
    d.set("has_children", ranking->children_size() > 0);
  }

  // The household's links, for the journey so far.
  v1::ListLinksRequest links_request;
  links_request.set_adopter(name);
  d.set("links_id", "household-links");
  SetRecordLinks(client, links_request, req.params, HouseholdPath(ref), d);
  RenderPage(res, 200, "finder_household", d);
}

void WebApp::SetRecordLinks(RaaClient& client,
                            const v1::ListLinksRequest& request,
                            const QueryParams& params, const std::string& path,
                            data& d) {
  const bool of_child = !request.child().empty();
  v1::ListLinksRequest all = request;
  all.set_page_size(1000);
  Table links(
      {{.key = "link", .label = "Link"},
       {.key = "other", .label = of_child ? "Household" : "Child profile"},
       {.key = "step", .label = "Step"},
       {.key = "days", .label = "Days in step", .numeric = true},
       {.key = "state", .label = "State"}},
      {.page_size = 25, .prefix = "l"});
  absl::Status listed = ReadAll<v1::ListLinksRequest, v1::ListLinksResponse>(
      client, &v1::JourneyService::Stub::ListLinks, all,
      [&](const v1::ListLinksResponse& page) {
        for (const v1::Link& l : page.links()) {
          const std::string& other = of_child ? l.adopter() : l.child();
          data row;
          row.set("link", LinkIdOf(l.name()).value_or(l.name()));
          row.set("link_href", LinkPath(l.name()));
          row.set("other", ShortRecord(other));
          SetIf(row, "other_href", RecordPath(other));
          row.set("step", StepLabel(l.step()));
          row.set("days", absl::StrCat(l.days_in_step()));
          row.set("state",
                  EnumValueWords(v1::LinkState_descriptor(), l.state()));
          links.AddRow(row, {SortKey(l.name()), SortKey(other),
                             SortKey(int64_t{l.step()}),
                             SortKey(int64_t{l.days_in_step()}),
                             SortKey(int64_t{l.state()})});
        }
      });
  if (listed.ok()) {
    d.set("links_table", links.Render(params, path));
    d.set("has_links", links.size() > 0);
  } else {
    d.set("links_error", UserMessageOf(listed));
  }
}

// ---- the links board ----

void WebApp::GetLinksBoard(const httplib::Request& req,
                           httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireSession(req, res);
  if (!signed_in.has_value()) return;
  const Session& session = signed_in->session;
  // Filters: ?state=open|closed|adopted|all, ?step=<LinkStep name>|"",
  // ?whose=mine|all.
  std::string state_param = Param(req, "state");
  if (state_param != "closed" && state_param != "adopted" &&
      state_param != "all") {
    state_param = "open";
  }
  std::string whose = Param(req, "whose") == "all" ? "all" : "mine";
  std::string step_param = Param(req, "step");
  v1::LinkStep step_filter = v1::LINK_STEP_UNSPECIFIED;
  if (!step_param.empty() && (!v1::LinkStep_Parse(step_param, &step_filter) ||
                              step_filter == v1::LINK_STEP_UNSPECIFIED)) {
    step_param.clear();
  }

  v1::ListLinksRequest request;
  request.set_page_size(1000);
  if (whose == "mine") request.set_authority(session.authority);
  if (state_param == "open") request.set_state(v1::LINK_STATE_OPEN);
  if (state_param == "closed") request.set_state(v1::LINK_STATE_CLOSED);
  if (state_param == "adopted") request.set_state(v1::LINK_STATE_ADOPTED);
  std::vector<v1::Link> all;
  absl::Status listed = ReadAll<v1::ListLinksRequest, v1::ListLinksResponse>(
      *session.client, &v1::JourneyService::Stub::ListLinks, request,
      [&](const v1::ListLinksResponse& page) {
        for (const v1::Link& l : page.links()) all.push_back(l);
      });
  if (!listed.ok()) {
    ApiErrorPage(res, listed, &*signed_in);
    return;
  }
  data d = LayoutData("Links", &*signed_in);
  // Longest in step first, so that sorting by step keeps that order within
  // each step (the table's sort is stable).
  std::stable_sort(all.begin(), all.end(),
                   [](const v1::Link& a, const v1::Link& b) {
                     return a.days_in_step() > b.days_in_step();
                   });
  // How many links are at each step (before the step filter).
  std::map<int, int> by_step;
  for (const v1::Link& l : all) by_step[l.step()]++;
  data steps = List();
  for (const auto& [step, count] : by_step) {
    data item;
    item.set("label", StepLabel(static_cast<v1::LinkStep>(step)));
    item.set("count", absl::StrCat(count));
    item.set("href",
             UrlWith("/links", req.params,
                     {{"step", v1::LinkStep_Name(step)}, {"page", ""}}));
    steps.push_back(item);
  }
  d.set("by_step", steps);
  d.set("has_by_step", !by_step.empty());

  Table table({{.key = "link", .label = "Link"},
               {.key = "child", .label = "Child profile"},
               {.key = "household", .label = "Household"},
               {.key = "step", .label = "Step"},
               {.key = "days", .label = "Days in step", .numeric = true},
               {.key = "state", .label = "State"},
               {.key = "opened", .label = "Opened"}},
              {.default_sort = "step"});
  for (const v1::Link& l : all) {
    if (step_filter != v1::LINK_STEP_UNSPECIFIED && l.step() != step_filter) {
      continue;
    }
    data row;
    row.set("link", LinkIdOf(l.name()).value_or(l.name()));
    row.set("link_href", LinkPath(l.name()));
    row.set("child", ShortRecord(l.child()));
    SetIf(row, "child_href", RecordPath(l.child()));
    row.set("household", ShortRecord(l.adopter()));
    SetIf(row, "household_href", RecordPath(l.adopter()));
    row.set("step", StepLabel(l.step()));
    row.set("days", absl::StrCat(l.days_in_step()));
    row.set("state", EnumValueWords(v1::LinkState_descriptor(), l.state()));
    std::string opened = l.steps_size() > 0 ? DateText(l.steps(0).date()) : "";
    row.set("opened", opened);
    table.AddRow(
        row, {SortKey(l.name()), SortKey(l.child()), SortKey(l.adopter()),
              SortKey(int64_t{l.step()}), SortKey(int64_t{l.days_in_step()}),
              SortKey(int64_t{l.state()}), SortKey(opened)});
  }
  d.set("links_table", table.Render(req.params, "/links"));
  d.set("has_links", table.size() > 0);
  // The filter form, as the URL has it.
  data states = List();
  for (const auto& [value, text] :
       std::vector<std::pair<std::string, std::string>>{{"open", "Open"},
                                                        {"closed", "Closed"},
                                                        {"adopted", "Adopted"},
                                                        {"all", "Any state"}}) {
    data option;
    option.set("value", value);
    option.set("text", text);
    if (value == state_param) option.set("selected", true);
    states.push_back(option);
  }
  d.set("states", states);
  std::vector<int> step_numbers;
  for (int s = v1::LINK_STEP_OPENED; s <= v1::LINK_STEP_ORDER_GRANTED; ++s) {
    step_numbers.push_back(s);
  }
  d.set("steps",
        EnumOptions(v1::LinkStep_descriptor(), step_numbers, step_param));
  d.set("whose_all", whose == "all");
  d.set("filtered", !step_param.empty());
  if (!step_param.empty()) d.set("step_label", StepLabel(step_filter));
  // Alerts are a family finder's (or a manager's): no live region for others.
  if (HasRole(session, v1::ROLE_FAMILY_FINDER) ||
      HasRole(session, v1::ROLE_MANAGER)) {
    d.set("live", LiveAlertsData("", absl::ToUnixSeconds(absl::Now())));
  }
  RenderPage(res, 200, "finder_links", d);
}

// ---- a link's page and its forms ----

void WebApp::GetLinkPage(const httplib::Request& req, httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireSession(req, res);
  if (!signed_in.has_value()) return;
  RenderLinkPage(res, *signed_in, absl::StrCat("links/", req.matches[1].str()),
                 200, "", data(), absl::OkStatus());
}

void WebApp::RenderLinkPage(httplib::Response& res, const SignedIn& signed_in,
                            const std::string& link_name, int status,
                            const std::string& form, const data& values,
                            const absl::Status& api_error) {
  const Session& session = signed_in.session;
  v1::GetLinkRequest get;
  get.set_name(link_name);
  absl::StatusOr<v1::Link> link =
      session.client->Call(&v1::JourneyService::Stub::GetLink, get);
  if (!link.ok()) {
    ApiErrorPage(res, link.status(), &signed_in);
    return;
  }
  const std::string id = LinkIdOf(link->name()).value_or(link->name());
  const std::string title = absl::StrCat("Link ", id);
  data d = LayoutData(title, &signed_in);
  d.set("heading", title);
  d.set("path", LinkPath(link->name()));
  d.set("child", ShortRecord(link->child()));
  SetIf(d, "child_href", RecordPath(link->child()));
  d.set("household", ShortRecord(link->adopter()));
  SetIf(d, "household_href", RecordPath(link->adopter()));
  d.set("state", EnumValueWords(v1::LinkState_descriptor(), link->state()));
  d.set("step", StepLabel(link->step()));
  d.set("days_in_step", absl::StrCat(link->days_in_step()));
  d.set("placement",
        EnumValueWords(v1::PlacementKind_descriptor(), link->placement_kind()));
  if (!link->overridden_constraints().empty()) {
    d.set("overridden", absl::StrJoin(link->overridden_constraints(), ", "));
    d.set("override_reason", link->override_reason());
  }
  if (link->state() == v1::LINK_STATE_CLOSED) {
    d.set("closed", true);
    d.set("closed_on", DateText(link->closed_on()));
    d.set("close_reason", CloseReasonWords(link->close_reason()));
    d.set("closed_by", ShortAuthority(link->closed_by()));
    if (!link->close_note().empty()) d.set("close_note", link->close_note());
  }

  // The steps, in the order recorded (a journey's order: not sortable).
  Table steps(
      {{.key = "step", .label = "Step", .sortable = false},
       {.key = "date", .label = "Date", .sortable = false},
       {.key = "first", .label = "First recorded as", .sortable = false},
       {.key = "by", .label = "Recorded by", .sortable = false},
       {.key = "at", .label = "Recorded at", .sortable = false}},
      {.page_size = 20, .prefix = "s"});
  std::vector<int> recorded;
  for (const v1::LinkStepRecord& s : link->steps()) {
    data row;
    row.set("step", StepLabel(s.step()));
    row.set("date", DateText(s.date()));
    row.set("first", DateText(s.recorded_date()));
    row.set("by", ShortAuthority(s.authority()));
    row.set("at", TimeText(s.record_time()));
    steps.AddRow(row, {});
    recorded.push_back(s.step());
  }
  d.set("steps_table", steps.Render({}, LinkPath(link->name())));
  if (link->corrections_size() > 0) {
    Table corrections(
        {{.key = "step", .label = "Step", .sortable = false},
         {.key = "old", .label = "Old date", .sortable = false},
         {.key = "new", .label = "New date", .sortable = false},
         {.key = "reason", .label = "Why", .sortable = false},
         {.key = "by", .label = "Corrected by", .sortable = false}},
        {.page_size = 50, .prefix = "k"});
    for (const v1::StepCorrection& c : link->corrections()) {
      data row;
      row.set("step", StepLabel(c.step()));
      row.set("old", DateText(c.old_date()));
      row.set("new", DateText(c.new_date()));
      row.set("reason", c.reason());
      row.set("by", ShortAuthority(c.authority()));
      corrections.AddRow(row, {});
    }
    d.set("corrections_table", corrections.Render({}, LinkPath(link->name())));
  }

  // The forms: what was typed when one failed, else the defaults.
  auto value = [&](const std::string& which, const char* field,
                   const std::string& fallback) {
    const data* v = form == which ? values.get(field) : nullptr;
    return v != nullptr && v->is_string() ? v->string_value() : fallback;
  };
  const std::string today = FormatDate(ToDate(SystemClock().Today()));
  const v1::LinkStep next = NextStep(*link);
  if (next != v1::LINK_STEP_UNSPECIFIED) {
    data advance;
    advance.set("step", v1::LinkStep_Name(next));
    advance.set("step_label", StepLabel(next));
    advance.set("date", value("advance", "date", today));
    advance.set("request_id", NewRequestId());
    d.set("advance", advance);
  }
  if (link->state() == v1::LINK_STATE_OPEN) {
    data close;
    close.set("reason_options",
              EnumOptions(v1::CloseReason_descriptor(), CloseReasonsForPeople(),
                          value("close", "reason", "")));
    close.set("note", value("close", "note", ""));
    close.set("date", value("close", "date", today));
    close.set("request_id", NewRequestId());
    d.set("close", close);
  }
  if (!recorded.empty()) {
    data correct;
    correct.set("steps", EnumOptions(v1::LinkStep_descriptor(), recorded,
                                     value("correct", "step", "")));
    correct.set("new_date", value("correct", "new_date", ""));
    correct.set("reason", value("correct", "reason", ""));
    correct.set("request_id", NewRequestId());
    correct.set("open", form == "correct");
    d.set("correct", correct);
  }
  if (!api_error.ok()) {
    // A refusal naming no field (the link closed meanwhile) is shown beside
    // the form's first field.
    if (form == "advance") {
      const FormField date{
          "advance-date",
          next == v1::LINK_STEP_UNSPECIFIED
              ? "Date"
              : absl::StrCat("Date of the ", StepLabel(next), " step")};
      SetFormErrors(d, api_error,
                    FieldsByPath({{"date", date}, {"step", date}}), date,
                    /*beside_fallback=*/true);
    } else if (form == "close") {
      const FormField reason{"close-reason", "Why it closes"};
      SetFormErrors(d, api_error,
                    FieldsByPath({{"reason", reason},
                                  {"note", {"close-note", "Note"}},
                                  {"date", {"close-date", "Closed on"}}}),
                    reason, /*beside_fallback=*/true);
    } else {
      const FormField step{"correct-step", "Step"};
      SetFormErrors(
          d, api_error,
          FieldsByPath(
              {{"step", step},
               {"new_date", {"correct-new_date", "The right date"}},
               {"reason", {"correct-reason", "Why the date was wrong"}}}),
          step, /*beside_fallback=*/true);
    }
  }
  RenderPage(res, status, "finder_link", d);
}

void WebApp::PostLinkAdvance(const httplib::Request& req,
                             httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireSession(req, res);
  if (!signed_in.has_value()) return;
  if (!CheckCsrf(req, res, *signed_in)) return;
  const std::string name = absl::StrCat("links/", req.matches[1].str());
  data values;
  values.set("date", Param(req, "date"));
  v1::AdvanceLinkRequest request;
  request.set_name(name);
  v1::LinkStep step = v1::LINK_STEP_UNSPECIFIED;
  v1::LinkStep_Parse(Param(req, "step"), &step);
  request.set_step(step);
  request.set_request_id(RequestIdOf(req));
  FieldErrors errors;
  SetDateField(Param(req, "date"), "date", request.mutable_date(), errors);
  absl::Status status = errors.ToStatus();
  if (status.ok()) {
    absl::StatusOr<v1::Link> link = signed_in->session.client->Call(
        &v1::JourneyService::Stub::AdvanceLink, request);
    if (link.ok()) {
      sessions_.SetFlash(
          signed_in->id,
          absl::StrCat("Link ", LinkIdOf(link->name()).value_or(link->name()),
                       ": ", StepLabel(step), " recorded on ",
                       FormatDate(request.date())));
      Redirect(res, LinkPath(link->name()));
      return;
    }
    status = link.status();
    if (ResendPageIfUnknown(req, res, *signed_in, status,
                            request.request_id())) {
      return;
    }
  }
  if (status.code() == absl::StatusCode::kUnauthenticated ||
      status.code() == absl::StatusCode::kNotFound) {
    ApiErrorPage(res, status, &*signed_in);
    return;
  }
  RenderLinkPage(res, *signed_in, name, HttpStatusOf(status), "advance", values,
                 status);
}

void WebApp::PostLinkClose(const httplib::Request& req,
                           httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireSession(req, res);
  if (!signed_in.has_value()) return;
  if (!CheckCsrf(req, res, *signed_in)) return;
  const std::string name = absl::StrCat("links/", req.matches[1].str());
  data values;
  for (const char* field : {"reason", "note", "date"}) {
    values.set(field, Param(req, field));
  }
  v1::CloseLinkRequest request;
  request.set_name(name);
  v1::CloseReason reason = v1::CLOSE_REASON_UNSPECIFIED;
  v1::CloseReason_Parse(Param(req, "reason"), &reason);
  request.set_reason(reason);
  request.set_note(Param(req, "note"));
  request.set_request_id(RequestIdOf(req));
  FieldErrors errors;
  SetDateField(Param(req, "date"), "date", request.mutable_date(), errors);
  absl::Status status = errors.ToStatus();
  if (status.ok()) {
    absl::StatusOr<v1::Link> link = signed_in->session.client->Call(
        &v1::JourneyService::Stub::CloseLink, request);
    if (link.ok()) {
      sessions_.SetFlash(
          signed_in->id,
          absl::StrCat("Link ", LinkIdOf(link->name()).value_or(link->name()),
                       " closed on ", DateText(link->closed_on()), ": ",
                       CloseReasonWords(link->close_reason())));
      Redirect(res, LinkPath(link->name()));
      return;
    }
    status = link.status();
    if (ResendPageIfUnknown(req, res, *signed_in, status,
                            request.request_id())) {
      return;
    }
  }
  if (status.code() == absl::StatusCode::kUnauthenticated ||
      status.code() == absl::StatusCode::kNotFound) {
    ApiErrorPage(res, status, &*signed_in);
    return;
  }
  RenderLinkPage(res, *signed_in, name, HttpStatusOf(status), "close", values,
                 status);
}

void WebApp::PostLinkCorrect(const httplib::Request& req,
                             httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireSession(req, res);
  if (!signed_in.has_value()) return;
  if (!CheckCsrf(req, res, *signed_in)) return;
  const std::string name = absl::StrCat("links/", req.matches[1].str());
  data values;
  for (const char* field : {"step", "new_date", "reason"}) {
    values.set(field, Param(req, field));
  }
  v1::CorrectStepRequest request;
  request.set_name(name);
  v1::LinkStep step = v1::LINK_STEP_UNSPECIFIED;
  v1::LinkStep_Parse(Param(req, "step"), &step);
  request.set_step(step);
  request.set_reason(Param(req, "reason"));
  request.set_request_id(RequestIdOf(req));
  FieldErrors errors;
  SetDateField(Param(req, "new_date"), "new_date", request.mutable_new_date(),
               errors);
  absl::Status status = errors.ToStatus();
  if (status.ok()) {
    absl::StatusOr<v1::Link> link = signed_in->session.client->Call(
        &v1::JourneyService::Stub::CorrectStep, request);
    if (link.ok()) {
      sessions_.SetFlash(
          signed_in->id,
          absl::StrCat("Link ", LinkIdOf(link->name()).value_or(link->name()),
                       ": ", StepLabel(step), " corrected to ",
                       FormatDate(request.new_date()),
                       " (the old date is kept)"));
      Redirect(res, LinkPath(link->name()));
      return;
    }
    status = link.status();
    if (ResendPageIfUnknown(req, res, *signed_in, status,
                            request.request_id())) {
      return;
    }
  }
  if (status.code() == absl::StatusCode::kUnauthenticated ||
      status.code() == absl::StatusCode::kNotFound) {
    ApiErrorPage(res, status, &*signed_in);
    return;
  }
  RenderLinkPage(res, *signed_in, name, HttpStatusOf(status), "correct", values,
                 status);
}

// ---- follows ----

void WebApp::GetFollows(const httplib::Request& req, httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireSession(req, res);
  if (!signed_in.has_value()) return;
  RenderFollowsPage(req, res, *signed_in, 200, data(), absl::OkStatus());
}

void WebApp::RenderFollowsPage(const httplib::Request& req,
                               httplib::Response& res,
                               const SignedIn& signed_in, int status,
                               const data& values,
                               const absl::Status& api_error) {
  const Session& session = signed_in.session;
  v1::ListFollowsRequest list;
  list.set_page_size(1000);
  Table table({{.key = "followed", .label = "Following"},
               {.key = "kind", .label = "Kind"},
               {.key = "min_score", .label = "Alert at score", .numeric = true},
               {.key = "state", .label = "State"},
               {.key = "since", .label = "Since"},
               {.key = "action", .label = "Action", .sortable = false}},
              {.default_sort = "since", .default_descending = true});
  absl::Status listed =
      ReadAll<v1::ListFollowsRequest, v1::ListFollowsResponse>(
          *session.client, &v1::MatchingService::Stub::ListFollows, list,
          [&](const v1::ListFollowsResponse& page) {
            for (const v1::Follow& f : page.follows()) {
              data row;
              row.set("followed", ShortRecord(f.followed()));
              SetIf(row, "followed_href", RecordPath(f.followed()));
              const bool child = ParseChildName(f.followed()).has_value();
              row.set("kind", child ? "child profile" : "household");
              row.set("min_score", absl::StrCat(f.min_score()));
              row.set("state",
                      EnumValueWords(v1::FollowState_descriptor(), f.state()));
              SetIf(row, "end_reason", f.end_reason());
              row.set("since", TimeText(f.create_time()));
              row.set("name", f.name());
              row.set("csrf", session.csrf);
              row.set("request_id", NewRequestId());
              table.AddRow(row, {SortKey(f.followed()),
                                 SortKey(std::string(child ? "c" : "h")),
                                 SortKey(int64_t{f.min_score()}),
                                 SortKey(int64_t{f.state()}),
                                 SortKey(Micros(f.create_time()))});
            }
          });
  if (!listed.ok()) {
    ApiErrorPage(res, listed, &signed_in);
    return;
  }
  data d = LayoutData("Follows", &signed_in);
  d.set("follows_table", table.Render(req.params, "/follows"));
  d.set("has_follows", table.size() > 0);
  data form;
  for (const char* field : {"followed", "min_score"}) {
    const data* v = values.get(field);
    form.set(field, v != nullptr && v->is_string() ? v->string_value() : "");
  }
  form.set("request_id", NewRequestId());
  d.set("form", form);
  if (!api_error.ok()) {
    const FormField followed{"followed", "Child profile or household"};
    const FormField min_score{"min_score", "Alert at this score or more"};
    SetFormErrors(d, api_error,
                  FieldsByPath({{"follow.followed", followed},
                                {"followed", followed},
                                {"follow.min_score", min_score},
                                {"min_score", min_score}}),
                  followed, /*beside_fallback=*/true);
  }
  d.set("live", LiveAlertsData("", absl::ToUnixSeconds(absl::Now())));
  RenderPage(res, status, "finder_follows", d);
}

void WebApp::PostFollow(const httplib::Request& req, httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireSession(req, res);
  if (!signed_in.has_value()) return;
  if (!CheckCsrf(req, res, *signed_in)) return;
  data values;
  for (const char* field : {"followed", "min_score"}) {
    values.set(field, Param(req, field));
  }
  v1::CreateFollowRequest request;
  request.mutable_follow()->set_followed(FollowedName(Param(req, "followed")));
  request.set_request_id(RequestIdOf(req));
  FieldErrors errors;
  std::string min_score = Param(req, "min_score");
  if (!min_score.empty()) {
    int score = 0;
    if (!absl::SimpleAtoi(min_score, &score)) {
      errors.Add("follow.min_score", "must be a whole number from 0 to 100");
    } else {
      request.mutable_follow()->set_min_score(score);
    }
  }
  absl::Status status = errors.ToStatus();
  if (status.ok()) {
    absl::StatusOr<v1::Follow> follow = signed_in->session.client->Call(
        &v1::MatchingService::Stub::CreateFollow, request);
    if (follow.ok()) {
      sessions_.SetFlash(
          signed_in->id,
          absl::StrCat("You follow ", ShortRecord(follow->followed()),
                       ": every new match scoring ", follow->min_score(),
                       " or more is an alert"));
      Redirect(res, LocalPath(Param(req, "return_to"), "/follows"));
      return;
    }
    status = follow.status();
    if (ResendPageIfUnknown(req, res, *signed_in, status,
                            request.request_id())) {
      return;
    }
  }
  if (status.code() == absl::StatusCode::kUnauthenticated) {
    ApiErrorPage(res, status, &*signed_in);
    return;
  }
  RenderFollowsPage(req, res, *signed_in, HttpStatusOf(status), values, status);
}

void WebApp::PostUnfollow(const httplib::Request& req, httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireSession(req, res);
  if (!signed_in.has_value()) return;
  if (!CheckCsrf(req, res, *signed_in)) return;
  v1::DeleteFollowRequest request;
  request.set_name(Param(req, "name"));
  request.set_request_id(RequestIdOf(req));
  absl::StatusOr<v1::Follow> follow = signed_in->session.client->Call(
      &v1::MatchingService::Stub::DeleteFollow, request);
  if (!follow.ok()) {
    WriteErrorPage(req, res, *signed_in, follow.status(), request.request_id());
    return;
  }
  sessions_.SetFlash(
      signed_in->id,
      absl::StrCat("You no longer follow ", ShortRecord(follow->followed()),
                   ": its alerts so far are kept"));
  Redirect(res, LocalPath(Param(req, "return_to"), "/follows"));
}

// ---- alerts ----

void WebApp::GetAlerts(const httplib::Request& req, httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireSession(req, res);
  if (!signed_in.has_value()) return;
  const Session& session = signed_in->session;
  int days = 30;
  if (!absl::SimpleAtoi(Param(req, "days"), &days) || days < 1 || days > 365) {
    days = 30;
  }
  const absl::Time now = absl::Now();
  v1::ListAlertsRequest request;
  request.set_page_size(1000);
  request.mutable_since_time()->set_seconds(
      absl::ToUnixSeconds(now - absl::Hours(24) * days));
  Table table({{.key = "time", .label = "When"},
               {.key = "kind", .label = "What"},
               {.key = "child", .label = "Child profile"},
               {.key = "household", .label = "Household"},
               {.key = "score", .label = "Score", .numeric = true},
               {.key = "why", .label = "Why", .sortable = false}},
              {.default_sort = "time", .default_descending = true});
  std::string after;
  std::vector<v1::MatchAlert> alerts;
  absl::Status listed = ReadAll<v1::ListAlertsRequest, v1::ListAlertsResponse>(
      *session.client, &v1::MatchingService::Stub::ListAlerts, request,
      [&](const v1::ListAlertsResponse& page) {
        if (!page.resume_token().empty()) after = page.resume_token();
        alerts.insert(alerts.end(), page.alerts().begin(), page.alerts().end());
      });
  // Alerts carry their reasons' words: a catalogue only for codes alone.
  ReasonNeeds needs;
  for (const v1::MatchAlert& a : alerts) needs.Add(a.components());
  absl::StatusOr<std::shared_ptr<const ReasonCatalog>> reasons =
      listed.ok() ? Reasons(*session.client, needs) : listed;
  if (!reasons.ok()) {
    ApiErrorPage(res, reasons.status(), &*signed_in);
    return;
  }
  for (const v1::MatchAlert& a : alerts) {
    table.AddRow(AlertRow(**reasons, a),
                 {SortKey(Micros(a.time())), SortKey(int64_t{a.kind()}),
                  SortKey(a.child()), SortKey(a.adopter()),
                  SortKey(int64_t{a.score()})});
  }
  data d = LayoutData("Alerts", &*signed_in);
  d.set("days", absl::StrCat(days));
  data periods = List();
  for (int p : {7, 30, 90, 365}) {
    data item;
    item.set("days", absl::StrCat(p));
    item.set("href", absl::StrCat("/alerts?days=", p));
    if (p == days) item.set("current", true);
    periods.push_back(item);
  }
  d.set("periods", periods);
  d.set("alerts_table", table.Render(req.params, "/alerts"));
  d.set("has_alerts", table.size() > 0);
  data live = LiveAlertsData(after, absl::ToUnixSeconds(now));
  live.set("on_alerts_page", true);
  d.set("live", live);
  RenderPage(res, 200, "finder_alerts", d);
}

void WebApp::GetAlertsJson(const httplib::Request& req,
                           httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireSession(req, res);
  if (!signed_in.has_value()) {
    // A script's request: say so plainly rather than redirect to a page.
    res.headers.erase("Location");
    SendJson(res, 401, {{"error", "signed out"}});
    return;
  }
  v1::ListAlertsRequest request;
  request.set_page_size(50);
  const std::string after = Param(req, "after");
  request.set_resume_token(after);
  int64_t since = 0;
  if (absl::SimpleAtoi(Param(req, "since"), &since) && since > 0) {
    request.mutable_since_time()->set_seconds(since);
  }
  absl::StatusOr<v1::ListAlertsResponse> alerts =
      signed_in->session.client->Call(&v1::MatchingService::Stub::ListAlerts,
                                      request);
  if (!alerts.ok()) {
    if (alerts.status().code() == absl::StatusCode::kUnauthenticated) {
      sessions_.Remove(signed_in->id);
      SendJson(res, 401, {{"error", "signed out"}});
      return;
    }
    SendJson(res, HttpStatusOf(alerts.status()),
             {{"error", UserMessageOf(alerts.status())}});
    return;
  }
  nlohmann::json list = nlohmann::json::array();
  for (const v1::MatchAlert& a : alerts->alerts()) {
    nlohmann::json item = {
        {"name", a.name()},
        {"kind", a.kind() == v1::ALERT_KIND_FOLLOW_ENDED ? "follow_ended"
                                                         : "new_match"},
        {"time", TimeText(a.time())},
        {"child", ShortRecord(a.child())},
        {"child_href", RecordPath(a.child())},
        {"household", ShortRecord(a.adopter())},
        {"household_href", RecordPath(a.adopter())},
        {"score", a.score()},
        {"message", a.message()},
    };
    list.push_back(std::move(item));
  }
  SendJson(res, 200,
           {{"after",
             alerts->resume_token().empty() ? after : alerts->resume_token()},
            {"more", !alerts->next_page_token().empty()},
            {"alerts", std::move(list)}});
}

}  // namespace raa::web
