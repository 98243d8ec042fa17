// raa journey milestone|milestones|review|reviews|overdue|timescales: the
// dated milestones of children and households, tracking reviews, what is
// overdue against the national timescales, and the timescales themselves.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "clients/lib/profile_text.h"
#include "clients/raa/cli.h"
#include "common/dates.h"

namespace raa::cli {
namespace {

using Journey = v1::JourneyService::Stub;

// A child ("c12", "sheffield/c12", full name) or a household ("h3", ...).
std::string AnyRecordName(const std::string& arg,
                          const std::string& authority) {
  if (absl::StartsWith(arg, "authorities/")) return arg;
  absl::string_view last = arg;
  if (size_t slash = arg.rfind('/'); slash != std::string::npos) {
    last = absl::string_view(arg).substr(slash + 1);
  }
  const bool household = absl::StartsWith(last, "h") ||
                         arg.find("/adopters/") != std::string::npos;
  return RecordName(arg, household ? "adopters" : "children", authority);
}

// "2026-03-31" → Date; on a bad value prints a usage error.
std::optional<google::type::Date> FlagDate(Cli& cli, const std::string& flag,
                                           const std::string& value) {
  std::optional<google::type::Date> d = ParseDate(value);
  if (!d.has_value()) {
    cli.exit_code = UsageError(
        absl::StrCat(flag, ": \"", value, "\" is not a date (YYYY-MM-DD)"));
  }
  return d;
}

std::string KindLabel(int kind) {
  return EnumLabel(v1::MilestoneKind_descriptor(), kind);
}

void AddMilestoneCommand(CLI::App* group, Cli& cli) {
  auto* cmd = group->add_subcommand(
      "milestone",
      "record a dated milestone of a child or household (again, with "
      "--reason, to correct it)");
  auto record = std::make_shared<std::string>();
  auto kind = std::make_shared<std::string>();
  auto date = std::make_shared<std::string>();
  auto reason = std::make_shared<std::string>();
  cmd->add_option("record", *record, "c12, h3, sheffield/c12 or a full name")
      ->required();
  cmd->add_option("kind", *kind,
                  "entered_care, plan_for_adoption, initial_pack_sent, "
                  "completed_pack_received, prioritisation_meeting, "
                  "adoption_medical, shobpa_decision, "
                  "child_permanence_report, placement_order, annex_a_report; "
                  "registration_of_interest, stage_one_start, "
                  "stage_two_start, prospective_adopter_report, "
                  "approval_panel, approval")
      ->required();
  cmd->add_option("date", *date, "YYYY-MM-DD, not in the future")->required();
  cmd->add_option("--reason", *reason,
                  "why a date already recorded is corrected (required then)");
  cmd->callback([&cli, record, kind, date, reason] {
    v1::RecordMilestoneRequest request;
    request.set_record(AnyRecordName(*record, cli.authority));
    auto k = FlagEnum(cli, "kind", v1::MilestoneKind_descriptor(), *kind);
    if (!k) return;
    request.set_kind(static_cast<v1::MilestoneKind>(*k));
    auto d = FlagDate(cli, "date", *date);
    if (!d) return;
    *request.mutable_date() = *d;
    request.set_reason(*reason);
    request.set_request_id(cli.RequestId());
    auto m = cli.client().Call(&Journey::RecordMilestone, request);
    if (!m.ok()) {
      cli.exit_code = Fail(m.status());
      return;
    }
    if (cli.json) return PrintJson(*m);
    std::cout << ShortName(m->record()) << ": " << KindLabel(m->kind()) << " "
              << FormatDate(m->date());
    if (!IsUnset(m->previous_date())) {
      std::cout << " (was " << FormatDate(m->previous_date()) << ")";
    }
    std::cout << "\n";
  });
}

void AddMilestonesCommand(CLI::App* group, Cli& cli) {
  auto* cmd = group->add_subcommand(
      "milestones", "a record's milestones (--history: every change)");
  auto record = std::make_shared<std::string>();
  auto history = std::make_shared<bool>(false);
  cmd->add_option("record", *record, "c12, h3, sheffield/c12 or a full name")
      ->required();
  cmd->add_flag("--history", *history, "every recording, oldest first");
  cmd->callback([&cli, record, history] {
    v1::ListMilestonesRequest request;
    request.set_record(AnyRecordName(*record, cli.authority));
    auto got = cli.client().Call(&Journey::ListMilestones, request);
    if (!got.ok()) {
      cli.exit_code = Fail(got.status());
      return;
    }
    if (cli.json) return PrintJson(*got);
    Table table({"MILESTONE", "DATE", "WAS", "REASON", "BY"});
    for (const v1::Milestone& m : *history ? got->history() : got->current()) {
      table.AddRow({KindLabel(m.kind()),
                    IsUnset(m.date()) ? "(cleared)" : FormatDate(m.date()),
                    FormatDate(m.previous_date()), m.reason(),
                    ShortName(m.authority())});
    }
    table.Print();
  });
}

// "family_finder|2026-12-01|update the CPR" → an action.
bool ParseAction(Cli& cli, const std::string& text, v1::ReviewAction& out) {
  std::vector<std::string> parts =
      absl::StrSplit(text, absl::MaxSplits('|', 2));
  if (parts.size() != 3) {
    cli.exit_code = UsageError(absl::StrCat(
        "--action \"", text, "\": give ROLE|DUE-DATE|what is to be done"));
    return false;
  }
  auto role = FlagEnum(cli, "--action", v1::Role_descriptor(), parts[0]);
  if (!role) return false;
  auto due = FlagDate(cli, "--action", parts[1]);
  if (!due) return false;
  out.set_owner_role(static_cast<v1::Role>(*role));
  *out.mutable_due_date() = *due;
  out.set_description(parts[2]);
  return true;
}

void AddReviewCommand(CLI::App* group, Cli& cli) {
  auto* cmd = group->add_subcommand(
      "review", "record a tracking review of a child (its authority)");
  auto child = std::make_shared<std::string>();
  auto date = std::make_shared<std::string>();
  auto plan = std::make_shared<std::string>("yes");
  auto order = std::make_shared<std::string>("yes");
  auto steps = std::make_shared<std::string>();
  auto actions = std::make_shared<std::vector<std::string>>();
  auto done = std::make_shared<std::vector<std::string>>();
  cmd->add_option("child", *child, "c12, sheffield/c12 or a full name")
      ->required();
  cmd->add_option("--date", *date, "the review's date (YYYY-MM-DD)")
      ->required();
  cmd->add_option("--adoption-remains-plan", *plan, "yes or no")
      ->check(CLI::IsMember({"yes", "no"}));
  cmd->add_option("--order-appropriate", *order,
                  "is the placement order still appropriate: yes or no")
      ->check(CLI::IsMember({"yes", "no"}));
  cmd->add_option("--steps", *steps, "further family-finding steps agreed");
  cmd->add_option("--action", *actions,
                  "ROLE|DUE-DATE|what, e.g. \"family_finder|2026-12-01|"
                  "profile at the exchange day\" (repeatable)");
  cmd->add_option("--done", *done,
                  "ROLE|DUE-DATE|what|DONE-DATE: an earlier action, done "
                  "(repeatable)");
  cmd->callback([&cli, child, date, plan, order, steps, actions, done] {
    v1::RecordTrackingReviewRequest request;
    v1::TrackingReview* review = request.mutable_review();
    review->set_child(RecordName(*child, "children", cli.authority));
    auto d = FlagDate(cli, "--date", *date);
    if (!d) return;
    *review->mutable_review_date() = *d;
    review->set_adoption_remains_plan(*plan == "yes");
    review->set_placement_order_appropriate(*order == "yes");
    review->set_family_finding_steps(*steps);
    for (const std::string& a : *actions) {
      if (!ParseAction(cli, a, *review->add_actions())) return;
    }
    for (const std::string& a : *done) {
      size_t bar = a.rfind('|');
      if (bar == std::string::npos) {
        cli.exit_code = UsageError("--done: ROLE|DUE-DATE|what|DONE-DATE");
        return;
      }
      v1::ReviewAction* action = review->add_actions();
      if (!ParseAction(cli, a.substr(0, bar), *action)) return;
      auto on = FlagDate(cli, "--done", a.substr(bar + 1));
      if (!on) return;
      *action->mutable_done_on() = *on;
    }
    request.set_request_id(cli.RequestId());
    auto got = cli.client().Call(&Journey::RecordTrackingReview, request);
    if (!got.ok()) {
      cli.exit_code = Fail(got.status());
      return;
    }
    if (cli.json) return PrintJson(*got);
    std::cout << "recorded " << ShortName(got->name()) << "\n";
  });
}

void AddReviewsCommand(CLI::App* group, Cli& cli) {
  auto* cmd = group->add_subcommand("reviews",
                                    "a child's tracking reviews, newest first");
  auto child = std::make_shared<std::string>();
  cmd->add_option("child", *child, "c12, sheffield/c12 or a full name")
      ->required();
  cmd->callback([&cli, child] {
    v1::ListTrackingReviewsRequest request;
    request.set_child(RecordName(*child, "children", cli.authority));
    auto got = cli.client().Call(&Journey::ListTrackingReviews, request);
    if (!got.ok()) {
      cli.exit_code = Fail(got.status());
      return;
    }
    if (cli.json) return PrintJson(*got);
    Table table(
        {"REVIEW", "DATE", "PLAN", "ORDER", "ACTION", "OWNER", "DUE", "DONE"});
    for (const v1::TrackingReview& r : got->reviews()) {
      const std::string name = ShortName(r.name());
      const std::string plan =
          r.adoption_remains_plan() ? "adoption" : "changed";
      const std::string order =
          r.placement_order_appropriate() ? "appropriate" : "review";
      if (r.actions().empty()) {
        table.AddRow(
            {name, FormatDate(r.review_date()), plan, order, "", "", "", ""});
      }
      for (const v1::ReviewAction& a : r.actions()) {
        table.AddRow({name, FormatDate(r.review_date()), plan, order,
                      a.description(),
                      EnumLabel(v1::Role_descriptor(), a.owner_role()),
                      FormatDate(a.due_date()), FormatDate(a.done_on())});
      }
    }
    table.Print();
  });
}

void AddOverdueCommand(CLI::App* group, Cli& cli) {
  auto* cmd = group->add_subcommand(
      "overdue",
      "everything overdue against the timescales (or due within --within "
      "days), worst first; --summary: counts per authority and the worst "
      "items, for a daily report");
  auto within = std::make_shared<int>(0);
  auto authority = std::make_shared<std::string>();
  auto summary = std::make_shared<bool>(false);
  auto worst = std::make_shared<int>(10);
  auto paging = std::make_shared<Paging>();
  cmd->add_option("--within", *within,
                  "also what falls due within N days "
                  "(0-365)");
  cmd->add_option("--authority", *authority,
                  "only this member's children and households");
  cmd->add_flag("--summary", *summary,
                "counts per authority (overdue, due soon) and the worst items");
  cmd->add_option("--worst", *worst,
                  "with --summary: how many worst items "
                  "(default 10)");
  paging->Add(cmd, 100, 1000, "items");
  cmd->callback([&cli, within, authority, summary, worst, paging] {
    if (!paging->Check(cli)) return;
    v1::ListOverdueRequest request;
    request.set_within_days(*within);
    if (!authority->empty()) {
      request.set_authority(absl::StartsWith(*authority, "authorities/")
                                ? *authority
                                : absl::StrCat("authorities/", *authority));
    }
    v1::ListOverdueResponse all;
    if (*summary) {
      request.set_page_size(1000);
      if (!FetchPages(cli, &Journey::ListOverdue, request, true, all)) return;
    } else if (!FetchPages(
                   cli, &Journey::ListOverdue, request, *paging,
                   [](const v1::ListOverdueResponse& r) {
                     return r.items_size();
                   },
                   all)) {
      return;
    }
    if (cli.json) return PrintJson(all);
    if (*summary) {
      struct Counts {
        int overdue = 0;
        int due_soon = 0;
        int worst = 0;
      };
      std::map<std::string, Counts> by_authority;
      for (const v1::OverdueItem& i : all.items()) {
        Counts& c = by_authority[ShortName(i.authority())];
        if (i.days_late() > 0) {
          ++c.overdue;
        } else {
          ++c.due_soon;
        }
        c.worst = std::max(c.worst, i.days_late());
      }
      std::cout << "Overdue against the timescales as of "
                << FormatDate(all.as_of()) << ": " << all.items_size()
                << " item(s)\n";
      Table counts({"AUTHORITY", "OVERDUE", "DUE SOON", "WORST DAYS LATE"});
      for (const auto& [a, c] : by_authority) {
        counts.AddRow({a, absl::StrCat(c.overdue), absl::StrCat(c.due_soon),
                       absl::StrCat(c.worst)});
      }
      counts.Print();
      if (all.items().empty()) return;
      std::cout << "\nWorst:\n";
    }
    Table table({"RECORD", "TIMESCALE", "DUE", "DAYS LATE", "LINK", "AUTHORITY",
                 "WHAT"},
                6);
    int shown = 0;
    for (const v1::OverdueItem& i : all.items()) {
      if (*summary && shown++ >= *worst) break;
      table.AddRow({ShortName(i.record()), i.timescale(),
                    FormatDate(i.due_date()), absl::StrCat(i.days_late()),
                    i.link(), ShortName(i.authority()), i.description()});
    }
    table.Print();
    if (!*summary) PrintMore(cli, all.next_page_token());
  });
}

void AddTimescalesCommands(CLI::App* group, Cli& cli) {
  auto* cmd = group->add_subcommand(
      "timescales", "the timescales in force (show), or change one (set)");
  auto show = cmd->add_subcommand("show", "the timescales in force");
  auto print = [&cli](const v1::Timescales& t) {
    if (cli.json) return PrintJson(t);
    std::cout << "Timescales version " << t.version() << "\n";
    Table table({"ID", "WITHIN", "UNIT", "ON", "SOURCE", "WHAT"}, 5);
    for (const v1::Timescale& one : t.timescales()) {
      table.AddRow({one.id(), absl::StrCat(one.amount()),
                    EnumLabel(v1::TimescaleUnit_descriptor(), one.unit()),
                    one.enabled() ? "yes" : "no", one.source(),
                    one.description()});
    }
    table.Print();
  };
  auto get = [&cli, print] {
    auto t =
        cli.client().Call(&Journey::GetTimescales, v1::GetTimescalesRequest());
    if (!t.ok()) {
      cli.exit_code = Fail(t.status());
      return;
    }
    print(*t);
  };
  show->callback(get);
  cmd->callback([cmd, get] {
    if (cmd->get_subcommands().empty()) get();
  });
  auto* set = cmd->add_subcommand(
      "set", "change one timescale (managers): a new version is stored");
  auto id = std::make_shared<std::string>();
  auto amount = std::make_shared<int>(-1);
  auto unit = std::make_shared<std::string>();
  auto source = std::make_shared<std::string>();
  auto enabled = std::make_shared<std::string>();
  set->add_option("id", *id, "e.g. adm_after_panel")->required();
  set->add_option("--amount", *amount, "1-365");
  set->add_option("--unit", *unit, "days, working_days, weeks or months");
  set->add_option("--source", *source, "where the figure comes from");
  set->add_option("--enabled", *enabled, "yes or no")
      ->check(CLI::IsMember({"yes", "no"}));
  set->callback([&cli, id, amount, unit, source, enabled, print] {
    auto current =
        cli.client().Call(&Journey::GetTimescales, v1::GetTimescalesRequest());
    if (!current.ok()) {
      cli.exit_code = Fail(current.status());
      return;
    }
    v1::UpdateTimescalesRequest request;
    *request.mutable_timescales() = *current;
    bool found = false;
    for (v1::Timescale& t :
         *request.mutable_timescales()->mutable_timescales()) {
      if (t.id() != *id) continue;
      found = true;
      if (*amount >= 0) t.set_amount(*amount);
      if (!unit->empty()) {
        auto u = FlagEnum(cli, "--unit", v1::TimescaleUnit_descriptor(), *unit);
        if (!u) return;
        t.set_unit(static_cast<v1::TimescaleUnit>(*u));
      }
      if (!source->empty()) t.set_source(*source);
      if (!enabled->empty()) t.set_enabled(*enabled == "yes");
    }
    if (!found) {
      cli.exit_code = UsageError(absl::StrCat(
          "\"", *id, "\" is not a timescale (raa journey timescales show)"));
      return;
    }
    request.set_request_id(cli.RequestId());
    auto t = cli.client().Call(&Journey::UpdateTimescales, request);
    if (!t.ok()) {
      cli.exit_code = Fail(t.status());
      return;
    }
    print(*t);
  });
}

}  // namespace

void AddJourneyCommands(CLI::App& app, Cli& cli) {
  CLI::App* group = app.add_subcommand(
      "journey",
      "milestones, tracking reviews, what is overdue, and the timescales");
  group->require_subcommand(1);
  AddMilestoneCommand(group, cli);
  AddMilestonesCommand(group, cli);
  AddReviewCommand(group, cli);
  AddReviewsCommand(group, cli);
  AddOverdueCommand(group, cli);
  AddTimescalesCommands(group, cli);
}

}  // namespace raa::cli
