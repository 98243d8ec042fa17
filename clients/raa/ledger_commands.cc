// raa ledger: the inter-agency fee ledger (raa.v1.LedgerService) for finance
// officers and managers: fee schedules, the journal, balances, statements,
// sales and purchases, payments, reconciliation with a member's own books,
// the settlement plan, budgets and the month-end close.
//
//   raa --authority sheffield ledger balances
//   raa --authority sheffield ledger statement --year 2026 --csv
//   raa --authority sheffield ledger pay --to leeds --amount 27,000
//       --reference BACS-1042
//   raa --authority leeds ledger confirm p3
//   raa --authority sheffield ledger reconcile books.csv
//       --from 2026-10-01 --to 2026-10-31
//   raa ledger close-month 2026-10          (a manager)
//
// Amounts in tables are "£1,234.56" ("-£1,234.56" below zero); with --csv
// they are plain numbers with two decimals ("-1234.56"), dates are
// YYYY-MM-DD, and the file starts with a UTF-8 byte-order mark (as every
// --csv of raa) so a spreadsheet opens it cleanly. Authorities are shown by
// id ("sheffield"); --json has the API's full names. Money is parsed and
// printed with integer pence (clients/lib/money.h), never floating point.
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "clients/lib/money.h"
#include "clients/lib/profile_text.h"
#include "clients/lib/user_json.h"
#include "clients/raa/cli.h"
#include "common/budget_text.h"
#include "common/dates.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace raa::cli {
namespace {

using Ledger = v1::LedgerService::Stub;

// "authorities/leeds" from "leeds" (or the full name as given).
std::string AuthorityName(const std::string& id) {
  if (id.empty() || absl::StartsWith(id, "authorities/")) return id;
  return absl::StrCat("authorities/", id);
}

// The authority a command acts for: the global --authority (or
// RAA_AUTHORITY), as a resource name; "" (with a usage error) if none.
std::string ActingFor(Cli& cli) { return AuthorityName(cli.AuthorityOr("")); }

// An amount as the output mode wants it: "£1,234.56" in a table, "1234.56"
// in CSV.
std::string Amount(int64_t pence) {
  return Cli::Current().csv ? CsvPounds(pence) : FormatPounds(pence);
}
std::string Amount(const google::type::Money& money) {
  return Amount(PenceOf(money));
}

// "2026-27" for the financial year 2026.
std::string YearLabel(int year) {
  return absl::StrFormat("%d-%02d", year, (year + 1) % 100);
}

// An amount flag in pounds and pence; false (with a usage error) if it
// cannot be read.
bool SetAmount(Cli& cli, const std::string& flag, const std::string& text,
               google::type::Money* out) {
  absl::StatusOr<int64_t> pence = ParsePounds(text);
  if (!pence.ok()) {
    cli.exit_code =
        UsageError(absl::StrCat(flag, ": ", pence.status().message()));
    return false;
  }
  *out = ToMoney(*pence);
  return true;
}

std::string PaymentNameOf(const std::string& arg) {
  return absl::StartsWith(arg, "ledger/payments/")
             ? arg
             : absl::StrCat("ledger/payments/", arg);
}

std::string EntryLabel(v1::EntryType type) {
  std::string label = EnumLabel(v1::EntryType_descriptor(), type);
  for (char& c : label) {
    if (c == '_') c = ' ';
  }
  return label;
}

std::string StateLabel(v1::PaymentState state) {
  return EnumLabel(v1::PaymentState_descriptor(), state);
}

// ---- fee schedules ----

std::string KindLabel(v1::AuthorityKind kind) {
  switch (kind) {
    case v1::AUTHORITY_KIND_LOCAL_AUTHORITY:
      return "LA / RAA";
    case v1::AUTHORITY_KIND_VOLUNTARY_ADOPTION_AGENCY:
      return "VAA";
    default:
      return EnumLabel(v1::AuthorityKind_descriptor(), kind);
  }
}

void AddRateRow(Table& table, const std::string& label,
                const v1::FeeRate& rate) {
  std::vector<std::string> row = {label};
  for (int i = 0; i < 5; ++i) {
    row.push_back(i < rate.by_children_size() ? Amount(rate.by_children(i))
                                              : "");
  }
  row.push_back(Amount(rate.monthly_fee()));
  table.AddRow(std::move(row));
}

void PrintSchedule(Cli& cli, const absl::StatusOr<v1::FeeSchedule>& s) {
  if (!s.ok()) {
    cli.exit_code = Fail(s.status());
    return;
  }
  if (cli.json) return PrintJson(*s);
  if (!cli.csv) {
    PrintFields({{"version", absl::StrCat(s->version())},
                 {"effective from", FormatDate(s->effective_from())},
                 {"London weighting",
                  absl::StrCat("+", s->london_weighting_percent(), "%")},
                 {"monthly fee after",
                  absl::StrCat(s->monthly_fee_after_months(),
                               " months without an adoption order")},
                 {"refund on disruption",
                  absl::StrCat(s->disruption_refund_percent(), "% of the fee")},
                 {"consortium rate",
                  s->has_consortium_rate()
                      ? "yes: it replaces the rates and London weighting "
                        "between members"
                      : "none"},
                 {"added by", ShortName(s->created_by())},
                 {"source", s->source()}});
    std::cout << "\n";
  }
  Table rates({"AGENCY", "1 CHILD", "2 CHILDREN", "3 CHILDREN", "4 CHILDREN",
               "5 OR MORE", "MONTHLY"});
  for (const v1::FeeRate& rate : s->rates()) {
    AddRateRow(rates, KindLabel(rate.agency_kind()), rate);
  }
  if (s->has_consortium_rate()) {
    AddRateRow(rates, "consortium", s->consortium_rate());
  }
  rates.Print();
}

// A FeeSchedule from a file: JSON if it starts with "{", else protobuf text
// format.
absl::StatusOr<v1::FeeSchedule> ReadSchedule(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read ", path, ": no such file or no access"));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  if (absl::StartsWith(text, "\xEF\xBB\xBF")) text.erase(0, 3);
  v1::FeeSchedule schedule;
  absl::string_view trimmed = absl::StripLeadingAsciiWhitespace(text);
  if (absl::StartsWith(trimmed, "{")) {
    absl::Status s = FromUserJson(text, schedule);
    if (!s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, " is not a FeeSchedule in JSON: ", s.message()));
    }
    return schedule;
  }
  struct Collector : google::protobuf::io::ErrorCollector {
    std::string errors;
    void AddError(int line, google::protobuf::io::ColumnNumber column,
                  const std::string& message) override {
      absl::StrAppend(&errors, "\n  line ", line + 1, ", column ", column + 1,
                      ": ", message);
    }
  } collector;
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&collector);
  if (!parser.ParseFromString(text, &schedule)) {
    return absl::InvalidArgumentError(absl::StrCat(
        path,
        " is not a FeeSchedule in protobuf text format (or JSON starting "
        "with {):",
        collector.errors));
  }
  return schedule;
}

void AddScheduleCommands(CLI::App* group, Cli& cli) {
  CLI::App* schedule =
      group->add_subcommand("schedule", "fee schedules: show, list, add");
  schedule->require_subcommand(1);
  {
    auto* cmd = schedule->add_subcommand(
        "show", "the fee schedule in force on a date (today if not given)");
    auto as_of = std::make_shared<std::string>();
    cmd->add_option("--as-of", *as_of, "the date, YYYY-MM-DD");
    cmd->callback([&cli, as_of] {
      v1::GetFeeScheduleRequest request;
      if (!SetDateFlag(cli, "--as-of", *as_of, request.mutable_as_of())) return;
      PrintSchedule(cli, cli.client().Call(&Ledger::GetFeeSchedule, request));
    });
  }
  {
    auto* cmd =
        schedule->add_subcommand("list", "every schedule, oldest first");
    cmd->callback([&cli] {
      absl::StatusOr<v1::ListFeeSchedulesResponse> r = cli.client().Call(
          &Ledger::ListFeeSchedules, v1::ListFeeSchedulesRequest());
      if (!r.ok()) {
        cli.exit_code = Fail(r.status());
        return;
      }
      if (cli.json) return PrintJson(*r);
      Table table({"VERSION", "FROM", "LA / RAA 1 CHILD", "VAA 1 CHILD",
                   "LONDON", "CONSORTIUM 1 CHILD", "ADDED BY", "SOURCE"},
                  7);
      for (const v1::FeeSchedule& s : r->schedules()) {
        std::string la, vaa;
        for (const v1::FeeRate& rate : s.rates()) {
          if (rate.by_children_size() == 0) continue;
          std::string one = Amount(rate.by_children(0));
          if (rate.agency_kind() == v1::AUTHORITY_KIND_LOCAL_AUTHORITY)
            la = one;
          if (rate.agency_kind() ==
              v1::AUTHORITY_KIND_VOLUNTARY_ADOPTION_AGENCY) {
            vaa = one;
          }
        }
        std::string consortium =
            s.has_consortium_rate() &&
                    s.consortium_rate().by_children_size() > 0
                ? Amount(s.consortium_rate().by_children(0))
                : "";
        table.AddRow({absl::StrCat(s.version()), FormatDate(s.effective_from()),
                      la, vaa, absl::StrCat(s.london_weighting_percent(), "%"),
                      consortium, ShortName(s.created_by()), s.source()});
      }
      table.Print();
    });
  }
  {
    auto* cmd = schedule->add_subcommand(
        "add",
        "add a schedule from its effective date (a manager): a FeeSchedule "
        "in protobuf text format or JSON");
    auto file = std::make_shared<std::string>();
    cmd->add_option("file", *file, "the schedule (see docs/manager.md)")
        ->required();
    cmd->callback([&cli, file] {
      absl::StatusOr<v1::FeeSchedule> schedule = ReadSchedule(*file);
      if (!schedule.ok()) {
        cli.exit_code = LocalFail(schedule.status());
        return;
      }
      v1::AddFeeScheduleRequest request;
      *request.mutable_schedule() = *std::move(schedule);
      request.set_request_id(cli.RequestId());
      PrintSchedule(cli, cli.client().Call(&Ledger::AddFeeSchedule, request));
    });
  }
}

// ---- the journal ----

void AddEntriesCommand(CLI::App* group, Cli& cli) {
  auto* cmd = group->add_subcommand(
      "entries",
      "journal entries, oldest first (your member's; a manager: every "
      "member's unless --authority)");
  struct Flags {
    std::string counterparty, type, from, to, link;
    Paging paging;
  };
  auto f = std::make_shared<Flags>();
  cmd->add_option("--counterparty", f->counterparty,
                  "only entries with this other member");
  cmd->add_option("--type", f->type,
                  "fee, monthly_fee, payment, reversal or adjustment");
  cmd->add_option("--from", f->from, "value dates from, YYYY-MM-DD");
  cmd->add_option("--to", f->to, "value dates to (inclusive), YYYY-MM-DD");
  cmd->add_option("--link", f->link, "only this link's, e.g. l7");
  f->paging.Add(cmd, 1000, 1000, "entries");
  cmd->callback([&cli, f] {
    if (!f->paging.Check(cli)) return;
    v1::ListEntriesRequest request;
    request.set_authority(AuthorityName(cli.authority));
    request.set_counterparty(AuthorityName(f->counterparty));
    if (!f->type.empty()) {
      auto t = FlagEnum(cli, "--type", v1::EntryType_descriptor(), f->type);
      if (!t) return;
      request.set_type(static_cast<v1::EntryType>(*t));
    }
    if (!SetDateFlag(cli, "--from", f->from, request.mutable_from())) return;
    if (!SetDateFlag(cli, "--to", f->to, request.mutable_to())) return;
    if (!f->link.empty()) {
      request.set_link(absl::StartsWith(f->link, "links/")
                           ? f->link
                           : absl::StrCat("links/", f->link));
    }
    v1::ListEntriesResponse all;
    if (!FetchPages(
            cli, &Ledger::ListEntries, request, f->paging,
            [](const v1::ListEntriesResponse& r) { return r.entries_size(); },
            all)) {
      return;
    }
    if (cli.json) return PrintJson(all);
    Table table({"ENTRY", "DATE", "TYPE", "DEBIT (OWES)", "CREDIT (IS OWED)",
                 "AMOUNT", "REFERENCE", "LINK", "DESCRIPTION", "RECORDED BY"},
                7);
    for (const v1::Entry& e : all.entries()) {
      table.AddRow({std::string(absl::StripPrefix(e.name(), "ledger/entries/")),
                    FormatDate(e.value_date()), EntryLabel(e.type()),
                    ShortName(e.debit()), ShortName(e.credit()),
                    Amount(e.amount()), e.reference(), e.link(),
                    e.description(), ShortName(e.recorded_by())});
    }
    table.Print();
    PrintMore(cli, all.next_page_token());
  });
}

// ---- balances and settlement ----

void AddBalancesCommand(CLI::App* group, Cli& cli) {
  auto* cmd = group->add_subcommand(
      "balances",
      "each member's position and who owes whom, as of a date (today if not "
      "given)");
  auto as_of = std::make_shared<std::string>();
  cmd->add_option("--as-of", *as_of, "the date, YYYY-MM-DD");
  cmd->callback([&cli, as_of] {
    v1::GetBalancesRequest request;
    if (!SetDateFlag(cli, "--as-of", *as_of, request.mutable_as_of())) return;
    absl::StatusOr<v1::Balances> b =
        cli.client().Call(&Ledger::GetBalances, request);
    if (!b.ok()) {
      cli.exit_code = Fail(b.status());
      return;
    }
    if (cli.json) return PrintJson(*b);
    const std::string date = FormatDate(b->as_of());
    if (cli.csv) {
      // One table a spreadsheet can filter: a row per position, per debt
      // and per total.
      Table table({"AS OF", "KIND", "AUTHORITY", "COUNTERPARTY", "AMOUNT",
                   "PENDING OUT", "PENDING IN"});
      for (const v1::MemberPosition& p : b->positions()) {
        table.AddRow({date, "position", ShortName(p.authority()), "",
                      Amount(p.position()), Amount(p.pending_out()),
                      Amount(p.pending_in())});
      }
      for (const v1::Debt& d : b->debts()) {
        table.AddRow({date, "owes", ShortName(d.debtor()),
                      ShortName(d.creditor()), Amount(d.amount()), "", ""});
      }
      table.AddRow({date, "total owed", "", "", Amount(b->total_owed())});
      table.AddRow({date, "total fees", "", "", Amount(b->total_fees())});
      table.AddRow(
          {date, "total payments", "", "", Amount(b->total_payments())});
      table.Print();
      return;
    }
    std::cout << "Positions as of " << date
              << " (what the others owe each member; negative: what it "
                 "owes)\n\n";
    Table positions({"MEMBER", "POSITION", "PENDING OUT", "PENDING IN"});
    for (const v1::MemberPosition& p : b->positions()) {
      positions.AddRow({ShortName(p.authority()), Amount(p.position()),
                        Amount(p.pending_out()), Amount(p.pending_in())});
    }
    if (positions.empty()) {
      std::cout << "(no entries yet)\n";
    } else {
      positions.Print();
    }
    std::cout << "\nWho owes whom (net for each pair, largest first)\n\n";
    Table debts({"WHO OWES", "WHOM", "AMOUNT"});
    for (const v1::Debt& d : b->debts()) {
      debts.AddRow(
          {ShortName(d.debtor()), ShortName(d.creditor()), Amount(d.amount())});
    }
    if (debts.empty()) {
      std::cout << "(nobody owes anybody)\n";
    } else {
      debts.Print();
    }
    std::cout << "\nConsortium totals\n\n";
    PrintFields(
        {{"owed in all", Amount(b->total_owed())},
         {"fees accrued", Amount(b->total_fees())},
         {"payments posted", Amount(b->total_payments())},
         {"members with a balance", absl::StrCat(b->members_with_balance())}});
  });
}

void AddSettleCommand(CLI::App* group, Cli& cli) {
  auto* cmd = group->add_subcommand(
      "settle",
      "payments that clear every balance as of a date (at most members - 1)");
  auto as_of = std::make_shared<std::string>();
  cmd->add_option("--as-of", *as_of, "the cut-off date (today if not given)");
  cmd->callback([&cli, as_of] {
    v1::PlanSettlementRequest request;
    if (!SetDateFlag(cli, "--as-of", *as_of, request.mutable_as_of())) return;
    absl::StatusOr<v1::SettlementPlan> plan =
        cli.client().Call(&Ledger::PlanSettlement, request);
    if (!plan.ok()) {
      cli.exit_code = Fail(plan.status());
      return;
    }
    if (cli.json) return PrintJson(*plan);
    const std::string date = FormatDate(plan->as_of());
    // Who records each payment: the payer's finance officer, or a manager
    // when either side has withdrawn (it cannot be paid by a member).
    Table table({"AS OF", "PAYER", "PAYEE", "AMOUNT", "RECORDED BY"});
    std::string withdrawn_example;
    for (const v1::SettlementPayment& p : plan->payments()) {
      table.AddRow({date, ShortName(p.payer()), ShortName(p.payee()),
                    Amount(p.amount()),
                    p.withdrawn().empty()
                        ? std::string("payer")
                        : absl::StrCat("a manager (", ShortName(p.withdrawn()),
                                       " has withdrawn)")});
      if (!p.withdrawn().empty() && withdrawn_example.empty()) {
        withdrawn_example = absl::StrCat(
            "raa --authority ", ShortName(p.payer()), " ledger pay --to ",
            ShortName(p.payee()), " --amount AMOUNT --reference THEIR-REF");
      }
    }
    if (cli.csv) return table.Print();
    std::cout << "Settlement plan as of " << date << ": "
              << plan->payment_count() << " payment"
              << (plan->payment_count() == 1 ? "" : "s") << " clear the "
              << plan->members_with_balance() << " members with a balance ("
              << Amount(plan->total()) << " in all)\n\n";
    if (table.empty()) {
      std::cout << "(nothing to settle"
                << (plan->payment_count() > 0 ? " between you and the others"
                                              : "")
                << ")\n";
    } else {
      table.Print();
      std::cout << "\nRecord each payment you make with: raa ledger pay --to "
                   "PAYEE --amount AMOUNT --reference YOUR-REF\n";
      if (!withdrawn_example.empty()) {
        std::cout << "A payment with a member that has withdrawn is recorded "
                     "by a manager, e.g. "
                  << withdrawn_example << "\n";
      }
    }
  });
}

// ---- statements and trade ----

void AddStatementCommand(CLI::App* group, Cli& cli) {
  auto* cmd = group->add_subcommand(
      "statement",
      "your member's statement: opening balance, each entry, closing "
      "balance");
  struct Flags {
    int year = 0;
    std::string from, to;
  };
  auto f = std::make_shared<Flags>();
  cmd->add_option("--year", f->year,
                  "a financial year: 2026 for 1 April 2026 - 31 March 2027");
  cmd->add_option("--from", f->from, "or a period: from, YYYY-MM-DD");
  cmd->add_option("--to", f->to, "and to (inclusive), YYYY-MM-DD");
  cmd->callback([&cli, f] {
    const bool period = !f->from.empty() || !f->to.empty();
    if ((f->year != 0) == period ||
        (period && (f->from.empty() || f->to.empty()))) {
      cli.exit_code =
          UsageError("give --year 2026 (a financial year) or --from D --to D");
      return;
    }
    v1::GetStatementRequest request;
    request.set_authority(ActingFor(cli));
    if (request.authority().empty()) return;
    request.set_financial_year(f->year);
    if (!SetDateFlag(cli, "--from", f->from, request.mutable_from())) return;
    if (!SetDateFlag(cli, "--to", f->to, request.mutable_to())) return;
    absl::StatusOr<v1::Statement> s =
        cli.client().Call(&Ledger::GetStatement, request);
    if (!s.ok()) {
      cli.exit_code = Fail(s.status());
      return;
    }
    if (cli.json) return PrintJson(*s);
    const std::string me = s->authority();
    if (!cli.csv) {
      std::cout << "Statement of " << ShortName(me) << ", "
                << FormatDate(s->from()) << " to " << FormatDate(s->to())
                << " (positive: owed to " << ShortName(me) << ")\n\n";
    }
    // The balance before the reference: if a narrow terminal must leave a
    // column out, it is the reference, not the running balance.
    Table table({"DATE", "TYPE", "COUNTERPARTY", "AMOUNT", "BALANCE",
                 "REFERENCE", "ENTRY", "DESCRIPTION"},
                6);
    // "opening balance" in CSV; "opening" in a table, where it must fit.
    const char* opening = cli.csv ? "opening balance" : "opening";
    const char* closing = cli.csv ? "closing balance" : "closing";
    table.AddRow({FormatDate(s->from()), opening, "", "",
                  Amount(s->opening_balance()), "", "", ""});
    for (const v1::StatementLine& line : s->lines()) {
      const v1::Entry& e = line.entry();
      table.AddRow({FormatDate(e.value_date()), EntryLabel(e.type()),
                    ShortName(e.debit() == me ? e.credit() : e.debit()),
                    Amount(line.amount()), Amount(line.balance()),
                    e.reference(),
                    std::string(absl::StripPrefix(e.name(), "ledger/entries/")),
                    e.description()});
    }
    table.AddRow({FormatDate(s->to()), closing, "", "",
                  Amount(s->closing_balance()), "", "", ""});
    table.Print();
    if (cli.csv || s->pending().empty()) return;
    std::cout << "\nPending payments (not in the balance until the payee "
                 "confirms)\n\n";
    Table pending(
        {"PAYMENT", "PAID ON", "PAYER", "PAYEE", "AMOUNT", "REFERENCE"});
    for (const v1::Payment& p : s->pending()) {
      pending.AddRow(
          {std::string(absl::StripPrefix(p.name(), "ledger/payments/")),
           FormatDate(p.paid_on()), ShortName(p.payer()), ShortName(p.payee()),
           Amount(p.amount()), p.reference()});
    }
    pending.Print();
  });
}

void AddTradeCommand(CLI::App* group, Cli& cli) {
  auto* cmd = group->add_subcommand(
      "trade",
      "your member's sales and purchases of placements in a financial year, "
      "with the net");
  auto year = std::make_shared<int>(0);
  cmd->add_option("--year", *year,
                  "the financial year: 2026 for 1 April 2026 - 31 March 2027")
      ->required();
  cmd->callback([&cli, year] {
    v1::GetSalesAndPurchasesRequest request;
    request.set_authority(ActingFor(cli));
    if (request.authority().empty()) return;
    request.set_financial_year(*year);
    absl::StatusOr<v1::SalesAndPurchases> t =
        cli.client().Call(&Ledger::GetSalesAndPurchases, request);
    if (!t.ok()) {
      cli.exit_code = Fail(t.status());
      return;
    }
    if (cli.json) return PrintJson(*t);
    Table table(
        {"KIND", "LINK", "COUNTERPARTY", "CHILDREN", "PLACED ON", "AMOUNT"});
    auto add = [&](const std::string& kind, const v1::PlacementTrade& p) {
      table.AddRow({kind, p.link(), ShortName(p.counterparty()),
                    absl::StrCat(p.children()), FormatDate(p.placed_on()),
                    Amount(p.amount())});
    };
    for (const v1::PlacementTrade& p : t->sales()) add("sale", p);
    for (const v1::PlacementTrade& p : t->purchases()) add("purchase", p);
    if (cli.csv) {
      table.AddRow({"sales total", "", "", "", "", Amount(t->sales_total())});
      table.AddRow(
          {"purchases total", "", "", "", "", Amount(t->purchases_total())});
      table.AddRow({"net", "", "", "", "", Amount(t->net())});
      return table.Print();
    }
    std::cout << "Sales and purchases of " << ShortName(t->authority()) << ", "
              << YearLabel(t->financial_year())
              << " (a sale: another member's child placed with your "
                 "household; a purchase: yours with another agency's)\n\n";
    if (table.empty()) {
      std::cout << "(no placements bought or sold in the year)\n";
    } else {
      table.Print();
    }
    std::cout << "\n";
    auto placements = [](int n) {
      return absl::StrCat(n, n == 1 ? " placement" : " placements");
    };
    PrintFields(
        {{"sales", absl::StrCat(Amount(t->sales_total()), " (",
                                placements(t->sales_size()), ")")},
         {"purchases", absl::StrCat(Amount(t->purchases_total()), " (",
                                    placements(t->purchases_size()), ")")},
         {"net", Amount(t->net())}});
  });
}

// ---- payments ----

void PrintPayment(Cli& cli, const absl::StatusOr<v1::Payment>& p) {
  if (!p.ok()) {
    cli.exit_code = Fail(p.status());
    return;
  }
  if (cli.json) return PrintJson(*p);
  std::vector<std::pair<std::string, std::string>> rows = {
      {"payment", p->name()},
      {"state", StateLabel(p->state())},
      {"payer", ShortName(p->payer())},
      {"payee", ShortName(p->payee())},
      {"amount", Amount(p->amount())},
      {"paid on", FormatDate(p->paid_on())},
      {"reference", p->reference()},
      {"recorded by", ShortName(p->recorded_by())}};
  if (p->overpayment()) {
    rows.push_back({"overpayment",
                    "yes: more than was owed; the excess shows "
                    "as a credit"});
  }
  if (!p->entry().empty()) rows.push_back({"entry", p->entry()});
  if (!p->decided_by().empty()) {
    rows.push_back({"decided by", ShortName(p->decided_by())});
  }
  if (p->state() == v1::PAYMENT_STATE_REJECTED) {
    rows.push_back({"rejection reason", p->rejection_reason()});
  }
  PrintFields(rows);
  if (!cli.csv && p->state() == v1::PAYMENT_STATE_PENDING) {
    std::cout << "\nPending until " << ShortName(p->payee())
              << " confirms it: raa ledger confirm "
              << absl::StripPrefix(p->name(), "ledger/payments/")
              << " (or rejects it with a reason)\n";
  }
}

void AddPaymentCommands(CLI::App* group, Cli& cli) {
  {
    auto* cmd = group->add_subcommand(
        "pay",
        "record a payment your member made (pending until the payee "
        "confirms)");
    struct Flags {
      std::string to, amount, reference, paid_on;
      bool allow_overpayment = false;
    };
    auto f = std::make_shared<Flags>();
    cmd->add_option("--to", f->to, "the member paid, e.g. leeds")->required();
    cmd->add_option("--amount", f->amount,
                    "pounds and pence: 1234.56, 1,234.56 or £1,234.56")
        ->required();
    cmd->add_option("--reference", f->reference,
                    "your own reference for it, 1-60 characters")
        ->required();
    cmd->add_option("--paid-on", f->paid_on,
                    "the payment date, YYYY-MM-DD (today if not given)");
    cmd->add_flag("--allow-overpayment", f->allow_overpayment,
                  "pay more than you owe the payee (the excess is a credit)");
    cmd->callback([&cli, f] {
      v1::RecordPaymentRequest request;
      request.set_payer(ActingFor(cli));
      if (request.payer().empty()) return;
      request.set_payee(AuthorityName(f->to));
      if (!SetAmount(cli, "--amount", f->amount, request.mutable_amount())) {
        return;
      }
      if (!SetDateFlag(cli, "--paid-on", f->paid_on,
                       request.mutable_paid_on())) {
        return;
      }
      request.set_reference(f->reference);
      request.set_allow_overpayment(f->allow_overpayment);
      request.set_request_id(cli.RequestId());
      absl::StatusOr<v1::Payment> payment =
          cli.client().Call(&Ledger::RecordPayment, request);
      PrintPayment(cli, payment);
      if (!payment.ok() &&
          absl::StrContains(payment.status().message(), "allow_overpayment")) {
        std::cerr << "(raa ledger pay --allow-overpayment pays it anyway)\n";
      }
    });
  }
  {
    auto* cmd = group->add_subcommand(
        "confirm", "confirm a pending payment made to your member (posts it)");
    auto name = std::make_shared<std::string>();
    cmd->add_option("payment", *name, "the payment, e.g. p3")->required();
    cmd->callback([&cli, name] {
      v1::ConfirmPaymentRequest request;
      request.set_name(PaymentNameOf(*name));
      request.set_request_id(cli.RequestId());
      PrintPayment(cli, cli.client().Call(&Ledger::ConfirmPayment, request));
    });
  }
  {
    auto* cmd = group->add_subcommand(
        "reject", "reject a pending payment made to your member, with why");
    auto name = std::make_shared<std::string>();
    auto reason = std::make_shared<std::string>();
    cmd->add_option("payment", *name, "the payment, e.g. p3")->required();
    cmd->add_option("--reason", *reason, "why, 1-500 characters")->required();
    cmd->callback([&cli, name, reason] {
      v1::RejectPaymentRequest request;
      request.set_name(PaymentNameOf(*name));
      request.set_reason(*reason);
      request.set_request_id(cli.RequestId());
      PrintPayment(cli, cli.client().Call(&Ledger::RejectPayment, request));
    });
  }
  {
    auto* cmd = group->add_subcommand(
        "payments",
        "payments your member made or received, newest first (a manager: "
        "every member's unless --authority)");
    auto state = std::make_shared<std::string>();
    auto paging = std::make_shared<Paging>();
    cmd->add_option("--state", *state, "pending, posted or rejected");
    paging->Add(cmd, 1000, 1000, "payments");
    cmd->callback([&cli, state, paging] {
      if (!paging->Check(cli)) return;
      v1::ListPaymentsRequest request;
      request.set_authority(AuthorityName(cli.authority));
      if (!state->empty()) {
        auto s =
            FlagEnum(cli, "--state", v1::PaymentState_descriptor(), *state);
        if (!s) return;
        request.set_state(static_cast<v1::PaymentState>(*s));
      }
      v1::ListPaymentsResponse all;
      if (!FetchPages(
              cli, &Ledger::ListPayments, request, *paging,
              [](const v1::ListPaymentsResponse& r) {
                return r.payments_size();
              },
              all)) {
        return;
      }
      if (cli.json) return PrintJson(all);
      Table table({"PAYMENT", "PAID ON", "PAYER", "PAYEE", "AMOUNT",
                   "REFERENCE", "STATE", "NOTE", "ENTRY", "RECORDED BY"},
                  8);
      for (const v1::Payment& p : all.payments()) {
        std::string note = p.rejection_reason();
        if (p.overpayment()) {
          note = note.empty() ? "overpayment" : "overpayment; " + note;
        }
        table.AddRow(
            {std::string(absl::StripPrefix(p.name(), "ledger/payments/")),
             FormatDate(p.paid_on()), ShortName(p.payer()),
             ShortName(p.payee()), Amount(p.amount()), p.reference(),
             StateLabel(p.state()), note, p.entry(),
             ShortName(p.recorded_by())});
      }
      table.Print();
      PrintMore(cli, all.next_page_token());
      if (cli.csv) return;
      // The reasons in full, whatever the width left for NOTE.
      bool heading = false;
      for (const v1::Payment& p : all.payments()) {
        if (p.state() != v1::PAYMENT_STATE_REJECTED) continue;
        if (!heading) std::cout << "\n";
        heading = true;
        PrintWrapped(
            std::cout,
            absl::StrCat(absl::StripPrefix(p.name(), "ledger/payments/"),
                         " rejected by ", ShortName(p.decided_by()), ": ",
                         p.rejection_reason()),
            OutputWidth(cli));
      }
    });
  }
}

// ---- reconciliation ----

std::string ItemRow(const v1::ReconcileItem& i) {
  return i.row() > 0 ? absl::StrCat(i.row()) : "";
}

void AddReconcileCommand(CLI::App* group, Cli& cli) {
  auto* cmd = group->add_subcommand(
      "reconcile",
      "compare your own books for a period (CSV: date, counterparty, "
      "reference, amount) with the ledger; changes nothing");
  struct Flags {
    std::string file, from, to;
  };
  auto f = std::make_shared<Flags>();
  cmd->add_option("file", f->file, "your books as CSV (docs/finance.md)")
      ->required();
  cmd->add_option("--from", f->from, "the period the books cover, from")
      ->required();
  cmd->add_option("--to", f->to, "to (inclusive)")->required();
  cmd->callback([&cli, f] {
    v1::ReconcileRequest request;
    request.set_authority(ActingFor(cli));
    if (request.authority().empty()) return;
    if (!SetDateFlag(cli, "--from", f->from, request.mutable_from())) return;
    if (!SetDateFlag(cli, "--to", f->to, request.mutable_to())) return;
    std::ifstream in(f->file, std::ios::binary);
    if (!in) {
      cli.exit_code = UsageError(
          absl::StrCat("cannot read ", f->file, ": no such file or no access"));
      return;
    }
    std::stringstream buffer;
    buffer << in.rdbuf();
    request.set_csv(buffer.str());
    absl::StatusOr<v1::Reconciliation> r =
        cli.client().Call(&Ledger::Reconcile, request);
    if (!r.ok()) {
      cli.exit_code = Fail(r.status());
      return;
    }
    if (cli.json) return PrintJson(*r);
    // One row per line of either side: what it is, the books' and the
    // service's amounts, and the difference.
    Table table({"RESULT", "ROW", "ENTRY", "DATE", "COUNTERPARTY", "REFERENCE",
                 "YOUR BOOKS", "SERVICE", "DIFFERENCE", "PROBLEM"});
    auto pair_row = [&](const std::string& what, const v1::ReconcilePair& p) {
      const v1::ReconcileItem& b = p.books();
      const v1::ReconcileItem& j = p.journal();
      table.AddRow(
          {what, ItemRow(b),
           std::string(absl::StripPrefix(j.entry(), "ledger/entries/")),
           FormatDate(b.date()), ShortName(b.counterparty()),
           b.reference().empty() ? j.reference() : b.reference(),
           Amount(b.amount()), Amount(j.amount()), Amount(p.difference()), ""});
    };
    for (const v1::ReconcilePair& p : r->differing()) pair_row("differs", p);
    for (const v1::ReconcileItem& j : r->only_in_journal()) {
      table.AddRow(
          {"only in the service", "",
           std::string(absl::StripPrefix(j.entry(), "ledger/entries/")),
           FormatDate(j.date()), ShortName(j.counterparty()), j.reference(), "",
           Amount(j.amount()), Amount(-PenceOf(j.amount())), ""});
    }
    for (const v1::ReconcileItem& b : r->only_in_books()) {
      table.AddRow({"only in your books", ItemRow(b), "", FormatDate(b.date()),
                    ShortName(b.counterparty()), b.reference(),
                    Amount(b.amount()), "", Amount(b.amount()), ""});
    }
    for (const v1::UnreadableRow& u : r->unreadable()) {
      table.AddRow(
          {"unreadable", absl::StrCat(u.row()), "", "", "", "", "", "", "",
           u.column().empty() ? u.reason()
                              : absl::StrCat(u.column(), ": ", u.reason())});
    }
    if (cli.csv) {
      for (const v1::ReconcilePair& p : r->matched()) pair_row("matched", p);
      return table.Print();
    }
    std::cout << "Reconciliation of " << ShortName(r->authority())
              << "'s books, " << FormatDate(r->from()) << " to "
              << FormatDate(r->to()) << ": " << r->rows_read()
              << " rows read\n\n";
    PrintFields(
        {{"matched", absl::StrCat(r->matched_size())},
         {"amounts differ", absl::StrCat(r->differing_size())},
         {"only in the service", absl::StrCat(r->only_in_journal_size())},
         {"only in your books", absl::StrCat(r->only_in_books_size())},
         {"rows not read", absl::StrCat(r->unreadable_size())},
         {"service total", Amount(r->journal_total())},
         {"your books' total", Amount(r->books_total())},
         {"difference (books - service)", Amount(r->difference())}});
    if (table.empty()) {
      std::cout << "\nEverything matches.\n";
      return;
    }
    // On screen, a table per kind of difference, each narrow enough for a
    // terminal (ROW: the line of the file, the header being line 1).
    auto entry_id = [](const v1::ReconcileItem& i) {
      return std::string(absl::StripPrefix(i.entry(), "ledger/entries/"));
    };
    if (!r->differing().empty()) {
      std::cout << "\nAmounts that differ (DIFFERENCE: your books - the "
                   "service)\n\n";
      Table t({"ROW", "REFERENCE", "COUNTERPARTY", "YOUR BOOKS", "SERVICE",
               "DIFFERENCE", "DATE", "ENTRY"},
              6);
      for (const v1::ReconcilePair& p : r->differing()) {
        const v1::ReconcileItem& b = p.books();
        const v1::ReconcileItem& j = p.journal();
        t.AddRow({ItemRow(b),
                  b.reference().empty() ? j.reference() : b.reference(),
                  ShortName(b.counterparty()), Amount(b.amount()),
                  Amount(j.amount()), Amount(p.difference()),
                  FormatDate(b.date()), entry_id(j)});
      }
      t.Print();
    }
    if (!r->only_in_journal().empty()) {
      std::cout << "\nOnly in the service (not in your books)\n\n";
      Table t({"ENTRY", "DATE", "COUNTERPARTY", "REFERENCE", "AMOUNT"});
      for (const v1::ReconcileItem& j : r->only_in_journal()) {
        t.AddRow({entry_id(j), FormatDate(j.date()),
                  ShortName(j.counterparty()), j.reference(),
                  Amount(j.amount())});
      }
      t.Print();
    }
    if (!r->only_in_books().empty()) {
      std::cout << "\nOnly in your books (not in the service)\n\n";
      Table t({"ROW", "DATE", "COUNTERPARTY", "REFERENCE", "AMOUNT"});
      for (const v1::ReconcileItem& b : r->only_in_books()) {
        t.AddRow({ItemRow(b), FormatDate(b.date()), ShortName(b.counterparty()),
                  b.reference(), Amount(b.amount())});
      }
      t.Print();
    }
    if (!r->unreadable().empty()) {
      std::cout << "\nRows that could not be read (fix them and run it "
                   "again)\n\n";
      Table t({"ROW", "COLUMN", "PROBLEM"});
      for (const v1::UnreadableRow& u : r->unreadable()) {
        t.AddRow({absl::StrCat(u.row()), u.column(), u.reason()});
      }
      t.Print();
    }
  });
}

// ---- budgets ----

std::string WarningLine(const char* what, int percent, v1::BudgetWarning w,
                        const std::string& year) {
  if (w == v1::BUDGET_WARNING_OVER) {
    return absl::StrCat("WARNING: ", what, " ", FormatBudgetPercent(percent),
                        " of the ", year, " budget: at or over 100%");
  }
  if (w == v1::BUDGET_WARNING_NEAR) {
    return absl::StrCat("WARNING: ", what, " ", FormatBudgetPercent(percent),
                        " of the ", year, " budget: 75% or more");
  }
  return "";
}

void PrintBudget(Cli& cli, const absl::StatusOr<v1::Budget>& b) {
  if (!b.ok()) {
    cli.exit_code = Fail(b.status());
    return;
  }
  if (cli.json) return PrintJson(*b);
  const std::string year = YearLabel(b->financial_year());
  std::vector<std::pair<std::string, std::string>> rows = {
      {"member", ShortName(b->authority())},
      {"financial year", year},
      {"budget", b->set() ? Amount(b->amount()) : "not set"},
      {"committed",
       b->set() ? absl::StrCat(Amount(b->committed()), " (",
                               FormatBudgetPercent(b->committed_percent()), ")")
                : Amount(b->committed())},
      {"forecast",
       b->set() ? absl::StrCat(Amount(b->forecast()), " (",
                               FormatBudgetPercent(b->forecast_percent()), ")")
                : Amount(b->forecast())}};
  if (cli.csv) {
    rows.push_back(
        {"committed warning",
         EnumLabel(v1::BudgetWarning_descriptor(), b->committed_warning())});
    rows.push_back(
        {"forecast warning",
         EnumLabel(v1::BudgetWarning_descriptor(), b->forecast_warning())});
    return PrintFields(rows);
  }
  PrintFields(rows);
  std::string committed =
      WarningLine("fees committed are", b->committed_percent(),
                  b->committed_warning(), year);
  std::string forecast = WarningLine("the forecast is", b->forecast_percent(),
                                     b->forecast_warning(), year);
  if (!b->set() && (!committed.empty() || !forecast.empty())) {
    committed = absl::StrCat("WARNING: no budget is set for ", year,
                             " and fees are committed or forecast");
    forecast.clear();
  }
  if (!committed.empty() || !forecast.empty()) std::cout << "\n";
  if (!committed.empty()) std::cout << committed << "\n";
  if (!forecast.empty()) {
    std::cout << forecast << "\n";
  }
  if (b->pipeline().empty()) return;
  std::cout << "\nLinks on their way to placement whose fee would fall on the "
               "budget (at today's schedule)\n\n";
  Table table({"LINK", "STEP", "PAYEE", "CHILDREN", "FEE"});
  for (const v1::BudgetPipelineItem& i : b->pipeline()) {
    table.AddRow({i.link(), EnumLabel(v1::LinkStep_descriptor(), i.step()),
                  ShortName(i.payee()), absl::StrCat(i.children()),
                  Amount(i.amount())});
  }
  table.Print();
}

void AddBudgetCommands(CLI::App* group, Cli& cli) {
  CLI::App* budget = group->add_subcommand(
      "budget", "your member's inter-agency budget per financial year");
  budget->require_subcommand(1);
  {
    auto* cmd = budget->add_subcommand("set", "set the budget for a year");
    auto year = std::make_shared<int>(0);
    auto amount = std::make_shared<std::string>();
    cmd->add_option("--year", *year,
                    "the financial year: 2026 for April 2026 - March 2027")
        ->required();
    cmd->add_option("--amount", *amount, "pounds and pence, e.g. 177,700")
        ->required();
    cmd->callback([&cli, year, amount] {
      v1::SetBudgetRequest request;
      request.set_authority(ActingFor(cli));
      if (request.authority().empty()) return;
      request.set_financial_year(*year);
      if (!SetAmount(cli, "--amount", *amount, request.mutable_amount())) {
        return;
      }
      request.set_request_id(cli.RequestId());
      PrintBudget(cli, cli.client().Call(&Ledger::SetBudget, request));
    });
  }
  {
    auto* cmd = budget->add_subcommand(
        "show", "the budget, fees committed against it and the forecast");
    auto year = std::make_shared<int>(0);
    cmd->add_option("--year", *year,
                    "the financial year (the current one if not given)");
    cmd->callback([&cli, year] {
      v1::GetBudgetRequest request;
      request.set_authority(ActingFor(cli));
      if (request.authority().empty()) return;
      request.set_financial_year(*year);
      PrintBudget(cli, cli.client().Call(&Ledger::GetBudget, request));
    });
  }
}

// ---- month-end ----

void AddCloseMonthCommand(CLI::App* group, Cli& cli) {
  auto* cmd = group->add_subcommand(
      "close-month",
      "accrue the monthly fees of a month that has ended (a manager; safe "
      "to run again)");
  auto month = std::make_shared<std::string>();
  cmd->add_option("month", *month, "the month, YYYY-MM")->required();
  cmd->callback([&cli, month] {
    v1::CloseMonthRequest request;
    request.set_month(*month);
    request.set_request_id(cli.RequestId());
    absl::StatusOr<v1::MonthClose> c =
        cli.client().Call(&Ledger::CloseMonth, request);
    if (!c.ok()) {
      cli.exit_code = Fail(c.status());
      return;
    }
    if (cli.json) return PrintJson(*c);
    Table table({"ENTRY", "LINK", "PAYER", "PAYEE", "AMOUNT", "REFERENCE"});
    for (const v1::Entry& e : c->entries()) {
      table.AddRow({std::string(absl::StripPrefix(e.name(), "ledger/entries/")),
                    e.link(), ShortName(e.debit()), ShortName(e.credit()),
                    Amount(e.amount()), e.reference()});
    }
    if (cli.csv) return table.Print();
    std::cout << c->month() << " closed: " << c->entries_size()
              << " monthly fee" << (c->entries_size() == 1 ? "" : "s")
              << " posted now (" << Amount(c->total()) << "), "
              << c->already_charged() << " already charged before\n";
    if (!table.empty()) {
      std::cout << "\n";
      table.Print();
    }
  });
}

}  // namespace

void AddLedgerCommands(CLI::App& app, Cli& cli) {
  CLI::App* group = app.add_subcommand(
      "ledger",
      "the inter-agency fee ledger: balances, statements, payments, "
      "reconciliation, settlement, budgets (finance officers, managers)");
  group->require_subcommand(1);
  AddScheduleCommands(group, cli);
  AddEntriesCommand(group, cli);
  AddBalancesCommand(group, cli);
  AddStatementCommand(group, cli);
  AddTradeCommand(group, cli);
  AddPaymentCommands(group, cli);
  AddReconcileCommand(group, cli);
  AddSettleCommand(group, cli);
  AddBudgetCommands(group, cli);
  AddCloseMonthCommand(group, cli);
}

}  // namespace raa::cli
