// Small pieces for code that maps rows (the store core and each area's
// *_rows.cc): turning SQLiteCpp's exceptions into a Status, blobs, stored
// protos and times. Only row code includes this; domain code sees the rows'
// headers.
#ifndef RAAMATCH_SERVICES_STORE_SQL_H_
#define RAAMATCH_SERVICES_STORE_SQL_H_

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>

#include <cstdint>
#include <exception>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/clock.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/time_util.h"

namespace raa::store_internal {

// SQLiteCpp reports errors by throwing; nothing thrown crosses the store's
// boundary.
template <typename F>
auto Guard(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const SQLite::Exception& e) {
    return absl::InternalError(absl::StrCat("database: ", e.what()));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("database: ", e.what()));
  }
}

inline int64_t Micros(const Clock& clock) {
  return absl::ToUnixMicros(clock.Now());
}

inline google::protobuf::Timestamp ToTimestamp(int64_t micros) {
  return google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(micros);
}

inline void BindBlob(SQLite::Statement& q, int index,
                     const std::string& bytes) {
  q.bind(index, bytes.data(), static_cast<int>(bytes.size()));
}

inline std::string ColumnBytes(SQLite::Statement& q, int index) {
  SQLite::Column c = q.getColumn(index);
  return std::string(static_cast<const char*>(c.getBlob()), c.getBytes());
}

// A statement stepped over many rows (the scans that build the in-memory
// indexes at start), read through SQLite's C API: SQLiteCpp's Column holds
// a shared_ptr to its statement, which a scan of a million rows would pay
// for on every column it reads. Throws SQLite::Exception, like SQLiteCpp
// (Guard turns it into a Status).
class ScanStatement {
 public:
  ScanStatement(SQLite::Database& db, const std::string& sql)
      : db_(db.getHandle()) {
    const int rc = sqlite3_prepare_v2(
        db_, sql.c_str(), static_cast<int>(sql.size()), &stmt_, nullptr);
    if (rc != SQLITE_OK) throw SQLite::Exception(db_, rc);
  }
  ScanStatement(const ScanStatement&) = delete;
  ScanStatement& operator=(const ScanStatement&) = delete;
  ~ScanStatement() { sqlite3_finalize(stmt_); }

  void Bind(int index, int64_t value) {
    const int rc = sqlite3_bind_int64(stmt_, index, value);
    if (rc != SQLITE_OK) throw SQLite::Exception(db_, rc);
  }
  void Bind(int index, absl::string_view value) {
    const int rc =
        // An empty view's data() may be null, which would bind NULL.
        sqlite3_bind_text(stmt_, index, value.empty() ? "" : value.data(),
                          static_cast<int>(value.size()), SQLITE_TRANSIENT);
    if (rc != SQLITE_OK) throw SQLite::Exception(db_, rc);
  }
  // Back to before the first row, to be stepped again (with new bindings).
  void Reset() { sqlite3_reset(stmt_); }
  // Steps to the next row: false when there is none.
  bool Step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw SQLite::Exception(db_, rc);
  }

  // Columns of the current row, from 0.
  int64_t Int64(int column) const {
    return sqlite3_column_int64(stmt_, column);
  }
  int Int(int column) const { return sqlite3_column_int(stmt_, column); }
  bool IsNull(int column) const {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
  }
  // Valid until the next Step.
  absl::string_view Text(int column) const {
    const unsigned char* text = sqlite3_column_text(stmt_, column);
    if (text == nullptr) return {};
    return absl::string_view(
        reinterpret_cast<const char*>(text),
        static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
  }
  absl::string_view Blob(int column) const {
    const void* blob = sqlite3_column_blob(stmt_, column);
    if (blob == nullptr) return {};
    return absl::string_view(
        static_cast<const char*>(blob),
        static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
  }

 private:
  sqlite3* const db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// Parses a stored raa.v1 message from a scanned blob into `value`,
// replacing what it held and reusing its memory; DATA_LOSS if it cannot be
// read.
template <typename T>
absl::Status ParseProfileInto(absl::string_view blob, T& value) {
  if (!value.ParseFromArray(blob.data(), static_cast<int>(blob.size()))) {
    return absl::DataLossError("a stored profile cannot be read");
  }
  return absl::OkStatus();
}

// The same from a SQLiteCpp statement's column (its blob, not a copy).
template <typename T>
absl::Status ParseProfileInto(SQLite::Statement& q, int index, T& value) {
  SQLite::Column c = q.getColumn(index);
  const void* blob = c.getBlob();  // before getBytes (SQLite's order)
  return ParseProfileInto(absl::string_view(static_cast<const char*>(blob),
                                            static_cast<size_t>(c.getBytes())),
                          value);
}

// A stored raa.v1 message; DATA_LOSS if it cannot be read.
template <typename T>
absl::StatusOr<T> ParseProfile(SQLite::Statement& q, int index) {
  T value;
  absl::Status parsed = ParseProfileInto(q, index, value);
  if (!parsed.ok()) return parsed;
  return value;
}

}  // namespace raa::store_internal

#endif  // RAAMATCH_SERVICES_STORE_SQL_H_
