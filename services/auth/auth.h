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
#include "absl/hash/hash.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
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

// The raw 32 bytes of SHA-256 of `data`. The digest is fetched from
// OpenSSL's default provider once per process, not per call.
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

// Checks bearer keys against the store, with two caches so that a call does
// not touch SQLite:
//  - verified credentials, keyed by the exact bytes of the call's
//    credential (the authorization value and, when keys are bound to
//    certificates, the certificate name), compared in constant time
//    (CRYPTO_memcmp): a call that sends the same bytes as one already
//    verified costs a hash lookup and a comparison, no SHA-256;
//  - verified keys by key id, holding the SHA-256 of the key: the same key
//    sent differently ("bearer " in lower case, another connection's
//    certificate) costs a SHA-256 but no store read.
// A revocation empties both of the key before Forget returns; a member's
// withdrawal (or change of kind) reaches its cached callers before
// OnAuthorityChanged returns;
// and nothing is trusted from a cache longer than kCacheLifetime after its
// key was read from the store (then the store is read again). The cache of
// credentials holds keys in the clear in the server's memory (as every
// call's metadata does while it runs); entries are wiped when dropped.
// Thread-safe.
class Authenticator {
 public:
  // How long a cached verification is trusted (by the store's clock) before
  // the key is read from the store again.
  static constexpr absl::Duration kCacheLifetime = absl::Minutes(10);
  // At most this many credentials are cached; when full, the cache starts
  // again empty.
  static constexpr size_t kMaxCachedCredentials = 4096;

  // With `keys_bound_to_certificates`, every key must also pass
  // CheckKeyMatchesCertificate with the caller's certificate name.
  // `clock` (the system's if null) times kCacheLifetime; it must outlive
  // this object.
  explicit Authenticator(Store& store, bool keys_bound_to_certificates = false,
                         const Clock* clock = nullptr);
  ~Authenticator();

  // Whether keys are bound to certificates: if not, the certificate name
  // passed to Authenticate and Cached is ignored (callers need not find it).
  bool keys_bound_to_certificates() const {
    return keys_bound_to_certificates_;
  }

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

  // Members that have withdrawn, and the regional adoption agency: every
  // caller of theirs is marked Caller::withdrawn, Caller::hub. Told of each
  // such member at start and then of every committed change to a member
  // before the write is acknowledged
  // (the server's wiring reads the registry's rows and listens to its
  // writes: the authenticator reads no member rows itself).
  void OnAuthorityChanged(const v1::Authority& authority);
  // Told the id of every key Forget drops, after the cache has, so whatever
  // the key opened (a stream) ends at once. Called on the revoking thread
  // with no lock held. One listener; null clears it.
  void SetRevocationListener(
      std::function<void(const std::string& key_id)> listener);

  // Told of each member whose keys' standing changes: withdrawn (true) or
  // back in the consortium (false), after the cache has learnt it, so what
  // its keys opened (a stream) can end at once. Called from
  // OnAuthorityChanged, with no lock of the authenticator's held. One
  // listener; null clears it.
  void SetWithdrawalListener(
      std::function<void(const std::string& authority_id, bool withdrawn)>
          listener);

  // Test seam: `hook` runs on the authenticating thread after a key has been
  // read from the store and before it is cached, with no lock held, so a
  // test can revoke the key exactly there. Null clears it.
  void SetStoreReadHookForTesting(std::function<void()> hook);

 private:
  // A call's credential: what a cached verification is keyed by.
  struct CredentialView {
    absl::string_view authorization;
    absl::string_view certificate;  // empty unless keys are bound
  };
  struct Credential {
    std::string authorization;
    std::string certificate;
    operator CredentialView() const {  // NOLINT: for heterogeneous lookup
      return {authorization, certificate};
    }
  };
  struct CredentialHash {
    using is_transparent = void;
    size_t operator()(CredentialView c) const {
      return absl::HashOf(c.authorization, c.certificate);
    }
  };
  // Constant time in the bytes compared (their lengths are not secret: keys
  // have one length).
  struct CredentialEq {
    using is_transparent = void;
    bool operator()(CredentialView a, CredentialView b) const;
  };
  struct CachedKey {
    std::string secret_sha256;
    Caller caller;            // withdrawn kept up to date
    int64_t read_micros = 0;  // when the key was read from the store
  };
  struct CachedCredential {
    Caller caller;            // withdrawn kept up to date
    int64_t read_micros = 0;  // when the key was read from the store
  };
  using CredentialMap = absl::flat_hash_map<Credential, CachedCredential,
                                            CredentialHash, CredentialEq>;

  absl::StatusOr<Caller> AuthenticateKey(absl::string_view authorization,
                                         absl::string_view certificate);
  // Whether an entry read from the store at `read_micros` is still trusted
  // at `now_micros`.
  static bool Fresh(int64_t read_micros, int64_t now_micros);
  // Remembers that `credential` authenticates as `caller` (a key read at
  // `read_micros`).
  void RememberCredential(CredentialView credential, const Caller& caller,
                          int64_t read_micros)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Erases an entry, wiping its key's bytes first.
  static void Drop(CredentialMap& map, CredentialMap::iterator it);

  // The clock's now, in microseconds.
  int64_t NowMicros() const;

  Store& store_;
  const bool keys_bound_to_certificates_;
  const Clock& clock_;
  mutable absl::Mutex mu_;
  CredentialMap credentials_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, CachedKey> cache_ ABSL_GUARDED_BY(mu_);
  // Counts Forget calls: a key read from the store is cached only if none
  // happened meanwhile.
  uint64_t forgotten_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_set<std::string> withdrawn_ ABSL_GUARDED_BY(mu_);
  // Members of kind REGIONAL_ADOPTION_AGENCY (Caller::hub).
  absl::flat_hash_set<std::string> hubs_ ABSL_GUARDED_BY(mu_);
  std::function<void(const std::string&)> revoked_ ABSL_GUARDED_BY(mu_);
  std::function<void(const std::string&, bool)> withdrawal_
      ABSL_GUARDED_BY(mu_);
  std::function<void()> store_read_hook_ ABSL_GUARDED_BY(mu_);
};

}  // namespace raa

#endif  // RAAMATCH_SERVICES_AUTH_AUTH_H_
