// Reasons as data: a reason is a list of catalogue phrases with numeric and
// string arguments; ReasonFormatter turns it into the words a social worker
// reads. The server publishes its phrases (raa.v1.ReasonCatalog, from
// GetReasonCatalog); every client renders with this one formatter, so `raa`,
// `raa-web` and the server's own text say the same thing.
//
// Template syntax (also in protos/raa/v1/matching.proto, ReasonPhrase):
//   {N}            the phrase's number N (0-based) in decimal
//   {N|one|other}  `one` if number N is 1, else `other`
//   {N:table}      entry N of table `table` (need_category, need_level, ...)
//   {sN}           the phrase's string N
// Everything outside braces is literal. Phrases are joined with "; " unless
// a phrase `continues` the one before it.
//
// Example:
//
//   absl::StatusOr<ReasonFormatter> f = ReasonFormatter::Create(
//       {{.code = 1, .text = "approved for {0}, group of {1}", .arity = 2},
//        {.code = 2, .text = ": {0} spare {0|place|places}", .arity = 1,
//         .continues = true}},
//       {});
//   f->Format({1, 2}, {3, 2, 1}, {});
//   // "approved for 3, group of 2: 1 spare place"
//
// No protobuf here: the matcher (which never sees a proto) formats with it
// too. common/reason_catalog.h reads and writes raa.v1.ReasonCatalog.
#ifndef RAAMATCH_COMMON_REASON_TEXT_H_
#define RAAMATCH_COMMON_REASON_TEXT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace raa {

struct ReasonPhraseText {
  int32_t code = 0;
  std::string text = {};
  int arity = 0;       // numbers it takes from the reason's arguments
  int text_arity = 0;  // strings it takes
  bool continues = false;
};

struct ReasonTableText {
  std::string name = {};
  std::vector<std::string> entries = {};
};

// Immutable after Create; thread-safe for concurrent Format calls. Copyable.
class ReasonFormatter {
 public:
  // InvalidArgument naming the phrase when a template is malformed: an
  // unclosed brace, a number or string index at or beyond the phrase's
  // arity, an unknown table, a negative arity, or a code listed twice.
  static absl::StatusOr<ReasonFormatter> Create(
      std::vector<ReasonPhraseText> phrases,
      std::vector<ReasonTableText> tables);

  // The words of one reason. Never fails: a reason with a code this
  // catalogue does not have renders as "(reason <code>: not in this reason
  // catalogue)" (its phrases' arities are unknown, so nothing after it can
  // be read: fetch the catalogue again); a missing number as "?", a missing
  // string as "", a table entry out of range as "(<table> <n>)".
  std::string Format(absl::Span<const int32_t> codes,
                     absl::Span<const int32_t> args,
                     absl::Span<const std::string> text_args) const;

  // Appends the same words to `out`.
  void AppendTo(std::string& out, absl::Span<const int32_t> codes,
                absl::Span<const int32_t> args,
                absl::Span<const std::string> text_args) const;

  const std::vector<ReasonPhraseText>& phrases() const { return phrases_; }
  const std::vector<ReasonTableText>& tables() const { return tables_; }

 private:
  // A template cut into literal text and placeholders.
  struct Piece {
    enum Kind : uint8_t { kLiteral, kNumber, kPlural, kTable, kString };
    Kind kind = kLiteral;
    int index = 0;             // argument index within the phrase
    int table = 0;             // kTable: index into tables_
    std::string literal = {};  // kLiteral text; kPlural: the `one` word
    std::string other = {};    // kPlural: the `other` word
  };
  struct Compiled {
    int arity = 0;
    int text_arity = 0;
    bool continues = false;
    std::vector<Piece> pieces;
  };

  std::vector<ReasonPhraseText> phrases_;
  std::vector<ReasonTableText> tables_;
  absl::flat_hash_map<int32_t, Compiled> compiled_;
};

}  // namespace raa

#endif  // RAAMATCH_COMMON_REASON_TEXT_H_
