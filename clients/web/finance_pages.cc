// The finance officer's pages of raa-web: balances, statement, payments,
// settlement plan and budget, each a handler here and a template
// templates/finance_*.mustache; the routes are registered in
// WebApp::Install. Every page calls LedgerService with the signed-in key,
// so what a key may see is raamatchd's decision (a family finder's
// PERMISSION_DENIED is a 403 page). Amounts are whole pence, shown by
// clients/lib/money.h; CSV downloads are as `raa --csv`: UTF-8 with a
// byte-order mark, pounds with two decimals.
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "clients/lib/csv_field.h"
#include "clients/lib/money.h"
#include "clients/web/page_helpers.h"
#include "clients/web/tables.h"
#include "clients/web/views.h"
#include "clients/web/web_app.h"
#include "common/budget_text.h"
#include "common/clock.h"
#include "common/dates.h"
#include "common/enum_names.h"
#include "common/errors.h"
#include "common/names.h"
#include "common/utf8.h"

namespace raa::web {
namespace {

using kainjow::mustache::data;

// How many payments the payments page fetches at most.
constexpr size_t kMaxPayments = 10000;

std::string Pounds(const google::type::Money& money) {
  return FormatPounds(PenceOf(money));
}

// The financial year (April to March) that `day` falls in: 2026 for
// 2027-03-31.
int FinancialYearOf(absl::CivilDay day) {
  return day.month() >= 4 ? static_cast<int>(day.year())
                          : static_cast<int>(day.year()) - 1;
}

std::string YearLabel(int year) {
  return absl::StrCat(year, "-", absl::StrFormat("%02d", (year + 1) % 100));
}

// Every payment `authority` made or received (all pages, up to
// kMaxPayments), oldest first.
absl::StatusOr<std::vector<v1::Payment>> PaymentsOf(
    RaaClient& client, const std::string& authority) {
  v1::ListPaymentsRequest list;
  list.set_authority(authority);
  list.set_page_size(1000);
  std::vector<v1::Payment> payments;
  do {
    absl::StatusOr<v1::ListPaymentsResponse> page =
        client.Call(&v1::LedgerService::Stub::ListPayments, list);
    if (!page.ok()) return page.status();
    for (v1::Payment& p : *page->mutable_payments()) {
      payments.push_back(std::move(p));
    }
    list.set_page_token(page->next_page_token());
  } while (!list.page_token().empty() && payments.size() < kMaxPayments);
  return payments;
}

class Csv {
 public:
  explicit Csv(const std::vector<std::string>& header) { Add(header); }
  void Add(const std::vector<std::string>& row) {
    std::vector<std::string> fields;
    for (const std::string& f : row) fields.push_back(CsvField(f));
    absl::StrAppend(&text_, absl::StrJoin(fields, ","), "\r\n");
  }
  // Answers the download: text/csv, an attachment named `filename`.
  void Send(httplib::Response& res, const std::string& filename) const {
    res.status = 200;
    res.set_header("Cache-Control", "no-store");
    res.set_header("Content-Disposition",
                   absl::StrCat("attachment; filename=\"", filename, "\""));
    res.set_content(absl::StrCat("\xEF\xBB\xBF", text_),
                    "text/csv; charset=utf-8");
  }

 private:
  std::string text_;
};

std::string CsvAmount(const google::type::Money& money) {
  return CsvPounds(PenceOf(money));
}

// `params` (a page's query) with `member` when it is not the key's own: the
// links of a page shown again after a refused form (with no query) stay
// with the member.
QueryParams WithMember(const QueryParams& params, const std::string& member,
                       const Session& session) {
  QueryParams kept = params;
  if (member != session.authority && !kept.contains("member")) {
    kept.emplace("member", ShortAuthority(member));
  }
  return kept;
}

// The payments page of `member`, after a form of it was sent.
std::string PaymentsAddress(const std::string& member, const Session& session) {
  return member == session.authority
             ? std::string("/ledger/payments")
             : absl::StrCat("/ledger/payments?member=", ShortAuthority(member));
}

}  // namespace

// ---- balances ----

Table WebApp::DebtsTable(const v1::Balances& balances,
                         const std::string& prefix) {
  Table table(
      {{.key = "owed_by", .label = "Owed by"},
       {.key = "owed_to", .label = "Owed to"},
       {.key = "amount", .label = "Amount", .numeric = true}},
      {.default_sort = "amount", .default_descending = true, .prefix = prefix});
  for (const v1::Debt& debt : balances.debts()) {
    data row;
    row.set("debtor", ShortAuthority(debt.debtor()));
    row.set("creditor", ShortAuthority(debt.creditor()));
    row.set("amount", Pounds(debt.amount()));
    table.AddRow(std::move(row),
                 {ShortAuthority(debt.debtor()),
                  ShortAuthority(debt.creditor()), PenceOf(debt.amount())});
  }
  return table;
}

std::optional<WebApp::SignedIn> WebApp::RequireLedger(
    const httplib::Request& req, httplib::Response& res) {
  return RequireRole(req, res, {v1::ROLE_FINANCE, v1::ROLE_MANAGER},
                     "The fee ledger's pages are for finance officers and "
                     "the consortium manager.");
}

std::optional<std::string> WebApp::LedgerMemberOrErrorPage(
    httplib::Response& res, const SignedIn& signed_in, const std::string& id) {
  if (id.empty()) return signed_in.session.authority;
  if (!IsSlug(id)) {
    ErrorPage(res, 400, "That member was not accepted",
              "Choose the member from the list on the page: a member's id "
              "is its short name, such as leeds.",
              &signed_in);
    return std::nullopt;
  }
  return AuthorityName(id);
}

bool WebApp::SetLedgerMember(httplib::Response& res, const SignedIn& signed_in,
                             const std::string& member, const std::string& path,
                             data& d) {
  const Session& session = signed_in.session;
  if (member != session.authority) {
    const std::string id = ShortAuthority(member);
    d.set("member_id", id);
    d.set("member_suffix", absl::StrCat("?member=", id));
    d.set("member_amp", absl::StrCat("&member=", id));
  }
  if (!HasRole(session, v1::ROLE_MANAGER)) return true;
  std::optional<std::vector<v1::Authority>> members =
      MembersOrErrorPage(res, signed_in);
  if (!members.has_value()) return false;
  data choice = List();
  for (const v1::Authority& a : *members) {
    data option;
    option.set("value", ShortAuthority(a.name()));
    option.set("text", MemberLabel(a));
    if (a.name() == member) option.set("selected", true);
    choice.push_back(option);
  }
  d.set("member_choice", choice);
  d.set("member_path", path);
  return true;
}

void WebApp::GetLedger(const httplib::Request& req, httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireLedger(req, res);
  if (!signed_in.has_value()) return;
  const Session& session = signed_in->session;
  v1::GetBalancesRequest request;
  std::string as_of = Param(req, "as_of");
  if (!as_of.empty()) {
    std::optional<google::type::Date> date = ParseDate(as_of);
    if (!date.has_value()) {
      ErrorPage(res, 400, "That date was not accepted",
                "Give a real date from 1900 on as YYYY-MM-DD, for example "
                "2026-03-31.",
                &*signed_in);
      return;
    }
    *request.mutable_as_of() = *date;
  }
  absl::StatusOr<v1::Balances> b =
      session.client->Call(&v1::LedgerService::Stub::GetBalances, request);
  if (!b.ok()) {
    ApiErrorPage(res, b.status(), &*signed_in);
    return;
  }
  data d = LayoutData("Balances", &*signed_in);
  d.set("as_of", FormatDate(b->as_of()));
  d.set("as_of_query", as_of);
  Table positions(
      {{.key = "member", .label = "Member"},
       {.key = "position", .label = "Position", .numeric = true},
       {.key = "pending_out", .label = "Pending out", .numeric = true},
       {.key = "pending_in", .label = "Pending in", .numeric = true}},
      {.prefix = "p"});
  for (const v1::MemberPosition& p : b->positions()) {
    data row;
    row.set("member", ShortAuthority(p.authority()));
    row.set("position", Pounds(p.position()));
    row.set("pending_out", Pounds(p.pending_out()));
    row.set("pending_in", Pounds(p.pending_in()));
    if (p.authority() == session.authority) {
      row.set("mine", true);
      int64_t pence = PenceOf(p.position());
      d.set("my_position",
            pence >= 0
                ? absl::StrCat("The others owe you ", FormatPounds(pence))
                : absl::StrCat("You owe the others ", FormatPounds(-pence)));
      if (PenceOf(p.pending_out()) != 0 || PenceOf(p.pending_in()) != 0) {
        d.set("my_pending",
              absl::StrCat("Pending payments: ", Pounds(p.pending_out()),
                           " paid out and ", Pounds(p.pending_in()),
                           " received, not in the balance until the payee "
                           "confirms them."));
      }
    }
    positions.AddRow(std::move(row),
                     {ShortAuthority(p.authority()), PenceOf(p.position()),
                      PenceOf(p.pending_out()), PenceOf(p.pending_in())});
  }
  d.set("positions_table", positions.Render(req.params, "/ledger"));
  d.set("has_positions", b->positions_size() > 0);
  d.set("debts_table", DebtsTable(*b, "d").Render(req.params, "/ledger"));
  d.set("has_debts", b->debts_size() > 0);
  d.set("total_owed", Pounds(b->total_owed()));
  d.set("total_fees", Pounds(b->total_fees()));
  d.set("total_payments", Pounds(b->total_payments()));
  d.set("members_with_balance", absl::StrCat(b->members_with_balance()));
  RenderPage(res, 200, "finance_balances", d);
}

void WebApp::GetBalancesCsv(const httplib::Request& req,
                            httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireLedger(req, res);
  if (!signed_in.has_value()) return;
  v1::GetBalancesRequest request;
  std::string as_of = Param(req, "as_of");
  if (!as_of.empty()) {
    std::optional<google::type::Date> date = ParseDate(as_of);
    if (!date.has_value()) {
      ErrorPage(res, 400, "That date was not accepted",
                "Give a real date from 1900 on as YYYY-MM-DD, for example "
                "2026-03-31.",
                &*signed_in);
      return;
    }
    *request.mutable_as_of() = *date;
  }
  absl::StatusOr<v1::Balances> b = signed_in->session.client->Call(
      &v1::LedgerService::Stub::GetBalances, request);
  if (!b.ok()) {
    ApiErrorPage(res, b.status(), &*signed_in);
    return;
  }
  const std::string date = FormatDate(b->as_of());
  Csv csv({"AS OF", "KIND", "AUTHORITY", "COUNTERPARTY", "AMOUNT",
           "PENDING OUT", "PENDING IN"});
  for (const v1::MemberPosition& p : b->positions()) {
    csv.Add({date, "position", ShortAuthority(p.authority()), "",
             CsvAmount(p.position()), CsvAmount(p.pending_out()),
             CsvAmount(p.pending_in())});
  }
  for (const v1::Debt& debt : b->debts()) {
    csv.Add({date, "owes", ShortAuthority(debt.debtor()),
             ShortAuthority(debt.creditor()), CsvAmount(debt.amount()), "",
             ""});
  }
  csv.Add({date, "total owed", "", "", CsvAmount(b->total_owed()), "", ""});
  csv.Add({date, "total fees", "", "", CsvAmount(b->total_fees()), "", ""});
  csv.Add(
      {date, "total payments", "", "", CsvAmount(b->total_payments()), "", ""});
  csv.Send(res, absl::StrCat("balances-", date, ".csv"));
}

// ---- statement ----

void WebApp::GetStatement(const httplib::Request& req, httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireLedger(req, res);
  if (!signed_in.has_value()) return;
  const Session& session = signed_in->session;
  std::optional<std::string> member =
      LedgerMemberOrErrorPage(res, *signed_in, Param(req, "member"));
  if (!member.has_value()) return;
  v1::GetStatementRequest request;
  request.set_authority(*member);
  std::string from = Param(req, "from");
  std::string to = Param(req, "to");
  std::string year_text = Param(req, "year");
  if (!from.empty() || !to.empty()) {
    std::optional<google::type::Date> f = ParseDate(from);
    std::optional<google::type::Date> t = ParseDate(to);
    if (!f.has_value() || !t.has_value()) {
      // Name the date that is wrong: a year before 1900 is a real-looking
      // date this console does not take.
      std::vector<std::string> wrong;
      for (const auto& [label, text, date] :
           {std::tuple("from", from, f), std::tuple("to", to, t)}) {
        if (!date.has_value()) {
          wrong.push_back(
              absl::StrCat(label, " (\"", Abbreviate(text, 20), "\")"));
        }
      }
      ErrorPage(
          res, 400, "Those dates were not accepted",
          absl::StrCat("Not a calendar date from 1900 on, as YYYY-MM-DD: ",
                       absl::StrJoin(wrong, " and "), "."),
          &*signed_in);
      return;
    }
    *request.mutable_from() = *f;
    *request.mutable_to() = *t;
  } else {
    int year = FinancialYearOf(SystemClock().Today());
    if (!year_text.empty() && !absl::SimpleAtoi(year_text, &year)) {
      ErrorPage(res, 400, "That year was not accepted",
                "Give the financial year as its first year, e.g. 2026 for "
                "2026-27.",
                &*signed_in);
      return;
    }
    request.set_financial_year(year);
    year_text = absl::StrCat(year);
  }
  absl::StatusOr<v1::Statement> s =
      session.client->Call(&v1::LedgerService::Stub::GetStatement, request);
  if (!s.ok()) {
    ApiErrorPage(res, s.status(), &*signed_in);
    return;
  }
  const std::string me = s->authority();
  auto counterparty = [&](const v1::Entry& e) {
    return ShortAuthority(e.debit() == me ? e.credit() : e.debit());
  };
  if (req.path.ends_with(".csv")) {
    Csv csv({"DATE", "TYPE", "COUNTERPARTY", "AMOUNT", "BALANCE", "REFERENCE",
             "ENTRY", "DESCRIPTION"});
    csv.Add({FormatDate(s->from()), "opening balance", "", "",
             CsvAmount(s->opening_balance()), "", "", ""});
    for (const v1::StatementLine& line : s->lines()) {
      const v1::Entry& e = line.entry();
      csv.Add({FormatDate(e.value_date()),
               EnumValueWords(v1::EntryType_descriptor(), e.type()),
               counterparty(e), CsvAmount(line.amount()),
               CsvAmount(line.balance()), e.reference(),
               std::string(absl::StripPrefix(e.name(), "ledger/entries/")),
               e.description()});
    }
    csv.Add({FormatDate(s->to()), "closing balance", "", "",
             CsvAmount(s->closing_balance()), "", "", ""});
    csv.Send(res, absl::StrCat("statement-", ShortAuthority(me), "-",
                               FormatDate(s->from()), ".csv"));
    return;
  }
  data d = LayoutData("Statement", &*signed_in);
  if (!SetLedgerMember(res, *signed_in, *member, "/ledger/statement", d)) {
    return;
  }
  d.set("member", ShortAuthority(me));
  d.set("from", FormatDate(s->from()));
  d.set("to", FormatDate(s->to()));
  d.set("year", year_text);
  d.set("csv_query", from.empty() ? absl::StrCat("year=", year_text)
                                  : absl::StrCat("from=", from, "&to=", to));
  d.set("opening", Pounds(s->opening_balance()));
  d.set("closing", Pounds(s->closing_balance()));
  Table lines({{.key = "date", .label = "Date"},
               {.key = "type", .label = "Type"},
               {.key = "counterparty", .label = "Counterparty"},
               {.key = "amount", .label = "Amount", .numeric = true},
               {.key = "balance", .label = "Balance", .numeric = true},
               {.key = "reference", .label = "Reference"},
               {.key = "description", .label = "Description"}},
              {.default_sort = "date"});
  for (const v1::StatementLine& line : s->lines()) {
    const v1::Entry& e = line.entry();
    data row;
    std::string type = EnumValueWords(v1::EntryType_descriptor(), e.type());
    row.set("date", FormatDate(e.value_date()));
    row.set("type", type);
    row.set("counterparty", counterparty(e));
    row.set("amount", Pounds(line.amount()));
    row.set("balance", Pounds(line.balance()));
    row.set("reference", e.reference());
    row.set("description", e.description());
    lines.AddRow(std::move(row),
                 {FormatDate(e.value_date()), type, counterparty(e),
                  PenceOf(line.amount()), PenceOf(line.balance()),
                  e.reference(), e.description()});
  }
  // The form's own parameters stay in the table's links.
  d.set("lines_table", lines.Render(req.params, "/ledger/statement"));
  data pending = List();
  for (const v1::Payment& p : s->pending()) {
    data row;
    row.set("payer", ShortAuthority(p.payer()));
    row.set("payee", ShortAuthority(p.payee()));
    row.set("amount", Pounds(p.amount()));
    row.set("paid_on", FormatDate(p.paid_on()));
    pending.push_back(row);
  }
  d.set("pending", pending);
  d.set("has_pending", s->pending_size() > 0);
  RenderPage(res, 200, "finance_statement", d);
}

// ---- payments ----

void WebApp::GetPayments(const httplib::Request& req, httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireLedger(req, res);
  if (!signed_in.has_value()) return;
  std::optional<std::string> member =
      LedgerMemberOrErrorPage(res, *signed_in, Param(req, "member"));
  if (!member.has_value()) return;
  if (req.path.ends_with(".csv")) {
    const Session& session = signed_in->session;
    absl::StatusOr<std::vector<v1::Payment>> payments =
        PaymentsOf(*session.client, *member);
    if (!payments.ok()) {
      ApiErrorPage(res, payments.status(), &*signed_in);
      return;
    }
    Csv csv({"PAYMENT", "PAID ON", "PAYER", "PAYEE", "AMOUNT", "REFERENCE",
             "STATE", "REJECTION REASON"});
    for (const v1::Payment& p : *payments) {
      csv.Add({std::string(absl::StripPrefix(p.name(), "ledger/payments/")),
               FormatDate(p.paid_on()), ShortAuthority(p.payer()),
               ShortAuthority(p.payee()), CsvAmount(p.amount()), p.reference(),
               EnumValueWords(v1::PaymentState_descriptor(), p.state()),
               p.rejection_reason()});
    }
    csv.Send(res, absl::StrCat("payments-", ShortAuthority(*member), ".csv"));
    return;
  }
  data form;
  form.set("paid_on", FormatDate(ToDate(SystemClock().Today())));
  RenderPaymentsPage(res, *signed_in, *member, req.params, 200, form,
                     absl::OkStatus());
}

void WebApp::RenderPaymentsPage(httplib::Response& res,
                                const SignedIn& signed_in,
                                const std::string& member,
                                const QueryParams& params, int status,
                                data form, const absl::Status& api_error,
                                const RefusedRejection* refused) {
  const Session& session = signed_in.session;
  RaaClient& client = *session.client;
  absl::StatusOr<std::vector<v1::Payment>> all = PaymentsOf(client, member);
  if (!all.ok()) {
    ApiErrorPage(res, all.status(), &signed_in);
    return;
  }
  const std::vector<v1::Payment>& payments = *all;
  v1::ListAuthoritiesRequest members_request;
  members_request.set_page_size(1000);
  absl::StatusOr<v1::ListAuthoritiesResponse> members =
      client.Call(&v1::RegistryService::Stub::ListAuthorities, members_request);
  if (!members.ok()) {
    ApiErrorPage(res, members.status(), &signed_in);
    return;
  }
  data d = LayoutData("Payments", &signed_in);
  if (!SetLedgerMember(res, signed_in, member, "/ledger/payments", d)) return;
  d.set("member", ShortAuthority(member));
  const std::string chosen =
      form.get("payee") != nullptr && form.get("payee")->is_string()
          ? form.get("payee")->string_value()
          : "";
  data payees = List();
  // Nothing chosen until the officer chooses: Enter on a fresh form must
  // not pay whichever member sorts first.
  data none;
  none.set("value", "");
  none.set("text", "Choose the member paid");
  if (chosen.empty()) none.set("selected", true);
  payees.push_back(none);
  for (const v1::Authority& a : members->authorities()) {
    if (a.name() == member) continue;
    data option;
    option.set("value", a.name());
    option.set("text", MemberLabel(a));
    if (a.name() == chosen) option.set("selected", true);
    payees.push_back(option);
  }
  d.set("payees", payees);
  // A fresh id each time the form is shown: a double submit records one
  // payment (RecordPayment is idempotent by request_id).
  form.set("request_id", NewRequestId());
  d.set("form", form);
  if (!api_error.ok()) {
    const FormField payee{"payee", "Paid to"};
    SetFormErrors(d, api_error,
                  FieldsByPath({{"payee", payee},
                                {"amount", {"amount", "Amount in pounds"}},
                                {"reference", {"reference", "Your reference"}},
                                {"paid_on", {"paid_on", "Paid on"}}}),
                  payee, /*beside_fallback=*/true);
  }
  Table table({{.key = "payment", .label = "Payment"},
               {.key = "paid_on", .label = "Paid on"},
               {.key = "payer", .label = "Payer"},
               {.key = "payee", .label = "Payee"},
               {.key = "amount", .label = "Amount", .numeric = true},
               {.key = "reference", .label = "Reference"},
               {.key = "state", .label = "State"},
               {.key = "action", .label = "Action", .sortable = false}},
              {.default_sort = "paid_on", .default_descending = true});
  for (const v1::Payment& p : payments) {
    data row;
    std::string id(absl::StripPrefix(p.name(), "ledger/payments/"));
    std::string state =
        EnumValueWords(v1::PaymentState_descriptor(), p.state());
    row.set("id", id);
    row.set("name", p.name());
    row.set("payer", ShortAuthority(p.payer()));
    row.set("payee", ShortAuthority(p.payee()));
    row.set("amount", Pounds(p.amount()));
    row.set("paid_on", FormatDate(p.paid_on()));
    row.set("reference", p.reference());
    row.set("state", state);
    if (!p.rejection_reason().empty()) {
      row.set("rejection_reason", p.rejection_reason());
    }
    if (p.state() == v1::PAYMENT_STATE_PENDING && p.payee() == member) {
      row.set("can_decide", true);
    }
    if (refused != nullptr && refused->payment == p.name()) {
      table.ShowRow(table.size());
      row.set("reason_error", refused->message);
      row.set("reason_value", refused->reason);
      data summary = List();
      data item;
      item.set("href", absl::StrCat("#reason-", id));
      item.set("text", absl::StrCat("Payment ", id, ": ", refused->message));
      summary.push_back(item);
      d.set("errors", summary);
      d.set("has_errors", true);
      d.set("error_title", true);
    }
    table.AddRow(
        std::move(row),
        {id, FormatDate(p.paid_on()), ShortAuthority(p.payer()),
         ShortAuthority(p.payee()), PenceOf(p.amount()), p.reference(), state});
  }
  d.set("payments_table",
        table.Render(WithMember(params, member, session), "/ledger/payments"));
  d.set("has_payments", !payments.empty());
  RenderPage(res, status, "finance_payments", d);
}

void WebApp::PostPayment(const httplib::Request& req, httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireLedger(req, res);
  if (!signed_in.has_value()) return;
  if (!CheckCsrf(req, res, *signed_in)) return;
  data form;
  for (const char* field : {"payee", "amount", "reference", "paid_on"}) {
    form.set(field, Param(req, field));
  }
  std::optional<std::string> member =
      LedgerMemberOrErrorPage(res, *signed_in, Param(req, "member"));
  if (!member.has_value()) return;
  v1::RecordPaymentRequest request;
  request.set_payer(*member);
  request.set_payee(Param(req, "payee"));
  request.set_reference(Param(req, "reference"));
  request.set_request_id(RequestIdOf(req));
  FieldErrors errors;
  // Told with the amount's and date's problems, not after them.
  if (request.payee().empty()) errors.Add("payee", "choose the member paid");
  if (request.reference().empty()) {
    errors.Add("reference", "is required: your own reference for the payment");
  }
  absl::StatusOr<int64_t> pence = ParsePounds(Param(req, "amount"));
  if (!pence.ok()) {
    errors.Add("amount", std::string(pence.status().message()));
  } else {
    *request.mutable_amount() = ToMoney(*pence);
  }
  std::string paid_on = Param(req, "paid_on");
  if (!paid_on.empty()) {
    std::optional<google::type::Date> date = ParseDate(paid_on);
    if (!date.has_value()) {
      errors.Add("paid_on", "must be a date YYYY-MM-DD");
    } else {
      *request.mutable_paid_on() = *date;
    }
  }
  absl::Status status = errors.ToStatus();
  if (status.ok()) {
    absl::StatusOr<v1::Payment> payment = signed_in->session.client->Call(
        &v1::LedgerService::Stub::RecordPayment, request);
    if (payment.ok()) {
      sessions_.SetFlash(
          signed_in->id,
          absl::StrCat("Payment ", payment->name(), " of ",
                       Pounds(payment->amount()), " to ",
                       ShortAuthority(payment->payee()),
                       " recorded; it counts once the payee confirms it"));
      res.status = 303;
      res.set_header("Location", PaymentsAddress(*member, signed_in->session));
      res.set_header("Cache-Control", "no-store");
      return;
    }
    status = payment.status();
    if (ResendPageIfUnknown(req, res, *signed_in, status,
                            request.request_id())) {
      return;
    }
  }
  RenderPaymentsPage(res, *signed_in, *member, QueryParams(),
                     HttpStatusOf(status), form, status);
}

void WebApp::PostPaymentDecision(const httplib::Request& req,
                                 httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireLedger(req, res);
  if (!signed_in.has_value()) return;
  if (!CheckCsrf(req, res, *signed_in)) return;
  std::optional<std::string> member =
      LedgerMemberOrErrorPage(res, *signed_in, Param(req, "member"));
  if (!member.has_value()) return;
  std::string name = Param(req, "payment");
  std::string action = Param(req, "action");
  if (!name.starts_with("ledger/payments/") ||
      (action != "confirm" && action != "reject")) {
    ErrorPage(res, 400, "That request was not accepted",
              "The form did not name a payment and what to do with it.",
              &*signed_in);
    return;
  }
  absl::StatusOr<v1::Payment> payment;
  // The form's id when it is sent again from the page of an unknown
  // outcome (ResendPageIfUnknown), else a new one.
  const std::string request_id = RequestIdOf(req);
  if (action == "confirm" && !Param(req, "reason").empty()) {
    // A reason to reject sent with Confirm (a form of an older page, or a
    // hand-made request): confirming cannot be undone, so ask again.
    RefusedRejection refused{
        name, Param(req, "reason"),
        "you gave a reason to reject: press Reject to reject the payment, "
        "or clear the reason and press Confirm"};
    RenderPaymentsPage(res, *signed_in, *member, QueryParams(), 400, data(),
                       absl::OkStatus(), &refused);
    return;
  }
  if (action == "confirm") {
    v1::ConfirmPaymentRequest request;
    request.set_name(name);
    request.set_request_id(request_id);
    payment = signed_in->session.client->Call(
        &v1::LedgerService::Stub::ConfirmPayment, request);
  } else {
    v1::RejectPaymentRequest request;
    request.set_name(name);
    request.set_reason(Param(req, "reason"));
    request.set_request_id(request_id);
    payment = signed_in->session.client->Call(
        &v1::LedgerService::Stub::RejectPayment, request);
    if (payment.status().code() == absl::StatusCode::kInvalidArgument) {
      std::vector<FieldViolation> violations = ViolationsOf(payment.status());
      RefusedRejection refused{name, Param(req, "reason"),
                               violations.empty()
                                   ? UserMessageOf(payment.status())
                                   : violations.front().description};
      RenderPaymentsPage(res, *signed_in, *member, QueryParams(), 400, data(),
                         absl::OkStatus(), &refused);
      return;
    }
  }
  if (!payment.ok()) {
    WriteErrorPage(req, res, *signed_in, payment.status(), request_id);
    return;
  }
  sessions_.SetFlash(
      signed_in->id,
      absl::StrCat("Payment ", payment->name(), " ",
                   action == "confirm" ? "confirmed: it is in the balances"
                                       : "rejected"));
  res.status = 303;
  res.set_header("Location", PaymentsAddress(*member, signed_in->session));
  res.set_header("Cache-Control", "no-store");
}

// ---- settlement ----

namespace {

// Who records a payment of the plan: the payer's finance officer, or a
// manager when a party has withdrawn (as raa ledger settle says).
std::string RecordedBy(const v1::SettlementPayment& p) {
  return p.withdrawn().empty()
             ? std::string("payer")
             : absl::StrCat("a manager (", ShortAuthority(p.withdrawn()),
                            " has withdrawn)");
}

}  // namespace

void WebApp::GetSettlement(const httplib::Request& req,
                           httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireLedger(req, res);
  if (!signed_in.has_value()) return;
  absl::StatusOr<v1::SettlementPlan> plan = signed_in->session.client->Call(
      &v1::LedgerService::Stub::PlanSettlement, v1::PlanSettlementRequest());
  if (!plan.ok()) {
    ApiErrorPage(res, plan.status(), &*signed_in);
    return;
  }
  const std::string date = FormatDate(plan->as_of());
  if (req.path.ends_with(".csv")) {
    Csv csv({"AS OF", "PAYER", "PAYEE", "AMOUNT", "RECORDED BY"});
    for (const v1::SettlementPayment& p : plan->payments()) {
      csv.Add({date, ShortAuthority(p.payer()), ShortAuthority(p.payee()),
               CsvAmount(p.amount()), RecordedBy(p)});
    }
    csv.Send(res, absl::StrCat("settlement-", date, ".csv"));
    return;
  }
  data d = LayoutData("Settlement plan", &*signed_in);
  d.set("as_of", date);
  d.set("summary",
        absl::StrCat(
            plan->payment_count(),
            plan->payment_count() == 1 ? " payment clears" : " payments clear",
            " the balances of ", plan->members_with_balance(), " members (",
            Pounds(plan->total()), " in all)."));
  Table table({{.key = "payer", .label = "Payer"},
               {.key = "payee", .label = "Payee"},
               {.key = "amount", .label = "Amount", .numeric = true},
               {.key = "recorded_by", .label = "Recorded by"}});
  for (const v1::SettlementPayment& p : plan->payments()) {
    data row;
    row.set("payer", ShortAuthority(p.payer()));
    row.set("payee", ShortAuthority(p.payee()));
    row.set("amount", Pounds(p.amount()));
    row.set("recorded_by", RecordedBy(p));
    table.AddRow(std::move(row),
                 {ShortAuthority(p.payer()), ShortAuthority(p.payee()),
                  PenceOf(p.amount()), RecordedBy(p)});
  }
  d.set("payments_table", table.Render(req.params, "/ledger/settlement"));
  d.set("has_payments", plan->payments_size() > 0);
  RenderPage(res, 200, "finance_settlement", d);
}

// ---- budget ----

namespace {

std::string WarningText(v1::BudgetWarning warning, const std::string& what,
                        int percent) {
  switch (warning) {
    case v1::BUDGET_WARNING_NEAR:
      return absl::StrCat(what, " is ", FormatBudgetPercent(percent),
                          " of the budget: 75% or more of it is used.");
    case v1::BUDGET_WARNING_OVER:
      return absl::StrCat(what, " is ", FormatBudgetPercent(percent),
                          " of the budget: it is over the budget.");
    default:
      return "";
  }
}

}  // namespace

void WebApp::GetBudget(const httplib::Request& req, httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireLedger(req, res);
  if (!signed_in.has_value()) return;
  int year = FinancialYearOf(SystemClock().Today());
  std::string year_text = Param(req, "year");
  // The API reads 0 as this year: a page of "0-01" showing this year's
  // budget (stop 41's probe) is refused instead, as any year it refuses.
  if (!year_text.empty() &&
      (!absl::SimpleAtoi(year_text, &year) || year < 2000 || year > 2100)) {
    ErrorPage(res, 400, "That year was not accepted",
              "Give the financial year as its first year, 2000 to 2100, "
              "e.g. 2026.",
              &*signed_in);
    return;
  }
  std::optional<std::string> member =
      LedgerMemberOrErrorPage(res, *signed_in, Param(req, "member"));
  if (!member.has_value()) return;
  RenderBudgetPage(res, *signed_in, *member, req.params, year, 200,
                   std::nullopt, absl::OkStatus());
}

void WebApp::RenderBudgetPage(httplib::Response& res, const SignedIn& signed_in,
                              const std::string& member,
                              const QueryParams& params, int year, int status,
                              const std::optional<std::string>& typed,
                              const absl::Status& error) {
  const Session& session = signed_in.session;
  v1::GetBudgetRequest request;
  request.set_authority(member);
  request.set_financial_year(year);
  absl::StatusOr<v1::Budget> b =
      session.client->Call(&v1::LedgerService::Stub::GetBudget, request);
  if (!b.ok()) {
    ApiErrorPage(res, b.status(), &signed_in);
    return;
  }
  data d = LayoutData("Budget", &signed_in);
  if (!SetLedgerMember(res, signed_in, member, "/ledger/budget", d)) return;
  d.set("member", ShortAuthority(member));
  d.set("year", absl::StrCat(year));
  d.set("year_label", YearLabel(year));
  // The years either side: next year's budget is set before it starts.
  if (year > 2000) {
    d.set("previous_year", absl::StrCat(year - 1));
    d.set("previous_label", YearLabel(year - 1));
  }
  if (year < 2100) {
    d.set("next_year", absl::StrCat(year + 1));
    d.set("next_label", YearLabel(year + 1));
  }
  d.set("set", b->set());
  d.set("amount", Pounds(b->amount()));
  // The form shows what was typed when it was refused, else the budget.
  d.set("amount_value", typed.has_value() ? *typed
                        : b->set()        ? CsvPounds(PenceOf(b->amount()))
                                          : "");
  if (!error.ok()) {
    const FormField amount{"amount", "Budget"};
    SetFormErrors(d, error, FieldsByPath({{"amount", amount}}), amount,
                  /*beside_fallback=*/true);
  }
  d.set("committed", Pounds(b->committed()));
  d.set("forecast", Pounds(b->forecast()));
  d.set("committed_percent", FormatBudgetPercent(b->committed_percent()));
  d.set("forecast_percent", FormatBudgetPercent(b->forecast_percent()));
  data warnings = List();
  std::vector<std::string> texts = {
      WarningText(b->committed_warning(), "Committed", b->committed_percent()),
      WarningText(b->forecast_warning(), "The forecast",
                  b->forecast_percent())};
  // Without a budget any fee is over it, and no percentage means anything
  // (the words `raa ledger budget show` prints).
  if (!b->set() && (!texts[0].empty() || !texts[1].empty())) {
    texts = {absl::StrCat("No budget is set for ", YearLabel(year),
                          " and fees are committed or forecast.")};
  }
  for (const std::string& text : texts) {
    if (text.empty()) continue;
    data item;
    item.set("text", text);
    warnings.push_back(item);
  }
  d.set("warnings", warnings);
  Table pipeline({{.key = "link", .label = "Link"},
                  {.key = "payee", .label = "Payee"},
                  {.key = "children", .label = "Children", .numeric = true},
                  {.key = "fee", .label = "Fee", .numeric = true}});
  for (const v1::BudgetPipelineItem& item : b->pipeline()) {
    data row;
    row.set("link", item.link());
    row.set("payee", ShortAuthority(item.payee()));
    row.set("children", absl::StrCat(item.children()));
    row.set("amount", Pounds(item.amount()));
    pipeline.AddRow(std::move(row),
                    {item.link(), ShortAuthority(item.payee()),
                     int64_t{item.children()}, PenceOf(item.amount())});
  }
  // A refused form's page keeps the year and the member in its links.
  QueryParams kept = WithMember(params, member, session);
  if (!kept.contains("year")) kept.emplace("year", absl::StrCat(year));
  d.set("pipeline_table", pipeline.Render(kept, "/ledger/budget"));
  d.set("has_pipeline", b->pipeline_size() > 0);
  RenderPage(res, status, "finance_budget", d);
}

void WebApp::PostBudget(const httplib::Request& req, httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireLedger(req, res);
  if (!signed_in.has_value()) return;
  if (!CheckCsrf(req, res, *signed_in)) return;
  int year = 0;
  if (!absl::SimpleAtoi(Param(req, "year"), &year)) {
    ErrorPage(res, 400, "That budget was not accepted",
              "The form did not name a year.", &*signed_in);
    return;
  }
  std::optional<std::string> member =
      LedgerMemberOrErrorPage(res, *signed_in, Param(req, "member"));
  if (!member.has_value()) return;
  const std::string typed = Param(req, "amount");
  absl::StatusOr<int64_t> pence = ParsePounds(typed);
  if (!pence.ok()) {
    RenderBudgetPage(res, *signed_in, *member, QueryParams(), year, 400, typed,
                     InvalidField("amount", pence.status().message()));
    return;
  }
  v1::SetBudgetRequest request;
  request.set_authority(*member);
  request.set_financial_year(year);
  *request.mutable_amount() = ToMoney(*pence);
  request.set_request_id(RequestIdOf(req));
  absl::StatusOr<v1::Budget> b = signed_in->session.client->Call(
      &v1::LedgerService::Stub::SetBudget, request);
  if (b.status().code() == absl::StatusCode::kInvalidArgument) {
    RenderBudgetPage(res, *signed_in, *member, QueryParams(), year, 400, typed,
                     b.status());
    return;
  }
  if (!b.ok()) {
    WriteErrorPage(req, res, *signed_in, b.status(), request.request_id());
    return;
  }
  sessions_.SetFlash(
      signed_in->id,
      absl::StrCat("Budget of ", ShortAuthority(*member), " for ",
                   YearLabel(year), " set to ", Pounds(b->amount())));
  res.status = 303;
  res.set_header("Location",
                 *member == signed_in->session.authority
                     ? absl::StrCat("/ledger/budget?year=", year)
                     : absl::StrCat("/ledger/budget?year=", year,
                                    "&member=", ShortAuthority(*member)));
  res.set_header("Cache-Control", "no-store");
}

// ---- reconciliation ----

namespace {

// One row of the reconciliation table: `result` is what it is ("matched",
// "differs", "only in the service", "only in your books").
// The columns of a reconciliation's lines, on the page and in its CSV (as
// `raa --csv ledger reconcile`).
constexpr const char* kReconcileColumns[] = {
    "result",    "row",   "entry",   "date",       "counterparty",
    "reference", "books", "service", "difference", "problem"};

// One line of either side, its amounts written by `amount` (pounds for the
// page, plain numbers for the CSV).
std::vector<std::string> ReconcileCells(
    const std::string& result, const v1::ReconcileItem* books,
    const v1::ReconcileItem* journal, const google::type::Money* difference,
    std::string (*amount)(const google::type::Money&)) {
  const v1::ReconcileItem& item = books != nullptr ? *books : *journal;
  return {result,
          books != nullptr ? absl::StrCat(books->row()) : "",
          journal != nullptr ? std::string(absl::StripPrefix(journal->entry(),
                                                             "ledger/entries/"))
                             : "",
          FormatDate(item.date()),
          ShortAuthority(item.counterparty()),
          item.reference(),
          books != nullptr ? amount(books->amount()) : "",
          journal != nullptr ? amount(journal->amount()) : "",
          difference != nullptr ? amount(*difference) : "",
          ""};
}

// Every line of `r`, in the order the page shows them: matched, differing,
// only in the service, only in your books; then, for the CSV, the rows that
// could not be read.
std::vector<std::vector<std::string>> ReconcileLines(
    const v1::Reconciliation& r,
    std::string (*amount)(const google::type::Money&), bool unreadable) {
  std::vector<std::vector<std::string>> lines;
  for (const v1::ReconcilePair& p : r.matched()) {
    lines.push_back(ReconcileCells("matched", &p.books(), &p.journal(),
                                   &p.difference(), amount));
  }
  for (const v1::ReconcilePair& p : r.differing()) {
    lines.push_back(ReconcileCells("differs", &p.books(), &p.journal(),
                                   &p.difference(), amount));
  }
  for (const v1::ReconcileItem& item : r.only_in_journal()) {
    lines.push_back(
        ReconcileCells("only in the service", nullptr, &item, nullptr, amount));
  }
  for (const v1::ReconcileItem& item : r.only_in_books()) {
    lines.push_back(
        ReconcileCells("only in your books", &item, nullptr, nullptr, amount));
  }
  if (unreadable) {
    for (const v1::UnreadableRow& u : r.unreadable()) {
      lines.push_back(
          {"unreadable", absl::StrCat(u.row()), "", "", "", "", "", "", "",
           u.column().empty() ? u.reason()
                              : absl::StrCat(u.column(), ": ", u.reason())});
    }
  }
  return lines;
}

}  // namespace

void WebApp::GetReconcile(const httplib::Request& req, httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireLedger(req, res);
  if (!signed_in.has_value()) return;
  std::optional<std::string> member =
      LedgerMemberOrErrorPage(res, *signed_in, Param(req, "member"));
  if (!member.has_value()) return;
  // The same permission as the reconciliation itself: a key that may not
  // see the member's ledger gets the API's 403 here too.
  v1::GetBudgetRequest probe;
  probe.set_authority(*member);
  absl::StatusOr<v1::Budget> b = signed_in->session.client->Call(
      &v1::LedgerService::Stub::GetBudget, probe);
  if (!b.ok()) {
    ApiErrorPage(res, b.status(), &*signed_in);
    return;
  }
  data d = LayoutData("Reconcile with your books", &*signed_in);
  if (!SetLedgerMember(res, *signed_in, *member, "/ledger/reconcile", d)) {
    return;
  }
  d.set("member", ShortAuthority(*member));
  RenderPage(res, 200, "finance_reconcile", d);
}

void WebApp::PostReconcile(const httplib::Request& req,
                           httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireLedger(req, res);
  if (!signed_in.has_value()) return;
  if (!CheckCsrf(req, res, *signed_in)) return;
  auto part = [&req](const char* name) {
    return req.has_file(name) ? req.get_file_value(name).content
                              : std::string();
  };
  std::optional<std::string> member =
      LedgerMemberOrErrorPage(res, *signed_in, part("member"));
  if (!member.has_value()) return;
  data d = LayoutData("Reconcile with your books", &*signed_in);
  if (!SetLedgerMember(res, *signed_in, *member, "/ledger/reconcile", d)) {
    return;
  }
  d.set("member", ShortAuthority(*member));
  d.set("from", part("from"));
  d.set("to", part("to"));
  FieldErrors errors;
  v1::ReconcileRequest request;
  request.set_authority(*member);
  std::optional<google::type::Date> from = ParseDate(part("from"));
  std::optional<google::type::Date> to = ParseDate(part("to"));
  if (!from.has_value()) errors.Add("from", "must be a date YYYY-MM-DD");
  if (!to.has_value()) errors.Add("to", "must be a date YYYY-MM-DD");
  std::string csv = part("books");
  if (csv.empty()) errors.Add("books", "choose your books' CSV file");
  if (csv.starts_with("\xEF\xBB\xBF")) csv.erase(0, 3);
  absl::Status status = errors.ToStatus();
  absl::StatusOr<v1::Reconciliation> r;
  if (status.ok()) {
    *request.mutable_from() = *from;
    *request.mutable_to() = *to;
    request.set_csv(std::move(csv));
    r = signed_in->session.client->Call(&v1::LedgerService::Stub::Reconcile,
                                        request);
    if (!r.ok()) status = r.status();
  }
  if (!status.ok()) {
    if (HttpStatusOf(status) != 400) {
      ApiErrorPage(res, status, &*signed_in);
      return;
    }
    const FormField books{"books", "Your books"};
    SetFormErrors(d, status,
                  FieldsByPath({{"books", books},
                                {"csv", books},
                                {"from", {"from", "From"}},
                                {"to", {"to", "To"}}}),
                  books, /*beside_fallback=*/true);
    RenderPage(res, 400, "finance_reconcile", d);
    return;
  }
  if (part("format") == "csv") {
    std::vector<std::string> header;
    for (const char* column : kReconcileColumns) {
      header.push_back(absl::AsciiStrToUpper(column));
    }
    Csv out(header);
    for (const auto& line : ReconcileLines(*r, &CsvAmount, true)) {
      out.Add(line);
    }
    out.Send(res, absl::StrCat("reconciliation-", ShortAuthority(*member), "-",
                               FormatDate(r->from()), ".csv"));
    return;
  }
  data rows = List();
  for (const auto& line : ReconcileLines(*r, &Pounds, false)) {
    data row;
    for (size_t i = 0; i < line.size(); ++i) {
      row.set(kReconcileColumns[i], line[i]);
    }
    rows.push_back(row);
  }
  data unreadable = List();
  for (const v1::UnreadableRow& u : r->unreadable()) {
    data row;
    row.set("row", absl::StrCat(u.row()));
    row.set("column", u.column());
    row.set("reason", u.reason());
    unreadable.push_back(row);
  }
  data result;
  result.set("rows", rows);
  result.set("has_rows", !rows.is_empty_list());
  result.set("unreadable", unreadable);
  result.set("has_unreadable", r->unreadable_size() > 0);
  result.set("period",
             absl::StrCat(FormatDate(r->from()), " to ", FormatDate(r->to())));
  result.set("counts",
             absl::StrCat(r->rows_read(), " rows read: ", r->matched_size(),
                          " matched, ", r->differing_size(), " differ, ",
                          r->only_in_journal_size(), " only in the service, ",
                          r->only_in_books_size(), " only in your books, ",
                          r->unreadable_size(), " unreadable."));
  result.set("journal_total", Pounds(r->journal_total()));
  result.set("books_total", Pounds(r->books_total()));
  result.set("difference", Pounds(r->difference()));
  d.set("result", result);
  RenderPage(res, 200, "finance_reconcile", d);
}

}  // namespace raa::web
