#include "services/server/store_listeners.h"

#include <vector>

#include "common/status_macros.h"
#include "services/journey/link_rows.h"
#include "services/matching/matching_rows.h"
#include "services/registry/registry_rows.h"

namespace raa {
namespace {

// Committed changes reach the index and the authenticator (which marks the
// callers of a withdrawn member). Before each commit, in this order: the
// registry's changes (Admit, then authorities, children, households), the
// follows, the households' open-link counts (the journey's links), then the
// index's derived rows (alerts).
class StoreListeners final : public StoreListener,
                             public RegistryObserver,
                             public FollowObserver,
                             public LinkObserver {
 public:
  StoreListeners(LiveIndex& live, Authenticator& authenticator)
      : live_(live), authenticator_(authenticator) {}

  void Begun(StoreTx& tx) override { live_.Begun(tx); }
  absl::Status BeforeCommit(StoreTx& tx) override {
    RETURN_IF_ERROR(TellRegistryChanges(tx, *this));
    TellFollowChanges(tx, *this);
    RETURN_IF_ERROR(TellLinkChanges(tx, *this));
    return live_.WriteDerived(tx);
  }
  // The index is told the outcome of every write it was told of (whose
  // Admit passed); the authenticator learns of a member's withdrawal or
  // return only once it is committed: it keeps no state to undo.
  void Committed() override {
    // The authenticator first: a member's withdrawal ends its streams
    // (PERMISSION_DENIED) before the index delivers this write's alerts,
    // whose last words to a withdrawn member's follows would otherwise end
    // some of its streams another way.
    for (const v1::Authority& a : pending_authorities_) {
      authenticator_.OnAuthorityChanged(a);
    }
    pending_authorities_.clear();
    if (told_) live_.Committed();
    told_ = false;
  }
  void RolledBack() override {
    if (told_) live_.RolledBack();
    told_ = false;
    pending_authorities_.clear();
  }

  // RegistryObserver
  absl::Status Admit(const std::vector<Row<v1::Child>>& children,
                     const std::vector<Row<v1::Adopter>>& adopters) override {
    RETURN_IF_ERROR(live_.Admit(children, adopters));
    told_ = true;
    return absl::OkStatus();
  }
  void OnAuthorityChanged(const v1::Authority& authority) override {
    live_.OnAuthorityChanged(authority);
    pending_authorities_.push_back(authority);
  }
  void OnChildChanged(int64_t row_id, const v1::Child& child) override {
    live_.OnChildChanged(row_id, child);
  }
  void OnAdopterChanged(int64_t row_id, const v1::Adopter& adopter) override {
    live_.OnAdopterChanged(row_id, adopter);
  }
  // FollowObserver
  void OnFollowChanged(int64_t row_id, const v1::Follow& follow) override {
    live_.OnFollowChanged(row_id, follow);
  }
  // LinkObserver
  void OnOpenLinksChanged(int64_t adopter_row, int open_links) override {
    live_.SetOpenLinks(static_cast<uint64_t>(adopter_row), open_links);
  }

 private:
  LiveIndex& live_;
  Authenticator& authenticator_;
  // Only touched under the store's write lock.
  bool told_ = false;  // the index took this write's changes in
  std::vector<v1::Authority> pending_authorities_;
};

}  // namespace

std::unique_ptr<StoreListener> MakeStoreListeners(
    LiveIndex& live, Authenticator& authenticator) {
  return std::make_unique<StoreListeners>(live, authenticator);
}

absl::Status LoadOpenLinks(Store& store, LiveIndex& live) {
  RETURN_IF_ERROR(
      link_rows::ScanOpenLinkCounts(store, [&](int64_t adopter_row, int count) {
        live.SetOpenLinks(static_cast<uint64_t>(adopter_row), count);
      }));
  live.Committed();
  return absl::OkStatus();
}

// The authenticator marks the callers of withdrawn members, and of the
// regional adoption agency, from the start.
absl::Status LoadMemberStates(Store& store, Authenticator& authenticator) {
  return registry_rows::ForEachAuthority(
      store, v1::AUTHORITY_STATUS_UNSPECIFIED, [&](const v1::Authority& a) {
        authenticator.OnAuthorityChanged(a);
        return absl::OkStatus();
      });
}

}  // namespace raa
