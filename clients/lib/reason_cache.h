// The reason catalogue (GetReasonCatalog) as a client keeps it: fetched on
// the first response that needs it, kept, and fetched again only when a
// response is newer than it (its policy_version) or uses a code, component
// or constraint it does not know. raa keeps one for the process, raa-web one
// for every session (the catalogue holds no personal data and every role may
// read it).
//
//   ReasonCatalogCache cache;
//   absl::StatusOr<v1::RankAdoptersResponse> r = client.Call(...);  // FULL
//   ReasonNeeds needs = ReasonNeeds::Of(*r);
//   absl::StatusOr<std::shared_ptr<const ReasonCatalog>> catalog =
//       cache.For(needs, [&] { return FetchReasonCatalog(client); });
//   for (const v1::ScoreComponent& s : r->adopters(0).components())
//     std::cout << (*catalog)->ComponentTitle(s) << ": "
//               << (*catalog)->ReasonOf(s) << "\n";
//
// A response whose every component and exclusion already carries its words
// (RANK_VIEW_FULL_TEXT, ExplainPair, alerts, or a server from before coded
// reasons) needs no catalogue, and For() then fetches nothing.
#ifndef RAAMATCH_CLIENTS_LIB_REASON_CACHE_H_
#define RAAMATCH_CLIENTS_LIB_REASON_CACHE_H_

#include <cstdint>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "clients/lib/client.h"
#include "common/reason_catalog.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "raa/v1/matching.pb.h"

namespace raa {

// What rendering some components and exclusions takes from a catalogue:
// the phrase codes of reasons sent without words, the ids of components
// and constraints sent without their key, and the policy version the
// response was made with. Plain data.
struct ReasonNeeds {
  int64_t policy_version = 0;
  absl::flat_hash_set<int32_t> codes;
  absl::flat_hash_set<int32_t> component_ids;
  absl::flat_hash_set<int32_t> constraint_ids;

  // Nothing to render from a catalogue: every reason came with its words.
  bool empty() const {
    return codes.empty() && component_ids.empty() && constraint_ids.empty();
  }

  void Add(const v1::ScoreComponent& component);
  void Add(const v1::Exclusion& exclusion);
  void Add(const google::protobuf::RepeatedPtrField<v1::ScoreComponent>& all);
  void Add(const google::protobuf::RepeatedPtrField<v1::Exclusion>& all);

  // A ranking's components (of every candidate) and exclusions, and its
  // policy version.
  static ReasonNeeds Of(const v1::RankAdoptersResponse& response);
  static ReasonNeeds Of(const v1::RankChildrenResponse& response);
};

// True if `catalog` renders everything `needs` asks for in words: it is at
// least as new as needs.policy_version and knows every code and id.
bool Covers(const ReasonCatalog& catalog, const ReasonNeeds& needs);

// GetReasonCatalog with `client`'s key.
absl::StatusOr<v1::ReasonCatalog> FetchReasonCatalog(RaaClient& client);

// Thread-safe: For() may be called from many threads at once; one of them
// fetches while the others that need a newer catalogue wait for it. The
// catalogues it returns are immutable and stay valid for as long as the
// caller holds them, whatever the cache does next.
class ReasonCatalogCache {
 public:
  struct Options {
    // After a fetch that failed, or still did not cover a response (a
    // server whose catalogue lacks a phrase it uses), the cached catalogue
    // is used without fetching for this long: such a response renders an
    // unknown code as "(reason N: not in this reason catalogue)" rather
    // than fetch on every call.
    absl::Duration unknown_code_retry = absl::Minutes(1);
  };
  using Fetch = absl::FunctionRef<absl::StatusOr<v1::ReasonCatalog>()>;

  ReasonCatalogCache() : ReasonCatalogCache(Options()) {}
  explicit ReasonCatalogCache(Options options) : options_(options) {}
  ReasonCatalogCache(const ReasonCatalogCache&) = delete;
  ReasonCatalogCache& operator=(const ReasonCatalogCache&) = delete;

  // The catalogue to render `needs` with. The cached one if it Covers them;
  // for empty needs, the cached one or (none yet) an empty catalogue,
  // without fetching; otherwise `fetch` is called (at most one fetch at a
  // time), its catalogue kept and returned. If fetching fails, the cached
  // catalogue if there is one (it renders what it knows; no fetch is tried
  // again for unknown_code_retry), else fetch's error (a catalogue whose
  // templates do not parse: INTERNAL, naming the phrase).
  absl::StatusOr<std::shared_ptr<const ReasonCatalog>> For(
      const ReasonNeeds& needs, Fetch fetch);

  // The cached catalogue; null before the first fetch.
  std::shared_ptr<const ReasonCatalog> current() const;
  // How many times `fetch` was called (for tests and diagnostics).
  int fetches() const;

 private:
  // The cached catalogue if it will do for `needs` (or no fetch should be
  // tried), else null.
  std::shared_ptr<const ReasonCatalog> Usable(const ReasonNeeds& needs) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);

  const Options options_;
  // Held across a fetch, so that one caller fetches at a time.
  absl::Mutex fetch_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  mutable absl::Mutex mu_;
  std::shared_ptr<const ReasonCatalog> current_ ABSL_GUARDED_BY(mu_);
  absl::Time no_unknown_fetch_until_ ABSL_GUARDED_BY(mu_) =
      absl::InfinitePast();
  int fetches_ ABSL_GUARDED_BY(mu_) = 0;
};

// Writes the words into every component and exclusion sent without them
// (`component` and `reason`; `constraint` and `text`), so that the message
// reads as RANK_VIEW_FULL_TEXT would have sent it: for output that prints
// the message itself (raa --json).
void AddReasonWords(
    const ReasonCatalog& catalog,
    google::protobuf::RepeatedPtrField<v1::ScoreComponent>& components);
void AddReasonWords(const ReasonCatalog& catalog,
                    google::protobuf::RepeatedPtrField<v1::Exclusion>& all);
void AddReasonWords(const ReasonCatalog& catalog,
                    v1::RankAdoptersResponse& response);
void AddReasonWords(const ReasonCatalog& catalog,
                    v1::RankChildrenResponse& response);

}  // namespace raa

#endif  // RAAMATCH_CLIENTS_LIB_REASON_CACHE_H_
