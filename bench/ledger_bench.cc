// ledger_bench: the inter-agency fee ledger (issue 9) at a consortium's
// size, on a running raamatchd with a fresh database.
//
//   ledger_bench --server 127.0.0.1:50051 --key <manager key>
//       --members 15 --entries 100000 --threads 4 --calls 21 --csv-rows 10000
//
// 1. Load, all through the API: registers --members members
//    (ledger-bench-01, ...); places --placements children between members
//    in early 2002 (CreateChild, CreateAdopter, OpenLink, AdvanceLink to
//    PLACED: a fee each, at the shipped 2000 schedule); records and confirms
//    --payments payments (RecordPayment, ConfirmPayment: a PAYMENT entry
//    each); then runs month-ends (CloseMonth) from March 2003 on, each
//    posting a monthly fee per placement (no order was made), until the
//    journal holds --entries entries. --threads clients at once for the
//    first two. Month-end runs are the fast path: one call posts a month's
//    fees for every placement, as the finance officer's own month-end does.
// 2. Calls: --calls rounds of one call each of Health/Check (the empty call,
//    the baseline), GetBalances (the manager: every position and who owes
//    whom), GetBalances (one member's finance officer) and PlanSettlement,
//    interleaved, then prints min / median / max ms per call and each median
//    as a multiple of the health check's median.
// 3. Reconcile: a --csv-rows CSV of one member's books built from its own
//    journal (dd/mm/yyyy dates, "£1,234.56" amounts, (brackets) for
//    negatives; 1 row in 100 with another amount, 1 in 100 left out, 1 in
//    100 not in the journal), reconciled --reconcile-calls times: min /
//    median / max, and what it found.
// Prints `result:` lines of key=value pairs for scripts. Exits 1 on any
// failed call. Loopback or TLS (--ca) as the other clients.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "clients/lib/client.h"
#include "grpcpp/impl/client_unary_call.h"
#include "raa/v1/access.grpc.pb.h"
#include "raa/v1/journey.grpc.pb.h"
#include "raa/v1/ledger.grpc.pb.h"
#include "raa/v1/registry.grpc.pb.h"

namespace {

using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start)
      .count();
}

struct Timing {
  std::string name;
  std::vector<double> ms;
  double Min() const { return *std::min_element(ms.begin(), ms.end()); }
  double Max() const { return *std::max_element(ms.begin(), ms.end()); }
  double Median() const {
    std::vector<double> v = ms;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  }
};

google::type::Money Gbp(int64_t pence) {
  google::type::Money m;
  m.set_currency_code("GBP");
  m.set_units(pence / 100);
  m.set_nanos(static_cast<int32_t>(pence % 100) * 10'000'000);
  return m;
}

int64_t PenceOf(const google::type::Money& m) {
  return m.units() * 100 + m.nanos() / 10'000'000;
}

google::type::Date DateOf(absl::CivilDay d) {
  google::type::Date out;
  out.set_year(static_cast<int>(d.year()));
  out.set_month(d.month());
  out.set_day(d.day());
  return out;
}

// "£1,234.56", or "(£1,234.56)" when negative.
std::string PoundsText(int64_t pence) {
  const bool negative = pence < 0;
  if (negative) pence = -pence;
  std::string units = absl::StrCat(pence / 100);
  std::string grouped;
  for (size_t i = 0; i < units.size(); ++i) {
    if (i > 0 && (units.size() - i) % 3 == 0) grouped += ',';
    grouped += units[i];
  }
  std::string text = absl::StrFormat("£%s.%02d", grouped, pence % 100);
  return negative ? "(" + text + ")" : text;
}

// A CSV field, quoted.
std::string Field(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

using RaaClientPtr = std::unique_ptr<raa::RaaClient>;

// A child (`count` brothers) in care since 2001, aged as of December 2001
// (the bench places them in 2002), fitting BenchHousehold.
raa::v1::Child BenchChild(int count) {
  raa::v1::Child child;
  for (int i = 0; i < count; ++i) {
    raa::v1::ChildMember* member = child.add_members();
    member->set_age_months(84 + 12 * i);
    member->set_sex(raa::v1::SEX_MALE);
    raa::v1::Need* need = member->add_needs();
    need->set_category(raa::v1::NEED_CATEGORY_ATTACHMENT_DIFFICULTIES);
    need->set_level(raa::v1::NEED_LEVEL_MILD);
    member->set_heritage(raa::v1::HERITAGE_WHITE_BRITISH);
    member->set_religion(raa::v1::RELIGION_NO_RELIGION);
    member->set_first_language("en");
  }
  child.set_must_be_placed_together(count > 1);
  *child.mutable_ages_as_of() = DateOf(absl::CivilDay(2001, 12, 1));
  child.set_contact_plan(raa::v1::CONTACT_PLAN_LETTERBOX);
  child.set_early_permanence(raa::v1::EARLY_PERMANENCE_NONE);
  child.set_summary("A boy who loves the park and building dens");
  raa::v1::ChildJourney* journey = child.mutable_journey();
  *journey->mutable_entered_care() = DateOf(absl::CivilDay(2001, 1, 10));
  *journey->mutable_plan_for_adoption() = DateOf(absl::CivilDay(2001, 6, 2));
  *journey->mutable_shobpa_decision() = DateOf(absl::CivilDay(2001, 8, 4));
  return child;
}

// A household approved in 2001 for up to `approved_for` children aged
// 4-10.
raa::v1::Adopter BenchHousehold(int approved_for) {
  raa::v1::Adopter adopter;
  adopter.set_status(raa::v1::ADOPTER_STATUS_APPROVED);
  *adopter.mutable_registered_interest_on() =
      DateOf(absl::CivilDay(2001, 1, 6));
  *adopter.mutable_applied_on() = DateOf(absl::CivilDay(2001, 3, 3));
  *adopter.mutable_approved_on() = DateOf(absl::CivilDay(2001, 9, 1));
  adopter.set_approved_for(approved_for);
  adopter.set_min_age_months(48);
  adopter.set_max_age_months(120);
  adopter.set_sex_preference(raa::v1::SEX_PREFERENCE_ANY);
  raa::v1::NeedLimit* limit = adopter.add_need_limits();
  limit->set_category(raa::v1::NEED_CATEGORY_ATTACHMENT_DIFFICULTIES);
  limit->set_max_level(raa::v1::NEED_LEVEL_SEVERE);
  adopter.add_heritage(raa::v1::HERITAGE_WHITE_BRITISH);
  adopter.set_religion(raa::v1::RELIGION_CHRISTIAN);
  adopter.add_languages("en");
  adopter.set_region("south-yorkshire");
  adopter.set_max_contact(raa::v1::CONTACT_PLAN_DIRECT);
  adopter.set_fast_track(raa::v1::FAST_TRACK_NONE);
  return adopter;
}

bool Fail(const std::string& what, const grpc::Status& status) {
  std::cerr << "ledger_bench: " << what << ": " << status.error_code() << " "
            << status.error_message() << "\n";
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  std::string server = "127.0.0.1:50051";
  std::string key;
  int members = 15;
  int entries = 100'000;
  int placements = 360;
  int payments = 2'000;
  int threads = 4;
  int calls = 21;
  int csv_rows = 10'000;
  int reconcile_calls = 5;
  uint32_t seed = 9;
  raa::ClientTlsFiles tls_files;
  CLI::App app{"ledger_bench: the fee ledger at a consortium's size"};
  app.add_option("--server", server, "raamatchd address")
      ->capture_default_str();
  app.add_option("--key", key, "the bootstrap manager key")
      ->required()
      ->envname("RAA_KEY");
  app.add_option("--members", members, "members to register")
      ->capture_default_str()
      ->check(CLI::Range(2, 200));
  app.add_option("--entries", entries,
                 "journal entries to reach with month-end runs")
      ->capture_default_str()
      ->check(CLI::Range(1, 10'000'000));
  app.add_option("--placements", placements,
                 "placements between members (fees and monthly fees)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1'000'000));
  app.add_option("--payments", payments, "payments recorded and confirmed")
      ->capture_default_str()
      ->check(CLI::Range(0, 10'000'000));
  app.add_option("--threads", threads, "clients posting at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_option("--calls", calls, "rounds of the interleaved calls")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  app.add_option("--csv-rows", csv_rows, "rows of the books to reconcile")
      ->capture_default_str()
      ->check(CLI::Range(0, 1'000'000));
  app.add_option("--reconcile-calls", reconcile_calls, "Reconcile calls")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  app.add_option("--seed", seed, "random seed")->capture_default_str();
  app.add_option("--ca", tls_files.ca_file, "PEM CA (implies TLS)");
  CLI11_PARSE(app, argc, argv);

  absl::StatusOr<raa::ClientTls> tls = raa::LoadClientTls(tls_files);
  if (!tls.ok()) {
    std::cerr << "ledger_bench: " << tls.status() << "\n";
    return 2;
  }
  raa::RaaClient client({.server = server,
                         .key = key,
                         .deadline = absl::Seconds(600),
                         .tls = *tls});
  auto registry = raa::v1::RegistryService::NewStub(client.channel());
  auto access = raa::v1::AccessService::NewStub(client.channel());
  auto ledger = raa::v1::LedgerService::NewStub(client.channel());
  auto journey = raa::v1::JourneyService::NewStub(client.channel());
  const absl::CivilDay today =
      absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()) - 1;

  // ---- members and a finance officer's key for the first ----
  std::vector<std::string> ids;
  for (int m = 1; m <= members; ++m) {
    ids.push_back(absl::StrFormat("ledger-bench-%02d", m));
    raa::v1::CreateAuthorityRequest request;
    request.set_authority_id(ids.back());
    request.mutable_authority()->set_display_name(
        absl::StrFormat("Ledger bench council %02d", m));
    request.mutable_authority()->set_region("england");
    request.mutable_authority()->set_kind(
        m % 5 == 0 ? raa::v1::AUTHORITY_KIND_VOLUNTARY_ADOPTION_AGENCY
                   : raa::v1::AUTHORITY_KIND_LOCAL_AUTHORITY);
    request.set_request_id(absl::StrCat("ledger-bench-member-", m));
    raa::v1::Authority created;
    auto context = client.NewContext();
    grpc::Status s =
        registry->CreateAuthority(context.get(), request, &created);
    if (!s.ok()) return Fail("CreateAuthority " + ids.back(), s), 1;
  }
  // A finance officer's key for the first member, a registrar's for each.
  auto issue = [&](const std::string& id, raa::v1::Role role,
                   std::string* secret) {
    raa::v1::CreateApiKeyRequest request;
    request.mutable_api_key()->set_authority("authorities/" + id);
    request.mutable_api_key()->add_roles(role);
    request.mutable_api_key()->set_display_name("ledger bench");
    request.set_request_id(absl::StrCat("ledger-bench-key-", id, "-", role));
    raa::v1::CreateApiKeyResponse issued;
    auto context = client.NewContext();
    grpc::Status s = access->CreateApiKey(context.get(), request, &issued);
    *secret = issued.secret();
    return s.ok() || Fail("CreateApiKey", s);
  };
  std::string finance_key;
  if (!issue(ids[0], raa::v1::ROLE_FINANCE, &finance_key)) return 1;
  std::vector<RaaClientPtr> registrars;
  for (const std::string& id : ids) {
    std::string secret;
    if (!issue(id, raa::v1::ROLE_REGISTRAR, &secret)) return 1;
    registrars.push_back(std::make_unique<raa::RaaClient>(
        raa::ClientOptions{.server = server,
                           .key = secret,
                           .deadline = absl::Seconds(600),
                           .tls = *tls}));
  }

  // Runs `work(n)` for n in [0, count) on --threads clients; false after
  // the first failure.
  auto in_parallel = [&](int count,
                         const std::function<grpc::Status(int)>& work) {
    std::atomic<int> next{0};
    std::atomic<bool> failed{false};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&] {
        for (int n = next++; n < count && !failed; n = next++) {
          grpc::Status s = work(n);
          if (!s.ok() && !failed.exchange(true)) Fail("loading", s);
        }
      });
    }
    for (std::thread& w : workers) w.join();
    return !failed;
  };

  // ---- load ----
  // 1. Placements between members in early 2002, at the shipped schedule
  //    of 2000: a fee each, and a monthly fee for every month from 12
  //    months after placement while no order is made.
  // 2. --payments payments recorded and confirmed.
  // 3. Month-end runs (CloseMonth) from March 2003 on, one per month, until
  //    the journal holds --entries entries.
  std::cout << absl::StrFormat(
      "== load: %d members; %d placements, %d payments, then month-end runs "
      "to %d entries; %d clients, %d cores\n",
      members, placements, payments, entries, threads,
      std::thread::hardware_concurrency());
  Clock::time_point load_start = Clock::now();
  const absl::CivilDay placed_from(2002, 1, 1);
  bool ok = in_parallel(placements, [&](int n) -> grpc::Status {
    const int payer = n % members;
    const int payee = (payer + 1 + (n / members) % (members - 1)) % members;
    raa::v1::CreateChildRequest child;
    child.set_parent("authorities/" + ids[payer]);
    *child.mutable_child() = BenchChild(1 + n % 3 / 2);
    child.set_request_id(absl::StrCat("ledger-bench-child-", n));
    raa::v1::Child created_child;
    auto c1 = registrars[payer]->NewContext();
    grpc::Status s =
        raa::v1::RegistryService::NewStub(registrars[payer]->channel())
            ->CreateChild(c1.get(), child, &created_child);
    if (!s.ok()) return s;
    raa::v1::CreateAdopterRequest household;
    household.set_parent("authorities/" + ids[payee]);
    *household.mutable_adopter() = BenchHousehold(2);
    household.set_request_id(absl::StrCat("ledger-bench-household-", n));
    raa::v1::Adopter created_household;
    auto c2 = registrars[payee]->NewContext();
    s = raa::v1::RegistryService::NewStub(registrars[payee]->channel())
            ->CreateAdopter(c2.get(), household, &created_household);
    if (!s.ok()) return s;
    const absl::CivilDay opened = placed_from + n % 20;
    raa::v1::OpenLinkRequest open;
    open.set_child(created_child.name());
    open.set_adopter(created_household.name());
    *open.mutable_opened_on() = DateOf(opened);
    // Ages are used as of today, so a child placed in 2002 is an adult now:
    // the pair fails age_range, and a historic record needs the override.
    open.set_override_reason(
        "A placement made in 2002, recorded from the "
        "archive for the ledger");
    open.set_request_id(absl::StrCat("ledger-bench-open-", n));
    raa::v1::Link link;
    auto c3 = client.NewContext();
    s = journey->OpenLink(c3.get(), open, &link);
    if (!s.ok()) return s;
    for (int step = raa::v1::LINK_STEP_LINKING_MEETING;
         step <= raa::v1::LINK_STEP_PLACED; ++step) {
      raa::v1::AdvanceLinkRequest advance;
      advance.set_name(link.name());
      advance.set_step(static_cast<raa::v1::LinkStep>(step));
      *advance.mutable_date() = DateOf(opened + 3 * step);
      advance.set_request_id(
          absl::StrCat("ledger-bench-advance-", n, "-", step));
      auto c4 = client.NewContext();
      s = journey->AdvanceLink(c4.get(), advance, &link);
      if (!s.ok()) return s;
    }
    return grpc::Status::OK;
  });
  if (!ok) return 1;
  const double placed_s = MsSince(load_start) / 1000;
  std::cout << absl::StrFormat("   %d placements in %.1f s (%d calls)\n",
                               placements, placed_s, placements * 8);
  Clock::time_point pay_start = Clock::now();
  ok = in_parallel(payments, [&](int n) -> grpc::Status {
    std::mt19937 rng(seed * 100'003 + n);
    const int payer = std::uniform_int_distribution<int>(0, members - 1)(rng);
    int payee = std::uniform_int_distribution<int>(0, members - 2)(rng);
    if (payee >= payer) ++payee;
    raa::v1::RecordPaymentRequest record;
    record.set_payer("authorities/" + ids[payer]);
    record.set_payee("authorities/" + ids[payee]);
    *record.mutable_amount() =
        Gbp(std::uniform_int_distribution<int64_t>(100, 6'000'000)(rng));
    *record.mutable_paid_on() =
        DateOf(today - std::uniform_int_distribution<int>(0, 730)(rng));
    record.set_reference(absl::StrFormat("BACS-%06d", n + 1));
    record.set_allow_overpayment(true);
    record.set_request_id(absl::StrCat("ledger-bench-pay-", n));
    raa::v1::Payment payment;
    auto c1 = client.NewContext();
    grpc::Status s = ledger->RecordPayment(c1.get(), record, &payment);
    if (!s.ok()) return s;
    raa::v1::ConfirmPaymentRequest confirm;
    confirm.set_name(payment.name());
    confirm.set_request_id(absl::StrCat("ledger-bench-confirm-", n));
    auto c2 = client.NewContext();
    return ledger->ConfirmPayment(c2.get(), confirm, &payment);
  });
  if (!ok) return 1;
  const double pay_s = MsSince(pay_start) / 1000;
  std::cout << absl::StrFormat("   %d payments in %.1f s (%d calls)\n",
                               payments, pay_s, payments * 2);
  Clock::time_point close_start = Clock::now();
  int64_t posted = placements + payments;
  int months = 0;
  for (absl::CivilMonth month(2003, 3);
       posted < entries && absl::CivilDay(month + 1) <= today; ++month) {
    raa::v1::CloseMonthRequest request;
    request.set_month(
        absl::StrFormat("%04d-%02d", month.year(), month.month()));
    request.set_request_id("ledger-bench-close-" + request.month());
    raa::v1::MonthClose close;
    auto context = client.NewContext();
    grpc::Status s = ledger->CloseMonth(context.get(), request, &close);
    if (!s.ok()) return Fail("CloseMonth " + request.month(), s), 1;
    posted += close.entries_size();
    ++months;
  }
  const double close_s = MsSince(close_start) / 1000;
  std::cout << absl::StrFormat(
      "   %d month-end runs in %.1f s: %d entries in the journal\n", months,
      close_s, posted);
  const double load_s = MsSince(load_start) / 1000;
  std::cout << absl::StrFormat("   loaded in %.1f s\n", load_s);

  // ---- interleaved calls ----
  grpc::internal::RpcMethod health_method("/grpc.health.v1.Health/Check",
                                          grpc::internal::RpcMethod::NORMAL_RPC,
                                          client.channel());
  raa::RaaClient finance({.server = server,
                          .key = finance_key,
                          .deadline = absl::Seconds(600),
                          .tls = *tls});
  auto finance_ledger = raa::v1::LedgerService::NewStub(finance.channel());
  int members_with_balance = 0;
  int payment_count = 0;
  int debts = 0;
  std::vector<Timing> timings = {{"health", {}},
                                 {"GetBalances (manager)", {}},
                                 {"GetBalances (finance)", {}},
                                 {"PlanSettlement", {}}};
  std::vector<std::function<grpc::Status()>> run = {
      [&] {
        auto context = client.NewContext();
        grpc::Slice empty;
        grpc::ByteBuffer request(&empty, 1), response;
        return grpc::internal::BlockingUnaryCall<grpc::ByteBuffer,
                                                 grpc::ByteBuffer>(
            client.channel().get(), health_method, context.get(), request,
            &response);
      },
      [&] {
        auto context = client.NewContext();
        raa::v1::Balances balances;
        grpc::Status s = ledger->GetBalances(
            context.get(), raa::v1::GetBalancesRequest(), &balances);
        members_with_balance = balances.members_with_balance();
        debts = balances.debts_size();
        return s;
      },
      [&] {
        auto context = finance.NewContext();
        raa::v1::Balances balances;
        return finance_ledger->GetBalances(
            context.get(), raa::v1::GetBalancesRequest(), &balances);
      },
      [&] {
        auto context = client.NewContext();
        raa::v1::SettlementPlan plan;
        grpc::Status s = ledger->PlanSettlement(
            context.get(), raa::v1::PlanSettlementRequest(), &plan);
        payment_count = plan.payment_count();
        return s;
      }};
  for (size_t i = 0; i < run.size(); ++i) {  // warm-up, uncounted
    grpc::Status s = run[i]();
    if (!s.ok()) return Fail(timings[i].name, s), 1;
  }
  for (int round = 0; round < calls; ++round) {
    for (size_t i = 0; i < run.size(); ++i) {
      Clock::time_point start = Clock::now();
      grpc::Status s = run[i]();
      timings[i].ms.push_back(MsSince(start));
      if (!s.ok()) return Fail(timings[i].name, s), 1;
    }
  }

  // ---- reconcile ----
  std::vector<raa::v1::Entry> journal;
  {
    raa::v1::ListEntriesRequest request;
    request.set_authority("authorities/" + ids[0]);
    request.set_page_size(1000);
    for (;;) {
      raa::v1::ListEntriesResponse page;
      auto context = client.NewContext();
      grpc::Status s = ledger->ListEntries(context.get(), request, &page);
      if (!s.ok()) return Fail("ListEntries", s), 1;
      journal.insert(journal.end(), page.entries().begin(),
                     page.entries().end());
      if (page.next_page_token().empty()) break;
      request.set_page_token(page.next_page_token());
    }
  }
  // The books of a period: the member's earliest --csv-rows entries by
  // value date (the whole last day, so the period holds them all).
  std::stable_sort(journal.begin(), journal.end(),
                   [](const raa::v1::Entry& a, const raa::v1::Entry& b) {
                     auto key = [](const raa::v1::Entry& e) {
                       return std::make_tuple(e.value_date().year(),
                                              e.value_date().month(),
                                              e.value_date().day());
                     };
                     return key(a) < key(b);
                   });
  if (static_cast<int>(journal.size()) > csv_rows) {
    const google::type::Date last = journal[csv_rows - 1].value_date();
    size_t keep = csv_rows;
    while (keep < journal.size() &&
           journal[keep].value_date().SerializeAsString() ==
               last.SerializeAsString()) {
      ++keep;
    }
    journal.resize(keep);
  }
  std::string csv = "Date,Counterparty,Reference,Amount,Notes\n";
  absl::CivilDay from = today, to = today - 10000;
  std::mt19937 rng(seed);
  int rows = 0;
  const std::string me = "authorities/" + ids[0];
  for (const raa::v1::Entry& e : journal) {
    absl::CivilDay day(e.value_date().year(), e.value_date().month(),
                       e.value_date().day());
    from = std::min(from, day);
    to = std::max(to, day);
    const bool credit = e.credit() == me;
    const std::string other = credit ? e.debit() : e.credit();
    int64_t amount = credit ? PenceOf(e.amount()) : -PenceOf(e.amount());
    const int dice = std::uniform_int_distribution<int>(0, 99)(rng);
    if (dice == 0) continue;       // left out of the books
    if (dice == 1) amount += 100;  // a pound out
    if (dice == 2) {               // in the books only
      csv += absl::StrFormat("%02d/%02d/%04d,%s,%s,%s,\n", day.day(),
                             day.month(), day.year(), other.substr(12),
                             Field("CHQ-" + e.reference()),
                             Field(PoundsText(12'345)));
      ++rows;
    }
    csv += absl::StrFormat("%02d/%02d/%04d,%s,%s,%s,%s\n", day.day(),
                           day.month(), day.year(), other.substr(12),
                           Field(e.reference()), Field(PoundsText(amount)),
                           Field("from the bank statement"));
    ++rows;
  }
  Timing reconcile{"Reconcile", {}};
  raa::v1::Reconciliation answer;
  if (!journal.empty()) {
    raa::v1::ReconcileRequest request;
    request.set_authority(me);
    *request.mutable_from() = DateOf(from);
    *request.mutable_to() = DateOf(to);
    request.set_csv(csv);
    for (int i = 0; i <= reconcile_calls; ++i) {
      auto context = finance.NewContext();
      Clock::time_point start = Clock::now();
      grpc::Status s =
          finance_ledger->Reconcile(context.get(), request, &answer);
      if (!s.ok()) return Fail("Reconcile", s), 1;
      if (i > 0) reconcile.ms.push_back(MsSince(start));  // 0: warm-up
    }
  }

  const double health = timings[0].Median();
  std::cout << absl::StrFormat(
      "== calls: %d rounds, one of each call per round, interleaved, "
      "sequential; %d members with a balance, %d debts, a plan of %d "
      "payments\n",
      calls, members_with_balance, debts, payment_count);
  std::cout << absl::StrFormat("%-26s %9s %9s %9s %10s\n", "call", "min ms",
                               "median ms", "max ms", "x health");
  for (const Timing& t : timings) {
    std::cout << absl::StrFormat("%-26s %9.3f %9.3f %9.3f %9.1fx\n", t.name,
                                 t.Min(), t.Median(), t.Max(),
                                 health > 0 ? t.Median() / health : 0);
  }
  if (!reconcile.ms.empty()) {
    std::cout << absl::StrFormat(
        "== reconcile: %d CSV rows (%d bytes) of %s's books, %d calls\n", rows,
        csv.size(), ids[0], reconcile_calls);
    std::cout << absl::StrFormat("%-26s %9.3f %9.3f %9.3f %9.1fx\n",
                                 reconcile.name, reconcile.Min(),
                                 reconcile.Median(), reconcile.Max(),
                                 health > 0 ? reconcile.Median() / health : 0);
    std::cout << absl::StrFormat(
        "   read %d rows: %d matched, %d differing, %d only in the journal, "
        "%d only in the books, %d unreadable\n",
        answer.rows_read(), answer.matched_size(), answer.differing_size(),
        answer.only_in_journal_size(), answer.only_in_books_size(),
        answer.unreadable_size());
    timings.push_back(reconcile);
  }
  std::cout << absl::StrFormat(
      "result: call=load entries=%d seconds=%.1f placements=%d payments=%d "
      "months=%d\n",
      posted, load_s, placements, payments, months);
  for (const Timing& t : timings) {
    std::string id = t.name;
    std::replace(id.begin(), id.end(), ' ', '_');
    std::cout << absl::StrFormat(
        "result: call=%s median_ms=%.3f min_ms=%.3f max_ms=%.3f\n", id,
        t.Median(), t.Min(), t.Max());
  }
  return 0;
}
