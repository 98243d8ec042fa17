// The API keys' rows in the store (the `api_keys` table of migration 1): a
// key's id, member, roles, name, the SHA-256 of its secret and when it was
// revoked.
//
//   RETURN_IF_ERROR(key_rows::InsertApiKey(tx, key, secret_sha256));
//   ASSIGN_OR_RETURN(StoredApiKey stored, key_rows::GetApiKey(store, "k1"));
//
// The functions taking a StoreTx run inside Store::Write; those taking a
// Store read on the read connection. NOT_FOUND when the key is missing.
// Thread-safety is the store's.
#ifndef RAAMATCH_SERVICES_AUTH_KEY_ROWS_H_
#define RAAMATCH_SERVICES_AUTH_KEY_ROWS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "raa/v1/access.pb.h"
#include "services/store/store.h"

namespace raa {

struct StoredApiKey {
  v1::ApiKey key;
  std::string secret_sha256;  // raw 32 bytes
  bool revoked = false;
};

namespace key_rows {

// ---- Inside a write ----

// Stores `key` (its name, authority, roles, display name and create_time).
absl::Status InsertApiKey(StoreTx& tx, const v1::ApiKey& key,
                          absl::string_view secret_sha256);
absl::StatusOr<StoredApiKey> GetApiKey(StoreTx& tx, absl::string_view key_id);
// Sets revoke_time to now unless the key is already revoked.
absl::Status RevokeApiKey(StoreTx& tx, absl::string_view key_id);

// ---- Reads ----

absl::StatusOr<StoredApiKey> GetApiKey(Store& store, absl::string_view key_id);
// Keys in the order issued; every member's when `authority_id` is empty.
absl::StatusOr<Page<v1::ApiKey>> ListApiKeys(Store& store,
                                             absl::string_view authority_id,
                                             const PageRequest& page);
absl::StatusOr<int64_t> CountApiKeys(Store& store);

}  // namespace key_rows
}  // namespace raa

#endif  // RAAMATCH_SERVICES_AUTH_KEY_ROWS_H_
