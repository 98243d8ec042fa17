// Page sizes and opaque page tokens for List methods (AIP-158).
#ifndef RAAMATCH_SERVICES_STORE_PAGING_H_
#define RAAMATCH_SERVICES_STORE_PAGING_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace raa {

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 1000;

struct PageCursor {
  int page_size;
  int64_t after;  // last row id of the previous page; 0 for the first page
};

// Checks `page_size` (0 means the default; 1-1000 otherwise) and decodes
// `page_token` (empty for the first page). INVALID_ARGUMENT naming the field.
absl::StatusOr<PageCursor> ReadPageRequest(int page_size,
                                           absl::string_view page_token);

// The token for the page after row `after`; empty when there is none.
std::string NextPageToken(int64_t after);

}  // namespace raa

#endif  // RAAMATCH_SERVICES_STORE_PAGING_H_
