// raa audit: who looked at or changed which child or household (managers).
//
//   raa audit --child leeds/c12 --since 2026-11-01 --csv
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "clients/lib/csv_field.h"
#include "clients/raa/cli.h"
#include "google/protobuf/util/time_util.h"

namespace raa::cli {
namespace {

using Access = v1::AccessService::Stub;
using google::protobuf::util::TimeUtil;

struct AuditFlags {
  std::string child;
  std::string household;
  std::string record;
  std::string key_id;
  std::string member;
  std::string since;
  std::string until;
  int limit = 100;
  bool all = false;
  bool csv = false;
};

// "2026-11-01" (midnight UTC) or "2026-11-01T09:30:00Z".
bool ParseWhen(const std::string& text, google::protobuf::Timestamp& out) {
  absl::Time t;
  std::string err;
  if (absl::ParseTime("%Y-%m-%d", text, absl::UTCTimeZone(), &t, &err) ||
      absl::ParseTime(absl::RFC3339_full, text, &t, &err)) {
    out = TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t));
    return true;
  }
  return false;
}

// "RegistryService.GetChild" from "/raa.v1.RegistryService/GetChild".
std::string ShortMethod(const std::string& method) {
  std::string s(absl::StripPrefix(method, "/raa.v1."));
  return absl::StrReplaceAll(s, {{"/", "."}});
}

std::string Outcome(int code) {
  static const char* const kNames[] = {"ok",
                                       "cancelled",
                                       "unknown",
                                       "invalid",
                                       "deadline_exceeded",
                                       "not_found",
                                       "exists",
                                       "permission_denied",
                                       "resource_exhausted",
                                       "failed_precondition",
                                       "aborted",
                                       "out_of_range",
                                       "unimplemented",
                                       "internal",
                                       "unavailable",
                                       "data_loss",
                                       "unauthenticated"};
  if (code >= 0 && code < 17) return kNames[code];
  return absl::StrCat(code);
}

void Run(Cli& cli, const AuditFlags& f) {
  v1::QueryAuditLogRequest request;
  int records = !f.child.empty() + !f.household.empty() + !f.record.empty();
  if (records > 1) {
    cli.exit_code =
        UsageError("give one of --child, --household or --record, not two");
    return;
  }
  if (!f.child.empty()) {
    request.set_record(RecordName(f.child, "children", cli.authority));
  } else if (!f.household.empty()) {
    request.set_record(RecordName(f.household, "adopters", cli.authority));
  } else if (!f.record.empty()) {
    request.set_record(f.record);
  }
  if (!f.key_id.empty())
    request.set_api_key(absl::StrCat("apiKeys/", f.key_id));
  if (!f.member.empty()) {
    request.set_authority(absl::StrCat("authorities/", f.member));
  }
  if (!f.since.empty() && !ParseWhen(f.since, *request.mutable_since())) {
    cli.exit_code = UsageError(absl::StrCat(
        "--since: \"", f.since, "\" is not a date (YYYY-MM-DD) or a time"));
    return;
  }
  if (!f.until.empty() && !ParseWhen(f.until, *request.mutable_until())) {
    cli.exit_code = UsageError(absl::StrCat(
        "--until: \"", f.until, "\" is not a date (YYYY-MM-DD) or a time"));
    return;
  }
  if (f.limit < 1 || f.limit > 1000) {
    cli.exit_code = UsageError("--limit: must be 1-1000");
    return;
  }
  request.set_page_size(f.limit);
  v1::QueryAuditLogResponse all;
  if (!FetchPages(cli, &Access::QueryAuditLog, request, f.all, all)) return;
  if (cli.json) return PrintJson(all);
  // --csv before the command or after it: the same CSV, with each call's
  // full time and every record it named.
  const bool csv = f.csv || cli.csv;
  if (csv) cli.csv = true;  // Table::Print writes it, with --columns
  Table table({"TIME", "KEY", "AUTHORITY", "RPC", "OUTCOME", "RECORDS"});
  for (const v1::AuditEvent& e : all.events()) {
    std::string shown;
    if (csv || e.records_size() <= 2) {
      shown = absl::StrJoin(e.records(), " ",
                            [&](std::string* out, const std::string& r) {
                              out->append(csv ? r : ShortName(r));
                            });
    } else {
      shown = absl::StrCat(ShortName(e.records(0)), " and ",
                           e.records_size() - 1, " more");
    }
    const std::string time = TimeUtil::ToString(e.time());
    table.AddRow({csv ? time : time.substr(0, 19),
                  std::string(absl::StripPrefix(e.api_key(), "apiKeys/")),
                  ShortName(e.authority()), ShortMethod(e.method()),
                  Outcome(e.status_code()), shown});
  }
  table.Print();
  if (csv) return;
  if (!all.next_page_token().empty()) {
    std::cout << "(more: --all, or --until with the oldest time shown)\n";
  }
}

}  // namespace

void AddAuditCommands(CLI::App& app, Cli& cli) {
  auto flags = std::make_shared<AuditFlags>();
  CLI::App* cmd = app.add_subcommand(
      "audit",
      "who read or changed which child or household, newest first "
      "(managers)");
  cmd->add_option("--child", flags->child,
                  "a child: leeds/c12, or c12 with --authority");
  cmd->add_option("--household", flags->household,
                  "a household: leeds/h7, or h7 with --authority");
  cmd->add_option("--record", flags->record,
                  "any record's full name, e.g. authorities/leeds");
  cmd->add_option("--key-id", flags->key_id,
                  "calls made with this key (its id, as raa key list shows)");
  cmd->add_option("--member", flags->member,
                  "calls made with this member's keys (its id)");
  cmd->add_option("--since", flags->since,
                  "from this date (YYYY-MM-DD, UTC) or time (RFC 3339)");
  cmd->add_option("--until", flags->until, "before this date or time");
  cmd->add_option("--limit", flags->limit, "at most this many calls (1-1000)")
      ->capture_default_str();
  cmd->add_flag("--all", flags->all, "every matching call, page after page");
  cmd->add_flag("--csv", flags->csv, "CSV for a spreadsheet");
  cmd->callback([&cli, flags] { Run(cli, *flags); });
}

}  // namespace raa::cli
