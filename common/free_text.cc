#include "common/free_text.h"

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/personal_data.h"
#include "common/utf8.h"

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
  for (size_t index = 1; pos < text.size(); ++index) {
    std::string why = RefusedCharacter(DecodeUtf8(text, &pos), rule.multi_line);
    if (!why.empty()) {
      errors.Add(field,
                 absl::StrCat("contains ", why, " at character ", index));
      return;
    }
  }
  if (rule.anonymous) {
    if (std::optional<std::string> why = FindPersonalIdentifier(text)) {
      errors.Add(field, absl::StrCat(*why, ": profiles must stay anonymous"));
    }
  }
}

}  // namespace raa
