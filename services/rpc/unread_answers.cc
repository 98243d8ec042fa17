#include "services/rpc/unread_answers.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace raa {

absl::Status UnreadAnswers::TryAdd(const std::string& key_id, size_t bytes) {
  absl::MutexLock lock(&mu_);
  size_t& held = bytes_[key_id];
  if (held > 0 && held + bytes > kMaxBytesPerKey) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "this key already has ", kMaxBytesPerKey >> 20,
        " MiB of answers its clients have not read: read them, or close the "
        "connections waiting for them, then try again"));
  }
  if (total_ > 0 && total_ + bytes > kMaxBytes) {
    if (held == 0) bytes_.erase(key_id);
    return absl::ResourceExhaustedError(absl::StrCat(
        "the server already holds ", kMaxBytes >> 20,
        " MiB of answers their clients have not read: try again shortly"));
  }
  held += bytes;
  total_ += bytes;
  return absl::OkStatus();
}

void UnreadAnswers::Remove(const std::string& key_id, size_t bytes) {
  absl::MutexLock lock(&mu_);
  total_ -= std::min(total_, bytes);
  auto it = bytes_.find(key_id);
  if (it == bytes_.end()) return;
  if (it->second <= bytes) {
    bytes_.erase(it);
  } else {
    it->second -= bytes;
  }
}

}  // namespace raa
