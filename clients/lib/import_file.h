// Reads a bulk-import file into rows, each with the line it starts on, so
// every error can point at the line to fix.
//
// Formats, by extension:
//   .csv    a header row of column names (see profile_text.h), then one
//           profile per row (RFC 4180 quoting; a quoted cell may span lines)
//   .jsonl  one JSON object per line: a raa.v1.Child or raa.v1.Adopter in
//           the protobuf JSON mapping
//   .json   a JSON array of such objects: each row has its place in the
//           array (from 1) and the line its element starts on
#ifndef RAAMATCH_CLIENTS_LIB_IMPORT_FILE_H_
#define RAAMATCH_CLIENTS_LIB_IMPORT_FILE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "clients/lib/profile_text.h"
#include "common/record_fields.h"

namespace raa {

struct ImportRow {
  int line = 0;
  int element = 0;      // .json: the row's place in the array, from 1
  TextFields fields;    // CSV rows, by column name (see ColumnName)
  std::string json;     // JSON rows
  std::string problem;  // a row that cannot be read at all, e.g. "has 5
                        // cells; the header has 7"
};

struct ImportFile {
  // CSV: the header's cells as written, in order; empty for JSON.
  std::vector<std::string> header;
  std::vector<ImportRow> rows;
};

// INVALID_ARGUMENT (naming the file and line) when the file cannot be read
// as a whole: missing, not .csv/.json/.jsonl, not CSV or JSON, empty.
absl::StatusOr<ImportFile> ReadImportFile(const std::string& path);

// The header's problems, all of them, as one INVALID_ARGUMENT for the file
// (one violation per bad column: unknown, repeated, or a required column
// missing), or OK. Column names are compared as ColumnName() makes them with
// the columns of `fields`.
absl::Status CheckHeader(const std::vector<std::string>& header,
                         const RecordFields& fields);
// The same for a file whose columns are not a record's (raa import
// journeys): `columns` every known name, `required` those a file must have.
absl::Status CheckHeader(const std::vector<std::string>& header,
                         const std::vector<std::string>& columns,
                         const std::vector<std::string>& required);

}  // namespace raa

#endif  // RAAMATCH_CLIENTS_LIB_IMPORT_FILE_H_
