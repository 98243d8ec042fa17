// The byte stream of an index snapshot (matcher::CandidateIndex::Save and
// Load, and the file around it, services/matching/index_snapshot.cc). Numbers
// are 64-bit words, strings and columns their length then their bytes, in this
// machine's byte order: a snapshot is read back only by the build that wrote it
// (services/matching/index_snapshot.h checks that).
//
// The reader is sticky: after the first read that would pass the end of the
// stream every read gives zeros and ok() is false, so a caller reads
// everything and checks once.
#ifndef RAAMATCH_COMMON_SNAPSHOT_IO_H_
#define RAAMATCH_COMMON_SNAPSHOT_IO_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/strings/string_view.h"

namespace raa {

class SnapshotWriter {
 public:
  explicit SnapshotWriter(std::string& out) : out_(out) {}

  void Word(uint64_t v) {
    out_.append(reinterpret_cast<const char*>(&v), sizeof(v));
  }
  void String(absl::string_view s) {
    Word(s.size());
    out_.append(s.data(), s.size());
  }
  template <typename T>
  void Column(const std::vector<T>& column) {
    static_assert(std::is_trivially_copyable_v<T>);
    Word(column.size());
    out_.append(reinterpret_cast<const char*>(column.data()),
                column.size() * sizeof(T));
  }

 private:
  std::string& out_;
};

class SnapshotReader {
 public:
  explicit SnapshotReader(absl::string_view in) : in_(in) {}

  uint64_t Word() {
    uint64_t v = 0;
    if (Take(sizeof(v))) std::memcpy(&v, in_.data() + at_ - sizeof(v), 8);
    return v;
  }
  std::string String() {
    const uint64_t n = Word();
    if (!Take(n)) return {};
    return std::string(in_.substr(at_ - n, n));
  }
  template <typename T>
  std::vector<T> Column() {
    static_assert(std::is_trivially_copyable_v<T>);
    const uint64_t n = Word();
    if (n > (in_.size() - at_) / sizeof(T)) {
      ok_ = false;
      return {};
    }
    std::vector<T> column(n);
    Take(n * sizeof(T));
    if (n > 0) {
      std::memcpy(column.data(), in_.data() + at_ - n * sizeof(T),
                  n * sizeof(T));
    }
    return column;
  }
  // A count of items that take at least `min_bytes` each: one the rest of
  // the stream cannot hold fails here, before anything is allocated for it.
  uint64_t Count(size_t min_bytes) {
    const uint64_t n = Word();
    if (n > (in_.size() - at_) / min_bytes) ok_ = false;
    return ok_ ? n : 0;
  }
  // A check of what was read: false makes the stream bad.
  void Expect(bool holds) { ok_ = ok_ && holds; }

  bool ok() const { return ok_; }
  bool at_end() const { return at_ == in_.size(); }
  // Bytes read so far.
  size_t position() const { return at_; }

 private:
  bool Take(uint64_t n) {
    if (!ok_ || n > in_.size() - at_) {
      ok_ = false;
      return false;
    }
    at_ += n;
    return true;
  }

  absl::string_view in_;
  size_t at_ = 0;
  bool ok_ = true;
};

}  // namespace raa

#endif  // RAAMATCH_COMMON_SNAPSHOT_IO_H_
