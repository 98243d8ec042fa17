// The consortium registry: the rules for members, children and adopters,
// without the network. gRPC handlers decode a request, authenticate, and call
// one method here (today only through the in-process server in tests; a
// caller and a request are all a method needs).
//
//   Registry registry(store, clock);
//   absl::StatusOr<v1::Child> child = registry.CreateChild(caller, request);
//
// Every method validates all of its input first and returns INVALID_ARGUMENT
// with a google.rpc.BadRequest naming each wrong field; a rejected request
// writes nothing. Writes are idempotent by request_id (see Store).
#ifndef RAAMATCH_SERVICES_REGISTRY_REGISTRY_H_
#define RAAMATCH_SERVICES_REGISTRY_REGISTRY_H_

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/clock.h"
#include "common/names.h"
#include "raa/v1/registry.pb.h"
#include "services/auth/auth.h"
#include "services/registry/regions.h"
#include "services/registry/registry_rows.h"
#include "services/store/store.h"

namespace raa {

// Lifetime: holds references to the store, the clock and the region list,
// which must outlive it; made once by the server. Thread-safe: methods keep no
// state between calls (writes are serialized by the store, the region list
// locks itself), so any number of worker threads call them at once.
class Registry {
 public:
  // One record's open links, as the caller may know of them.
  struct OpenLinks {
    std::vector<int64_t> seen;  // ids, oldest first
    // With a child profile hidden from the caller's member (a household's
    // link opened before the child was hidden, or with an override).
    int hidden = 0;
  };
  // What the registry asks of the links, which the journey keeps
  // (link_rows::RegistryQueries). A member left unset answers "none": only
  // for registries that never withdraw (tests of batches).
  struct LinkQueries {
    // Open links with a child or a household of the member (for
    // GetWithdrawalImpact).
    std::function<absl::StatusOr<int>(absl::string_view authority_id)>
        count_open_of_member;
    // Inside a write: one record's open links (a profile or household with
    // one is not withdrawn).
    std::function<absl::StatusOr<OpenLinks>(
        StoreTx& tx, const Caller& caller, RecordKind kind,
        absl::string_view authority_id, int64_t row)>
        open_of_record;
    // Whether the caller may see the link (its child profile is not hidden
    // from the caller's member): a household's status history names its
    // links, and one the caller may not see is not named.
    std::function<absl::StatusOr<bool>(const Caller& caller, int64_t link_id)>
        link_visible;
    // Inside a write: whether the record's links allow its dates as they
    // change from `before` to `after` (UpdateChild, UpdateAdopter): a link
    // does not open before the child entered care or the household was
    // approved, nor is a match decided before the placement order.
    // FAILED_PRECONDITION naming the field otherwise.
    std::function<absl::Status(StoreTx& tx, const Caller& caller,
                               absl::string_view authority_id, int64_t row,
                               const v1::Child& before, const v1::Child& after)>
        child_dates_fit;
    std::function<absl::Status(
        StoreTx& tx, const Caller& caller, absl::string_view authority_id,
        int64_t row, const v1::Adopter& before, const v1::Adopter& after)>
        household_dates_fit;
  };

  // `regions` is the consortium's region list (see regions.h); CreateRegion
  // adds to it.
  Registry(Store& store, const Clock& clock, RegionList& regions,
           LinkQueries links)
      : store_(store),
        clock_(clock),
        regions_(regions),
        links_(std::move(links)) {}

  // Managers only.
  absl::StatusOr<v1::Authority> CreateAuthority(
      const Caller& caller, const v1::CreateAuthorityRequest& request);
  absl::StatusOr<v1::Authority> GetAuthority(
      const Caller& caller, const v1::GetAuthorityRequest& request);
  absl::StatusOr<v1::ListAuthoritiesResponse> ListAuthorities(
      const Caller& caller, const v1::ListAuthoritiesRequest& request);
  // Managers only. The member's records stay; they stop being offered.
  absl::StatusOr<v1::Authority> UpdateAuthority(
      const Caller& caller, const v1::UpdateAuthorityRequest& request);
  absl::StatusOr<v1::WithdrawalImpact> GetWithdrawalImpact(
      const Caller& caller, const v1::GetWithdrawalImpactRequest& request);
  absl::StatusOr<v1::Authority> WithdrawAuthority(
      const Caller& caller, const v1::WithdrawAuthorityRequest& request);
  absl::StatusOr<v1::Authority> ReinstateAuthority(
      const Caller& caller, const v1::ReinstateAuthorityRequest& request);

  // Registrars of the parent authority only.
  absl::StatusOr<v1::Child> CreateChild(const Caller& caller,
                                        const v1::CreateChildRequest& request);
  absl::StatusOr<v1::BatchCreateChildrenResponse> BatchCreateChildren(
      const Caller& caller, const v1::BatchCreateChildrenRequest& request);
  // Any key; a profile hidden from the caller's authority is NOT_FOUND.
  absl::StatusOr<v1::Child> GetChild(const Caller& caller,
                                     const v1::GetChildRequest& request);
  absl::StatusOr<v1::ListChildrenResponse> ListChildren(
      const Caller& caller, const v1::ListChildrenRequest& request);
  absl::StatusOr<v1::Child> UpdateChild(const Caller& caller,
                                        const v1::UpdateChildRequest& request);
  // FAILED_PRECONDITION while the profile has an open link, naming them:
  // each is closed first, with the reason it ended.
  absl::StatusOr<v1::Child> WithdrawChild(
      const Caller& caller, const v1::WithdrawChildRequest& request);

  absl::StatusOr<v1::Adopter> CreateAdopter(
      const Caller& caller, const v1::CreateAdopterRequest& request);
  absl::StatusOr<v1::BatchCreateAdoptersResponse> BatchCreateAdopters(
      const Caller& caller, const v1::BatchCreateAdoptersRequest& request);
  absl::StatusOr<v1::Adopter> GetAdopter(const Caller& caller,
                                         const v1::GetAdopterRequest& request);
  absl::StatusOr<v1::ListAdoptersResponse> ListAdopters(
      const Caller& caller, const v1::ListAdoptersRequest& request);
  absl::StatusOr<v1::Adopter> UpdateAdopter(
      const Caller& caller, const v1::UpdateAdopterRequest& request);
  // As WithdrawChild: refused while the household has an open link.
  absl::StatusOr<v1::Adopter> WithdrawAdopter(
      const Caller& caller, const v1::WithdrawAdopterRequest& request);

  // Regions. Any key lists them; managers only add one (ALREADY_EXISTS for
  // a listed slug, FAILED_PRECONDITION when the list is full).
  absl::StatusOr<v1::ListRegionsResponse> ListRegions(
      const Caller& caller, const v1::ListRegionsRequest& request);
  absl::StatusOr<v1::Region> CreateRegion(
      const Caller& caller, const v1::CreateRegionRequest& request);
  // Stored records naming unknown regions or languages: a manager's key sees
  // every member's, any other key its own authority's.
  absl::StatusOr<v1::CheckRegionsResponse> CheckRegions(
      const Caller& caller, const v1::CheckRegionsRequest& request);

 private:
  Store& store_;
  const Clock& clock_;
  RegionList& regions_;
  const LinkQueries links_;
};

}  // namespace raa

#endif  // RAAMATCH_SERVICES_REGISTRY_REGISTRY_H_
