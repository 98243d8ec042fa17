// Reads a bulk-import file into rows, each with the line it starts on, so
// every error can point at the line to fix.
//
// Formats, by extension:
//   .csv    a header row of column names (see profile_text.h), then one
//           profile per row (RFC 4180 quoting; a quoted cell may span lines)
//   .jsonl  one JSON object per line: a raa.v1.Child or raa.v1.Adopter in
//           the protobuf JSON mapping
//   .json   a JSON array of such objects (the line is the array's line)
#ifndef RAAMATCH_CLIENTS_LIB_IMPORT_FILE_H_
#define RAAMATCH_CLIENTS_LIB_IMPORT_FILE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "clients/lib/profile_text.h"

namespace raa {

struct ImportRow {
  int line = 0;
  TextFields fields;  // CSV rows
  std::string json;   // JSON rows
};

absl::StatusOr<std::vector<ImportRow>> ReadImportFile(const std::string& path);

}  // namespace raa

#endif  // RAAMATCH_CLIENTS_LIB_IMPORT_FILE_H_
