// Small pieces for code that maps rows (the store core and each area's
// *_rows.cc): turning SQLiteCpp's exceptions into a Status, blobs, stored
// protos and times. Only row code includes this; domain code sees the rows'
// headers.
#ifndef RAAMATCH_SERVICES_STORE_SQL_H_
#define RAAMATCH_SERVICES_STORE_SQL_H_

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <cstdint>
#include <exception>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
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

// A stored raa.v1 message; DATA_LOSS if it cannot be read.
template <typename T>
absl::StatusOr<T> ParseProfile(SQLite::Statement& q, int index) {
  T value;
  if (!value.ParseFromString(ColumnBytes(q, index))) {
    return absl::DataLossError("a stored profile cannot be read");
  }
  return value;
}

}  // namespace raa::store_internal

#endif  // RAAMATCH_SERVICES_STORE_SQL_H_
