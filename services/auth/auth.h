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
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "raa/v1/access.pb.h"
#include "raa/v1/registry.pb.h"
#include "services/auth/caller.h"
#include "services/auth/key_rows.h"
#include "services/store/store.h"

namespace raa {

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

// A key bound to its member's client certificate (raamatchd --client-ca):
// the rule is that the subject common name (CN) of the client certificate
// the TLS handshake verified equals the key's authority id. Manager keys
// belong to the consortium hub, so they go with the hub's certificate (CN =
// the hub's id). Subject alternative names play no part.
// `certificate_name` is that CN, empty if the call came without one.
// OK if they match; UNAUTHENTICATED if there is no certificate name;
// PERMISSION_DENIED if the certificate names another member.
absl::Status CheckKeyMatchesCertificate(const Caller& caller,
                                        absl::string_view certificate_name);

// Checks bearer keys against the store, with a cache of verified keys so a
// call does not touch SQLite. Thread-safe.
class Authenticator {
 public:
  // With `keys_bound_to_certificates`, every key must also pass
  // CheckKeyMatchesCertificate with the caller's certificate name.
  explicit Authenticator(Store& store, bool keys_bound_to_certificates = false)
      : store_(store),
        keys_bound_to_certificates_(keys_bound_to_certificates) {}

  // `authorization` is the metadata value, e.g. "Bearer raa_…";
  // `certificate_name` the CN of the caller's verified client certificate,
  // or empty. UNAUTHENTICATED if the key is missing, malformed, unknown or
  // revoked; with keys bound to certificates, as CheckKeyMatchesCertificate.
  absl::StatusOr<Caller> Authenticate(absl::string_view authorization,
                                      absl::string_view certificate_name = {});

  // The caller if the key is already verified and cached (and, when bound,
  // matches `certificate_name`); nullopt otherwise (then Authenticate, which
  // may read the store, gives the answer).
  std::optional<Caller> Cached(absl::string_view authorization,
                               absl::string_view certificate_name = {});

  // Drops a key from the cache (after it is revoked) and tells the
  // revocation listener.
  void Forget(absl::string_view key_id);

  // Members that have withdrawn: every caller of theirs is marked
  // Caller::withdrawn. Told of each withdrawn member at start and then of
  // every committed change to a member before the write is acknowledged
  // (the server's wiring reads the registry's rows and listens to its
  // writes: the authenticator reads no member rows itself).
  void OnAuthorityChanged(const v1::Authority& authority);
  // Told the id of every key Forget drops, after the cache has, so whatever
  // the key opened (a stream) ends at once. Called on the revoking thread
  // with no lock held. One listener; null clears it.
  void SetRevocationListener(
      std::function<void(const std::string& key_id)> listener);

  // Test seam: `hook` runs on the authenticating thread after a key has been
  // read from the store and before it is cached, with no lock held, so a
  // test can revoke the key exactly there. Null clears it.
  void SetStoreReadHookForTesting(std::function<void()> hook);

 private:
  struct CachedKey {
    std::string secret_sha256;
    Caller caller;
  };
  absl::StatusOr<Caller> AuthenticateKey(absl::string_view authorization);
  std::optional<Caller> CachedCaller(absl::string_view authorization);

  Store& store_;
  const bool keys_bound_to_certificates_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, CachedKey> cache_ ABSL_GUARDED_BY(mu_);
  // Counts Forget calls: a key read from the store is cached only if none
  // happened meanwhile.
  uint64_t forgotten_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_set<std::string> withdrawn_ ABSL_GUARDED_BY(mu_);
  std::function<void(const std::string&)> revoked_ ABSL_GUARDED_BY(mu_);
  std::function<void()> store_read_hook_ ABSL_GUARDED_BY(mu_);
};

}  // namespace raa

#endif  // RAAMATCH_SERVICES_AUTH_AUTH_H_
