#include "services/matching/matching.h"

#include <chrono>
#include <limits>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/dates.h"
#include "common/enum_names.h"
#include "common/errors.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "services/auth/access_policy.h"
#include "services/auth/rules.h"
#include "services/matching/convert.h"
#include "services/matching/matching_rows.h"
#include "services/registry/registry.h"
#include "services/registry/registry_rows.h"
#include "services/registry/validation.h"

namespace raa {
namespace {

constexpr int kDefaultPageSize = 20;
constexpr int kMaxPageSize = 100;
constexpr int kMaxFollowed = Matching::kMaxWatchRecords;
// How deep a ranking is served through page tokens (the matcher's most).
constexpr int kMaxRankDepth = 10000;

// Where a ranking page starts, and what the ranking was when the token for
// it was made. Made by one search, read back by the next: the offset of
// the page, the policy version, the index generation and the day it ranked
// on, and a fingerprint of the request (record and min_score), so a token
// is used only for the ranking it continues and a changed ranking is
// noticed rather than paged through with candidates skipped or repeated.
struct RankPageToken {
  int offset = 0;
  int64_t policy_version = 0;
  uint64_t generation = 0;
  int32_t day = 0;
  uint64_t fingerprint = 0;
};

// FNV-1a of "<record>|<min_score>", hashed in pieces (no string is made).
uint64_t RankFingerprint(absl::string_view record, int min_score) {
  uint64_t hash = 14695981039346656037ull;
  const absl::AlphaNum score(min_score);
  for (absl::string_view piece :
       {record, absl::string_view("|"), score.Piece()}) {
    for (unsigned char c : piece) {
      hash ^= c;
      hash *= 1099511628211ull;
    }
  }
  return hash;
}

std::string EncodeRankPageToken(const RankPageToken& t) {
  // StrCat rather than StrFormat: the same text, at a third of the cost on
  // every ranking that has a next page.
  return absl::WebSafeBase64Escape(
      absl::StrCat("r1.", t.offset, ".", t.policy_version, ".", t.generation,
                   ".", t.day, ".", absl::Hex(t.fingerprint)));
}

// Checks a page token's form and that it belongs to this request (cheap:
// before any lock). nullopt for an empty token.
std::optional<RankPageToken> ReadRankPageToken(absl::string_view token,
                                               absl::string_view record,
                                               int min_score,
                                               FieldErrors& errors) {
  if (token.empty()) return std::nullopt;
  std::string text;
  RankPageToken t;
  std::vector<std::string> parts;
  if (token.size() <= 200 && absl::WebSafeBase64Unescape(token, &text)) {
    parts = absl::StrSplit(text, '.');
  }
  if (parts.size() != 6 || parts[0] != "r1" ||
      !absl::SimpleAtoi(parts[1], &t.offset) ||
      !absl::SimpleAtoi(parts[2], &t.policy_version) ||
      !absl::SimpleAtoi(parts[3], &t.generation) ||
      !absl::SimpleAtoi(parts[4], &t.day) ||
      !absl::SimpleHexAtoi(parts[5], &t.fingerprint) || t.offset < 1 ||
      t.offset >= kMaxRankDepth) {
    errors.Add("page_token",
               "is not a token from an earlier page of this ranking");
    return std::nullopt;
  }
  if (t.fingerprint != RankFingerprint(record, min_score)) {
    errors.Add("page_token",
               "was made for another record or min_score: a token continues "
               "only the ranking it came from");
    return std::nullopt;
  }
  return t;
}

// ABORTED when the ranking a token continues has changed.
absl::Status CheckRankUnchanged(const std::optional<RankPageToken>& token,
                                int64_t policy_version, uint64_t generation,
                                int32_t day) {
  if (!token.has_value()) return absl::OkStatus();
  if (token->policy_version != policy_version) {
    return absl::AbortedError(absl::StrCat(
        "the ranking changed since the first page (matching policy v",
        token->policy_version, " is now v", policy_version,
        "): start again from the first page, without page_token"));
  }
  if (token->generation != generation || token->day != day) {
    return absl::AbortedError(
        "the ranking changed since the first page (profiles were registered "
        "or updated, or the day changed): start again from the first page, "
        "without page_token");
  }
  return absl::OkStatus();
}

template <typename Request>
void CheckView(const Request& request, FieldErrors& errors) {
  if (!v1::RankView_IsValid(request.view())) {
    errors.Add(
        "view",
        "must be RANK_VIEW_BASIC, RANK_VIEW_FULL or RANK_VIEW_FULL_TEXT");
  }
}

// Words for the reasons: FULL_TEXT, and UNSPECIFIED (which means it, so a
// client from before coded reasons keeps its words).
Words WordsOf(v1::RankView view) {
  return view == v1::RANK_VIEW_FULL_TEXT || view == v1::RANK_VIEW_UNSPECIFIED
             ? Words::kWithWords
             : Words::kCodedOnly;
}

void CheckPaging(int page_size, int min_score, FieldErrors& errors) {
  if (page_size < 0 || page_size > kMaxPageSize) {
    errors.Add("page_size",
               absl::StrCat(page_size, " is outside 0-", kMaxPageSize,
                            " (0 means ", kDefaultPageSize, ")"));
  }
  if (min_score < 0 || min_score > 100) {
    errors.Add("min_score", absl::StrCat(min_score, " is outside 0-100"));
  }
}

template <typename Request>
int PageSizeOf(const Request& request) {
  return request.page_size() == 0 ? kDefaultPageSize : request.page_size();
}

// Ranks deep enough for the page at `offset` and one candidate more (to
// know whether a next page exists).
template <typename Request>
matcher::CandidateIndex::RankOptions RankOptionsOf(const Request& request,
                                                   int offset) {
  matcher::CandidateIndex::RankOptions options;
  options.limit = std::min(kMaxRankDepth, offset + PageSizeOf(request) + 1);
  options.min_score = request.min_score();
  return options;
}

// What a caller hears about a child hidden from it: exactly what it hears
// about a child that does not exist (the store's NOT_FOUND), so the answer
// does not reveal that a hidden profile exists.
absl::Status NoSuchChild() { return absl::NotFoundError("no such child"); }
// The page [offset, offset + page_size) of `candidates` (`begin`, `end`:
// indices into them), and the token for the next one (empty when there is
// none, or the next would pass kMaxRankDepth).
struct Page {
  size_t begin = 0;
  size_t end = 0;
  std::string next_token;
};
template <typename Request>
Page PageOf(const Request& request, int offset, const RankPageToken& state,
            size_t candidates) {
  const int end = offset + PageSizeOf(request);
  Page page;
  page.end = std::min<size_t>(end, candidates);
  page.begin = std::min<size_t>(offset, page.end);
  if (static_cast<int>(candidates) > end && end < kMaxRankDepth) {
    RankPageToken next = state;
    next.offset = end;
    page.next_token = EncodeRankPageToken(next);
  }
  return page;
}

bool Hidden(const matcher::ChildGroup& g, const Caller& caller) {
  return !IsVisibleTo(caller, g.authority, g.hidden_from);
}

// What differs between ranking households for a child (RankAdopters) and
// children for a household (RankChildren); TryRank is written once for both.
struct HouseholdsForChild {
  using Request = v1::RankAdoptersRequest;
  static constexpr absl::string_view kCollection = "children";
  static constexpr char kIdPrefix = 'c';
  static constexpr absl::string_view kField = "child";

  static const std::string& Subject(const Request& r) { return r.child(); }
  static constexpr RankSide kSide = RankSide::kHouseholds;
  static size_t PoolSize(const matcher::CandidateIndex& index) {
    return index.household_count();
  }
  // nullopt when `key` is not `authority_id`'s child in the index; else OK,
  // or NOT_FOUND when the child is hidden from the caller.
  static std::optional<absl::Status> Indexed(
      const matcher::CandidateIndex& index, uint64_t key,
      absl::string_view authority_id, const Caller& caller) {
    std::optional<matcher::ChildGroup> group = index.FindChild(key);
    if (!group.has_value() || group->authority != authority_id) {
      return std::nullopt;
    }
    if (Hidden(*group, caller)) return NoSuchChild();
    return absl::OkStatus();
  }
  static absl::StatusOr<matcher::RankResult> Rank(
      const matcher::CandidateIndex& index, uint64_t key,
      const matcher::MatchingPolicy& policy,
      const matcher::CandidateIndex::RankOptions& options, const Caller&,
      bool explain) {
    return index.RankHouseholds(key, policy, options, explain);
  }
  static absl::StatusOr<matcher::PairExplanation> Explain(
      const matcher::CandidateIndex& index, uint64_t key, uint64_t candidate,
      const matcher::MatchingPolicy& policy, int32_t day) {
    return index.ExplainPair(key, candidate, policy, day);
  }
  static void AppendName(const RecordNames& names, std::string& out,
                         const matcher::RankedCandidate& c) {
    names.AppendAdopter(out, c);
  }
};

struct ChildrenForHousehold {
  using Request = v1::RankChildrenRequest;
  static constexpr absl::string_view kCollection = "adopters";
  static constexpr char kIdPrefix = 'h';
  static constexpr absl::string_view kField = "adopter";

  static const std::string& Subject(const Request& r) { return r.adopter(); }
  static constexpr RankSide kSide = RankSide::kChildren;
  static size_t PoolSize(const matcher::CandidateIndex& index) {
    return index.child_count();
  }
  // nullopt when `key` is not `authority_id`'s household in the index.
  static std::optional<absl::Status> Indexed(
      const matcher::CandidateIndex& index, uint64_t key,
      absl::string_view authority_id, const Caller&) {
    std::optional<matcher::Household> household = index.FindHousehold(key);
    if (!household.has_value() || household->authority != authority_id) {
      return std::nullopt;
    }
    // One that may not be ranked for (on hold): the store says why, by its
    // name and status.
    if (!household->available) return std::nullopt;
    return absl::OkStatus();
  }
  static absl::StatusOr<matcher::RankResult> Rank(
      const matcher::CandidateIndex& index, uint64_t key,
      const matcher::MatchingPolicy& policy,
      const matcher::CandidateIndex::RankOptions& options, const Caller& caller,
      bool explain) {
    return index.RankChildren(key, policy, options, caller.authority_id,
                              explain);
  }
  static absl::StatusOr<matcher::PairExplanation> Explain(
      const matcher::CandidateIndex& index, uint64_t key, uint64_t candidate,
      const matcher::MatchingPolicy& policy, int32_t day) {
    return index.ExplainPair(candidate, key, policy, day);
  }
  static void AppendName(const RecordNames& names, std::string& out,
                         const matcher::RankedCandidate& c) {
    names.AppendChild(out, c);
  }
};

// The matcher names a record by its key in the index ("household 116:
// authority leeds has withdrawn"); the caller knows it by the name it gave.
absl::Status NamedAsAsked(absl::string_view name, const absl::Status& status) {
  absl::string_view message = status.message();
  for (absl::string_view kind : {"household ", "child group "}) {
    if (!absl::ConsumePrefix(&message, kind)) continue;
    const size_t digits = message.find_first_not_of("0123456789");
    if (digits == 0 || digits == absl::string_view::npos) break;
    return absl::Status(status.code(),
                        absl::StrCat(name, message.substr(digits)));
  }
  return status;
}

// Matching::TryRankAdopters / TryRankChildren: one page of a ranking from
// the index alone, written into `answer`, or nullopt (and `answer`
// untouched) when the answer needs the database or would cost more than
// `max_cost_nanos`. Every search that runs reports its time to `cost`.
template <typename Side>
std::optional<absl::Status> TryRank(const LiveIndex& live, RunCost& cost,
                                    int32_t today, const Caller& caller,
                                    const typename Side::Request& request,
                                    int64_t max_cost_nanos,
                                    RankingAnswer* answer) {
  const std::string& subject = Side::Subject(request);
  FieldErrors errors;
  CheckPaging(request.page_size(), request.min_score(), errors);
  CheckView(request, errors);
  const bool explain = request.view() != v1::RANK_VIEW_BASIC;
  const Words words = WordsOf(request.view());
  absl::StatusOr<RecordName> record = ParseRecordName(
      subject, Side::kCollection, Side::kIdPrefix, Side::kField);
  errors.AddAll(record.status());
  std::optional<RankPageToken> token = ReadRankPageToken(
      request.page_token(), subject, request.min_score(), errors);
  if (!errors.empty()) return errors.ToStatus();
  if (absl::Status s = CanSearchFor(caller, record->authority_id); !s.ok()) {
    return s;
  }
  const int offset = token.has_value() ? token->offset : 0;
  matcher::CandidateIndex::RankOptions options = RankOptionsOf(request, offset);
  options.as_of_day = today;
  // Rows whose reasons are built: the page and one more on a first page
  // (the matcher explains what it returns), the page's own on a later one.
  const int explained_rows =
      explain ? PageSizeOf(request) + (offset == 0 ? 1 : 0) : 0;
  return live.ReadWithGeneration(
      [&](const matcher::CandidateIndex& index,
          const matcher::MatchingPolicy& policy, uint64_t generation,
          const RecordNames& names) -> std::optional<absl::Status> {
        const uint64_t key = static_cast<uint64_t>(record->row_id);
        const int64_t pool = static_cast<int64_t>(Side::PoolSize(index));
        if (cost.EstimateNanos(Side::kSide, pool, explained_rows) >
            max_cost_nanos) {
          return std::nullopt;
        }
        std::optional<absl::Status> indexed =
            Side::Indexed(index, key, record->authority_id, caller);
        if (!indexed.has_value()) return std::nullopt;
        if (!indexed->ok()) return *indexed;
        if (absl::Status s = CheckRankUnchanged(token, policy.version,
                                                generation, options.as_of_day);
            !s.ok()) {
          return s;
        }
        const auto start = std::chrono::steady_clock::now();
        // A later page ranks without reasons and explains only its own rows.
        absl::StatusOr<matcher::RankResult> r = Side::Rank(
            index, key, policy, options, caller, explain && offset == 0);
        if (!r.ok()) return NamedAsAsked(subject, r.status());
        Page page = PageOf(request, offset,
                           {0, policy.version, generation, options.as_of_day,
                            RankFingerprint(subject, request.min_score())},
                           r->candidates.size());
        answer->set_subject(subject);
        answer->SetResult(*std::move(r), page.begin, page.end, explain, words);
        answer->set_next_page_token(std::move(page.next_token));
        answer->set_first_rank(offset + 1);
        if (explain && offset > 0) {
          for (matcher::RankedCandidate& c : answer->page()) {
            absl::StatusOr<matcher::PairExplanation> e =
                Side::Explain(index, key, c.key, policy, options.as_of_day);
            if (!e.ok()) return e.status();
            c.components = e->components;
          }
        }
        answer->NameCandidates(
            [&names](std::string& out, const matcher::RankedCandidate& c) {
              Side::AppendName(names, out, c);
            });
        cost.Observe(Side::kSide, pool, explained_rows,
                     std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::steady_clock::now() - start)
                         .count());
        return absl::OkStatus();
      });
}

// A ranking's answer as a message, for in-process callers: `rank(answer)`
// writes it.
template <typename Response, typename Rank>
absl::StatusOr<Response> AsMessage(Rank rank) {
  RankingAnswer answer;
  RETURN_IF_ERROR(rank(&answer));
  Response response;
  if (!answer.ParseInto(response)) {
    return absl::InternalError("a ranking's answer did not read back");
  }
  return response;
}

}  // namespace

int32_t Matching::Today() const { return DayNumber(ToDate(clock_.Today())); }

absl::StatusOr<uint64_t> Matching::SearchableChild(const Caller& caller,
                                                   absl::string_view name,
                                                   absl::string_view field,
                                                   bool for_search) {
  ASSIGN_OR_RETURN(RecordName record,
                   ParseRecordName(name, "children", 'c', field));
  RETURN_IF_ERROR(CanSearchFor(caller, record.authority_id));
  uint64_t key = static_cast<uint64_t>(record.row_id);
  std::optional<matcher::ChildGroup> group = live_.Read(
      [&](const matcher::CandidateIndex& index,
          const matcher::MatchingPolicy&) { return index.FindChild(key); });
  if (group.has_value() && group->authority == record.authority_id) {
    if (!IsVisibleTo(caller, group->authority, group->hidden_from)) {
      return NoSuchChild();
    }
    return key;
  }
  // Not in the index: unknown, or no longer waiting.
  absl::StatusOr<v1::Child> child =
      registry_rows::GetChild(store_, record.authority_id, record.row_id);
  if (!child.ok()) return child.status();
  if (!IsVisibleTo(caller, record.authority_id, *child)) {
    return NoSuchChild();
  }
  if (!for_search) return key;
  return absl::FailedPreconditionError(absl::StrCat(
      name, " is ",
      EnumValueSuffix(v1::ChildStatus_descriptor(), child->status()),
      ", not waiting: only waiting or linked children are searched for"));
}

absl::StatusOr<uint64_t> Matching::SearchableAdopter(const Caller& caller,
                                                     absl::string_view name,
                                                     absl::string_view field,
                                                     bool for_search) {
  ASSIGN_OR_RETURN(RecordName record,
                   ParseRecordName(name, "adopters", 'h', field));
  RETURN_IF_ERROR(CanSearchFor(caller, record.authority_id));
  uint64_t key = static_cast<uint64_t>(record.row_id);
  std::optional<matcher::Household> household = live_.Read(
      [&](const matcher::CandidateIndex& index,
          const matcher::MatchingPolicy&) { return index.FindHousehold(key); });
  if (household.has_value() && household->authority == record.authority_id) {
    return key;
  }
  absl::StatusOr<v1::Adopter> adopter =
      registry_rows::GetAdopter(store_, record.authority_id, record.row_id);
  if (!adopter.ok()) return adopter.status();
  if (!for_search) return key;
  return absl::FailedPreconditionError(absl::StrCat(
      name, " is ",
      EnumValueSuffix(v1::AdopterStatus_descriptor(), adopter->status()),
      ": only approved households are matched"));
}

std::optional<absl::Status> Matching::TryRankAdopters(
    const Caller& caller, const v1::RankAdoptersRequest& request,
    int64_t max_cost_nanos, RankingAnswer* response) {
  return TryRank<HouseholdsForChild>(live_, run_cost_, Today(), caller, request,
                                     max_cost_nanos, response);
}

absl::Status Matching::RankAdopters(const Caller& caller,
                                    const v1::RankAdoptersRequest& request,
                                    RankingAnswer* response) {
  if (auto r = TryRankAdopters(caller, request, kAnyCost, response)) {
    return *r;
  }
  // Not in the index: the store says why (unknown, hidden, not waiting).
  RETURN_IF_ERROR(
      SearchableChild(caller, request.child(), "child", true).status());
  // It joined the index between the two reads: search again.
  if (auto r = TryRankAdopters(caller, request, kAnyCost, response)) {
    return *r;
  }
  return absl::AbortedError("the child changed during the search; try again");
}

absl::StatusOr<v1::RankAdoptersResponse> Matching::RankAdopters(
    const Caller& caller, const v1::RankAdoptersRequest& request) {
  return AsMessage<v1::RankAdoptersResponse>([&](RankingAnswer* answer) {
    return RankAdopters(caller, request, answer);
  });
}

absl::StatusOr<v1::RankChildrenResponse> Matching::RankChildren(
    const Caller& caller, const v1::RankChildrenRequest& request) {
  return AsMessage<v1::RankChildrenResponse>([&](RankingAnswer* answer) {
    return RankChildren(caller, request, answer);
  });
}

std::optional<absl::Status> Matching::TryRankChildren(
    const Caller& caller, const v1::RankChildrenRequest& request,
    int64_t max_cost_nanos, RankingAnswer* response) {
  return TryRank<ChildrenForHousehold>(live_, run_cost_, Today(), caller,
                                       request, max_cost_nanos, response);
}

absl::Status Matching::RankChildren(const Caller& caller,
                                    const v1::RankChildrenRequest& request,
                                    RankingAnswer* response) {
  if (auto r = TryRankChildren(caller, request, kAnyCost, response)) {
    return *r;
  }
  ASSIGN_OR_RETURN(uint64_t key, SearchableAdopter(caller, request.adopter(),
                                                   "adopter", true));
  // In matching (watched, followed, explained) but not ranked for: on hold.
  const bool on_hold = live_.Read([&](const matcher::CandidateIndex& index,
                                      const matcher::MatchingPolicy&) {
    std::optional<matcher::Household> household = index.FindHousehold(key);
    return household.has_value() && !household->available;
  });
  if (on_hold) {
    ASSIGN_OR_RETURN(
        RecordName record,
        ParseRecordName(request.adopter(), "adopters", 'h', "adopter"));
    ASSIGN_OR_RETURN(
        v1::Adopter adopter,
        registry_rows::GetAdopter(store_, record.authority_id, record.row_id));
    return absl::FailedPreconditionError(absl::StrCat(
        request.adopter(), " is ",
        EnumValueSuffix(v1::AdopterStatus_descriptor(), adopter.status()),
        ": children are ranked only for approved households not on hold"));
  }
  if (auto r = TryRankChildren(caller, request, kAnyCost, response)) {
    return *r;
  }
  return absl::AbortedError(
      "the household changed during the search; try again");
}

absl::StatusOr<v1::PairExplanation> Matching::ExplainPair(
    const Caller& caller, const v1::ExplainPairRequest& request) {
  FieldErrors errors;
  absl::StatusOr<RecordName> child_name =
      ParseRecordName(request.child(), "children", 'c', "child");
  absl::StatusOr<RecordName> adopter_name =
      ParseRecordName(request.adopter(), "adopters", 'h', "adopter");
  errors.AddAll(child_name.status());
  errors.AddAll(adopter_name.status());
  RETURN_IF_ERROR(errors.ToStatus());
  // A registrar may explain a pair where either side is its own.
  const Caller searcher = SearcherOfPair(caller, child_name->authority_id,
                                         adopter_name->authority_id);
  ASSIGN_OR_RETURN(uint64_t child,
                   SearchableChild(searcher, request.child(), "child", false));
  ASSIGN_OR_RETURN(
      uint64_t household,
      SearchableAdopter(searcher, request.adopter(), "adopter", false));
  const int32_t today = Today();
  // Both open: straight from the index.
  std::optional<absl::StatusOr<matcher::PairExplanation>> open = live_.Read(
      [&](const matcher::CandidateIndex& index,
          const matcher::MatchingPolicy& policy)
          -> std::optional<absl::StatusOr<matcher::PairExplanation>> {
        std::optional<matcher::ChildGroup> g = index.FindChild(child);
        std::optional<matcher::Household> h = index.FindHousehold(household);
        if (!g.has_value() || g->authority != child_name->authority_id ||
            !h.has_value() || h->authority != adopter_name->authority_id) {
          return std::nullopt;
        }
        return index.ExplainPair(child, household, policy, today);
      });
  std::string closed_reason;
  absl::StatusOr<matcher::PairExplanation> e =
      absl::UnknownError("not explained");
  if (open.has_value()) {
    e = *std::move(open);
  } else {
    e = ExplainClosedPair(*child_name, *adopter_name, today, closed_reason);
  }
  RETURN_IF_ERROR(e.status());
  v1::PairExplanation out;
  out.set_child(request.child());
  out.set_adopter(request.adopter());
  out.set_policy_version(e->policy_version);
  out.set_eligible(e->eligible);
  out.set_closed_reason(closed_reason);
  out.mutable_members()->Add(e->members.begin(), e->members.end());
  // A child's hidden_from list is its own member's to read (RedactFor): to
  // anyone else the reason names no authority.
  const bool owner = caller.authority_id == child_name->authority_id;
  for (const matcher::ConstraintCheck& c : e->constraints) {
    v1::ConstraintCheck* check = out.add_constraints();
    check->set_constraint(std::string(matcher::ConstraintId(c.constraint)));
    check->set_passed(c.passed);
    if (c.constraint == matcher::Constraint::kNotAvailable &&
        !closed_reason.empty()) {
      check->set_reason(closed_reason);
    } else if (c.constraint == matcher::Constraint::kHiddenFromAuthority &&
               !owner) {
      check->set_reason(c.passed
                            ? "profile is visible to the household's authority"
                            : "profile is hidden from the household's "
                              "authority");
    } else {
      check->set_reason(c.reason);
    }
  }
  out.set_score(e->score);
  for (const matcher::ComponentScore& s : e->components) {
    ToProto(s, Words::kWithWords, *out.add_components());
  }
  return out;
}

absl::StatusOr<matcher::PairExplanation> Matching::ExplainClosedPair(
    const RecordName& child_name, const RecordName& adopter_name, int32_t today,
    std::string& closed_reason) {
  // The profiles as they are now (visibility was checked by the caller).
  ASSIGN_OR_RETURN(v1::Child child,
                   registry_rows::GetChild(store_, child_name.authority_id,
                                           child_name.row_id));
  ASSIGN_OR_RETURN(v1::Adopter adopter,
                   registry_rows::GetAdopter(store_, adopter_name.authority_id,
                                             adopter_name.row_id));
  ASSIGN_OR_RETURN(
      v1::Authority child_authority,
      registry_rows::GetAuthority(store_, child_name.authority_id));
  ASSIGN_OR_RETURN(
      v1::Authority adopter_authority,
      registry_rows::GetAuthority(store_, adopter_name.authority_id));
  std::vector<std::string> reasons;
  const bool child_open = child.status() == v1::CHILD_STATUS_WAITING ||
                          child.status() == v1::CHILD_STATUS_LINKED;
  if (!child_open) {
    reasons.push_back(absl::StrCat(
        child.members_size() > 1 ? "the children are " : "the child is ",
        EnumValueWords(v1::ChildStatus_descriptor(), child.status()),
        child.withdraw_reason().empty()
            ? ""
            : absl::StrCat(": ", child.withdraw_reason())));
  }
  const bool household_open = adopter.status() == v1::ADOPTER_STATUS_APPROVED ||
                              adopter.status() == v1::ADOPTER_STATUS_LINKED ||
                              adopter.status() == v1::ADOPTER_STATUS_ON_HOLD;
  if (!household_open) {
    const bool before_approval =
        adopter.status() == v1::ADOPTER_STATUS_STAGE_ONE ||
        adopter.status() == v1::ADOPTER_STATUS_STAGE_TWO;
    reasons.push_back(absl::StrCat(
        "the household is ", before_approval ? "at " : "",
        EnumValueWords(v1::AdopterStatus_descriptor(), adopter.status()),
        before_approval ? ", not yet approved" : "",
        adopter.withdraw_reason().empty()
            ? ""
            : absl::StrCat(": ", adopter.withdraw_reason())));
  }
  // Convert as if open, then mark the closed side unavailable: the rules
  // are the index's, applied to the profiles as they are today.
  v1::Child as_open_child = child;
  as_open_child.set_status(v1::CHILD_STATUS_WAITING);
  v1::Adopter as_open_adopter = adopter;
  if (!household_open) as_open_adopter.set_status(v1::ADOPTER_STATUS_APPROVED);
  std::optional<matcher::ChildGroup> group =
      ToChildGroup(child_name.row_id, child_name.authority_id, as_open_child);
  std::optional<matcher::Household> household = ToHousehold(
      adopter_name.row_id, adopter_name.authority_id, as_open_adopter);
  if (!group.has_value() || !household.has_value()) {
    return absl::InternalError("a profile could not be read for matching");
  }
  group->waiting = child_open;
  if (!household_open) household->available = false;
  matcher::CandidateIndex pair;
  RETURN_IF_ERROR(pair.UpsertAuthority(ToMatcherAuthority(child_authority)));
  RETURN_IF_ERROR(pair.UpsertAuthority(ToMatcherAuthority(adopter_authority)));
  RETURN_IF_ERROR(pair.UpsertHousehold(*household));
  RETURN_IF_ERROR(pair.UpsertChild(*group));
  closed_reason = absl::StrJoin(reasons, "; ");
  return live_.Read([&](const matcher::CandidateIndex& index,
                        const matcher::MatchingPolicy& policy) {
    pair.SetOpenLinks(household->key, index.OpenLinks(household->key));
    return pair.ExplainPair(group->key, household->key, policy, today);
  });
}

void Matching::CheckWatchShape(const v1::WatchMatchesRequest& request,
                               FieldErrors& errors) {
  if (!request.follows().empty() || !request.resume_token().empty()) {
    errors.Add(request.follows().empty() ? "resume_token" : "follows",
               "give either children and adopters (an ad-hoc watch) or "
               "follows, not both");
  }
  if (request.children().empty() && request.adopters().empty()) {
    errors.Add("children", "follow at least one child or adopter");
  }
  if (request.children_size() + request.adopters_size() > kMaxFollowed) {
    errors.Add("children", absl::StrCat("follow at most ", kMaxFollowed,
                                        " records per subscription"));
  }
  if (request.min_score() < 0 || request.min_score() > 100) {
    errors.Add("min_score",
               absl::StrCat(request.min_score(), " is outside 0-100"));
  }
  if (request.children_size() + request.adopters_size() > kMaxFollowed) {
    return;  // not read name by name
  }
  for (int i = 0; i < request.children_size(); ++i) {
    errors.AddAll(ParseRecordName(request.children(i), "children", 'c',
                                  absl::StrCat("children[", i, "]"))
                      .status());
  }
  for (int i = 0; i < request.adopters_size(); ++i) {
    errors.AddAll(ParseRecordName(request.adopters(i), "adopters", 'h',
                                  absl::StrCat("adopters[", i, "]"))
                      .status());
  }
}

absl::StatusOr<FollowSpec> Matching::PrepareWatch(
    const Caller& caller, const v1::WatchMatchesRequest& request) {
  FieldErrors errors;
  CheckWatchShape(request, errors);
  RETURN_IF_ERROR(errors.ToStatus());
  // A record's state is told only once every field is right.
  std::optional<absl::Status> state;
  FollowSpec spec;
  spec.caller_authority = caller.authority_id;
  spec.min_score = request.min_score() == 0 ? 50 : request.min_score();
  for (int i = 0; i < request.children_size(); ++i) {
    absl::StatusOr<uint64_t> key = SearchableChild(
        caller, request.children(i), absl::StrCat("children[", i, "]"), true);
    if (key.ok()) {
      spec.children.insert(*key);
    } else if (absl::IsInvalidArgument(key.status())) {
      errors.AddAll(key.status());
    } else if (absl::IsNotFound(key.status())) {
      errors.Add(absl::StrCat("children[", i, "]"), "no such child");
    } else if (!state.has_value()) {
      state = key.status();
    }
  }
  for (int i = 0; i < request.adopters_size(); ++i) {
    absl::StatusOr<uint64_t> key = SearchableAdopter(
        caller, request.adopters(i), absl::StrCat("adopters[", i, "]"), true);
    if (key.ok()) {
      spec.households.insert(*key);
    } else if (absl::IsInvalidArgument(key.status())) {
      errors.AddAll(key.status());
    } else if (absl::IsNotFound(key.status())) {
      errors.Add(absl::StrCat("adopters[", i, "]"), "no such adopter");
    } else if (!state.has_value()) {
      state = key.status();
    }
  }
  RETURN_IF_ERROR(errors.ToStatus());
  if (state.has_value()) return *state;
  return spec;
}

absl::StatusOr<v1::MatchingPolicy> Matching::GetPolicy(
    const Caller&, const v1::GetMatchingPolicyRequest&) {
  ASSIGN_OR_RETURN(v1::MatchingPolicy policy,
                   matching_rows::LatestMatchingPolicy(store_));
  // A policy stored before a limit existed holds 0 for it; the limit in
  // force is the matcher's default (ToMatcherPolicy), and that is shown.
  const matcher::MatchingPolicy defaults;
  if (policy.max_open_links() == 0) {
    policy.set_max_open_links(defaults.max_open_links);
  }
  if (policy.max_open_links_per_child() == 0) {
    policy.set_max_open_links_per_child(defaults.max_open_links_per_child);
  }
  return policy;
}

absl::StatusOr<v1::ReasonCatalog> Matching::GetReasonCatalog(
    const Caller&, const v1::GetReasonCatalogRequest&) {
  const int64_t policy_version = live_.Read(
      [](const matcher::CandidateIndex&,
         const matcher::MatchingPolicy& policy) { return policy.version; });
  v1::ReasonCatalog catalog;
  FillReasonCatalog(policy_version, catalog);
  return catalog;
}

absl::StatusOr<v1::MatchingPolicy> Matching::UpdatePolicy(
    const Caller& caller, const v1::UpdateMatchingPolicyRequest& request) {
  RETURN_IF_ERROR(RequireAnyRole(caller, {v1::ROLE_MANAGER}));
  FieldErrors errors;
  ValidateRequestId(request.request_id(), errors);
  const v1::MatchingPolicy& change = request.policy();
  absl::flat_hash_map<std::string, int> first_index;
  for (int i = 0; i < change.weights_size(); ++i) {
    const v1::ComponentWeight& w = change.weights(i);
    if (auto [it, inserted] = first_index.emplace(w.component(), i);
        !inserted) {
      errors.Add(absl::StrCat("policy.weights[", i, "].component"),
                 absl::StrCat("is already given in policy.weights[", it->second,
                              "]: give each component once"));
      continue;
    }
    bool known = false;
    for (int c = 0; c < matcher::kComponentCount; ++c) {
      known |= matcher::ComponentId(static_cast<matcher::Component>(c)) ==
               w.component();
    }
    std::string field = absl::StrCat("policy.weights[", i, "]");
    if (!known) {
      errors.Add(
          field + ".component",
          absl::StrCat("\"", w.component(), "\" is not a score component"));
    }
    if (w.weight() < 0 || w.weight() > 100) {
      errors.Add(field + ".weight",
                 absl::StrCat(w.weight(), " is outside 0-100"));
    }
  }
  if (change.max_open_links() < 0 || change.max_open_links() > 20) {
    errors.Add("policy.max_open_links",
               absl::StrCat(change.max_open_links(), " is outside 1-20"));
  }
  if (change.max_open_links_per_child() < 0 ||
      change.max_open_links_per_child() > 10) {
    errors.Add(
        "policy.max_open_links_per_child",
        absl::StrCat(change.max_open_links_per_child(), " is outside 1-10"));
  }
  RETURN_IF_ERROR(errors.ToStatus());
  ASSIGN_OR_RETURN(
      auto written,
      store_.Write<v1::MatchingPolicy>(
          MakeRequestKey(caller.authority_id, request),
          [&](StoreTx& tx) -> absl::StatusOr<v1::MatchingPolicy> {
            ASSIGN_OR_RETURN(v1::MatchingPolicy current,
                             matching_rows::LatestMatchingPolicy(tx));
            matcher::MatchingPolicy next = ToMatcherPolicy(current);
            matcher::MatchingPolicy requested = ToMatcherPolicy(change);
            for (const v1::ComponentWeight& w : change.weights()) {
              for (int c = 0; c < matcher::kComponentCount; ++c) {
                if (matcher::ComponentId(static_cast<matcher::Component>(c)) ==
                    w.component()) {
                  next.weights[c] = requested.weights[c];
                }
              }
            }
            if (change.max_open_links() > 0) {
              next.max_open_links = change.max_open_links();
            }
            if (change.max_open_links_per_child() > 0) {
              next.max_open_links_per_child = change.max_open_links_per_child();
            }
            if (absl::Status s = matcher::ValidatePolicy(next); !s.ok()) {
              return InvalidField("policy", s.message());
            }
            v1::MatchingPolicy stored = FromMatcherPolicy(next);
            stored.set_updated_by(
                absl::StrCat("authorities/", caller.authority_id));
            RETURN_IF_ERROR(matching_rows::InsertMatchingPolicy(tx, stored));
            return stored;
          }));
  if (!written.replayed) live_.SetPolicy(ToMatcherPolicy(written.value));
  return written.value;
}

}  // namespace raa
