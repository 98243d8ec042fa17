// The API's messages as JSON for `raa`'s users: what `--json` prints and what
// `--file` and .json/.jsonl imports read.
//
// This is protobuf's JSON mapping with the field names of the .proto
// (`age_months`, not `ageMonths`) and one difference: enum values are spelled
// as users have always seen them ("CHILD_WAITING", "LOCAL_AUTHORITY"), not
// with the whole prefix the API's value names carry since issue 7
// (CHILD_STATUS_WAITING, AUTHORITY_KIND_LOCAL_AUTHORITY; see
// common/enum_names.h). Reading accepts either spelling, so files
// written for raamatch before issue 7, files written from `--json` output and
// files written by any protobuf JSON library all import:
//
//   std::cout << ToUserJson(child, JsonLayout::kIndented);
//   //   "status": "CHILD_WAITING", ...
//   v1::Child parsed;
//   absl::Status s = FromUserJson(R"({"status": "CHILD_STATUS_WAITING"})",
//                                 parsed);                       // OK
//   s = FromUserJson(R"({"status": "CHILD_WAITING"})", parsed);  // OK too
//
// Messages outside raa.v1 and its imports are printed and read as protobuf
// does. Thread-safe: the descriptors it needs are built once, on first use.
#ifndef RAAMATCH_CLIENTS_LIB_USER_JSON_H_
#define RAAMATCH_CLIENTS_LIB_USER_JSON_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace raa {

enum class JsonLayout {
  kIndented,  // spaces and newlines, for people
  kOneLine,   // one object on one line (JSON lines), for other programs
};

// `message` as JSON, unset fields left out.
std::string ToUserJson(const google::protobuf::Message& message,
                       JsonLayout layout);

// Parses `json` into `message` (cleared first). INVALID_ARGUMENT with
// protobuf's description of the problem if it is not JSON for this message.
absl::Status FromUserJson(absl::string_view json,
                          google::protobuf::Message& message);

}  // namespace raa

#endif  // RAAMATCH_CLIENTS_LIB_USER_JSON_H_
