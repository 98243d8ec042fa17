// Issuing and revoking API keys (AccessService), and the bootstrap key a new
// server prints on first start.
#ifndef RAAMATCH_SERVICES_ACCESS_API_KEYS_H_
#define RAAMATCH_SERVICES_ACCESS_API_KEYS_H_

#include <string>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "raa/v1/access.pb.h"
#include "services/auth/auth.h"
#include "services/store/store.h"

namespace raa {

// Lifetime: holds references to the store, the authenticator (told of every
// revocation) and the clock, which must outlive it; made once by the server.
// Thread-safe: keeps no state of its own; every write goes through the
// store's serialized writes.
class ApiKeys {
 public:
  ApiKeys(Store& store, Authenticator& authenticator, const Clock& clock)
      : store_(store), authenticator_(authenticator), clock_(clock) {}

  // Manager only. The secret is returned once; a retry of the same request
  // returns the key without its secret (only its hash was kept).
  absl::StatusOr<v1::CreateApiKeyResponse> Create(
      const Caller& caller, const v1::CreateApiKeyRequest& request);
  // Managers list every key (or one member's); others their own authority's.
  absl::StatusOr<v1::ListApiKeysResponse> List(
      const Caller& caller, const v1::ListApiKeysRequest& request);
  // Manager only; takes effect at once.
  absl::StatusOr<v1::ApiKey> Revoke(const Caller& caller,
                                    const v1::RevokeApiKeyRequest& request);

  // A new manager key for the hub authority `hub_id` (created in
  // `hub_region` if missing), whatever keys exist: for `raamatchd
  // --issue-manager-key`, when every manager key is lost. `preset` is used
  // as the key if not empty (it must be a well-formed key); `label` is the
  // key's display name. Returns the secret. INVALID_ARGUMENT if the hub id
  // or region is not a slug or `preset` is not a key.
  absl::StatusOr<std::string> IssueManagerKey(const std::string& hub_id,
                                              const std::string& hub_region,
                                              const std::string& preset,
                                              const std::string& label);

  // On a database with no keys: IssueManagerKey (labelled "bootstrap
  // manager key"). Returns the key's secret, or an empty string if keys
  // already exist (then nothing is written).
  absl::StatusOr<std::string> Bootstrap(const std::string& hub_id,
                                        const std::string& hub_region,
                                        const std::string& preset);

 private:
  Store& store_;
  Authenticator& authenticator_;
  const Clock& clock_;
};

}  // namespace raa

#endif  // RAAMATCH_SERVICES_ACCESS_API_KEYS_H_
