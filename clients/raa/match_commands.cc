// raa match adopters|children|explain|watch and raa policy show|set.
#include <memory>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "clients/raa/cli.h"
#include "google/protobuf/util/time_util.h"

namespace raa::cli {
namespace {

using Matching = v1::MatchingService::Stub;

std::string Short(const std::string& name) {
  return std::string(absl::StripPrefix(name, "authorities/"));
}

// "  capacity fit     20 x 100%  +20.0  approved for 3, group of 3"
void PrintComponents(
    const google::protobuf::RepeatedPtrField<v1::ScoreComponent>& components,
    const std::string& indent) {
  Table table({"COMPONENT", "WEIGHT", "FIT", "POINTS", "WHY"});
  for (const v1::ScoreComponent& c : components) {
    table.AddRow(
        {c.component(), absl::StrCat(c.weight()),
         absl::StrCat(c.fit_permille() / 10, "%"),
         absl::StrCat(c.points_tenths() / 10, ".", c.points_tenths() % 10),
         c.reason()});
  }
  std::stringstream out;
  table.Print(out);
  std::string line;
  while (std::getline(out, line)) std::cout << indent << line << "\n";
}

template <typename Response>
void PrintSummary(const Response& r, const std::string& noun) {
  std::cout << r.considered() << " " << noun << " considered, " << r.eligible()
            << " eligible, " << r.excluded() << " excluded (matching policy v"
            << r.policy_version() << ")\n";
  for (const v1::Exclusion& e : r.exclusions()) {
    std::cout << "  excluded: " << e.text() << "\n";
  }
}

}  // namespace

void AddMatchCommands(CLI::App& app, Cli& cli) {
  CLI::App* group = app.add_subcommand(
      "match", "family finding: ranked, explained links and alerts");
  group->require_subcommand(1);
  {
    auto* cmd = group->add_subcommand(
        "adopters", "child-led search: the households for a child");
    auto child = std::make_shared<std::string>();
    auto limit = std::make_shared<int>(10);
    auto min_score = std::make_shared<int>(0);
    auto brief = std::make_shared<bool>(false);
    cmd->add_option("--child", *child, "c12, sheffield/c12 or the full name")
        ->required();
    cmd->add_option("--limit", *limit, "households to show (1-100)")
        ->capture_default_str();
    cmd->add_option("--min-score", *min_score, "only scores at least this");
    cmd->add_flag("--brief", *brief, "scores only, without the reasons");
    cmd->callback([&cli, child, limit, min_score, brief] {
      v1::RankAdoptersRequest request;
      request.set_child(RecordName(*child, "children", cli.authority));
      request.set_page_size(*limit);
      request.set_min_score(*min_score);
      request.set_view(*brief ? v1::RANK_VIEW_BASIC : v1::RANK_VIEW_FULL);
      auto r = cli.client().Call(&Matching::RankAdopters, request);
      if (!r.ok()) {
        cli.exit_code = Fail(r.status());
        return;
      }
      if (cli.json) return PrintJson(*r);
      std::cout << "Households for " << Short(r->child()) << "\n";
      PrintSummary(*r, "households");
      int rank = 0;
      for (const v1::RankedAdopter& a : r->adopters()) {
        std::cout << "\n"
                  << ++rank << ". " << Short(a.adopter()) << "  score "
                  << a.score() << "\n";
        if (!*brief) PrintComponents(a.components(), "   ");
      }
      if (r->adopters().empty()) std::cout << "\nNo household fits.\n";
    });
  }
  {
    auto* cmd = group->add_subcommand(
        "children", "family-led search: the children for a household");
    auto adopter = std::make_shared<std::string>();
    auto limit = std::make_shared<int>(10);
    auto min_score = std::make_shared<int>(0);
    auto brief = std::make_shared<bool>(false);
    cmd->add_option("--adopter", *adopter, "h7, leeds/h7 or the full name")
        ->required();
    cmd->add_option("--limit", *limit, "children to show (1-100)")
        ->capture_default_str();
    cmd->add_option("--min-score", *min_score, "only scores at least this");
    cmd->add_flag("--brief", *brief, "scores only, without the reasons");
    cmd->callback([&cli, adopter, limit, min_score, brief] {
      v1::RankChildrenRequest request;
      request.set_adopter(RecordName(*adopter, "adopters", cli.authority));
      request.set_page_size(*limit);
      request.set_min_score(*min_score);
      request.set_view(*brief ? v1::RANK_VIEW_BASIC : v1::RANK_VIEW_FULL);
      auto r = cli.client().Call(&Matching::RankChildren, request);
      if (!r.ok()) {
        cli.exit_code = Fail(r.status());
        return;
      }
      if (cli.json) return PrintJson(*r);
      std::cout << "Children for " << Short(r->adopter()) << "\n";
      PrintSummary(*r, "child profiles");
      int rank = 0;
      for (const v1::RankedChild& c : r->children()) {
        std::cout << "\n"
                  << ++rank << ". " << Short(c.child()) << "  score "
                  << c.score() << "\n";
        if (!*brief) PrintComponents(c.components(), "   ");
      }
      if (r->children().empty()) std::cout << "\nNo child fits.\n";
    });
  }
  {
    auto* cmd = group->add_subcommand(
        "explain", "why a child and a household are or are not a fit");
    auto child = std::make_shared<std::string>();
    auto adopter = std::make_shared<std::string>();
    cmd->add_option("--child", *child, "the child")->required();
    cmd->add_option("--adopter", *adopter, "the household")->required();
    cmd->callback([&cli, child, adopter] {
      v1::ExplainPairRequest request;
      request.set_child(RecordName(*child, "children", cli.authority));
      request.set_adopter(RecordName(*adopter, "adopters", cli.authority));
      auto r = cli.client().Call(&Matching::ExplainPair, request);
      if (!r.ok()) {
        cli.exit_code = Fail(r.status());
        return;
      }
      if (cli.json) return PrintJson(*r);
      std::cout << Short(r->child()) << " and " << Short(r->adopter()) << ": "
                << (r->eligible() ? "a possible link" : "not a fit")
                << ", score " << r->score() << " (matching policy v"
                << r->policy_version() << ")\n\nHard constraints\n";
      Table table({"", "CONSTRAINT", "WHY"});
      for (const v1::ConstraintCheck& c : r->constraints()) {
        table.AddRow(
            {c.passed() ? "pass" : "FAIL", c.constraint(), c.reason()});
      }
      table.Print();
      std::cout << "\nScore components\n";
      PrintComponents(r->components(), "");
    });
  }
  {
    auto* cmd = group->add_subcommand(
        "watch", "print an alert whenever a new household or child fits");
    auto children = std::make_shared<std::vector<std::string>>();
    auto adopters = std::make_shared<std::vector<std::string>>();
    auto min_score = std::make_shared<int>(50);
    auto count = std::make_shared<int>(0);
    cmd->add_option("--child", *children, "a child to follow (repeatable)");
    cmd->add_option("--adopter", *adopters,
                    "a household to follow (repeatable)");
    cmd->add_option("--min-score", *min_score, "alert at or above this score")
        ->capture_default_str();
    cmd->add_option("--count", *count,
                    "stop after this many alerts (0: never)");
    cmd->callback([&cli, children, adopters, min_score, count] {
      v1::WatchMatchesRequest request;
      for (const std::string& c : *children) {
        request.add_children(RecordName(c, "children", cli.authority));
      }
      for (const std::string& a : *adopters) {
        request.add_adopters(RecordName(a, "adopters", cli.authority));
      }
      request.set_min_score(*min_score);
      grpc::ClientContext context;
      context.AddMetadata("authorization", absl::StrCat("Bearer ", cli.key));
      auto reader = cli.client().matching().WatchMatches(&context, request);
      if (!cli.json) {
        std::cerr << "watching " << request.children_size() << " children and "
                  << request.adopters_size() << " households; Ctrl-C to stop\n";
      }
      v1::MatchAlert alert;
      int seen = 0;
      while (reader->Read(&alert)) {
        if (cli.json) {
          std::cout << ToJson(alert) << std::endl;
        } else {
          std::cout << google::protobuf::util::TimeUtil::ToString(alert.time())
                           .substr(0, 19)
                    << "  " << Short(alert.adopter()) << " fits "
                    << Short(alert.child()) << ", score " << alert.score()
                    << std::endl;
        }
        if (*count > 0 && ++seen >= *count) {
          context.TryCancel();
          break;
        }
      }
      grpc::Status status = reader->Finish();
      if (!status.ok() && status.error_code() != grpc::StatusCode::CANCELLED) {
        cli.exit_code = Fail(FromGrpcStatus(status));
      }
    });
  }
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
    cmd->add_option("--weight", *weights, "component=weight (repeatable)");
    cmd->add_option("--max-open-links", *links, "1-20");
    cmd->callback([&cli, print, weights, links] {
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
      if (weights->empty() && *links == 0) {
        cli.exit_code = UsageError(
            "nothing to change: give --weight component=N or "
            "--max-open-links N");
        return;
      }
      request.set_request_id(cli.RequestId());
      print(cli.client().Call(&Matching::UpdateMatchingPolicy, request));
    });
  }
}

}  // namespace raa::cli
