// raa authority …, raa child …, raa adopter …
#include <unistd.h>

#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "clients/lib/profile_text.h"
#include "clients/lib/user_json.h"
#include "clients/raa/cli.h"
#include "common/dates.h"
#include "common/record_fields.h"
#include "google/protobuf/util/field_mask_util.h"
#include "google/protobuf/util/json_util.h"

namespace raa::cli {
namespace {

using Registry = v1::RegistryService::Stub;

std::string Label(const google::protobuf::EnumDescriptor* type, int value) {
  return EnumLabel(type, value);
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
                      label(c.to_status()), " (", ShortName(c.authority()),
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
  absl::Status status = FromUserJson(text.str(), message);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", std::string(status.message())));
  }
  return absl::OkStatus();
}

// One --flag per column of a record's field table, e.g. --age-months for
// "age_months". The help says what each holds, its allowed values, and
// REQUIRED for the columns a new record must have (with `required`).
struct ProfileFlags {
  std::vector<std::pair<std::string, std::string>> values;  // column, value
  std::vector<std::pair<std::string, CLI::Option*>> options;
  std::vector<std::string> required;

  void Add(CLI::App* app, const RecordFields& fields, bool with_required) {
    if (with_required) required = fields.RequiredColumns();
    values.reserve(fields.fields().size());
    for (const RecordField& field : fields.fields()) {
      values.push_back({std::string(field.column), ""});
    }
    for (size_t i = 0; i < values.size(); ++i) {
      auto& [column, value] = values[i];
      bool must =
          std::find(required.begin(), required.end(), column) != required.end();
      options.push_back(
          {column,
           app->add_option("--" + Flag(column), value,
                           absl::StrCat(must ? "REQUIRED: " : "",
                                        ColumnHelp(fields, fields.fields()[i])))
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

// A column of `raa child list` or `raa adopter list`: its header, and its
// cell for a record (whose text form is `text`).
template <typename Record>
struct ListColumn {
  std::string header;
  std::function<std::string(const Record&, const TextFields& text)> cell;
};

// A field's column, as the field table names it: its text, or yes or no for
// a true-or-false field.
template <typename Record>
ListColumn<Record> FieldColumn(const RecordFields& fields,
                               absl::string_view column) {
  const RecordField& field = *fields.Find(column);
  const bool yes_no = FieldAt(MessageOf(fields), field.proto_path)->type() ==
                      google::protobuf::FieldDescriptor::TYPE_BOOL;
  return {std::string(field.header),
          [column = std::string(column), yes_no](const Record&,
                                                 const TextFields& text) {
            const std::string& value = text.at(column);
            if (!yes_no) return value;
            return std::string(value == "true" ? "yes" : "no");
          }};
}

// The list as a table: one row per record, the first `shown_by_default`
// columns unless --wide, --csv or --columns ask for more.
template <typename Record>
void PrintList(const google::protobuf::RepeatedPtrField<Record>& records,
               const std::vector<ListColumn<Record>>& columns,
               size_t shown_by_default, TextFields (*to_text)(const Record&)) {
  std::vector<std::string> headers;
  for (const ListColumn<Record>& c : columns) headers.push_back(c.header);
  Table table(std::move(headers), shown_by_default);
  for (const Record& record : records) {
    const TextFields text = to_text(record);
    std::vector<std::string> row;
    for (const ListColumn<Record>& c : columns) {
      row.push_back(c.cell(record, text));
    }
    table.AddRow(std::move(row));
  }
  table.Print();
}

// `raa child list`: who the children are first, then the rest of the
// profile.
const std::vector<ListColumn<v1::Child>>& ChildListColumns() {
  using Text = const TextFields&;
  auto field = [](absl::string_view column) {
    return FieldColumn<v1::Child>(ChildFields(), column);
  };
  static const auto* const kColumns = new std::vector<ListColumn<v1::Child>>{
      {"NAME", [](const v1::Child& c, Text) { return ShortName(c.name()); }},
      {"STATUS",
       [](const v1::Child& c, Text) {
         return Label(v1::ChildStatus_descriptor(), c.status());
       }},
      {"GROUP",
       [](const v1::Child& c, Text) { return absl::StrCat(c.members_size()); }},
      {"AGES TODAY", [](const v1::Child& c, Text) { return Ages(c); }},
      {"NEEDS", [](const v1::Child& c, Text) { return Needs(c); }},
      field("contact_plan"),
      field("region"),
      field("entered_care"),
      field("ages_as_of"),
      field("sex"),
      field("heritage"),
      field("religion"),
      field("first_language"),
      field("early_permanence"),
      field("must_be_placed_together"),
      field("excluded_regions"),
      field("placement_order"),
      field("summary"),
  };
  return *kColumns;
}

// `raa adopter list`: who the household would adopt first.
const std::vector<ListColumn<v1::Adopter>>& AdopterListColumns() {
  using Text = const TextFields&;
  auto field = [](absl::string_view column) {
    return FieldColumn<v1::Adopter>(AdopterFields(), column);
  };
  static const auto* const kColumns = new std::vector<ListColumn<v1::Adopter>>{
      {"NAME", [](const v1::Adopter& a, Text) { return ShortName(a.name()); }},
      field("status"),
      field("approved_for"),
      {"AGES", [](const v1::Adopter& a, Text) { return AgeRange(a); }},
      field("sex_preference"),
      {"NEEDS CONSIDERED",
       [](const v1::Adopter& a, Text) { return NeedsConsidered(a); }},
      field("region"),
      field("approved_on"),
      field("max_contact"),
      field("heritage"),
      field("religion"),
      field("languages"),
      field("excluded_regions"),
      field("dual_approved"),
      field("fast_track"),
  };
  return *kColumns;
}

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
            << ShortName(impact.authority())
            << ") would take out of matching:\n"
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
            << ShortName(impact.authority())
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
  for (const std::string& column : ChildFields().Columns()) {
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
  for (const std::string& column : AdopterFields().Columns()) {
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

void AddAuthorityCreateCommand(CLI::App* group, Cli& cli) {
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
    Show<v1::Authority>(cli,
                        cli.client().Call(&Registry::CreateAuthority, *request),
                        PrintAuthority);
  });
}

void AddAuthorityGetCommand(CLI::App* group, Cli& cli) {
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

void AddAuthorityListCommand(CLI::App* group, Cli& cli) {
  auto* cmd = group->add_subcommand("list", "list the members");
  auto status = std::make_shared<std::string>();
  auto paging = std::make_shared<Paging>();
  cmd->add_option("--status", *status, "active or withdrawn");
  paging->Add(cmd, 100, 1000, "members");
  cmd->callback([&cli, status, paging] {
    if (!paging->Check(cli)) return;
    v1::ListAuthoritiesRequest request;
    if (!status->empty()) {
      auto s =
          FlagEnum(cli, "--status", v1::AuthorityStatus_descriptor(), *status);
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
      table.AddRow({ShortName(a.name()), a.display_name(),
                    Label(v1::AuthorityKind_descriptor(), a.kind()), a.region(),
                    a.london_weighting() ? "yes" : "",
                    Label(v1::AuthorityStatus_descriptor(), a.status()),
                    FormatDate(a.joined_on()), FormatDate(a.withdrawn_on())});
    }
    table.Print();
    PrintMore(cli, all.next_page_token());
  });
}

void AddAuthorityUpdateCommand(CLI::App* group, Cli& cli) {
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
    Show<v1::Authority>(cli,
                        cli.client().Call(&Registry::UpdateAuthority, *request),
                        PrintAuthority);
  });
}

// Prints what withdrawing the authority `name` (`id`) would take out of
// matching: on stdout, or as JSON on stderr with --json (so stdout stays one
// document). False (with the failure printed) when the impact cannot be read
// or the authority has already withdrawn.
bool ShowImpact(Cli& cli, const std::string& id, const std::string& name) {
  v1::GetWithdrawalImpactRequest request;
  request.set_name(name);
  absl::StatusOr<v1::WithdrawalImpact> impact =
      cli.client().Call(&Registry::GetWithdrawalImpact, request);
  if (!impact.ok()) {
    cli.exit_code = Fail(impact.status());
    return false;
  }
  if (impact->status() == v1::AUTHORITY_STATUS_WITHDRAWN) {
    cli.exit_code = Fail(absl::FailedPreconditionError(absl::StrCat(
        impact->display_name(), " (", id, ") has already withdrawn")));
    return false;
  }
  if (cli.json) {
    std::cerr << ToJson(*impact) << "\n";
  } else {
    PrintImpact(*impact);
  }
  return true;
}

// Asks at the terminal for the authority's id, typed back. False (with the
// exit code set) when not at a terminal or the answer differs.
bool Confirmed(Cli& cli, const std::string& id) {
  if (!isatty(STDIN_FILENO)) {
    cli.exit_code = UsageError(
        "not withdrawn: add --yes to confirm when not at a terminal");
    return false;
  }
  std::cerr << "Type " << id << " to withdraw it: " << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  if (absl::StripAsciiWhitespace(answer) != id) {
    std::cerr << "Not withdrawn.\n";
    cli.exit_code = kExitRefused;
    return false;
  }
  return true;
}

void AddAuthorityWithdrawCommand(CLI::App* group, Cli& cli) {
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
    if (!ShowImpact(cli, *id, request.name())) return;
    if (!*yes && !Confirmed(cli, *id)) return;
    Show<v1::Authority>(
        cli, cli.client().Call(&Registry::WithdrawAuthority, request),
        PrintAuthority);
  });
}

void AddAuthorityReinstateCommand(CLI::App* group, Cli& cli) {
  auto* cmd = group->add_subcommand(
      "reinstate",
      "a withdrawn member rejoins; its records come back as they were");
  auto id = std::make_shared<std::string>();
  cmd->add_option("id", *id, "authority id")->required();
  cmd->callback([&cli, id] {
    v1::ReinstateAuthorityRequest request;
    request.set_name(absl::StrCat("authorities/", *id));
    request.set_request_id(cli.RequestId());
    absl::StatusOr<v1::Authority> reinstated =
        cli.client().Call(&Registry::ReinstateAuthority, request);
    Show<v1::Authority>(cli, reinstated, PrintAuthority);
    if (reinstated.ok() && !cli.json && !cli.csv) {
      std::cout << "\nIts follows, ended when it withdrew, are not "
                   "restarted: its family finders follow again what they "
                   "still want alerts for (raa match follows; raa match "
                   "follow).\n";
    }
  });
}

void AddAuthorityCommands(CLI::App& app, Cli& cli) {
  CLI::App* group = app.add_subcommand(
      "authority", "member authorities (managers create and withdraw them)");
  group->require_subcommand(1);

  AddAuthorityCreateCommand(group, cli);
  AddAuthorityGetCommand(group, cli);
  AddAuthorityListCommand(group, cli);
  AddAuthorityUpdateCommand(group, cli);
  AddAuthorityWithdrawCommand(group, cli);
  AddAuthorityReinstateCommand(group, cli);
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

// What differs between `raa child …` and `raa adopter …`: the messages, the
// RPCs, the words, a list's own filters, and how an update starts. The
// commands themselves are one path (AddRecordCommands).
struct ChildKind {
  using Record = v1::Child;
  using Status = v1::ChildStatus;
  using CreateRequest = v1::CreateChildRequest;
  using GetRequest = v1::GetChildRequest;
  using ListRequest = v1::ListChildrenRequest;
  using ListResponse = v1::ListChildrenResponse;
  using UpdateRequest = v1::UpdateChildRequest;
  using WithdrawRequest = v1::WithdrawChildRequest;
  static constexpr auto kCreate = &Registry::CreateChild;
  static constexpr auto kGet = &Registry::GetChild;
  static constexpr auto kList = &Registry::ListChildren;
  static constexpr auto kUpdate = &Registry::UpdateChild;
  static constexpr auto kWithdraw = &Registry::WithdrawChild;
  static Record* Of(CreateRequest& r) { return r.mutable_child(); }
  static Record* Of(UpdateRequest& r) { return r.mutable_child(); }
  static const auto& Listed(const ListResponse& r) { return r.children(); }
  static const RecordFields& Fields() { return ChildFields(); }
  static constexpr auto kFromText = &ChildFromText;
  static constexpr auto kToText = &ChildToText;
  static constexpr auto kPrint = &PrintChild;
  static const google::protobuf::EnumDescriptor* StatusType() {
    return v1::ChildStatus_descriptor();
  }
  static const std::vector<ListColumn<Record>>& ListColumns() {
    return ChildListColumns();
  }

  static constexpr const char* kCommand = "child";
  static constexpr const char* kAbout =
      "anonymised child profiles (a child or a sibling group)";
  static constexpr const char* kCollection = "children";  // in record names
  static constexpr const char* kNameHelp =
      "c12, sheffield/c12 or the full name";
  static constexpr const char* kNoun = "profiles";
  static constexpr const char* kCreateAbout =
      "register one of your authority's children";
  static constexpr const char* kGetAbout = "show one profile";
  static constexpr const char* kListAbout = "list the profiles you can see";
  static constexpr const char* kGroupSizeHelp =
      "profiles with exactly this many children";
  static constexpr const char* kUpdateAbout =
      "change a profile: only the columns you give change";
  static constexpr const char* kWithdrawAbout =
      "withdraw a profile, with a reason";

  // A child's per-child lists merge into the group as stored, so an update
  // starts from the stored profile (and sends only the changed fields).
  static constexpr bool kUpdateFromStored = true;
  // The status is not a column: it changes with --status (and a reason).
  static std::string StatusFlagHelp() {
    return "the child's status: " + EnumChoices(v1::ChildStatus_descriptor()) +
           " (needs --reason; never back from placed or adopted)";
  }

  // --min-age and --max-age; returns what they add to a request.
  static std::function<void(ListRequest&)> AddListFilters(CLI::App* cmd) {
    auto min_age = std::make_shared<int>(-1);
    auto max_age = std::make_shared<int>(-1);
    cmd->add_option("--min-age", *min_age,
                    "at least one child this old today (months)");
    cmd->add_option("--max-age", *max_age,
                    "at least one child this young today (months)");
    return [min_age, max_age](ListRequest& request) {
      if (*min_age >= 0) request.set_min_age_months(*min_age);
      if (*max_age >= 0) request.set_max_age_months(*max_age);
    };
  }
};

struct AdopterKind {
  using Record = v1::Adopter;
  using Status = v1::AdopterStatus;
  using CreateRequest = v1::CreateAdopterRequest;
  using GetRequest = v1::GetAdopterRequest;
  using ListRequest = v1::ListAdoptersRequest;
  using ListResponse = v1::ListAdoptersResponse;
  using UpdateRequest = v1::UpdateAdopterRequest;
  using WithdrawRequest = v1::WithdrawAdopterRequest;
  static constexpr auto kCreate = &Registry::CreateAdopter;
  static constexpr auto kGet = &Registry::GetAdopter;
  static constexpr auto kList = &Registry::ListAdopters;
  static constexpr auto kUpdate = &Registry::UpdateAdopter;
  static constexpr auto kWithdraw = &Registry::WithdrawAdopter;
  static Record* Of(CreateRequest& r) { return r.mutable_adopter(); }
  static Record* Of(UpdateRequest& r) { return r.mutable_adopter(); }
  static const auto& Listed(const ListResponse& r) { return r.adopters(); }
  static const RecordFields& Fields() { return AdopterFields(); }
  static constexpr auto kFromText = &AdopterFromText;
  static constexpr auto kToText = &AdopterToText;
  static constexpr auto kPrint = &PrintAdopter;
  static const google::protobuf::EnumDescriptor* StatusType() {
    return v1::AdopterStatus_descriptor();
  }
  static const std::vector<ListColumn<Record>>& ListColumns() {
    return AdopterListColumns();
  }

  static constexpr const char* kCommand = "adopter";
  static constexpr const char* kAbout = "adopter households";
  static constexpr const char* kCollection = "adopters";
  static constexpr const char* kNameHelp = "h7, leeds/h7 or the full name";
  static constexpr const char* kNoun = "households";
  static constexpr const char* kCreateAbout =
      "register one of your authority's households";
  static constexpr const char* kGetAbout = "show one household";
  static constexpr const char* kListAbout = "list households";
  static constexpr const char* kGroupSizeHelp =
      "households approved for at least this many children";
  static constexpr const char* kUpdateAbout =
      "change a household: only the columns you give change";
  static constexpr const char* kWithdrawAbout =
      "withdraw a household, with a reason";

  // Every column sets its fields whole: an update sends the columns given.
  static constexpr bool kUpdateFromStored = false;
  // The status is a column (--status); no flag of its own.
  static std::string StatusFlagHelp() { return ""; }

  // --age; returns what it adds to a request.
  static std::function<void(ListRequest&)> AddListFilters(CLI::App* cmd) {
    auto age = std::make_shared<int>(-1);
    cmd->add_option("--age", *age,
                    "households whose age range includes this (months)");
    return [age](ListRequest& request) {
      if (*age >= 0) request.set_age_months(*age);
    };
  }
};

template <typename Kind>
void AddCreateCommand(CLI::App* group, Cli& cli) {
  auto* cmd = group->add_subcommand("create", Kind::kCreateAbout);
  auto flags = std::make_shared<ProfileFlags>();
  auto file = std::make_shared<std::string>();
  auto authority = std::make_shared<std::string>();
  cmd->add_option("--authority", *authority, "your authority id");
  cmd->add_option("--file", *file,
                  absl::StrCat("a ", Kind::Record::descriptor()->full_name(),
                               " in JSON instead of flags"));
  flags->Add(cmd, Kind::Fields(), /*with_required=*/true);
  cmd->callback([&cli, flags, file, authority] {
    if (file->empty() && !flags->CheckRequired(cli)) return;
    std::string parent = cli.AuthorityOr(*authority);
    if (parent.empty()) return;
    typename Kind::CreateRequest request;
    request.set_parent(absl::StrCat("authorities/", parent));
    request.set_request_id(cli.RequestId());
    if (!file->empty()) {
      if (absl::Status s = ReadJsonFile(*file, *Kind::Of(request)); !s.ok()) {
        cli.exit_code = UsageError(std::string(s.message()));
        return;
      }
    }
    auto parsed = Kind::kFromText(flags->Given(), *Kind::Of(request));
    if (!parsed.ok()) {
      cli.exit_code = LocalFail(parsed.status());
      return;
    }
    Show<typename Kind::Record>(cli, cli.client().Call(Kind::kCreate, request),
                                Kind::kPrint);
  });
}

template <typename Kind>
void AddGetCommand(CLI::App* group, Cli& cli) {
  auto* cmd = group->add_subcommand("get", Kind::kGetAbout);
  auto name = std::make_shared<std::string>();
  cmd->add_option("name", *name, Kind::kNameHelp)->required();
  cmd->callback([&cli, name] {
    typename Kind::GetRequest request;
    request.set_name(RecordName(*name, Kind::kCollection, cli.authority));
    Show<typename Kind::Record>(cli, cli.client().Call(Kind::kGet, request),
                                Kind::kPrint);
  });
}

// --status and --need as a list request's filters; false (with a usage
// error) on a value that is not one of the choices.
template <typename Kind>
bool SetStatusAndNeed(Cli& cli, const ListFlags& flags,
                      typename Kind::ListRequest& request) {
  if (!flags.status.empty()) {
    auto s = FlagEnum(cli, "--status", Kind::StatusType(), flags.status);
    if (!s) return false;
    request.set_status(static_cast<typename Kind::Status>(*s));
  }
  if (!flags.need.empty()) {
    auto n = FlagEnum(cli, "--need", v1::NeedCategory_descriptor(), flags.need);
    if (!n) return false;
    request.set_need(static_cast<v1::NeedCategory>(*n));
  }
  return true;
}

template <typename Kind>
void AddListCommand(CLI::App* group, Cli& cli) {
  auto* cmd = group->add_subcommand("list", Kind::kListAbout);
  auto flags = std::make_shared<ListFlags>();
  flags->Add(cmd, EnumChoices(Kind::StatusType()), Kind::kGroupSizeHelp,
             Kind::kNoun);
  auto filters = Kind::AddListFilters(cmd);
  cmd->callback([&cli, flags, filters] {
    if (!flags->paging.Check(cli)) return;
    typename Kind::ListRequest request;
    request.set_parent(flags->authority.empty()
                           ? "authorities/-"
                           : absl::StrCat("authorities/", flags->authority));
    request.set_group_size(flags->group_size);
    filters(request);
    if (!SetStatusAndNeed<Kind>(cli, *flags, request)) return;
    typename Kind::ListResponse all;
    if (!FetchPages(
            cli, Kind::kList, request, flags->paging,
            [](const auto& page) { return Kind::Listed(page).size(); }, all)) {
      return;
    }
    if (cli.json) return PrintJson(all);
    PrintList(Kind::Listed(all), Kind::ListColumns(), 8, Kind::kToText);
    if (!cli.csv)
      std::cout << Kind::Listed(all).size() << " " << Kind::kNoun << "\n";
    PrintMore(cli, all.next_page_token());
  });
}

// The update's record, before the columns go onto it: the stored record
// (Kind::kUpdateFromStored), else only its name. False (with the failure
// printed) when the stored record cannot be read.
template <typename Kind>
bool StartUpdate(Cli& cli, const std::string& name,
                 typename Kind::Record& record) {
  if constexpr (Kind::kUpdateFromStored) {
    typename Kind::GetRequest get;
    get.set_name(name);
    auto current = cli.client().Call(Kind::kGet, get);
    if (!current.ok()) {
      cli.exit_code = Fail(current.status());
      return false;
    }
    record = *std::move(current);
  } else {
    record.set_name(name);
  }
  return true;
}

// Keeps only the changed fields (and the name) of an update started from the
// stored record, so a retry with the same --request-id is the same request
// even after it took effect.
template <typename Kind>
void KeepOnlyChanges(typename Kind::UpdateRequest& request) {
  typename Kind::Record changes;
  changes.set_name(Kind::Of(request)->name());
  google::protobuf::util::FieldMaskUtil::MergeMessageTo(
      *Kind::Of(request), request.update_mask(),
      google::protobuf::util::FieldMaskUtil::MergeOptions(), &changes);
  *Kind::Of(request) = std::move(changes);
}

template <typename Kind>
void AddUpdateCommand(CLI::App* group, Cli& cli) {
  auto* cmd = group->add_subcommand("update", Kind::kUpdateAbout);
  auto name = std::make_shared<std::string>();
  auto flags = std::make_shared<ProfileFlags>();
  auto status = std::make_shared<std::string>();
  auto reason = std::make_shared<std::string>();
  cmd->add_option("name", *name, Kind::kNameHelp)->required();
  if (!Kind::StatusFlagHelp().empty()) {
    cmd->add_option("--status", *status, Kind::StatusFlagHelp());
  }
  cmd->add_option("--reason", *reason,
                  "why the status changes (required with --status; no "
                  "names or dates)");
  flags->Add(cmd, Kind::Fields(), /*with_required=*/false);
  cmd->callback([&cli, name, flags, status, reason] {
    typename Kind::UpdateRequest request;
    typename Kind::Record& record = *Kind::Of(request);
    if (!StartUpdate<Kind>(
            cli, RecordName(*name, Kind::kCollection, cli.authority), record)) {
      return;
    }
    request.set_request_id(cli.RequestId());
    auto touched = Kind::kFromText(flags->Given(), record);
    if (!touched.ok()) {
      cli.exit_code = LocalFail(touched.status());
      return;
    }
    google::protobuf::FieldMask& mask = *request.mutable_update_mask();
    for (const std::string& path : *touched) mask.add_paths(path);
    if (!status->empty()) {
      auto s = FlagEnum(cli, "--status", Kind::StatusType(), *status);
      if (!s) return;
      record.set_status(static_cast<typename Kind::Status>(*s));
      mask.add_paths("status");
    }
    if (absl::c_linear_search(mask.paths(), "status")) {
      request.set_status_reason(*reason);
    }
    if (mask.paths().empty()) {
      cli.exit_code =
          UsageError("nothing to change: give the columns to update");
      return;
    }
    if constexpr (Kind::kUpdateFromStored) KeepOnlyChanges<Kind>(request);
    Show<typename Kind::Record>(cli, cli.client().Call(Kind::kUpdate, request),
                                Kind::kPrint);
  });
}

template <typename Kind>
void AddWithdrawCommand(CLI::App* group, Cli& cli) {
  auto* cmd = group->add_subcommand("withdraw", Kind::kWithdrawAbout);
  auto name = std::make_shared<std::string>();
  auto reason = std::make_shared<std::string>();
  cmd->add_option("name", *name, Kind::kNameHelp)->required();
  cmd->add_option("--reason", *reason, "REQUIRED: why (no names or dates)")
      ->required();
  cmd->callback([&cli, name, reason] {
    typename Kind::WithdrawRequest request;
    request.set_name(RecordName(*name, Kind::kCollection, cli.authority));
    request.set_reason(*reason);
    request.set_request_id(cli.RequestId());
    Show<typename Kind::Record>(
        cli, cli.client().Call(Kind::kWithdraw, request), Kind::kPrint);
  });
}

// raa child|adopter create|get|list|update|withdraw.
template <typename Kind>
void AddRecordCommands(CLI::App& app, Cli& cli) {
  CLI::App* group = app.add_subcommand(Kind::kCommand, Kind::kAbout);
  group->require_subcommand(1);
  AddCreateCommand<Kind>(group, cli);
  AddGetCommand<Kind>(group, cli);
  AddListCommand<Kind>(group, cli);
  AddUpdateCommand<Kind>(group, cli);
  AddWithdrawCommand<Kind>(group, cli);
}

}  // namespace

void AddRegistryCommands(CLI::App& app, Cli& cli) {
  AddAuthorityCommands(app, cli);
  AddRecordCommands<ChildKind>(app, cli);
  AddRecordCommands<AdopterKind>(app, cli);
}

}  // namespace raa::cli
