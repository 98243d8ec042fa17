// raa.v1.ReasonCatalog (GetReasonCatalog) read into a ReasonFormatter, and
// the coded reasons of the matching API rendered with it: the one way every
// client (raa, raa-web, the server's own FULL_TEXT view) turns
// ScoreComponent and Exclusion codes into words.
//
// Example (a client, after one GetReasonCatalog call):
//
//   absl::StatusOr<ReasonCatalog> catalog = ReasonCatalog::FromProto(proto);
//   for (const v1::ScoreComponent& s : adopter.components())
//     std::cout << catalog->ComponentTitle(s) << ": "
//               << catalog->ReasonOf(s) << "\n";
#ifndef RAAMATCH_COMMON_REASON_CATALOG_H_
#define RAAMATCH_COMMON_REASON_CATALOG_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "common/reason_text.h"
#include "raa/v1/matching.pb.h"

namespace raa {

// Immutable after FromProto; thread-safe for concurrent reads. Copyable.
class ReasonCatalog {
 public:
  // InvalidArgument (naming the phrase) for a malformed template.
  static absl::StatusOr<ReasonCatalog> FromProto(
      const v1::ReasonCatalog& proto);

  const v1::ReasonCatalog& proto() const { return proto_; }
  const std::string& version() const { return proto_.version(); }
  const ReasonFormatter& formatter() const { return formatter_; }

  // The component's words: its `reason` when the server sent them
  // (FULL_TEXT, ExplainPair, alerts), else its codes rendered.
  std::string ReasonOf(const v1::ScoreComponent& component) const;
  // "41 households approved for fewer than 3 children": `text` when sent,
  // else the codes rendered.
  std::string TextOf(const v1::Exclusion& exclusion) const;
  // "needs_margin" (`component` when sent, else from `id`); "" if unknown.
  std::string ComponentKey(const v1::ScoreComponent& component) const;
  // "needs margin"; the key when the id is unknown.
  std::string ComponentTitle(const v1::ScoreComponent& component) const;
  // "not_available" (`constraint` when sent, else from `id`).
  std::string ConstraintKey(const v1::Exclusion& exclusion) const;

 private:
  v1::ReasonCatalog proto_;
  ReasonFormatter formatter_;
  // Indices into proto_'s components and constraints, by id (indices, not
  // pointers, so that a copy stays valid).
  absl::flat_hash_map<int, int> components_;
  absl::flat_hash_map<int, int> constraints_;
};

// The catalogue's phrases and tables as a formatter (no validation beyond
// ReasonFormatter::Create's).
absl::StatusOr<ReasonFormatter> FormatterOf(const v1::ReasonCatalog& proto);

// The proto form of phrases and tables (the server's GetReasonCatalog).
void AddPhrasesTo(const ReasonFormatter& formatter, v1::ReasonCatalog& proto);

}  // namespace raa

#endif  // RAAMATCH_COMMON_REASON_CATALOG_H_
