// The ledger's reads at consortium scale, without a network: a scratch
// store with `members` members and `entries` journal entries (fees between
// random pairs, a payment for every fourth), posted through ledger_rows::Post
// as the service posts them, then GetBalances, PlanSettlement and a member's
// statement timed through Ledger, and the start-up audit. Usage:
//   build/bench/ledger_store_bench [--members 15] [--entries 100000]
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/dates.h"
#include "common/names.h"
#include "services/auth/caller.h"
#include "services/ledger/ledger.h"
#include "services/ledger/ledger_rows.h"
#include "services/registry/registry_rows.h"
#include "services/server/schema.h"

namespace raa {
namespace {

template <typename F>
double Millis(F&& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now() - start)
      .count();
}

int Run(int members, int entries) {
  const std::string dir = (std::filesystem::temp_directory_path() /
                           absl::StrCat("ledger_store_bench_", getpid()))
                              .string();
  std::filesystem::create_directories(dir);
  SystemClock clock;
  auto store = Store::Open(dir + "/raamatch.db", clock, RaamatchSchema());
  if (!store.ok()) {
    std::cerr << store.status() << "\n";
    return 1;
  }
  std::vector<std::string> ids;
  for (int m = 0; m < members; ++m) ids.push_back(absl::StrCat("member", m));
  auto added = (*store)->Write<v1::Authority>(
      RequestKey{}, [&](StoreTx& tx) -> absl::StatusOr<v1::Authority> {
        for (const std::string& id : ids) {
          v1::Authority a;
          a.set_name(AuthorityName(id));
          a.set_display_name(id);
          a.set_kind(v1::AUTHORITY_KIND_LOCAL_AUTHORITY);
          a.set_region("england");
          a.set_status(v1::AUTHORITY_STATUS_ACTIVE);
          *a.mutable_joined_on() = ToDate(absl::CivilDay(2020, 1, 1));
          if (auto s = registry_rows::InsertAuthority(tx, a); !s.ok()) return s;
        }
        return v1::Authority();
      });
  if (!added.ok()) {
    std::cerr << added.status() << "\n";
    return 1;
  }
  std::mt19937_64 random(42);
  std::uniform_int_distribution<int> member(0, members - 1);
  std::uniform_int_distribution<int> day(0, 3 * 365);
  const double post_ms = Millis([&] {
    constexpr int kBatch = 10000;
    for (int done = 0; done < entries; done += kBatch) {
      std::vector<ledger_rules::Posting> postings;
      for (int i = done; i < std::min(entries, done + kBatch); ++i) {
        ledger_rules::Posting p;
        const int a = member(random);
        int b = member(random);
        if (b == a) b = (a + 1) % members;
        p.type = i % 4 == 3 ? v1::ENTRY_TYPE_PAYMENT : v1::ENTRY_TYPE_FEE;
        p.debit = ids[a];
        p.credit = ids[b];
        p.amount = 27'000'00 + i % 1000;
        p.value_date = absl::CivilDay(2023, 4, 1) + day(random);
        p.link_id = p.type == v1::ENTRY_TYPE_FEE ? i + 1 : 0;
        p.reference = absl::StrCat("B", i);
        postings.push_back(std::move(p));
      }
      auto written = (*store)->Write<v1::Authority>(
          RequestKey{}, [&](StoreTx& tx) -> absl::StatusOr<v1::Authority> {
            auto ids = ledger_rows::Post(tx, postings, {"bench", ""});
            if (!ids.ok()) return ids.status();
            return v1::Authority();
          });
      if (!written.ok()) std::cerr << written.status() << "\n";
    }
  });
  Ledger ledger(**store, clock);
  Caller manager{
      .authority_id = "member0", .key_id = "bench", .roles = kManager};
  Caller finance{
      .authority_id = "member1", .key_id = "bench", .roles = kFinance};
  int debts = 0, payments = 0, lines = 0;
  const double balances_ms = Millis([&] {
    auto b = ledger.GetBalances(manager, v1::GetBalancesRequest());
    if (b.ok()) debts = b->debts_size();
  });
  const double finance_ms = Millis(
      [&] { (void)ledger.GetBalances(finance, v1::GetBalancesRequest()); });
  const double plan_ms = Millis([&] {
    auto p = ledger.PlanSettlement(manager, v1::PlanSettlementRequest());
    if (p.ok()) payments = p->payment_count();
  });
  const double statement_ms = Millis([&] {
    v1::GetStatementRequest r;
    r.set_authority("authorities/member1");
    r.set_financial_year(2024);
    auto s = ledger.GetStatement(finance, r);
    if (s.ok()) lines = s->lines_size();
  });
  bool agrees = false;
  const double audit_ms = Millis([&] {
    auto a = ledger_rows::AuditJournal(**store);
    agrees = a.ok() && !a->has_value();
  });
  std::printf(
      "members %d, entries %d\n"
      "  posting (batches of 10,000)   %8.1f ms (%.1f us per entry)\n"
      "  GetBalances (manager)         %8.1f ms (%d debts)\n"
      "  GetBalances (finance)         %8.1f ms\n"
      "  PlanSettlement                %8.1f ms (%d payments)\n"
      "  GetStatement (a year)         %8.1f ms (%d lines)\n"
      "  start-up audit                %8.1f ms (%s)\n",
      members, entries, post_ms, 1000.0 * post_ms / entries, balances_ms, debts,
      finance_ms, plan_ms, payments, statement_ms, lines, audit_ms,
      agrees ? "agrees" : "DISAGREES");
  store->reset();
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace raa

int main(int argc, char** argv) {
  CLI::App app{"The ledger's reads at consortium scale"};
  int members = 15, entries = 100000;
  app.add_option("--members", members, "members of the consortium");
  app.add_option("--entries", entries, "journal entries");
  CLI11_PARSE(app, argc, argv);
  if (members < 2 || entries < 1) return 2;
  return raa::Run(members, entries);
}
