#include "services/auth/auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <iterator>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/enum_names.h"
#include "common/status_macros.h"
#include "services/auth/access_policy.h"

namespace raa {
namespace {

constexpr absl::string_view kKeyPrefix = "raa_";
constexpr size_t kKeyIdBytes = 8;
constexpr size_t kSecretBytes = 24;

std::string RandomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()),
                 static_cast<int>(bytes)) != 1) {
    // Without randomness no key can be safe: stop rather than issue one.
    std::abort();
  }
  return absl::BytesToHexString(raw);
}

bool IsLowerHex(absl::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
}

const Clock& SystemClockInstance() {
  static const SystemClock* const clock = new SystemClock();
  return *clock;
}

}  // namespace

GeneratedKey GenerateApiKey() {
  GeneratedKey key;
  key.key_id = RandomHex(kKeyIdBytes);
  key.secret =
      absl::StrCat(kKeyPrefix, key.key_id, "_", RandomHex(kSecretBytes));
  key.secret_sha256 = Sha256(key.secret);
  return key;
}

std::optional<std::string> KeyIdOf(absl::string_view secret) {
  if (!absl::ConsumePrefix(&secret, kKeyPrefix)) return std::nullopt;
  size_t underscore = secret.find('_');
  if (underscore != kKeyIdBytes * 2) return std::nullopt;
  absl::string_view id = secret.substr(0, underscore);
  absl::string_view rest = secret.substr(underscore + 1);
  if (!IsLowerHex(id) || rest.size() != kSecretBytes * 2 || !IsLowerHex(rest)) {
    return std::nullopt;
  }
  return std::string(id);
}

std::string Sha256(absl::string_view data) {
  // One fetch per process: OpenSSL 3 looks a digest up in its provider on
  // every SHA256() or EVP_sha256() use otherwise. One context per thread, so
  // a call allocates nothing.
  static EVP_MD* const digest = [] {
    EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (md == nullptr) std::abort();  // no SHA-256: no key can be checked
    return md;
  }();
  struct ContextFree {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
  };
  thread_local std::unique_ptr<EVP_MD_CTX, ContextFree> ctx(EVP_MD_CTX_new());
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (ctx == nullptr || EVP_DigestInit_ex2(ctx.get(), digest, nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), out, &size) != 1 ||
      size != SHA256_DIGEST_LENGTH) {
    // A key must never be compared with a digest that was not computed.
    std::abort();
  }
  return std::string(reinterpret_cast<char*>(out), size);
}

absl::Status CheckKeyMatchesCertificate(const Caller& caller,
                                        absl::string_view certificate_name) {
  if (certificate_name.empty()) {
    return absl::UnauthenticatedError(
        "this server binds API keys to client certificates: connect with "
        "your member's client certificate (raa --cert and --client-key)");
  }
  if (certificate_name != caller.authority_id) {
    return absl::PermissionDeniedError(
        absl::StrCat("the API key belongs to ", caller.authority_id,
                     " but the client certificate is issued to ",
                     certificate_name.substr(0, 64),
                     ": use a key and a certificate of the same member"));
  }
  return absl::OkStatus();
}

Authenticator::Authenticator(Store& store, bool keys_bound_to_certificates,
                             const Clock* clock)
    : store_(store),
      keys_bound_to_certificates_(keys_bound_to_certificates),
      clock_(clock != nullptr ? *clock : SystemClockInstance()) {}

int64_t Authenticator::NowMicros() const {
  return absl::ToUnixMicros(clock_.Now());
}

Authenticator::~Authenticator() {
  absl::MutexLock lock(&mu_);
  while (!credentials_.empty()) Drop(credentials_, credentials_.begin());
}

bool Authenticator::CredentialEq::operator()(CredentialView a,
                                             CredentialView b) const {
  if (a.authorization.size() != b.authorization.size() ||
      a.certificate.size() != b.certificate.size()) {
    return false;
  }
  // Both parts are compared whatever the first gives.
  const int authorization = CRYPTO_memcmp(
      a.authorization.data(), b.authorization.data(), a.authorization.size());
  const int certificate = CRYPTO_memcmp(
      a.certificate.data(), b.certificate.data(), a.certificate.size());
  return (authorization | certificate) == 0;
}

bool Authenticator::Fresh(int64_t read_micros, int64_t now_micros) {
  return now_micros >= read_micros &&
         now_micros - read_micros < absl::ToInt64Microseconds(kCacheLifetime);
}

void Authenticator::Drop(CredentialMap& map, CredentialMap::iterator it) {
  auto node = map.extract(it);
  OPENSSL_cleanse(node.key().authorization.data(),
                  node.key().authorization.size());
  OPENSSL_cleanse(node.key().certificate.data(), node.key().certificate.size());
}

void Authenticator::RememberCredential(CredentialView credential,
                                       const Caller& caller,
                                       int64_t read_micros) {
  if (credentials_.size() >= kMaxCachedCredentials) {
    while (!credentials_.empty()) Drop(credentials_, credentials_.begin());
  }
  // Looked up first: a copy of the key is made only for a new entry, so
  // none is freed without being wiped.
  auto it = credentials_.find(credential);
  if (it == credentials_.end()) {
    it = credentials_
             .try_emplace(Credential{std::string(credential.authorization),
                                     std::string(credential.certificate)})
             .first;
  }
  it->second = CachedCredential{caller, read_micros};
}

absl::StatusOr<Caller> Authenticator::Authenticate(
    absl::string_view authorization, absl::string_view certificate_name) {
  const CredentialView credential{authorization, keys_bound_to_certificates_
                                                     ? certificate_name
                                                     : absl::string_view()};
  const int64_t now = NowMicros();
  {
    absl::MutexLock lock(&mu_);
    auto it = credentials_.find(credential);
    if (it != credentials_.end() && Fresh(it->second.read_micros, now)) {
      return it->second.caller;
    }
  }
  return AuthenticateKey(authorization, credential.certificate);
}

std::optional<Caller> Authenticator::Cached(
    absl::string_view authorization, absl::string_view certificate_name) {
  const CredentialView credential{authorization, keys_bound_to_certificates_
                                                     ? certificate_name
                                                     : absl::string_view()};
  const int64_t now = NowMicros();
  {
    absl::MutexLock lock(&mu_);
    auto it = credentials_.find(credential);
    if (it != credentials_.end() && Fresh(it->second.read_micros, now)) {
      return it->second.caller;
    }
  }
  // The same key sent with other bytes: verified by its digest against the
  // key cache, without the store.
  absl::string_view secret = authorization;
  if (!absl::ConsumePrefix(&secret, "Bearer ")) return std::nullopt;
  std::optional<std::string> key_id = KeyIdOf(secret);
  if (!key_id.has_value()) return std::nullopt;
  std::string hash = Sha256(secret);
  absl::MutexLock lock(&mu_);
  auto it = cache_.find(*key_id);
  if (it == cache_.end() || !Fresh(it->second.read_micros, now) ||
      CRYPTO_memcmp(it->second.secret_sha256.data(), hash.data(),
                    hash.size()) != 0) {
    return std::nullopt;
  }
  const Caller& caller = it->second.caller;
  if (keys_bound_to_certificates_ &&
      !CheckKeyMatchesCertificate(caller, credential.certificate).ok()) {
    return std::nullopt;
  }
  RememberCredential(credential, caller, it->second.read_micros);
  return caller;
}

absl::StatusOr<Caller> Authenticator::AuthenticateKey(
    absl::string_view authorization, absl::string_view certificate) {
  if (authorization.empty()) {
    return absl::UnauthenticatedError(
        "no API key: send 'authorization: Bearer <key>'");
  }
  absl::string_view secret = authorization;
  if (!absl::ConsumePrefix(&secret, "Bearer ") &&
      !absl::ConsumePrefix(&secret, "bearer ")) {
    return absl::UnauthenticatedError(
        "send one authorization header, 'Bearer <key>'");
  }
  std::optional<std::string> key_id = KeyIdOf(secret);
  if (!key_id.has_value()) {
    return absl::UnauthenticatedError("malformed API key");
  }
  const CredentialView credential{authorization, certificate};
  std::string hash = Sha256(secret);
  const int64_t now = NowMicros();
  {
    absl::MutexLock lock(&mu_);
    auto it = cache_.find(*key_id);
    if (it != cache_.end() && Fresh(it->second.read_micros, now)) {
      if (CRYPTO_memcmp(it->second.secret_sha256.data(), hash.data(),
                        hash.size()) != 0) {
        return absl::UnauthenticatedError("unknown or revoked API key");
      }
      const Caller& caller = it->second.caller;
      if (keys_bound_to_certificates_) {
        RETURN_IF_ERROR(CheckKeyMatchesCertificate(caller, certificate));
      }
      RememberCredential(credential, caller, it->second.read_micros);
      return caller;
    }
  }
  // A revocation committed while the store is read must not be undone by
  // caching what was read before it: note the generation first.
  uint64_t generation;
  std::function<void()> hook;
  {
    absl::MutexLock lock(&mu_);
    generation = forgotten_;
    hook = store_read_hook_;
  }
  const int64_t read_micros = NowMicros();
  absl::StatusOr<StoredApiKey> stored = key_rows::GetApiKey(store_, *key_id);
  if (hook) hook();
  if (absl::IsNotFound(stored.status()) ||
      (stored.ok() &&
       (stored->revoked || stored->secret_sha256.size() != hash.size() ||
        CRYPTO_memcmp(stored->secret_sha256.data(), hash.data(), hash.size()) !=
            0))) {
    return absl::UnauthenticatedError("unknown or revoked API key");
  }
  if (!stored.ok()) return stored.status();
  Caller caller;
  caller.authority_id =
      std::string(absl::StripPrefix(stored->key.authority(), "authorities/"));
  caller.key_id = *key_id;
  for (int r : stored->key.roles()) caller.roles |= 1u << r;
  absl::MutexLock lock(&mu_);
  caller.withdrawn = withdrawn_.contains(caller.authority_id);
  caller.hub = hubs_.contains(caller.authority_id);
  if (forgotten_ == generation) {
    cache_[*key_id] =
        CachedKey{std::move(stored->secret_sha256), caller, read_micros};
  }
  if (keys_bound_to_certificates_) {
    RETURN_IF_ERROR(CheckKeyMatchesCertificate(caller, certificate));
  }
  if (forgotten_ == generation) {
    RememberCredential(credential, caller, read_micros);
  }
  return caller;
}

void Authenticator::Forget(absl::string_view key_id) {
  std::function<void(const std::string&)> listener;
  {
    absl::MutexLock lock(&mu_);
    ++forgotten_;
    cache_.erase(key_id);
    for (auto it = credentials_.begin(); it != credentials_.end();) {
      auto next = std::next(it);
      if (it->second.caller.key_id == key_id) Drop(credentials_, it);
      it = next;
    }
    listener = revoked_;
  }
  if (listener) listener(std::string(key_id));
}

void Authenticator::SetRevocationListener(
    std::function<void(const std::string& key_id)> listener) {
  absl::MutexLock lock(&mu_);
  revoked_ = std::move(listener);
}

void Authenticator::SetWithdrawalListener(
    std::function<void(const std::string&, bool)> listener) {
  absl::MutexLock lock(&mu_);
  withdrawal_ = std::move(listener);
}

void Authenticator::SetStoreReadHookForTesting(std::function<void()> hook) {
  absl::MutexLock lock(&mu_);
  store_read_hook_ = std::move(hook);
}

void Authenticator::OnAuthorityChanged(const v1::Authority& authority) {
  std::string id(absl::StripPrefix(authority.name(), "authorities/"));
  const bool withdrawn = authority.status() == v1::AUTHORITY_STATUS_WITHDRAWN;
  const bool hub =
      authority.kind() == v1::AUTHORITY_KIND_REGIONAL_ADOPTION_AGENCY;
  std::function<void(const std::string&, bool)> listener;
  {
    absl::MutexLock lock(&mu_);
    // Every cached caller of the member learns it now.
    auto tell = [&](Caller& caller) {
      if (caller.authority_id != id) return;
      caller.withdrawn = withdrawn;
      caller.hub = hub;
    };
    for (auto& [key_id, cached] : cache_) tell(cached.caller);
    for (auto& [credential, cached] : credentials_) tell(cached.caller);
    const bool changed =
        withdrawn ? withdrawn_.insert(id).second : withdrawn_.erase(id) > 0;
    if (changed) listener = withdrawal_;
    if (hub) {
      hubs_.insert(id);
    } else {
      hubs_.erase(id);
    }
  }
  if (listener) listener(id, withdrawn);
}

}  // namespace raa
