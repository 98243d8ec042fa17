// UTF-8 as people type it: counting characters (code points, not bytes),
// checking that bytes are well-formed, and cutting text on a character
// boundary.
//
//   if (!IsValidUtf8(text)) ...;
//   if (CountCharacters(text) > 500) ...;          // 400 "€" is 400, not 1200
//   std::string shown = Abbreviate(text, 40);      // "first 40 characters…"
//
// Well-formed means RFC 3629: no overlong forms, no surrogates, nothing above
// U+10FFFF. Every function is linear in the text and allocates at most its
// result.
#ifndef RAAMATCH_COMMON_UTF8_H_
#define RAAMATCH_COMMON_UTF8_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace raa {

// U+FFFD, returned for a malformed byte.
inline constexpr char32_t kReplacementCharacter = 0xFFFD;

// Decodes the character at text[*pos] and advances *pos past it. A malformed
// sequence yields kReplacementCharacter and advances one byte. *pos must be
// < text.size().
char32_t DecodeUtf8(absl::string_view text, size_t* pos);

// Appends `c` encoded as UTF-8.
void AppendUtf8(char32_t c, std::string& out);

bool IsValidUtf8(absl::string_view text);

// Code points; each malformed byte counts as one.
size_t CountCharacters(absl::string_view text);

// The first `max_chars` characters of `text` (cut on a character boundary);
// all of it if shorter.
absl::string_view PrefixOfCharacters(absl::string_view text, size_t max_chars);

// `text` for a message: at most `max_chars` characters, then "…" if it was
// cut; malformed bytes and control, bidi and zero-width characters are shown
// as U+FFFD, so the result is valid, one-line UTF-8 that cannot reorder the
// text around it.
std::string Abbreviate(absl::string_view text, size_t max_chars);

}  // namespace raa

#endif  // RAAMATCH_COMMON_UTF8_H_
