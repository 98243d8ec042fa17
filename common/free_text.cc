#include "common/free_text.h"

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/personal_data.h"
#include "common/utf8.h"
#include "utf8proc.h"

namespace raa {
namespace {

// Why character `c` may not appear in a free-text field, or "" if it may.
std::string RefusedCharacter(char32_t c, bool multi_line) {
  if ((c == '\n' || c == '\t') && multi_line) return "";
  if (c == '\n' || c == '\r' || c == 0x2028 || c == 0x2029) {
    return multi_line ? absl::StrFormat(
                            "a carriage return or separator "
                            "(U+%04X); end lines with U+000A",
                            static_cast<uint32_t>(c))
                      : absl::StrFormat("a line break (U+%04X); it is one line",
                                        static_cast<uint32_t>(c));
  }
  if (c < 0x20 || (c >= 0x7F && c <= 0x9F)) {
    return absl::StrFormat("a control character (U+%04X)",
                           static_cast<uint32_t>(c));
  }
  if ((c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069)) {
    return absl::StrFormat(
        "a bidirectional control character (U+%04X), which can disguise how "
        "the text reads",
        static_cast<uint32_t>(c));
  }
  return "";
}

// Whether `c` shows nothing on its own: a space of any width, a format or
// other default-ignorable character (zero-width spaces and joiners,
// variation selectors, tags), or a filler that draws blank (Hangul
// fillers, the Braille blank). A required field of only these is empty to
// a reader.
bool IsInvisible(char32_t c) {
  if (c == ' ' || c == '\t' || c == '\n') return true;
  if (c < 0x80) return false;
  const utf8proc_property_t* p =
      utf8proc_get_property(static_cast<utf8proc_int32_t>(c));
  return p->ignorable || p->category == UTF8PROC_CATEGORY_ZS ||
         p->category == UTF8PROC_CATEGORY_CF || c == 0x115F || c == 0x1160 ||
         c == 0x3164 || c == 0xFFA0 || c == 0x2800 || c == 0x17B4 ||
         c == 0x17B5;
}

}  // namespace

void CheckFreeText(absl::string_view text, absl::string_view field,
                   const FreeTextRule& rule, FieldErrors& errors) {
  const size_t chars = CountCharacters(text);
  if (chars > rule.max_chars) {
    errors.Add(field, absl::StrCat("is ", chars, " characters; at most ",
                                   rule.max_chars));
    return;
  }
  if (chars < rule.min_chars) {
    errors.Add(field, rule.min_chars == 1
                          ? absl::StrCat("is required (1-", rule.max_chars,
                                         " characters)")
                          : absl::StrCat("is ", chars, " characters; at least ",
                                         rule.min_chars));
    return;
  }
  if (!IsValidUtf8(text)) {
    errors.Add(field, "is not valid UTF-8");
    return;
  }
  size_t pos = 0;
  bool visible = false;
  for (size_t index = 1; pos < text.size(); ++index) {
    const char32_t c = DecodeUtf8(text, &pos);
    std::string why = RefusedCharacter(c, rule.multi_line);
    if (!why.empty()) {
      errors.Add(field,
                 absl::StrCat("contains ", why, " at character ", index));
      return;
    }
    const bool invisible = IsInvisible(c);
    if (invisible && rule.visible_only && c != ' ') {
      errors.Add(field,
                 absl::StrFormat("contains an invisible character (U+%04X) at "
                                 "character %d: it would not match the text it "
                                 "looks like",
                                 static_cast<uint32_t>(c), index));
      return;
    }
    visible = visible || !invisible;
  }
  if (rule.min_chars > 0 && !visible) {
    errors.Add(field, absl::StrCat("is required (1-", rule.max_chars,
                                   " characters) and has only spaces or "
                                   "invisible characters"));
    return;
  }
  if (rule.anonymous) {
    if (std::optional<std::string> why = FindPersonalIdentifier(text)) {
      errors.Add(field, absl::StrCat(*why, ": profiles must stay anonymous"));
    }
  }
}

}  // namespace raa
