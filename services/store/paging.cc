#include "services/store/paging.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"

namespace raa {
namespace {
constexpr absl::string_view kTokenPrefix = "after:";
}

absl::StatusOr<PageCursor> ReadPageRequest(int page_size,
                                           absl::string_view page_token) {
  FieldErrors errors;
  PageCursor cursor{page_size == 0 ? kDefaultPageSize : page_size, 0};
  if (page_size < 0 || page_size > kMaxPageSize) {
    errors.Add("page_size",
               absl::StrCat(page_size, " is outside 0-", kMaxPageSize));
  }
  if (!page_token.empty()) {
    std::string decoded;
    int64_t after = 0;
    if (!absl::WebSafeBase64Unescape(page_token, &decoded) ||
        !absl::StartsWith(decoded, kTokenPrefix) ||
        !absl::SimpleAtoi(decoded.substr(kTokenPrefix.size()), &after) ||
        after <= 0 || NextPageToken(after) != page_token) {
      errors.Add("page_token", "is not a token this server issued");
    }
    cursor.after = after;
  }
  if (!errors.empty()) return errors.ToStatus();
  return cursor;
}

std::string NextPageToken(int64_t after) {
  if (after <= 0) return "";
  return absl::WebSafeBase64Escape(absl::StrCat(kTokenPrefix, after));
}

}  // namespace raa
