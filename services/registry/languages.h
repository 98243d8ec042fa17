// The language codes raamatch accepts: ISO 639-1 two-letter codes, and ISO
// 639-3 codes for languages plausibly met in England that have no two-letter
// code (data/languages/iso639.csv, built in). A three-letter code of a
// language that has a two-letter one ("urd") is refused with the two-letter
// code suggested, so each language is stored under one code and matches
// itself.
//
//   if (std::optional<std::string> why = UnknownLanguage("eng")) {
//     // *why == "\"eng\" is ISO 639-2; use the two-letter code \"en\"
//     //          (English)"
//   }
//
// The list has fewer codes than the matching index holds languages
// (matcher::CandidateIndex::kLanguageCapacity), so no member can fill it.
// Thread-safe (the list is immutable after first use).
#ifndef RAAMATCH_SERVICES_REGISTRY_LANGUAGES_H_
#define RAAMATCH_SERVICES_REGISTRY_LANGUAGES_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace raa {

bool IsKnownLanguage(absl::string_view code);
// Why `code` is refused, with the closest known codes, or nullopt if known.
std::optional<std::string> UnknownLanguage(absl::string_view code);
// The known codes closest to `code`, best first (a two-letter code first
// for its own ISO 639-2 code).
std::vector<std::string> ClosestLanguages(absl::string_view code);
// The English name of a known code ("Urdu"); empty for an unknown one.
std::string LanguageName(absl::string_view code);
int KnownLanguageCount();

}  // namespace raa

#endif  // RAAMATCH_SERVICES_REGISTRY_LANGUAGES_H_
