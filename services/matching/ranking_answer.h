// One page of a ranking as it is sent: a RankAdoptersResponse or a
// RankChildrenResponse (the two have the same fields by number), sized and
// written straight into protobuf's wire format from the matcher's result,
// with no message built.
//
// Built as messages, an explained page of 20 was 160 score components and
// 320 arena allocations for their repeated fields, and building, sizing and
// serialising them was about a quarter of the call's time on gRPC's thread.
// Here the result is moved in whole and walked twice: once to size (the
// sizes are cached, as protobuf caches them), once to write.
//
//   RankingAnswer answer;
//   answer.set_subject(request.child());
//   answer.SetResult(*std::move(result), begin, end, explained, words);
//   answer.NameCandidates([&](std::string& out, const RankedCandidate& c) {
//     names.AppendAdopter(out, c);
//   });
//   const size_t bytes = answer.ByteSizeLong();
//   answer.SerializeWithCachedSizesToArray(buffer);  // `bytes` bytes
//
// The bytes are exactly those protobuf writes for the same message
// (tests/matching/ranking_answer_test.cc compares them in every view), so
// a client cannot tell the two apart. UnaryRunner::InlineFirstRaw sends it
// as it sends a message (ByteSizeLong, SerializeWithCachedSizesToArray), and
// the audit trail names its records through AppendRecordNames below.
//
// Not thread-safe: one call's answer, used by one thread at a time.
#ifndef RAAMATCH_SERVICES_MATCHING_RANKING_ANSWER_H_
#define RAAMATCH_SERVICES_MATCHING_RANKING_ANSWER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "google/protobuf/message_lite.h"
#include "matcher/result.h"
#include "services/audit/audit_log.h"
#include "services/matching/convert.h"

namespace raa {

class RankingAnswer {
 public:
  // The record ranked for: RankAdoptersResponse.child,
  // RankChildrenResponse.adopter.
  void set_subject(absl::string_view subject) {
    subject_.assign(subject.data(), subject.size());
    sized_ = false;
  }
  // The counts and exclusions of `result`, and its candidates [begin, end)
  // as the page (begin <= end <= result.candidates.size()). `explained`:
  // each candidate's components are sent (FULL, FULL_TEXT); `words`: with
  // their words (FULL_TEXT).
  void SetResult(matcher::RankResult result, size_t begin, size_t end,
                 bool explained, Words words);
  // The page's candidates, best first; their components may be replaced
  // (a later page's, explained pair by pair) until the answer is sized.
  absl::Span<matcher::RankedCandidate> page() {
    sized_ = false;
    return absl::MakeSpan(result_.candidates).subspan(begin_, end_ - begin_);
  }
  absl::Span<const matcher::RankedCandidate> page() const {
    return absl::MakeConstSpan(result_.candidates)
        .subspan(begin_, end_ - begin_);
  }
  // Names the page's candidates, in order: `append(out, candidate)` appends
  // one's resource name to `out` (RecordNames::AppendAdopter, AppendChild).
  template <typename AppendName>
  void NameCandidates(AppendName append) {
    sized_ = false;
    name_ends_.clear();
    names_.clear();
    for (const matcher::RankedCandidate& c : page()) {
      append(names_, c);
      name_ends_.push_back(static_cast<uint32_t>(names_.size()));
    }
  }
  void set_next_page_token(std::string token) {
    next_page_token_ = std::move(token);
    sized_ = false;
  }
  void set_first_rank(int32_t rank) {
    first_rank_ = rank;
    sized_ = false;
  }

  absl::string_view subject() const { return subject_; }
  // The name NameCandidates gave the page's i-th candidate.
  absl::string_view name(size_t i) const;
  size_t name_count() const { return name_ends_.size(); }

  // Back to a new answer's state (nothing set).
  void Clear();

  // The size of the answer's bytes. Works out (and in FULL_TEXT formats)
  // everything the writing needs and caches it, as a message caches its
  // sizes: call it after the last change, before writing.
  size_t ByteSizeLong() const;
  // Writes the bytes to `target` (ByteSizeLong() of room) and returns the
  // end of what it wrote. Dies unless ByteSizeLong() was called after the
  // last change.
  uint8_t* SerializeWithCachedSizesToArray(uint8_t* target) const;
  std::string SerializeAsString() const;
  // Parses the bytes into `message` (a RankAdoptersResponse or a
  // RankChildrenResponse): for in-process callers and tests.
  bool ParseInto(google::protobuf::MessageLite& message) const;

 private:
  // FULL_TEXT's key and words of one line or component: formats the words
  // into texts_ (NextText reads them back in the same order).
  size_t WordsSize(absl::string_view key,
                   const matcher::CodedReason& coded) const;
  size_t ExclusionSize(const matcher::ExclusionLine& line) const;
  size_t ComponentSize(const matcher::ComponentScore& score) const;
  uint8_t* WriteExclusion(const matcher::ExclusionLine& line,
                          uint8_t* target) const;
  uint8_t* WriteComponent(const matcher::ComponentScore& score,
                          uint8_t* target) const;
  // The next formatted text (FULL_TEXT), in the order they are written.
  absl::string_view NextText() const;

  std::string subject_;
  matcher::RankResult result_;
  size_t begin_ = 0;
  size_t end_ = 0;
  bool explained_ = false;
  Words words_ = Words::kCodedOnly;
  std::string names_;                // the page's names, end to end
  std::vector<uint32_t> name_ends_;  // where each ends in names_
  std::string next_page_token_;
  int32_t first_rank_ = 0;

  // Made by ByteSizeLong, read by the writing, in the order it writes;
  // `sized_` says they are of the answer as it is.
  mutable bool sized_ = false;
  mutable std::vector<uint32_t> sizes_;  // exclusions, then each candidate
                                         // and its components
  mutable std::string texts_;  // FULL_TEXT's reasons and exclusion texts
  mutable std::vector<uint32_t> text_ends_;
  mutable size_t next_size_ = 0;  // the writing's place in sizes_
  mutable size_t next_text_ = 0;  // and in text_ends_
};

// The records a ranking's answer names, for the audit trail: its subject,
// then each candidate returned.
void AppendRecordNames(const RankingAnswer& answer, AuditRecords& out);

}  // namespace raa

#endif  // RAAMATCH_SERVICES_MATCHING_RANKING_ANSWER_H_
