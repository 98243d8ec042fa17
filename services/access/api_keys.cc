#include "services/access/api_keys.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/dates.h"
#include "common/errors.h"
#include "common/free_text.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "google/protobuf/util/time_util.h"
#include "services/auth/access_policy.h"
#include "services/auth/key_rows.h"
#include "services/auth/rules.h"
#include "services/registry/registry_rows.h"
#include "services/store/paging.h"

namespace raa {
namespace {

using google::protobuf::util::TimeUtil;

}  // namespace

absl::StatusOr<v1::CreateApiKeyResponse> ApiKeys::Create(
    const Caller& caller, const v1::CreateApiKeyRequest& request) {
  RETURN_IF_ERROR(RequireAnyRole(caller, {v1::ROLE_MANAGER}));
  FieldErrors errors;
  absl::StatusOr<std::string> authority_id =
      ParseAuthorityName(request.api_key().authority(), "api_key.authority");
  errors.AddAll(authority_id.status());
  if (request.api_key().roles().empty()) {
    errors.Add("api_key.roles", "must name at least one role");
  }
  for (int i = 0; i < request.api_key().roles_size(); ++i) {
    int role = request.api_key().roles(i);
    if (role == v1::ROLE_UNSPECIFIED || !v1::Role_IsValid(role)) {
      errors.Add(absl::StrCat("api_key.roles[", i, "]"),
                 "must be REGISTRAR, FAMILY_FINDER, FINANCE or MANAGER");
    } else if (std::find(request.api_key().roles().begin(),
                         request.api_key().roles().begin() + i,
                         role) != request.api_key().roles().begin() + i) {
      errors.Add(absl::StrCat("api_key.roles[", i, "]"),
                 absl::StrCat(absl::StripPrefix(v1::Role_Name(role), "ROLE_"),
                              " is named twice"));
    }
  }
  CheckFreeText(request.api_key().display_name(), "api_key.display_name",
                kKeyLabelText, errors);
  ValidateRequestId(request.request_id(), errors);
  RETURN_IF_ERROR(errors.ToStatus());

  GeneratedKey generated = GenerateApiKey();
  v1::ApiKey key = request.api_key();
  key.set_name(ApiKeyName(generated.key_id));
  *key.mutable_create_time() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(clock_.Now()));
  key.clear_revoke_time();
  ASSIGN_OR_RETURN(
      auto written,
      store_.Write<v1::ApiKey>(
          MakeRequestKey(caller.authority_id, request),
          [&](StoreTx& tx) -> absl::StatusOr<v1::ApiKey> {
            absl::StatusOr<v1::Authority> a =
                registry_rows::GetAuthority(tx, *authority_id);
            if (absl::IsNotFound(a.status())) {
              return InvalidField(
                  "api_key.authority",
                  absl::StrCat("no member authority \"", *authority_id, "\""));
            }
            RETURN_IF_ERROR(a.status());
            if (a->status() == v1::AUTHORITY_STATUS_WITHDRAWN) {
              return InvalidField("api_key.authority",
                                  "the authority has withdrawn");
            }
            RETURN_IF_ERROR(
                key_rows::InsertApiKey(tx, key, generated.secret_sha256));
            return key;
          }));
  v1::CreateApiKeyResponse response;
  *response.mutable_api_key() = written.value;
  if (!written.replayed) response.set_secret(generated.secret);
  return response;
}

absl::StatusOr<v1::ListApiKeysResponse> ApiKeys::List(
    const Caller& caller, const v1::ListApiKeysRequest& request) {
  std::string authority_id;
  if (!request.parent().empty()) {
    ASSIGN_OR_RETURN(authority_id,
                     ParseAuthorityName(request.parent(), "parent"));
  }
  if (!SeesEveryMembersKeys(caller)) {
    if (!authority_id.empty() && authority_id != caller.authority_id) {
      return absl::PermissionDeniedError(
          "only a manager may list another authority's keys");
    }
    authority_id = caller.authority_id;
  }
  ASSIGN_OR_RETURN(PageCursor cursor,
                   ReadPageRequest(request.page_size(), request.page_token()));
  ASSIGN_OR_RETURN(Page<v1::ApiKey> page,
                   key_rows::ListApiKeys(store_, authority_id,
                                         {cursor.page_size, cursor.after}));
  v1::ListApiKeysResponse response;
  for (v1::ApiKey& k : page.items) *response.add_api_keys() = std::move(k);
  response.set_next_page_token(NextPageToken(page.next_after));
  return response;
}

absl::StatusOr<v1::ApiKey> ApiKeys::Revoke(
    const Caller& caller, const v1::RevokeApiKeyRequest& request) {
  RETURN_IF_ERROR(RequireAnyRole(caller, {v1::ROLE_MANAGER}));
  FieldErrors errors;
  absl::StatusOr<std::string> key_id = ParseApiKeyName(request.name(), "name");
  errors.AddAll(key_id.status());
  ValidateRequestId(request.request_id(), errors);
  RETURN_IF_ERROR(errors.ToStatus());
  if (!CanRevokeKey(caller, *key_id)) {
    return absl::FailedPreconditionError(
        "a key cannot revoke itself: use another manager key");
  }
  ASSIGN_OR_RETURN(auto written,
                   store_.Write<v1::ApiKey>(
                       MakeRequestKey(caller.authority_id, request),
                       [&](StoreTx& tx) -> absl::StatusOr<v1::ApiKey> {
                         ASSIGN_OR_RETURN(StoredApiKey stored,
                                          key_rows::GetApiKey(tx, *key_id));
                         RETURN_IF_ERROR(key_rows::RevokeApiKey(tx, *key_id));
                         ASSIGN_OR_RETURN(stored,
                                          key_rows::GetApiKey(tx, *key_id));
                         return stored.key;
                       }));
  authenticator_.Forget(*key_id);
  return written.value;
}

absl::StatusOr<std::string> ApiKeys::Bootstrap(const std::string& hub_id,
                                               const std::string& hub_region,
                                               const std::string& preset) {
  ASSIGN_OR_RETURN(int64_t keys, key_rows::CountApiKeys(store_));
  if (keys > 0) return std::string();
  return IssueManagerKey(hub_id, hub_region, preset, "bootstrap manager key");
}

absl::StatusOr<std::string> ApiKeys::IssueManagerKey(
    const std::string& hub_id, const std::string& hub_region,
    const std::string& preset, const std::string& label) {
  if (!IsSlug(hub_id) || !IsSlug(hub_region)) {
    return absl::InvalidArgumentError(
        "the hub id and region must be slugs (a-z, 0-9, '-')");
  }
  std::string secret = preset;
  std::optional<std::string> key_id;
  if (secret.empty()) {
    GeneratedKey generated = GenerateApiKey();
    secret = generated.secret;
  }
  key_id = KeyIdOf(secret);
  if (!key_id.has_value()) {
    return absl::InvalidArgumentError(
        "the bootstrap key file does not hold a raamatch key "
        "(raa_<16 hex>_<48 hex>)");
  }
  v1::ApiKey key;
  key.set_name(ApiKeyName(*key_id));
  key.set_authority(AuthorityName(hub_id));
  key.add_roles(v1::ROLE_MANAGER);
  key.set_display_name(label);
  *key.mutable_create_time() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(clock_.Now()));
  RETURN_IF_ERROR(
      store_
          .Write<v1::ApiKey>(
              RequestKey{},
              [&](StoreTx& tx) -> absl::StatusOr<v1::ApiKey> {
                if (absl::IsNotFound(
                        registry_rows::GetAuthority(tx, hub_id).status())) {
                  // The consortium has one hub (Registry's CheckOneHub).
                  ASSIGN_OR_RETURN(
                      std::string other,
                      registry_rows::OtherActiveMemberOfKind(
                          tx, v1::AUTHORITY_KIND_REGIONAL_ADOPTION_AGENCY,
                          hub_id));
                  if (!other.empty()) {
                    return absl::FailedPreconditionError(absl::StrCat(
                        "no authority \"", hub_id, "\", and \"", other,
                        "\" is the consortium's hub: give its id with "
                        "--hub-id"));
                  }
                  v1::Authority hub;
                  hub.set_name(AuthorityName(hub_id));
                  hub.set_display_name("Regional adoption agency (hub)");
                  hub.set_kind(v1::AUTHORITY_KIND_REGIONAL_ADOPTION_AGENCY);
                  hub.set_region(hub_region);
                  hub.set_status(v1::AUTHORITY_STATUS_ACTIVE);
                  *hub.mutable_joined_on() = ToDate(clock_.Today());
                  RETURN_IF_ERROR(registry_rows::InsertAuthority(tx, hub));
                }
                RETURN_IF_ERROR(
                    key_rows::InsertApiKey(tx, key, Sha256(secret)));
                return key;
              })
          .status());
  return secret;
}

}  // namespace raa
