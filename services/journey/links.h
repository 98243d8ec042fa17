// Links: a child profile and a household on their way from a ranked pair to
// the adoption order. The rules of JourneyService's link RPCs without the
// network; what may follow what, the date order, the caps and the status
// effects are link_rules.h, and this class carries them out.
//
//   Links links(store, live, clock);
//   absl::StatusOr<v1::Link> link = links.OpenLink(caller, request);
//
// Every method validates all of its input before any lock (INVALID_ARGUMENT
// with a google.rpc.BadRequest naming each wrong field; nothing changes),
// then resolves the records (a link or profile hidden from the caller is
// NOT_FOUND, as a missing one), checks the caller's permission (rules.h:
// CanOpenLinkFor, CanRecordStepFor, CanCloseLinkFor), and writes in one
// transaction (Store::Write under MakeRequestKey, so a retry returns the
// first answer): the link's rows, and the child's and household's statuses
// with their status history (registry_rows), so the live index follows in
// the same commit. OpenLink re-checks every hard constraint of the matcher
// on the live index: a failing pair is FAILED_PRECONDITION naming the
// constraint ids unless override_reason is given (kept on the link with the
// ids); the link limits (the household's and the child's caps) are never
// overridden.
#ifndef RAAMATCH_SERVICES_JOURNEY_LINKS_H_
#define RAAMATCH_SERVICES_JOURNEY_LINKS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/clock.h"
#include "raa/v1/journey.pb.h"
#include "services/auth/caller.h"
#include "services/journey/link_rows.h"
#include "services/matching/live_index.h"
#include "services/store/store.h"

namespace raa {

// Lifetime: holds references to the store, the live index and the clock,
// which must outlive it; made once by the server. Thread-safe: keeps no
// state between calls (writes are serialised by the store, the index locks
// itself), so any number of worker threads call it at once.
class Links {
 public:
  Links(Store& store, LiveIndex& live, const Clock& clock)
      : store_(store), live_(live), clock_(clock) {}

  absl::StatusOr<v1::Link> OpenLink(const Caller& caller,
                                    const v1::OpenLinkRequest& request);
  absl::StatusOr<v1::Link> AdvanceLink(const Caller& caller,
                                       const v1::AdvanceLinkRequest& request);
  absl::StatusOr<v1::Link> CloseLink(const Caller& caller,
                                     const v1::CloseLinkRequest& request);
  absl::StatusOr<v1::Link> CorrectStep(const Caller& caller,
                                       const v1::CorrectStepRequest& request);
  absl::StatusOr<v1::Link> GetLink(const Caller& caller,
                                   const v1::GetLinkRequest& request);
  absl::StatusOr<v1::ListLinksResponse> ListLinks(
      const Caller& caller, const v1::ListLinksRequest& request);

 private:
  // The link named `name` if the caller may see its child profile, else
  // NOT_FOUND (as a missing one).
  absl::StatusOr<LinkRow> VisibleLink(const Caller& caller,
                                      absl::string_view name);
  // The link as answered: days_in_step as of today.
  v1::Link Answer(LinkRow row) const;

  Store& store_;
  LiveIndex& live_;
  const Clock& clock_;
};

}  // namespace raa

#endif  // RAAMATCH_SERVICES_JOURNEY_LINKS_H_
