#include "services/ledger/ledger.h"

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/dates.h"
#include "common/errors.h"
#include "common/free_text.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/type/money.pb.h"
#include "services/auth/rules.h"
#include "services/ledger/budget_alerts.h"
#include "services/ledger/fee_accrual.h"
#include "services/ledger/ledger_rows.h"
#include "services/ledger/ledger_rules.h"
#include "services/ledger/reconcile.h"
#include "services/registry/registry_rows.h"
#include "services/store/paging.h"

namespace raa {
namespace {

using ledger_rules::Pence;
using ledger_rules::ToMoney;

// Every amount in `message` with its currency spelt out: an empty
// currency_code is GBP (ledger.proto), and is stored and compared as such.
void SpellOutCurrencies(google::protobuf::Message& message) {
  if (auto* money = dynamic_cast<google::type::Money*>(&message)) {
    if (money->currency_code().empty()) money->set_currency_code("GBP");
    return;
  }
  const google::protobuf::Reflection* reflection = message.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const google::protobuf::FieldDescriptor* field : fields) {
    if (field->cpp_type() !=
        google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
      continue;
    }
    if (field->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
        SpellOutCurrencies(
            *reflection->MutableRepeatedMessage(&message, field, i));
      }
    } else {
      SpellOutCurrencies(*reflection->MutableMessage(&message, field));
    }
  }
}

// The key a ledger write's retries are known by: its amounts' currencies
// spelt out, so that "" and "GBP" are the same request.
RequestKey LedgerRequestKey(const std::string& scope,
                            const google::protobuf::Message& request) {
  std::unique_ptr<google::protobuf::Message> keyed(request.New());
  keyed->CopyFrom(request);
  SpellOutCurrencies(*keyed);
  RequestKey key = MakeRequestKey(scope, *keyed);
  // A request stored before the currencies were spelt out was keyed as
  // sent: its retry, sent the same, still matches.
  std::string as_sent = MakeRequestKey(scope, request).body_hash;
  if (as_sent != key.body_hash) key.earlier_body_hash = std::move(as_sent);
  return key;
}

// The first day of the ledger's first financial year (2000-01, as
// budgets and statements take years 2000-2100).
constexpr absl::CivilDay kEarliestLedgerDay(2000, 4, 1);

// Below gRPC's 4 MiB message limit, so that a file too large is this
// field's error, not the transport's.
constexpr size_t kMaxCsvBytes = 3 << 20;
// The most a comparison may take: a client's default receive limit (4 MiB,
// the gRPC default) less room for the message's framing. It echoes the
// books' rows and adds the journal's, so a file under kMaxCsvBytes can
// need more.
constexpr size_t kMaxReconciliationBytes = (4 << 20) - 1024;
// A payment's reference: 1-60 printable characters on one line, none of
// them invisible but the space.
constexpr FreeTextRule kPaymentReference{
    .min_chars = 1, .max_chars = 60, .visible_only = true};

bool IsManager(const Caller& caller) {
  return caller.Has(v1::ROLE_MANAGER) && !caller.withdrawn;
}

std::string Day(absl::CivilDay day) { return absl::FormatCivilTime(day); }

// An optional date field: nullopt if unset (or malformed, with an error).
std::optional<absl::CivilDay> DateField(const google::type::Date& date,
                                        absl::string_view field, bool required,
                                        FieldErrors& errors) {
  if (IsUnset(date)) {
    if (required) errors.Add(field, "is required");
    return std::nullopt;
  }
  std::optional<absl::CivilDay> day = ToCivilDay(date);
  if (!day.has_value()) errors.Add(field, "is not a real date");
  return day;
}

// An authorities/{a} field: the id, or "" (with an error when required or
// malformed).
std::string AuthorityField(absl::string_view name, absl::string_view field,
                           bool required, FieldErrors& errors) {
  if (name.empty()) {
    if (required) errors.Add(field, "is required: authorities/{authority}");
    return "";
  }
  absl::StatusOr<std::string> id = ParseAuthorityName(name, field);
  errors.AddAll(id.status());
  return id.ok() ? *id : "";
}

void YearField(int year, absl::string_view field, FieldErrors& errors) {
  if (year < 2000 || year > 2100) {
    errors.Add(field, "give the year its April falls in, 2000-2100");
  }
}

absl::Status NotYours(const Caller& caller, absl::string_view what) {
  return absl::PermissionDeniedError(
      caller.withdrawn && !caller.Has(v1::ROLE_FINANCE)
          ? WithdrawnMessage(caller)
          : absl::StrCat("a finance officer of ", caller.authority_id,
                         " sees only ", caller.authority_id, "'s ", what));
}

// The member a read is about: `authority` if given (the caller must see its
// ledger), else the caller's own for a finance officer; "" (everything) for
// a manager who named none.
absl::StatusOr<std::string> ReadScope(const Caller& caller,
                                      const std::string& authority,
                                      absl::string_view what) {
  if (authority.empty()) {
    if (IsManager(caller)) return std::string();
    return InvalidField("authority",
                        absl::StrCat("is required for a finance officer: "
                                     "give authorities/",
                                     caller.authority_id));
  }
  if (!CanSeeLedgerOf(caller, authority, authority)) {
    return NotYours(caller, what);
  }
  return authority;
}

// The member must exist (NOT_FOUND otherwise); with `active`, it must also
// still be in the consortium (FAILED_PRECONDITION otherwise). `field` names
// the request's field in the message.
absl::StatusOr<v1::Authority> Member(Store& store, const std::string& id,
                                     absl::string_view field, bool active) {
  ASSIGN_OR_RETURN(v1::Authority a,
                   registry_rows::RequireMember(store, id, field));
  if (active && a.status() != v1::AUTHORITY_STATUS_ACTIVE) {
    return absl::FailedPreconditionError(absl::StrCat(
        field, ": ", AuthorityName(id), " has withdrawn from the consortium"));
  }
  return a;
}

// `entry`'s effect on `authority`'s position.
Pence SignedFor(const v1::Entry& entry, absl::string_view authority,
                Pence amount) {
  return AuthorityOf(entry.credit()) == authority ? amount : -amount;
}

Pence PenceOf(const google::type::Money& money) {
  FieldErrors ignored;
  return ledger_rules::FromMoney(money, "amount", ignored);
}

int64_t IdOfName(absl::string_view name) {
  const size_t at = name.find_last_not_of("0123456789");
  int64_t id = 0;
  if (at == absl::string_view::npos || at + 1 >= name.size()) return 0;
  for (char c : name.substr(at + 1)) id = id * 10 + (c - '0');
  return id;
}

}  // namespace

absl::Status Ledger::Usable() const {
  if (refused_.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "the ledger is closed: the start-up audit found the journal and the "
      "balances disagree (",
      refused_, "); an operator must repair it (docs/operator.md)"));
}

// ---- fee schedules ----

absl::StatusOr<v1::FeeSchedule> Ledger::GetFeeSchedule(
    const Caller&, const v1::GetFeeScheduleRequest& request) {
  RETURN_IF_ERROR(Usable());
  FieldErrors errors;
  std::optional<absl::CivilDay> as_of =
      DateField(request.as_of(), "as_of", false, errors);
  RETURN_IF_ERROR(errors.ToStatus());
  const absl::CivilDay day = as_of.value_or(clock_.Today());
  ASSIGN_OR_RETURN(std::vector<v1::FeeSchedule> schedules,
                   ledger_rows::Schedules(store_));
  const v1::FeeSchedule* s = ledger_rules::ScheduleFor(schedules, day);
  if (s == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("no fee schedule is in force on ", Day(day),
                     ": a manager adds one with `raa ledger schedule add`"));
  }
  v1::FeeSchedule out = *s;
  SpellOutCurrencies(out);  // one stored before they were spelt out
  return out;
}

absl::StatusOr<v1::ListFeeSchedulesResponse> Ledger::ListFeeSchedules(
    const Caller&, const v1::ListFeeSchedulesRequest&) {
  RETURN_IF_ERROR(Usable());
  ASSIGN_OR_RETURN(std::vector<v1::FeeSchedule> schedules,
                   ledger_rows::Schedules(store_));
  v1::ListFeeSchedulesResponse out;
  for (v1::FeeSchedule& s : schedules) *out.add_schedules() = std::move(s);
  SpellOutCurrencies(out);  // those stored before they were spelt out
  return out;
}

absl::StatusOr<v1::FeeSchedule> Ledger::AddFeeSchedule(
    const Caller& caller, const v1::AddFeeScheduleRequest& request) {
  RETURN_IF_ERROR(Usable());
  v1::FeeSchedule schedule = request.schedule();
  SpellOutCurrencies(schedule);
  schedule.clear_version();
  schedule.clear_create_time();
  schedule.clear_created_by();
  // The input alone here; its order against the latest schedule is checked
  // in the write, after the request id, so that a retry gets its first
  // answer even once a later schedule exists.
  FieldErrors errors;
  ledger_rules::ValidateSchedule(schedule, nullptr, "schedule", errors);
  // A mistyped year (2062 for 2026) would otherwise refuse every later
  // schedule: schedules are never removed.
  if (std::optional<absl::CivilDay> from =
          ToCivilDay(schedule.effective_from());
      from.has_value() && *from > clock_.Today() + 2 * 366) {
    errors.Add("schedule.effective_from",
               absl::StrCat(Day(*from),
                            " is more than two years ahead; schedules are "
                            "added for the next uprating, not beyond"));
  }
  ValidateRequestId(request.request_id(), errors);
  RETURN_IF_ERROR(errors.ToStatus());
  if (!IsManager(caller)) {
    return absl::PermissionDeniedError(
        caller.withdrawn ? WithdrawnMessage(caller)
                         : "a fee schedule is added by a manager");
  }
  ASSIGN_OR_RETURN(
      auto written,
      store_.Write<v1::FeeSchedule>(
          LedgerRequestKey(caller.authority_id, request),
          [&](StoreTx& tx) -> absl::StatusOr<v1::FeeSchedule> {
            // Checked again against the latest schedule as it is now.
            ASSIGN_OR_RETURN(std::vector<v1::FeeSchedule> now,
                             ledger_rows::Schedules(tx));
            FieldErrors late;
            ledger_rules::ValidateSchedule(schedule,
                                           now.empty() ? nullptr : &now.back(),
                                           "schedule", late);
            RETURN_IF_ERROR(late.ToStatus());
            // Nor on or before a fee already charged: a fee charged is
            // never re-priced, and no placement is priced two ways.
            ASSIGN_OR_RETURN(std::optional<ledger_rows::LatestFee> charged,
                             ledger_rows::LatestFeeCharged(tx));
            const absl::CivilDay from = *ToCivilDay(schedule.effective_from());
            if (charged.has_value() && from <= charged->placed_on) {
              return InvalidField(
                  "schedule.effective_from",
                  absl::StrCat(
                      Day(from), " is not after ", Day(charged->placed_on),
                      ", the placement date of the latest fee charged (",
                      LedgerEntryName(charged->entry_id), ", ",
                      LinkName(charged->link_id),
                      "): a fee charged is never re-priced, so a new "
                      "schedule starts on ",
                      Day(charged->placed_on + 1),
                      " or later. Add a schedule before the placements it "
                      "prices are recorded"));
            }
            return ledger_rows::InsertSchedule(tx, schedule,
                                               caller.authority_id);
          }));
  return written.value;
}

// ---- the journal ----

absl::StatusOr<v1::ListEntriesResponse> Ledger::ListEntries(
    const Caller& caller, const v1::ListEntriesRequest& request) {
  RETURN_IF_ERROR(Usable());
  FieldErrors errors;
  ledger_rows::EntryFilter filter;
  const std::string authority =
      AuthorityField(request.authority(), "authority", false, errors);
  filter.counterparty =
      AuthorityField(request.counterparty(), "counterparty", false, errors);
  if (!v1::EntryType_IsValid(request.type())) {
    errors.Add("type", "is not an entry type");
  }
  filter.type = request.type();
  filter.from = DateField(request.from(), "from", false, errors);
  filter.to = DateField(request.to(), "to", false, errors);
  if (filter.from.has_value() && filter.to.has_value() &&
      *filter.from > *filter.to) {
    errors.Add("to", "is before from");
  }
  if (!request.link().empty()) {
    absl::StatusOr<int64_t> link = ParseLinkName(request.link(), "link");
    errors.AddAll(link.status());
    if (link.ok()) filter.link_id = *link;
  }
  absl::StatusOr<PageCursor> cursor =
      ReadPageRequest(request.page_size(), request.page_token());
  errors.AddAll(cursor.status());
  RETURN_IF_ERROR(errors.ToStatus());
  ASSIGN_OR_RETURN(filter.authority, ReadScope(caller, authority, "entries"));
  if (!filter.counterparty.empty() && filter.counterparty == filter.authority) {
    return InvalidField(
        "counterparty",
        absl::StrCat(AuthorityName(filter.counterparty),
                     " is the member whose entries these are: "
                     "an entry's other side is another member"));
  }
  // A member named that is not one is NOT_FOUND, as for a statement.
  if (!authority.empty()) {
    RETURN_IF_ERROR(Member(store_, authority, "authority", false).status());
  }
  if (!filter.counterparty.empty()) {
    RETURN_IF_ERROR(
        Member(store_, filter.counterparty, "counterparty", false).status());
  }
  ASSIGN_OR_RETURN(
      Page<v1::Entry> page,
      ledger_rows::ListEntries(store_, filter,
                               PageRequest{cursor->page_size, cursor->after}));
  v1::ListEntriesResponse out;
  for (v1::Entry& e : page.items) {
    // Never another pair's entry (the filter already keeps the caller's).
    if (!CanSeeLedgerOf(caller, AuthorityOf(e.debit()),
                        AuthorityOf(e.credit()))) {
      continue;
    }
    *out.add_entries() = std::move(e);
  }
  out.set_next_page_token(NextPageToken(page.next_after));
  return out;
}

absl::StatusOr<v1::Balances> Ledger::GetBalances(
    const Caller& caller, const v1::GetBalancesRequest& request) {
  RETURN_IF_ERROR(Usable());
  FieldErrors errors;
  std::optional<absl::CivilDay> as_of =
      DateField(request.as_of(), "as_of", false, errors);
  RETURN_IF_ERROR(errors.ToStatus());
  const absl::CivilDay day = as_of.value_or(clock_.Today());
  const bool all = IsManager(caller);
  if (!all &&
      !CanSeeLedgerOf(caller, caller.authority_id, caller.authority_id)) {
    return NotYours(caller, "ledger");
  }
  ASSIGN_OR_RETURN(std::vector<ledger_rules::JournalEntry> journal,
                   ledger_rows::JournalSums(store_, day));
  ASSIGN_OR_RETURN(std::vector<ledger_rows::PaymentRow> pending,
                   ledger_rows::PendingPayments(store_));
  const ledger_rules::Positions positions =
      ledger_rules::PositionsOf(journal, day);
  std::map<std::string, std::pair<Pence, Pence>> pend;  // out, in
  for (const ledger_rows::PaymentRow& p : pending) {
    pend[p.payer].first += p.pence;
    pend[p.payee].second += p.pence;
  }
  v1::Balances out;
  *out.mutable_as_of() = ToDate(day);
  Pence owed = 0, fees = 0, payments = 0;
  int with_balance = 0;
  std::set<std::string> listed;
  for (const auto& [id, pence] : positions) {
    if (pence > 0) owed += pence;
    if (pence != 0) ++with_balance;
    if (!all && id != caller.authority_id) continue;
    listed.insert(id);
    v1::MemberPosition* m = out.add_positions();
    m->set_authority(AuthorityName(id));
    *m->mutable_position() = ToMoney(pence);
    *m->mutable_pending_out() = ToMoney(pend[id].first);
    *m->mutable_pending_in() = ToMoney(pend[id].second);
  }
  // A finance officer with no entries yet still sees its own line.
  if (!all && listed.empty()) {
    v1::MemberPosition* m = out.add_positions();
    m->set_authority(AuthorityName(caller.authority_id));
    *m->mutable_position() = ToMoney(0);
    *m->mutable_pending_out() = ToMoney(pend[caller.authority_id].first);
    *m->mutable_pending_in() = ToMoney(pend[caller.authority_id].second);
  }
  for (const ledger_rules::JournalEntry& e : journal) {
    switch (e.type) {
      case v1::ENTRY_TYPE_FEE:
      case v1::ENTRY_TYPE_MONTHLY_FEE:
        fees += e.amount;
        break;
      case v1::ENTRY_TYPE_REVERSAL:
        fees -= e.amount;
        break;
      case v1::ENTRY_TYPE_PAYMENT:
        payments += e.amount;
        break;
      default:
        break;
    }
  }
  for (const ledger_rules::Debt& d :
       ledger_rules::PairwiseDebts(journal, day)) {
    if (!all && d.debtor != caller.authority_id &&
        d.creditor != caller.authority_id) {
      continue;
    }
    v1::Debt* out_debt = out.add_debts();
    out_debt->set_debtor(AuthorityName(d.debtor));
    out_debt->set_creditor(AuthorityName(d.creditor));
    *out_debt->mutable_amount() = ToMoney(d.amount);
  }
  *out.mutable_total_owed() = ToMoney(owed);
  *out.mutable_total_fees() = ToMoney(fees);
  *out.mutable_total_payments() = ToMoney(payments);
  out.set_members_with_balance(with_balance);
  return out;
}

absl::StatusOr<v1::Statement> Ledger::GetStatement(
    const Caller& caller, const v1::GetStatementRequest& request) {
  RETURN_IF_ERROR(Usable());
  FieldErrors errors;
  const std::string authority =
      AuthorityField(request.authority(), "authority", true, errors);
  std::optional<absl::CivilDay> from =
      DateField(request.from(), "from", false, errors);
  std::optional<absl::CivilDay> to =
      DateField(request.to(), "to", false, errors);
  const bool period = !IsUnset(request.from()) || !IsUnset(request.to());
  if (request.financial_year() != 0 && period) {
    errors.Add("financial_year",
               "give a financial year or from and to, not both");
  } else if (request.financial_year() != 0) {
    YearField(request.financial_year(), "financial_year", errors);
  } else if (!period) {
    errors.Add("financial_year", "give a financial year or from and to");
  } else {
    if (IsUnset(request.from())) errors.Add("from", "is required with to");
    if (IsUnset(request.to())) errors.Add("to", "is required with from");
    if (from.has_value() && to.has_value() && *from > *to) {
      errors.Add("to", "is before from");
    }
  }
  RETURN_IF_ERROR(errors.ToStatus());
  if (!CanSeeLedgerOf(caller, authority, authority)) {
    return NotYours(caller, "statement");
  }
  RETURN_IF_ERROR(Member(store_, authority, "authority", false).status());
  if (request.financial_year() != 0) {
    std::tie(from, to) = ledger_rules::FinancialYear(request.financial_year());
  }
  ASSIGN_OR_RETURN(Pence opening,
                   ledger_rows::PositionBefore(store_, authority, *from));
  ASSIGN_OR_RETURN(std::vector<v1::Entry> entries,
                   ledger_rows::EntriesOf(store_, authority, *from, *to));
  ASSIGN_OR_RETURN(std::vector<ledger_rows::PaymentRow> pending,
                   ledger_rows::PendingPayments(store_));
  v1::Statement out;
  out.set_authority(AuthorityName(authority));
  *out.mutable_from() = ToDate(*from);
  *out.mutable_to() = ToDate(*to);
  *out.mutable_opening_balance() = ToMoney(opening);
  Pence balance = opening;
  for (v1::Entry& e : entries) {
    const Pence signed_amount = SignedFor(e, authority, PenceOf(e.amount()));
    balance += signed_amount;
    v1::StatementLine* line = out.add_lines();
    *line->mutable_amount() = ToMoney(signed_amount);
    *line->mutable_balance() = ToMoney(balance);
    *line->mutable_entry() = std::move(e);
  }
  *out.mutable_closing_balance() = ToMoney(balance);
  for (const ledger_rows::PaymentRow& p : pending) {
    if (p.payer == authority || p.payee == authority) {
      *out.add_pending() = ledger_rows::PaymentOf(p);
    }
  }
  return out;
}

absl::StatusOr<v1::SalesAndPurchases> Ledger::GetSalesAndPurchases(
    const Caller& caller, const v1::GetSalesAndPurchasesRequest& request) {
  RETURN_IF_ERROR(Usable());
  FieldErrors errors;
  const std::string authority =
      AuthorityField(request.authority(), "authority", true, errors);
  YearField(request.financial_year(), "financial_year", errors);
  RETURN_IF_ERROR(errors.ToStatus());
  if (!CanSeeLedgerOf(caller, authority, authority)) {
    return NotYours(caller, "sales and purchases");
  }
  RETURN_IF_ERROR(Member(store_, authority, "authority", false).status());
  const auto [from, to] = ledger_rules::FinancialYear(request.financial_year());
  ASSIGN_OR_RETURN(std::vector<v1::Entry> entries,
                   ledger_rows::EntriesOf(store_, authority, from, to));
  ASSIGN_OR_RETURN(std::vector<ledger_rows::PlacementRow> placements,
                   ledger_rows::Placements(store_));
  std::map<int64_t, const ledger_rows::PlacementRow*> by_link;
  for (const ledger_rows::PlacementRow& p : placements) {
    by_link[p.link_id] = &p;
  }
  std::map<int64_t, Pence> net;  // by link, signed for the member
  for (const v1::Entry& e : entries) {
    if (e.link().empty()) continue;
    if (e.type() != v1::ENTRY_TYPE_FEE &&
        e.type() != v1::ENTRY_TYPE_MONTHLY_FEE &&
        e.type() != v1::ENTRY_TYPE_REVERSAL) {
      continue;
    }
    net[IdOfName(e.link())] += SignedFor(e, authority, PenceOf(e.amount()));
  }
  v1::SalesAndPurchases out;
  out.set_authority(AuthorityName(authority));
  out.set_financial_year(request.financial_year());
  Pence sales = 0, purchases = 0;
  for (const auto& [link, pence] : net) {
    auto it = by_link.find(link);
    if (it == by_link.end()) continue;
    const ledger_rows::PlacementRow& p = *it->second;
    // A placement whose date was corrected out of the year nets to nothing
    // in it: it is the other year's.
    if (pence == 0 && (!p.placed_on.has_value() || *p.placed_on < from ||
                       *p.placed_on > to)) {
      continue;
    }
    const bool sale = p.payee == authority;
    v1::PlacementTrade* t = sale ? out.add_sales() : out.add_purchases();
    t->set_link(LinkName(link));
    t->set_counterparty(AuthorityName(sale ? p.payer : p.payee));
    t->set_children(p.children);
    if (p.placed_on.has_value()) *t->mutable_placed_on() = ToDate(*p.placed_on);
    const Pence amount = sale ? pence : -pence;
    *t->mutable_amount() = ToMoney(amount);
    (sale ? sales : purchases) += amount;
  }
  *out.mutable_sales_total() = ToMoney(sales);
  *out.mutable_purchases_total() = ToMoney(purchases);
  *out.mutable_net() = ToMoney(sales - purchases);
  return out;
}

// ---- payments ----

absl::StatusOr<v1::Payment> Ledger::RecordPayment(
    const Caller& caller, const v1::RecordPaymentRequest& request) {
  RETURN_IF_ERROR(Usable());
  FieldErrors errors;
  const std::string payer =
      AuthorityField(request.payer(), "payer", true, errors);
  const std::string payee =
      AuthorityField(request.payee(), "payee", true, errors);
  if (!payer.empty() && payer == payee) {
    errors.Add("payee", "is the payer: a member cannot pay itself");
  }
  Pence pence = 0;
  if (!request.has_amount()) {
    errors.Add("amount", "is required");
  } else {
    FieldErrors money;
    pence = ledger_rules::FromMoney(request.amount(), "amount", money);
    errors.Merge(money);
    if (money.empty() && pence <= 0) {
      errors.Add("amount", "must be more than zero");
    }
  }
  const absl::CivilDay today = clock_.Today();
  std::optional<absl::CivilDay> paid_on =
      DateField(request.paid_on(), "paid_on", false, errors);
  if (paid_on.has_value() && *paid_on > today) {
    errors.Add("paid_on", absl::StrCat(Day(*paid_on), " is in the future"));
  } else if (paid_on.has_value() && *paid_on < kEarliestLedgerDay) {
    errors.Add("paid_on", absl::StrCat(Day(*paid_on), " is before ",
                                       Day(kEarliestLedgerDay),
                                       ", the ledger's first financial year"));
  }
  CheckFreeText(request.reference(), "reference", kPaymentReference, errors);
  ValidateRequestId(request.request_id(), errors);
  RETURN_IF_ERROR(errors.ToStatus());
  // A manager may settle a balance with a member that has withdrawn; its
  // own finance officers no longer can (CanRecordPaymentFor).
  const bool settling = IsManager(caller);
  RETURN_IF_ERROR(Member(store_, payer, "payer", !settling).status());
  RETURN_IF_ERROR(Member(store_, payee, "payee", !settling).status());
  if (!CanRecordPaymentFor(caller, payer, payee)) {
    return absl::PermissionDeniedError(
        caller.withdrawn
            ? WithdrawnMessage(caller)
            : absl::StrCat("a payment is recorded by the payer's finance "
                           "officer (",
                           payer, ") or a manager"));
  }
  ASSIGN_OR_RETURN(
      auto written,
      store_.Write<v1::Payment>(
          LedgerRequestKey(caller.authority_id, request),
          [&](StoreTx& tx) -> absl::StatusOr<v1::Payment> {
            // Due: what the payer owes the payee, or, for a payment of a
            // settlement plan (netted across members), what it owes in all
            // — whichever is more, less its payments still pending.
            ASSIGN_OR_RETURN(Pence owed,
                             ledger_rows::OwedBetween(tx, payer, payee));
            ASSIGN_OR_RETURN(Pence position, ledger_rows::Balance(tx, payer));
            ASSIGN_OR_RETURN(std::vector<ledger_rows::PaymentRow> pending,
                             ledger_rows::PendingPayments(tx));
            Pence on_the_way = 0;
            Pence all_on_the_way = 0;
            for (const ledger_rows::PaymentRow& p : pending) {
              if (p.payer != payer) continue;
              all_on_the_way += p.pence;
              if (p.payee == payee) on_the_way += p.pence;
            }
            const Pence due = std::max<Pence>(
                {0, owed - on_the_way, -position - all_on_the_way});
            const bool over = pence > due;
            if (over && !request.allow_overpayment()) {
              return absl::FailedPreconditionError(absl::StrCat(
                  AuthorityName(payer), " owes ", AuthorityName(payee), " ",
                  Pounds(std::max<Pence>(0, owed)), " net and ",
                  Pounds(std::max<Pence>(0, -position)),
                  " in all (its position)",
                  all_on_the_way > 0
                      ? absl::StrCat(", less ", Pounds(all_on_the_way),
                                     " in its pending payments")
                      : "",
                  ": paying ", Pounds(pence),
                  " is more; set allow_overpayment to pay it anyway (the "
                  "excess shows as a credit)"));
            }
            ledger_rows::PaymentRow row;
            row.payer = payer;
            row.payee = payee;
            row.pence = pence;
            row.paid_on = paid_on.value_or(today);
            row.reference = request.reference();
            row.overpayment = over;
            row.recorded_by = caller.authority_id;
            row.key_id = caller.key_id;
            ASSIGN_OR_RETURN(int64_t id, ledger_rows::InsertPayment(tx, row));
            ASSIGN_OR_RETURN(ledger_rows::PaymentRow stored,
                             ledger_rows::GetPayment(tx, id));
            return ledger_rows::PaymentOf(stored);
          }));
  return written.value;
}

namespace {

// A decision on a pending payment: who may, and the write.
struct Decision {
  v1::PaymentState state;
  std::string reason;
};

absl::StatusOr<v1::Payment> Decide(Store& store, const Caller& caller,
                                   const google::protobuf::Message& req,
                                   int64_t id, const Decision& d) {
  absl::StatusOr<ledger_rows::PaymentRow> seen =
      ledger_rows::GetPayment(store, id);
  if (absl::IsNotFound(seen.status()) ||
      (seen.ok() && !CanSeeLedgerOf(caller, seen->payer, seen->payee))) {
    return absl::NotFoundError("no such payment");
  }
  RETURN_IF_ERROR(seen.status());
  if (!CanConfirmPaymentFor(caller, seen->payer, seen->payee)) {
    return absl::PermissionDeniedError(
        caller.withdrawn
            ? WithdrawnMessage(caller)
            : absl::StrCat("a payment is confirmed or rejected by the "
                           "payee's finance officer (",
                           seen->payee, ") or a manager, never by the payer"));
  }
  ASSIGN_OR_RETURN(
      auto written,
      store.Write<v1::Payment>(
          LedgerRequestKey(caller.authority_id, req),
          [&](StoreTx& tx) -> absl::StatusOr<v1::Payment> {
            ASSIGN_OR_RETURN(ledger_rows::PaymentRow p,
                             ledger_rows::GetPayment(tx, id));
            if (p.state != v1::PAYMENT_STATE_PENDING) {
              return absl::FailedPreconditionError(absl::StrCat(
                  PaymentName(id), " is already ",
                  p.state == v1::PAYMENT_STATE_POSTED ? "posted" : "rejected"));
            }
            int64_t entry_id = 0;
            if (d.state == v1::PAYMENT_STATE_POSTED) {
              ledger_rules::Posting posting;
              posting.type = v1::ENTRY_TYPE_PAYMENT;
              posting.debit = p.payee;
              posting.credit = p.payer;
              posting.amount = p.pence;
              posting.value_date = p.paid_on;
              posting.payment_id = p.id;
              posting.reference = p.reference;
              posting.description =
                  absl::StrCat("payment ", PaymentName(p.id), " from ",
                               AuthorityName(p.payer), " confirmed by ",
                               AuthorityName(caller.authority_id));
              const ledger_rules::Posting postings[] = {posting};
              ASSIGN_OR_RETURN(
                  std::vector<int64_t> ids,
                  ledger_rows::Post(tx, postings,
                                    {caller.authority_id, caller.key_id}));
              entry_id = ids.front();
            }
            RETURN_IF_ERROR(ledger_rows::DecidePayment(
                tx, id, d.state, d.reason, entry_id, caller.authority_id));
            ASSIGN_OR_RETURN(ledger_rows::PaymentRow after,
                             ledger_rows::GetPayment(tx, id));
            return ledger_rows::PaymentOf(after);
          }));
  return written.value;
}

}  // namespace

absl::StatusOr<v1::Payment> Ledger::ConfirmPayment(
    const Caller& caller, const v1::ConfirmPaymentRequest& request) {
  RETURN_IF_ERROR(Usable());
  FieldErrors errors;
  absl::StatusOr<int64_t> id = ParsePaymentName(request.name(), "name");
  errors.AddAll(id.status());
  ValidateRequestId(request.request_id(), errors);
  RETURN_IF_ERROR(errors.ToStatus());
  return Decide(store_, caller, request, *id,
                Decision{v1::PAYMENT_STATE_POSTED, ""});
}

absl::StatusOr<v1::Payment> Ledger::RejectPayment(
    const Caller& caller, const v1::RejectPaymentRequest& request) {
  RETURN_IF_ERROR(Usable());
  FieldErrors errors;
  absl::StatusOr<int64_t> id = ParsePaymentName(request.name(), "name");
  errors.AddAll(id.status());
  CheckFreeText(request.reason(), "reason", kReasonText, errors);
  ValidateRequestId(request.request_id(), errors);
  RETURN_IF_ERROR(errors.ToStatus());
  return Decide(store_, caller, request, *id,
                Decision{v1::PAYMENT_STATE_REJECTED, request.reason()});
}

absl::StatusOr<v1::ListPaymentsResponse> Ledger::ListPayments(
    const Caller& caller, const v1::ListPaymentsRequest& request) {
  RETURN_IF_ERROR(Usable());
  FieldErrors errors;
  const std::string authority =
      AuthorityField(request.authority(), "authority", false, errors);
  if (!v1::PaymentState_IsValid(request.state())) {
    errors.Add("state", "is not a payment state");
  }
  absl::StatusOr<PageCursor> cursor =
      ReadPageRequest(request.page_size(), request.page_token());
  errors.AddAll(cursor.status());
  RETURN_IF_ERROR(errors.ToStatus());
  ASSIGN_OR_RETURN(std::string scope, ReadScope(caller, authority, "payments"));
  if (!authority.empty()) {
    RETURN_IF_ERROR(Member(store_, authority, "authority", false).status());
  }
  ASSIGN_OR_RETURN(
      Page<ledger_rows::PaymentRow> page,
      ledger_rows::ListPayments(store_, scope, request.state(),
                                PageRequest{cursor->page_size, cursor->after}));
  v1::ListPaymentsResponse out;
  for (const ledger_rows::PaymentRow& p : page.items) {
    if (!CanSeeLedgerOf(caller, p.payer, p.payee)) continue;
    *out.add_payments() = ledger_rows::PaymentOf(p);
  }
  out.set_next_page_token(NextPageToken(page.next_after));
  return out;
}

// ---- reconciliation and settlement ----

absl::StatusOr<v1::Reconciliation> Ledger::Reconcile(
    const Caller& caller, const v1::ReconcileRequest& request) {
  RETURN_IF_ERROR(Usable());
  FieldErrors errors;
  const std::string authority =
      AuthorityField(request.authority(), "authority", true, errors);
  std::optional<absl::CivilDay> from =
      DateField(request.from(), "from", true, errors);
  std::optional<absl::CivilDay> to =
      DateField(request.to(), "to", true, errors);
  if (from.has_value() && to.has_value() && *from > *to) {
    errors.Add("to", "is before from");
  }
  if (request.csv().empty()) {
    errors.Add("csv", "is required: the books as CSV with a header row");
  } else if (request.csv().size() > kMaxCsvBytes) {
    errors.Add("csv", "is more than 3 MiB: split the period");
  }
  RETURN_IF_ERROR(errors.ToStatus());
  absl::StatusOr<reconcile::Books> books = reconcile::ReadBooks(request.csv());
  RETURN_IF_ERROR(books.status());
  if (!CanSeeLedgerOf(caller, authority, authority)) {
    return NotYours(caller, "books");
  }
  RETURN_IF_ERROR(Member(store_, authority, "authority", false).status());
  // Every member, to resolve what the books call them.
  std::map<std::string, std::string> by_text;  // lower-case text → id
  RETURN_IF_ERROR(registry_rows::ForEachAuthority(
      store_, v1::AUTHORITY_STATUS_UNSPECIFIED, [&](const v1::Authority& a) {
        const std::string id = AuthorityOf(a.name());
        by_text.emplace(absl::AsciiStrToLower(a.display_name()), id);
        by_text[absl::AsciiStrToLower(id)] = id;
        by_text[absl::AsciiStrToLower(a.name())] = id;
        return absl::OkStatus();
      }));
  std::vector<reconcile::ResolvedRow> rows;
  rows.reserve(books->rows.size());
  for (const reconcile::BookRow& r : books->rows) {
    // A row of another period is reported, not compared (its amount would
    // otherwise count in the period's totals).
    if (r.date < *from || r.date > *to) {
      v1::UnreadableRow outside;
      outside.set_row(r.row);
      outside.set_column("date");
      outside.set_reason(absl::StrCat("dated ", Day(r.date),
                                      ", outside the period ", Day(*from),
                                      " to ", Day(*to), ": not compared"));
      books->unreadable.push_back(std::move(outside));
      continue;
    }
    reconcile::ResolvedRow resolved{r, ""};
    auto it = by_text.find(
        absl::AsciiStrToLower(absl::StripAsciiWhitespace(r.counterparty)));
    if (it != by_text.end()) resolved.counterparty_id = it->second;
    rows.push_back(std::move(resolved));
  }
  ASSIGN_OR_RETURN(std::vector<v1::Entry> entries,
                   ledger_rows::EntriesOf(store_, authority, *from, *to));
  std::vector<reconcile::JournalLine> journal;
  journal.reserve(entries.size());
  for (const v1::Entry& e : entries) {
    reconcile::JournalLine line;
    line.entry_id = IdOfName(e.name());
    line.date = *ToCivilDay(e.value_date());
    const bool credit = AuthorityOf(e.credit()) == authority;
    line.counterparty = AuthorityOf(credit ? e.debit() : e.credit());
    if (!e.reference().empty()) line.references.push_back(e.reference());
    line.references.push_back(absl::StrCat("e", line.entry_id));
    line.references.push_back(e.name());
    if (!e.link().empty()) {
      line.references.push_back(absl::StrCat("l", IdOfName(e.link())));
      line.references.push_back(e.link());
    }
    line.amount = SignedFor(e, authority, PenceOf(e.amount()));
    journal.push_back(std::move(line));
  }
  v1::Reconciliation out = reconcile::Match(rows, journal);
  out.set_authority(AuthorityName(authority));
  *out.mutable_from() = ToDate(*from);
  *out.mutable_to() = ToDate(*to);
  std::stable_sort(books->unreadable.begin(), books->unreadable.end(),
                   [](const v1::UnreadableRow& a, const v1::UnreadableRow& b) {
                     return a.row() < b.row();
                   });
  for (v1::UnreadableRow& u : books->unreadable) {
    *out.add_unreadable() = std::move(u);
  }
  out.set_rows_read(books->rows_read);
  if (const size_t bytes = out.ByteSizeLong();
      bytes > kMaxReconciliationBytes) {
    return InvalidField(
        "csv", absl::StrCat("has ", books->rows_read, " rows, and with the ",
                            journal.size(), " journal lines of the period the ",
                            "answer would be ", bytes, " bytes: more than a ",
                            "client receives (4 MiB); reconcile a shorter ",
                            "period"));
  }
  return out;
}

absl::StatusOr<v1::SettlementPlan> Ledger::PlanSettlement(
    const Caller& caller, const v1::PlanSettlementRequest& request) {
  RETURN_IF_ERROR(Usable());
  FieldErrors errors;
  std::optional<absl::CivilDay> as_of =
      DateField(request.as_of(), "as_of", false, errors);
  RETURN_IF_ERROR(errors.ToStatus());
  const bool all = IsManager(caller);
  if (!all &&
      !CanSeeLedgerOf(caller, caller.authority_id, caller.authority_id)) {
    return NotYours(caller, "ledger");
  }
  const absl::CivilDay day = as_of.value_or(clock_.Today());
  ASSIGN_OR_RETURN(std::vector<ledger_rules::JournalEntry> journal,
                   ledger_rows::JournalSums(store_, day));
  const ledger_rules::Positions positions =
      ledger_rules::PositionsOf(journal, day);
  const std::vector<ledger_rules::Debt> plan =
      ledger_rules::PlanSettlement(positions);
  v1::SettlementPlan out;
  *out.mutable_as_of() = ToDate(day);
  Pence total = 0;
  // Whether each party is still a member: a payment with one that has
  // withdrawn is the manager's to record.
  std::map<std::string, bool, std::less<>> withdrawn;
  auto has_withdrawn = [&](const std::string& id) -> absl::StatusOr<bool> {
    auto it = withdrawn.find(id);
    if (it != withdrawn.end()) return it->second;
    ASSIGN_OR_RETURN(v1::Authority a, registry_rows::GetAuthority(store_, id));
    return withdrawn[id] = a.status() != v1::AUTHORITY_STATUS_ACTIVE;
  };
  for (const ledger_rules::Debt& d : plan) {
    total += d.amount;
    if (!all && d.debtor != caller.authority_id &&
        d.creditor != caller.authority_id) {
      continue;
    }
    v1::SettlementPayment* p = out.add_payments();
    p->set_payer(AuthorityName(d.debtor));
    p->set_payee(AuthorityName(d.creditor));
    *p->mutable_amount() = ToMoney(d.amount);
    ASSIGN_OR_RETURN(const bool payer_out, has_withdrawn(d.debtor));
    ASSIGN_OR_RETURN(const bool payee_out, has_withdrawn(d.creditor));
    if (payer_out || payee_out) {
      p->set_withdrawn(AuthorityName(payer_out ? d.debtor : d.creditor));
    }
  }
  out.set_payment_count(static_cast<int32_t>(plan.size()));
  out.set_members_with_balance(static_cast<int32_t>(
      std::count_if(positions.begin(), positions.end(),
                    [](const auto& p) { return p.second != 0; })));
  *out.mutable_total() = ToMoney(total);
  return out;
}

// ---- budgets ----

absl::StatusOr<v1::Budget> Ledger::BudgetOf(const std::string& authority,
                                            int year) {
  return budget_alerts::BudgetOf(store_, authority, year, clock_.Today());
}

absl::StatusOr<v1::Budget> Ledger::SetBudget(
    const Caller& caller, const v1::SetBudgetRequest& request) {
  RETURN_IF_ERROR(Usable());
  FieldErrors errors;
  const std::string authority =
      AuthorityField(request.authority(), "authority", true, errors);
  YearField(request.financial_year(), "financial_year", errors);
  Pence pence = 0;
  if (!request.has_amount()) {
    errors.Add("amount", "is required (0 or more)");
  } else {
    FieldErrors money;
    pence = ledger_rules::FromMoney(request.amount(), "amount", money);
    errors.Merge(money);
    if (money.empty() && pence < 0) errors.Add("amount", "must be 0 or more");
  }
  ValidateRequestId(request.request_id(), errors);
  RETURN_IF_ERROR(errors.ToStatus());
  RETURN_IF_ERROR(Member(store_, authority, "authority", false).status());
  if (!CanManageBudgetOf(caller, authority)) {
    return absl::PermissionDeniedError(
        caller.withdrawn ? WithdrawnMessage(caller)
                         : absl::StrCat("a budget is set by the member's "
                                        "finance officer (",
                                        authority, ") or a manager"));
  }
  ASSIGN_OR_RETURN(auto written,
                   store_.Write<v1::Budget>(
                       LedgerRequestKey(caller.authority_id, request),
                       [&](StoreTx& tx) -> absl::StatusOr<v1::Budget> {
                         RETURN_IF_ERROR(ledger_rows::PutBudget(
                             tx, authority, request.financial_year(), pence));
                         // The answer, kept with the request id so that a retry
                         // gets it as it was then: the year's fees against the
                         // new amount. Read on a read connection while this
                         // write holds the store's write lock, so no fee is
                         // posted in between.
                         ASSIGN_OR_RETURN(
                             v1::Budget answer,
                             BudgetOf(authority, request.financial_year()));
                         budget_alerts::SetAmount(answer, pence);
                         return answer;
                       }));
  return written.value;
}

absl::StatusOr<v1::Budget> Ledger::GetBudget(
    const Caller& caller, const v1::GetBudgetRequest& request) {
  RETURN_IF_ERROR(Usable());
  FieldErrors errors;
  const std::string authority =
      AuthorityField(request.authority(), "authority", true, errors);
  if (request.financial_year() != 0) {
    YearField(request.financial_year(), "financial_year", errors);
  }
  RETURN_IF_ERROR(errors.ToStatus());
  if (!CanSeeLedgerOf(caller, authority, authority)) {
    return NotYours(caller, "budget");
  }
  RETURN_IF_ERROR(Member(store_, authority, "authority", false).status());
  const int year = request.financial_year() != 0
                       ? request.financial_year()
                       : ledger_rules::FinancialYearOf(clock_.Today());
  return BudgetOf(authority, year);
}

// ---- month-end ----

absl::StatusOr<v1::MonthClose> Ledger::CloseMonth(
    const Caller& caller, const v1::CloseMonthRequest& request) {
  RETURN_IF_ERROR(Usable());
  FieldErrors errors;
  absl::CivilMonth month;
  const bool parsed = request.month().size() == 7 &&
                      request.month()[4] == '-' &&
                      absl::ParseCivilTime(request.month(), &month) &&
                      absl::FormatCivilTime(month) == request.month();
  const absl::CivilDay today = clock_.Today();
  const absl::CivilDay last_day = absl::CivilDay(month + 1) - 1;
  if (!parsed) {
    errors.Add("month", "give a month as YYYY-MM");
  } else if (month < absl::CivilMonth(kEarliestLedgerDay)) {
    errors.Add("month", absl::StrCat(request.month(), " is before ",
                                     absl::FormatCivilTime(
                                         absl::CivilMonth(kEarliestLedgerDay)),
                                     ", the ledger's first financial year"));
  }
  ValidateRequestId(request.request_id(), errors);
  RETURN_IF_ERROR(errors.ToStatus());
  if (!IsManager(caller)) {
    return absl::PermissionDeniedError(caller.withdrawn
                                           ? WithdrawnMessage(caller)
                                           : "a month is closed by a manager");
  }
  // A well-formed month that is not over yet: a state (today's date), not
  // bad input.
  if (last_day >= today) {
    return absl::FailedPreconditionError(
        absl::StrCat("month ", request.month(),
                     " has not ended: it is closed from ", Day(last_day + 1)));
  }
  ASSIGN_OR_RETURN(
      auto written,
      store_.Write<v1::MonthClose>(
          LedgerRequestKey(caller.authority_id, request),
          [&](StoreTx& tx) -> absl::StatusOr<v1::MonthClose> {
            // Closed before: then its own fees charged now are late too.
            ASSIGN_OR_RETURN(std::vector<absl::CivilMonth> closed_before,
                             ledger_rows::MonthsClosedFrom(tx, month));
            const std::optional<absl::CivilMonth> on_time =
                closed_before.empty() || closed_before.front() != month
                    ? std::optional(month)
                    : std::nullopt;
            RETURN_IF_ERROR(ledger_rows::MarkMonthClosed(tx, request.month()));
            ASSIGN_OR_RETURN(std::vector<v1::FeeSchedule> schedules,
                             ledger_rows::Schedules(tx));
            ASSIGN_OR_RETURN(std::vector<ledger_rows::PlacementRow> live,
                             ledger_rows::LivePlacements(tx));
            // This month and every other closed month, before or after it:
            // a placement recorded since a month was closed is charged for
            // it now (late, saying so), once its order is known or not made.
            ASSIGN_OR_RETURN(std::vector<absl::CivilMonth> closed,
                             ledger_rows::MonthsClosedFrom(
                                 tx, absl::CivilMonth(absl::CivilYear(1))));
            const std::string late = absl::StrCat(
                "recorded after the month was closed; charged when ",
                request.month(), " was closed");
            v1::MonthClose out;
            out.set_month(request.month());
            std::vector<ledger_rules::Posting> postings;
            for (const ledger_rows::PlacementRow& p : live) {
              if (p.payer == p.payee) continue;
              // What an earlier run, or a corrected date since, posted and
              // still stands. The unique index (link, month, charge) refuses
              // a second fee while one stands (ledger_rows::Post numbers the
              // charges).
              if (ledger_rules::MonthlyFeeDue(schedules, *p.placed_on,
                                              p.order_on, p.ended_on, month)) {
                ASSIGN_OR_RETURN(bool posted,
                                 ledger_rows::MonthlyFeePosted(
                                     tx, p.link_id, request.month()));
                if (posted) out.set_already_charged(out.already_charged() + 1);
              }
              ASSIGN_OR_RETURN(std::vector<ledger_rules::Posting> owed,
                               fee_accrual::ClosedMonthsOwed(
                                   tx, p, schedules, closed, on_time, late));
              for (ledger_rules::Posting& posting : owed) {
                postings.push_back(std::move(posting));
              }
            }
            ASSIGN_OR_RETURN(
                std::vector<int64_t> ids,
                ledger_rows::Post(tx, postings,
                                  {caller.authority_id, caller.key_id}));
            Pence total = 0;
            for (int64_t id : ids) {
              ASSIGN_OR_RETURN(v1::Entry e, ledger_rows::GetEntry(tx, id));
              total += PenceOf(e.amount());
              *out.add_entries() = std::move(e);
            }
            *out.mutable_total() = ToMoney(total);
            return out;
          }));
  return written.value;
}

}  // namespace raa
