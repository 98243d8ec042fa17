// The rules for free text, which every area applies to the text it stores:
// length in characters, valid UTF-8, no control or bidirectional characters,
// and for anonymous fields no personal identifier (personal_data.h). Pure
// functions; thread-safe.
#ifndef RAAMATCH_COMMON_FREE_TEXT_H_
#define RAAMATCH_COMMON_FREE_TEXT_H_

#include <cstddef>

#include "absl/strings/string_view.h"
#include "common/errors.h"
#include "common/personal_data.h"  // the scan of anonymous fields

namespace raa {

inline constexpr int kMaxSummaryChars = 1000;
inline constexpr int kMaxReasonChars = 500;
inline constexpr int kMaxDisplayNameChars = 100;

// How one free-text field is checked. Lengths are in characters (Unicode
// code points), not bytes: 400 "€" is 400 characters.
struct FreeTextRule {
  size_t min_chars = 0;  // 1 for a required field
  size_t max_chars = 0;
  bool multi_line = false;  // may hold line feeds and tabs
  bool anonymous = false;   // scanned for personal identifiers
  // No invisible character but the space anywhere (zero-width spaces and
  // joiners, other spaces, fillers): a reference matched against a bank's
  // by machine must be the characters it looks like.
  bool visible_only = false;
};
// A child's summary: optional, several lines, anonymous.
inline constexpr FreeTextRule kSummaryText{0, kMaxSummaryChars, true, true};
// Why a child or household was withdrawn: required, one line, anonymous.
inline constexpr FreeTextRule kReasonText{1, kMaxReasonChars, false, true};
// A member's name: required, one line.
inline constexpr FreeTextRule kDisplayNameText{1, kMaxDisplayNameChars, false,
                                               false};
// An API key's label: optional, one line.
inline constexpr FreeTextRule kKeyLabelText{0, kMaxDisplayNameChars, false,
                                            false};

// Checks one free-text field and adds at most one violation for `field`, the
// first of, in this order:
//   1. its length in characters is outside the rule's range (counted before
//      anything else looks at the text, so an over-long text is refused
//      without being scanned);
//   2. it is not valid UTF-8;
//   3. it holds a control character (C0, DEL, C1; line feed and tab are
//      allowed in multi-line fields only), a line or paragraph separator in
//      a one-line field, or a bidirectional embedding, override or isolate
//      (U+202A-U+202E, U+2066-U+2069); in a visible_only field, any
//      invisible character (as in 4) but the space;
//   4. a required field (min_chars > 0) has no visible character: only
//      spaces of any width, zero-width and other format characters,
//      fillers, variation selectors or tags (a reason of "\u200B" says
//      nothing);
//   5. for an anonymous field, it contains a personal identifier
//      (ScanForPersonalIdentifier).
// Linear in the text's length.
void CheckFreeText(absl::string_view text, absl::string_view field,
                   const FreeTextRule& rule, FieldErrors& errors);

}  // namespace raa

#endif  // RAAMATCH_COMMON_FREE_TEXT_H_
