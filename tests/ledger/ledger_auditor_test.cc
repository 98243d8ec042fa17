// The auditor property test of the inter-agency fee ledger, through the gRPC
// API of a real in-process server on a temp SQLite file.
//
// Each seed drives a random sequence of what members do: placements between
// members (links advanced to PLACED; some within one member), disruptions
// (CloseLink with DISRUPTION after PLACED), corrections of the PLACED date
// (across schedule boundaries), payments recorded then confirmed or
// rejected, new fee schedules, month-end runs (months run twice too),
// replays of earlier requests with the same request_id (and the same id with
// other content), and server restarts on the same file.
//
// After every step an independent auditor checks the server against a model
// the test keeps of what it did. The model prices each fee by hand from the
// schedules' figures (never by calling services/ledger/ledger_rules.h):
//  - every position from GetBalances is the sum over the journal
//    (ListEntries), and the sum the model expects; positions sum to zero;
//  - each placed cross-member link has exactly one live fee, at the price
//    the model expects, net of the refund after a disruption; a link within
//    one member has no entry at all;
//  - monthly fees: exactly the (link, month) pairs the month-end runs were
//    due to charge, none twice, each at the amount its placement date (as
//    corrected) prices;
//  - payments: a rejected or pending payment posted nothing; a confirmed
//    one exactly one PAYMENT entry; ListPayments shows each as the model
//    expects;
//  - no entry the model cannot account for.
#include <algorithm>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "google/type/date.pb.h"
#include "google/type/money.pb.h"
#include "gtest/gtest.h"
#include "raa/v1/ledger.grpc.pb.h"
#include "tests/support/in_process_server.h"

namespace raa::test {
namespace {

using absl::CivilDay;
using absl::CivilMonth;
using LedgerStub = v1::LedgerService::Stub;
using Pence = int64_t;
using ::testing::ElementsAre;

// ---- money and dates, by hand ----

Pence PenceOf(const google::type::Money& m) {
  return m.units() * 100 + m.nanos() / 10'000'000;
}

google::type::Money Gbp(Pence pence) {
  google::type::Money m;
  m.set_currency_code("GBP");
  m.set_units(pence / 100);
  m.set_nanos(static_cast<int32_t>(pence % 100) * 10'000'000);
  return m;
}

// The financial year (1 April - 31 March) `day` is in, by its first year.
int YearOf(CivilDay day) {
  return static_cast<int>(day.month() >= 4 ? day.year() : day.year() - 1);
}

CivilDay DayOf(const google::type::Date& d) {
  return CivilDay(d.year(), d.month(), d.day());
}

google::type::Date DateOf(CivilDay d) {
  return MakeDate(static_cast<int>(d.year()), d.month(), d.day());
}

std::string MonthText(CivilMonth m) {
  return absl::StrFormat("%04d-%02d", m.year(), m.month());
}

// x * percent / 100, rounded half up (x >= 0).
Pence PercentOf(Pence x, int percent) { return (x * percent + 50) / 100; }

// ---- the model ----

struct Member {
  std::string id;
  v1::AuthorityKind kind = v1::AUTHORITY_KIND_LOCAL_AUTHORITY;
  bool london = false;
  std::string finance;    // a finance officer's key
  std::string registrar;  // a registrar's key
};

struct PlacementModel {
  std::string link;
  int payer = 0;  // index into members_
  int payee = 0;
  int children = 1;
  CivilDay matched_on;  // MATCH_DECIDED: the earliest PLACED may be
  CivilDay placed_on;
  // The live fee, the schedule version that priced it (0 if none) and its
  // value date: the placement date it was priced for (a correction that
  // leaves the amount and the financial year as they were posts nothing, so
  // the date stays).
  Pence fee = 0;
  int64_t priced_by = 0;
  CivilDay fee_date;
  // Set once closed with DISRUPTION.
  std::optional<CivilDay> ended_on;
  Pence refund = 0;
};

struct PaymentModel {
  std::string name;
  int payer = 0;
  int payee = 0;
  Pence amount = 0;
  CivilDay paid_on;
  v1::PaymentState state = v1::PAYMENT_STATE_PENDING;
};

struct MonthlyCharge {
  Pence amount = 0;
  int payer = 0;
  int payee = 0;
  // Reversed in full once the placement's dates no longer make its month
  // due (an end recorded later, a corrected placement date). A month due
  // again after that is charged again: a second charge.
  bool reversed = false;
};

class LedgerAuditorTest : public InProcessServerTest,
                          public ::testing::WithParamInterface<uint32_t> {
 protected:
  void SetUp() override {
    InProcessServerTest::SetUp();
    ConnectLedger();
    AddMemberWith("aire", v1::AUTHORITY_KIND_LOCAL_AUTHORITY, false);
    AddMemberWith("brent", v1::AUTHORITY_KIND_LOCAL_AUTHORITY, true);
    AddMemberWith("calder", v1::AUTHORITY_KIND_VOLUNTARY_ADOPTION_AGENCY,
                  false);
    AddMemberWith("dearne", v1::AUTHORITY_KIND_VOLUNTARY_ADOPTION_AGENCY, true);
    ReadSchedules();
  }

  void ConnectLedger() { ledger_ = v1::LedgerService::NewStub(channel_); }

  template <typename Request, typename Response>
  grpc::Status Ledger(grpc::Status (LedgerStub::*method)(grpc::ClientContext*,
                                                         const Request&,
                                                         Response*),
                      absl::string_view key, const Request& request,
                      Response* response) {
    return Call(*ledger_, method, key, request, response);
  }

  void AddMemberWith(const std::string& id, v1::AuthorityKind kind,
                     bool london) {
    v1::CreateAuthorityRequest request;
    request.set_authority_id(id);
    *request.mutable_authority() =
        ValidAuthority(id + " council", "west-yorkshire");
    request.mutable_authority()->set_kind(kind);
    request.mutable_authority()->set_london_weighting(london);
    request.set_request_id(NextRequestId());
    v1::Authority created;
    ASSERT_THAT(
        Reg(&RegistryStub::CreateAuthority, manager_, request, &created),
        IsOk());
    Member m;
    m.id = id;
    m.kind = kind;
    m.london = london;
    m.finance = NewKey(id, {v1::ROLE_FINANCE});
    m.registrar = NewKey(id, {v1::ROLE_REGISTRAR});
    members_.push_back(m);
  }

  std::string AuthorityOf(int member) const {
    return "authorities/" + members_[member].id;
  }

  void ReadSchedules() {
    v1::ListFeeSchedulesResponse list;
    ASSERT_THAT(Ledger(&LedgerStub::ListFeeSchedules, manager_,
                       v1::ListFeeSchedulesRequest(), &list),
                IsOk());
    ASSERT_GT(list.schedules_size(), 0) << "no default schedule shipped";
    schedules_.assign(list.schedules().begin(), list.schedules().end());
  }

  // ---- hand-coded pricing ----

  // The schedule in force on `day`: the latest effective_from not after it
  // (of equal dates, the one added last).
  const v1::FeeSchedule* InForce(CivilDay day) const {
    const v1::FeeSchedule* found = nullptr;
    for (const v1::FeeSchedule& s : schedules_) {
      if (DayOf(s.effective_from()) > day) continue;
      if (found == nullptr ||
          DayOf(s.effective_from()) >= DayOf(found->effective_from())) {
        found = &s;
      }
    }
    return found;
  }

  const v1::FeeSchedule* Version(int64_t version) const {
    for (const v1::FeeSchedule& s : schedules_) {
      if (s.version() == version) return &s;
    }
    return nullptr;
  }

  // The rate and the weighting percent `s` applies to the payee.
  std::pair<const v1::FeeRate*, int> RateFor(const v1::FeeSchedule& s,
                                             const Member& payee) const {
    if (s.has_consortium_rate()) return {&s.consortium_rate(), 0};
    const v1::AuthorityKind kind =
        payee.kind == v1::AUTHORITY_KIND_VOLUNTARY_ADOPTION_AGENCY
            ? v1::AUTHORITY_KIND_VOLUNTARY_ADOPTION_AGENCY
            : v1::AUTHORITY_KIND_LOCAL_AUTHORITY;
    for (const v1::FeeRate& r : s.rates()) {
      if (r.agency_kind() == kind) {
        return {&r, payee.london ? s.london_weighting_percent() : 0};
      }
    }
    ADD_FAILURE() << "schedule v" << s.version() << " has no rate for " << kind;
    return {&s.consortium_rate(), 0};
  }

  // The fee of a placement of `children` with `payee` on `day`.
  std::pair<Pence, int64_t> FeeOf(int payee, int children, CivilDay day) const {
    const v1::FeeSchedule* s = InForce(day);
    if (s == nullptr) return {0, 0};
    auto [rate, weighting] = RateFor(*s, members_[payee]);
    const Pence base = PenceOf(rate->by_children(std::min(children, 5) - 1));
    return {base + PercentOf(base, weighting), s->version()};
  }

  Pence MonthlyFeeOf(const PlacementModel& p) const {
    const v1::FeeSchedule* s = InForce(p.placed_on);
    auto [rate, weighting] = RateFor(*s, members_[p.payee]);
    const Pence base = PenceOf(rate->monthly_fee());
    return base + PercentOf(base, weighting);
  }

  // Whether the month-end run of `month` owes the monthly fee of `p`.
  // Placement days are 1-27 (so placed_on + N months ends before any month
  // does), "the month ends after placed_on + N months" is "month >= the
  // placement's month + N".
  bool MonthlyFeeDue(const PlacementModel& p, CivilMonth month) const {
    if (p.payer == p.payee) return false;
    const v1::FeeSchedule* s = InForce(p.placed_on);
    if (s == nullptr) return false;
    if (month < CivilMonth(p.placed_on) + s->monthly_fee_after_months()) {
      return false;
    }
    // An end on the month's first day leaves nothing of it due.
    return !p.ended_on.has_value() || *p.ended_on > CivilDay(month);
  }

  // The monthly fees of `p` already charged whose months its dates, as they
  // are now, no longer make due: the server reverses them in the same step.
  void ReverseMonthsNoLongerDue(const PlacementModel& p) {
    for (auto& [key, charges] : monthly_) {
      if (key.first != p.link) continue;
      CivilMonth month;
      ASSERT_TRUE(absl::ParseCivilTime(key.second, &month)) << key.second;
      if (MonthlyFeeDue(p, month)) continue;
      for (MonthlyCharge& charge : charges) {
        if (charge.reversed) continue;
        charge.reversed = true;
        ++did_["monthly fees reversed as no longer due"];
      }
    }
  }

  // The monthly fees of `p` already charged, of months still due, at
  // another amount than its (corrected) placement date prices: the server
  // reverses them in the correction's step and charges them again.
  void ReverseMonthsRepriced(const PlacementModel& p) {
    const Pence now = MonthlyFeeOf(p);
    for (auto& [key, charges] : monthly_) {
      if (key.first != p.link) continue;
      CivilMonth month;
      ASSERT_TRUE(absl::ParseCivilTime(key.second, &month)) << key.second;
      if (!MonthlyFeeDue(p, month)) continue;
      for (MonthlyCharge& charge : charges) {
        if (charge.reversed || charge.amount == now) continue;
        charge.reversed = true;
        ++did_["monthly fees reversed as priced again"];
      }
    }
  }

  // Charges the monthly fees of `p` for every closed month that its dates,
  // as they are now, make due and that has none standing; returns how many.
  // A corrected date does this in its own step, a month-end run for every
  // placement (whichever month it closes: also the months, before or after
  // it, closed before the placement was recorded).
  int ChargeClosedMonthsDue(const PlacementModel& p, const char* counted_as) {
    int charged = 0;
    for (CivilMonth month : closed_) {
      if (!MonthlyFeeDue(p, month)) continue;
      std::vector<MonthlyCharge>& charges =
          monthly_[std::pair(p.link, MonthText(month))];
      if (!charges.empty() && !charges.back().reversed) continue;
      if (!charges.empty()) ++did_["monthly fees charged again"];
      charges.push_back({MonthlyFeeOf(p), p.payer, p.payee});
      ++did_[counted_as];
      ++charged;
    }
    return charged;
  }

  // ---- the audit ----

  std::vector<v1::Entry> AllEntries() {
    std::vector<v1::Entry> out;
    v1::ListEntriesRequest request;
    request.set_page_size(1000);
    for (;;) {
      v1::ListEntriesResponse page;
      EXPECT_THAT(Ledger(&LedgerStub::ListEntries, manager_, request, &page),
                  IsOk());
      out.insert(out.end(), page.entries().begin(), page.entries().end());
      if (page.next_page_token().empty() || HasFailure()) break;
      request.set_page_token(page.next_page_token());
    }
    return out;
  }

  std::vector<v1::Payment> AllPayments() {
    std::vector<v1::Payment> out;
    v1::ListPaymentsRequest request;
    request.set_page_size(1000);
    for (;;) {
      v1::ListPaymentsResponse page;
      EXPECT_THAT(Ledger(&LedgerStub::ListPayments, manager_, request, &page),
                  IsOk());
      out.insert(out.end(), page.payments().begin(), page.payments().end());
      if (page.next_page_token().empty() || HasFailure()) break;
      request.set_page_token(page.next_page_token());
    }
    return out;
  }

  void Audit(const std::string& after) {
    SCOPED_TRACE("after " + after);
    const std::vector<v1::Entry> entries = AllEntries();

    // The model's positions, from first principles.
    std::map<std::string, Pence> expected;
    for (const PlacementModel& p : placements_) {
      expected[AuthorityOf(p.payer)] -= p.fee - p.refund;
      expected[AuthorityOf(p.payee)] += p.fee - p.refund;
    }
    for (const auto& [key, charges] : monthly_) {
      for (const MonthlyCharge& charge : charges) {
        if (charge.reversed) continue;
        expected[AuthorityOf(charge.payer)] -= charge.amount;
        expected[AuthorityOf(charge.payee)] += charge.amount;
      }
    }
    for (const PaymentModel& p : payments_) {
      if (p.state != v1::PAYMENT_STATE_POSTED) continue;
      expected[AuthorityOf(p.payee)] -= p.amount;
      expected[AuthorityOf(p.payer)] += p.amount;
    }

    // The journal's positions.
    std::map<std::string, Pence> journal;
    std::map<std::string, std::vector<const v1::Entry*>> by_link;
    std::map<std::string, std::vector<const v1::Entry*>> by_payment;
    std::map<std::string, const v1::Entry*> by_name;
    for (const v1::Entry& e : entries) {
      const Pence amount = PenceOf(e.amount());
      EXPECT_GT(amount, 0) << e.ShortDebugString();
      EXPECT_NE(e.debit(), e.credit()) << e.ShortDebugString();
      journal[e.debit()] -= amount;
      journal[e.credit()] += amount;
      EXPECT_TRUE(by_name.emplace(e.name(), &e).second) << e.name();
      switch (e.type()) {
        case v1::ENTRY_TYPE_FEE:
        case v1::ENTRY_TYPE_MONTHLY_FEE:
        case v1::ENTRY_TYPE_REVERSAL:
          EXPECT_TRUE(links_.contains(e.link()))
              << "an entry for no placement the test made: "
              << e.ShortDebugString();
          by_link[e.link()].push_back(&e);
          break;
        case v1::ENTRY_TYPE_PAYMENT:
          by_payment[e.payment()].push_back(&e);
          break;
        default:
          ADD_FAILURE() << "unexpected entry " << e.ShortDebugString();
      }
    }

    v1::Balances balances;
    v1::GetBalancesRequest as_of_today;
    ASSERT_THAT(
        Ledger(&LedgerStub::GetBalances, manager_, as_of_today, &balances),
        IsOk());
    Pence sum = 0;
    std::set<std::string> listed;
    for (const v1::MemberPosition& p : balances.positions()) {
      const Pence position = PenceOf(p.position());
      sum += position;
      listed.insert(p.authority());
      EXPECT_EQ(position, journal[p.authority()])
          << p.authority() << ": GetBalances against the journal";
      EXPECT_EQ(position, expected[p.authority()])
          << p.authority() << ": GetBalances against the model";
    }
    EXPECT_EQ(sum, 0) << "positions do not sum to zero";
    for (const auto& [authority, position] : expected) {
      if (position != 0) {
        EXPECT_TRUE(listed.contains(authority))
            << authority << " has a position of " << position
            << " but GetBalances does not list it";
      }
      EXPECT_EQ(journal[authority], position) << authority;
    }

    // Each placement's fee: exactly one live fee, at the price expected.
    for (const PlacementModel& p : placements_) {
      SCOPED_TRACE(p.link);
      const auto& mine = by_link[p.link];
      if (p.payer == p.payee) {
        EXPECT_THAT(mine, ::testing::IsEmpty())
            << "a placement within one member is charged";
        continue;
      }
      std::map<std::string, Pence> reversed;  // fee entry -> reversed
      std::vector<const v1::Entry*> fees;
      // The link's fees net of reversals dated in another financial year
      // than the live fee's: nothing, unless a refund was dated there.
      Pence other_years = 0;
      for (const v1::Entry* e : mine) {
        const bool fee_or_its_reversal =
            e->type() == v1::ENTRY_TYPE_FEE ||
            (e->type() == v1::ENTRY_TYPE_REVERSAL &&
             by_name.contains(e->reverses()) &&
             by_name.at(e->reverses())->type() == v1::ENTRY_TYPE_FEE);
        if (fee_or_its_reversal &&
            YearOf(DayOf(e->value_date())) != YearOf(p.fee_date)) {
          other_years += e->type() == v1::ENTRY_TYPE_FEE
                             ? PenceOf(e->amount())
                             : -PenceOf(e->amount());
        }
        if (e->type() == v1::ENTRY_TYPE_FEE) {
          fees.push_back(e);
          EXPECT_EQ(e->debit(), AuthorityOf(p.payer));
          EXPECT_EQ(e->credit(), AuthorityOf(p.payee));
          EXPECT_EQ(e->children(), p.children);
        } else if (e->type() == v1::ENTRY_TYPE_REVERSAL) {
          reversed[e->reverses()] += PenceOf(e->amount());
          auto target = by_name.find(e->reverses());
          ASSERT_NE(target, by_name.end())
              << "reverses no entry: " << e->ShortDebugString();
          EXPECT_EQ(target->second->link(), p.link);
          EXPECT_EQ(e->debit(), target->second->credit());
          EXPECT_EQ(e->credit(), target->second->debit());
        }
      }
      int live = 0;
      Pence net = 0;
      for (const v1::Entry* fee : fees) {
        const Pence amount = PenceOf(fee->amount());
        const Pence back = reversed[fee->name()];
        EXPECT_LE(back, amount) << fee->name() << " reversed more than it";
        net += amount - back;
        if (back < amount) {
          ++live;
          EXPECT_EQ(amount, p.fee) << "the live fee's price";
          EXPECT_EQ(fee->schedule_version(), p.priced_by);
          EXPECT_EQ(DayOf(fee->value_date()), p.fee_date);
        }
      }
      EXPECT_EQ(live, p.fee > 0 ? 1 : 0) << "live fees of a placed link";
      EXPECT_EQ(net, p.fee - p.refund) << "the fee net of reversals";
      if (p.refund == 0) {
        EXPECT_EQ(other_years, 0)
            << "fees counted outside the financial year of " << p.fee_date;
      }
    }

    // Monthly fees: the pairs the runs were due to charge, each once, and
    // again only after the charge before was reversed.
    std::map<std::pair<std::string, std::string>, std::vector<Pence>> charged;
    for (const auto& [link, mine] : by_link) {
      for (const v1::Entry* e : mine) {
        if (e->type() != v1::ENTRY_TYPE_MONTHLY_FEE) continue;
        charged[std::pair(e->link(), e->month())].push_back(
            PenceOf(e->amount()));
      }
    }
    std::map<std::pair<std::string, std::string>, std::vector<Pence>> due;
    for (const auto& [key, charges] : monthly_) {
      for (const MonthlyCharge& charge : charges) {
        due[key].push_back(charge.amount);
      }
    }
    EXPECT_EQ(charged, due) << "monthly fees against the month-end runs";

    // Payments: posted once when confirmed, never otherwise.
    std::map<std::string, v1::Payment> listed_payments;
    for (v1::Payment& p : AllPayments()) listed_payments[p.name()] = p;
    EXPECT_EQ(listed_payments.size(), payments_.size());
    for (const PaymentModel& p : payments_) {
      SCOPED_TRACE(p.name);
      const auto& posted = by_payment[p.name];
      EXPECT_EQ(listed_payments[p.name].state(), p.state);
      if (p.state != v1::PAYMENT_STATE_POSTED) {
        EXPECT_THAT(posted, ::testing::IsEmpty()) << "posted but not confirmed";
        continue;
      }
      ASSERT_EQ(posted.size(), 1u) << "a confirmed payment posted once";
      EXPECT_EQ(PenceOf(posted[0]->amount()), p.amount);
      EXPECT_EQ(posted[0]->debit(), AuthorityOf(p.payee));
      EXPECT_EQ(posted[0]->credit(), AuthorityOf(p.payer));
      EXPECT_EQ(DayOf(posted[0]->value_date()), p.paid_on);
      EXPECT_EQ(listed_payments[p.name].entry(), posted[0]->name());
    }
    for (const auto& [payment, posted] : by_payment) {
      EXPECT_TRUE(
          std::any_of(payments_.begin(), payments_.end(),
                      [&](const PaymentModel& p) { return p.name == payment; }))
          << "a PAYMENT entry for no payment the test made: " << payment;
    }
  }

  // ---- steps ----

  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  bool Chance(int percent) { return Pick(100) < percent; }
  // A day in [from, to] with a day of the month 1-27.
  CivilDay DayIn(CivilDay from, CivilDay to) {
    for (;;) {
      CivilDay d = from + std::uniform_int_distribution<int>(
                              0, static_cast<int>(to - from))(rng_);
      if (d.day() <= 27) return d;
    }
  }

  // Remembers a call to replay later: same request, same key, same
  // request_id; a ledger answer must be the first one again.
  template <typename Request, typename Response>
  void RememberLedger(grpc::Status (LedgerStub::*method)(grpc::ClientContext*,
                                                         const Request&,
                                                         Response*),
                      std::string key, Request request, Response first) {
    replays_.push_back([this, method, key, request, first](const char* what) {
      Response again;
      EXPECT_THAT(Ledger(method, key, request, &again), IsOk()) << what;
      EXPECT_THAT(again, EqualsProto(first)) << what;
    });
  }
  template <typename Request, typename Response>
  void RememberJourney(grpc::Status (JourneyStub::*method)(grpc::ClientContext*,
                                                           const Request&,
                                                           Response*),
                       std::string key, Request request) {
    replays_.push_back([this, method, key, request](const char* what) {
      Response again;
      EXPECT_THAT(Journey(method, key, request, &again), IsOk()) << what;
    });
  }

  void Place() {
    const int payer = Pick(static_cast<int>(members_.size()));
    int payee = payer;  // 15% within one member
    if (!Chance(15)) {
      payee = Pick(static_cast<int>(members_.size()) - 1);
      if (payee >= payer) ++payee;
    }
    const int children = std::vector<int>{1, 1, 1, 2, 2, 3, 4}[Pick(7)];
    std::vector<int> ages;
    for (int i = 0; i < children; ++i) ages.push_back(60 + 10 * i);
    const v1::Child child = AddChild(members_[payer].registrar,
                                     members_[payer].id, ChildProfile(ages));
    const v1::Adopter household =
        AddAdopter(members_[payee].registrar, members_[payee].id,
                   ApprovedHousehold(children, 48, 120));
    ASSERT_FALSE(HasFailure());

    PlacementModel p;
    p.payer = payer;
    p.payee = payee;
    p.children = children;
    const CivilDay opened = DayIn(window_from_, window_from_ + 120);
    p.matched_on = opened + 4;
    p.placed_on = DayIn(p.matched_on, window_to_);

    v1::OpenLinkRequest open;
    open.set_child(child.name());
    open.set_adopter(household.name());
    *open.mutable_opened_on() = DateOf(opened);
    open.set_request_id(NextRequestId());
    v1::Link link;
    ASSERT_THAT(Journey(&JourneyStub::OpenLink, manager_, open, &link), IsOk());
    p.link = link.name();
    for (int s = v1::LINK_STEP_LINKING_MEETING; s <= v1::LINK_STEP_PLACED;
         ++s) {
      v1::AdvanceLinkRequest advance;
      advance.set_name(link.name());
      advance.set_step(static_cast<v1::LinkStep>(s));
      *advance.mutable_date() =
          DateOf(s == v1::LINK_STEP_PLACED ? p.placed_on : opened + (s - 1));
      advance.set_request_id(NextRequestId());
      ASSERT_THAT(Journey(&JourneyStub::AdvanceLink, manager_, advance, &link),
                  IsOk())
          << link.name() << " step " << s;
      if (s == v1::LINK_STEP_PLACED) {
        RememberJourney<v1::AdvanceLinkRequest, v1::Link>(
            &JourneyStub::AdvanceLink, manager_, advance);
      }
    }
    if (payer != payee) {
      std::tie(p.fee, p.priced_by) = FeeOf(payee, children, p.placed_on);
      p.fee_date = p.placed_on;
      Charged(p.placed_on);
    }
    links_.insert(p.link);
    placements_.push_back(p);
    ++did_[payer == payee ? "placements within a member"
                          : "placements between members"];
  }

  // An open placed link, or -1.
  int OpenPlacement() {
    std::vector<int> open;
    for (size_t i = 0; i < placements_.size(); ++i) {
      if (!placements_[i].ended_on) open.push_back(static_cast<int>(i));
    }
    if (open.empty()) return -1;
    return open[Pick(static_cast<int>(open.size()))];
  }

  // The refund of a disrupted placement's live fee: the part of it the
  // schedule that priced it makes refundable.
  void Refund(PlacementModel& p) {
    p.refund = 0;
    if (p.fee == 0) return;
    const v1::FeeSchedule* priced = Version(p.priced_by);
    ASSERT_NE(priced, nullptr);
    p.refund = PercentOf(p.fee, priced->disruption_refund_percent());
  }

  void Disrupt() {
    const int i = OpenPlacement();
    if (i < 0) return;
    PlacementModel& p = placements_[i];
    const CivilDay ended = DayIn(p.placed_on, window_to_);
    v1::CloseLinkRequest close;
    close.set_name(p.link);
    close.set_reason(v1::CLOSE_REASON_DISRUPTION);
    close.set_note("The placement ended before the order.");
    *close.mutable_date() = DateOf(ended);
    close.set_request_id(NextRequestId());
    v1::Link link;
    ASSERT_THAT(Journey(&JourneyStub::CloseLink, manager_, close, &link),
                IsOk());
    RememberJourney<v1::CloseLinkRequest, v1::Link>(&JourneyStub::CloseLink,
                                                    manager_, close);
    p.ended_on = ended;
    ASSERT_NO_FATAL_FAILURE(Refund(p));
    ++did_[p.refund > 0 ? "disruptions refunding part of a fee"
                        : "disruptions refunding nothing"];
    ReverseMonthsNoLongerDue(p);
  }

  void Correct() {
    // Any placement, ended or not: a disrupted one's date may be corrected
    // up to its end.
    if (placements_.empty()) return;
    PlacementModel& p = placements_[Pick(static_cast<int>(placements_.size()))];
    const CivilDay moved = DayIn(p.matched_on, p.ended_on.value_or(window_to_));
    if (moved == p.placed_on) return;
    v1::CorrectStepRequest correct;
    correct.set_name(p.link);
    correct.set_step(v1::LINK_STEP_PLACED);
    *correct.mutable_new_date() = DateOf(moved);
    correct.set_reason("The placement date was recorded wrongly.");
    correct.set_request_id(NextRequestId());
    v1::Link link;
    ASSERT_THAT(Journey(&JourneyStub::CorrectStep, manager_, correct, &link),
                IsOk());
    RememberJourney<v1::CorrectStepRequest, v1::Link>(&JourneyStub::CorrectStep,
                                                      manager_, correct);
    p.placed_on = moved;
    if (p.payer == p.payee) return;
    ReverseMonthsNoLongerDue(p);
    ReverseMonthsRepriced(p);
    ChargeClosedMonthsDue(p, "monthly fees charged by a corrected date");
    // Re-posted (a reversal and a new fee) only if the amount changes or the
    // fee moves to another financial year.
    auto [fee, version] = FeeOf(p.payee, p.children, moved);
    if (fee != p.fee || YearOf(moved) != YearOf(p.fee_date)) {
      p.fee = fee;
      p.priced_by = version;
      p.fee_date = moved;
      Charged(moved);
      ++did_["corrections re-posting a fee"];
      // The fee it replaces is reversed whole, refund and all; a disrupted
      // placement's new fee is refunded as its own schedule says.
      if (p.ended_on.has_value()) {
        ASSERT_NO_FATAL_FAILURE(Refund(p));
        ++did_[p.refund > 0 ? "corrections of a disrupted placement, refunded"
                            : "corrections of a disrupted placement"];
      }
    } else {
      ++did_["corrections leaving the fee"];
    }
  }

  void RecordPayment() {
    const int payer = Pick(static_cast<int>(members_.size()));
    int payee = Pick(static_cast<int>(members_.size()) - 1);
    if (payee >= payer) ++payee;
    PaymentModel p;
    p.payer = payer;
    p.payee = payee;
    p.amount = std::uniform_int_distribution<Pence>(1, 5'000'000)(rng_);
    p.paid_on = DayIn(window_from_, window_to_);
    v1::RecordPaymentRequest request;
    request.set_payer(AuthorityOf(payer));
    request.set_payee(AuthorityOf(payee));
    *request.mutable_amount() = Gbp(p.amount);
    *request.mutable_paid_on() = DateOf(p.paid_on);
    request.set_reference(absl::StrCat("BACS-", payments_.size() + 1));
    request.set_allow_overpayment(true);
    request.set_request_id(NextRequestId());
    v1::Payment payment;
    ASSERT_THAT(Ledger(&LedgerStub::RecordPayment, members_[payer].finance,
                       request, &payment),
                IsOk());
    EXPECT_EQ(payment.state(), v1::PAYMENT_STATE_PENDING);
    p.name = payment.name();
    payments_.push_back(p);
    RememberLedger(&LedgerStub::RecordPayment, members_[payer].finance, request,
                   payment);
    // The same id with another amount is refused, and posts nothing.
    request.mutable_amount()->set_units(request.amount().units() + 1);
    v1::Payment refused;
    EXPECT_THAT(Ledger(&LedgerStub::RecordPayment, members_[payer].finance,
                       request, &refused),
                StatusIs(grpc::StatusCode::ALREADY_EXISTS));
  }

  void DecidePayment() {
    std::vector<int> pending;
    for (size_t i = 0; i < payments_.size(); ++i) {
      if (payments_[i].state == v1::PAYMENT_STATE_PENDING) {
        pending.push_back(static_cast<int>(i));
      }
    }
    if (pending.empty()) return;
    PaymentModel& p =
        payments_[pending[Pick(static_cast<int>(pending.size()))]];
    const std::string& key = members_[p.payee].finance;
    v1::Payment decided;
    if (Chance(65)) {
      v1::ConfirmPaymentRequest confirm;
      confirm.set_name(p.name);
      confirm.set_request_id(NextRequestId());
      ASSERT_THAT(Ledger(&LedgerStub::ConfirmPayment, key, confirm, &decided),
                  IsOk());
      EXPECT_EQ(decided.state(), v1::PAYMENT_STATE_POSTED);
      RememberLedger(&LedgerStub::ConfirmPayment, key, confirm, decided);
      p.state = v1::PAYMENT_STATE_POSTED;
      ++did_["payments confirmed"];
    } else {
      v1::RejectPaymentRequest reject;
      reject.set_name(p.name);
      reject.set_reason("No such payment on our bank statement.");
      reject.set_request_id(NextRequestId());
      ASSERT_THAT(Ledger(&LedgerStub::RejectPayment, key, reject, &decided),
                  IsOk());
      EXPECT_EQ(decided.state(), v1::PAYMENT_STATE_REJECTED);
      RememberLedger(&LedgerStub::RejectPayment, key, reject, decided);
      p.state = v1::PAYMENT_STATE_REJECTED;
      ++did_["payments rejected"];
    }
  }

  v1::FeeRate Rate(v1::AuthorityKind kind, std::vector<Pence> pounds,
                   Pence monthly_pounds, int scale_percent) {
    v1::FeeRate rate;
    rate.set_agency_kind(kind);
    for (Pence p : pounds) {
      *rate.add_by_children() = Gbp(PercentOf(p * 100, scale_percent));
    }
    *rate.mutable_monthly_fee() =
        Gbp(PercentOf(monthly_pounds * 100, scale_percent));
    return rate;
  }

  // A schedule from `from`: the shipped figures scaled, its own refund
  // percent, sometimes a consortium rate.
  void AddSchedule(CivilDay from, int refund_percent, bool consortium) {
    const int scale = 90 + Pick(30);
    v1::AddFeeScheduleRequest request;
    v1::FeeSchedule& s = *request.mutable_schedule();
    *s.mutable_effective_from() = DateOf(from);
    *s.add_rates() = Rate(v1::AUTHORITY_KIND_LOCAL_AUTHORITY,
                          {27'000, 43'000, 60'000, 68'000, 80'000}, 500, scale);
    *s.add_rates() = Rate(v1::AUTHORITY_KIND_VOLUNTARY_ADOPTION_AGENCY,
                          {39'245, 44'194, 61'000, 68'000, 80'000}, 750, scale);
    if (consortium) {
      *s.mutable_consortium_rate() =
          Rate(v1::AUTHORITY_KIND_LOCAL_AUTHORITY,
               {20'000, 30'000, 40'000, 45'000, 50'000}, 250, scale);
    }
    s.set_london_weighting_percent(10);
    s.set_monthly_fee_after_months(1 + Pick(3));
    s.set_disruption_refund_percent(refund_percent);
    s.set_source(absl::StrCat("Auditor test schedule from ",
                              MonthText(CivilMonth(from)), ", ", scale, "%"));
    request.set_request_id(NextRequestId());
    v1::FeeSchedule added;
    ASSERT_THAT(Ledger(&LedgerStub::AddFeeSchedule, manager_, request, &added),
                IsOk());
    RememberLedger(&LedgerStub::AddFeeSchedule, manager_, request, added);
    ReadSchedules();
    last_schedule_ = from;
  }

  // The placement date of the latest fee the model has charged (a fee
  // reversed by a correction counts: it was charged); none before the
  // first.
  std::optional<CivilDay> latest_fee_;
  void Charged(CivilDay placed_on) {
    latest_fee_ = latest_fee_ ? std::max(*latest_fee_, placed_on) : placed_on;
  }

  // A schedule from `from`, on or before a fee charged: refused, naming its
  // date, and nothing added.
  void RefuseScheduleFrom(CivilDay from) {
    v1::AddFeeScheduleRequest request;
    *request.mutable_schedule() = schedules_.back();
    request.mutable_schedule()->clear_version();
    request.mutable_schedule()->clear_create_time();
    request.mutable_schedule()->clear_created_by();
    *request.mutable_schedule()->mutable_effective_from() = DateOf(from);
    request.set_request_id(NextRequestId());
    v1::FeeSchedule added;
    const grpc::Status status =
        Ledger(&LedgerStub::AddFeeSchedule, manager_, request, &added);
    ASSERT_THAT(status, StatusIs(grpc::StatusCode::INVALID_ARGUMENT));
    EXPECT_THAT(ViolationFields(status),
                ElementsAre("schedule.effective_from"));
    ++did_["schedules refused for starting before a fee charged"];
  }

  void CloseMonth() {
    const CivilMonth month =
        CivilMonth(window_from_) +
        Pick(static_cast<int>(CivilMonth(Today()) - CivilMonth(window_from_)));
    v1::CloseMonthRequest request;
    request.set_month(MonthText(month));
    request.set_request_id(NextRequestId());
    v1::MonthClose close;
    ASSERT_THAT(Ledger(&LedgerStub::CloseMonth, manager_, request, &close),
                IsOk())
        << request.month();
    RememberLedger(&LedgerStub::CloseMonth, manager_, request, close);
    closed_.insert(month);
    int posted = 0;
    for (const PlacementModel& p : placements_) {
      posted += ChargeClosedMonthsDue(p, "monthly fees");
    }
    EXPECT_EQ(close.entries_size(), posted) << "month " << request.month();
    ++did_["month-end runs"];
  }

  void Replay() {
    if (replays_.empty()) return;
    replays_[Pick(static_cast<int>(replays_.size()))]("a replay");
    ++did_["replays"];
  }

  void Restart() {
    ledger_.reset();
    ASSERT_NO_FATAL_FAILURE(RestartServer());
    ConnectLedger();
    ++did_["restarts"];
  }

  // What the sequence did, printed at the end so a reader can see the test
  // covered what it claims to.
  std::map<std::string, int> did_;

  std::mt19937 rng_;
  std::unique_ptr<LedgerStub> ledger_;
  std::vector<Member> members_;
  std::vector<v1::FeeSchedule> schedules_;
  std::vector<PlacementModel> placements_;
  std::set<std::string> links_;
  std::vector<PaymentModel> payments_;
  // Each link and month's charges, oldest first: all reversed but the last.
  std::map<std::pair<std::string, std::string>, std::vector<MonthlyCharge>>
      monthly_;
  // The months closed by a month-end run.
  std::set<CivilMonth> closed_;
  std::vector<std::function<void(const char*)>> replays_;
  CivilDay window_from_;
  CivilDay window_to_;
  CivilDay last_schedule_;
};

TEST_P(LedgerAuditorTest, EveryBalanceIsTheSumOfTheJournalAfterEveryStep) {
  rng_.seed(GetParam());
  // Placements fall after every shipped schedule, in schedules of the
  // test's own, so the test knows each figure that prices them.
  CivilDay latest(2025, 9, 2);  // households are approved on 2025-09-01
  for (const v1::FeeSchedule& s : schedules_) {
    latest = std::max(latest, DayOf(s.effective_from()) + 1);
  }
  ASSERT_LT(latest, CivilDay(2026, 1, 1)) << "a shipped schedule too late";
  ASSERT_NO_FATAL_FAILURE(AddSchedule(latest, 50, false));
  window_from_ = latest;
  window_to_ = Today() - 1;
  // A schedule starts after every fee already charged (history is never
  // re-priced), so most are added now, before the placements they price.
  for (int i = 0; i < 3; ++i) {
    const CivilDay from = DayIn(last_schedule_ + 30, last_schedule_ + 150);
    if (from >= window_to_) break;
    ASSERT_NO_FATAL_FAILURE(AddSchedule(from, Pick(101), Chance(30)));
  }

  constexpr int kSteps = 150;
  for (int step = 1; step <= kSteps && !HasFatalFailure(); ++step) {
    const int dice = Pick(100);
    std::string what;
    if (dice < 30 || placements_.size() < 3) {
      what = "a placement";
      ASSERT_NO_FATAL_FAILURE(Place());
    } else if (dice < 38) {
      what = "a disruption";
      ASSERT_NO_FATAL_FAILURE(Disrupt());
    } else if (dice < 50) {
      what = "a correction of the placement date";
      ASSERT_NO_FATAL_FAILURE(Correct());
    } else if (dice < 63) {
      what = "a payment recorded";
      ASSERT_NO_FATAL_FAILURE(RecordPayment());
    } else if (dice < 75) {
      what = "a payment confirmed or rejected";
      ASSERT_NO_FATAL_FAILURE(DecidePayment());
    } else if (dice < 79) {
      what = "a new fee schedule";
      const CivilDay charged = latest_fee_.value_or(last_schedule_);
      const CivilDay after = std::max(last_schedule_, charged) + 1;
      if (charged >= last_schedule_ + 1) {
        ASSERT_NO_FATAL_FAILURE(RefuseScheduleFrom(charged));
      }
      const CivilDay from = DayIn(after, after + 150);
      if (from < window_to_) {
        ASSERT_NO_FATAL_FAILURE(AddSchedule(from, Pick(101), Chance(30)));
      }
    } else if (dice < 88) {
      what = "a month-end run";
      ASSERT_NO_FATAL_FAILURE(CloseMonth());
    } else if (dice < 97) {
      what = "a replay";
      ASSERT_NO_FATAL_FAILURE(Replay());
    } else {
      what = "a restart";
      ASSERT_NO_FATAL_FAILURE(Restart());
    }
    ASSERT_NO_FATAL_FAILURE(
        Audit(absl::StrCat("step ", step, " (", what, ")")));
    if (HasFailure()) break;  // the first step that went wrong is the story
  }
  // Every request again after a restart: the server keeps its first answers
  // and the journal does not move.
  ASSERT_NO_FATAL_FAILURE(Restart());
  for (auto& replay : replays_) replay("a replay after the last restart");
  Audit("replaying every request after a restart");
  did_["replays after the last restart"] = static_cast<int>(replays_.size());
  did_["fee schedules"] = static_cast<int>(schedules_.size());
  did_["journal entries"] = static_cast<int>(AllEntries().size());
  std::string summary;
  for (const auto& [what, n] : did_)
    absl::StrAppend(&summary, n, " ", what, "; ");
  std::cout << "seed " << GetParam() << ": " << summary << "\n";
}

// A retry of AddFeeSchedule with the same request_id returns the first
// answer, even after a later schedule was added (the order against the
// latest schedule is checked only inside the write, after the request id).
class ScheduleRetryTest : public LedgerAuditorTest {};

TEST_F(ScheduleRetryTest, AScheduleRetriedAfterALaterOneGetsItsFirstAnswer) {
  ASSERT_NO_FATAL_FAILURE(AddSchedule(CivilDay(2025, 10, 1), 50, false));
  v1::AddFeeScheduleRequest first;
  first.mutable_schedule()->CopyFrom(schedules_.back());
  first.mutable_schedule()->clear_version();
  first.mutable_schedule()->clear_create_time();
  first.mutable_schedule()->clear_created_by();
  *first.mutable_schedule()->mutable_effective_from() =
      DateOf(CivilDay(2025, 11, 1));
  first.set_request_id("schedule-once");
  v1::FeeSchedule added;
  ASSERT_THAT(Ledger(&LedgerStub::AddFeeSchedule, manager_, first, &added),
              IsOk());
  ASSERT_NO_FATAL_FAILURE(AddSchedule(CivilDay(2026, 1, 1), 50, false));
  v1::FeeSchedule again;
  EXPECT_THAT(Ledger(&LedgerStub::AddFeeSchedule, manager_, first, &again),
              IsOk());
  EXPECT_THAT(again, EqualsProto(added));
}

INSTANTIATE_TEST_SUITE_P(Seeds, LedgerAuditorTest,
                         ::testing::Values(1u, 2u, 3u, 20261101u));

}  // namespace
}  // namespace raa::test
