#include "services/registry/spelling.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace raa {

int EditDistance(absl::string_view a, absl::string_view b) {
  std::vector<int> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    int diagonal = row[0];
    row[0] = static_cast<int>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      const int above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                         diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::vector<std::string> ClosestNames(absl::string_view typed,
                                      const std::vector<std::string>& known,
                                      int max) {
  std::vector<std::string> out;
  if (typed.empty() || typed.size() > 64) return out;
  const int limit = std::max<int>(2, static_cast<int>(typed.size()) / 3);
  std::vector<std::pair<int, size_t>> close;  // (distance, index in known)
  for (size_t i = 0; i < known.size(); ++i) {
    int d = EditDistance(typed, known[i]);
    if (typed.size() >= 3 && absl::StartsWith(known[i], typed)) {
      d = std::min(d, 1);
    }
    if (d <= limit) close.emplace_back(d, i);
  }
  std::stable_sort(close.begin(), close.end());
  for (size_t k = 0; k < close.size() && static_cast<int>(k) < max; ++k) {
    out.push_back(known[close[k].second]);
  }
  return out;
}

std::string OneOf(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
    absl::StrAppend(&out, "\"", names[i], "\"");
  }
  return out;
}

}  // namespace raa
