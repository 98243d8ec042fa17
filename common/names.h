// Resource names (AIP-122): the one place that formats and parses every name
// the API uses, so that no area builds "authorities/..." by hand and no area
// includes another only to parse a name.
//
//   authorities/{a}                       AuthorityName, ParseAuthorityName
//   authorities/{a}/children/c{n}         ChildName, ParseRecordName
//   authorities/{a}/adopters/h{n}         AdopterName, ParseRecordName
//   authorities/{a}/follows/f{n}          FollowName, ParseRecordName
//   authorities/{a}/alerts/{n}            AlertName
//   regions/{slug}                        RegionName
//   apiKeys/{16 hex digits}               ApiKeyName, ParseApiKeyName
//   links/l{n}                            LinkName, ParseLinkName
//   ledger/entries/e{n}                   LedgerEntryName, ParseLedgerEntryName
//
// {a} is a slug (IsSlug); {n} is a row id, a positive decimal without
// leading zeros. Links (the child's journey) and ledger entries (the
// inter-agency fee ledger) are not served yet: their names are fixed here
// for the next two areas, which use these functions rather than their own.
//
// Parsers answer INVALID_ARGUMENT naming `field` (FieldErrors' message path,
// e.g. "parent" or "requests[2].child"). A name over kMaxNameBytes is refused
// before it is split, and a malformed one is quoted at most kMaxQuotedChars
// characters (Quoted, common/errors.h). All functions are pure and
// thread-safe.
#ifndef RAAMATCH_COMMON_NAMES_H_
#define RAAMATCH_COMMON_NAMES_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/errors.h"

namespace raa {

// Longer names are refused before they are parsed (or quoted).
inline constexpr size_t kMaxNameBytes = 256;

// A slug: 2-40 characters of a-z, 0-9 and '-', starting with a letter and
// not ending with '-'. Authority ids, region slugs and hub ids are slugs.
bool IsSlug(absl::string_view text);

// A request id (AIP-155): required, at most 128 printable ASCII characters.
// Adds a violation on "request_id" to `errors` otherwise.
void ValidateRequestId(absl::string_view request_id, FieldErrors& errors);

// ---- ids of stored rows: a one-letter prefix and the row number ----
// Children are "c<row>", adopters "h<row>", follows "f<row>", links
// "l<row>", ledger entries "e<row>".
std::string ChildId(int64_t row_id);
std::string AdopterId(int64_t row_id);
std::string FollowId(int64_t row_id);
std::string LinkId(int64_t row_id);
std::string LedgerEntryId(int64_t row_id);
// The row id in "c123" / "h123" / ..., if `id` is `prefix` followed by a
// positive decimal without leading zeros.
std::optional<int64_t> ParseRowId(absl::string_view id, char prefix);

// ---- formatting (never fails; the caller passes well-formed parts) ----
std::string AuthorityName(absl::string_view authority_id);
std::string ChildName(absl::string_view authority_id, int64_t row_id);
std::string AdopterName(absl::string_view authority_id, int64_t row_id);
std::string FollowName(absl::string_view authority_id, int64_t row_id);
std::string AlertName(absl::string_view authority_id, int64_t seq);
std::string RegionName(absl::string_view slug);
std::string ApiKeyName(absl::string_view key_id);
std::string LinkName(int64_t row_id);
std::string LedgerEntryName(int64_t row_id);

// ---- parsing ----
// The authority id a name starts with, without checking the rest: "sheffield"
// for "authorities/sheffield" or "authorities/sheffield/children/c3", "-" for
// the wildcard "authorities/-", and "" for anything else (unset, or an id
// that is not one: "authorities/LEEDS", "authorities/../x"; the handler
// says what is wrong with it).
std::string AuthorityOf(absl::string_view name);

// "authorities/{a}" → a.
absl::StatusOr<std::string> ParseAuthorityName(absl::string_view name,
                                               absl::string_view field);

// A record below an authority: "authorities/{a}/{kind}/{prefix}{n}", e.g.
// kind "children" with prefix 'c', "adopters" with 'h', "follows" with 'f'.
struct RecordName {
  std::string authority_id;
  int64_t row_id;
};
absl::StatusOr<RecordName> ParseRecordName(absl::string_view name,
                                           absl::string_view kind, char prefix,
                                           absl::string_view field);

// "apiKeys/{16 characters}" → the key id.
absl::StatusOr<std::string> ParseApiKeyName(absl::string_view name,
                                            absl::string_view field);

// "links/l{n}" → n. For the journey area (links as a state machine).
absl::StatusOr<int64_t> ParseLinkName(absl::string_view name,
                                      absl::string_view field);

// "ledger/entries/e{n}" → n. For the fee ledger (an append-only journal).
absl::StatusOr<int64_t> ParseLedgerEntryName(absl::string_view name,
                                             absl::string_view field);

}  // namespace raa

#endif  // RAAMATCH_COMMON_NAMES_H_
