#include "common/names.h"

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"

namespace raa {
namespace {

// A name longer than any valid one is refused before it is split or quoted.
absl::Status CheckNameLength(absl::string_view name, absl::string_view field) {
  if (name.size() <= kMaxNameBytes) return absl::OkStatus();
  return InvalidField(field, absl::StrCat("is ", name.size(),
                                          " bytes; a resource name is at most ",
                                          kMaxNameBytes));
}

// "{collection}/{prefix}{n}" → n, e.g. "links/l4" or "ledger/entries/e9".
absl::StatusOr<int64_t> ParseTopLevelRow(absl::string_view name,
                                         absl::string_view collection,
                                         char prefix, absl::string_view field) {
  RETURN_IF_ERROR(CheckNameLength(name, field));
  absl::string_view id = name;
  std::optional<int64_t> row;
  if (absl::ConsumePrefix(&id, collection) && absl::ConsumePrefix(&id, "/")) {
    row = ParseRowId(id, prefix);
  }
  if (!row.has_value()) {
    return InvalidField(field,
                        absl::StrCat(Quoted(name), " is not ", collection, "/",
                                     std::string(1, prefix), "{number}"));
  }
  return *row;
}

}  // namespace

bool IsSlug(absl::string_view text) {
  if (text.size() < 2 || text.size() > 40) return false;
  if (!absl::ascii_islower(text[0])) return false;
  for (char c : text) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '-') {
      return false;
    }
  }
  return text.back() != '-';
}

void ValidateRequestId(absl::string_view request_id, FieldErrors& errors) {
  if (request_id.empty()) {
    errors.Add("request_id",
               "is required: a client-chosen id that makes retries safe");
  } else if (!std::all_of(request_id.begin(), request_id.end(),
                          [](char c) { return absl::ascii_isprint(c); })) {
    // First: a byte that is not printable ASCII (an accented letter, a
    // euro sign) is the mistake, whatever the length in bytes.
    errors.Add("request_id",
               "must be printable ASCII characters: no accented letters, "
               "non-ASCII symbols, tabs or line breaks");
  } else if (request_id.size() > 128) {
    errors.Add("request_id", "is longer than 128 characters");
  }
}

std::string ChildId(int64_t row_id) { return absl::StrCat("c", row_id); }
std::string AdopterId(int64_t row_id) { return absl::StrCat("h", row_id); }
std::string FollowId(int64_t row_id) { return absl::StrCat("f", row_id); }
std::string LinkId(int64_t row_id) { return absl::StrCat("l", row_id); }
std::string LedgerEntryId(int64_t row_id) { return absl::StrCat("e", row_id); }

std::optional<int64_t> ParseRowId(absl::string_view id, char prefix) {
  int64_t row = 0;
  if (id.size() < 2 || id[0] != prefix ||
      !absl::SimpleAtoi(id.substr(1), &row) || row <= 0 ||
      id.substr(1) != absl::StrCat(row)) {
    return std::nullopt;
  }
  return row;
}

std::string AuthorityName(absl::string_view authority_id) {
  return absl::StrCat("authorities/", authority_id);
}
std::string ChildName(absl::string_view authority_id, int64_t row_id) {
  return absl::StrCat("authorities/", authority_id, "/children/",
                      ChildId(row_id));
}
std::string AdopterName(absl::string_view authority_id, int64_t row_id) {
  return absl::StrCat("authorities/", authority_id, "/adopters/",
                      AdopterId(row_id));
}
std::string FollowName(absl::string_view authority_id, int64_t row_id) {
  return absl::StrCat("authorities/", authority_id, "/follows/",
                      FollowId(row_id));
}
std::string AlertName(absl::string_view authority_id, int64_t seq) {
  return absl::StrCat("authorities/", authority_id, "/alerts/", seq);
}
std::string RegionName(absl::string_view slug) {
  return absl::StrCat("regions/", slug);
}
std::string ApiKeyName(absl::string_view key_id) {
  return absl::StrCat("apiKeys/", key_id);
}
std::string LinkName(int64_t row_id) {
  return absl::StrCat("links/", LinkId(row_id));
}
std::string LedgerEntryName(int64_t row_id) {
  return absl::StrCat("ledger/entries/", LedgerEntryId(row_id));
}

std::string AuthorityOf(absl::string_view name) {
  if (!absl::ConsumePrefix(&name, "authorities/")) return "";
  const absl::string_view id = name.substr(0, name.find('/'));
  if (id != "-" && !IsSlug(id)) return "";
  return std::string(id);
}

absl::StatusOr<std::string> ParseAuthorityName(absl::string_view name,
                                               absl::string_view field) {
  RETURN_IF_ERROR(CheckNameLength(name, field));
  if (name.empty()) return InvalidField(field, "is required: authorities/{id}");
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 2 || parts[0] != "authorities" || !IsSlug(parts[1])) {
    return InvalidField(field,
                        absl::StrCat(Quoted(name), " is not authorities/{id}"));
  }
  return std::string(parts[1]);
}

absl::StatusOr<RecordName> ParseRecordName(absl::string_view name,
                                           absl::string_view kind, char prefix,
                                           absl::string_view field) {
  RETURN_IF_ERROR(CheckNameLength(name, field));
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  std::optional<int64_t> row;
  if (parts.size() == 4) row = ParseRowId(parts[3], prefix);
  if (parts.size() != 4 || parts[0] != "authorities" || !IsSlug(parts[1]) ||
      parts[2] != kind || !row.has_value()) {
    return InvalidField(
        field,
        absl::StrCat(name.empty() ? "is required: "
                                  : absl::StrCat(Quoted(name), " is not "),
                     "authorities/{id}/", kind, "/", std::string(1, prefix),
                     "{number}"));
  }
  return RecordName{std::string(parts[1]), *row};
}

absl::StatusOr<std::string> ParseApiKeyName(absl::string_view name,
                                            absl::string_view field) {
  absl::string_view id = name;
  if (!absl::ConsumePrefix(&id, "apiKeys/") || id.size() != 16) {
    return InvalidField(field,
                        absl::StrCat(Quoted(name), " is not apiKeys/{key id}"));
  }
  return std::string(id);
}

absl::StatusOr<int64_t> ParseLinkName(absl::string_view name,
                                      absl::string_view field) {
  return ParseTopLevelRow(name, "links", 'l', field);
}

absl::StatusOr<int64_t> ParseLedgerEntryName(absl::string_view name,
                                             absl::string_view field) {
  return ParseTopLevelRow(name, "ledger/entries", 'e', field);
}

}  // namespace raa
