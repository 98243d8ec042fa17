// Internal: interning of region and language names to small ids, and pools of
// id sets, both counted by use so that values no record uses are forgotten.
//
// The index packs a region or language as an id below a fixed capacity (256:
// a byte, or a bit of a 256-bit set). Ids are counted: every record holds one
// use of each distinct name it carries, and a name whose last use is released
// is forgotten and its id reused. So the ids in use are exactly the names the
// indexed records use now, whatever was inserted and withdrawn before.

#ifndef RAAMATCH_MATCHER_INTERNAL_INTERNER_H_
#define RAAMATCH_MATCHER_INTERNAL_INTERNER_H_

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "common/snapshot_io.h"

namespace raa::matcher::internal {

// A set of interned ids 0..255 (regions or languages).
struct IdSet {
  std::array<uint64_t, 4> words{};

  bool Test(uint32_t id) const {
    return (words[(id >> 6) & 3] >> (id & 63)) & 1;
  }
  void Set(uint32_t id) { words[(id >> 6) & 3] |= uint64_t{1} << (id & 63); }
  bool Empty() const {
    return (words[0] | words[1] | words[2] | words[3]) == 0;
  }
  bool Intersects(const IdSet& other) const {
    return ((words[0] & other.words[0]) | (words[1] & other.words[1]) |
            (words[2] & other.words[2]) | (words[3] & other.words[3])) != 0;
  }
  // Whether every id in the set is below `bound`.
  bool Below(int bound) const {
    for (int w = 0; w < 4; ++w) {
      const int first = 64 * w;
      const uint64_t allowed = bound >= first + 64 ? ~uint64_t{0}
                               : bound <= first
                                   ? 0
                                   : (uint64_t{1} << (bound - first)) - 1;
      if ((words[w] & ~allowed) != 0) return false;
    }
    return true;
  }
  friend bool operator==(const IdSet&, const IdSet&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const IdSet& s) {
    return H::combine(std::move(h), s.words[0], s.words[1], s.words[2],
                      s.words[3]);
  }
};

// Names to ids 0..capacity-1, counted by use. Invariant: a name is in `ids_`
// exactly while its entry has uses > 0; every other id is on `free_`.
class Interner {
 public:
  explicit Interner(int capacity) : capacity_(capacity) {}

  std::optional<int> Find(absl::string_view name) const {
    auto it = ids_.find(name);
    if (it == ids_.end()) return std::nullopt;
    return it->second;
  }
  // Whether `count` names fit even if none is in use yet: nothing to look
  // up (the usual case, far below the capacity).
  bool HasRoomFor(size_t count) const {
    return ids_.size() + count <= static_cast<size_t>(capacity_);
  }
  // Whether acquiring all of `names` stays within capacity (counting each new
  // name once, and without crediting names another record may release).
  bool Fits(std::span<const absl::string_view> names) const {
    if (HasRoomFor(names.size())) return true;
    absl::flat_hash_set<absl::string_view> fresh;
    for (absl::string_view n : names) {
      if (!ids_.contains(n)) fresh.insert(n);
    }
    return ids_.size() + fresh.size() <= static_cast<size_t>(capacity_);
  }
  // One more use of `name`; its id. Requires room for it (Fits of a list of
  // it).
  int Acquire(absl::string_view name) {
    auto it = ids_.find(name);
    int id;
    if (it != ids_.end()) {
      id = it->second;
    } else {
      if (free_.empty()) {
        id = static_cast<int>(entries_.size());
        entries_.emplace_back();
      } else {
        id = free_.back();
        free_.pop_back();
      }
      entries_[id].name = std::string(name);
      ids_.emplace(entries_[id].name, id);
    }
    ++entries_[id].uses;
    return id;
  }
  // One use fewer of `id`; the name is forgotten with its last use.
  void Release(int id) {
    Entry& e = entries_[id];
    if (--e.uses > 0) return;
    ids_.erase(e.name);
    e.name.clear();
    free_.push_back(id);
  }
  const std::string& Name(int id) const { return entries_[id].name; }
  // The names in use now.
  int size() const { return static_cast<int>(ids_.size()); }
  int capacity() const { return capacity_; }
  // Every id ever handed out is below this.
  int id_bound() const { return static_cast<int>(entries_.size()); }

  // For a snapshot: the entries and free ids; Load rebuilds the map (false
  // for entries that break the invariant or exceed the capacity).
  void Save(SnapshotWriter& out) const {
    out.Word(entries_.size());
    for (const Entry& e : entries_) {
      out.String(e.name);
      out.Word(static_cast<uint64_t>(e.uses));
    }
    out.Column(free_);
  }
  bool Load(SnapshotReader& in) {
    const uint64_t n = in.Count(2 * sizeof(uint64_t));
    if (n > static_cast<uint64_t>(capacity_)) return false;
    entries_.assign(n, Entry{});
    ids_.clear();
    for (Entry& e : entries_) {
      e.name = in.String();
      e.uses = static_cast<int>(in.Word());
      if (e.uses < 0) return false;
      if (e.uses > 0 && !ids_.emplace(e.name, &e - entries_.data()).second) {
        return false;
      }
    }
    free_ = in.Column<int>();
    std::vector<bool> freed(n);
    for (int id : free_) {
      if (id < 0 || static_cast<uint64_t>(id) >= n || entries_[id].uses != 0 ||
          freed[id]) {
        return false;
      }
      freed[id] = true;
    }
    return in.ok() && ids_.size() + free_.size() == n;
  }

 private:
  struct Entry {
    std::string name;
    int uses = 0;
  };
  int capacity_;
  absl::flat_hash_map<std::string, int> ids_;
  std::vector<Entry> entries_;
  std::vector<int> free_;
};

// Distinct IdSets shared by records, counted by use; entry 0 is the empty set
// and is never released. Records hold an index into `sets()`.
class IdSetPool {
 public:
  IdSetPool() : sets_(1), uses_(1, 0) {}

  // One more use of `set`; its index.
  uint32_t Acquire(const IdSet& set) {
    if (set.Empty()) return 0;
    auto it = ids_.find(set);
    uint32_t id;
    if (it != ids_.end()) {
      id = it->second;
    } else {
      if (free_.empty()) {
        id = static_cast<uint32_t>(sets_.size());
        sets_.push_back(set);
        uses_.push_back(0);
      } else {
        id = free_.back();
        free_.pop_back();
        sets_[id] = set;
      }
      ids_.emplace(set, id);
    }
    ++uses_[id];
    return id;
  }
  void Release(uint32_t id) {
    if (id == 0 || --uses_[id] > 0) return;
    ids_.erase(sets_[id]);
    sets_[id] = IdSet{};
    free_.push_back(id);
  }
  const IdSet& Get(uint32_t id) const { return sets_[id]; }
  // Whether every id of every set is below `bound` (a loaded pool's check).
  bool AllBelow(int bound) const {
    return std::all_of(sets_.begin(), sets_.end(),
                       [bound](const IdSet& s) { return s.Below(bound); });
  }
  const IdSet* data() const { return sets_.data(); }
  // Slots (in use or free): every index handed out is below this.
  size_t size() const { return sets_.size(); }
  // Slots held (in use or free), for memory accounting.
  size_t capacity() const { return sets_.capacity(); }
  size_t map_capacity() const { return ids_.capacity(); }

  // For a snapshot, as Interner's.
  void Save(SnapshotWriter& out) const {
    out.Column(sets_);
    out.Column(uses_);
    out.Column(free_);
  }
  bool Load(SnapshotReader& in) {
    sets_ = in.Column<IdSet>();
    uses_ = in.Column<int>();
    free_ = in.Column<uint32_t>();
    if (!in.ok() || sets_.empty() || !sets_[0].Empty() ||
        uses_.size() != sets_.size()) {
      return false;
    }
    ids_.clear();
    for (uint32_t id = 1; id < sets_.size(); ++id) {
      if (uses_[id] < 0) return false;
      if (uses_[id] > 0 && !ids_.emplace(sets_[id], id).second) return false;
    }
    std::vector<bool> freed(sets_.size());
    for (uint32_t id : free_) {
      if (id == 0 || id >= sets_.size() || uses_[id] != 0 || freed[id]) {
        return false;
      }
      freed[id] = true;
    }
    return ids_.size() + free_.size() + 1 == sets_.size();
  }

 private:
  std::vector<IdSet> sets_;
  std::vector<int> uses_;
  absl::flat_hash_map<IdSet, uint32_t> ids_;
  std::vector<uint32_t> free_;
};

}  // namespace raa::matcher::internal

#endif  // RAAMATCH_MATCHER_INTERNAL_INTERNER_H_
