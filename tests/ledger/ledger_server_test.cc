// LedgerService end to end on the in-process server: fees accrued by the
// journey's PLACED step (once, at the right rate, re-priced by a date
// correction, refunded on disruption), payments in two steps, month-ends,
// statements, who may see what, and the start-up audit that closes the
// ledger when the balance table disagrees with the journal.
#include <SQLiteCpp/Database.h>

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/clock.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "gmock/gmock.h"
#include "google/protobuf/empty.pb.h"
#include "gtest/gtest.h"
#include "raa/v1/journey.pb.h"
#include "raa/v1/ledger.grpc.pb.h"
#include "services/ledger/ledger_rows.h"
#include "services/server/schema.h"
#include "services/store/store.h"
#include "tests/support/in_process_server.h"

namespace raa::test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using Code = ::grpc::StatusCode;
using LedgerStub = v1::LedgerService::Stub;

int64_t P(const google::type::Money& m) {
  return m.units() * 100 + m.nanos() / 10'000'000;
}

google::type::Money Pounds(int64_t pence) {
  google::type::Money m;
  m.set_currency_code("GBP");
  m.set_units(pence / 100);
  m.set_nanos(static_cast<int32_t>(pence % 100) * 10'000'000);
  return m;
}

class LedgerServerTest : public InProcessServerTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(InProcessServerTest::SetUp());
    AddMember("sheffield", "south-yorkshire");
    AddMember("leeds", "west-yorkshire");
    AddMember("york", "york", v1::AUTHORITY_KIND_VOLUNTARY_ADOPTION_AGENCY);
    for (const char* id : {"sheffield", "leeds", "york"}) {
      registrar_[id] = NewKey(id, {v1::ROLE_REGISTRAR});
      finance_[id] = NewKey(id, {v1::ROLE_FINANCE});
    }
    finder_ = NewKey("sheffield", {v1::ROLE_FAMILY_FINDER});
  }

  template <typename Request, typename Response>
  grpc::Status L(grpc::Status (LedgerStub::*method)(grpc::ClientContext*,
                                                    const Request&, Response*),
                 absl::string_view key, const Request& request,
                 Response* response) {
    std::unique_ptr<LedgerStub> stub = v1::LedgerService::NewStub(channel_);
    return Call(*stub, method, key, request, response);
  }

  // A child of `child_owner` placed with a household of `household_owner`
  // (opened 2026-10-01, placed 2026-10-06).
  v1::Link Placed(const std::string& child_owner,
                  const std::string& household_owner,
                  v1::LinkStep step = v1::LINK_STEP_PLACED) {
    v1::Child child =
        AddChild(registrar_[child_owner], child_owner, ChildProfile({84}));
    v1::Adopter household =
        AddAdopter(registrar_[household_owner], household_owner,
                   ApprovedHousehold(1, 48, 120));
    return LinkTo(child.name(), household.name(), step);
  }

  // A link opened on `opened` and advanced a day apart up to MATCH_DECIDED,
  // of `profile` (in care before `opened`) with a household approved a month
  // before it; `override_reason` for a pair the matcher would refuse.
  v1::Link MatchedFrom(const std::string& child_owner,
                       const std::string& household_owner,
                       absl::CivilDay opened,
                       const v1::Child& profile = ChildProfile({84}),
                       const std::string& override_reason = "") {
    v1::Child child = AddChild(registrar_[child_owner], child_owner, profile);
    v1::Adopter household =
        AddAdopter(registrar_[household_owner], household_owner,
                   ApprovedOn(ApprovedHousehold(1, 48, 120), opened - 30));
    v1::OpenLinkRequest open;
    open.set_child(child.name());
    open.set_adopter(household.name());
    *open.mutable_opened_on() = ToGoogleDate(opened);
    open.set_override_reason(override_reason);
    open.set_request_id(NextRequestId());
    v1::Link link;
    EXPECT_THAT(Journey(&JourneyStub::OpenLink, manager_, open, &link), IsOk());
    for (int s = v1::LINK_STEP_LINKING_MEETING;
         s <= v1::LINK_STEP_MATCH_DECIDED; ++s) {
      EXPECT_THAT(Advance(link.name(), static_cast<v1::LinkStep>(s),
                          opened + (s - 1), NextRequestId()),
                  IsOk());
    }
    return link;
  }

  static google::type::Date ToGoogleDate(absl::CivilDay d) {
    return MakeDate(static_cast<int>(d.year()), d.month(), d.day());
  }

  grpc::Status Advance(const std::string& link, v1::LinkStep step,
                       absl::CivilDay on, const std::string& request_id) {
    v1::AdvanceLinkRequest advance;
    advance.set_name(link);
    advance.set_step(step);
    *advance.mutable_date() = ToGoogleDate(on);
    advance.set_request_id(request_id);
    v1::Link out;
    return Journey(&JourneyStub::AdvanceLink, manager_, advance, &out);
  }

  // A Sheffield child placed with a Leeds household on 1 June 2025; August
  // 2026 closed, charging its monthly fee; then the order recorded as made
  // on 1 August, which reverses it (nothing was due for August).
  v1::Link OrderedOnTheFirstOfAChargedMonth() {
    v1::Link link =
        MatchedFrom("sheffield", "leeds", absl::CivilDay(2025, 5, 1));
    EXPECT_THAT(Advance(link.name(), v1::LINK_STEP_PLACED,
                        absl::CivilDay(2025, 6, 1), NextRequestId()),
                IsOk());
    v1::MonthClose closed;
    EXPECT_THAT(CloseMonth("2026-08", &closed), IsOk());
    EXPECT_THAT(closed.entries(), SizeIs(1));
    EXPECT_THAT(Advance(link.name(), v1::LINK_STEP_ORDER_APPLIED,
                        absl::CivilDay(2026, 7, 1), NextRequestId()),
                IsOk());
    EXPECT_THAT(Advance(link.name(), v1::LINK_STEP_ORDER_GRANTED,
                        absl::CivilDay(2026, 8, 1), NextRequestId()),
                IsOk());
    EXPECT_EQ(Positions()["authorities/sheffield"], -27'000'00);
    return link;
  }

  // A correction of `link`'s `step` to `on` by the manager, with a new
  // request id.
  v1::CorrectStepRequest CorrectionOf(const std::string& link,
                                      v1::LinkStep step, absl::CivilDay on,
                                      const std::string& reason) {
    v1::CorrectStepRequest correct;
    correct.set_name(link);
    correct.set_step(step);
    *correct.mutable_new_date() = ToGoogleDate(on);
    correct.set_reason(reason);
    correct.set_request_id(NextRequestId());
    return correct;
  }

  std::vector<v1::Entry> EntriesOfLink(const std::string& link) {
    v1::ListEntriesRequest request;
    request.set_link(link);
    v1::ListEntriesResponse response;
    EXPECT_THAT(L(&LedgerStub::ListEntries, manager_, request, &response),
                IsOk());
    return {response.entries().begin(), response.entries().end()};
  }

  // Every member's position, as a manager sees it (pence by authority id).
  std::map<std::string, int64_t> Positions() {
    v1::Balances balances;
    EXPECT_THAT(L(&LedgerStub::GetBalances, manager_, v1::GetBalancesRequest(),
                  &balances),
                IsOk());
    std::map<std::string, int64_t> out;
    for (const v1::MemberPosition& p : balances.positions()) {
      out[p.authority()] = P(p.position());
    }
    return out;
  }

  grpc::Status Pay(const std::string& key, const std::string& payer,
                   const std::string& payee, int64_t pence, v1::Payment* out,
                   bool allow_overpayment = false,
                   std::string request_id = "") {
    v1::RecordPaymentRequest request;
    request.set_payer(payer);
    request.set_payee(payee);
    *request.mutable_amount() = Pounds(pence);
    request.set_reference("BACS 0042");
    request.set_allow_overpayment(allow_overpayment);
    request.set_request_id(request_id.empty() ? NextRequestId() : request_id);
    return L(&LedgerStub::RecordPayment, key, request, out);
  }

  grpc::Status CloseMonth(const std::string& month, v1::MonthClose* out) {
    v1::CloseMonthRequest request;
    request.set_month(month);
    request.set_request_id(NextRequestId());
    return L(&LedgerStub::CloseMonth, manager_, request, out);
  }

  std::map<std::string, std::string> registrar_, finance_;
  std::string finder_;
};

TEST_F(LedgerServerTest, ACrossMemberPlacementAccruesOneFeeAtTheRightRate) {
  v1::Link link = Placed("sheffield", "leeds");
  std::vector<v1::Entry> entries = EntriesOfLink(link.name());
  ASSERT_THAT(entries, SizeIs(1));
  const v1::Entry& fee = entries[0];
  EXPECT_EQ(fee.type(), v1::ENTRY_TYPE_FEE);
  EXPECT_EQ(fee.debit(), "authorities/sheffield");
  EXPECT_EQ(fee.credit(), "authorities/leeds");
  EXPECT_EQ(P(fee.amount()), 27'000'00);  // LA rate, one child
  EXPECT_EQ(fee.value_date().year(), 2026);
  EXPECT_EQ(fee.value_date().month(), 10);
  EXPECT_EQ(fee.value_date().day(), 6);
  EXPECT_EQ(fee.link(), link.name());
  EXPECT_EQ(fee.children(), 1);
  EXPECT_EQ(fee.recorded_by(), "authorities/hub");
  EXPECT_FALSE(fee.reference().empty());
  EXPECT_EQ(Positions(), (std::map<std::string, int64_t>{
                             {"authorities/leeds", 27'000'00},
                             {"authorities/sheffield", -27'000'00}}));

  // Sheffield's finance officer sees its own position and the debt it is in.
  v1::Balances own;
  ASSERT_THAT(L(&LedgerStub::GetBalances, finance_["sheffield"],
                v1::GetBalancesRequest(), &own),
              IsOk());
  ASSERT_THAT(own.positions(), SizeIs(1));
  EXPECT_EQ(own.positions(0).authority(), "authorities/sheffield");
  ASSERT_THAT(own.debts(), SizeIs(1));
  EXPECT_EQ(own.debts(0).debtor(), "authorities/sheffield");
  EXPECT_EQ(P(own.total_fees()), 27'000'00);
}

TEST_F(LedgerServerTest, ASameMemberPlacementAccruesNothing) {
  v1::Link link = Placed("sheffield", "sheffield");
  EXPECT_THAT(EntriesOfLink(link.name()), IsEmpty());
  EXPECT_THAT(Positions(), IsEmpty());
}

TEST_F(LedgerServerTest, APlacedDateCorrectionAcrossTheVaaBoundaryReprices) {
  v1::Link link = MatchedFrom("sheffield", "york", absl::CivilDay(2025, 3, 1));
  ASSERT_THAT(Advance(link.name(), v1::LINK_STEP_PLACED,
                      absl::CivilDay(2025, 4, 2), NextRequestId()),
              IsOk());
  std::vector<v1::Entry> entries = EntriesOfLink(link.name());
  ASSERT_THAT(entries, SizeIs(1));
  EXPECT_EQ(P(entries[0].amount()), 39'245'00);  // VAA from 1 April 2025

  v1::CorrectStepRequest correct = CorrectionOf(
      link.name(), v1::LINK_STEP_PLACED, absl::CivilDay(2025, 3, 28),
      "the child moved in on the Friday before");
  v1::Link corrected;
  ASSERT_THAT(Journey(&JourneyStub::CorrectStep, manager_, correct, &corrected),
              IsOk());
  entries = EntriesOfLink(link.name());
  ASSERT_THAT(entries, SizeIs(3));
  EXPECT_EQ(entries[1].type(), v1::ENTRY_TYPE_REVERSAL);
  EXPECT_EQ(entries[1].reverses(), entries[0].name());
  EXPECT_EQ(P(entries[1].amount()), 39'245'00);
  // The journal says what moved, in its own words: the correction's reason
  // is the journey's free text and stays out of it.
  EXPECT_THAT(entries[1].description(),
              HasSubstr("placement date corrected from 2025-04-02 to "
                        "2025-03-28"));
  EXPECT_THAT(entries[1].description(), Not(HasSubstr("Friday")));
  EXPECT_EQ(entries[2].type(), v1::ENTRY_TYPE_FEE);
  EXPECT_EQ(P(entries[2].amount()), 27'000'00);  // the 2011-12 VAA rate
  EXPECT_EQ(Positions()["authorities/sheffield"], -27'000'00);
}

// A placement date corrected into another schedule prices its monthly fees
// again, as it does the fee: each month charged is reversed and charged at
// the new rate, and back again (found by an outside probe: the months kept
// the old rate).
TEST_F(LedgerServerTest, APlacedDateCorrectionRepricesTheMonthsCharged) {
  v1::Link link = MatchedFrom("sheffield", "york", absl::CivilDay(2025, 3, 1));
  ASSERT_THAT(Advance(link.name(), v1::LINK_STEP_PLACED,
                      absl::CivilDay(2025, 3, 28), NextRequestId()),
              IsOk());
  const int64_t v1_monthly = 2'250'00;  // VAA, the schedule of 2000
  const int64_t v2_monthly = 3'270'42;  // VAA, from 1 April 2025
  v1::MonthClose closed;
  for (const char* month : {"2026-08", "2026-09"}) {
    ASSERT_THAT(CloseMonth(month, &closed), IsOk());
    ASSERT_THAT(closed.entries(), SizeIs(1)) << month;
    EXPECT_EQ(P(closed.entries(0).amount()), v1_monthly) << month;
  }
  EXPECT_EQ(Positions()["authorities/sheffield"],
            -(27'000'00 + 2 * v1_monthly));

  v1::CorrectStepRequest correct =
      CorrectionOf(link.name(), v1::LINK_STEP_PLACED,
                   absl::CivilDay(2025, 4, 2), "Moved in after Easter.");
  v1::Link corrected;
  ASSERT_THAT(Journey(&JourneyStub::CorrectStep, manager_, correct, &corrected),
              IsOk());
  ASSERT_THAT(Journey(&JourneyStub::CorrectStep, manager_, correct, &corrected),
              IsOk());  // a retry posts nothing more
  EXPECT_EQ(Positions()["authorities/sheffield"],
            -(39'245'00 + 2 * v2_monthly));
  std::vector<v1::Entry> entries = EntriesOfLink(link.name());
  // The fee and two months; the fee reversed and charged again; each month
  // reversed and charged again.
  ASSERT_THAT(entries, SizeIs(9));
  int repriced = 0;
  for (const v1::Entry& e : entries) {
    if (e.type() == v1::ENTRY_TYPE_REVERSAL && !e.month().empty()) {
      ++repriced;
      EXPECT_THAT(e.description(),
                  HasSubstr("priced again: placement date corrected from "
                            "2025-03-28 to 2025-04-02"));
    }
    if (e.type() == v1::ENTRY_TYPE_MONTHLY_FEE && P(e.amount()) == v2_monthly) {
      EXPECT_THAT(e.description(), HasSubstr("placement of 2025-04-02"));
    }
  }
  EXPECT_EQ(repriced, 2);

  // Back to 28 March: the old rate again, every month.
  correct.set_request_id(NextRequestId());
  *correct.mutable_new_date() = ToGoogleDate(absl::CivilDay(2025, 3, 28));
  ASSERT_THAT(Journey(&JourneyStub::CorrectStep, manager_, correct, &corrected),
              IsOk());
  EXPECT_EQ(Positions()["authorities/sheffield"],
            -(27'000'00 + 2 * v1_monthly));
  // A month closed again finds it charged.
  ASSERT_THAT(CloseMonth("2026-09", &closed), IsOk());
  EXPECT_THAT(closed.entries(), IsEmpty());
  EXPECT_EQ(closed.already_charged(), 1);
}

TEST_F(LedgerServerTest, ClosingAPlacedLinkReversesTheRefundablePart) {
  v1::FeeSchedule current;
  v1::GetFeeScheduleRequest get;
  ASSERT_THAT(L(&LedgerStub::GetFeeSchedule, manager_, get, &current), IsOk());
  v1::AddFeeScheduleRequest add;
  *add.mutable_schedule() = current;
  *add.mutable_schedule()->mutable_effective_from() = MakeDate(2026, 4, 1);
  add.mutable_schedule()->set_disruption_refund_percent(50);
  add.mutable_schedule()->set_source("test: half refunded on disruption");
  add.set_request_id(NextRequestId());
  v1::FeeSchedule added;
  ASSERT_THAT(L(&LedgerStub::AddFeeSchedule, manager_, add, &added), IsOk());
  EXPECT_EQ(added.version(), current.version() + 1);
  EXPECT_EQ(added.created_by(), "authorities/hub");
  // A finance officer may not add one.
  add.set_request_id(NextRequestId());
  EXPECT_THAT(L(&LedgerStub::AddFeeSchedule, finance_["leeds"], add, &added),
              StatusIs(Code::PERMISSION_DENIED));

  v1::Link link = Placed("sheffield", "leeds");
  v1::CloseLinkRequest close;
  close.set_name(link.name());
  close.set_reason(v1::CLOSE_REASON_DISRUPTION);
  close.set_note("the placement broke down");
  *close.mutable_date() = MakeDate(2026, 10, 20);
  close.set_request_id(NextRequestId());
  v1::Link closed;
  ASSERT_THAT(Journey(&JourneyStub::CloseLink, manager_, close, &closed),
              IsOk());
  std::vector<v1::Entry> entries = EntriesOfLink(link.name());
  ASSERT_THAT(entries, SizeIs(2));
  EXPECT_EQ(entries[1].type(), v1::ENTRY_TYPE_REVERSAL);
  EXPECT_EQ(P(entries[1].amount()), 13'500'00);
  EXPECT_EQ(entries[1].debit(), "authorities/leeds");
  EXPECT_THAT(entries[1].description(), HasSubstr("disruption"));
  // The family finder's note is not copied into the journal.
  EXPECT_THAT(entries[1].description(), Not(HasSubstr("broke down")));
  EXPECT_EQ(Positions()["authorities/sheffield"], -13'500'00);
}

TEST_F(LedgerServerTest, AReplayedPlacementPostsNothing) {
  v1::Link link = Placed("sheffield", "leeds", v1::LINK_STEP_MATCH_DECIDED);
  const std::string id = NextRequestId();
  ASSERT_THAT(Advance(link.name(), v1::LINK_STEP_PLACED,
                      absl::CivilDay(2026, 10, 6), id),
              IsOk());
  ASSERT_THAT(Advance(link.name(), v1::LINK_STEP_PLACED,
                      absl::CivilDay(2026, 10, 6), id),
              IsOk());
  EXPECT_THAT(EntriesOfLink(link.name()), SizeIs(1));
  RestartServer();
  ASSERT_THAT(Advance(link.name(), v1::LINK_STEP_PLACED,
                      absl::CivilDay(2026, 10, 6), id),
              IsOk());
  EXPECT_THAT(EntriesOfLink(link.name()), SizeIs(1));
  EXPECT_EQ(Positions()["authorities/leeds"], 27'000'00);
}

TEST_F(LedgerServerTest, PaymentsArePendingUntilThePayeeConfirms) {
  Placed("sheffield", "leeds");
  v1::Payment payment;
  ASSERT_THAT(Pay(finance_["sheffield"], "authorities/sheffield",
                  "authorities/leeds", 10'000'00, &payment),
              IsOk());
  EXPECT_EQ(payment.state(), v1::PAYMENT_STATE_PENDING);
  EXPECT_FALSE(payment.overpayment());

  // Pending on both sides.
  v1::Balances leeds, sheffield;
  ASSERT_THAT(L(&LedgerStub::GetBalances, finance_["leeds"],
                v1::GetBalancesRequest(), &leeds),
              IsOk());
  ASSERT_THAT(L(&LedgerStub::GetBalances, finance_["sheffield"],
                v1::GetBalancesRequest(), &sheffield),
              IsOk());
  EXPECT_EQ(P(leeds.positions(0).pending_in()), 10'000'00);
  EXPECT_EQ(P(sheffield.positions(0).pending_out()), 10'000'00);
  v1::GetStatementRequest statement;
  statement.set_authority("authorities/leeds");
  statement.set_financial_year(2026);
  v1::Statement leeds_statement;
  ASSERT_THAT(L(&LedgerStub::GetStatement, finance_["leeds"], statement,
                &leeds_statement),
              IsOk());
  EXPECT_THAT(leeds_statement.pending(), SizeIs(1));

  // The payer cannot confirm its own payment.
  v1::ConfirmPaymentRequest confirm;
  confirm.set_name(payment.name());
  confirm.set_request_id(NextRequestId());
  v1::Payment decided;
  EXPECT_THAT(
      L(&LedgerStub::ConfirmPayment, finance_["sheffield"], confirm, &decided),
      StatusIs(Code::PERMISSION_DENIED));
  // A third member does not even see it.
  EXPECT_THAT(
      L(&LedgerStub::ConfirmPayment, finance_["york"], confirm, &decided),
      StatusIs(Code::NOT_FOUND));
  ASSERT_THAT(
      L(&LedgerStub::ConfirmPayment, finance_["leeds"], confirm, &decided),
      IsOk());
  EXPECT_EQ(decided.state(), v1::PAYMENT_STATE_POSTED);
  EXPECT_FALSE(decided.entry().empty());
  EXPECT_EQ(decided.decided_by(), "authorities/leeds");
  EXPECT_EQ(Positions()["authorities/sheffield"], -17'000'00);

  // A rejected payment changes nothing but its state.
  v1::Payment second;
  ASSERT_THAT(Pay(finance_["sheffield"], "authorities/sheffield",
                  "authorities/leeds", 5'000'00, &second),
              IsOk());
  v1::RejectPaymentRequest reject;
  reject.set_name(second.name());
  reject.set_reason("not received in our account");
  reject.set_request_id(NextRequestId());
  ASSERT_THAT(
      L(&LedgerStub::RejectPayment, finance_["leeds"], reject, &decided),
      IsOk());
  EXPECT_EQ(decided.state(), v1::PAYMENT_STATE_REJECTED);
  EXPECT_EQ(decided.rejection_reason(), "not received in our account");
  EXPECT_TRUE(decided.entry().empty());
  EXPECT_EQ(Positions()["authorities/sheffield"], -17'000'00);
  // Confirming it now is refused.
  confirm.set_name(second.name());
  confirm.set_request_id(NextRequestId());
  EXPECT_THAT(
      L(&LedgerStub::ConfirmPayment, finance_["leeds"], confirm, &decided),
      StatusIs(Code::FAILED_PRECONDITION));
}

TEST_F(LedgerServerTest, ARetrySpellingOutTheCurrencyIsTheSamePayment) {
  Placed("sheffield", "leeds");
  // An empty currency code is GBP: a client that fills it in on its retry
  // (or leaves it out) gets the first answer, not ALREADY_EXISTS.
  for (const char* first : {"", "GBP"}) {
    v1::RecordPaymentRequest request;
    request.set_payer("authorities/sheffield");
    request.set_payee("authorities/leeds");
    *request.mutable_amount() = Pounds(1'000'00);
    request.mutable_amount()->set_currency_code(first);
    request.set_reference("BACS 0043");
    request.set_request_id(NextRequestId());
    v1::Payment payment, again;
    ASSERT_THAT(
        L(&LedgerStub::RecordPayment, finance_["sheffield"], request, &payment),
        IsOk());
    EXPECT_EQ(payment.amount().currency_code(), "GBP");
    request.mutable_amount()->set_currency_code(*first == 0 ? "GBP" : "");
    ASSERT_THAT(
        L(&LedgerStub::RecordPayment, finance_["sheffield"], request, &again),
        IsOk())
        << "first " << first;
    EXPECT_EQ(again.name(), payment.name());
  }

  // A schedule given without currencies is stored, and shown, in GBP.
  v1::ListFeeSchedulesResponse shipped;
  ASSERT_THAT(L(&LedgerStub::ListFeeSchedules, manager_,
                v1::ListFeeSchedulesRequest(), &shipped),
              IsOk());
  ASSERT_FALSE(shipped.schedules().empty());
  v1::AddFeeScheduleRequest add;
  *add.mutable_schedule() = shipped.schedules(shipped.schedules_size() - 1);
  add.mutable_schedule()->clear_version();
  add.mutable_schedule()->clear_create_time();
  add.mutable_schedule()->clear_created_by();
  *add.mutable_schedule()->mutable_effective_from() = MakeDate(2027, 4, 1);
  for (v1::FeeRate& rate : *add.mutable_schedule()->mutable_rates()) {
    for (google::type::Money& m : *rate.mutable_by_children()) {
      m.clear_currency_code();
    }
    rate.mutable_monthly_fee()->clear_currency_code();
  }
  add.set_request_id(NextRequestId());
  v1::FeeSchedule added;
  ASSERT_THAT(L(&LedgerStub::AddFeeSchedule, manager_, add, &added), IsOk());
  for (const v1::FeeRate& rate : added.rates()) {
    EXPECT_EQ(rate.by_children(0).currency_code(), "GBP");
    EXPECT_EQ(rate.monthly_fee().currency_code(), "GBP");
  }
}

// A call refused by a state of things, not by what it says, is
// FAILED_PRECONDITION (docs/api.md, section 11).
TEST_F(LedgerServerTest, StatesThatRefuseACallAreFailedPrecondition) {
  v1::FeeSchedule schedule;
  v1::GetFeeScheduleRequest get;
  *get.mutable_as_of() = MakeDate(2000, 1, 1);
  grpc::Status s = L(&LedgerStub::GetFeeSchedule, manager_, get, &schedule);
  EXPECT_THAT(s, StatusIs(Code::FAILED_PRECONDITION));
  EXPECT_THAT(s.error_message(),
              HasSubstr("no fee schedule is in force on 2000-01-01"));

  Placed("sheffield", "leeds");
  WithdrawAuthority("leeds");
  v1::Payment payment;
  s = Pay(finance_["sheffield"], "authorities/sheffield", "authorities/leeds",
          100, &payment);
  EXPECT_THAT(s, StatusIs(Code::FAILED_PRECONDITION));
  EXPECT_EQ(s.error_message(),
            "payee: authorities/leeds has withdrawn from the consortium");
}

TEST_F(LedgerServerTest, BadPaymentsAreRefusedNamingTheField) {
  Placed("sheffield", "leeds");
  v1::Payment payment;
  grpc::Status s = Pay(finance_["sheffield"], "authorities/sheffield",
                       "authorities/sheffield", 100, &payment);
  EXPECT_THAT(s, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(s), ElementsAre("payee"));
  // A well-formed name of no member: NOT_FOUND (docs/api.md, section 11).
  s = Pay(finance_["sheffield"], "authorities/sheffield", "authorities/nowhere",
          100, &payment);
  EXPECT_THAT(s, StatusIs(Code::NOT_FOUND));
  EXPECT_EQ(s.error_message(),
            "payee: authorities/nowhere is not a member of the consortium");
  s = Pay(finance_["sheffield"], "authorities/sheffield", "authorities/leeds",
          0, &payment);
  EXPECT_THAT(s, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(s), ElementsAre("amount"));
  s = Pay(finance_["sheffield"], "authorities/sheffield", "authorities/leeds",
          -500, &payment);
  EXPECT_THAT(s, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(s), ElementsAre("amount"));
  // Paid before the ledger's first financial year (a slip of the year):
  // refused, naming the date.
  v1::RecordPaymentRequest old;
  old.set_payer("authorities/sheffield");
  old.set_payee("authorities/leeds");
  *old.mutable_amount() = Pounds(100);
  *old.mutable_paid_on() = MakeDate(1900, 1, 1);
  old.set_reference("BACS 0042");
  old.set_request_id(NextRequestId());
  s = L(&LedgerStub::RecordPayment, finance_["sheffield"], old, &payment);
  EXPECT_THAT(ViolationFields(s), ElementsAre("paid_on"));
  EXPECT_THAT(s.error_message(), HasSubstr("1900-01-01 is before 2000-04-01"));
  // Leeds's finance officer may not pay on Sheffield's behalf.
  EXPECT_THAT(Pay(finance_["leeds"], "authorities/sheffield",
                  "authorities/leeds", 100, &payment),
              StatusIs(Code::PERMISSION_DENIED));
  // The same request id with another amount is refused, never a second one.
  ASSERT_THAT(Pay(finance_["sheffield"], "authorities/sheffield",
                  "authorities/leeds", 100, &payment, false, "pay-once"),
              IsOk());
  EXPECT_THAT(Pay(finance_["sheffield"], "authorities/sheffield",
                  "authorities/leeds", 200, &payment, false, "pay-once"),
              StatusIs(Code::ALREADY_EXISTS));
  v1::ListPaymentsRequest list;
  list.set_authority("authorities/sheffield");
  v1::ListPaymentsResponse listed;
  ASSERT_THAT(
      L(&LedgerStub::ListPayments, finance_["sheffield"], list, &listed),
      IsOk());
  EXPECT_THAT(listed.payments(), SizeIs(1));
  // A member that does not exist is NOT_FOUND, not an empty list.
  list.set_authority("authorities/nosuch");
  EXPECT_THAT(L(&LedgerStub::ListPayments, manager_, list, &listed),
              StatusIs(Code::NOT_FOUND));
  v1::ListEntriesRequest entries;
  entries.set_authority("authorities/nosuch");
  v1::ListEntriesResponse listed_entries;
  EXPECT_THAT(L(&LedgerStub::ListEntries, manager_, entries, &listed_entries),
              StatusIs(Code::NOT_FOUND));
  entries.set_authority("authorities/sheffield");
  entries.set_counterparty("authorities/nosuch");
  EXPECT_THAT(L(&LedgerStub::ListEntries, finance_["sheffield"], entries,
                &listed_entries),
              StatusIs(Code::NOT_FOUND));
  // Nor is a member its own other side.
  entries.set_counterparty("authorities/sheffield");
  grpc::Status self = L(&LedgerStub::ListEntries, finance_["sheffield"],
                        entries, &listed_entries);
  EXPECT_THAT(self, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(self), ElementsAre("counterparty"));
}

TEST_F(LedgerServerTest, OverpayingNeedsTheFlagAndShowsAsACredit) {
  v1::Payment payment;
  EXPECT_THAT(Pay(finance_["sheffield"], "authorities/sheffield",
                  "authorities/leeds", 100, &payment),
              StatusIs(Code::FAILED_PRECONDITION));
  ASSERT_THAT(Pay(finance_["sheffield"], "authorities/sheffield",
                  "authorities/leeds", 100, &payment, true),
              IsOk());
  EXPECT_TRUE(payment.overpayment());
  v1::ConfirmPaymentRequest confirm;
  confirm.set_name(payment.name());
  confirm.set_request_id(NextRequestId());
  ASSERT_THAT(
      L(&LedgerStub::ConfirmPayment, finance_["leeds"], confirm, &payment),
      IsOk());
  EXPECT_EQ(Positions()["authorities/sheffield"], 100);
}

TEST_F(LedgerServerTest, CloseMonthChargesAMonthOnce) {
  v1::Link link = MatchedFrom("sheffield", "leeds", absl::CivilDay(2025, 5, 1));
  ASSERT_THAT(Advance(link.name(), v1::LINK_STEP_PLACED,
                      absl::CivilDay(2025, 6, 1), NextRequestId()),
              IsOk());
  v1::MonthClose first, second;
  ASSERT_THAT(CloseMonth("2026-09", &first), IsOk());
  ASSERT_THAT(first.entries(), SizeIs(1));
  EXPECT_EQ(first.entries(0).type(), v1::ENTRY_TYPE_MONTHLY_FEE);
  EXPECT_EQ(first.entries(0).month(), "2026-09");
  EXPECT_EQ(first.entries(0).value_date().day(), 30);
  EXPECT_EQ(first.already_charged(), 0);
  ASSERT_THAT(CloseMonth("2026-09", &second), IsOk());
  EXPECT_THAT(second.entries(), IsEmpty());
  EXPECT_EQ(second.already_charged(), 1);
  EXPECT_THAT(EntriesOfLink(link.name()), SizeIs(2));
  // A month that has not ended is refused: a state, not bad input.
  grpc::Status s = CloseMonth("2026-11", &second);
  EXPECT_THAT(s, StatusIs(Code::FAILED_PRECONDITION));
  EXPECT_EQ(s.error_message(),
            "month 2026-11 has not ended: it is closed from 2026-12-01");
  s = CloseMonth("2026-13", &second);
  EXPECT_THAT(s, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(s), ElementsAre("month"));
  // Before the ledger's first financial year: a slip of the year, refused as
  // a payment dated then is.
  s = CloseMonth("1999-12", &second);
  EXPECT_THAT(s, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(s), ElementsAre("month"));
  EXPECT_THAT(s.error_message(),
              HasSubstr("1999-12 is before 2000-04, the ledger's first "
                        "financial year"));
  EXPECT_THAT(CloseMonth("2000-04", &second), IsOk());
}

TEST_F(LedgerServerTest, AnOrderRecordedLateReversesTheMonthsNoLongerDue) {
  v1::Link link = MatchedFrom("sheffield", "leeds", absl::CivilDay(2025, 5, 1));
  ASSERT_THAT(Advance(link.name(), v1::LINK_STEP_PLACED,
                      absl::CivilDay(2025, 6, 1), NextRequestId()),
              IsOk());
  for (const char* month : {"2026-07", "2026-08", "2026-09"}) {
    v1::MonthClose closed;
    ASSERT_THAT(CloseMonth(month, &closed), IsOk());
    ASSERT_THAT(closed.entries(), SizeIs(1)) << month;
  }
  const int64_t monthly = 2'250'00;  // the shipped LA monthly fee
  EXPECT_EQ(Positions()["authorities/sheffield"], -(27'000'00 + 3 * monthly));

  // The order was made on 15 July but is recorded in November: August's and
  // September's fees were never due, July's was.
  ASSERT_THAT(Advance(link.name(), v1::LINK_STEP_ORDER_APPLIED,
                      absl::CivilDay(2026, 7, 1), NextRequestId()),
              IsOk());
  const std::string granted = NextRequestId();
  ASSERT_THAT(Advance(link.name(), v1::LINK_STEP_ORDER_GRANTED,
                      absl::CivilDay(2026, 7, 15), granted),
              IsOk());
  std::vector<v1::Entry> entries = EntriesOfLink(link.name());
  ASSERT_THAT(entries, SizeIs(6));
  for (int i : {4, 5}) {
    EXPECT_EQ(entries[i].type(), v1::ENTRY_TYPE_REVERSAL);
    EXPECT_EQ(P(entries[i].amount()), monthly);
    EXPECT_THAT(entries[i].description(),
                HasSubstr("adoption order made on 2026-07-15"));
  }
  EXPECT_EQ(entries[4].month(), "2026-08");
  EXPECT_EQ(entries[5].month(), "2026-09");
  EXPECT_EQ(Positions()["authorities/sheffield"], -(27'000'00 + monthly));
  // A retry posts nothing more, nor does closing a month again.
  ASSERT_THAT(Advance(link.name(), v1::LINK_STEP_ORDER_GRANTED,
                      absl::CivilDay(2026, 7, 15), granted),
              IsOk());
  v1::MonthClose again;
  ASSERT_THAT(CloseMonth("2026-09", &again), IsOk());
  EXPECT_THAT(again.entries(), IsEmpty());
  EXPECT_THAT(EntriesOfLink(link.name()), SizeIs(6));
}

TEST_F(LedgerServerTest, AMonthDueAgainAfterTheOrdersDateIsCorrectedIsCharged) {
  v1::Link link = OrderedOnTheFirstOfAChargedMonth();
  const int64_t monthly = 2'250'00;  // the shipped LA monthly fee
  // It was made on 2 August: August is due after all. August was closed, so
  // the correction charges it in its own step (a retry charges nothing
  // more), and closing the month again finds it charged.
  v1::CorrectStepRequest correct = CorrectionOf(
      link.name(), v1::LINK_STEP_ORDER_GRANTED, absl::CivilDay(2026, 8, 2),
      "The sealed order is dated the 2nd.");
  v1::Link corrected;
  ASSERT_THAT(Journey(&JourneyStub::CorrectStep, manager_, correct, &corrected),
              IsOk());
  ASSERT_THAT(Journey(&JourneyStub::CorrectStep, manager_, correct, &corrected),
              IsOk());
  std::vector<v1::Entry> entries = EntriesOfLink(link.name());
  ASSERT_THAT(entries, SizeIs(4));  // fee, August, its reversal, August
  EXPECT_EQ(entries[3].type(), v1::ENTRY_TYPE_MONTHLY_FEE);
  EXPECT_EQ(entries[3].month(), "2026-08");
  EXPECT_EQ(P(entries[3].amount()), monthly);
  EXPECT_EQ(Positions()["authorities/sheffield"], -(27'000'00 + monthly));
  v1::MonthClose again;
  ASSERT_THAT(CloseMonth("2026-08", &again), IsOk());
  EXPECT_THAT(again.entries(), IsEmpty());
  EXPECT_EQ(again.already_charged(), 1);
  // The journal itself refuses a second fee for the month while one stands
  // (the unique index on link, month and charge), whatever posts it.
  StopServer();
  {
    FakeClock clock(TestNow());
    absl::StatusOr<std::unique_ptr<Store>> store =
        Store::Open(dir_.File("raamatch.db"), clock, RaamatchSchema());
    ASSERT_THAT(store.status(), IsOk());
    ledger_rules::Posting twice;
    twice.type = v1::ENTRY_TYPE_MONTHLY_FEE;
    twice.debit = "sheffield";
    twice.credit = "leeds";
    twice.amount = monthly;
    twice.value_date = absl::CivilDay(2026, 8, 31);
    twice.link_id = ParseLinkName(link.name(), "link").value();
    twice.month = "2026-08";
    auto posted = (*store)->Write<google::protobuf::Empty>(
        RequestKey{},
        [&](StoreTx& tx) -> absl::StatusOr<google::protobuf::Empty> {
          RETURN_IF_ERROR(
              ledger_rows::Post(tx, {&twice, 1}, {"sheffield", "k"}).status());
          return google::protobuf::Empty();
        });
    EXPECT_FALSE(posted.ok());
    EXPECT_THAT(posted.status().message(), HasSubstr("UNIQUE"));
  }
  StartServer();
  // Back to the 1st: the second charge is reversed in turn.
  correct.set_request_id(NextRequestId());
  *correct.mutable_new_date() = ToGoogleDate(absl::CivilDay(2026, 8, 1));
  ASSERT_THAT(Journey(&JourneyStub::CorrectStep, manager_, correct, &corrected),
              IsOk());
  EXPECT_EQ(Positions()["authorities/sheffield"], -27'000'00);
}

// A month the manager has closed is charged once something makes it due,
// not only if it is closed again: a placement recorded after it was closed,
// by the next month-end run (its order, recorded at once as an import
// does, would leave nothing to charge); a corrected placement date, in the
// correction's own step.
TEST_F(LedgerServerTest, AClosedMonthMadeDueLaterIsCharged) {
  v1::MonthClose closed;
  for (const char* month : {"2026-08", "2026-09"}) {
    ASSERT_THAT(CloseMonth(month, &closed), IsOk());
    EXPECT_THAT(closed.entries(), IsEmpty()) << month;
  }
  const int64_t monthly = 2'250'00;  // the shipped LA monthly fee
  v1::Link link = MatchedFrom("sheffield", "leeds", absl::CivilDay(2025, 5, 1));
  // Placed on 1 June 2025, recorded in November 2026: the fee now, and
  // August's and September's monthly fees (due from June 2026) when October
  // is closed, each saying it is late.
  ASSERT_THAT(Advance(link.name(), v1::LINK_STEP_PLACED,
                      absl::CivilDay(2025, 6, 1), NextRequestId()),
              IsOk());
  EXPECT_THAT(EntriesOfLink(link.name()), SizeIs(1));
  ASSERT_THAT(CloseMonth("2026-10", &closed), IsOk());
  ASSERT_THAT(closed.entries(), SizeIs(3));
  for (int i : {0, 1, 2}) {
    EXPECT_EQ(closed.entries(i).type(), v1::ENTRY_TYPE_MONTHLY_FEE);
    EXPECT_EQ(P(closed.entries(i).amount()), monthly);
  }
  EXPECT_EQ(closed.entries(0).month(), "2026-08");
  EXPECT_EQ(closed.entries(1).month(), "2026-09");
  EXPECT_EQ(closed.entries(2).month(), "2026-10");
  EXPECT_THAT(closed.entries(0).description(),
              HasSubstr("charged late: recorded after the month was closed; "
                        "charged when 2026-10 was closed"));
  EXPECT_THAT(closed.entries(2).description(), Not(HasSubstr("late")));
  EXPECT_EQ(closed.already_charged(), 0);
  EXPECT_EQ(Positions()["authorities/sheffield"], -(27'000'00 + 3 * monthly));
  ASSERT_THAT(CloseMonth("2026-09", &closed), IsOk());
  EXPECT_THAT(closed.entries(), IsEmpty());
  EXPECT_EQ(closed.already_charged(), 1);

  // Placed on 15 September 2025 after all: August is no longer due.
  v1::CorrectStepRequest correct = CorrectionOf(
      link.name(), v1::LINK_STEP_PLACED, absl::CivilDay(2025, 9, 15),
      "The placement date was recorded wrongly.");
  v1::Link corrected;
  ASSERT_THAT(Journey(&JourneyStub::CorrectStep, manager_, correct, &corrected),
              IsOk());
  EXPECT_EQ(Positions()["authorities/sheffield"], -(27'000'00 + 2 * monthly));
  // And back to 1 June: August is charged again, in the correction's step,
  // saying why (a retry charges nothing more).
  correct.set_request_id(NextRequestId());
  *correct.mutable_new_date() = ToGoogleDate(absl::CivilDay(2025, 6, 1));
  ASSERT_THAT(Journey(&JourneyStub::CorrectStep, manager_, correct, &corrected),
              IsOk());
  ASSERT_THAT(Journey(&JourneyStub::CorrectStep, manager_, correct, &corrected),
              IsOk());
  std::vector<v1::Entry> entries = EntriesOfLink(link.name());
  ASSERT_THAT(entries, SizeIs(6));
  EXPECT_EQ(entries[4].type(), v1::ENTRY_TYPE_REVERSAL);
  EXPECT_EQ(entries[4].month(), "2026-08");
  EXPECT_EQ(entries[5].type(), v1::ENTRY_TYPE_MONTHLY_FEE);
  EXPECT_EQ(entries[5].month(), "2026-08");
  EXPECT_THAT(entries[5].description(),
              HasSubstr("charged late: placement date corrected from "
                        "2025-09-15 to 2025-06-01"));
  EXPECT_EQ(Positions()["authorities/sheffield"], -(27'000'00 + 3 * monthly));
}

// A placement recorded after months were closed is charged for every one of
// them by the next close, whichever month that closes (finance.md 2.1):
// closing an earlier month again charges the later ones too.
TEST_F(LedgerServerTest, ClosingAnEarlierMonthChargesTheLaterClosedMonthsToo) {
  v1::MonthClose closed;
  for (const char* month : {"2026-08", "2026-09", "2026-10"}) {
    ASSERT_THAT(CloseMonth(month, &closed), IsOk());
  }
  v1::Link link = MatchedFrom("sheffield", "leeds", absl::CivilDay(2025, 5, 1));
  ASSERT_THAT(Advance(link.name(), v1::LINK_STEP_PLACED,
                      absl::CivilDay(2025, 6, 1), NextRequestId()),
              IsOk());
  ASSERT_THAT(CloseMonth("2026-08", &closed), IsOk());
  std::vector<std::string> months;
  for (const v1::Entry& e : closed.entries()) months.push_back(e.month());
  EXPECT_THAT(months, ElementsAre("2026-08", "2026-09", "2026-10"));
  ASSERT_THAT(closed.entries(), SizeIs(3));
  // Each late, August's too: it had been closed before.
  for (const v1::Entry& e : closed.entries()) {
    EXPECT_THAT(e.description(),
                HasSubstr("charged late: recorded after the month was closed; "
                          "charged when 2026-08 was closed"))
        << e.month();
  }
  EXPECT_EQ(Positions()["authorities/sheffield"], -(27'000'00 + 3 * 2'250'00));
}

// An imported history: the placement, months closed since, and the order
// recorded right after the placement (raa import journeys sends each step
// in turn) leave no monthly fee to charge and reverse.
TEST_F(LedgerServerTest,
       AHistoryImportedAfterItsMonthsWereClosedChargesNothing) {
  v1::MonthClose closed;
  for (const char* month : {"2026-08", "2026-09"}) {
    ASSERT_THAT(CloseMonth(month, &closed), IsOk());
  }
  v1::Link link = MatchedFrom("sheffield", "leeds", absl::CivilDay(2025, 5, 1));
  ASSERT_THAT(Advance(link.name(), v1::LINK_STEP_PLACED,
                      absl::CivilDay(2025, 6, 1), NextRequestId()),
              IsOk());
  ASSERT_THAT(Advance(link.name(), v1::LINK_STEP_ORDER_APPLIED,
                      absl::CivilDay(2026, 1, 10), NextRequestId()),
              IsOk());
  ASSERT_THAT(Advance(link.name(), v1::LINK_STEP_ORDER_GRANTED,
                      absl::CivilDay(2026, 3, 10), NextRequestId()),
              IsOk());
  ASSERT_THAT(CloseMonth("2026-10", &closed), IsOk());
  EXPECT_THAT(closed.entries(), IsEmpty());
  EXPECT_THAT(EntriesOfLink(link.name()), SizeIs(1));  // the fee alone
}

// A database from before the months closed were recorded (migration 19)
// knows a month was closed by its monthly fees, even one reversed since.
TEST_F(LedgerServerTest, ADatabaseFromBeforeKnowsItsClosedMonthsByTheirFees) {
  v1::Link link = OrderedOnTheFirstOfAChargedMonth();
  StopServer();
  {
    // As a raamatchd before migration 19 left it (so before 20 and 21 as
    // well).
    SQLite::Database db(dir_.File("raamatch.db"), SQLite::OPEN_READWRITE);
    db.exec("DROP TABLE ledger_months_closed");
    db.exec("ALTER TABLE audit_events DROP COLUMN events");
    db.exec("ALTER TABLE audit_events DROP COLUMN times");
    EXPECT_EQ(
        db.exec("DELETE FROM schema_migrations WHERE version IN (19, 20, 21)"),
        3);
  }
  StartServer();
  v1::CorrectStepRequest correct = CorrectionOf(
      link.name(), v1::LINK_STEP_ORDER_GRANTED, absl::CivilDay(2026, 8, 2),
      "The sealed order is dated the 2nd.");
  v1::Link corrected;
  ASSERT_THAT(Journey(&JourneyStub::CorrectStep, manager_, correct, &corrected),
              IsOk());
  EXPECT_EQ(Positions()["authorities/sheffield"], -(27'000'00 + 2'250'00));
}

TEST_F(LedgerServerTest, AStatementsOpeningPlusItsLinesIsItsClosing) {
  v1::Link early =
      MatchedFrom("sheffield", "leeds", absl::CivilDay(2025, 5, 1));
  ASSERT_THAT(Advance(early.name(), v1::LINK_STEP_PLACED,
                      absl::CivilDay(2025, 6, 1), NextRequestId()),
              IsOk());
  Placed("leeds", "sheffield");
  v1::Payment payment;
  ASSERT_THAT(Pay(manager_, "authorities/sheffield", "authorities/leeds",
                  1'234'56, &payment, /*allow_overpayment=*/true),
              IsOk());
  v1::ConfirmPaymentRequest confirm;
  confirm.set_name(payment.name());
  confirm.set_request_id(NextRequestId());
  ASSERT_THAT(L(&LedgerStub::ConfirmPayment, manager_, confirm, &payment),
              IsOk());

  v1::GetStatementRequest request;
  request.set_authority("authorities/sheffield");
  request.set_financial_year(2026);
  v1::Statement statement;
  ASSERT_THAT(
      L(&LedgerStub::GetStatement, finance_["sheffield"], request, &statement),
      IsOk());
  EXPECT_EQ(P(statement.opening_balance()), -27'000'00);  // the 2025 fee
  ASSERT_THAT(statement.lines(), SizeIs(2));
  int64_t balance = P(statement.opening_balance());
  for (const v1::StatementLine& line : statement.lines()) {
    balance += P(line.amount());
    EXPECT_EQ(P(line.balance()), balance);
  }
  EXPECT_EQ(P(statement.closing_balance()), balance);
  EXPECT_EQ(balance, -27'000'00 + 27'000'00 + 1'234'56);
  EXPECT_EQ(Positions()["authorities/sheffield"], balance);
}

TEST_F(LedgerServerTest, OnlyFinanceOfficersAndManagersSeeTheLedger) {
  const std::string registrar = registrar_["sheffield"];
  for (const std::string& key : {finder_, registrar}) {
    std::vector<std::pair<std::string, grpc::Status>> calls;
    v1::FeeSchedule schedule;
    v1::ListFeeSchedulesResponse schedules;
    v1::ListEntriesResponse entries;
    v1::Balances balances;
    v1::Statement statement;
    v1::SalesAndPurchases trades;
    v1::Payment payment;
    v1::ListPaymentsResponse payments;
    v1::Reconciliation reconciliation;
    v1::SettlementPlan plan;
    v1::Budget budget;
    v1::MonthClose close;
    calls = {
        {"GetFeeSchedule", L(&LedgerStub::GetFeeSchedule, key,
                             v1::GetFeeScheduleRequest(), &schedule)},
        {"ListFeeSchedules", L(&LedgerStub::ListFeeSchedules, key,
                               v1::ListFeeSchedulesRequest(), &schedules)},
        {"AddFeeSchedule", L(&LedgerStub::AddFeeSchedule, key,
                             v1::AddFeeScheduleRequest(), &schedule)},
        {"ListEntries",
         L(&LedgerStub::ListEntries, key, v1::ListEntriesRequest(), &entries)},
        {"GetBalances",
         L(&LedgerStub::GetBalances, key, v1::GetBalancesRequest(), &balances)},
        {"GetStatement", L(&LedgerStub::GetStatement, key,
                           v1::GetStatementRequest(), &statement)},
        {"GetSalesAndPurchases", L(&LedgerStub::GetSalesAndPurchases, key,
                                   v1::GetSalesAndPurchasesRequest(), &trades)},
        {"RecordPayment", L(&LedgerStub::RecordPayment, key,
                            v1::RecordPaymentRequest(), &payment)},
        {"ConfirmPayment", L(&LedgerStub::ConfirmPayment, key,
                             v1::ConfirmPaymentRequest(), &payment)},
        {"RejectPayment", L(&LedgerStub::RejectPayment, key,
                            v1::RejectPaymentRequest(), &payment)},
        {"ListPayments", L(&LedgerStub::ListPayments, key,
                           v1::ListPaymentsRequest(), &payments)},
        {"Reconcile", L(&LedgerStub::Reconcile, key, v1::ReconcileRequest(),
                        &reconciliation)},
        {"PlanSettlement", L(&LedgerStub::PlanSettlement, key,
                             v1::PlanSettlementRequest(), &plan)},
        {"SetBudget",
         L(&LedgerStub::SetBudget, key, v1::SetBudgetRequest(), &budget)},
        {"GetBudget",
         L(&LedgerStub::GetBudget, key, v1::GetBudgetRequest(), &budget)},
        {"CloseMonth",
         L(&LedgerStub::CloseMonth, key, v1::CloseMonthRequest(), &close)},
    };
    EXPECT_THAT(calls, SizeIs(16));
    for (const auto& [method, status] : calls) {
      EXPECT_THAT(status, StatusIs(Code::PERMISSION_DENIED)) << method;
    }
  }
}

TEST_F(LedgerServerTest, AFinanceOfficerSeesNoOtherPairsEntries) {
  Placed("sheffield", "leeds");
  v1::ListEntriesRequest request;
  v1::ListEntriesResponse response;
  request.set_authority("authorities/leeds");
  EXPECT_THAT(
      L(&LedgerStub::ListEntries, finance_["sheffield"], request, &response),
      StatusIs(Code::PERMISSION_DENIED));
  request.set_authority("authorities/york");
  ASSERT_THAT(L(&LedgerStub::ListEntries, finance_["york"], request, &response),
              IsOk());
  EXPECT_THAT(response.entries(), IsEmpty());
  request.set_counterparty("authorities/sheffield");
  ASSERT_THAT(L(&LedgerStub::ListEntries, finance_["york"], request, &response),
              IsOk());
  EXPECT_THAT(response.entries(), IsEmpty());
  request.clear_authority();
  EXPECT_THAT(L(&LedgerStub::ListEntries, finance_["york"], request, &response),
              StatusIs(Code::PERMISSION_DENIED));
  request.clear_counterparty();
  EXPECT_THAT(L(&LedgerStub::ListEntries, finance_["york"], request, &response),
              StatusIs(Code::INVALID_ARGUMENT));
  // York sees the consortium's totals, not the pair's debt.
  v1::Balances york;
  ASSERT_THAT(L(&LedgerStub::GetBalances, finance_["york"],
                v1::GetBalancesRequest(), &york),
              IsOk());
  EXPECT_THAT(york.debts(), IsEmpty());
  EXPECT_EQ(P(york.total_owed()), 27'000'00);
  EXPECT_EQ(P(york.positions(0).position()), 0);
}

TEST_F(LedgerServerTest, BudgetsCountCommittedFeesAndThePipeline) {
  v1::SetBudgetRequest set;
  set.set_authority("authorities/sheffield");
  set.set_financial_year(2026);
  *set.mutable_amount() = Pounds(50'000'00);
  set.set_request_id(NextRequestId());
  v1::Budget budget;
  ASSERT_THAT(L(&LedgerStub::SetBudget, finance_["sheffield"], set, &budget),
              IsOk());
  EXPECT_TRUE(budget.set());
  set.set_request_id(NextRequestId());
  EXPECT_THAT(L(&LedgerStub::SetBudget, finance_["leeds"], set, &budget),
              StatusIs(Code::PERMISSION_DENIED));
  Placed("sheffield", "leeds");
  Placed("sheffield", "york", v1::LINK_STEP_MATCH_DECIDED);
  v1::GetBudgetRequest get;
  get.set_authority("authorities/sheffield");
  get.set_financial_year(2026);
  ASSERT_THAT(L(&LedgerStub::GetBudget, finance_["sheffield"], get, &budget),
              IsOk());
  EXPECT_EQ(P(budget.committed()), 27'000'00);
  ASSERT_THAT(budget.pipeline(), SizeIs(1));
  EXPECT_EQ(P(budget.pipeline(0).amount()), 39'245'00);
  EXPECT_EQ(P(budget.forecast()), 66'245'00);
  EXPECT_EQ(budget.committed_percent(), 54);
  EXPECT_EQ(budget.committed_warning(), v1::BUDGET_WARNING_NONE);
  EXPECT_EQ(budget.forecast_warning(), v1::BUDGET_WARNING_OVER);
  // The pipeline's fees fall due this year: another year's forecast is what
  // is committed in it.
  for (int year : {2025, 2027}) {
    get.set_financial_year(year);
    v1::Budget other;
    ASSERT_THAT(L(&LedgerStub::GetBudget, finance_["sheffield"], get, &other),
                IsOk());
    EXPECT_THAT(other.pipeline(), IsEmpty()) << year;
    EXPECT_EQ(P(other.forecast()), P(other.committed())) << year;
  }
  get.set_financial_year(2026);

  // A retry gets the first answer, as it was then, after a later change.
  set.set_request_id(NextRequestId());
  v1::Budget first;
  ASSERT_THAT(L(&LedgerStub::SetBudget, finance_["sheffield"], set, &first),
              IsOk());
  EXPECT_EQ(P(first.amount()), 50'000'00);
  EXPECT_EQ(first.forecast_percent(), 132);
  v1::SetBudgetRequest raised = set;
  *raised.mutable_amount() = Pounds(1'000'000'00);
  raised.set_request_id(NextRequestId());
  ASSERT_THAT(L(&LedgerStub::SetBudget, finance_["sheffield"], raised, &budget),
              IsOk());
  EXPECT_EQ(budget.forecast_warning(), v1::BUDGET_WARNING_NONE);
  v1::Budget again;
  ASSERT_THAT(L(&LedgerStub::SetBudget, finance_["sheffield"], set, &again),
              IsOk());
  EXPECT_THAT(again, EqualsProto(first));
  ASSERT_THAT(L(&LedgerStub::GetBudget, finance_["sheffield"], get, &budget),
              IsOk());
  EXPECT_EQ(P(budget.amount()), 1'000'000'00);

  // A budget of nothing with fees committed: over it by more than any
  // percent, not "0%" beside the warning.
  v1::SetBudgetRequest nothing = set;
  *nothing.mutable_amount() = Pounds(0);
  nothing.set_request_id(NextRequestId());
  ASSERT_THAT(
      L(&LedgerStub::SetBudget, finance_["sheffield"], nothing, &budget),
      IsOk());
  EXPECT_EQ(budget.committed_percent(), std::numeric_limits<int32_t>::max());
  EXPECT_EQ(budget.committed_warning(), v1::BUDGET_WARNING_OVER);
}

TEST_F(LedgerServerTest, SettlementAndSalesFollowThePlacements) {
  Placed("sheffield", "leeds");  // Sheffield owes Leeds £27,000
  Placed("leeds", "york");       // Leeds owes York £39,245 (a VAA)
  v1::SettlementPlan plan;
  ASSERT_THAT(L(&LedgerStub::PlanSettlement, manager_,
                v1::PlanSettlementRequest(), &plan),
              IsOk());
  EXPECT_EQ(plan.members_with_balance(), 3);
  EXPECT_LE(plan.payment_count(), 2);
  std::map<std::string, int64_t> after = Positions();
  for (const v1::SettlementPayment& p : plan.payments()) {
    after[p.payer()] += P(p.amount());
    after[p.payee()] -= P(p.amount());
  }
  for (const auto& [member, pence] : after) EXPECT_EQ(pence, 0) << member;
  // Sheffield's finance officer sees its own payments, and the plan's size.
  v1::SettlementPlan own;
  ASSERT_THAT(L(&LedgerStub::PlanSettlement, finance_["sheffield"],
                v1::PlanSettlementRequest(), &own),
              IsOk());
  EXPECT_EQ(own.payment_count(), plan.payment_count());
  for (const v1::SettlementPayment& p : own.payments()) {
    EXPECT_TRUE(p.payer() == "authorities/sheffield" ||
                p.payee() == "authorities/sheffield");
  }

  v1::GetSalesAndPurchasesRequest request;
  request.set_authority("authorities/leeds");
  request.set_financial_year(2026);
  v1::SalesAndPurchases trades;
  ASSERT_THAT(
      L(&LedgerStub::GetSalesAndPurchases, finance_["leeds"], request, &trades),
      IsOk());
  ASSERT_THAT(trades.sales(), SizeIs(1));
  EXPECT_EQ(trades.sales(0).counterparty(), "authorities/sheffield");
  ASSERT_THAT(trades.purchases(), SizeIs(1));
  EXPECT_EQ(trades.purchases(0).counterparty(), "authorities/york");
  EXPECT_EQ(P(trades.net()), 27'000'00 - 39'245'00);
}

// A member that has withdrawn is settled with by a manager: the plan says
// which payments those are, and each goes through as planned.
TEST_F(LedgerServerTest, APlannedPaymentWithAWithdrawnMemberIsTheManagers) {
  Placed("sheffield", "leeds");  // Sheffield owes Leeds £27,000
  Placed("leeds", "york");       // Leeds owes York £39,245 (a VAA)
  WithdrawAuthority("leeds");
  v1::SettlementPlan plan;
  ASSERT_THAT(L(&LedgerStub::PlanSettlement, manager_,
                v1::PlanSettlementRequest(), &plan),
              IsOk());
  ASSERT_THAT(plan.payments(), SizeIs(2));
  int withdrawn = 0;
  for (const v1::SettlementPayment& p : plan.payments()) {
    const bool leeds =
        p.payer() == "authorities/leeds" || p.payee() == "authorities/leeds";
    EXPECT_EQ(p.withdrawn(), leeds ? "authorities/leeds" : "") << p.payer();
    withdrawn += leeds;
    v1::Payment paid;
    // Leeds's own finance officer can no longer pay; a manager can, the
    // planned amount, without allowing an overpayment.
    if (leeds) {
      EXPECT_THAT(
          Pay(finance_["leeds"], p.payer(), p.payee(), P(p.amount()), &paid),
          StatusIs(Code::PERMISSION_DENIED));
    }
    EXPECT_THAT(Pay(leeds ? manager_
                          : finance_[std::string(
                                absl::StripPrefix(p.payer(), "authorities/"))],
                    p.payer(), p.payee(), P(p.amount()), &paid),
                IsOk())
        << p.payer() << " pays " << p.payee();
  }
  EXPECT_EQ(withdrawn, 1);
  // Sheffield's finance officer sees the same mark on its own payments.
  v1::SettlementPlan own;
  ASSERT_THAT(L(&LedgerStub::PlanSettlement, finance_["sheffield"],
                v1::PlanSettlementRequest(), &own),
              IsOk());
  for (const v1::SettlementPayment& p : own.payments()) {
    EXPECT_EQ(p.withdrawn(),
              p.payee() == "authorities/leeds" ? "authorities/leeds" : "");
  }
}

// A placement whose date is corrected into the year before is that year's
// sale, not a £0.00 row of this one.
TEST_F(LedgerServerTest, APlacementMovedToTheYearBeforeLeavesThisYearsTrade) {
  v1::Link link = MatchedFrom("sheffield", "leeds", absl::CivilDay(2026, 1, 5));
  ASSERT_THAT(Advance(link.name(), v1::LINK_STEP_PLACED,
                      absl::CivilDay(2026, 4, 2), NextRequestId()),
              IsOk());
  v1::Link corrected;
  ASSERT_THAT(
      Journey(&JourneyStub::CorrectStep, manager_,
              CorrectionOf(link.name(), v1::LINK_STEP_PLACED,
                           absl::CivilDay(2026, 3, 30),
                           "The placement was on 30 March, before Easter."),
              &corrected),
      IsOk());
  auto sales_of = [&](int year) {
    v1::GetSalesAndPurchasesRequest request;
    request.set_authority("authorities/leeds");
    request.set_financial_year(year);
    v1::SalesAndPurchases trades;
    EXPECT_THAT(L(&LedgerStub::GetSalesAndPurchases, finance_["leeds"], request,
                  &trades),
                IsOk());
    std::vector<std::string> links;
    for (const v1::PlacementTrade& t : trades.sales()) {
      links.push_back(absl::StrCat(t.link(), " ", P(t.amount())));
    }
    return links;
  };
  EXPECT_THAT(sales_of(2026), IsEmpty());
  EXPECT_THAT(sales_of(2025),
              ElementsAre(absl::StrCat(link.name(), " ", 27'000'00)));
}

TEST_F(LedgerServerTest, ReconcileComparesAMembersBooksWithTheJournal) {
  v1::Link link = Placed("sheffield", "leeds");
  std::vector<v1::Entry> entries = EntriesOfLink(link.name());
  ASSERT_THAT(entries, SizeIs(1));
  v1::ReconcileRequest request;
  request.set_authority("authorities/leeds");
  *request.mutable_from() = MakeDate(2026, 4, 1);
  *request.mutable_to() = MakeDate(2027, 3, 31);
  request.set_csv(absl::StrCat("Date,Counterparty,Reference,Amount\r\n",
                               "06/10/2026,Sheffield Council,",
                               entries[0].reference(), ",\"£27,000.00\"\r\n",
                               "2026-10-10,authorities/york,INV-9,100.00\r\n",
                               "someday,york,INV-10,12.00\r\n"));
  v1::Reconciliation out;
  ASSERT_THAT(L(&LedgerStub::Reconcile, finance_["leeds"], request, &out),
              IsOk());
  EXPECT_THAT(out.matched(), SizeIs(1));
  EXPECT_THAT(out.only_in_books(), SizeIs(1));
  EXPECT_THAT(out.only_in_journal(), IsEmpty());
  ASSERT_THAT(out.unreadable(), SizeIs(1));
  EXPECT_EQ(out.unreadable(0).row(), 4);
  EXPECT_EQ(P(out.journal_total()), 27'000'00);
  // Another member's books are not Leeds's to check.
  EXPECT_THAT(L(&LedgerStub::Reconcile, finance_["york"], request, &out),
              StatusIs(Code::PERMISSION_DENIED));
}

// A file under 3 MiB whose comparison would pass a client's 4 MiB receive
// limit is the csv field's error, not the transport's.
TEST_F(LedgerServerTest, ReconcileRefusesAComparisonTooLargeToReceive) {
  v1::ReconcileRequest request;
  request.set_authority("authorities/leeds");
  *request.mutable_from() = MakeDate(2026, 4, 1);
  *request.mutable_to() = MakeDate(2027, 3, 31);
  std::string csv = "date,counterparty,reference,amount\n";
  for (int i = 0; i < 120'000; ++i) {
    absl::StrAppend(&csv, "2026-10-10,york,I", i % 100, ",1.00\n");
  }
  ASSERT_LT(csv.size(), size_t{3} << 20);
  request.set_csv(csv);
  v1::Reconciliation out;
  grpc::Status refused =
      L(&LedgerStub::Reconcile, finance_["leeds"], request, &out);
  EXPECT_THAT(refused, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(refused), ElementsAre("csv"));
  EXPECT_THAT(refused.error_message(), HasSubstr("reconcile a shorter period"));
  // Half as many rows are answered.
  csv.resize(csv.find('\n', csv.size() / 2) + 1);
  request.set_csv(csv);
  ASSERT_THAT(L(&LedgerStub::Reconcile, finance_["leeds"], request, &out),
              IsOk());
  EXPECT_GT(out.rows_read(), 50'000);
  EXPECT_EQ(out.only_in_books_size(), out.rows_read());
}

TEST_F(LedgerServerTest, TheStartUpAuditClosesTheLedgerWhenBalancesDisagree) {
  v1::Link link = Placed("sheffield", "leeds");
  StopServer();
  {
    SQLite::Database db(dir_.File("raamatch.db"), SQLite::OPEN_READWRITE);
    db.exec(
        "UPDATE ledger_balances SET pence = pence + 20000 WHERE "
        "authority_id = 'leeds'");
  }
  StartServer();
  v1::Balances balances;
  grpc::Status s = L(&LedgerStub::GetBalances, manager_,
                     v1::GetBalancesRequest(), &balances);
  EXPECT_THAT(s, StatusIs(Code::FAILED_PRECONDITION));
  EXPECT_THAT(s.error_message(), HasSubstr("authorities/leeds"));
  v1::ListPaymentsResponse payments;
  EXPECT_THAT(L(&LedgerStub::ListPayments, finance_["leeds"],
                v1::ListPaymentsRequest(), &payments),
              StatusIs(Code::FAILED_PRECONDITION));
  // The rest of the server serves.
  v1::GetLinkRequest get;
  get.set_name(link.name());
  v1::Link read;
  EXPECT_THAT(Journey(&JourneyStub::GetLink, manager_, get, &read), IsOk());
}

TEST_F(LedgerServerTest, TheJournalRefusesChangesAndTheAuditSeesADeletion) {
  Placed("sheffield", "leeds");
  StopServer();
  {
    SQLite::Database db(dir_.File("raamatch.db"), SQLite::OPEN_READWRITE);
    EXPECT_THROW(db.exec("UPDATE ledger_entries SET pence = 1"),
                 SQLite::Exception);
    EXPECT_THROW(db.exec("DELETE FROM ledger_entries"), SQLite::Exception);
    EXPECT_THROW(db.exec("INSERT INTO ledger_entries (type, debit, credit, "
                         "pence, value_date, recorded_by, key_id, "
                         "record_time) VALUES (1, 'leeds', 'leeds', 5, "
                         "'2026-10-01', 'hub', '', 0)"),
                 SQLite::Exception);
    // Someone determined drops the trigger and deletes the fee.
    db.exec("DROP TRIGGER ledger_entries_append_only_delete");
    db.exec("DELETE FROM ledger_entries");
  }
  StartServer();
  v1::Balances balances;
  grpc::Status s = L(&LedgerStub::GetBalances, finance_["leeds"],
                     v1::GetBalancesRequest(), &balances);
  EXPECT_THAT(s, StatusIs(Code::FAILED_PRECONDITION));
  EXPECT_THAT(s.error_message(), HasSubstr("balance table"));
}

TEST_F(LedgerServerTest, APlacementNoSchedulePricesIsRefused) {
  // The shipped schedules start on 1 April 2000. A child in care in 1998,
  // recorded from the archive: an adult now, so the pair needs an override.
  v1::Child archived = ChildProfile({84});
  *archived.mutable_ages_as_of() = MakeDate(1998, 12, 1);
  *archived.mutable_journey()->mutable_entered_care() = MakeDate(1998, 6, 1);
  *archived.mutable_journey()->mutable_plan_for_adoption() =
      MakeDate(1998, 8, 3);
  *archived.mutable_journey()->mutable_shobpa_decision() = MakeDate(1998, 9, 1);
  v1::Link link =
      MatchedFrom("sheffield", "leeds", absl::CivilDay(1999, 1, 1), archived,
                  "A placement recorded from the archive");
  grpc::Status s = Advance(link.name(), v1::LINK_STEP_PLACED,
                           absl::CivilDay(1999, 3, 1), NextRequestId());
  EXPECT_THAT(s, StatusIs(Code::FAILED_PRECONDITION));
  EXPECT_THAT(s.error_message(), HasSubstr("1999-03-01"));
  EXPECT_THAT(s.error_message(), HasSubstr("raa ledger schedule add"));
  // The step was not recorded either.
  v1::GetLinkRequest get;
  get.set_name(link.name());
  v1::Link read;
  ASSERT_THAT(Journey(&JourneyStub::GetLink, manager_, get, &read), IsOk());
  EXPECT_EQ(read.step(), v1::LINK_STEP_MATCH_DECIDED);
  EXPECT_THAT(EntriesOfLink(link.name()), IsEmpty());
}

}  // namespace
}  // namespace raa::test
