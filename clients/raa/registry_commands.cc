// raa authority …, raa child …, raa adopter …
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "clients/lib/profile_text.h"
#include "clients/raa/cli.h"
#include "common/dates.h"
#include "google/protobuf/util/field_mask_util.h"
#include "google/protobuf/util/json_util.h"

namespace raa::cli {
namespace {

using Registry = v1::RegistryService::Stub;

std::string Label(const google::protobuf::EnumDescriptor* type, int value) {
  return EnumLabel(type, value);
}

std::string ShortId(const std::string& name) {
  return std::string(absl::StripPrefix(name, "authorities/"));
}

// Each child's age today (the server moves the stored ages on by the months
// since ages_as_of).
std::string Ages(const v1::Child& child) {
  return absl::StrJoin(child.members(), ", ",
                       [](std::string* out, const v1::ChildMember& m) {
                         out->append(FormatAgeMonths(m.age_months_today()));
                       });
}

std::string AgeRange(const v1::Adopter& a) {
  return absl::StrCat(FormatAgeMonths(a.min_age_months()), "-",
                      FormatAgeMonths(a.max_age_months()));
}

// The ages as registered, with the day they were measured.
std::string StoredAges(const v1::Child& child) {
  return absl::StrCat(
      absl::StrJoin(child.members(), ", ",
                    [](std::string* out, const v1::ChildMember& m) {
                      out->append(FormatAgeMonths(m.age_months()));
                    }),
      " (as of ", FormatDate(child.ages_as_of()), ")");
}

// "2026-11-03 waiting -> adopted (sheffield, key k1): adoption order made".
template <typename Record>
void AddStatusHistory(const Record& record,
                      std::vector<std::pair<std::string, std::string>>& rows) {
  for (const v1::StatusChange& c : record.status_history()) {
    const std::string when = absl::FormatTime(
        "%Y-%m-%d %H:%M", absl::FromUnixSeconds(c.change_time().seconds()),
        absl::UTCTimeZone());
    auto label = [](const std::string& name) {
      return absl::AsciiStrToLower(name.substr(name.find('_') + 1));
    };
    rows.push_back(
        {"status change",
         absl::StrCat(when, " ", label(c.from_status()), " -> ",
                      label(c.to_status()), " (", ShortId(c.authority()),
                      ", key ", c.key_id(), "): ", c.reason())});
  }
}

// The group's needs: each category once, at its highest level.
std::string Needs(const v1::Child& child) {
  std::map<int, int> highest;
  for (const v1::ChildMember& m : child.members()) {
    for (const v1::Need& n : m.needs()) {
      highest[n.category()] = std::max(highest[n.category()], int{n.level()});
    }
  }
  if (highest.empty()) return "-";
  return absl::StrJoin(highest, ", ", [](std::string* out, const auto& kv) {
    absl::StrAppend(out, Label(v1::NeedCategory_descriptor(), kv.first), " (",
                    Label(v1::NeedLevel_descriptor(), kv.second), ")");
  });
}

// What a household would consider: the categories open beyond mild by name,
// the mild ones by count.
std::string NeedsConsidered(const v1::Adopter& a) {
  std::vector<std::string> beyond_mild;
  int mild = 0;
  for (const v1::NeedLimit& l : a.need_limits()) {
    if (l.max_level() == v1::NEED_LEVEL_MILD) ++mild;
    if (l.max_level() > v1::NEED_LEVEL_MILD) {
      beyond_mild.push_back(
          absl::StrCat(Label(v1::NeedCategory_descriptor(), l.category()), " (",
                       Label(v1::NeedLevel_descriptor(), l.max_level()), ")"));
    }
  }
  std::string out = absl::StrJoin(beyond_mild, ", ");
  if (mild > 0) {
    absl::StrAppend(&out, out.empty() ? "" : "; ", "mild in ", mild,
                    mild == 1 ? " other" : " others");
  }
  return out.empty() ? "-" : out;
}

// Reads a profile in protobuf JSON.
template <typename Message>
absl::Status ReadJsonFile(const std::string& path, Message& message) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::stringstream text;
  text << in.rdbuf();
  auto status =
      google::protobuf::util::JsonStringToMessage(text.str(), &message);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", std::string(status.message())));
  }
  return absl::OkStatus();
}

// One --flag per profile column, e.g. --age-months for "age_months". The
// help says what each holds, its allowed values, and REQUIRED for the
// columns a new profile must have (`required`).
struct ProfileFlags {
  std::vector<std::pair<std::string, std::string>> values;  // column, value
  std::vector<std::pair<std::string, CLI::Option*>> options;
  std::vector<std::string> required;

  void Add(CLI::App* app, const std::vector<std::string>& columns,
           const std::vector<std::string>& required_columns = {}) {
    required = required_columns;
    values.reserve(columns.size());
    for (const std::string& column : columns) values.push_back({column, ""});
    for (auto& [column, value] : values) {
      bool must =
          std::find(required.begin(), required.end(), column) != required.end();
      options.push_back(
          {column, app->add_option("--" + Flag(column), value,
                                   absl::StrCat(must ? "REQUIRED: " : "",
                                                ColumnHelp(column)))
                       ->group(must ? "Required" : "Profile")});
    }
  }
  static std::string Flag(std::string column) {
    std::replace(column.begin(), column.end(), '_', '-');
    return column;
  }
  TextFields Given() const {
    TextFields fields;
    for (size_t i = 0; i < values.size(); ++i) {
      if (options[i].second->count() > 0) {
        fields[values[i].first] = values[i].second;
      }
    }
    return fields;
  }
  // For a create without --file: a usage error naming every required flag
  // not given.
  bool CheckRequired(Cli& cli) const {
    std::vector<std::string> missing;
    TextFields given = Given();
    for (const std::string& column : required) {
      if (!given.contains(column)) missing.push_back("--" + Flag(column));
    }
    if (missing.empty()) return true;
    cli.exit_code = UsageError(
        absl::StrCat("a new profile needs ", absl::StrJoin(missing, ", "),
                     " (or --file with the profile in JSON); see --help"));
    return false;
  }
};

// --kind: la, vaa, raa or a full AuthorityKind name; nullopt (and a usage
// error) otherwise.
std::optional<v1::AuthorityKind> ParseAuthorityKind(Cli& cli,
                                                    const std::string& kind) {
  const std::map<std::string, std::string> kShort = {
      {"la", "local_authority"},
      {"vaa", "voluntary_adoption_agency"},
      {"raa", "regional_adoption_agency"}};
  auto alias = kShort.find(kind);
  absl::StatusOr<int> k =
      ParseEnum(v1::AuthorityKind_descriptor(),
                alias == kShort.end() ? kind : alias->second);
  if (!k.ok()) {
    cli.exit_code = UsageError(
        absl::StrCat("--kind: ", k.status().message(), " (or la, vaa, raa)"));
    return std::nullopt;
  }
  return static_cast<v1::AuthorityKind>(*k);
}

void PrintAuthority(const v1::Authority& a) {
  PrintFields({{"name", a.name()},
               {"display name", a.display_name()},
               {"kind", Label(v1::AuthorityKind_descriptor(), a.kind())},
               {"region", a.region()},
               {"london weighting", a.london_weighting() ? "yes" : "no"},
               {"status", Label(v1::AuthorityStatus_descriptor(), a.status())},
               {"joined", FormatDate(a.joined_on())},
               {"withdrawn", FormatDate(a.withdrawn_on())},
               {"rejoined", FormatDate(a.rejoined_on())}});
}

void PrintImpact(const v1::WithdrawalImpact& impact) {
  std::cout << "Withdrawing " << impact.display_name() << " ("
            << ShortId(impact.authority()) << ") would take out of matching:\n"
            << "  " << impact.child_profiles_in_matching()
            << " waiting or linked child profiles ("
            << impact.children_in_matching() << " children)\n"
            << "  " << impact.households_in_matching()
            << " approved or linked households\n"
            << "  " << impact.open_links() << " open links\n"
            << "and make its " << impact.active_keys()
            << " active keys read-only (its own records).\n"
            << "Kept unchanged as history: " << impact.other_child_profiles()
            << " other child profiles, " << impact.other_households()
            << " other households. Nothing is deleted: `raa authority "
               "reinstate "
            << ShortId(impact.authority())
            << "` brings every record back as it was.\n";
}

void PrintChild(const v1::Child& child) {
  std::vector<std::pair<std::string, std::string>> rows = {
      {"name", child.name()},
      {"status", Label(v1::ChildStatus_descriptor(), child.status())},
      {"children", absl::StrCat(child.members_size())},
      {"ages today", Ages(child)},
      {"ages registered", StoredAges(child)},
      {"needs", Needs(child)}};
  TextFields text = ChildToText(child);
  for (const std::string& column : ChildColumns()) {
    if (column == "age_months") continue;
    // "needs" per child: "1:learning_disability=mild;2:...".
    rows.push_back(
        {column == "needs" ? "needs by child" : column, text[column]});
  }
  rows.push_back({"withdraw reason", child.withdraw_reason()});
  AddStatusHistory(child, rows);
  PrintFields(rows);
}

void PrintAdopter(const v1::Adopter& adopter) {
  std::vector<std::pair<std::string, std::string>> rows = {
      {"name", adopter.name()}};
  TextFields text = AdopterToText(adopter);
  for (const std::string& column : AdopterColumns()) {
    rows.push_back({column, text[column]});
  }
  rows.push_back({"withdraw reason", adopter.withdraw_reason()});
  AddStatusHistory(adopter, rows);
  PrintFields(rows);
}

template <typename Message>
void Show(Cli& cli, const absl::StatusOr<Message>& result,
          void (*print)(const Message&)) {
  if (!result.ok()) {
    cli.exit_code = Fail(result.status());
  } else if (cli.json) {
    PrintJson(*result);
  } else {
    print(*result);
  }
}

void AddAuthorityCommands(CLI::App& app, Cli& cli) {
  CLI::App* group = app.add_subcommand(
      "authority", "member authorities (managers create and withdraw them)");
  group->require_subcommand(1);

  {
    auto* cmd = group->add_subcommand("create", "register a member authority");
    auto id = std::make_shared<std::string>();
    auto request = std::make_shared<v1::CreateAuthorityRequest>();
    auto kind = std::make_shared<std::string>("local_authority");
    auto joined = std::make_shared<std::string>();
    auto london = std::make_shared<bool>(false);
    cmd->add_option("id", *id, "slug, e.g. sheffield")->required();
    cmd->add_option("--name",
                    *request->mutable_authority()->mutable_display_name(),
                    "REQUIRED: display name")
        ->required();
    cmd->add_option("--kind", *kind,
                    "la (local_authority), vaa (voluntary_adoption_agency) or "
                    "raa (regional_adoption_agency)")
        ->capture_default_str();
    cmd->add_option("--region", *request->mutable_authority()->mutable_region(),
                    "REQUIRED: region slug, e.g. south-yorkshire")
        ->required();
    cmd->add_flag("--london", *london, "London weighting applies to its fees");
    cmd->add_option("--joined", *joined, "YYYY-MM-DD (default today)");
    cmd->callback([&cli, id, request, kind, joined, london] {
      request->set_authority_id(*id);
      request->set_request_id(cli.RequestId());
      request->mutable_authority()->set_london_weighting(*london);
      std::optional<v1::AuthorityKind> k = ParseAuthorityKind(cli, *kind);
      if (!k) return;
      request->mutable_authority()->set_kind(*k);
      if (!joined->empty()) {
        auto date = ParseDate(*joined);
        if (!date) {
          cli.exit_code = UsageError("--joined: use YYYY-MM-DD");
          return;
        }
        *request->mutable_authority()->mutable_joined_on() = *date;
      }
      Show<v1::Authority>(
          cli, cli.client().Call(&Registry::CreateAuthority, *request),
          PrintAuthority);
    });
  }
  {
    auto* cmd = group->add_subcommand("get", "show one authority");
    auto id = std::make_shared<std::string>();
    cmd->add_option("id", *id, "authority id")->required();
    cmd->callback([&cli, id] {
      v1::GetAuthorityRequest request;
      request.set_name(absl::StrCat("authorities/", *id));
      Show<v1::Authority>(cli,
                          cli.client().Call(&Registry::GetAuthority, request),
                          PrintAuthority);
    });
  }
  {
    auto* cmd = group->add_subcommand("list", "list the members");
    auto status = std::make_shared<std::string>();
    auto paging = std::make_shared<Paging>();
    cmd->add_option("--status", *status, "active or withdrawn");
    paging->Add(cmd, 100, 1000, "members");
    cmd->callback([&cli, status, paging] {
      if (!paging->Check(cli)) return;
      v1::ListAuthoritiesRequest request;
      if (!status->empty()) {
        auto s = FlagEnum(cli, "--status", v1::AuthorityStatus_descriptor(),
                          *status);
        if (!s) return;
        request.set_status(static_cast<v1::AuthorityStatus>(*s));
      }
      v1::ListAuthoritiesResponse all;
      if (!FetchPages(
              cli, &Registry::ListAuthorities, request, *paging,
              [](const auto& page) { return page.authorities_size(); }, all)) {
        return;
      }
      if (cli.json) return PrintJson(all);
      Table table({"ID", "NAME", "KIND", "REGION", "LONDON", "STATUS", "JOINED",
                   "WITHDRAWN"},
                  7);
      for (const v1::Authority& a : all.authorities()) {
        table.AddRow({ShortId(a.name()), a.display_name(),
                      Label(v1::AuthorityKind_descriptor(), a.kind()),
                      a.region(), a.london_weighting() ? "yes" : "",
                      Label(v1::AuthorityStatus_descriptor(), a.status()),
                      FormatDate(a.joined_on()), FormatDate(a.withdrawn_on())});
      }
      table.Print();
      PrintMore(cli, all.next_page_token());
    });
  }
  {
    auto* cmd = group->add_subcommand(
        "update", "correct a member's name, kind, region or London weighting");
    auto id = std::make_shared<std::string>();
    auto request = std::make_shared<v1::UpdateAuthorityRequest>();
    auto kind = std::make_shared<std::string>();
    auto london = std::make_shared<std::string>();
    cmd->add_option("id", *id, "authority id")->required();
    auto* name = cmd->add_option(
        "--name", *request->mutable_authority()->mutable_display_name(),
        "display name");
    cmd->add_option("--kind", *kind,
                    "la (local_authority), vaa (voluntary_adoption_agency) or "
                    "raa (regional_adoption_agency)");
    auto* region = cmd->add_option(
        "--region", *request->mutable_authority()->mutable_region(),
        "region slug, e.g. south-yorkshire");
    cmd->add_option("--london", *london,
                    "yes or no: London weighting applies to its fees");
    cmd->callback([&cli, id, request, kind, london, name, region] {
      request->mutable_authority()->set_name(absl::StrCat("authorities/", *id));
      request->set_request_id(cli.RequestId());
      google::protobuf::FieldMask& mask = *request->mutable_update_mask();
      if (name->count() > 0) mask.add_paths("display_name");
      if (region->count() > 0) mask.add_paths("region");
      if (!kind->empty()) {
        std::optional<v1::AuthorityKind> k = ParseAuthorityKind(cli, *kind);
        if (!k) return;
        request->mutable_authority()->set_kind(*k);
        mask.add_paths("kind");
      }
      if (!london->empty()) {
        std::string v = absl::AsciiStrToLower(*london);
        if (v != "yes" && v != "no") {
          cli.exit_code = UsageError("--london: use yes or no");
          return;
        }
        request->mutable_authority()->set_london_weighting(v == "yes");
        mask.add_paths("london_weighting");
      }
      if (mask.paths().empty()) {
        cli.exit_code = UsageError(
            "nothing to change: give --name, --kind, --region or --london");
        return;
      }
      Show<v1::Authority>(
          cli, cli.client().Call(&Registry::UpdateAuthority, *request),
          PrintAuthority);
    });
  }
  {
    auto* cmd = group->add_subcommand(
        "withdraw",
        "record that a member leaves: shows what leaves matching and asks "
        "first (its history stays; reinstate brings it back)");
    auto id = std::make_shared<std::string>();
    auto on = std::make_shared<std::string>();
    auto yes = std::make_shared<bool>(false);
    cmd->add_option("id", *id, "authority id")->required();
    cmd->add_option("--on", *on, "YYYY-MM-DD (default today)");
    cmd->add_flag("--yes,-y", *yes,
                  "do not ask for confirmation (for scripts); the impact is "
                  "still printed");
    cmd->callback([&cli, id, on, yes] {
      v1::WithdrawAuthorityRequest request;
      request.set_name(absl::StrCat("authorities/", *id));
      request.set_request_id(cli.RequestId());
      if (!on->empty()) {
        auto date = ParseDate(*on);
        if (!date) {
          cli.exit_code = UsageError("--on: use YYYY-MM-DD");
          return;
        }
        *request.mutable_withdrawn_on() = *date;
      }
      v1::GetWithdrawalImpactRequest impact_request;
      impact_request.set_name(request.name());
      absl::StatusOr<v1::WithdrawalImpact> impact =
          cli.client().Call(&Registry::GetWithdrawalImpact, impact_request);
      if (!impact.ok()) {
        cli.exit_code = Fail(impact.status());
        return;
      }
      if (impact->status() == v1::AUTHORITY_WITHDRAWN) {
        cli.exit_code = Fail(absl::FailedPreconditionError(absl::StrCat(
            impact->display_name(), " (", *id, ") has already withdrawn")));
        return;
      }
      // The impact goes to stderr with --json, so stdout stays one document.
      if (cli.json) {
        std::cerr << ToJson(*impact) << "\n";
      } else {
        PrintImpact(*impact);
      }
      if (!*yes) {
        if (!isatty(STDIN_FILENO)) {
          cli.exit_code = UsageError(
              "not withdrawn: add --yes to confirm when not at a terminal");
          return;
        }
        std::cerr << "Type " << *id << " to withdraw it: " << std::flush;
        std::string answer;
        std::getline(std::cin, answer);
        if (absl::StripAsciiWhitespace(answer) != *id) {
          std::cerr << "Not withdrawn.\n";
          cli.exit_code = kExitRefused;
          return;
        }
      }
      Show<v1::Authority>(
          cli, cli.client().Call(&Registry::WithdrawAuthority, request),
          PrintAuthority);
    });
  }
  {
    auto* cmd = group->add_subcommand(
        "reinstate",
        "a withdrawn member rejoins; its records come back as they were");
    auto id = std::make_shared<std::string>();
    cmd->add_option("id", *id, "authority id")->required();
    cmd->callback([&cli, id] {
      v1::ReinstateAuthorityRequest request;
      request.set_name(absl::StrCat("authorities/", *id));
      request.set_request_id(cli.RequestId());
      Show<v1::Authority>(
          cli, cli.client().Call(&Registry::ReinstateAuthority, request),
          PrintAuthority);
    });
  }
}

// Options shared by `child list` and `adopter list`.
struct ListFlags {
  std::string authority;
  std::string status;
  std::string need;
  int group_size = 0;
  Paging paging;
  void Add(CLI::App* cmd, const std::string& status_help,
           const std::string& group_size_help, const std::string& noun) {
    cmd->add_option("--authority", authority,
                    "one member's records (default: every member)");
    cmd->add_option("--status", status, status_help);
    cmd->add_option(
        "--need", need,
        "need category: " + EnumChoices(v1::NeedCategory_descriptor()));
    cmd->add_option("--group-size", group_size, group_size_help);
    paging.Add(cmd, 100, 1000, noun);
  }
};

void AddChildCommands(CLI::App& app, Cli& cli) {
  CLI::App* group = app.add_subcommand(
      "child", "anonymised child profiles (a child or a sibling group)");
  group->require_subcommand(1);
  {
    auto* cmd = group->add_subcommand(
        "create", "register one of your authority's children");
    auto flags = std::make_shared<ProfileFlags>();
    auto file = std::make_shared<std::string>();
    auto authority = std::make_shared<std::string>();
    cmd->add_option("--authority", *authority, "your authority id");
    cmd->add_option("--file", *file, "a raa.v1.Child in JSON instead of flags");
    flags->Add(cmd, ChildColumns(), RequiredChildColumns());
    cmd->callback([&cli, flags, file, authority] {
      if (file->empty() && !flags->CheckRequired(cli)) return;
      std::string parent = cli.AuthorityOr(*authority);
      if (parent.empty()) return;
      v1::CreateChildRequest request;
      request.set_parent(absl::StrCat("authorities/", parent));
      request.set_request_id(cli.RequestId());
      if (!file->empty()) {
        if (absl::Status s = ReadJsonFile(*file, *request.mutable_child());
            !s.ok()) {
          cli.exit_code = UsageError(std::string(s.message()));
          return;
        }
      }
      auto parsed = ChildFromText(flags->Given(), *request.mutable_child());
      if (!parsed.ok()) {
        cli.exit_code = LocalFail(parsed.status());
        return;
      }
      Show<v1::Child>(cli, cli.client().Call(&Registry::CreateChild, request),
                      PrintChild);
    });
  }
  {
    auto* cmd = group->add_subcommand("get", "show one profile");
    auto name = std::make_shared<std::string>();
    cmd->add_option("name", *name, "c12, sheffield/c12 or the full name")
        ->required();
    cmd->callback([&cli, name] {
      v1::GetChildRequest request;
      request.set_name(RecordName(*name, "children", cli.authority));
      Show<v1::Child>(cli, cli.client().Call(&Registry::GetChild, request),
                      PrintChild);
    });
  }
  {
    auto* cmd = group->add_subcommand("list", "list the profiles you can see");
    auto flags = std::make_shared<ListFlags>();
    auto min_age = std::make_shared<int>(-1);
    auto max_age = std::make_shared<int>(-1);
    flags->Add(cmd, EnumChoices(v1::ChildStatus_descriptor()),
               "profiles with exactly this many children", "profiles");
    cmd->add_option("--min-age", *min_age,
                    "at least one child this old today (months)");
    cmd->add_option("--max-age", *max_age,
                    "at least one child this young today (months)");
    cmd->callback([&cli, flags, min_age, max_age] {
      if (!flags->paging.Check(cli)) return;
      v1::ListChildrenRequest request;
      request.set_parent(flags->authority.empty()
                             ? "authorities/-"
                             : absl::StrCat("authorities/", flags->authority));
      request.set_group_size(flags->group_size);
      if (*min_age >= 0) request.set_min_age_months(*min_age);
      if (*max_age >= 0) request.set_max_age_months(*max_age);
      if (!flags->status.empty()) {
        auto s = FlagEnum(cli, "--status", v1::ChildStatus_descriptor(),
                          flags->status);
        if (!s) return;
        request.set_status(static_cast<v1::ChildStatus>(*s));
      }
      if (!flags->need.empty()) {
        auto n =
            FlagEnum(cli, "--need", v1::NeedCategory_descriptor(), flags->need);
        if (!n) return;
        request.set_need(static_cast<v1::NeedCategory>(*n));
      }
      v1::ListChildrenResponse all;
      if (!FetchPages(
              cli, &Registry::ListChildren, request, flags->paging,
              [](const auto& page) { return page.children_size(); }, all)) {
        return;
      }
      if (cli.json) return PrintJson(all);
      Table table({"NAME", "STATUS", "GROUP", "AGES TODAY", "NEEDS", "CONTACT",
                   "REGION", "ENTERED CARE", "AGES AS OF", "SEX", "HERITAGE",
                   "RELIGION", "FIRST LANGUAGE", "EARLY PERMANENCE", "TOGETHER",
                   "EXCLUDED REGIONS", "PLACEMENT ORDER", "SUMMARY"},
                  8);
      for (const v1::Child& c : all.children()) {
        TextFields text = ChildToText(c);
        table.AddRow(
            {ShortId(c.name()), Label(v1::ChildStatus_descriptor(), c.status()),
             absl::StrCat(c.members_size()), Ages(c), Needs(c),
             Label(v1::ContactPlan_descriptor(), c.contact_plan()), c.region(),
             FormatDate(c.journey().entered_care()), text["ages_as_of"],
             text["sex"], text["heritage"], text["religion"],
             text["first_language"], text["early_permanence"],
             c.must_be_placed_together() ? "yes" : "no",
             text["excluded_regions"], text["placement_order"], c.summary()});
      }
      table.Print();
      if (!cli.csv) std::cout << all.children_size() << " profiles\n";
      PrintMore(cli, all.next_page_token());
    });
  }
  {
    auto* cmd = group->add_subcommand(
        "update", "change a profile: only the columns you give change");
    auto name = std::make_shared<std::string>();
    auto flags = std::make_shared<ProfileFlags>();
    auto status = std::make_shared<std::string>();
    auto reason = std::make_shared<std::string>();
    cmd->add_option("name", *name, "c12, sheffield/c12 or the full name")
        ->required();
    cmd->add_option(
        "--status", *status,
        "the child's status: " + EnumChoices(v1::ChildStatus_descriptor()) +
            " (needs --reason; never back from placed or "
            "adopted)");
    cmd->add_option("--reason", *reason,
                    "why the status changes (required with --status; no "
                    "names or dates)");
    flags->Add(cmd, ChildColumns());
    cmd->callback([&cli, name, flags, status, reason] {
      v1::GetChildRequest get;
      get.set_name(RecordName(*name, "children", cli.authority));
      auto current = cli.client().Call(&Registry::GetChild, get);
      if (!current.ok()) {
        cli.exit_code = Fail(current.status());
        return;
      }
      v1::UpdateChildRequest request;
      *request.mutable_child() = *current;
      request.set_request_id(cli.RequestId());
      auto touched = ChildFromText(flags->Given(), *request.mutable_child());
      if (!touched.ok()) {
        cli.exit_code = LocalFail(touched.status());
        return;
      }
      for (const std::string& path : *touched)
        request.mutable_update_mask()->add_paths(path);
      if (!status->empty()) {
        auto s =
            FlagEnum(cli, "--status", v1::ChildStatus_descriptor(), *status);
        if (!s) return;
        request.mutable_child()->set_status(static_cast<v1::ChildStatus>(*s));
        request.mutable_update_mask()->add_paths("status");
        request.set_status_reason(*reason);
      }
      if (request.update_mask().paths().empty()) {
        cli.exit_code =
            UsageError("nothing to change: give the columns to update");
        return;
      }
      // Send only the changed fields (and the name), so a retry with the
      // same --request-id is the same request even after it took effect.
      v1::Child changes;
      changes.set_name(request.child().name());
      google::protobuf::util::FieldMaskUtil::MergeMessageTo(
          request.child(), request.update_mask(),
          google::protobuf::util::FieldMaskUtil::MergeOptions(), &changes);
      *request.mutable_child() = std::move(changes);
      Show<v1::Child>(cli, cli.client().Call(&Registry::UpdateChild, request),
                      PrintChild);
    });
  }
  {
    auto* cmd =
        group->add_subcommand("withdraw", "withdraw a profile, with a reason");
    auto name = std::make_shared<std::string>();
    auto reason = std::make_shared<std::string>();
    cmd->add_option("name", *name, "c12, sheffield/c12 or the full name")
        ->required();
    cmd->add_option("--reason", *reason, "REQUIRED: why (no names or dates)")
        ->required();
    cmd->callback([&cli, name, reason] {
      v1::WithdrawChildRequest request;
      request.set_name(RecordName(*name, "children", cli.authority));
      request.set_reason(*reason);
      request.set_request_id(cli.RequestId());
      Show<v1::Child>(cli, cli.client().Call(&Registry::WithdrawChild, request),
                      PrintChild);
    });
  }
}

void AddAdopterCommands(CLI::App& app, Cli& cli) {
  CLI::App* group = app.add_subcommand("adopter", "adopter households");
  group->require_subcommand(1);
  {
    auto* cmd = group->add_subcommand(
        "create", "register one of your authority's households");
    auto flags = std::make_shared<ProfileFlags>();
    auto file = std::make_shared<std::string>();
    auto authority = std::make_shared<std::string>();
    cmd->add_option("--authority", *authority, "your authority id");
    cmd->add_option("--file", *file,
                    "a raa.v1.Adopter in JSON instead of flags");
    flags->Add(cmd, AdopterColumns(), RequiredAdopterColumns());
    cmd->callback([&cli, flags, file, authority] {
      if (file->empty() && !flags->CheckRequired(cli)) return;
      std::string parent = cli.AuthorityOr(*authority);
      if (parent.empty()) return;
      v1::CreateAdopterRequest request;
      request.set_parent(absl::StrCat("authorities/", parent));
      request.set_request_id(cli.RequestId());
      if (!file->empty()) {
        if (absl::Status s = ReadJsonFile(*file, *request.mutable_adopter());
            !s.ok()) {
          cli.exit_code = UsageError(std::string(s.message()));
          return;
        }
      }
      auto parsed = AdopterFromText(flags->Given(), *request.mutable_adopter());
      if (!parsed.ok()) {
        cli.exit_code = LocalFail(parsed.status());
        return;
      }
      Show<v1::Adopter>(cli,
                        cli.client().Call(&Registry::CreateAdopter, request),
                        PrintAdopter);
    });
  }
  {
    auto* cmd = group->add_subcommand("get", "show one household");
    auto name = std::make_shared<std::string>();
    cmd->add_option("name", *name, "h7, leeds/h7 or the full name")->required();
    cmd->callback([&cli, name] {
      v1::GetAdopterRequest request;
      request.set_name(RecordName(*name, "adopters", cli.authority));
      Show<v1::Adopter>(cli, cli.client().Call(&Registry::GetAdopter, request),
                        PrintAdopter);
    });
  }
  {
    auto* cmd = group->add_subcommand("list", "list households");
    auto flags = std::make_shared<ListFlags>();
    auto age = std::make_shared<int>(-1);
    flags->Add(cmd, EnumChoices(v1::AdopterStatus_descriptor()),
               "households approved for at least this many children",
               "households");
    cmd->add_option("--age", *age,
                    "households whose age range includes this (months)");
    cmd->callback([&cli, flags, age] {
      if (!flags->paging.Check(cli)) return;
      v1::ListAdoptersRequest request;
      request.set_parent(flags->authority.empty()
                             ? "authorities/-"
                             : absl::StrCat("authorities/", flags->authority));
      request.set_group_size(flags->group_size);
      if (*age >= 0) request.set_age_months(*age);
      if (!flags->status.empty()) {
        auto s = FlagEnum(cli, "--status", v1::AdopterStatus_descriptor(),
                          flags->status);
        if (!s) return;
        request.set_status(static_cast<v1::AdopterStatus>(*s));
      }
      if (!flags->need.empty()) {
        auto n =
            FlagEnum(cli, "--need", v1::NeedCategory_descriptor(), flags->need);
        if (!n) return;
        request.set_need(static_cast<v1::NeedCategory>(*n));
      }
      v1::ListAdoptersResponse all;
      if (!FetchPages(
              cli, &Registry::ListAdopters, request, flags->paging,
              [](const auto& page) { return page.adopters_size(); }, all)) {
        return;
      }
      if (cli.json) return PrintJson(all);
      Table table(
          {"NAME", "STATUS", "FOR", "AGES", "SEX", "NEEDS CONSIDERED", "REGION",
           "APPROVED", "MAX CONTACT", "HERITAGE", "RELIGION", "LANGUAGES",
           "EXCLUDED REGIONS", "DUAL APPROVED", "FAST TRACK"},
          8);
      for (const v1::Adopter& a : all.adopters()) {
        TextFields text = AdopterToText(a);
        table.AddRow({ShortId(a.name()),
                      Label(v1::AdopterStatus_descriptor(), a.status()),
                      absl::StrCat(a.approved_for()), AgeRange(a),
                      Label(v1::SexPreference_descriptor(), a.sex_preference()),
                      NeedsConsidered(a), a.region(),
                      FormatDate(a.approved_on()), text["max_contact"],
                      text["heritage"], text["religion"], text["languages"],
                      text["excluded_regions"],
                      a.dual_approved() ? "yes" : "no", text["fast_track"]});
      }
      table.Print();
      if (!cli.csv) std::cout << all.adopters_size() << " households\n";
      PrintMore(cli, all.next_page_token());
    });
  }
  {
    auto* cmd = group->add_subcommand(
        "update", "change a household: only the columns you give change");
    auto name = std::make_shared<std::string>();
    auto flags = std::make_shared<ProfileFlags>();
    auto reason = std::make_shared<std::string>();
    cmd->add_option("name", *name, "h7, leeds/h7 or the full name")->required();
    cmd->add_option("--reason", *reason,
                    "why the status changes (required with --status; no "
                    "names or dates)");
    flags->Add(cmd, AdopterColumns());
    cmd->callback([&cli, name, flags, reason] {
      v1::UpdateAdopterRequest request;
      request.mutable_adopter()->set_name(
          RecordName(*name, "adopters", cli.authority));
      request.set_request_id(cli.RequestId());
      auto touched =
          AdopterFromText(flags->Given(), *request.mutable_adopter());
      if (!touched.ok()) {
        cli.exit_code = LocalFail(touched.status());
        return;
      }
      for (const std::string& path : *touched) {
        request.mutable_update_mask()->add_paths(path);
        if (path == "status") request.set_status_reason(*reason);
      }
      if (request.update_mask().paths().empty()) {
        cli.exit_code =
            UsageError("nothing to change: give the columns to update");
        return;
      }
      Show<v1::Adopter>(cli,
                        cli.client().Call(&Registry::UpdateAdopter, request),
                        PrintAdopter);
    });
  }
  {
    auto* cmd = group->add_subcommand("withdraw",
                                      "withdraw a household, with a reason");
    auto name = std::make_shared<std::string>();
    auto reason = std::make_shared<std::string>();
    cmd->add_option("name", *name, "h7, leeds/h7 or the full name")->required();
    cmd->add_option("--reason", *reason, "REQUIRED: why (no names or dates)")
        ->required();
    cmd->callback([&cli, name, reason] {
      v1::WithdrawAdopterRequest request;
      request.set_name(RecordName(*name, "adopters", cli.authority));
      request.set_reason(*reason);
      request.set_request_id(cli.RequestId());
      Show<v1::Adopter>(cli,
                        cli.client().Call(&Registry::WithdrawAdopter, request),
                        PrintAdopter);
    });
  }
}

}  // namespace

void AddRegistryCommands(CLI::App& app, Cli& cli) {
  AddAuthorityCommands(app, cli);
  AddChildCommands(app, cli);
  AddAdopterCommands(app, cli);
}

}  // namespace raa::cli
