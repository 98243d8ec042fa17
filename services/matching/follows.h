// Follows and their stored alerts: the rules of CreateFollow, GetFollow,
// ListFollows, DeleteFollow, ListAlerts and of watching follows, without the
// network.
//
//   Follows follows(store, live, matching, clock);
//   ASSIGN_OR_RETURN(v1::Follow f, follows.Create(caller, request));
//   ASSIGN_OR_RETURN(v1::ListAlertsResponse missed,
//                    follows.ListAlerts(caller, list_request));
//
// A follow belongs to the caller's authority: every key of that authority
// sees and shares its follows and alerts; no other authority does. Who may
// follow a record is who may search for it (family finders and managers any
// record, a registrar its own authority's), and only a record in matching
// can be followed. Alerts naming a child hidden from the follower's
// authority are never stored, and are left out when read if the child has
// been hidden since.
#ifndef RAAMATCH_SERVICES_MATCHING_FOLLOWS_H_
#define RAAMATCH_SERVICES_MATCHING_FOLLOWS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "raa/v1/matching.pb.h"
#include "services/auth/auth.h"
#include "services/matching/live_index.h"
#include "services/matching/matching.h"
#include "services/store/store.h"

namespace raa {

// What a WatchMatches request for follows resolved to.
struct FollowWatchPlan {
  std::string authority_id;
  std::vector<int64_t> follow_rows;  // empty: every follow of the authority
  int64_t after_sequence = 0;        // from the resume token
  bool replay = false;               // a resume token was given
  // A registrar's watch: only alerts whose followed record is this
  // member's (its own children and households); empty for anyone else.
  std::string records_of;
};

// The named follows of a watch that have ended or been deleted, as stored.
struct EndedFollows {
  std::vector<int64_t> rows;
  std::string reason;  // the first one's
};

// One page of stored alerts for a stream catching up.
struct AlertReplay {
  std::vector<v1::MatchAlert> alerts;
  std::vector<int64_t> sequences;  // alerts[i]'s sequence number
  int64_t last_sequence = 0;       // the last one read (some may be hidden)
  bool more = false;               // another page follows
};

class Follows {
 public:
  // Active follows per authority.
  static constexpr int kMaxActiveFollows = 1000;
  // Stored alerts a stream may catch up on before it must list them.
  static constexpr int kMaxReplay = 10000;

  Follows(Store& store, LiveIndex& live, Matching& matching, const Clock& clock)
      : store_(store), live_(live), matching_(matching), clock_(clock) {}

  absl::StatusOr<v1::Follow> Create(const Caller& caller,
                                    const v1::CreateFollowRequest& request);
  absl::StatusOr<v1::Follow> Get(const Caller& caller,
                                 const v1::GetFollowRequest& request);
  absl::StatusOr<v1::ListFollowsResponse> List(
      const Caller& caller, const v1::ListFollowsRequest& request);
  absl::StatusOr<v1::Follow> Delete(const Caller& caller,
                                    const v1::DeleteFollowRequest& request);
  absl::StatusOr<v1::ListAlertsResponse> ListAlerts(
      const Caller& caller, const v1::ListAlertsRequest& request);

  // Checks a WatchMatches request for follows (no children or adopters).
  absl::StatusOr<FollowWatchPlan> PrepareWatch(
      const Caller& caller, const v1::WatchMatchesRequest& request);
  // Which of `plan`'s follows have ended, as committed now.
  absl::StatusOr<EndedFollows> Ended(const FollowWatchPlan& plan);
  // The stored alerts after `after_sequence` for `plan`, at most `limit`.
  absl::StatusOr<AlertReplay> Replay(const Caller& caller,
                                     const FollowWatchPlan& plan,
                                     int64_t after_sequence, int limit);

 private:
  // The caller's own authority from a `parent` field (empty: the caller's).
  absl::StatusOr<std::string> OwnParent(const Caller& caller,
                                        absl::string_view parent,
                                        absl::string_view field);
  // Sets the alert's token; `visible` false for an alert naming a child
  // now hidden from `caller`, or (a registrar's key) of a follow of another
  // member's record. `passable`: a list's token may move past it (the
  // latter: its member's own alert, not shown to this key), never past the
  // former (it would tell that the hidden child exists).
  void PrepareForCaller(const Caller& caller, v1::MatchAlert& alert,
                        int64_t sequence, bool& visible, bool& passable);
  // Whether `record` (a follow's `followed`, an alert's child) may be named
  // to `authority_id`: false for a child hidden from it now (or gone), true
  // for anything else; the store's error if it cannot tell. A follow of a
  // child hidden since is, to its follower, a follow of a record that does
  // not exist: not found, listed, deleted or watched, and its end (the feed
  // ends it when the child is hidden) does not name the child.
  absl::StatusOr<bool> Nameable(absl::string_view authority_id,
                                absl::string_view record);
  // The same where an error must not name it either: false.
  bool SurelyNameable(absl::string_view authority_id,
                      absl::string_view record) {
    absl::StatusOr<bool> nameable = Nameable(authority_id, record);
    return nameable.ok() && *nameable;
  }

  Store& store_;
  LiveIndex& live_;
  Matching& matching_;
  const Clock& clock_;
};

}  // namespace raa

#endif  // RAAMATCH_SERVICES_MATCHING_FOLLOWS_H_
