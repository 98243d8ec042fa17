#include "common/utf8.h"

namespace raa {
namespace {

bool IsContinuation(unsigned char b) { return (b & 0xC0) == 0x80; }

// Characters that must not be echoed as they are: C0 and C1 controls, DEL,
// bidirectional embeddings, overrides, isolates and marks, line and paragraph
// separators, and zero-width characters.
bool IsUnsafeToEcho(char32_t c) {
  return c < 0x20 || (c >= 0x7F && c <= 0x9F) || (c >= 0x200B && c <= 0x200F) ||
         (c >= 0x2028 && c <= 0x202E) || (c >= 0x2060 && c <= 0x2069) ||
         c == 0xFEFF;
}

}  // namespace

char32_t DecodeUtf8(absl::string_view text, size_t* pos) {
  const size_t i = *pos;
  const auto b0 = static_cast<unsigned char>(text[i]);
  if (b0 < 0x80) {
    *pos = i + 1;
    return b0;
  }
  size_t length;
  char32_t c;
  char32_t min;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2;
    c = b0 & 0x1F;
    min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3;
    c = b0 & 0x0F;
    min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4;
    c = b0 & 0x07;
    min = 0x10000;
  } else {
    *pos = i + 1;
    return kReplacementCharacter;
  }
  if (i + length > text.size()) {
    *pos = i + 1;
    return kReplacementCharacter;
  }
  for (size_t k = 1; k < length; ++k) {
    const auto b = static_cast<unsigned char>(text[i + k]);
    if (!IsContinuation(b)) {
      *pos = i + 1;
      return kReplacementCharacter;
    }
    c = (c << 6) | (b & 0x3F);
  }
  if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
    *pos = i + 1;
    return kReplacementCharacter;
  }
  *pos = i + length;
  return c;
}

void AppendUtf8(char32_t c, std::string& out) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

bool IsValidUtf8(absl::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t start = pos;
    char32_t c = DecodeUtf8(text, &pos);
    // A real U+FFFD takes three bytes; a malformed byte yields it in one.
    if (c == kReplacementCharacter && pos - start != 3) return false;
  }
  return true;
}

size_t CountCharacters(absl::string_view text) {
  size_t n = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    DecodeUtf8(text, &pos);
    ++n;
  }
  return n;
}

absl::string_view PrefixOfCharacters(absl::string_view text, size_t max_chars) {
  size_t pos = 0;
  for (size_t n = 0; n < max_chars && pos < text.size(); ++n) {
    DecodeUtf8(text, &pos);
  }
  return text.substr(0, pos);
}

std::string Abbreviate(absl::string_view text, size_t max_chars) {
  std::string out;
  size_t pos = 0;
  size_t n = 0;
  while (pos < text.size() && n < max_chars) {
    char32_t c = DecodeUtf8(text, &pos);
    AppendUtf8(IsUnsafeToEcho(c) ? kReplacementCharacter : c, out);
    ++n;
  }
  if (pos < text.size()) out += "\u2026";
  return out;
}

}  // namespace raa
