#include "services/auth/auth.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/enum_names.h"
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
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         digest);
  return std::string(reinterpret_cast<char*>(digest), sizeof(digest));
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

absl::StatusOr<Caller> Authenticator::Authenticate(
    absl::string_view authorization, absl::string_view certificate_name) {
  absl::StatusOr<Caller> caller = AuthenticateKey(authorization);
  if (!caller.ok() || !keys_bound_to_certificates_) return caller;
  absl::Status bound = CheckKeyMatchesCertificate(*caller, certificate_name);
  if (!bound.ok()) return bound;
  return caller;
}

std::optional<Caller> Authenticator::Cached(
    absl::string_view authorization, absl::string_view certificate_name) {
  std::optional<Caller> caller = CachedCaller(authorization);
  if (caller.has_value() && keys_bound_to_certificates_ &&
      !CheckKeyMatchesCertificate(*caller, certificate_name).ok()) {
    return std::nullopt;
  }
  return caller;
}

absl::StatusOr<Caller> Authenticator::AuthenticateKey(
    absl::string_view authorization) {
  if (authorization.empty()) {
    return absl::UnauthenticatedError(
        "no API key: send 'authorization: Bearer <key>'");
  }
  absl::string_view secret = authorization;
  if (!absl::ConsumePrefix(&secret, "Bearer ") &&
      !absl::ConsumePrefix(&secret, "bearer ")) {
    return absl::UnauthenticatedError(
        "the authorization header must be 'Bearer <key>'");
  }
  std::optional<std::string> key_id = KeyIdOf(secret);
  if (!key_id.has_value()) {
    return absl::UnauthenticatedError("malformed API key");
  }
  std::string hash = Sha256(secret);
  {
    absl::MutexLock lock(&mu_);
    auto it = cache_.find(*key_id);
    if (it != cache_.end()) {
      if (CRYPTO_memcmp(it->second.secret_sha256.data(), hash.data(),
                        hash.size()) != 0) {
        return absl::UnauthenticatedError("unknown or revoked API key");
      }
      Caller caller = it->second.caller;
      caller.withdrawn = withdrawn_.contains(caller.authority_id);
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
  if (forgotten_ == generation) {
    cache_[*key_id] = CachedKey{stored->secret_sha256, caller};
  }
  caller.withdrawn = withdrawn_.contains(caller.authority_id);
  return caller;
}

std::optional<Caller> Authenticator::CachedCaller(
    absl::string_view authorization) {
  absl::string_view secret = authorization;
  if (!absl::ConsumePrefix(&secret, "Bearer ")) return std::nullopt;
  std::optional<std::string> key_id = KeyIdOf(secret);
  if (!key_id.has_value()) return std::nullopt;
  std::string hash = Sha256(secret);
  absl::MutexLock lock(&mu_);
  auto it = cache_.find(*key_id);
  if (it == cache_.end() || CRYPTO_memcmp(it->second.secret_sha256.data(),
                                          hash.data(), hash.size()) != 0) {
    return std::nullopt;
  }
  Caller caller = it->second.caller;
  caller.withdrawn = withdrawn_.contains(caller.authority_id);
  return caller;
}

void Authenticator::Forget(absl::string_view key_id) {
  std::function<void(const std::string&)> listener;
  {
    absl::MutexLock lock(&mu_);
    ++forgotten_;
    cache_.erase(std::string(key_id));
    listener = revoked_;
  }
  if (listener) listener(std::string(key_id));
}

void Authenticator::SetRevocationListener(
    std::function<void(const std::string& key_id)> listener) {
  absl::MutexLock lock(&mu_);
  revoked_ = std::move(listener);
}

void Authenticator::SetStoreReadHookForTesting(std::function<void()> hook) {
  absl::MutexLock lock(&mu_);
  store_read_hook_ = std::move(hook);
}

void Authenticator::OnAuthorityChanged(const v1::Authority& authority) {
  std::string id(absl::StripPrefix(authority.name(), "authorities/"));
  absl::MutexLock lock(&mu_);
  if (authority.status() == v1::AUTHORITY_STATUS_WITHDRAWN) {
    withdrawn_.insert(std::move(id));
  } else {
    withdrawn_.erase(id);
  }
}

}  // namespace raa
