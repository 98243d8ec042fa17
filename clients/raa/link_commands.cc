// raa link open|advance|close|correct|show|list: a child profile and a
// household from a ranked pair to the adoption order (JourneyService's
// links). Steps, reasons and kinds take their short words ("match_decided",
// "household_withdrew", "fostering_for_adoption") or their full names.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/lib/profile_text.h"
#include "clients/raa/cli.h"
#include "common/dates.h"

namespace raa::cli {
namespace {

using Journey = v1::JourneyService::Stub;

std::string LinkNameOf(const std::string& arg) {
  return arg.rfind("links/", 0) == 0 ? arg : absl::StrCat("links/", arg);
}

void PrintLink(Cli& cli, const absl::StatusOr<v1::Link>& link) {
  if (!link.ok()) {
    cli.exit_code = Fail(link.status());
    return;
  }
  if (cli.json) return PrintJson(*link);
  std::vector<std::pair<std::string, std::string>> rows = {
      {"link", link->name()},
      {"child", link->child()},
      {"adopter", link->adopter()},
      {"state", EnumLabel(v1::LinkState_descriptor(), link->state())},
      {"step", EnumLabel(v1::LinkStep_descriptor(), link->step())},
      {"days in step", absl::StrCat(link->days_in_step())},
      {"placement",
       EnumLabel(v1::PlacementKind_descriptor(), link->placement_kind())}};
  if (!link->overridden_constraints().empty()) {
    rows.push_back(
        {"overridden", absl::StrJoin(link->overridden_constraints(), ", ")});
    rows.push_back({"override reason", link->override_reason()});
  }
  if (link->state() == v1::LINK_STATE_CLOSED) {
    rows.push_back(
        {"closed", absl::StrCat(FormatDate(link->closed_on()), " (",
                                EnumLabel(v1::CloseReason_descriptor(),
                                          link->close_reason()),
                                ") by ", link->closed_by())});
    if (!link->close_note().empty()) {
      rows.push_back({"note", link->close_note()});
    }
  }
  PrintFields(rows);
  Table steps({"STEP", "DATE", "FIRST RECORDED", "BY"});
  for (const v1::LinkStepRecord& s : link->steps()) {
    steps.AddRow({EnumLabel(v1::LinkStep_descriptor(), s.step()),
                  FormatDate(s.date()), FormatDate(s.recorded_date()),
                  s.authority()});
  }
  std::cout << "\n";
  steps.Print();
}

}  // namespace

void AddLinkCommands(CLI::App& app, Cli& cli) {
  CLI::App* group = app.add_subcommand(
      "link", "links: a child and a household from ranking to adoption order");
  group->require_subcommand(1);
  {
    auto* cmd = group->add_subcommand(
        "open", "open a link (family finders of any member, managers)");
    auto child = std::make_shared<std::string>();
    auto adopter = std::make_shared<std::string>();
    auto on = std::make_shared<std::string>();
    auto kind = std::make_shared<std::string>();
    auto override_reason = std::make_shared<std::string>();
    cmd->add_option("child", *child, "the child profile, e.g. sheffield/c12")
        ->required();
    cmd->add_option("adopter", *adopter, "the household, e.g. leeds/h4")
        ->required();
    cmd->add_option("--on", *on, "the date it was opened (today if not given)");
    cmd->add_option("--kind", *kind,
                    "adoptive (the default), fostering_for_adoption or "
                    "concurrent_planning");
    cmd->add_option("--override-reason", *override_reason,
                    "why to open a pair that fails a hard constraint");
    cmd->callback([&cli, child, adopter, on, kind, override_reason] {
      v1::OpenLinkRequest request;
      request.set_child(RecordName(*child, "children", cli.authority));
      request.set_adopter(RecordName(*adopter, "adopters", cli.authority));
      if (!SetDateFlag(cli, "--on", *on, request.mutable_opened_on())) return;
      if (!kind->empty()) {
        auto k = FlagEnum(cli, "--kind", v1::PlacementKind_descriptor(), *kind);
        if (!k) return;
        request.set_placement_kind(static_cast<v1::PlacementKind>(*k));
      }
      request.set_override_reason(*override_reason);
      request.set_request_id(cli.RequestId());
      PrintLink(cli, cli.client().Call(&Journey::OpenLink, request));
    });
  }
  {
    auto* cmd = group->add_subcommand(
        "advance", "record the link's next step with its date");
    auto name = std::make_shared<std::string>();
    auto step = std::make_shared<std::string>();
    auto date = std::make_shared<std::string>();
    cmd->add_option("link", *name, "the link, e.g. l12")->required();
    cmd->add_option("step", *step,
                    "linking_meeting, papers_to_panel, panel_recommended, "
                    "match_decided, placed, order_applied or order_granted")
        ->required();
    cmd->add_option("--date", *date, "when it happened, YYYY-MM-DD")
        ->required();
    cmd->callback([&cli, name, step, date] {
      v1::AdvanceLinkRequest request;
      request.set_name(LinkNameOf(*name));
      auto s = FlagEnum(cli, "step", v1::LinkStep_descriptor(), *step);
      if (!s) return;
      request.set_step(static_cast<v1::LinkStep>(*s));
      if (!SetDateFlag(cli, "--date", *date, request.mutable_date())) return;
      request.set_request_id(cli.RequestId());
      PrintLink(cli, cli.client().Call(&Journey::AdvanceLink, request));
    });
  }
  {
    auto* cmd = group->add_subcommand("close", "close an open link");
    auto name = std::make_shared<std::string>();
    auto reason = std::make_shared<std::string>();
    auto note = std::make_shared<std::string>();
    auto date = std::make_shared<std::string>();
    cmd->add_option("link", *name, "the link, e.g. l12")->required();
    cmd->add_option("reason", *reason,
                    "household_withdrew, chose_another_family, "
                    "panel_did_not_recommend, adm_did_not_agree, disruption, "
                    "plan_changed or authority_withdrew")
        ->required();
    cmd->add_option("--note", *note, "optional, anonymous, up to 1,000 chars");
    cmd->add_option("--date", *date, "when it closed (today if not given)");
    cmd->callback([&cli, name, reason, note, date] {
      v1::CloseLinkRequest request;
      request.set_name(LinkNameOf(*name));
      auto r = FlagEnum(cli, "reason", v1::CloseReason_descriptor(), *reason);
      if (!r) return;
      request.set_reason(static_cast<v1::CloseReason>(*r));
      request.set_note(*note);
      if (!SetDateFlag(cli, "--date", *date, request.mutable_date())) return;
      request.set_request_id(cli.RequestId());
      PrintLink(cli, cli.client().Call(&Journey::CloseLink, request));
    });
  }
  {
    auto* cmd = group->add_subcommand(
        "correct", "correct a recorded step's date (the old one is kept)");
    auto name = std::make_shared<std::string>();
    auto step = std::make_shared<std::string>();
    auto date = std::make_shared<std::string>();
    auto reason = std::make_shared<std::string>();
    cmd->add_option("link", *name, "the link, e.g. l12")->required();
    cmd->add_option("step", *step, "the step whose date was wrong")->required();
    cmd->add_option("--date", *date, "the right date, YYYY-MM-DD")->required();
    cmd->add_option("--reason", *reason, "why, 1-500 characters")->required();
    cmd->callback([&cli, name, step, date, reason] {
      v1::CorrectStepRequest request;
      request.set_name(LinkNameOf(*name));
      auto s = FlagEnum(cli, "step", v1::LinkStep_descriptor(), *step);
      if (!s) return;
      request.set_step(static_cast<v1::LinkStep>(*s));
      if (!SetDateFlag(cli, "--date", *date, request.mutable_new_date()))
        return;
      request.set_reason(*reason);
      request.set_request_id(cli.RequestId());
      PrintLink(cli, cli.client().Call(&Journey::CorrectStep, request));
    });
  }
  {
    auto* cmd = group->add_subcommand("show", "one link with its steps");
    auto name = std::make_shared<std::string>();
    cmd->add_option("link", *name, "the link, e.g. l12")->required();
    cmd->callback([&cli, name] {
      v1::GetLinkRequest request;
      request.set_name(LinkNameOf(*name));
      PrintLink(cli, cli.client().Call(&Journey::GetLink, request));
    });
  }
  {
    auto* cmd = group->add_subcommand(
        "list", "links of the children you can see, newest first");
    auto child = std::make_shared<std::string>();
    auto adopter = std::make_shared<std::string>();
    auto authority = std::make_shared<std::string>();
    auto state = std::make_shared<std::string>();
    cmd->add_option("--child", *child, "only this child profile's");
    cmd->add_option("--adopter", *adopter, "only this household's");
    cmd->add_option("--authority", *authority,
                    "only links whose child or household is this member's");
    cmd->add_option("--state", *state, "open, closed or adopted");
    cmd->callback([&cli, child, adopter, authority, state] {
      v1::ListLinksRequest request;
      if (!child->empty()) {
        request.set_child(RecordName(*child, "children", cli.authority));
      }
      if (!adopter->empty()) {
        request.set_adopter(RecordName(*adopter, "adopters", cli.authority));
      }
      if (!authority->empty()) {
        request.set_authority(authority->rfind("authorities/", 0) == 0
                                  ? *authority
                                  : "authorities/" + *authority);
      }
      if (!state->empty()) {
        auto s = FlagEnum(cli, "--state", v1::LinkState_descriptor(), *state);
        if (!s) return;
        request.set_state(static_cast<v1::LinkState>(*s));
      }
      request.set_page_size(1000);
      v1::ListLinksResponse all;
      if (!FetchPages(cli, &Journey::ListLinks, request, true, all)) return;
      if (cli.json) return PrintJson(all);
      Table table({"LINK", "CHILD", "ADOPTER", "STATE", "STEP", "DAYS"});
      for (const v1::Link& l : all.links()) {
        table.AddRow({l.name(), l.child(), l.adopter(),
                      EnumLabel(v1::LinkState_descriptor(), l.state()),
                      EnumLabel(v1::LinkStep_descriptor(), l.step()),
                      absl::StrCat(l.days_in_step())});
      }
      table.Print();
    });
  }
}

}  // namespace raa::cli
