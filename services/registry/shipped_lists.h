// The lists raamatchd ships with, built in from data/ at compile time (see
// services/CMakeLists.txt): the regions of England and the ISO 639 language
// codes. Each is CSV text with '#' comment lines and a header line.
#ifndef RAAMATCH_SERVICES_REGISTRY_SHIPPED_LISTS_H_
#define RAAMATCH_SERVICES_REGISTRY_SHIPPED_LISTS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace raa {

// data/regions/england.csv: slug, display_name, kind, parent.
extern const char kEnglandRegionsCsv[];
// data/languages/iso639.csv: code, name, iso639_2.
extern const char kIso639Csv[];

// The data rows of CSV text: comment lines ('#') and blank lines are
// skipped, and so is the first remaining line (the header). Fields may be
// double-quoted ("Bristol, City of"). Each row must have `columns` fields:
// INVALID_ARGUMENT naming the line otherwise.
absl::StatusOr<std::vector<std::vector<std::string>>> CsvRows(
    absl::string_view text, size_t columns);

}  // namespace raa

#endif  // RAAMATCH_SERVICES_REGISTRY_SHIPPED_LISTS_H_
