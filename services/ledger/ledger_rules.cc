#include "services/ledger/ledger_rules.h"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <map>
#include <set>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/check.h"
#include "common/dates.h"
#include "common/free_text.h"

namespace raa::ledger_rules {
namespace {

constexpr int64_t kNanosPerPenny = 10'000'000;
constexpr int64_t kNanosPerPound = 1'000'000'000;
constexpr Pence kMaxPence = 1'000'000'000'000;  // +-10^12 pence
constexpr int kAmountsPerRate = 5;

// `amount` * `percent` / 100 rounded half up, for amount >= 0 and percent
// 0-100: integer arithmetic only (amount <= 10^12, so no overflow).
Pence PercentRoundedHalfUp(Pence amount, int64_t percent) {
  RAA_CHECK(amount >= 0 && percent >= 0) << amount << " " << percent;
  return (amount * percent + 50) / 100;
}

std::string DayText(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

std::string ChildrenText(int children) {
  if (children == 1) return "1 child";
  if (children > kAmountsPerRate) {
    return absl::StrCat(children, " children (the rate for 5 or more)");
  }
  return absl::StrCat(children, " children");
}

// The rate of `kind` in `schedule`: LA and RAA share the LOCAL_AUTHORITY
// rate. Null if the schedule has none (ValidateSchedule refuses that) or
// the kind is unspecified.
const v1::FeeRate* RateOf(const v1::FeeSchedule& schedule,
                          v1::AuthorityKind kind) {
  v1::AuthorityKind wanted = kind;
  if (kind == v1::AUTHORITY_KIND_REGIONAL_ADOPTION_AGENCY) {
    wanted = v1::AUTHORITY_KIND_LOCAL_AUTHORITY;
  }
  if (wanted != v1::AUTHORITY_KIND_LOCAL_AUTHORITY &&
      wanted != v1::AUTHORITY_KIND_VOLUNTARY_ADOPTION_AGENCY) {
    return nullptr;
  }
  for (const v1::FeeRate& rate : schedule.rates()) {
    if (rate.agency_kind() == wanted) return &rate;
  }
  return nullptr;
}

const char* KindText(v1::AuthorityKind kind) {
  return kind == v1::AUTHORITY_KIND_VOLUNTARY_ADOPTION_AGENCY ? "VAA"
                                                              : "LA/RAA";
}

// Money from a stored (validated) schedule: a malformed figure there is a
// bug.
Pence StoredPence(const google::type::Money& money) {
  FieldErrors errors;
  Pence pence = FromMoney(money, "schedule", errors);
  RAA_CHECK(errors.empty() && pence >= 0)
      << "a stored fee schedule holds an invalid amount";
  return pence;
}

// Which rate prices a placement, and the words for it.
struct PricedRate {
  const v1::FeeSchedule* schedule = nullptr;
  const v1::FeeRate* rate = nullptr;
  int64_t weighting_percent = 0;
  std::string words;  // "VAA rate" / "consortium rate"
};

absl::StatusOr<PricedRate> PriceRate(std::span<const v1::FeeSchedule> schedules,
                                     absl::CivilDay placed_on,
                                     const Agency& payee) {
  PricedRate out;
  out.schedule = ScheduleFor(schedules, placed_on);
  if (out.schedule == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("no fee schedule is in force on ", DayText(placed_on),
                     ": add one from that date or earlier (AddFeeSchedule)"));
  }
  if (out.schedule->has_consortium_rate()) {
    out.rate = &out.schedule->consortium_rate();
    out.words = "consortium rate";
    return out;
  }
  out.rate = RateOf(*out.schedule, payee.kind);
  if (out.rate == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the approving agency's kind (", v1::AuthorityKind_Name(payee.kind),
        ") has no rate in the fee schedule of ",
        FormatDate(out.schedule->effective_from())));
  }
  out.words = absl::StrCat(KindText(payee.kind), " rate");
  if (payee.london) {
    out.weighting_percent = out.schedule->london_weighting_percent();
  }
  return out;
}

std::string ScheduleText(const v1::FeeSchedule& schedule) {
  return absl::StrCat("the schedule of ", FormatDate(schedule.effective_from()),
                      " (v", schedule.version(), ")");
}

// Adds the weighting to `base` and its words to `description`.
Pence Weighted(Pence base, int64_t percent, std::string& description) {
  if (percent == 0) return base;
  absl::StrAppend(&description, ", +", percent, "% London weighting");
  return base + PercentRoundedHalfUp(base, percent);
}

const v1::FeeSchedule* ScheduleByVersion(
    std::span<const v1::FeeSchedule> schedules, int64_t version) {
  for (const v1::FeeSchedule& schedule : schedules) {
    if (schedule.version() == version) return &schedule;
  }
  return nullptr;
}

// The most a schedule's amount may be: above every inter-agency fee (about
// £30,000-£45,000 a child), far below the API's money bound even with the
// London weighting, and so also what catches pence given as pounds.
constexpr Pence kMaxSchedulePence = 1'000'000'00;

// An amount of a rate (a fee or a monthly fee): 0 to kMaxSchedulePence.
// -1 when it is not one (errors added).
Pence ScheduleAmount(const google::type::Money& money, const std::string& at,
                     FieldErrors& errors) {
  FieldErrors amount_errors;
  Pence pence = FromMoney(money, at, amount_errors);
  if (!amount_errors.empty()) {
    errors.Merge(amount_errors);
    return -1;
  }
  if (pence < 0) {
    errors.Add(at, "must not be negative");
    return -1;
  }
  if (pence > kMaxSchedulePence) {
    errors.Add(at,
               "is more than £1,000,000, beyond any inter-agency fee: "
               "amounts are pounds in units and pence in nanos");
    return -1;
  }
  return pence;
}

void ValidateRate(const v1::FeeRate& rate, const std::string& field,
                  FieldErrors& errors) {
  if (rate.by_children_size() != kAmountsPerRate) {
    errors.Add(absl::StrCat(field, ".by_children"),
               absl::StrCat("needs exactly 5 amounts (1, 2, 3, 4 and 5 or "
                            "more children), not ",
                            rate.by_children_size()));
  } else {
    Pence before = 0;
    for (int i = 0; i < kAmountsPerRate; ++i) {
      std::string at = absl::StrCat(field, ".by_children[", i, "]");
      Pence pence = ScheduleAmount(rate.by_children(i), at, errors);
      if (pence < 0) continue;
      if (pence < before) {
        errors.Add(at, absl::StrCat(
                           "must not be less than the amount for ",
                           i == 1 ? "1 child" : absl::StrCat(i, " children")));
      }
      before = std::max(before, pence);
    }
  }
  std::string monthly = absl::StrCat(field, ".monthly_fee");
  if (!rate.has_monthly_fee()) {
    errors.Add(monthly, "is required (0 to £1,000,000)");
  } else {
    ScheduleAmount(rate.monthly_fee(), monthly, errors);
  }
}

// The live fee (pointing into the entries searched), what the reversals
// naming it have undone, and whether there is any.
struct Live {
  const JournalEntry* fee = nullptr;
  Pence reversed = 0;
  bool any_reversal = false;
};

Live FindLive(std::span<const JournalEntry> existing) {
  std::map<int64_t, Pence> reversed;  // fee id → reversed so far
  for (const JournalEntry& e : existing) {
    if (e.type == v1::ENTRY_TYPE_REVERSAL && e.reverses != 0) {
      reversed[e.reverses] += e.amount;
    }
  }
  Live live;
  for (const JournalEntry& e : existing) {
    if (e.type != v1::ENTRY_TYPE_FEE) continue;
    auto it = reversed.find(e.id);
    Pence undone = it == reversed.end() ? 0 : it->second;
    if (undone >= e.amount) continue;
    if (live.fee == nullptr || e.id > live.fee->id) {
      live.fee = &e;
      live.reversed = undone;
      live.any_reversal = it != reversed.end();
    }
  }
  return live;
}

Posting ReversalOf(const JournalEntry& fee, Pence amount,
                   absl::CivilDay value_date, std::string description) {
  Posting p;
  p.type = v1::ENTRY_TYPE_REVERSAL;
  p.debit = fee.credit;
  p.credit = fee.debit;
  p.amount = amount;
  p.value_date = value_date;
  p.link_id = fee.link_id;
  p.reverses = fee.id;
  p.reference = FeeReference(fee.link_id);
  p.description = std::move(description);
  return p;
}

}  // namespace

// ---- money on the wire ----

google::type::Money ToMoney(Pence pence) {
  google::type::Money money;
  money.set_currency_code("GBP");
  money.set_units(pence / 100);
  money.set_nanos(static_cast<int32_t>((pence % 100) * kNanosPerPenny));
  return money;
}

Pence FromMoney(const google::type::Money& money, absl::string_view field,
                FieldErrors& errors) {
  if (!money.currency_code().empty() && money.currency_code() != "GBP") {
    errors.Add(field, absl::StrCat("must be in GBP, not ",
                                   Quoted(money.currency_code())));
    return 0;
  }
  int64_t nanos = money.nanos();
  if (nanos <= -kNanosPerPound || nanos >= kNanosPerPound) {
    errors.Add(field, "nanos must be between -999,999,999 and 999,999,999");
    return 0;
  }
  if (nanos % kNanosPerPenny != 0) {
    errors.Add(field,
               "must be a whole number of pence (nanos a multiple of "
               "10,000,000)");
    return 0;
  }
  if ((money.units() > 0 && nanos < 0) || (money.units() < 0 && nanos > 0)) {
    errors.Add(field, "units and nanos must have the same sign");
    return 0;
  }
  if (money.units() > kMaxPence / 100 || money.units() < -kMaxPence / 100) {
    errors.Add(field, "is beyond 10,000,000,000 pounds");
    return 0;
  }
  Pence pence = money.units() * 100 + nanos / kNanosPerPenny;
  if (pence > kMaxPence || pence < -kMaxPence) {
    errors.Add(field, "is beyond 10,000,000,000 pounds");
    return 0;
  }
  return pence;
}

// ---- fee schedules ----

void ValidateSchedule(const v1::FeeSchedule& schedule,
                      const v1::FeeSchedule* latest, absl::string_view field,
                      FieldErrors& errors) {
  std::string prefix(field);
  auto at = [&](absl::string_view name) {
    return prefix.empty() ? std::string(name) : absl::StrCat(prefix, ".", name);
  };
  std::optional<absl::CivilDay> from;
  if (!schedule.has_effective_from() || IsUnset(schedule.effective_from())) {
    errors.Add(at("effective_from"), "is required");
  } else {
    from = ToCivilDay(schedule.effective_from());
    if (!from) {
      errors.Add(at("effective_from"), "is not a real date");
    } else if (latest != nullptr) {
      std::optional<absl::CivilDay> latest_from =
          ToCivilDay(latest->effective_from());
      if (latest_from && *from < *latest_from) {
        errors.Add(at("effective_from"),
                   absl::StrCat("must not be before the latest schedule's (",
                                DayText(*latest_from), ")"));
      }
    }
  }
  bool has_la = false;
  bool has_vaa = false;
  for (int i = 0; i < schedule.rates_size(); ++i) {
    const v1::FeeRate& rate = schedule.rates(i);
    std::string rate_field = at(absl::StrCat("rates[", i, "]"));
    bool* seen = nullptr;
    if (rate.agency_kind() == v1::AUTHORITY_KIND_LOCAL_AUTHORITY) {
      seen = &has_la;
    } else if (rate.agency_kind() ==
               v1::AUTHORITY_KIND_VOLUNTARY_ADOPTION_AGENCY) {
      seen = &has_vaa;
    }
    if (seen == nullptr) {
      errors.Add(absl::StrCat(rate_field, ".agency_kind"),
                 "must be AUTHORITY_KIND_LOCAL_AUTHORITY (which also prices "
                 "regional adoption agencies) or "
                 "AUTHORITY_KIND_VOLUNTARY_ADOPTION_AGENCY");
    } else if (*seen) {
      errors.Add(absl::StrCat(rate_field, ".agency_kind"),
                 absl::StrCat("a second rate for ",
                              v1::AuthorityKind_Name(rate.agency_kind())));
    } else {
      *seen = true;
    }
    ValidateRate(rate, rate_field, errors);
  }
  if (!has_la) {
    errors.Add(at("rates"),
               "needs a rate for AUTHORITY_KIND_LOCAL_AUTHORITY (local "
               "authorities and regional adoption agencies)");
  }
  if (!has_vaa) {
    errors.Add(at("rates"),
               "needs a rate for AUTHORITY_KIND_VOLUNTARY_ADOPTION_AGENCY");
  }
  if (schedule.london_weighting_percent() < 0 ||
      schedule.london_weighting_percent() > 100) {
    errors.Add(at("london_weighting_percent"), "must be 0-100");
  }
  if (schedule.disruption_refund_percent() < 0 ||
      schedule.disruption_refund_percent() > 100) {
    errors.Add(at("disruption_refund_percent"), "must be 0-100");
  }
  if (schedule.monthly_fee_after_months() < 1 ||
      schedule.monthly_fee_after_months() > 60) {
    errors.Add(at("monthly_fee_after_months"), "must be 1-60");
  }
  if (schedule.source().empty()) {
    errors.Add(at("source"), "is required: where the figures come from");
  } else {
    // Shown to every finance officer and manager, in the console and by
    // raa in a terminal: no control or bidi characters, something visible.
    constexpr FreeTextRule kScheduleSource{1, 2000, true, false};
    CheckFreeText(schedule.source(), at("source"), kScheduleSource, errors);
  }
  // The consortium rate's agency_kind is not read: it prices every kind.
  if (schedule.has_consortium_rate()) {
    ValidateRate(schedule.consortium_rate(), at("consortium_rate"), errors);
  }
}

const v1::FeeSchedule* ScheduleFor(std::span<const v1::FeeSchedule> schedules,
                                   absl::CivilDay day) {
  // Oldest first: the last one not after `day` wins (of two with the same
  // date, the one added later).
  const v1::FeeSchedule* found = nullptr;
  std::optional<absl::CivilDay> found_from;
  for (const v1::FeeSchedule& schedule : schedules) {
    std::optional<absl::CivilDay> from = ToCivilDay(schedule.effective_from());
    if (!from || *from > day) continue;
    if (found == nullptr || *from >= *found_from) {
      found = &schedule;
      found_from = from;
    }
  }
  return found;
}

absl::StatusOr<FeeQuote> PlacementFee(
    std::span<const v1::FeeSchedule> schedules, absl::CivilDay placed_on,
    const Agency& payee, int children) {
  if (children < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("a placement is of 1 child or more, not ", children));
  }
  absl::StatusOr<PricedRate> priced = PriceRate(schedules, placed_on, payee);
  if (!priced.ok()) return priced.status();
  RAA_CHECK(priced->rate->by_children_size() == kAmountsPerRate)
      << "a stored fee schedule's rate lacks amounts";
  int index = std::min(children, kAmountsPerRate) - 1;
  Pence base = StoredPence(priced->rate->by_children(index));
  FeeQuote quote;
  quote.schedule_version = priced->schedule->version();
  quote.description =
      absl::StrCat(priced->words, " for ", ChildrenText(children), " from ",
                   ScheduleText(*priced->schedule));
  quote.amount = Weighted(base, priced->weighting_percent, quote.description);
  return quote;
}

absl::StatusOr<FeeQuote> MonthlyFee(std::span<const v1::FeeSchedule> schedules,
                                    absl::CivilDay placed_on,
                                    const Agency& payee, int children) {
  if (children < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("a placement is of 1 child or more, not ", children));
  }
  absl::StatusOr<PricedRate> priced = PriceRate(schedules, placed_on, payee);
  if (!priced.ok()) return priced.status();
  Pence base = StoredPence(priced->rate->monthly_fee());
  FeeQuote quote;
  quote.schedule_version = priced->schedule->version();
  quote.description = absl::StrCat("monthly fee at the ", priced->words,
                                   " for ", ChildrenText(children), " from ",
                                   ScheduleText(*priced->schedule));
  quote.amount = Weighted(base, priced->weighting_percent, quote.description);
  return quote;
}

// ---- postings ----

std::string FeeReference(int64_t link_id) {
  return absl::StrCat("RAA-l", link_id);
}

std::string MonthlyFeeReference(int64_t link_id, absl::string_view month) {
  return absl::StrCat("RAA-l", link_id, "-", month);
}

std::optional<JournalEntry> LiveFee(std::span<const JournalEntry> existing,
                                    Pence* reversed) {
  Live live = FindLive(existing);
  if (live.fee == nullptr) return std::nullopt;
  if (reversed != nullptr) *reversed = live.reversed;
  return *live.fee;
}

absl::StatusOr<std::vector<Posting>> PostingsForPlacement(
    const Placement& placement, std::span<const JournalEntry> existing,
    std::span<const v1::FeeSchedule> schedules, absl::string_view why) {
  std::vector<Posting> out;
  if (placement.payer == placement.payee) return out;
  // Only this link's fees (and the reversals naming them) count.
  std::vector<JournalEntry> mine;
  for (const JournalEntry& e : existing) {
    if (e.type != v1::ENTRY_TYPE_FEE || e.link_id == placement.link_id) {
      mine.push_back(e);
    }
  }
  Live live = FindLive(mine);
  // A replay of the placement that priced the live fee posts nothing, even
  // if a schedule added since would price that date differently: fees
  // already accrued never change when a schedule does.
  if (live.fee != nullptr && live.fee->value_date == placement.placed_on) {
    return out;
  }
  absl::StatusOr<FeeQuote> quote =
      PlacementFee(schedules, placement.placed_on, placement.payee_agency,
                   placement.children);
  if (!quote.ok()) return quote.status();
  if (live.fee != nullptr) {
    // A correction of the placement date: the fee is re-posted only if its
    // amount changes or it moves to another financial year (each year's
    // figures count a fee from its placement date).
    if (live.fee->amount == quote->amount &&
        FinancialYearOf(live.fee->value_date) ==
            FinancialYearOf(placement.placed_on)) {
      return out;
    }
    std::string description = absl::StrCat(
        live.fee->amount == quote->amount ? "Moved" : "Re-priced",
        ": the placement date is now ", DayText(placement.placed_on), " (was ",
        DayText(live.fee->value_date), ")");
    if (!why.empty()) absl::StrAppend(&description, ": ", why);
    // Dated as the fee it undoes: the year that fee counted in nets to
    // nothing, and the new fee counts in its own.
    out.push_back(ReversalOf(*live.fee, live.fee->amount - live.reversed,
                             live.fee->value_date, std::move(description)));
  }
  // A zero fee (a consortium rate of 0) posts nothing: entries are > 0.
  if (quote->amount > 0) {
    Posting fee;
    fee.type = v1::ENTRY_TYPE_FEE;
    fee.debit = placement.payer;
    fee.credit = placement.payee;
    fee.amount = quote->amount;
    fee.value_date = placement.placed_on;
    fee.link_id = placement.link_id;
    fee.reference = FeeReference(placement.link_id);
    fee.description = std::move(quote->description);
    fee.children = placement.children;
    fee.schedule_version = quote->schedule_version;
    out.push_back(std::move(fee));
  }
  CheckBalanced(out);
  return out;
}

std::vector<Posting> PostingsForEnding(
    std::span<const JournalEntry> existing,
    std::span<const v1::FeeSchedule> schedules, absl::CivilDay ended_on,
    absl::string_view why) {
  std::vector<Posting> out;
  Live live = FindLive(existing);
  if (live.fee == nullptr) return out;
  // A re-pricing reverses a fee in full (it is then no longer live), so a
  // reversal naming the live fee can only be a refund: post it once. A
  // replay of the ending therefore posts nothing.
  if (live.any_reversal) return out;
  const v1::FeeSchedule* schedule = nullptr;
  if (live.fee->schedule_version != 0) {
    schedule = ScheduleByVersion(schedules, live.fee->schedule_version);
  }
  if (schedule == nullptr) {
    schedule = ScheduleFor(schedules, live.fee->value_date);
  }
  if (schedule == nullptr) return out;
  Pence refund = PercentRoundedHalfUp(live.fee->amount,
                                      schedule->disruption_refund_percent());
  if (refund <= 0) return out;
  std::string description =
      absl::StrCat("Refund of ", schedule->disruption_refund_percent(),
                   "%: the placement ended on ", DayText(ended_on),
                   " before the adoption order");
  if (!why.empty()) absl::StrAppend(&description, ": ", why);
  out.push_back(
      ReversalOf(*live.fee, refund, ended_on, std::move(description)));
  CheckBalanced(out);
  return out;
}

bool MonthlyFeeDue(std::span<const v1::FeeSchedule> schedules,
                   absl::CivilDay placed_on,
                   std::optional<absl::CivilDay> order_on,
                   std::optional<absl::CivilDay> ended_on,
                   absl::CivilMonth month) {
  const v1::FeeSchedule* schedule = ScheduleFor(schedules, placed_on);
  if (schedule == nullptr) return false;
  // placed_on + N months, the day clamped to the month's length (31 January
  // + 1 month = 28 or 29 February).
  absl::CivilMonth due_month =
      absl::CivilMonth(placed_on) + schedule->monthly_fee_after_months();
  absl::CivilDay last_of_due_month = absl::CivilDay(due_month + 1) - 1;
  absl::CivilDay due_from = std::min(
      absl::CivilDay(due_month) + (placed_on.day() - 1), last_of_due_month);
  absl::CivilDay first = absl::CivilDay(month);
  absl::CivilDay last = absl::CivilDay(month + 1) - 1;
  if (!(last > due_from)) return false;
  if (order_on && *order_on <= first) return false;
  if (ended_on && *ended_on <= first) return false;
  return true;
}

namespace {

// Calls `reverse(fee, month)` for each monthly fee in `existing` not yet
// reversed (its month parsed); adds the REVERSAL it describes (nullopt:
// keep the fee) to `out`.
template <typename Describe>
void ReverseStandingMonthlyFees(std::span<const JournalEntry> existing,
                                Describe describe, std::vector<Posting>& out) {
  for (const JournalEntry& fee : existing) {
    if (fee.type != v1::ENTRY_TYPE_MONTHLY_FEE) continue;
    const bool reversed = std::any_of(
        existing.begin(), existing.end(), [&](const JournalEntry& e) {
          return e.type == v1::ENTRY_TYPE_REVERSAL && e.reverses == fee.id;
        });
    if (reversed) continue;
    absl::CivilMonth month;
    if (!absl::ParseCivilTime(fee.month, &month)) continue;
    std::optional<std::string> description = describe(fee, month);
    if (!description.has_value()) continue;
    Posting p;
    p.type = v1::ENTRY_TYPE_REVERSAL;
    p.debit = fee.credit;
    p.credit = fee.debit;
    p.amount = fee.amount;
    p.value_date = absl::CivilDay(month + 1) - 1;
    p.link_id = fee.link_id;
    p.reverses = fee.id;
    p.reference = MonthlyFeeReference(fee.link_id, fee.month);
    p.month = fee.month;
    p.description = *std::move(description);
    out.push_back(std::move(p));
  }
  CheckBalanced(out);
}

}  // namespace

std::vector<Posting> PostingsForMonthsNoLongerDue(
    std::span<const JournalEntry> existing,
    std::span<const v1::FeeSchedule> schedules, absl::CivilDay placed_on,
    std::optional<absl::CivilDay> order_on,
    std::optional<absl::CivilDay> ended_on, absl::string_view why) {
  std::vector<Posting> out;
  ReverseStandingMonthlyFees(
      existing,
      [&](const JournalEntry& fee,
          absl::CivilMonth month) -> std::optional<std::string> {
        if (MonthlyFeeDue(schedules, placed_on, order_on, ended_on, month)) {
          return std::nullopt;
        }
        return absl::StrCat("monthly fee for ", fee.month,
                            " no longer due: ", why);
      },
      out);
  return out;
}

absl::StatusOr<std::vector<Posting>> PostingsForMonthsRepriced(
    const Placement& placement, std::span<const JournalEntry> existing,
    std::span<const v1::FeeSchedule> schedules,
    std::optional<absl::CivilDay> order_on,
    std::optional<absl::CivilDay> ended_on, absl::string_view why) {
  std::vector<Posting> out;
  if (placement.payer == placement.payee) return out;
  absl::StatusOr<FeeQuote> quote =
      MonthlyFee(schedules, placement.placed_on, placement.payee_agency,
                 placement.children);
  if (!quote.ok()) return quote.status();
  ReverseStandingMonthlyFees(
      existing,
      [&](const JournalEntry& fee,
          absl::CivilMonth month) -> std::optional<std::string> {
        if (fee.link_id != placement.link_id || fee.amount == quote->amount ||
            !MonthlyFeeDue(schedules, placement.placed_on, order_on, ended_on,
                           month)) {
          return std::nullopt;
        }
        return absl::StrCat("monthly fee for ", fee.month,
                            " priced again: ", why);
      },
      out);
  return out;
}

absl::StatusOr<std::optional<Posting>> MonthlyFeePosting(
    const Placement& placement, std::span<const v1::FeeSchedule> schedules,
    std::optional<absl::CivilDay> order_on,
    std::optional<absl::CivilDay> ended_on, absl::CivilMonth month) {
  if (placement.payer == placement.payee) return std::nullopt;
  absl::StatusOr<FeeQuote> quote =
      MonthlyFee(schedules, placement.placed_on, placement.payee_agency,
                 placement.children);
  if (!quote.ok()) return quote.status();
  if (!MonthlyFeeDue(schedules, placement.placed_on, order_on, ended_on,
                     month)) {
    return std::nullopt;
  }
  if (quote->amount <= 0) return std::nullopt;
  std::string month_text =
      absl::StrFormat("%04d-%02d", month.year(), month.month());
  Posting p;
  p.type = v1::ENTRY_TYPE_MONTHLY_FEE;
  p.debit = placement.payer;
  p.credit = placement.payee;
  p.amount = quote->amount;
  p.value_date = absl::CivilDay(month + 1) - 1;
  p.link_id = placement.link_id;
  p.reference = MonthlyFeeReference(placement.link_id, month_text);
  const v1::FeeSchedule* schedule = ScheduleFor(schedules, placement.placed_on);
  RAA_CHECK(schedule != nullptr) << "MonthlyFee found one";
  p.description = absl::StrCat(
      "Monthly fee for ", month_text, ": no adoption order ",
      schedule->monthly_fee_after_months(), " months after the placement of ",
      DayText(placement.placed_on), "; ", quote->description);
  p.children = placement.children;
  p.schedule_version = quote->schedule_version;
  p.month = month_text;
  CheckBalanced(std::span<const Posting>(&p, 1));
  return p;
}

void CheckBalanced(std::span<const Posting> postings) {
  for (const Posting& p : postings) {
    RAA_CHECK(p.amount > 0) << "a posting of " << p.amount << " pence";
    RAA_CHECK(!p.debit.empty() && !p.credit.empty())
        << "a posting without both sides: debit '" << p.debit << "', credit '"
        << p.credit << "'";
    RAA_CHECK(p.debit != p.credit)
        << "a posting from " << p.debit << " to itself";
    RAA_CHECK(p.type != v1::ENTRY_TYPE_UNSPECIFIED) << "a posting of no type";
    RAA_CHECK(p.type != v1::ENTRY_TYPE_REVERSAL || p.reverses > 0)
        << "a reversal that names no entry";
  }
}

// ---- positions and settlement ----

Pence EffectOn(const JournalEntry& entry, absl::string_view member) {
  if (entry.credit == member) return entry.amount;
  if (entry.debit == member) return -entry.amount;
  return 0;
}

Positions PositionsOf(std::span<const JournalEntry> entries,
                      absl::CivilDay as_of) {
  // Keyed by views into `entries`, which outlive the map.
  absl::flat_hash_map<absl::string_view, Pence> by_member;
  for (const JournalEntry& e : entries) {
    if (e.value_date > as_of) continue;
    by_member[e.credit] += e.amount;
    by_member[e.debit] -= e.amount;
  }
  Positions out;
  out.reserve(by_member.size());
  Pence sum = 0;
  for (const auto& [member, pence] : by_member) {
    out.emplace_back(std::string(member), pence);
    sum += pence;
  }
  RAA_CHECK(sum == 0) << "positions sum to " << sum << " pence, not 0";
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<Debt> PairwiseDebts(std::span<const JournalEntry> entries,
                                absl::CivilDay as_of) {
  // (lower id, higher id) → what the lower owes the higher; keyed by views
  // into `entries`.
  absl::flat_hash_map<std::pair<absl::string_view, absl::string_view>, Pence>
      owed;
  for (const JournalEntry& e : entries) {
    if (e.value_date > as_of || e.debit == e.credit) continue;
    absl::string_view debit = e.debit;
    absl::string_view credit = e.credit;
    if (debit < credit) {
      owed[{debit, credit}] += e.amount;
    } else {
      owed[{credit, debit}] -= e.amount;
    }
  }
  std::vector<Debt> out;
  for (const auto& [pair, pence] : owed) {
    if (pence > 0) {
      out.push_back({std::string(pair.first), std::string(pair.second), pence});
    }
    if (pence < 0) {
      out.push_back(
          {std::string(pair.second), std::string(pair.first), -pence});
    }
  }
  std::sort(out.begin(), out.end(), [](const Debt& a, const Debt& b) {
    return std::tie(b.amount, a.debtor, a.creditor) <
           std::tie(a.amount, b.debtor, b.creditor);
  });
  return out;
}

std::vector<Debt> PlanSettlement(const Positions& positions) {
  Pence sum = 0;
  // (amount still to pay or receive, id): the largest first, ties by id.
  auto larger_first = [](const std::pair<Pence, std::string>& a,
                         const std::pair<Pence, std::string>& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  };
  std::set<std::pair<Pence, std::string>, decltype(larger_first)> debtors(
      larger_first);
  std::set<std::pair<Pence, std::string>, decltype(larger_first)> creditors(
      larger_first);
  int with_balance = 0;
  for (const auto& [member, pence] : positions) {
    sum += pence;
    if (pence < 0) debtors.insert({-pence, member});
    if (pence > 0) creditors.insert({pence, member});
    if (pence != 0) ++with_balance;
  }
  RAA_CHECK(sum == 0) << "positions to settle sum to " << sum << " pence";
  std::vector<Debt> plan;
  // Each step pays the largest debt to the largest credit and zeroes at
  // least one of them; the last step zeroes both (the sum is zero), so
  // there are at most with_balance - 1 steps.
  while (!debtors.empty() && !creditors.empty()) {
    auto [owes, debtor] = *debtors.begin();
    auto [due, creditor] = *creditors.begin();
    debtors.erase(debtors.begin());
    creditors.erase(creditors.begin());
    Pence pay = std::min(owes, due);
    plan.push_back({debtor, creditor, pay});
    if (owes > pay) debtors.insert({owes - pay, debtor});
    if (due > pay) creditors.insert({due - pay, creditor});
  }
  RAA_CHECK(debtors.empty() && creditors.empty())
      << "a settlement left a balance";
  RAA_CHECK(with_balance == 0 ||
            static_cast<int>(plan.size()) <= with_balance - 1)
      << plan.size() << " payments for " << with_balance << " members";
  std::sort(plan.begin(), plan.end(), [](const Debt& a, const Debt& b) {
    return std::tie(b.amount, a.debtor, a.creditor) <
           std::tie(a.amount, b.debtor, b.creditor);
  });
  // Applying the plan clears every position to the penny.
  std::map<std::string, Pence, std::less<>> left(positions.begin(),
                                                 positions.end());
  for (const Debt& d : plan) {
    RAA_CHECK(d.amount > 0) << "a settlement payment of " << d.amount;
    left[d.debtor] += d.amount;
    left[d.creditor] -= d.amount;
  }
  for (const auto& [member, pence] : left) {
    RAA_CHECK(pence == 0) << "the settlement leaves " << member << " at "
                          << pence << " pence";
  }
  return plan;
}

// ---- periods and budgets ----

std::pair<absl::CivilDay, absl::CivilDay> FinancialYear(int year) {
  return {absl::CivilDay(year, 4, 1), absl::CivilDay(year + 1, 3, 31)};
}

int FinancialYearOf(absl::CivilDay day) {
  return static_cast<int>(day.month() >= 4 ? day.year() : day.year() - 1);
}

v1::BudgetWarning WarningFor(Pence used, Pence budget) {
  if (budget <= 0) {
    return used > 0 ? v1::BUDGET_WARNING_OVER : v1::BUDGET_WARNING_NONE;
  }
  __int128 u = used;
  __int128 b = budget;
  if (u >= b) return v1::BUDGET_WARNING_OVER;
  if (u * 4 >= b * 3) return v1::BUDGET_WARNING_NEAR;
  return v1::BUDGET_WARNING_NONE;
}

int PercentOf(Pence used, Pence budget) {
  if (budget <= 0 || used <= 0) return 0;
  __int128 percent = static_cast<__int128>(used) * 100 / budget;
  return percent > std::numeric_limits<int>::max()
             ? std::numeric_limits<int>::max()
             : static_cast<int>(percent);
}

}  // namespace raa::ledger_rules
