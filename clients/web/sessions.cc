#include "clients/web/sessions.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace raa::web {

std::string RandomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()),
                 static_cast<int>(raw.size())) != 1) {
    std::cerr << "raa-web: the CSPRNG failed\n";
    std::abort();
  }
  return absl::BytesToHexString(raw);
}

bool TokensMatch(absl::string_view a, absl::string_view b) {
  if (a.empty() || a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string CookieValue(absl::string_view cookie_header,
                        absl::string_view name) {
  for (absl::string_view part : absl::StrSplit(cookie_header, ';')) {
    part = absl::StripAsciiWhitespace(part);
    size_t equals = part.find('=');
    if (equals == absl::string_view::npos) continue;
    if (part.substr(0, equals) == name) {
      return std::string(part.substr(equals + 1));
    }
  }
  return "";
}

bool HasRole(const Session& session, v1::Role role) {
  return std::find(session.roles.begin(), session.roles.end(), role) !=
         session.roles.end();
}

SessionTable::SessionTable(const SessionTableOptions& options)
    : options_(options) {}

std::string SessionTable::Create(Session session, absl::Time now) {
  std::string id = RandomHex(32);
  session.csrf = RandomHex(32);
  session.last_seen = now;
  absl::MutexLock lock(&mu_);
  EvictLocked(now, session.key);
  sessions_[id] = std::move(session);
  return id;
}

void SessionTable::EvictLocked(absl::Time now, absl::string_view key) {
  absl::erase_if(sessions_, [&](const auto& entry) {
    return now - entry.second.last_seen > options_.idle;
  });
  size_t of_key = 0;
  auto oldest_of_key = sessions_.end();
  for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
    if (it->second.key != key) continue;
    ++of_key;
    if (oldest_of_key == sessions_.end() ||
        it->second.last_seen < oldest_of_key->second.last_seen) {
      oldest_of_key = it;
    }
  }
  if (of_key >= options_.max_per_key && oldest_of_key != sessions_.end()) {
    sessions_.erase(oldest_of_key);
  }
  while (!sessions_.empty() && sessions_.size() >= options_.max_sessions) {
    auto oldest = sessions_.begin();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      if (it->second.last_seen < oldest->second.last_seen) oldest = it;
    }
    sessions_.erase(oldest);
  }
}

std::optional<Session> SessionTable::Touch(absl::string_view id,
                                           absl::Time now) {
  if (id.empty()) return std::nullopt;
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  if (now - it->second.last_seen > options_.idle) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.last_seen = now;
  return it->second;
}

void SessionTable::SetFlash(absl::string_view id, std::string message) {
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(id);
  if (it != sessions_.end()) it->second.flash = std::move(message);
}

std::string SessionTable::TakeFlash(absl::string_view id) {
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return "";
  return std::exchange(it->second.flash, "");
}

void SessionTable::Remove(absl::string_view id) {
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(id);
  if (it != sessions_.end()) sessions_.erase(it);
}

size_t SessionTable::size() const {
  absl::MutexLock lock(&mu_);
  return sessions_.size();
}

SignInLimiter::SignInLimiter(const SignInLimiterOptions& options)
    : options_(options) {}

absl::Duration SignInLimiter::RetryAfter(absl::string_view address,
                                         absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(address);
  if (it == entries_.end()) return absl::ZeroDuration();
  absl::Time end = it->second.window_start + options_.window;
  if (now >= end) {
    entries_.erase(it);
    return absl::ZeroDuration();
  }
  if (it->second.failures < options_.free_failures) return absl::ZeroDuration();
  return end - now;
}

void SignInLimiter::RecordFailure(absl::string_view address, absl::Time now) {
  absl::MutexLock lock(&mu_);
  if (entries_.size() >= options_.max_addresses) {
    absl::erase_if(entries_, [&](const auto& entry) {
      return now >= entry.second.window_start + options_.window;
    });
    if (entries_.size() >= options_.max_addresses) entries_.clear();
  }
  Entry& entry = entries_[address];
  if (entry.failures == 0 || now >= entry.window_start + options_.window) {
    entry.window_start = now;
    entry.failures = 0;
  }
  ++entry.failures;
}

void SignInLimiter::RecordSuccess(absl::string_view address) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(address);
  if (it != entries_.end()) entries_.erase(it);
}

}  // namespace raa::web
