// Who is calling: what the Authenticator (auth.h) makes of a key, and what
// every rule (rules.h) and the access table (access_policy.h) decide on.
// A plain value; copy it freely.
#ifndef RAAMATCH_SERVICES_AUTH_CALLER_H_
#define RAAMATCH_SERVICES_AUTH_CALLER_H_

#include <cstdint>
#include <string>

#include "raa/v1/access.pb.h"

namespace raa {

// Role bits of Caller::roles and of the access table.
inline constexpr uint32_t kRegistrar = 1u << v1::ROLE_REGISTRAR;
inline constexpr uint32_t kFamilyFinder = 1u << v1::ROLE_FAMILY_FINDER;
inline constexpr uint32_t kFinance = 1u << v1::ROLE_FINANCE;
inline constexpr uint32_t kManager = 1u << v1::ROLE_MANAGER;
inline constexpr uint32_t kEveryRole =
    kRegistrar | kFamilyFinder | kFinance | kManager;

// Who is calling: the key's authority and roles.
struct Caller {
  std::string authority_id;
  std::string key_id;
  uint32_t roles = 0;  // bit r set for v1::Role r
  // The caller's member has withdrawn from the consortium: its keys may only
  // read its own records (see rules.h).
  bool withdrawn = false;
  // The caller's member is the consortium's regional adoption agency (kind
  // REGIONAL_ADOPTION_AGENCY), whose family finders work for every member.
  bool hub = false;

  bool Has(v1::Role role) const { return (roles & (1u << role)) != 0; }
};

}  // namespace raa

#endif  // RAAMATCH_SERVICES_AUTH_CALLER_H_
