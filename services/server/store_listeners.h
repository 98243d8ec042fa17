// What raamatchd keeps in memory follows the store: the store's listener that
// tells the live index of every registry and follow change before the commit
// (and of the outcome after), and the authenticator of a member's withdrawal
// or return once committed. Shared by the server and the domain tests.
#ifndef RAAMATCH_SERVICES_SERVER_STORE_LISTENERS_H_
#define RAAMATCH_SERVICES_SERVER_STORE_LISTENERS_H_

#include <memory>

#include "absl/status/status.h"
#include "services/auth/auth.h"
#include "services/matching/live_index.h"
#include "services/store/store.h"

namespace raa {

// Before each commit, in this order: the registry's changes (Admit, then
// authorities, children, households), the follows, the households'
// open-link counts, then the index's derived rows (alerts). `live` and
// `authenticator` must outlive the listener; the store calls it under its write
// lock only.
std::unique_ptr<StoreListener> MakeStoreListeners(LiveIndex& live,
                                                  Authenticator& authenticator);

// Gives the live index every household's open-link count at start-up (the
// matcher's link limit); the listener keeps them in step after.
absl::Status LoadOpenLinks(Store& store, LiveIndex& live);

// Tells the authenticator of every member at start-up, so the callers of
// withdrawn members and of the regional adoption agency are marked from the
// first call.
absl::Status LoadMemberStates(Store& store, Authenticator& authenticator);

}  // namespace raa

#endif  // RAAMATCH_SERVICES_SERVER_STORE_LISTENERS_H_
