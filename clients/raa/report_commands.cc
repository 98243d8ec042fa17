// raa report: the adoption scorecard, the waiting report and the forecast
// (raa.v1.ReportService), as tables, --json, --csv, or --html FILE (one
// self-contained HTML file with charts, clients/lib/report_html.h).
//
//   raa --authority sheffield report scorecard --year 2026 --windows 5
//   raa --authority - report scorecard --html scorecard.html
//   raa --authority sheffield report waiting
//   raa --authority - report forecast --csv
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "clients/lib/figures.h"
#include "clients/lib/report_html.h"
#include "clients/raa/cli.h"

namespace raa::cli {
namespace {

using Reports = v1::ReportService::Stub;

struct ReportFlags {
  int year = 0;
  int windows = 0;
  std::string html;
};

std::string DateText(const google::type::Date& d) {
  if (d.year() == 0) return "";
  return absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day());
}

std::string WindowText(const google::type::Date& start,
                       const google::type::Date& end) {
  return absl::StrCat(start.year(), "-", end.year() % 100 < 10 ? "0" : "",
                      end.year() % 100);
}

// "-" for no value in a table; empty in CSV.
std::string None() { return Cli::Current().csv ? "" : "-"; }

std::string Number(const v1::Indicator& i) {
  if (!i.has_value()) return None();
  return FigureText(i.value(), i.unit() == "days" ? "" : i.unit());
}

std::string Threshold(const v1::Indicator& i) {
  return i.has_threshold() ? WholeText(i.threshold()) : "";
}

std::string Met(const v1::Indicator& i) {
  if (!i.has_threshold()) return "";
  return i.met() ? "yes" : "no";
}

std::string Days(bool has, double value) {
  return has ? WholeText(value) : None();
}

// The latest 31 March passed (today's year from 1 April on).
int DefaultYear() {
  const absl::CivilDay today =
      absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
  return static_cast<int>(today.month() >= 4 ? today.year() : today.year() - 1);
}

std::string AuthorityName(Cli& cli) {
  std::string a = cli.AuthorityOr("");
  if (a.empty()) return "";
  return absl::StrCat("authorities/", a);
}

bool WriteHtml(Cli& cli, const std::string& path,
               const ReportHtmlInput& input) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << RenderReportHtml(input);
  out.close();
  if (!out) {
    cli.exit_code = UsageError(absl::StrCat("--html: cannot write ", path));
    return false;
  }
  std::cout << "wrote " << path << "\n";
  return true;
}

std::string TitleFor(const std::string& what, const std::string& authority) {
  return absl::StrCat(
      what, ": ",
      authority == "authorities/-" ? "the consortium" : ShortName(authority));
}

void RunScorecard(Cli& cli, const ReportFlags& f) {
  v1::GetScorecardRequest request;
  request.set_authority(AuthorityName(cli));
  if (request.authority().empty()) return;
  request.set_year_ending(f.year != 0 ? f.year : DefaultYear());
  int windows = f.windows;
  if (windows == 0) windows = f.html.empty() ? 1 : 5;
  request.set_windows(windows);
  absl::StatusOr<v1::Scorecard> card =
      cli.client().Call(&Reports::GetScorecard, request);
  if (!card.ok()) {
    cli.exit_code = Fail(card.status());
    return;
  }
  if (!f.html.empty()) {
    ReportHtmlInput input;
    input.title = TitleFor("Adoption scorecard", card->authority());
    input.generated_on = DateText(card->as_of());
    input.scorecard = *card;
    WriteHtml(cli, f.html, std::move(input));
    return;
  }
  if (cli.json) return PrintJson(*card);
  Table table({"WINDOW", "CODE", "INDICATOR", "VALUE", "COUNT", "THRESHOLD",
               "MET", "TITLE"},
              7);
  for (const v1::ScorecardWindow& w : card->windows()) {
    for (const v1::Indicator& i : w.indicators()) {
      table.AddRow({WindowText(w.start(), w.end()), i.code(), i.id(), Number(i),
                    absl::StrCat(i.count()), Threshold(i), Met(i), i.title()});
    }
  }
  table.Print();
  if (card->rankings_size() == 0) return;
  std::cout << "\n";
  Table ranks({"INDICATOR", "CODE", "RANK", "MEMBER", "VALUE", "COUNT", "MET"});
  for (const v1::MemberRanking& r : card->rankings()) {
    for (const v1::RankedMember& m : r.members()) {
      ranks.AddRow({r.indicator_id(), r.code(), absl::StrCat(m.rank()),
                    ShortName(m.authority()),
                    m.has_value() ? TenthsText(m.value()) : None(),
                    absl::StrCat(m.count()), m.met() ? "yes" : ""});
    }
  }
  ranks.Print();
}

void RunWaiting(Cli& cli, const ReportFlags& f) {
  v1::GetWaitingReportRequest request;
  request.set_authority(AuthorityName(cli));
  if (request.authority().empty()) return;
  absl::StatusOr<v1::WaitingReport> report =
      cli.client().Call(&Reports::GetWaitingReport, request);
  if (!report.ok()) {
    cli.exit_code = Fail(report.status());
    return;
  }
  if (!f.html.empty()) {
    ReportHtmlInput input;
    input.title = TitleFor("Waiting report", report->authority());
    input.generated_on = DateText(report->as_of());
    input.waiting = *report;
    WriteHtml(cli, f.html, std::move(input));
    return;
  }
  if (cli.json) return PrintJson(*report);
  Table table({"WHO", "GROUP", "WAITING", "MEAN DAYS", "MEDIAN DAYS",
               "HOUSEHOLDS THAT COULD TAKE ONE", "TITLE"},
              6);
  for (const v1::WaitingGroup& g : report->children()) {
    table.AddRow({"children", g.group(), absl::StrCat(g.waiting()),
                  Days(g.has_mean_days(), g.mean_days()),
                  Days(g.has_median_days(), g.median_days()),
                  g.has_eligible_households()
                      ? absl::StrCat(g.eligible_households())
                      : "",
                  g.title()});
  }
  for (const v1::WaitingGroup& g : report->households()) {
    table.AddRow({"households", g.group(), absl::StrCat(g.waiting()),
                  Days(g.has_mean_days(), g.mean_days()),
                  Days(g.has_median_days(), g.median_days()), "", g.title()});
  }
  table.Print();
  if (!cli.csv) {
    for (const std::string& b : report->barriers()) {
      std::cout << "barrier: " << b << "\n";
    }
  }
}

void RunForecast(Cli& cli, const ReportFlags& f) {
  v1::GetForecastRequest request;
  request.set_authority(AuthorityName(cli));
  if (request.authority().empty()) return;
  absl::StatusOr<v1::Forecast> forecast =
      cli.client().Call(&Reports::GetForecast, request);
  if (!forecast.ok()) {
    cli.exit_code = Fail(forecast.status());
    return;
  }
  if (!f.html.empty()) {
    ReportHtmlInput input;
    input.title = TitleFor("Forecast", request.authority());
    input.generated_on = DateText(forecast->as_of());
    input.forecast = *forecast;
    WriteHtml(cli, f.html, std::move(input));
    return;
  }
  if (cli.json) return PrintJson(*forecast);
  Table table({"MEMBER", "WINDOW", "CODE", "FORECAST", "COUNT", "THRESHOLD",
               "MET", "COURT MEDIAN DAYS"});
  for (const v1::AuthorityForecast& a : forecast->authorities()) {
    for (const v1::ForecastWindow& w : a.windows()) {
      for (const v1::Indicator& i : w.indicators()) {
        table.AddRow({ShortName(a.authority()), WindowText(w.start(), w.end()),
                      i.code(), Number(i), absl::StrCat(i.count()),
                      Threshold(i), Met(i),
                      absl::StrCat(a.court_median_days())});
      }
    }
  }
  table.Print();
  std::cout << "\n";
  Table children(
      {"CHILD", "DAYS SINCE ORDER", "LATEST MATCH DATE", "PULLS OVER"});
  for (const v1::AuthorityForecast& a : forecast->authorities()) {
    for (const v1::ForecastChild& c : a.children()) {
      children.AddRow(
          {ShortName(c.child()), absl::StrCat(c.days_since_order()),
           c.has_latest_match_date() ? DateText(c.latest_match_date()) : "none",
           c.pulls_over() ? "yes" : "no"});
    }
  }
  children.Print();
}

}  // namespace

void AddReportCommands(CLI::App& app, Cli& cli) {
  CLI::App* report = app.add_subcommand(
      "report",
      "the adoption scorecard, the waiting report and the forecast, for "
      "--authority ID or --authority - (the consortium)");
  report->require_subcommand(1);
  auto flags = std::make_shared<ReportFlags>();
  CLI::App* scorecard = report->add_subcommand(
      "scorecard",
      "A1-A3, A10, the adopter measures and related indicators over "
      "three-year windows ending 31 March, against the thresholds");
  scorecard->add_option("--year", flags->year,
                        "the year whose 31 March ends the latest window "
                        "(default: the latest 31 March passed)");
  scorecard->add_option("--windows", flags->windows,
                        "how many windows, ending with that one (1-10; "
                        "default 1, or 5 with --html)");
  scorecard->add_option("--html", flags->html,
                        "write a self-contained HTML report with charts");
  scorecard->callback([&cli, flags] { RunScorecard(cli, *flags); });
  CLI::App* waiting = report->add_subcommand(
      "waiting",
      "children and households waiting now, by group, with the barriers");
  waiting->add_option("--html", flags->html,
                      "write a self-contained HTML report");
  waiting->callback([&cli, flags] { RunWaiting(cli, *flags); });
  CLI::App* forecast = report->add_subcommand(
      "forecast",
      "the A1 and A2 of the next two windows, and each waiting child's "
      "latest match date");
  forecast->add_option("--html", flags->html,
                       "write a self-contained HTML report");
  forecast->callback([&cli, flags] { RunForecast(cli, *flags); });
}

}  // namespace raa::cli
