#include "services/registry/languages.h"

#include <cstdlib>
#include <iostream>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/registry/shipped_lists.h"
#include "services/registry/spelling.h"

namespace raa {
namespace {

struct Languages {
  absl::flat_hash_map<std::string, std::string> names;  // code -> name
  // ISO 639-2 code -> the two-letter code of the same language.
  absl::flat_hash_map<std::string, std::string> two_letter_of;
  std::vector<std::string> codes;  // in file order
};

const Languages& Iso639() {
  static const Languages* const kLanguages = [] {
    auto* languages = new Languages;
    absl::StatusOr<std::vector<std::vector<std::string>>> rows =
        CsvRows(kIso639Csv, 3);
    if (!rows.ok()) {
      std::cerr << "raamatch: the built-in language list is malformed: "
                << rows.status() << "\n";
      std::abort();
    }
    for (const std::vector<std::string>& row : *rows) {
      languages->names[row[0]] = row[1];
      languages->codes.push_back(row[0]);
      for (absl::string_view alias :
           absl::StrSplit(row[2], '/', absl::SkipEmpty())) {
        languages->two_letter_of[std::string(alias)] = row[0];
      }
    }
    return languages;
  }();
  return *kLanguages;
}

}  // namespace

bool IsKnownLanguage(absl::string_view code) {
  return Iso639().names.contains(code);
}

std::vector<std::string> ClosestLanguages(absl::string_view code) {
  const Languages& languages = Iso639();
  std::string lower = absl::AsciiStrToLower(code.substr(0, 64));
  if (languages.names.contains(lower)) return {lower};
  auto alias = languages.two_letter_of.find(lower);
  if (alias != languages.two_letter_of.end()) return {alias->second};
  // A language tag ("pl-PL", "zh_Hant"): its primary language.
  const size_t sep = lower.find_first_of("-_");
  if (sep != std::string::npos) {
    std::string primary = lower.substr(0, sep);
    if (languages.names.contains(primary)) return {primary};
    alias = languages.two_letter_of.find(primary);
    if (alias != languages.two_letter_of.end()) return {alias->second};
  }
  // Names too: "urdu" -> "ur".
  for (const auto& [known, name] : languages.names) {
    if (absl::AsciiStrToLower(name) == lower) return {known};
  }
  return ClosestNames(lower, languages.codes);
}

std::optional<std::string> UnknownLanguage(absl::string_view code) {
  const Languages& languages = Iso639();
  if (languages.names.contains(code)) return std::nullopt;
  const std::string echo(code.substr(0, 64));
  auto alias = languages.two_letter_of.find(code);
  if (alias != languages.two_letter_of.end()) {
    return absl::StrCat(
        "\"", echo, "\" is ISO 639-2; use the two-letter code \"",
        alias->second, "\" (", languages.names.at(alias->second), ")");
  }
  std::string why =
      absl::StrCat("\"", echo, "\" is not an ISO 639 language code");
  std::vector<std::string> closest = ClosestLanguages(code);
  if (!closest.empty()) {
    absl::StrAppend(&why, "; did you mean ");
    for (size_t i = 0; i < closest.size(); ++i) {
      if (i > 0) absl::StrAppend(&why, i + 1 == closest.size() ? " or " : ", ");
      absl::StrAppend(&why, "\"", closest[i], "\" (",
                      languages.names.at(closest[i]), ")");
    }
    absl::StrAppend(&why, "?");
  }
  return why;
}

std::string LanguageName(absl::string_view code) {
  auto it = Iso639().names.find(code);
  return it == Iso639().names.end() ? std::string() : it->second;
}

int KnownLanguageCount() { return static_cast<int>(Iso639().codes.size()); }

}  // namespace raa
