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

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "clients/lib/profile_text.h"
#include "common/record_fields.h"

namespace raa {

struct ImportRow {
  int line = 0;
  int element = 0;      // .json: the row's place in the array, from 1
  TextFields fields;    // CSV rows, by column name (see ColumnName)
  std::string json;     // JSON rows: the element's text as in the file
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

// The same file a few rows at a time, for a file of any size: what is held
// at once is one call's rows (and a JSON array's text: a document is checked
// whole, but its elements are parsed one by one, as each is given out).
//
//   ASSIGN_OR_RETURN(std::unique_ptr<ImportReader> reader,
//                    ImportReader::Open(path));
//   std::vector<ImportRow> rows;
//   for (;;) {
//     RETURN_IF_ERROR(reader->Next(500, rows));
//     if (rows.empty()) break;
//     ...
//   }
class ImportReader {
 public:
  // Reads the file through once, holding nothing but its header, and fails
  // as ReadImportFile does when it cannot be read as a whole: nothing is
  // then to be sent.
  static absl::StatusOr<std::unique_ptr<ImportReader>> Open(
      const std::string& path);
  ~ImportReader();
  ImportReader(const ImportReader&) = delete;
  ImportReader& operator=(const ImportReader&) = delete;

  // CSV: the header's cells as written, in order; empty for JSON.
  const std::vector<std::string>& header() const { return header_; }
  // How many rows the file has (blank lines and rows of empty cells not
  // counted), as the first reading found.
  size_t row_count() const { return row_count_; }

  // Replaces `rows` with the next rows, `max` at most (at least 1); leaves
  // it empty at the end. Fails (INVALID_ARGUMENT) if the file changed since
  // Open read it through (its size or modification time, or more or fewer
  // rows than it counted): what was given out before is the file as
  // checked, and nothing after it is.
  absl::Status Next(size_t max, std::vector<ImportRow>& rows);

 private:
  class Source;
  ImportReader(std::string path, std::unique_ptr<Source> source);
  // INVALID_ARGUMENT if the file is not as Open found it.
  absl::Status Unchanged() const;

  std::string path_;
  std::unique_ptr<Source> source_;
  std::vector<std::string> header_;
  size_t row_count_ = 0;
  size_t given_ = 0;  // rows given out so far
  // The file as Open found it: size, and modification time in ns.
  int64_t size_ = 0;
  int64_t modified_ns_ = 0;
};

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
