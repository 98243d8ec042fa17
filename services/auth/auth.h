// Authentication and authorisation: the one place that decides who may do
// what.
//
// Every call carries `authorization: Bearer <key>`. A key looks like
// "raa_<key id>_<secret>"; the store keeps only the SHA-256 of the whole key,
// so a leaked database does not leak working keys.
//
//   Authenticator auth(store);
//   ASSIGN_OR_RETURN(Caller caller, auth.Authenticate(bearer_header));
//   RETURN_IF_ERROR(RequireRegistrarOf(caller, "sheffield"));
#ifndef RAAMATCH_SERVICES_AUTH_AUTH_H_
#define RAAMATCH_SERVICES_AUTH_AUTH_H_

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "raa/v1/access.pb.h"
#include "raa/v1/registry.pb.h"
#include "services/store/store.h"

namespace raa {

// Who is calling: the key's authority and roles.
struct Caller {
  std::string authority_id;
  std::string key_id;
  uint32_t roles = 0;  // bit r set for v1::Role r

  bool Has(v1::Role role) const { return (roles & (1u << role)) != 0; }
};

struct GeneratedKey {
  std::string key_id;
  std::string secret;  // the whole key, shown to the user once
  std::string secret_sha256;
};

// A fresh random key (OpenSSL's CSPRNG).
GeneratedKey GenerateApiKey();

// The key id inside a key, if the key is well formed.
std::optional<std::string> KeyIdOf(absl::string_view secret);

std::string Sha256(absl::string_view data);

// Checks bearer keys against the store, with a cache of verified keys so a
// call does not touch SQLite. Thread-safe.
class Authenticator {
 public:
  explicit Authenticator(Store& store) : store_(store) {}

  // `authorization` is the metadata value, e.g. "Bearer raa_…".
  // UNAUTHENTICATED if missing, malformed, unknown or revoked.
  absl::StatusOr<Caller> Authenticate(absl::string_view authorization);

  // The caller if the key is already verified and cached; nullopt otherwise
  // (then Authenticate, which may read the store, gives the answer).
  std::optional<Caller> Cached(absl::string_view authorization);

  // Drops a key from the cache (after it is revoked) and tells the
  // revocation listener.
  void Forget(absl::string_view key_id);

  // Told the id of every key Forget drops, after the cache has, so whatever
  // the key opened (a stream) ends at once. Called on the revoking thread
  // with no lock held. One listener; null clears it.
  void SetRevocationListener(
      std::function<void(const std::string& key_id)> listener);

 private:
  struct CachedKey {
    std::string secret_sha256;
    Caller caller;
  };
  Store& store_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, CachedKey> cache_ ABSL_GUARDED_BY(mu_);
  // Counts Forget calls: a key read from the store is cached only if none
  // happened meanwhile.
  uint64_t forgotten_ ABSL_GUARDED_BY(mu_) = 0;
  std::function<void(const std::string&)> revoked_ ABSL_GUARDED_BY(mu_);
};

// PERMISSION_DENIED unless the caller has one of `roles`.
absl::Status RequireAnyRole(const Caller& caller,
                            std::initializer_list<v1::Role> roles);

// PERMISSION_DENIED unless the caller is a registrar of `authority_id`.
absl::Status RequireRegistrarOf(const Caller& caller,
                                absl::string_view authority_id);

// Whether the caller may see this child's profile: the owner always can;
// others unless their authority is in hidden_from.
bool CanSee(const Caller& caller, absl::string_view owner_authority_id,
            const v1::Child& child);

}  // namespace raa

#endif  // RAAMATCH_SERVICES_AUTH_AUTH_H_
