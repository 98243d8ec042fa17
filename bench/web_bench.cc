// web_bench: the web console's page time under concurrent sessions (issue
// 10, "Figures"), on a running raamatchd (fresh database) and raa-web in
// front of it. bench/web_bench.sh starts both and runs this.
//
//   web_bench --server 127.0.0.1:50051 --key <manager key>
//       --web 127.0.0.1:8080 --households 100 --sessions 20 --requests 25
//
// 1. Load, all through the gRPC API: two members (a local authority and a
//    regional adoption agency), --households approved households of the
//    agency that all rank for one waiting child of the authority, and
//    --placements children placed with other households (a fee each in the
//    ledger, so the balances page has positions and debts). --sessions API
//    keys of the authority with the family finder and finance roles.
// 2. Signs each key in to raa-web (GET /sign-in, POST /sign-in with the form's
//    CSRF token): --sessions sessions, each with its own cookie.
// 3. For each page in turn, --rounds times: the baseline GET /sign-in (a page
//    with no API call: the console's own cost), the child page
//    /children/{a}/{c} (RankAdopters of --households households and the
//    profile) and the balances page /ledger (GetBalances): --sessions
//    clients at once, each on its own keep-alive connection, each making
//    --requests requests one after the other. Every response must be 200.
// 4. Prints, per page: requests, the rate, and min / median / p99 of the
//    page time raa-web reports (Server-Timing: app;dur=<ms>: the handler,
//    its API calls and rendering) and of the time the client saw (the
//    request to the last byte, queueing in raa-web included), and each
//    median as a multiple of the baseline's. No assertions: figures.
// Prints `result:` lines of key=value pairs for scripts. Exits 1 on a failed
// call or a response that is not 200. Plain HTTP and plain gRPC: loopback.
#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "clients/lib/client.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace v1 = raa::v1;

constexpr char kAuthority[] = "web-bench-la";
constexpr char kAgency[] = "web-bench-borough";

double MsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start)
      .count();
}

google::type::Date DaysFromToday(int days) {
  absl::CivilDay day =
      absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()) + days;
  google::type::Date out;
  out.set_year(static_cast<int>(day.year()));
  out.set_month(day.month());
  out.set_day(day.day());
  return out;
}

// A girl of 3, waiting since her SHOBPA decision 250 days ago.
v1::Child BenchChild(int i) {
  v1::Child child;
  v1::ChildMember* member = child.add_members();
  member->set_age_months(36);
  member->set_sex(v1::SEX_FEMALE);
  member->set_heritage(v1::HERITAGE_WHITE_BRITISH);
  member->set_religion(v1::RELIGION_NO_RELIGION);
  member->set_first_language("en");
  *child.mutable_ages_as_of() = DaysFromToday(-10);
  child.set_contact_plan(v1::CONTACT_PLAN_LETTERBOX);
  child.set_early_permanence(v1::EARLY_PERMANENCE_NONE);
  child.set_summary(absl::StrCat("Web bench profile ", i, ": loves music"));
  v1::ChildJourney* journey = child.mutable_journey();
  *journey->mutable_entered_care() = DaysFromToday(-400);
  *journey->mutable_plan_for_adoption() = DaysFromToday(-300);
  *journey->mutable_shobpa_decision() = DaysFromToday(-250);
  return child;
}

// A household for children of 0-5 (wider for some), approved at a different
// date each, so the ranking's components differ.
v1::Adopter BenchHousehold(int i) {
  v1::Adopter adopter;
  adopter.set_status(v1::ADOPTER_STATUS_APPROVED);
  *adopter.mutable_registered_interest_on() = DaysFromToday(-900);
  *adopter.mutable_applied_on() = DaysFromToday(-850);
  *adopter.mutable_approved_on() = DaysFromToday(-20 - 7 * (i % 100));
  adopter.set_approved_for(1 + i % 3);
  adopter.set_min_age_months(0);
  adopter.set_max_age_months(48 + 6 * (i % 8));
  adopter.set_sex_preference(v1::SEX_PREFERENCE_ANY);
  adopter.add_heritage(v1::HERITAGE_WHITE_BRITISH);
  adopter.set_religion(v1::RELIGION_CHRISTIAN);
  adopter.add_languages("en");
  adopter.set_region(i % 2 == 0 ? "south-yorkshire" : "west-yorkshire");
  adopter.set_max_contact(v1::CONTACT_PLAN_LETTERBOX);
  adopter.set_fast_track(v1::FAST_TRACK_NONE);
  return adopter;
}

// Says what failed; the load gives up.
std::nullopt_t Failed(const std::string& what, const absl::Status& status) {
  std::cerr << "web_bench: " << what << ": " << status << "\n";
  return std::nullopt;
}

struct Loaded {
  std::string child;              // the ranked child's name
  std::vector<std::string> keys;  // one per session
  int eligible = 0;               // households ranked for the child
};

// Step 1: the consortium, through the API with the manager's key.
std::optional<Loaded> Load(const std::string& server, const std::string& key,
                           int households, int placements, int sessions) {
  raa::RaaClient manager({.server = server, .key = key});
  int request = 0;
  auto request_id = [&request] {
    return absl::StrCat("web-bench-", getpid(), "-", ++request);
  };
  for (auto [id, name, kind] :
       {std::tuple{kAuthority, "Web Bench City Council",
                   v1::AUTHORITY_KIND_LOCAL_AUTHORITY},
        std::tuple{kAgency, "Web Bench Borough Council",
                   v1::AUTHORITY_KIND_LOCAL_AUTHORITY}}) {
    v1::CreateAuthorityRequest create;
    create.set_authority_id(id);
    create.set_request_id(request_id());
    create.mutable_authority()->set_display_name(name);
    create.mutable_authority()->set_region("south-yorkshire");
    create.mutable_authority()->set_kind(kind);
    absl::StatusOr<v1::Authority> made =
        manager.Call(&v1::RegistryService::Stub::CreateAuthority, create);
    if (!made.ok()) return Failed("CreateAuthority", made.status());
  }
  auto new_key =
      [&](const char* authority,
          std::vector<v1::Role> roles) -> absl::StatusOr<std::string> {
    v1::CreateApiKeyRequest create;
    create.set_request_id(request_id());
    create.mutable_api_key()->set_authority(
        absl::StrCat("authorities/", authority));
    create.mutable_api_key()->set_display_name("web bench");
    for (v1::Role role : roles) create.mutable_api_key()->add_roles(role);
    absl::StatusOr<v1::CreateApiKeyResponse> made =
        manager.Call(&v1::AccessService::Stub::CreateApiKey, create);
    if (!made.ok()) return made.status();
    return made->secret();
  };
  absl::StatusOr<std::string> registrar_a =
      new_key(kAuthority, {v1::ROLE_REGISTRAR});
  absl::StatusOr<std::string> registrar_b =
      new_key(kAgency, {v1::ROLE_REGISTRAR});
  if (!registrar_a.ok()) return Failed("CreateApiKey", registrar_a.status());
  if (!registrar_b.ok()) return Failed("CreateApiKey", registrar_b.status());
  raa::RaaClient a({.server = server, .key = *registrar_a});
  raa::RaaClient b({.server = server, .key = *registrar_b});

  auto add_household = [&](int i) -> absl::StatusOr<std::string> {
    v1::CreateAdopterRequest create;
    create.set_parent(absl::StrCat("authorities/", kAgency));
    create.set_request_id(request_id());
    *create.mutable_adopter() = BenchHousehold(i);
    absl::StatusOr<v1::Adopter> made =
        b.Call(&v1::RegistryService::Stub::CreateAdopter, create);
    if (!made.ok()) return made.status();
    return made->name();
  };
  auto add_child = [&](int i) -> absl::StatusOr<std::string> {
    v1::CreateChildRequest create;
    create.set_parent(absl::StrCat("authorities/", kAuthority));
    create.set_request_id(request_id());
    *create.mutable_child() = BenchChild(i);
    absl::StatusOr<v1::Child> made =
        a.Call(&v1::RegistryService::Stub::CreateChild, create);
    if (!made.ok()) return made.status();
    return made->name();
  };

  Loaded loaded;
  absl::StatusOr<std::string> child = add_child(0);
  if (!child.ok()) return Failed("CreateChild", child.status());
  loaded.child = *child;
  // Placements first: their households are then linked, not ranked.
  for (int p = 0; p < placements; ++p) {
    absl::StatusOr<std::string> placed_child = add_child(1 + p);
    absl::StatusOr<std::string> household = add_household(households + p);
    if (!placed_child.ok()) return Failed("CreateChild", placed_child.status());
    if (!household.ok()) return Failed("CreateAdopter", household.status());
    v1::OpenLinkRequest open;
    open.set_child(*placed_child);
    open.set_adopter(*household);
    *open.mutable_opened_on() = DaysFromToday(-10);
    open.set_request_id(request_id());
    absl::StatusOr<v1::Link> link =
        manager.Call(&v1::JourneyService::Stub::OpenLink, open);
    if (!link.ok()) return Failed("OpenLink", link.status());
    int day = -9;
    for (v1::LinkStep step :
         {v1::LINK_STEP_LINKING_MEETING, v1::LINK_STEP_PAPERS_TO_PANEL,
          v1::LINK_STEP_PANEL_RECOMMENDED, v1::LINK_STEP_MATCH_DECIDED,
          v1::LINK_STEP_PLACED}) {
      v1::AdvanceLinkRequest advance;
      advance.set_name(link->name());
      advance.set_step(step);
      *advance.mutable_date() = DaysFromToday(day++);
      advance.set_request_id(request_id());
      absl::StatusOr<v1::Link> moved =
          manager.Call(&v1::JourneyService::Stub::AdvanceLink, advance);
      if (!moved.ok()) return Failed("AdvanceLink", moved.status());
    }
  }
  for (int i = 0; i < households; ++i) {
    absl::StatusOr<std::string> household = add_household(i);
    if (!household.ok()) return Failed("CreateAdopter", household.status());
  }
  for (int s = 0; s < sessions; ++s) {
    absl::StatusOr<std::string> k =
        new_key(kAuthority, {v1::ROLE_FAMILY_FINDER, v1::ROLE_FINANCE});
    if (!k.ok()) return Failed("CreateApiKey", k.status());
    loaded.keys.push_back(*k);
  }
  v1::RankAdoptersRequest rank;
  rank.set_child(loaded.child);
  rank.set_page_size(1);
  rank.set_view(v1::RANK_VIEW_BASIC);
  absl::StatusOr<v1::RankAdoptersResponse> ranking =
      manager.Call(&v1::MatchingService::Stub::RankAdopters, rank);
  if (!ranking.ok()) return Failed("RankAdopters", ranking.status());
  loaded.eligible = ranking->eligible();
  return loaded;
}

// The value of cookie `name` in a response's Set-Cookie headers.
std::string SetCookieValue(const httplib::Result& res,
                           const std::string& name) {
  for (const auto& [header, value] : res->headers) {
    if (header != "Set-Cookie" || !value.starts_with(name + "=")) continue;
    std::string v = value.substr(name.size() + 1);
    return v.substr(0, v.find(';'));
  }
  return "";
}

// Step 2: one session for `key`: its "raa_session=..." cookie, or "".
std::string SignIn(httplib::Client& http, const std::string& key) {
  httplib::Result form = http.Get("/sign-in");
  if (!form || form->status != 200) return "";
  std::string token = SetCookieValue(form, "raa_signin");
  httplib::Headers headers = {{"Cookie", absl::StrCat("raa_signin=", token)}};
  httplib::Params params = {{"csrf", token}, {"key", key}};
  httplib::Result done = http.Post("/sign-in", headers, params);
  if (!done || done->status != 303) return "";
  std::string session = SetCookieValue(done, "raa_session");
  return session.empty() ? "" : absl::StrCat("raa_session=", session);
}

// "app;dur=12.345" -> 12.345.
std::optional<double> ServerTimingMs(const std::string& header) {
  for (absl::string_view part : absl::StrSplit(header, ';')) {
    if (!absl::ConsumePrefix(&part, "dur=")) continue;
    double ms = 0;
    if (absl::SimpleAtod(part, &ms)) return ms;
  }
  return std::nullopt;
}

struct Samples {
  std::vector<double> server_ms;
  std::vector<double> client_ms;
  double wall_seconds = 0;
  int failures = 0;
};

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

// Step 3: `cookies.size()` clients at once on `path`, each `requests` in a
// row on its own connection (an empty cookie: not signed in).
void Drive(const std::string& host, int port, const std::string& path,
           const std::vector<std::string>& cookies, int requests,
           Samples& out) {
  std::mutex mu;
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  Clock::time_point start;
  for (const std::string& cookie : cookies) {
    threads.emplace_back([&, cookie] {
      httplib::Client http(host, port);
      http.set_keep_alive(true);
      http.set_read_timeout(60, 0);
      httplib::Headers headers;
      if (!cookie.empty()) headers.emplace("Cookie", cookie);
      std::vector<double> server, client;
      int failures = 0;
      ++ready;
      while (!go.load()) std::this_thread::yield();
      for (int r = 0; r < requests; ++r) {
        Clock::time_point t = Clock::now();
        httplib::Result res = http.Get(path, headers);
        double ms = MsSince(t);
        if (!res || res->status != 200) {
          ++failures;
          continue;
        }
        client.push_back(ms);
        std::optional<double> app =
            ServerTimingMs(res->get_header_value("Server-Timing"));
        if (app.has_value()) server.push_back(*app);
      }
      std::lock_guard<std::mutex> lock(mu);
      out.server_ms.insert(out.server_ms.end(), server.begin(), server.end());
      out.client_ms.insert(out.client_ms.end(), client.begin(), client.end());
      out.failures += failures;
    });
  }
  while (ready.load() < static_cast<int>(cookies.size())) {
    std::this_thread::yield();
  }
  start = Clock::now();
  go = true;
  for (std::thread& t : threads) t.join();
  out.wall_seconds += MsSince(start) / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string server = "127.0.0.1:50051";
  std::string key;
  std::string web = "127.0.0.1:8080";
  int households = 100;
  int placements = 12;
  int sessions = 20;
  int requests = 25;
  int rounds = 3;
  CLI::App app{"web_bench: raa-web's page time under concurrent sessions"};
  app.add_option("--server", server, "raamatchd address")
      ->capture_default_str();
  app.add_option("--key", key, "the bootstrap manager key")
      ->required()
      ->envname("RAA_KEY");
  app.add_option("--web", web, "raa-web's HOST:PORT (plain HTTP, loopback)")
      ->capture_default_str();
  app.add_option("--households", households,
                 "approved households ranked for the child")
      ->capture_default_str();
  app.add_option("--placements", placements,
                 "children placed (a fee each on the balances page)")
      ->capture_default_str();
  app.add_option("--sessions", sessions, "concurrent signed-in sessions")
      ->capture_default_str();
  app.add_option("--requests", requests,
                 "requests per session per page per round")
      ->capture_default_str();
  app.add_option("--rounds", rounds, "rounds of the three pages")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  size_t colon = web.rfind(':');
  int port = 0;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(web.substr(colon + 1), &port)) {
    std::cerr << "web_bench: --web HOST:PORT\n";
    return 2;
  }
  const std::string host = web.substr(0, colon);

  Clock::time_point load_start = Clock::now();
  std::optional<Loaded> loaded =
      Load(server, key, households, placements, sessions);
  if (!loaded.has_value()) return 1;
  std::cout << absl::StrFormat(
      "loaded in %.1f s: %d households (%d ranked for %s), %d placements, %d "
      "keys\n",
      MsSince(load_start) / 1000, households, loaded->eligible, loaded->child,
      placements, sessions);

  std::vector<std::string> cookies;
  {
    httplib::Client http(host, port);
    for (const std::string& k : loaded->keys) {
      std::string cookie = SignIn(http, k);
      if (cookie.empty()) {
        std::cerr << "web_bench: sign-in failed\n";
        return 1;
      }
      cookies.push_back(cookie);
    }
  }
  std::cout << "signed in " << cookies.size() << " sessions\n";

  // "authorities/a/children/c" -> "/children/a/c".
  std::vector<std::string> parts = absl::StrSplit(loaded->child, '/');
  const std::string child_path =
      absl::StrCat("/children/", parts[1], "/", parts[3]);
  struct Page {
    std::string label;
    std::string path;
    bool signed_in;
    Samples samples;
  };
  std::vector<Page> pages = {
      {"baseline GET /sign-in", "/sign-in", false, {}},
      {absl::StrCat("child page (", loaded->eligible, " ranked)"),
       child_path,
       true,
       {}},
      {"balances /ledger", "/ledger", true, {}},
  };
  const std::vector<std::string> anonymous(cookies.size(), "");
  // Warm-up: one request per session per page.
  for (Page& page : pages) {
    Samples ignored;
    Drive(host, port, page.path, page.signed_in ? cookies : anonymous, 1,
          ignored);
    if (ignored.failures > 0) {
      std::cerr << "web_bench: " << page.path << " did not answer 200\n";
      return 1;
    }
  }
  for (int round = 0; round < rounds; ++round) {
    for (Page& page : pages) {
      Drive(host, port, page.path, page.signed_in ? cookies : anonymous,
            requests, page.samples);
    }
  }

  std::cout << absl::StrFormat(
      "\n%d concurrent sessions, %d requests each per page per round, %d "
      "rounds; %u cores\n",
      sessions, requests, rounds, std::thread::hardware_concurrency());
  std::cout << absl::StrFormat("%-28s %6s %7s | %-24s | %-24s | %s\n", "page",
                               "reqs", "req/s", "server ms min/med/p99",
                               "client ms min/med/p99",
                               "x baseline (srv, cli)");
  const Samples& base = pages[0].samples;
  const double base_server = Percentile(base.server_ms, 0.5);
  const double base_client = Percentile(base.client_ms, 0.5);
  int failures = 0;
  for (const Page& page : pages) {
    const Samples& s = page.samples;
    failures += s.failures;
    double server_med = Percentile(s.server_ms, 0.5);
    double client_med = Percentile(s.client_ms, 0.5);
    std::cout << absl::StrFormat(
        "%-28s %6d %7.1f | %6.2f %7.2f %8.2f | %6.2f %7.2f %8.2f | %.1fx, "
        "%.1fx\n",
        page.label, s.client_ms.size(),
        static_cast<double>(s.client_ms.size()) / s.wall_seconds,
        Percentile(s.server_ms, 0), server_med, Percentile(s.server_ms, 0.99),
        Percentile(s.client_ms, 0), client_med, Percentile(s.client_ms, 0.99),
        base_server > 0 ? server_med / base_server : 0,
        base_client > 0 ? client_med / base_client : 0);
    std::cout << absl::StrFormat(
        "result: page=%s requests=%d failures=%d rate=%.1f server_min=%.3f "
        "server_median=%.3f server_p99=%.3f client_min=%.3f "
        "client_median=%.3f client_p99=%.3f\n",
        page.path == "/sign-in"  ? "sign-in"
        : page.path == "/ledger" ? "ledger"
                                 : "child",
        s.client_ms.size(), s.failures,
        static_cast<double>(s.client_ms.size()) / s.wall_seconds,
        Percentile(s.server_ms, 0), server_med, Percentile(s.server_ms, 0.99),
        Percentile(s.client_ms, 0), client_med, Percentile(s.client_ms, 0.99));
  }
  if (failures > 0) {
    std::cerr << "web_bench: " << failures << " responses were not 200\n";
    return 1;
  }
  return 0;
}
