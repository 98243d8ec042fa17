// Internal: interning of region and language names to small ids.

#ifndef RAAMATCH_MATCHER_INTERNAL_INTERNER_H_
#define RAAMATCH_MATCHER_INTERNAL_INTERNER_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"

namespace raa::matcher::internal {

// Names to dense ids 0..capacity-1, in order of first sight. Ids are never
// reused or forgotten.
class Interner {
 public:
  explicit Interner(int capacity) : capacity_(capacity) {}

  std::optional<int> Find(absl::string_view name) const {
    auto it = ids_.find(name);
    if (it == ids_.end()) return std::nullopt;
    return it->second;
  }
  // Whether interning all of `names` stays within capacity.
  bool Fits(const std::vector<absl::string_view>& names) const {
    absl::flat_hash_set<absl::string_view> fresh;
    for (absl::string_view n : names) {
      if (!ids_.contains(n)) fresh.insert(n);
    }
    return names_.size() + fresh.size() <= static_cast<size_t>(capacity_);
  }
  // Requires Fits({name}).
  int Intern(absl::string_view name) {
    auto [it, inserted] =
        ids_.try_emplace(std::string(name), static_cast<int>(names_.size()));
    if (inserted) names_.emplace_back(name);
    return it->second;
  }
  const std::string& Name(int id) const { return names_[id]; }
  int size() const { return static_cast<int>(names_.size()); }
  int capacity() const { return capacity_; }

 private:
  int capacity_;
  absl::flat_hash_map<std::string, int> ids_;
  std::vector<std::string> names_;
};

}  // namespace raa::matcher::internal

#endif  // RAAMATCH_MATCHER_INTERNAL_INTERNER_H_
