// raa match adopters|children|explain, follows and alerts
// (follow|follows|unfollow|watch|alerts), and raa policy show|set.
#include <algorithm>
#include <memory>
#include <optional>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "clients/lib/csv_field.h"
#include "clients/lib/profile_text.h"
#include "clients/lib/user_json.h"
#include "clients/raa/cli.h"
#include "common/errors.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"

namespace raa::cli {
namespace {

using Matching = v1::MatchingService::Stub;
using Registry = v1::RegistryService::Stub;

std::string Points(int tenths) {
  return absl::StrCat(tenths / 10, ".", tenths % 10);
}

// "   capacity_fit  20  100%  20.0  approved for 3, group of 3", fitted to
// the output width after `indent`; the words from `reasons`.
void PrintComponents(
    const Cli& cli, const ReasonCatalog& reasons,
    const google::protobuf::RepeatedPtrField<v1::ScoreComponent>& components,
    const std::string& indent) {
  Table table({"COMPONENT", "WEIGHT", "FIT", "POINTS", "WHY"});
  for (const v1::ScoreComponent& c : components) {
    table.AddRow({reasons.ComponentKey(c), absl::StrCat(c.weight()),
                  absl::StrCat(c.fit_permille() / 10, "%"),
                  Points(c.points_tenths()), reasons.ReasonOf(c)});
  }
  table.PrintText(std::cout, OutputWidth(cli), indent);
}

template <typename Response>
void PrintSummary(const Cli& cli, const ReasonCatalog& reasons,
                  const Response& r, const std::string& noun) {
  const int width = OutputWidth(cli);
  PrintWrapped(
      std::cout,
      absl::StrCat(r.considered(), " ", noun, " considered, ", r.eligible(),
                   " eligible, ", r.excluded(), " excluded (matching policy v",
                   r.policy_version(), ")"),
      width);
  for (const v1::Exclusion& e : r.exclusions()) {
    PrintWrapped(std::cout, absl::StrCat("excluded: ", reasons.TextOf(e)),
                 width, "  ");
  }
}

// One JSON object on one line: for streams read by other tools (JSON lines).
std::string JsonLine(const google::protobuf::Message& message) {
  return ToUserJson(message, JsonLayout::kOneLine);
}

std::string AlertTime(const v1::MatchAlert& alert) {
  return google::protobuf::util::TimeUtil::ToString(alert.time()).substr(0, 19);
}

// "sheffield/c12" for "authorities/sheffield/children/c12".
std::string ShortId(const std::string& name) {
  std::vector<std::string> parts =
      absl::StrSplit(absl::StripPrefix(name, "authorities/"), '/');
  if (parts.size() == 3) return absl::StrCat(parts[0], "/", parts[2]);
  return ShortName(name);
}

// "#12" for "authorities/sheffield/alerts/12"; "" for an ad-hoc alert.
std::string AlertNumber(const v1::MatchAlert& alert) {
  if (alert.name().empty()) return "";
  return absl::StrCat("#", alert.name().substr(alert.name().rfind('/') + 1));
}

// "2026-11-23T00:10:45  sheffield/h151 fits sheffield/c160, score 95"
std::string AlertLine(const v1::MatchAlert& alert) {
  std::string number = AlertNumber(alert);
  std::string line = AlertTime(alert) + "  ";
  if (!number.empty()) line += number + "  ";
  if (alert.kind() == v1::ALERT_KIND_FOLLOW_ENDED) {
    return line + alert.message() + ": no longer followed";
  }
  return absl::StrCat(line, ShortId(alert.adopter()), " fits ",
                      ShortId(alert.child()), ", score ", alert.score());
}

void PrintAlertsCsv(
    const google::protobuf::RepeatedPtrField<v1::MatchAlert>& alerts) {
  Table table({"TIME", "ALERT", "KIND", "FOLLOW", "FOLLOWED", "CHILD",
               "ADOPTER", "SCORE", "MESSAGE", "RESUME TOKEN"});
  for (const v1::MatchAlert& a : alerts) {
    const bool new_fit = a.kind() != v1::ALERT_KIND_FOLLOW_ENDED;
    table.AddRow({AlertTime(a), AlertNumber(a).substr(1),
                  new_fit ? "new_fit" : "follow_ended", ShortId(a.follow()),
                  ShortId(a.followed()), ShortId(a.child()),
                  ShortId(a.adopter()), new_fit ? absl::StrCat(a.score()) : "",
                  a.message(), a.resume_token()});
  }
  Cli::Current().csv = true;  // Table::Print writes it, with --columns
  table.Print();
}

void PrintFollows(
    const google::protobuf::RepeatedPtrField<v1::Follow>& follows) {
  Table table({"FOLLOW", "FOLLOWED", "MIN SCORE", "STATE", "SINCE"});
  for (const v1::Follow& f : follows) {
    std::string state = f.state() == v1::FOLLOW_STATE_ACTIVE
                            ? "active"
                            : absl::StrCat("ended: ", f.end_reason());
    table.AddRow({ShortId(f.name()), ShortId(f.followed()),
                  absl::StrCat(f.min_score()), state,
                  google::protobuf::util::TimeUtil::ToString(f.create_time())
                      .substr(0, 10)});
  }
  table.Print();
}

void AddMatchFollowCommand(CLI::App& group, Cli& cli) {
  auto* cmd = group.add_subcommand(
      "follow",
      "keep alerts for a child or household, whether or not you watch");
  auto child = std::make_shared<std::string>();
  auto adopter = std::make_shared<std::string>();
  auto min_score = std::make_shared<int>(50);
  auto* which = cmd->add_option_group("record", "what to follow (one)");
  which->add_option("--child", *child, "the child: c12 or sheffield/c12");
  which->add_option("--adopter", *adopter, "the household: leeds/h7");
  which->require_option(1);
  cmd->add_option("--min-score", *min_score, "alert at or above this score")
      ->capture_default_str();
  cmd->callback([&cli, child, adopter, min_score] {
    v1::CreateFollowRequest request;
    request.mutable_follow()->set_followed(
        child->empty() ? RecordName(*adopter, "adopters", cli.authority)
                       : RecordName(*child, "children", cli.authority));
    request.mutable_follow()->set_min_score(*min_score);
    request.set_request_id(cli.RequestId());
    auto r = cli.client().Call(&Matching::CreateFollow, request);
    if (!r.ok()) {
      cli.exit_code = Fail(r.status());
      return;
    }
    if (cli.json) return PrintJson(*r);
    std::cout << ShortId(r->name()) << ": following " << ShortId(r->followed())
              << ", alerts at score " << r->min_score()
              << " or above are kept (raa match alerts; raa match watch)\n";
  });
}

void AddMatchFollowsCommand(CLI::App& group, Cli& cli) {
  auto* cmd = group.add_subcommand("follows", "your authority's follows");
  cmd->callback([&cli] {
    v1::ListFollowsResponse all;
    if (!FetchPages(cli, &Matching::ListFollows, v1::ListFollowsRequest(), true,
                    all)) {
      return;
    }
    if (cli.json) return PrintJson(all);
    PrintFollows(all.follows());
    std::cout << all.follows_size() << " follows\n";
  });
}

void AddMatchUnfollowCommand(CLI::App& group, Cli& cli) {
  auto* cmd =
      group.add_subcommand("unfollow", "stop a follow (its alerts are kept)");
  auto name = std::make_shared<std::string>();
  cmd->add_option("follow", *name, "f3, sheffield/f3 or the full name")
      ->required();
  cmd->callback([&cli, name] {
    v1::DeleteFollowRequest request;
    request.set_name(RecordName(*name, "follows", cli.authority));
    request.set_request_id(cli.RequestId());
    auto r = cli.client().Call(&Matching::DeleteFollow, request);
    if (!r.ok()) {
      cli.exit_code = Fail(r.status());
      return;
    }
    if (cli.json) return PrintJson(*r);
    std::cout << ShortId(r->name()) << ": no longer following "
              << ShortId(r->followed()) << "\n";
  });
}

// raa match watch's flags: records to watch while it runs (--child,
// --adopter, --min-score), or follows (--follow, --resume-token).
struct WatchFlags {
  std::vector<std::string> children;
  std::vector<std::string> adopters;
  std::vector<std::string> follows;
  int min_score = 0;
  int count = 0;
  std::string token;

  void Add(CLI::App* cmd) {
    cmd->add_option("--child", children,
                    "a child to watch, only while this runs (repeatable)");
    cmd->add_option("--adopter", adopters,
                    "a household to watch, only while this runs (repeatable)");
    cmd->add_option("--min-score", min_score,
                    "with --child/--adopter: alert at or above this (default "
                    "50)");
    cmd->add_option("--follow", follows,
                    "a follow to watch (repeatable); default: all of your "
                    "authority's follows");
    cmd->add_option("--resume-token", token,
                    "first print the kept alerts after this one");
    cmd->add_option("--count", count, "stop after this many alerts (0: never)");
  }
  bool ad_hoc() const { return !children.empty() || !adopters.empty(); }
};

// The request the flags ask for; nullopt (with a usage error) when they mix
// records and follows.
std::optional<v1::WatchMatchesRequest> WatchRequest(Cli& cli,
                                                    const WatchFlags& f) {
  v1::WatchMatchesRequest request;
  for (const std::string& c : f.children) {
    request.add_children(RecordName(c, "children", cli.authority));
  }
  for (const std::string& a : f.adopters) {
    request.add_adopters(RecordName(a, "adopters", cli.authority));
  }
  for (const std::string& follow : f.follows) {
    request.add_follows(RecordName(follow, "follows", cli.authority));
  }
  if (f.ad_hoc() && (!f.follows.empty() || !f.token.empty())) {
    cli.exit_code = UsageError(
        "--child/--adopter watch only while this runs; --follow and "
        "--resume-token are for follows: give one or the other");
    return std::nullopt;
  }
  if (!f.ad_hoc() && f.min_score != 0) {
    cli.exit_code = UsageError(
        "--min-score is for --child/--adopter: a follow has its own "
        "(raa match follow --min-score)");
    return std::nullopt;
  }
  if (f.ad_hoc()) request.set_min_score(f.min_score);
  request.set_resume_token(f.token);
  return request;
}

// On stderr: what is watched, and how to stop.
void SayWhatIsWatched(const WatchFlags& f,
                      const v1::WatchMatchesRequest& request) {
  if (f.ad_hoc()) {
    std::cerr << "watching " << request.children_size() << " children and "
              << request.adopters_size()
              << " households (alerts are not kept: use raa match "
                 "follow for that); Ctrl-C to stop\n";
  } else if (f.follows.empty()) {
    std::cerr << "watching every follow of your authority; Ctrl-C to "
                 "stop\n";
  } else {
    std::cerr << "watching " << f.follows.size()
              << " follows; Ctrl-C to stop\n";
  }
}

// Prints the alerts as they come, until the server ends the stream or
// --count alerts have come; then the exit code, and (unless --json) the
// token to resume from.
void Watch(Cli& cli, const v1::WatchMatchesRequest& request,
           const WatchFlags& f) {
  grpc::ClientContext context;
  if (IsSendableKey(cli.key)) {
    context.AddMetadata("authorization", absl::StrCat("Bearer ", cli.key));
  }
  auto reader = cli.client().matching().WatchMatches(&context, request);
  if (!cli.json) SayWhatIsWatched(f, request);
  v1::MatchAlert alert;
  std::string last_token = f.token;
  int seen = 0;
  bool stopped = false;
  while (reader->Read(&alert)) {
    if (!alert.resume_token().empty()) last_token = alert.resume_token();
    std::cout << (cli.json ? JsonLine(alert) : AlertLine(alert)) << std::endl;
    if (f.count > 0 && ++seen >= f.count) {
      stopped = true;
      context.TryCancel();
      break;
    }
  }
  grpc::Status status = reader->Finish();
  if (stopped || status.error_code() == grpc::StatusCode::CANCELLED) return;
  if (status.error_code() == grpc::StatusCode::FAILED_PRECONDITION &&
      absl::StrContains(status.error_message(), "nothing left to watch")) {
    std::cerr << "watch ended: " << status.error_message() << "\n";
    cli.exit_code = kExitRefused;
    return;
  }
  if (!status.ok()) cli.exit_code = Fail(FromGrpcStatus(status));
  if (!last_token.empty() && !cli.json) {
    std::cerr << "resume with --resume-token " << last_token << "\n";
  }
}

void AddMatchWatchCommand(CLI::App& group, Cli& cli) {
  auto* cmd = group.add_subcommand(
      "watch",
      "print alerts as they happen: for your follows (kept while you are "
      "away), or for records you name (only while this runs)");
  auto flags = std::make_shared<WatchFlags>();
  flags->Add(cmd);
  cmd->callback([&cli, flags] {
    std::optional<v1::WatchMatchesRequest> request = WatchRequest(cli, *flags);
    if (request) Watch(cli, *request, *flags);
  });
}

void AddMatchAlertsCommand(CLI::App& group, Cli& cli) {
  auto* cmd = group.add_subcommand(
      "alerts", "the alerts kept for your authority's follows, oldest first");
  auto token = std::make_shared<std::string>();
  auto since = std::make_shared<std::string>();
  auto follow = std::make_shared<std::string>();
  auto child = std::make_shared<std::string>();
  auto page_size = std::make_shared<int>(0);
  auto all = std::make_shared<bool>(false);
  auto csv = std::make_shared<bool>(false);
  cmd->add_option("--since-token", *token,
                  "only alerts after the one this token came from");
  cmd->add_option("--since", *since,
                  "only alerts from this time on (2026-11-23 or "
                  "2026-11-23T09:00:00Z)");
  cmd->add_option("--follow", *follow, "only this follow's (f3)");
  cmd->add_option("--child", *child, "only alerts naming this child");
  cmd->add_option("--page-size", *page_size, "alerts per page (1-1000)");
  cmd->add_flag("--all", *all, "every page, not only the first");
  cmd->add_flag("--csv", *csv, "comma-separated, for a spreadsheet");
  cmd->callback([&cli, token, since, follow, child, page_size, all, csv] {
    v1::ListAlertsRequest request;
    request.set_resume_token(*token);
    request.set_page_size(*page_size);
    if (!follow->empty()) {
      request.set_follow(RecordName(*follow, "follows", cli.authority));
    }
    if (!child->empty()) {
      request.set_child(RecordName(*child, "children", cli.authority));
    }
    if (!since->empty()) {
      std::string text = *since;
      if (text.size() == 10) text += "T00:00:00Z";
      if (!google::protobuf::util::TimeUtil::FromString(
              text, request.mutable_since_time())) {
        cli.exit_code = UsageError(
            "--since takes a date (2026-11-23) or a UTC time "
            "(2026-11-23T09:00:00Z)");
        return;
      }
    }
    v1::ListAlertsResponse got;
    if (!FetchPages(cli, &Matching::ListAlerts, request, *all, got)) return;
    if (cli.json) return PrintJson(got);
    // --csv before the command or after it: the same CSV.
    if (*csv || cli.csv) return PrintAlertsCsv(got.alerts());
    for (const v1::MatchAlert& a : got.alerts()) {
      std::cout << AlertLine(a) << "\n";
    }
    std::cout << got.alerts_size() << " alerts";
    if (!got.next_page_token().empty()) std::cout << "; more with --all";
    std::cout << "\n";
    if (!got.resume_token().empty()) {
      std::cout << "next time: raa match alerts --since-token "
                << got.resume_token() << "\n";
    }
  });
}

// raa match follow|follows|unfollow|watch|alerts.
void AddFollowCommands(CLI::App& group, Cli& cli) {
  AddMatchFollowCommand(group, cli);
  AddMatchFollowsCommand(group, cli);
  AddMatchUnfollowCommand(group, cli);
  AddMatchWatchCommand(group, cli);
  AddMatchAlertsCommand(group, cli);
}

// The score components' names, in the order the server gives them.
template <typename Ranked>
std::vector<std::string> ComponentNames(
    const ReasonCatalog& reasons,
    const google::protobuf::RepeatedPtrField<Ranked>& ranked) {
  std::vector<std::string> names;
  for (const Ranked& r : ranked) {
    for (const v1::ScoreComponent& c : r.components()) {
      std::string name = reasons.ComponentKey(c);
      if (std::find(names.begin(), names.end(), name) == names.end()) {
        names.push_back(std::move(name));
      }
    }
  }
  return names;
}

// A component's points and reason for the shortlist's columns.
void AddComponentCells(
    const ReasonCatalog& reasons, const std::vector<std::string>& names,
    const google::protobuf::RepeatedPtrField<v1::ScoreComponent>& components,
    std::vector<std::string>& row) {
  for (const std::string& name : names) {
    const v1::ScoreComponent* found = nullptr;
    for (const v1::ScoreComponent& c : components) {
      if (reasons.ComponentKey(c) == name) found = &c;
    }
    row.push_back(found == nullptr ? "" : Points(found->points_tenths()));
    row.push_back(found == nullptr ? "" : reasons.ReasonOf(*found));
  }
}

std::vector<std::string> ComponentHeaders(
    const std::vector<std::string>& names) {
  std::vector<std::string> headers;
  for (const std::string& name : names) {
    std::string upper = absl::AsciiStrToUpper(name);
    std::replace(upper.begin(), upper.end(), '_', ' ');
    headers.push_back(upper + " POINTS");
    headers.push_back(upper + " WHY");
  }
  return headers;
}

// Whether to print the ranking as one table (a shortlist) rather than a
// block per candidate: with --csv or --columns.
bool AsShortlist(const Cli& cli) { return cli.csv || !cli.columns.empty(); }

// The household's key details for a shortlist (blank where it cannot be
// read).
std::vector<std::string> HouseholdDetails(Cli& cli, const std::string& name) {
  v1::GetAdopterRequest get;
  get.set_name(name);
  absl::StatusOr<v1::Adopter> a = cli.client().Call(&Registry::GetAdopter, get);
  if (!a.ok()) return std::vector<std::string>(9);
  TextFields text = AdopterToText(*a);
  std::string authority = ShortName(name).substr(0, ShortName(name).find('/'));
  return {authority,
          text["status"],
          text["approved_for"],
          absl::StrCat(FormatAgeMonths(a->min_age_months()), "-",
                       FormatAgeMonths(a->max_age_months())),
          text["sex_preference"],
          text["need_limits"],
          text["max_contact"],
          a->region(),
          text["approved_on"]};
}

std::vector<std::string> ChildDetails(Cli& cli, const std::string& name) {
  v1::GetChildRequest get;
  get.set_name(name);
  absl::StatusOr<v1::Child> c = cli.client().Call(&Registry::GetChild, get);
  if (!c.ok()) return std::vector<std::string>(9);
  TextFields text = ChildToText(*c);
  std::vector<std::string> ages;
  for (const v1::ChildMember& m : c->members()) {
    ages.push_back(FormatAgeMonths(m.age_months()));
  }
  std::string authority = ShortName(name).substr(0, ShortName(name).find('/'));
  return {authority,
          text["ages_as_of"],
          absl::StrCat(c->members_size()),
          absl::StrJoin(ages, ", "),
          text["sex"],
          text["needs"],
          text["contact_plan"],
          c->region(),
          text["entered_care"]};
}

// Rank flags shared by `match adopters` and `match children`.
struct RankFlags {
  std::string record;
  int min_score = 0;
  bool brief = false;
  Paging paging;
  void Add(CLI::App* cmd, const std::string& flag, const std::string& help,
           const std::string& noun) {
    cmd->add_option(flag, record, "REQUIRED: " + help)->required();
    cmd->add_option("--min-score", min_score, "only scores at least this");
    cmd->add_flag("--brief", brief, "scores only, without the reasons");
    paging.Add(cmd, 10, 100, noun);
  }
  v1::RankView View() const {
    // FULL: reasons as codes (the compact form), rendered from the
    // catalogue.
    return brief ? v1::RANK_VIEW_BASIC : v1::RANK_VIEW_FULL;
  }
};

void AddMatchAdoptersCommand(CLI::App* group, Cli& cli) {
  auto* cmd = group->add_subcommand(
      "adopters",
      "child-led search: the households for a child (--csv: a shortlist "
      "with each household's details and every score component)");
  auto flags = std::make_shared<RankFlags>();
  flags->Add(cmd, "--child", "c12, sheffield/c12 or the full name",
             "households");
  cmd->callback([&cli, flags] {
    if (!flags->paging.Check(cli)) return;
    v1::RankAdoptersRequest request;
    request.set_child(RecordName(flags->record, "children", cli.authority));
    request.set_min_score(flags->min_score);
    request.set_view(flags->View());
    v1::RankAdoptersResponse r;
    if (!FetchPages(
            cli, &Matching::RankAdopters, request, flags->paging,
            [](const auto& page) { return page.adopters_size(); }, r)) {
      return;
    }
    // FULL sends reasons as codes: their words come from the catalogue.
    std::shared_ptr<const ReasonCatalog> reasons =
        cli.Reasons(ReasonNeeds::Of(r));
    if (reasons == nullptr) return;
    if (cli.json) {
      AddReasonWords(*reasons, r);
      return PrintJson(r);
    }
    if (AsShortlist(cli)) {
      std::vector<std::string> names = ComponentNames(*reasons, r.adopters());
      std::vector<std::string> headers = {
          "RANK",        "HOUSEHOLD",      "SCORE",
          "AUTHORITY",   "STATUS",         "APPROVED FOR",
          "AGES",        "SEX PREFERENCE", "NEEDS CONSIDERED",
          "MAX CONTACT", "REGION",         "APPROVED ON"};
      for (std::string& h : ComponentHeaders(names)) headers.push_back(h);
      Table table(headers);
      int rank = std::max(r.first_rank(), 1) - 1;
      for (const v1::RankedAdopter& a : r.adopters()) {
        std::vector<std::string> row = {absl::StrCat(++rank),
                                        ShortName(a.adopter()),
                                        absl::StrCat(a.score())};
        for (std::string& d : HouseholdDetails(cli, a.adopter())) {
          row.push_back(std::move(d));
        }
        AddComponentCells(*reasons, names, a.components(), row);
        table.AddRow(std::move(row));
      }
      table.Print();
      PrintMore(cli, r.next_page_token());
      return;
    }
    std::cout << "Households for " << ShortName(r.child()) << "\n";
    PrintSummary(cli, *reasons, r, "households");
    int rank = std::max(r.first_rank(), 1) - 1;
    for (const v1::RankedAdopter& a : r.adopters()) {
      std::cout << "\n"
                << ++rank << ". " << ShortName(a.adopter()) << "  score "
                << a.score() << "\n";
      if (!flags->brief) {
        PrintComponents(cli, *reasons, a.components(), "   ");
      }
    }
    if (r.adopters().empty()) std::cout << "\nNo household fits.\n";
    PrintMore(cli, r.next_page_token());
  });
}

void AddMatchChildrenCommand(CLI::App* group, Cli& cli) {
  auto* cmd = group->add_subcommand(
      "children",
      "family-led search: the children for a household (--csv: a shortlist "
      "with each profile's details and every score component)");
  auto flags = std::make_shared<RankFlags>();
  flags->Add(cmd, "--adopter", "h7, leeds/h7 or the full name",
             "child profiles");
  cmd->callback([&cli, flags] {
    if (!flags->paging.Check(cli)) return;
    v1::RankChildrenRequest request;
    request.set_adopter(RecordName(flags->record, "adopters", cli.authority));
    request.set_min_score(flags->min_score);
    request.set_view(flags->View());
    v1::RankChildrenResponse r;
    if (!FetchPages(
            cli, &Matching::RankChildren, request, flags->paging,
            [](const auto& page) { return page.children_size(); }, r)) {
      return;
    }
    std::shared_ptr<const ReasonCatalog> reasons =
        cli.Reasons(ReasonNeeds::Of(r));
    if (reasons == nullptr) return;
    if (cli.json) {
      AddReasonWords(*reasons, r);
      return PrintJson(r);
    }
    if (AsShortlist(cli)) {
      std::vector<std::string> names = ComponentNames(*reasons, r.children());
      std::vector<std::string> headers = {
          "RANK", "CHILD", "SCORE", "AUTHORITY", "AGES AS OF", "GROUP",
          "AGES", "SEX",   "NEEDS", "CONTACT",   "REGION",     "ENTERED CARE"};
      for (std::string& h : ComponentHeaders(names)) headers.push_back(h);
      Table table(headers);
      int rank = std::max(r.first_rank(), 1) - 1;
      for (const v1::RankedChild& c : r.children()) {
        std::vector<std::string> row = {absl::StrCat(++rank),
                                        ShortName(c.child()),
                                        absl::StrCat(c.score())};
        for (std::string& d : ChildDetails(cli, c.child())) {
          row.push_back(std::move(d));
        }
        AddComponentCells(*reasons, names, c.components(), row);
        table.AddRow(std::move(row));
      }
      table.Print();
      PrintMore(cli, r.next_page_token());
      return;
    }
    std::cout << "Children for " << ShortName(r.adopter()) << "\n";
    PrintSummary(cli, *reasons, r, "child profiles");
    int rank = std::max(r.first_rank(), 1) - 1;
    for (const v1::RankedChild& c : r.children()) {
      std::cout << "\n"
                << ++rank << ". " << ShortName(c.child()) << "  score "
                << c.score() << "\n";
      if (!flags->brief) {
        PrintComponents(cli, *reasons, c.components(), "   ");
      }
    }
    if (r.children().empty()) std::cout << "\nNo child fits.\n";
    PrintMore(cli, r.next_page_token());
  });
}

void AddMatchExplainCommand(CLI::App* group, Cli& cli) {
  auto* cmd = group->add_subcommand(
      "explain",
      "why a child and a household are or are not a fit (also for a pair "
      "that is closed: matched, placed or withdrawn)");
  auto child = std::make_shared<std::string>();
  auto adopter = std::make_shared<std::string>();
  cmd->add_option("--child", *child, "REQUIRED: the child")->required();
  cmd->add_option("--adopter", *adopter, "REQUIRED: the household")->required();
  cmd->callback([&cli, child, adopter] {
    v1::ExplainPairRequest request;
    request.set_child(RecordName(*child, "children", cli.authority));
    request.set_adopter(RecordName(*adopter, "adopters", cli.authority));
    auto r = cli.client().Call(&Matching::ExplainPair, request);
    if (!r.ok()) {
      cli.exit_code = Fail(r.status());
      return;
    }
    // ExplainPair sends words as well as codes: a catalogue only for a
    // server that sent codes alone.
    ReasonNeeds needs;
    needs.Add(r->components());
    std::shared_ptr<const ReasonCatalog> reasons = cli.Reasons(needs);
    if (reasons == nullptr) return;
    if (cli.json) {
      AddReasonWords(*reasons, *r->mutable_components());
      return PrintJson(*r);
    }
    const int width = OutputWidth(cli);
    PrintWrapped(std::cout,
                 absl::StrCat(ShortName(r->child()), " and ",
                              ShortName(r->adopter()), ": ",
                              !r->closed_reason().empty() ? "a closed pair"
                              : r->eligible()             ? "a possible link"
                                                          : "not a fit",
                              ", score ", r->score(), " (matching policy v",
                              r->policy_version(), ")"),
                 width);
    if (!r->closed_reason().empty()) {
      PrintWrapped(std::cout,
                   absl::StrCat("Closed: ", r->closed_reason(),
                                ". Explained as of today, as if it were "
                                "open."),
                   width);
    }
    std::cout << "\nHard constraints\n";
    Table table({"", "CONSTRAINT", "WHY"});
    for (const v1::ConstraintCheck& c : r->constraints()) {
      table.AddRow({c.passed() ? "pass" : "FAIL", c.constraint(), c.reason()});
    }
    table.PrintText(std::cout, width);
    std::cout << "\nScore components\n";
    PrintComponents(cli, *reasons, r->components(), "");
  });
}

// The reason catalogue's text form: what it is, then a section each for the
// score components, the constraints, the phrases and the tables.
void PrintCatalogue(const Cli& cli, const v1::ReasonCatalog& catalog) {
  const int width = OutputWidth(cli);
  PrintWrapped(std::cout,
               absl::StrCat("reason catalogue ", catalog.version(),
                            " (matching policy v", catalog.policy_version(),
                            "): ", catalog.components_size(),
                            " score components, ", catalog.constraints_size(),
                            " constraints, ", catalog.phrases_size(),
                            " phrases, ", catalog.tables_size(), " tables"),
               width);
  std::cout << "\nScore components (ScoreComponent.id)\n";
  Table components({"ID", "KEY", "TITLE"});
  for (const v1::ComponentText& c : catalog.components()) {
    components.AddRow(
        {absl::StrCat(static_cast<int>(c.id())), c.key(), c.title()});
  }
  components.PrintText(std::cout, width);
  std::cout << "\nConstraints (Exclusion.id)\n";
  Table constraints({"ID", "KEY"});
  for (const v1::ConstraintText& c : catalog.constraints()) {
    constraints.AddRow({absl::StrCat(static_cast<int>(c.id())), c.key()});
  }
  constraints.PrintText(std::cout, width);
  PrintWrapped(std::cout,
               "\nPhrases (reason_codes): each takes the next NUMBERS of "
               "reason_args and STRINGS of reason_text_args; phrases are "
               "joined with \"; \" unless one CONTINUES the one before. In a "
               "template {N} is number N, {N|one|other} a word by number N, "
               "{N:table} entry N of a table, {sN} string N.",
               width);
  Table phrases({"CODE", "NUMBERS", "STRINGS", "CONTINUES", "TEMPLATE"});
  for (const v1::ReasonPhrase& p : catalog.phrases()) {
    phrases.AddRow({absl::StrCat(p.code()), absl::StrCat(p.arity()),
                    absl::StrCat(p.text_arity()), p.continues() ? "yes" : "",
                    p.text()});
  }
  phrases.PrintText(std::cout, width);
  std::cout << "\nTables ({N:table})\n";
  Table tables({"TABLE", "N", "WORDS"});
  for (const v1::ReasonTable& t : catalog.tables()) {
    for (int i = 0; i < t.entries_size(); ++i) {
      tables.AddRow({t.name(), absl::StrCat(i), t.entries(i)});
    }
  }
  tables.PrintText(std::cout, width);
}

void AddMatchReasonsCommand(CLI::App* group, Cli& cli) {
  auto* cmd = group->add_subcommand(
      "reasons",
      "the reason catalogue: the words of every coded reason, for scripts "
      "that read RANK_VIEW_FULL (--json: the GetReasonCatalog message)");
  cmd->callback([&cli] {
    absl::StatusOr<v1::ReasonCatalog> catalog =
        FetchReasonCatalog(cli.client());
    if (!catalog.ok()) {
      cli.exit_code = Fail(catalog.status());
      return;
    }
    if (cli.json) return PrintJson(*catalog);
    PrintCatalogue(cli, *catalog);
  });
}

}  // namespace

void AddMatchCommands(CLI::App& app, Cli& cli) {
  CLI::App* group = app.add_subcommand(
      "match", "family finding: ranked, explained links and alerts");
  group->require_subcommand(1);
  AddMatchAdoptersCommand(group, cli);
  AddMatchChildrenCommand(group, cli);
  AddMatchExplainCommand(group, cli);
  AddMatchReasonsCommand(group, cli);
  AddFollowCommands(*group, cli);
}

void AddPolicyCommands(CLI::App& app, Cli& cli) {
  CLI::App* group = app.add_subcommand(
      "policy", "the matching policy: score weights and the open-link limit");
  group->require_subcommand(1);
  auto print = [&cli](const absl::StatusOr<v1::MatchingPolicy>& p) {
    if (!p.ok()) {
      cli.exit_code = Fail(p.status());
      return;
    }
    if (cli.json) return PrintJson(*p);
    std::cout << "matching policy v" << p->version() << " (set by "
              << p->updated_by() << ")\n";
    Table table({"COMPONENT", "WEIGHT"});
    for (const v1::ComponentWeight& w : p->weights()) {
      table.AddRow({w.component(), absl::StrCat(w.weight())});
    }
    table.Print();
    std::cout << "max open links per household: " << p->max_open_links()
              << "\n";
    std::cout << "max open links per child profile: "
              << p->max_open_links_per_child() << "\n";
  };
  {
    auto* cmd = group->add_subcommand("show", "the policy in force");
    cmd->callback([&cli, print] {
      print(cli.client().Call(&Matching::GetMatchingPolicy,
                              v1::GetMatchingPolicyRequest()));
    });
  }
  {
    auto* cmd = group->add_subcommand(
        "set", "store a new version (managers): --weight identity=10 ...");
    auto weights = std::make_shared<std::vector<std::string>>();
    auto links = std::make_shared<int>(0);
    auto per_child = std::make_shared<int>(0);
    cmd->add_option("--weight", *weights, "component=weight (repeatable)");
    cmd->add_option("--max-open-links", *links, "1-20");
    cmd->add_option("--max-open-links-per-child", *per_child, "1-10");
    cmd->callback([&cli, print, weights, links, per_child] {
      v1::UpdateMatchingPolicyRequest request;
      for (const std::string& w : *weights) {
        std::vector<std::string> parts = absl::StrSplit(w, '=');
        int value = 0;
        if (parts.size() != 2 || !absl::SimpleAtoi(parts[1], &value)) {
          cli.exit_code =
              UsageError("--weight takes component=number, e.g. identity=10");
          return;
        }
        v1::ComponentWeight* cw = request.mutable_policy()->add_weights();
        cw->set_component(parts[0]);
        cw->set_weight(value);
      }
      request.mutable_policy()->set_max_open_links(*links);
      request.mutable_policy()->set_max_open_links_per_child(*per_child);
      if (weights->empty() && *links == 0 && *per_child == 0) {
        cli.exit_code = UsageError(
            "nothing to change: give --weight component=N, "
            "--max-open-links N or --max-open-links-per-child N");
        return;
      }
      request.set_request_id(cli.RequestId());
      print(cli.client().Call(&Matching::UpdateMatchingPolicy, request));
    });
  }
}

}  // namespace raa::cli
