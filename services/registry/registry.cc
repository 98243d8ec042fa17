#include "services/registry/registry.h"

#include <algorithm>
#include <cstdint>

#include "absl/algorithm/container.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/dates.h"
#include "common/enum_names.h"
#include "common/errors.h"
#include "common/free_text.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "google/protobuf/util/field_mask_util.h"
#include "services/auth/rules.h"
#include "services/registry/registry_rows.h"
#include "services/registry/validation.h"
#include "services/store/paging.h"

namespace raa {
namespace {

using google::protobuf::FieldMask;
using google::protobuf::util::FieldMaskUtil;

// Fields a registrar may change with UpdateChild / UpdateAdopter.
const absl::flat_hash_set<absl::string_view>& ChildUpdatable() {
  static const auto* const kFields =
      new absl::flat_hash_set<absl::string_view>{"members",
                                                 "ages_as_of",
                                                 "must_be_placed_together",
                                                 "contact_plan",
                                                 "early_permanence",
                                                 "region",
                                                 "excluded_regions",
                                                 "hidden_from",
                                                 "summary",
                                                 "journey",
                                                 "status"};
  return *kFields;
}

const absl::flat_hash_set<absl::string_view>& AdopterUpdatable() {
  static const auto* const kFields =
      new absl::flat_hash_set<absl::string_view>{"status",
                                                 "registered_interest_on",
                                                 "applied_on",
                                                 "approved_on",
                                                 "approved_for",
                                                 "min_age_months",
                                                 "max_age_months",
                                                 "sex_preference",
                                                 "need_limits",
                                                 "heritage",
                                                 "religion",
                                                 "languages",
                                                 "region",
                                                 "excluded_regions",
                                                 "dual_approved",
                                                 "fast_track",
                                                 "youngest_child_age_months",
                                                 "max_contact"};
  return *kFields;
}

const absl::flat_hash_set<absl::string_view>& AuthorityUpdatable() {
  static const auto* const kFields = new absl::flat_hash_set<absl::string_view>{
      "display_name", "kind", "region", "london_weighting"};
  return *kFields;
}

template <typename Message>
void CheckMask(const FieldMask& mask,
               const absl::flat_hash_set<absl::string_view>& allowed,
               FieldErrors& errors) {
  if (mask.paths().empty()) {
    errors.Add("update_mask", "must name the fields to change");
    return;
  }
  for (int i = 0; i < mask.paths_size(); ++i) {
    const std::string& path = mask.paths(i);
    absl::string_view top = absl::string_view(path).substr(0, path.find('.'));
    if (!FieldMaskUtil::GetFieldDescriptors(Message::descriptor(), path,
                                            nullptr) ||
        !allowed.contains(top)) {
      errors.Add(absl::StrCat("update_mask.paths[", i, "]"),
                 absl::StrCat(Quoted(path), " is not a field you can change"));
    }
  }
}

template <typename Message>
void ApplyMask(const Message& from, const FieldMask& mask, Message& to) {
  FieldMaskUtil::MergeOptions options;
  options.set_replace_message_fields(true);
  options.set_replace_repeated_fields(true);
  FieldMaskUtil::MergeMessageTo(from, mask, options, &to);
}

// A status change's reason: checked as a withdraw reason, named
// `status_reason`.
void CheckStatusReason(absl::string_view reason, FieldErrors& errors) {
  CheckFreeText(reason, "status_reason", kReasonText, errors);
}

// FAILED_PRECONDITION naming `field` (with a BadRequest detail, as for bad
// input): the request is well formed but the record's state refuses it.
absl::Status RefusedField(absl::string_view field, absl::string_view why) {
  absl::Status invalid = InvalidField(field, why);
  absl::Status out(absl::StatusCode::kFailedPrecondition, invalid.message());
  invalid.ForEachPayload([&](absl::string_view url, const absl::Cord& payload) {
    out.SetPayload(url, payload);
  });
  return out;
}

// Sets `record.status_history` from the store (output only, never stored).
template <typename Message>
absl::Status FillStatusHistory(Store& store, RecordKind kind,
                               absl::string_view collection, char prefix,
                               Message& record) {
  ASSIGN_OR_RETURN(RecordName name,
                   ParseRecordName(record.name(), collection, prefix, "name"));
  ASSIGN_OR_RETURN(std::vector<v1::StatusChange> history,
                   registry_rows::ListStatusChanges(
                       store, kind, name.authority_id, name.row_id));
  record.clear_status_history();
  for (v1::StatusChange& c : history) {
    *record.add_status_history() = std::move(c);
  }
  return absl::OkStatus();
}

// In a household's status history, the changes made by a link the caller
// may not see (its child profile is hidden from the caller's member) keep
// their statuses and time but not the link's name nor who recorded it,
// which would tell of the hidden profile.
absl::Status HideUnseenLinks(const Registry::LinkQueries& links,
                             const Caller& caller, v1::Adopter& adopter) {
  if (!links.link_visible) return absl::OkStatus();
  for (v1::StatusChange& change : *adopter.mutable_status_history()) {
    absl::string_view reason = change.reason();
    if (!absl::ConsumePrefix(&reason, "link ")) continue;
    absl::StatusOr<int64_t> id =
        ParseLinkName(reason.substr(0, reason.find(' ')), "reason");
    if (!id.ok()) continue;
    ASSIGN_OR_RETURN(bool visible, links.link_visible(caller, *id));
    if (visible) continue;
    change.set_reason("a link to a child profile hidden from your authority");
    change.clear_key_id();
    change.clear_authority();
  }
  return absl::OkStatus();
}

// A member by id; NOT_FOUND naming the id when there is none.
absl::StatusOr<v1::Authority> Member(StoreTx& tx, absl::string_view id) {
  absl::StatusOr<v1::Authority> a = registry_rows::GetAuthority(tx, id);
  if (absl::IsNotFound(a.status())) {
    return absl::NotFoundError(
        absl::StrCat("no member authority \"", id, "\""));
  }
  return a;
}

// A consortium has one regional adoption agency, its hub (`--hub-id`,
// created at first start): its family finders record the early steps of
// every link (CanRecordStepFor), and the scorecard's member rows leave it
// out. FAILED_PRECONDITION when `a` (member `id`), as it would be written,
// is a second active one.
absl::Status CheckOneHub(StoreTx& tx, const v1::Authority& a,
                         absl::string_view id) {
  if (a.kind() != v1::AUTHORITY_KIND_REGIONAL_ADOPTION_AGENCY ||
      a.status() != v1::AUTHORITY_STATUS_ACTIVE) {
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(std::string hub,
                   registry_rows::OtherActiveMemberOfKind(
                       tx, v1::AUTHORITY_KIND_REGIONAL_ADOPTION_AGENCY, id));
  if (hub.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      id, " cannot be of kind REGIONAL_ADOPTION_AGENCY: ", hub,
      " is the consortium's regional adoption agency (its hub), and there is "
      "one; a member is a LOCAL_AUTHORITY or a VOLUNTARY_ADOPTION_AGENCY"));
}

// The parent authority must exist and be active to take new records.
absl::StatusOr<v1::Authority> ActiveParent(StoreTx& tx,
                                           absl::string_view authority_id,
                                           absl::string_view field) {
  absl::StatusOr<v1::Authority> parent =
      registry_rows::GetAuthority(tx, authority_id);
  if (absl::IsNotFound(parent.status())) {
    return InvalidField(
        field, absl::StrCat("no member authority \"", authority_id, "\""));
  }
  if (!parent.ok()) return parent.status();
  if (parent->status() == v1::AUTHORITY_STATUS_WITHDRAWN) {
    return InvalidField(field, absl::StrCat("authority \"", authority_id,
                                            "\" has withdrawn from the "
                                            "consortium"));
  }
  return parent;
}

// Checks what a child profile refers to; fills its region from the parent.
void ResolveChildReferences(StoreTx& tx, const v1::Authority& parent,
                            v1::Child& child, FieldErrors& errors) {
  if (child.region().empty()) child.set_region(parent.region());
  for (int i = 0; i < child.hidden_from_size(); ++i) {
    const std::string& id = child.hidden_from(i);
    std::string field = absl::StrCat("hidden_from[", i, "]");
    if (absl::StrCat("authorities/", id) == parent.name()) {
      errors.Add(field, "a profile cannot be hidden from its own authority");
    } else if (absl::IsNotFound(registry_rows::GetAuthority(tx, id).status())) {
      errors.Add(field, absl::StrCat("no member authority \"", id, "\""));
    }
  }
}

// What differs between the two kinds of record a registrar keeps; the
// update and withdraw rules below are written once for both.
struct ChildRecord {
  using Message = v1::Child;
  static constexpr absl::string_view kCollection = "children";
  static constexpr char kIdPrefix = 'c';
  static constexpr absl::string_view kField = "child";
  static constexpr int kWithdrawn = v1::CHILD_STATUS_WITHDRAWN;
  static constexpr absl::string_view kWithdrawnMessage =
      "this profile was withdrawn; register a new one";
  static constexpr absl::string_view kUseWithdraw =
      "cannot be set to withdrawn by an update: withdraw the profile "
      "(WithdrawChild; raa child withdraw), with a reason";
  static constexpr RecordKind kKind = RecordKind::kChild;
  static inline const google::protobuf::EnumDescriptor* const kStatusType =
      v1::ChildStatus_descriptor();
  static constexpr absl::string_view kBatchNoun = "profiles";

  // LINKED, MATCHED, PLACED, ADOPTED: the journey's (links).
  static bool SetByLinks(int status) {
    return status == v1::CHILD_STATUS_LINKED ||
           status == v1::CHILD_STATUS_MATCHED ||
           status == v1::CHILD_STATUS_PLACED ||
           status == v1::CHILD_STATUS_ADOPTED;
  }
  static std::optional<std::string> MoveRefused(int from, int to) {
    return ChildStatusMoveRefused(static_cast<v1::ChildStatus>(from),
                                  static_cast<v1::ChildStatus>(to));
  }

  static const absl::flat_hash_set<absl::string_view>& Updatable() {
    return ChildUpdatable();
  }
  static absl::StatusOr<v1::Child> Get(StoreTx& tx, const RecordName& n) {
    return registry_rows::GetChild(tx, n.authority_id, n.row_id);
  }
  static absl::StatusOr<v1::Child> Read(Store& store, const RecordName& n) {
    return registry_rows::GetChild(store, n.authority_id, n.row_id);
  }
  static absl::Status Put(StoreTx& tx, v1::Child& c, const Caller& by) {
    return registry_rows::UpdateChild(tx, c, {by.authority_id, by.key_id, ""});
  }
  static absl::Status Insert(StoreTx& tx, absl::string_view authority_id,
                             v1::Child& c, const Caller& by) {
    return registry_rows::InsertChild(tx, authority_id, c,
                                      {by.authority_id, by.key_id, ""});
  }
  static const v1::Child& Given(const v1::CreateChildRequest& r) {
    return r.child();
  }
  static v1::Child* AddTo(v1::BatchCreateChildrenResponse& r) {
    return r.add_children();
  }
  // The status a new record may be given (`given` as sent).
  static void CheckNewStatus(const v1::Child& given, FieldErrors& errors) {
    if (given.status() != v1::CHILD_STATUS_UNSPECIFIED &&
        given.status() != v1::CHILD_STATUS_WAITING) {
      errors.Add("status", "a new profile starts WAITING");
    }
  }
  static void Normalize(v1::Child& c) { NormalizeChild(c); }
  static void ValidateNames(const v1::Child& c, const RegionList& regions,
                            FieldErrors& errors) {
    ValidateChildNames(c, regions, errors);
  }
  // `before`: the stored record, null for a new one.
  static void ValidateFields(absl::CivilDay today, const RegionList& regions,
                             const v1::Child* before, const v1::Child& c,
                             FieldErrors& errors) {
    ValidateChild(c, today, regions, errors);
    ValidateChildChanges(before, c, errors);
  }
  // The record without its free text, whose checks are not cheap: checked
  // before the write lock, or when it was stored.
  static v1::Child WithoutFreeText(v1::Child c) {
    c.clear_summary();
    return c;
  }
  static void ResolveReferences(StoreTx& tx, const v1::Authority& parent,
                                v1::Child& c, FieldErrors& errors) {
    ResolveChildReferences(tx, parent, c, errors);
  }
  static absl::Status DatesFit(const Registry::LinkQueries& links, StoreTx& tx,
                               const Caller& caller, const RecordName& n,
                               const v1::Child& before,
                               const v1::Child& after) {
    if (!links.child_dates_fit) return absl::OkStatus();
    return links.child_dates_fit(tx, caller, n.authority_id, n.row_id, before,
                                 after);
  }
};

struct AdopterRecord {
  using Message = v1::Adopter;
  static constexpr absl::string_view kCollection = "adopters";
  static constexpr char kIdPrefix = 'h';
  static constexpr absl::string_view kField = "adopter";
  static constexpr int kWithdrawn = v1::ADOPTER_STATUS_WITHDRAWN;
  static constexpr absl::string_view kWithdrawnMessage =
      "this household was withdrawn; register it again";
  static constexpr absl::string_view kUseWithdraw =
      "cannot be set to withdrawn by an update: withdraw the household "
      "(WithdrawAdopter; raa adopter withdraw), with a reason";
  static constexpr RecordKind kKind = RecordKind::kAdopter;
  static inline const google::protobuf::EnumDescriptor* const kStatusType =
      v1::AdopterStatus_descriptor();
  static constexpr absl::string_view kBatchNoun = "households";

  static bool SetByLinks(int status) {
    return status == v1::ADOPTER_STATUS_LINKED ||
           status == v1::ADOPTER_STATUS_MATCHED ||
           status == v1::ADOPTER_STATUS_PLACED;
  }
  static std::optional<std::string> MoveRefused(int from, int to) {
    return AdopterStatusMoveRefused(static_cast<v1::AdopterStatus>(from),
                                    static_cast<v1::AdopterStatus>(to));
  }

  static const absl::flat_hash_set<absl::string_view>& Updatable() {
    return AdopterUpdatable();
  }
  static absl::StatusOr<v1::Adopter> Get(StoreTx& tx, const RecordName& n) {
    return registry_rows::GetAdopter(tx, n.authority_id, n.row_id);
  }
  static absl::StatusOr<v1::Adopter> Read(Store& store, const RecordName& n) {
    return registry_rows::GetAdopter(store, n.authority_id, n.row_id);
  }
  static absl::Status Put(StoreTx& tx, v1::Adopter& a, const Caller& by) {
    return registry_rows::UpdateAdopter(tx, a,
                                        {by.authority_id, by.key_id, ""});
  }
  static absl::Status Insert(StoreTx& tx, absl::string_view authority_id,
                             v1::Adopter& a, const Caller& by) {
    return registry_rows::InsertAdopter(tx, authority_id, a,
                                        {by.authority_id, by.key_id, ""});
  }
  static const v1::Adopter& Given(const v1::CreateAdopterRequest& r) {
    return r.adopter();
  }
  static v1::Adopter* AddTo(v1::BatchCreateAdoptersResponse& r) {
    return r.add_adopters();
  }
  static void CheckNewStatus(const v1::Adopter& given, FieldErrors& errors) {
    if (given.status() == v1::ADOPTER_STATUS_WITHDRAWN) {
      errors.Add("status", "a new household cannot start WITHDRAWN");
    }
  }
  static void Normalize(v1::Adopter& a) { NormalizeAdopter(a); }
  static void ValidateNames(const v1::Adopter& a, const RegionList& regions,
                            FieldErrors& errors) {
    ValidateAdopterNames(a, regions, errors);
  }
  static void ValidateFields(absl::CivilDay today, const RegionList& regions,
                             const v1::Adopter* /*before*/,
                             const v1::Adopter& a, FieldErrors& errors) {
    ValidateAdopter(a, today, regions, errors);
  }
  static v1::Adopter WithoutFreeText(v1::Adopter a) { return a; }
  static void ResolveReferences(StoreTx&, const v1::Authority&, v1::Adopter&,
                                FieldErrors&) {}
  static absl::Status DatesFit(const Registry::LinkQueries& links, StoreTx& tx,
                               const Caller& caller, const RecordName& n,
                               const v1::Adopter& before,
                               const v1::Adopter& after) {
    if (!links.household_dates_fit) return absl::OkStatus();
    return links.household_dates_fit(tx, caller, n.authority_id, n.row_id,
                                     before, after);
  }
};

// UpdateChild / UpdateAdopter: the masked fields of `changes` over the stored
// record, then the whole record validated as if new.
//
// Validation runs before the write lock: the changes are applied to the
// record as read now and checked in full (free text included). Under the
// lock the record is read again (another write may have changed it), the
// changes applied again, and only the cheap checks rerun: everything but the
// free text (whose new value was checked above, or was checked when it was
// stored) and the references that need the transaction.
template <typename Kind>
absl::StatusOr<typename Kind::Message> Updated(
    const typename Kind::Message& stored, const typename Kind::Message& changes,
    const FieldMask& mask) {
  if (stored.status() == Kind::kWithdrawn) {
    return absl::FailedPreconditionError(Kind::kWithdrawnMessage);
  }
  typename Kind::Message record = stored;
  ApplyMask(changes, mask, record);
  Kind::Normalize(record);
  return record;
}

template <typename Kind, typename Request>
absl::StatusOr<typename Kind::Message> UpdateRecord(
    Store& store, const Clock& clock, const RegionList& regions,
    const Registry::LinkQueries& links, const Caller& caller,
    const Request& request, const typename Kind::Message& changes) {
  using Message = typename Kind::Message;
  ASSIGN_OR_RETURN(
      RecordName name,
      ParseRecordName(changes.name(), Kind::kCollection, Kind::kIdPrefix,
                      absl::StrCat(Kind::kField, ".name")));
  RETURN_IF_ERROR(RequireRegistrarOf(caller, name.authority_id));
  FieldErrors errors;
  CheckMask<Message>(request.update_mask(), Kind::Updatable(), errors);
  if (!request.validate_only()) ValidateRequestId(request.request_id(), errors);
  const auto& paths = request.update_mask().paths();
  const bool status_in_mask =
      std::find(paths.begin(), paths.end(), "status") != paths.end();
  if (status_in_mask && changes.status() == 0) {
    // Not "leave it as it is": a new profile's default (WAITING) would
    // otherwise replace whatever the record's status is.
    errors.Add(absl::StrCat(Kind::kField, ".status"),
               "update_mask names status but no status is given: name the "
               "status to change to");
  }
  if (!request.status_reason().empty()) {
    if (status_in_mask) {
      CheckStatusReason(request.status_reason(), errors);
    } else {
      errors.Add("status_reason",
                 "is given but update_mask does not change status");
    }
  }
  RETURN_IF_ERROR(errors.ToStatus());
  {
    // The regions and languages being set, before the store's lock.
    Message masked;
    ApplyMask(changes, request.update_mask(), masked);
    FieldErrors name_errors{std::string(Kind::kField)};
    Kind::ValidateNames(masked, regions, name_errors);
    RETURN_IF_ERROR(name_errors.ToStatus());
  }
  const absl::CivilDay today = clock.Today();
  auto check = [&](const Message& stored, const Message& record,
                   bool with_free_text) {
    FieldErrors record_errors{std::string(Kind::kField)};
    if (record.status() == Kind::kWithdrawn) {
      record_errors.Add("status", Kind::kUseWithdraw);
    }
    if (with_free_text) {
      Kind::ValidateFields(today, regions, &stored, record, record_errors);
    } else {
      Kind::ValidateFields(today, regions, &stored,
                           Kind::WithoutFreeText(record), record_errors);
    }
    return record_errors;
  };
  if (!request.validate_only()) {
    // Before the lock: everything, against the record as it is now (a
    // validate_only check makes every check on its one snapshot instead).
    ASSIGN_OR_RETURN(Message stored, Kind::Read(store, name));
    ASSIGN_OR_RETURN(Message record,
                     Updated<Kind>(stored, changes, request.update_mask()));
    RETURN_IF_ERROR(check(stored, record, /*with_free_text=*/true).ToStatus());
  }
  const std::string status_field = absl::StrCat(Kind::kField, ".status");
  // Under the lock, or on a snapshot for validate_only (which writes
  // nothing: the same checks, and the record it would store).
  auto change = [&](StoreTx& tx) -> absl::StatusOr<Message> {
    ASSIGN_OR_RETURN(Message stored, Kind::Get(tx, name));
    ASSIGN_OR_RETURN(Message record,
                     Updated<Kind>(stored, changes, request.update_mask()));
    // Status moves: never back out of a final state, always with a
    // reason, and kept in the record's history.
    const int from = stored.status();
    const int to = record.status();
    const bool status_changes = to != from && to != Kind::kWithdrawn;
    if (status_changes) {
      if (std::optional<std::string> why = Kind::MoveRefused(from, to)) {
        return RefusedField(status_field, *why);
      }
      // Statuses that follow links change only with the links.
      if (Kind::SetByLinks(to) || Kind::SetByLinks(from)) {
        const int held = Kind::SetByLinks(to) ? to : from;
        return RefusedField(
            status_field,
            absl::StrCat(LegacyEnumName(Kind::kStatusType, held),
                         " follows the record's links: open, "
                         "advance or close a link (JourneyService "
                         "OpenLink, AdvanceLink, CloseLink; raa "
                         "link)"));
      }
      if (request.status_reason().empty()) {
        return InvalidField(
            "status_reason",
            "is required when the status changes: say why (it is "
            "kept in the record's status history)");
      }
    }
    FieldErrors record_errors =
        check(stored, record, /*with_free_text=*/request.validate_only());
    ASSIGN_OR_RETURN(v1::Authority parent,
                     registry_rows::GetAuthority(tx, name.authority_id));
    Kind::ResolveReferences(tx, parent, record, record_errors);
    RETURN_IF_ERROR(record_errors.ToStatus());
    // The dates the record's links depend on.
    RETURN_IF_ERROR(Kind::DatesFit(links, tx, caller, name, stored, record));
    if (request.validate_only()) return record;
    RETURN_IF_ERROR(Kind::Put(tx, record, caller));
    if (status_changes) {
      RETURN_IF_ERROR(registry_rows::InsertStatusChange(
          tx, Kind::kKind, name.authority_id, name.row_id, from, to,
          request.status_reason(), caller.key_id, caller.authority_id));
    }
    return record;
  };
  if (request.validate_only()) return store.Check<Message>(change);
  ASSIGN_OR_RETURN(auto written,
                   store.Write<Message>(
                       MakeRequestKey(caller.authority_id, request), change));
  return written.value;
}

// Why a record with open links is not withdrawn: the links the caller can
// close (up to ten named), and how many it cannot see.
absl::Status OpenLinksRefusal(RecordKind kind,
                              const Registry::OpenLinks& open) {
  const bool child = kind == RecordKind::kChild;
  std::string why =
      absl::StrCat(child ? "this child profile" : "this household", " has ");
  const size_t seen = open.seen.size();
  if (seen > 0) {
    constexpr size_t kNamed = 10;
    std::vector<std::string> names;
    for (size_t i = 0; i < seen && i < kNamed; ++i) {
      names.push_back(LinkName(open.seen[i]));
    }
    std::string listed = absl::StrJoin(names, ", ");
    if (seen > kNamed)
      absl::StrAppend(&listed, " and ", seen - kNamed, " more");
    const bool one = seen == 1;
    absl::StrAppend(
        &why, one ? "an open link" : absl::StrCat(seen, " open links"), " (",
        listed, "): close ", one ? "it" : "each",
        " first, with the reason it ended (CloseLink; raa link close ",
        one ? LinkId(open.seen[0]) : "LINK", " ",
        child ? "plan_changed" : "household_withdrew", ")");
  }
  if (open.hidden > 0) {
    absl::StrAppend(
        &why, seen > 0 ? "; it also has " : "",
        open.hidden == 1 ? "an open link"
                         : absl::StrCat(open.hidden, " open links"),
        " with a child profile hidden from your authority, which the child's "
        "authority or a consortium manager closes");
  }
  absl::StrAppend(&why, "; then withdraw");
  return absl::FailedPreconditionError(why);
}

// WithdrawChild / WithdrawAdopter: the record stays, closed, with the reason.
// A record with an open link is refused (see OpenLinksRefusal).
template <typename Kind, typename Request>
absl::StatusOr<typename Kind::Message> WithdrawRecord(
    Store& store, const Registry::LinkQueries& links, const Caller& caller,
    const Request& request) {
  using Message = typename Kind::Message;
  ASSIGN_OR_RETURN(RecordName name,
                   ParseRecordName(request.name(), Kind::kCollection,
                                   Kind::kIdPrefix, "name"));
  RETURN_IF_ERROR(RequireRegistrarOf(caller, name.authority_id));
  FieldErrors errors;
  CheckFreeText(request.reason(), "reason", kReasonText, errors);
  ValidateRequestId(request.request_id(), errors);
  RETURN_IF_ERROR(errors.ToStatus());
  ASSIGN_OR_RETURN(
      auto written,
      store.Write<Message>(
          MakeRequestKey(caller.authority_id, request),
          [&](StoreTx& tx) -> absl::StatusOr<Message> {
            ASSIGN_OR_RETURN(Message record, Kind::Get(tx, name));
            if (record.status() == Kind::kWithdrawn) {
              return absl::FailedPreconditionError("already withdrawn");
            }
            if (links.open_of_record) {
              ASSIGN_OR_RETURN(
                  Registry::OpenLinks open,
                  links.open_of_record(tx, caller, Kind::kKind,
                                       name.authority_id, name.row_id));
              if (!open.seen.empty() || open.hidden > 0) {
                return OpenLinksRefusal(Kind::kKind, open);
              }
            }
            const int from = record.status();
            record.set_status(
                static_cast<decltype(record.status())>(Kind::kWithdrawn));
            record.set_withdraw_reason(request.reason());
            RETURN_IF_ERROR(Kind::Put(tx, record, caller));
            RETURN_IF_ERROR(registry_rows::InsertStatusChange(
                tx, Kind::kKind, name.authority_id, name.row_id, from,
                Kind::kWithdrawn, request.reason(), caller.key_id,
                caller.authority_id));
            return record;
          }));
  return written.value;
}

// A batch row that carries its own request id is idempotent on its own,
// exactly like the single create with that id (the same key, so either call
// recognises the other's row).
template <typename CreateRequest>
RequestKey RowKey(const std::string& scope, const CreateRequest& row,
                  const std::string& parent) {
  CreateRequest single = row;
  single.set_parent(parent);
  single.set_validate_only(false);
  return MakeRequestKey(scope, single);
}

// The record a row's request id stored before, if any; ALREADY_EXISTS if the
// id was used for something else.
template <typename Message>
absl::StatusOr<std::optional<Message>> StoredRow(StoreTx& tx,
                                                 const RequestKey& key) {
  if (key.request_id.empty()) return std::nullopt;
  ASSIGN_OR_RETURN(std::optional<StoredRequest> seen,
                   tx.FindRequest(key.scope, key.request_id));
  if (!seen.has_value()) return std::nullopt;
  if (seen->method != key.method || seen->body_hash != key.body_hash) {
    return absl::AlreadyExistsError(
        "this request_id was already used for a different profile");
  }
  Message stored;
  if (!stored.ParseFromString(seen->response)) {
    return absl::DataLossError("a stored response cannot be read");
  }
  return stored;
}

// In CheckRow's `first`: the batch's own request id, which no row may reuse.
constexpr size_t kBatchRequestId = SIZE_MAX;

// Looks up row i's earlier answer; a conflicting id becomes a row error, and
// so does a row that repeats an earlier row of the same batch (`first`, by
// request id: a row's index, or kBatchRequestId).
template <typename Message>
absl::Status CheckRow(StoreTx& tx, const RequestKey& key, size_t i,
                      absl::flat_hash_map<std::string, size_t>& first,
                      std::optional<Message>& earlier, FieldErrors& errors) {
  if (!key.request_id.empty()) {
    auto [it, inserted] = first.emplace(key.request_id, i);
    if (!inserted) {
      errors.Add(absl::StrCat("requests[", i, "].request_id"),
                 it->second == kBatchRequestId
                     ? std::string("is the batch's own request_id: each row "
                                   "needs one of its own")
                     : absl::StrCat("repeats requests[", it->second,
                                    "] of this batch"));
      return absl::OkStatus();
    }
  }
  absl::StatusOr<std::optional<Message>> found = StoredRow<Message>(tx, key);
  if (absl::IsAlreadyExists(found.status())) {
    errors.Add(absl::StrCat("requests[", i, "].request_id"),
               found.status().message());
    return absl::OkStatus();
  }
  RETURN_IF_ERROR(found.status());
  earlier = *std::move(found);
  return absl::OkStatus();
}

// BatchCreateChildren / BatchCreateAdopters. Everything a row can be checked
// for without the store (its parent, request id and fields) is checked
// before the write lock, and an all_or_nothing batch with any such error is
// refused there, writing nothing and never waiting for the lock. Under the
// lock: the parent must be an active member, each row's references must
// resolve, and a row's own request_id may not repeat another row's or name
// an earlier different request; an all_or_nothing batch with any error is
// then refused whole (every error of every row), else each failing row is
// reported in `failures` and the others are stored (or, already stored
// under their request id, answered as stored).
template <typename Kind, typename BatchRequest, typename BatchResponse>
absl::StatusOr<BatchResponse> BatchCreate(Store& store, absl::CivilDay today,
                                          const RegionList& regions,
                                          const Caller& caller,
                                          const BatchRequest& request) {
  using Message = typename Kind::Message;
  ASSIGN_OR_RETURN(std::string authority_id,
                   ParseAuthorityName(request.parent(), "parent"));
  RETURN_IF_ERROR(RequireRegistrarOf(caller, authority_id));
  FieldErrors errors;
  ValidateRequestId(request.request_id(), errors);
  if (request.requests().empty() || request.requests_size() > 1000) {
    errors.Add("requests", absl::StrCat("must hold 1-1000 ", Kind::kBatchNoun));
  }
  RETURN_IF_ERROR(errors.ToStatus());

  const size_t n = request.requests_size();
  std::vector<Message> records(n);
  std::vector<FieldErrors> row_errors(n);
  FieldErrors invalid;
  for (size_t i = 0; i < n; ++i) {
    const auto& r = request.requests(i);
    const std::string row = absl::StrCat("requests[", i, "]");
    if (!r.parent().empty() && r.parent() != request.parent()) {
      row_errors[i].Add(absl::StrCat(row, ".parent"),
                        "must be empty or the batch's parent");
    }
    if (r.validate_only()) {
      // A batch stores its rows: a row cannot ask to be checked only.
      row_errors[i].Add(absl::StrCat(row, ".validate_only"),
                        "is not taken in a batch, which stores its rows: "
                        "check a record alone with its Create call");
    }
    if (!r.request_id().empty()) {
      FieldErrors id_errors(row);
      ValidateRequestId(r.request_id(), id_errors);
      row_errors[i].Merge(id_errors);
    }
    records[i] = Kind::Given(r);
    Kind::Normalize(records[i]);
    FieldErrors record_errors(absl::StrCat(row, ".", Kind::kField));
    Kind::CheckNewStatus(Kind::Given(r), record_errors);
    Kind::ValidateFields(today, regions, nullptr, records[i], record_errors);
    row_errors[i].Merge(record_errors);
    invalid.Merge(row_errors[i]);
  }
  if (request.all_or_nothing()) RETURN_IF_ERROR(invalid.ToStatus());
  ASSIGN_OR_RETURN(
      auto written,
      store.Write<BatchResponse>(
          MakeRequestKey(caller.authority_id, request),
          [&](StoreTx& tx) -> absl::StatusOr<BatchResponse> {
            ASSIGN_OR_RETURN(v1::Authority parent,
                             ActiveParent(tx, authority_id, "parent"));
            BatchResponse response;
            FieldErrors all;
            std::vector<RequestKey> row_keys(n);
            std::vector<std::optional<Message>> earlier(n);
            absl::flat_hash_map<std::string, size_t> first_rows;
            // The batch's own id is taken: a row may not reuse it.
            first_rows.emplace(request.request_id(), kBatchRequestId);
            for (size_t i = 0; i < n; ++i) {
              FieldErrors refs(
                  absl::StrCat("requests[", i, "].", Kind::kField));
              Kind::ResolveReferences(tx, parent, records[i], refs);
              row_errors[i].Merge(refs);
              row_keys[i] = RowKey(caller.authority_id, request.requests(i),
                                   request.parent());
              RETURN_IF_ERROR(CheckRow(tx, row_keys[i], i, first_rows,
                                       earlier[i], row_errors[i]));
              all.Merge(row_errors[i]);
            }
            if (request.all_or_nothing()) RETURN_IF_ERROR(all.ToStatus());
            for (size_t i = 0; i < n; ++i) {
              for (const FieldViolation& v : row_errors[i].violations()) {
                auto* f = response.add_failures();
                f->set_index(static_cast<int>(i));
                f->set_field(v.field);
                f->set_description(v.description);
              }
              if (!row_errors[i].empty()) continue;
              if (earlier[i].has_value()) {
                *Kind::AddTo(response) = *std::move(earlier[i]);
                response.add_already_stored(static_cast<int>(i));
                continue;
              }
              RETURN_IF_ERROR(
                  Kind::Insert(tx, authority_id, records[i], caller));
              if (!row_keys[i].request_id.empty()) {
                RETURN_IF_ERROR(tx.RecordRequest(
                    row_keys[i], records[i].SerializeAsString()));
              }
              *Kind::AddTo(response) = records[i];
            }
            return response;
          }));
  return written.value;
}

}  // namespace

// ---------------- authorities ----------------

absl::StatusOr<v1::Authority> Registry::CreateAuthority(
    const Caller& caller, const v1::CreateAuthorityRequest& request) {
  RETURN_IF_ERROR(RequireAnyRole(caller, {v1::ROLE_MANAGER}));
  FieldErrors errors;
  if (!IsSlug(request.authority_id())) {
    errors.Add("authority_id",
               "must be 2-40 of a-z, 0-9 and '-', starting with a letter");
  }
  FieldErrors authority_errors("authority");
  ValidateAuthority(request.authority(), clock_.Today(), regions_,
                    authority_errors);
  errors.Merge(authority_errors);
  ValidateRequestId(request.request_id(), errors);
  RETURN_IF_ERROR(errors.ToStatus());

  v1::Authority authority = request.authority();
  authority.set_name(absl::StrCat("authorities/", request.authority_id()));
  authority.set_status(v1::AUTHORITY_STATUS_ACTIVE);
  authority.clear_withdrawn_on();
  if (IsUnset(authority.joined_on())) {
    *authority.mutable_joined_on() = ToDate(clock_.Today());
  }
  ASSIGN_OR_RETURN(
      auto written,
      store_.Write<v1::Authority>(
          MakeRequestKey(caller.authority_id, request),
          [&](StoreTx& tx) -> absl::StatusOr<v1::Authority> {
            if (registry_rows::GetAuthority(tx, request.authority_id()).ok()) {
              return absl::AlreadyExistsError(absl::StrCat(
                  "authority \"", request.authority_id(), "\" already exists"));
            }
            RETURN_IF_ERROR(CheckOneHub(tx, authority, request.authority_id()));
            RETURN_IF_ERROR(registry_rows::InsertAuthority(tx, authority));
            return registry_rows::GetAuthority(tx, request.authority_id());
          }));
  return written.value;
}

absl::StatusOr<v1::Authority> Registry::GetAuthority(
    const Caller&, const v1::GetAuthorityRequest& request) {
  ASSIGN_OR_RETURN(std::string id, ParseAuthorityName(request.name(), "name"));
  return registry_rows::GetAuthority(store_, id);
}

absl::StatusOr<v1::ListAuthoritiesResponse> Registry::ListAuthorities(
    const Caller&, const v1::ListAuthoritiesRequest& request) {
  ASSIGN_OR_RETURN(PageCursor cursor,
                   ReadPageRequest(request.page_size(), request.page_token()));
  if (!v1::AuthorityStatus_IsValid(request.status())) {
    return InvalidField("status", "is not an authority status");
  }
  ASSIGN_OR_RETURN(
      Page<v1::Authority> page,
      registry_rows::ListAuthorities(store_, request.status(),
                                     {cursor.page_size, cursor.after}));
  v1::ListAuthoritiesResponse response;
  for (v1::Authority& a : page.items)
    *response.add_authorities() = std::move(a);
  response.set_next_page_token(NextPageToken(page.next_after));
  return response;
}

absl::StatusOr<v1::Authority> Registry::UpdateAuthority(
    const Caller& caller, const v1::UpdateAuthorityRequest& request) {
  RETURN_IF_ERROR(RequireAnyRole(caller, {v1::ROLE_MANAGER}));
  FieldErrors errors;
  absl::StatusOr<std::string> id =
      ParseAuthorityName(request.authority().name(), "authority.name");
  errors.AddAll(id.status());
  CheckMask<v1::Authority>(request.update_mask(), AuthorityUpdatable(), errors);
  ValidateRequestId(request.request_id(), errors);
  for (const std::string& path : request.update_mask().paths()) {
    if (path == "display_name") {
      CheckFreeText(request.authority().display_name(),
                    "authority.display_name", kDisplayNameText, errors);
    }
  }
  RETURN_IF_ERROR(errors.ToStatus());
  // The changed fields are checked before the write lock, on their own; the
  // merged record is checked again inside (cheap: no free text to scan).
  const v1::Authority& changes = request.authority();
  if (absl::c_linear_search(request.update_mask().paths(), "region")) {
    if (std::optional<std::string> why = regions_.WhyUnknown(changes.region()))
      RETURN_IF_ERROR(InvalidField("authority.region", *why));
  }
  ASSIGN_OR_RETURN(
      auto written,
      store_.Write<v1::Authority>(
          MakeRequestKey(caller.authority_id, request),
          [&](StoreTx& tx) -> absl::StatusOr<v1::Authority> {
            absl::StatusOr<v1::Authority> a = Member(tx, *id);
            RETURN_IF_ERROR(a.status());
            const bool was_hub =
                a->kind() == v1::AUTHORITY_KIND_REGIONAL_ADOPTION_AGENCY &&
                a->status() == v1::AUTHORITY_STATUS_ACTIVE;
            ApplyMask(request.authority(), request.update_mask(), *a);
            FieldErrors record_errors("authority");
            ValidateAuthority(*a, clock_.Today(), regions_, record_errors);
            RETURN_IF_ERROR(record_errors.ToStatus());
            // Only a change to the kind: a database from before the rule
            // may hold two, and each may still be corrected.
            if (!was_hub) RETURN_IF_ERROR(CheckOneHub(tx, *a, *id));
            RETURN_IF_ERROR(registry_rows::UpdateAuthority(tx, *a));
            return registry_rows::GetAuthority(tx, *id);
          }));
  return written.value;
}

absl::StatusOr<v1::WithdrawalImpact> Registry::GetWithdrawalImpact(
    const Caller& caller, const v1::GetWithdrawalImpactRequest& request) {
  RETURN_IF_ERROR(RequireAnyRole(caller, {v1::ROLE_MANAGER}));
  ASSIGN_OR_RETURN(std::string id, ParseAuthorityName(request.name(), "name"));
  absl::StatusOr<v1::Authority> a = registry_rows::GetAuthority(store_, id);
  if (absl::IsNotFound(a.status())) {
    return absl::NotFoundError(
        absl::StrCat("no member authority \"", id, "\""));
  }
  RETURN_IF_ERROR(a.status());
  ASSIGN_OR_RETURN(MemberRecordCounts counts,
                   registry_rows::CountMemberRecords(store_, id));
  v1::WithdrawalImpact impact;
  impact.set_authority(a->name());
  impact.set_display_name(a->display_name());
  impact.set_status(a->status());
  for (const auto& [status, n] : counts.children) {
    if (status == v1::CHILD_STATUS_WAITING ||
        status == v1::CHILD_STATUS_LINKED) {
      impact.set_child_profiles_in_matching(
          impact.child_profiles_in_matching() + n.profiles);
      impact.set_children_in_matching(impact.children_in_matching() +
                                      n.children);
    } else {
      impact.set_other_child_profiles(impact.other_child_profiles() +
                                      n.profiles);
    }
  }
  for (const auto& [status, n] : counts.households) {
    if (status == v1::ADOPTER_STATUS_APPROVED ||
        status == v1::ADOPTER_STATUS_LINKED) {
      impact.set_households_in_matching(impact.households_in_matching() + n);
    } else {
      impact.set_other_households(impact.other_households() + n);
    }
  }
  impact.set_active_keys(counts.active_keys);
  if (links_.count_open_of_member) {
    ASSIGN_OR_RETURN(int open_links, links_.count_open_of_member(id));
    impact.set_open_links(open_links);
  }
  return impact;
}

absl::StatusOr<v1::Authority> Registry::ReinstateAuthority(
    const Caller& caller, const v1::ReinstateAuthorityRequest& request) {
  RETURN_IF_ERROR(RequireAnyRole(caller, {v1::ROLE_MANAGER}));
  FieldErrors errors;
  absl::StatusOr<std::string> id = ParseAuthorityName(request.name(), "name");
  errors.AddAll(id.status());
  ValidateRequestId(request.request_id(), errors);
  RETURN_IF_ERROR(errors.ToStatus());
  ASSIGN_OR_RETURN(
      auto written,
      store_.Write<v1::Authority>(
          MakeRequestKey(caller.authority_id, request),
          [&](StoreTx& tx) -> absl::StatusOr<v1::Authority> {
            absl::StatusOr<v1::Authority> a = Member(tx, *id);
            RETURN_IF_ERROR(a.status());
            if (a->status() != v1::AUTHORITY_STATUS_WITHDRAWN) {
              return absl::FailedPreconditionError(
                  absl::StrCat(a->display_name(), " (", *id,
                               ") is an active member: nothing to reinstate"));
            }
            a->set_status(v1::AUTHORITY_STATUS_ACTIVE);
            a->clear_withdrawn_on();
            *a->mutable_rejoined_on() = ToDate(clock_.Today());
            RETURN_IF_ERROR(CheckOneHub(tx, *a, *id));
            RETURN_IF_ERROR(registry_rows::UpdateAuthority(tx, *a));
            return registry_rows::GetAuthority(tx, *id);
          }));
  return written.value;
}

absl::StatusOr<v1::Authority> Registry::WithdrawAuthority(
    const Caller& caller, const v1::WithdrawAuthorityRequest& request) {
  RETURN_IF_ERROR(RequireAnyRole(caller, {v1::ROLE_MANAGER}));
  FieldErrors errors;
  absl::StatusOr<std::string> id = ParseAuthorityName(request.name(), "name");
  errors.AddAll(id.status());
  google::type::Date on = request.withdrawn_on();
  if (IsUnset(on)) {
    on = ToDate(clock_.Today());
  } else if (std::optional<absl::CivilDay> day = ToCivilDay(on); !day) {
    errors.Add("withdrawn_on", "is not a calendar date");
  } else if (*day > clock_.Today()) {
    errors.Add("withdrawn_on", "is in the future");
  }
  ValidateRequestId(request.request_id(), errors);
  RETURN_IF_ERROR(errors.ToStatus());
  if (*id == caller.authority_id) {
    return absl::FailedPreconditionError(
        "an authority cannot withdraw itself with its own key");
  }
  ASSIGN_OR_RETURN(
      auto written,
      store_.Write<v1::Authority>(
          MakeRequestKey(caller.authority_id, request),
          [&](StoreTx& tx) -> absl::StatusOr<v1::Authority> {
            ASSIGN_OR_RETURN(v1::Authority a, Member(tx, *id));
            if (a.status() == v1::AUTHORITY_STATUS_WITHDRAWN) {
              return absl::FailedPreconditionError(
                  absl::StrCat(a.display_name(), " (", *id, ") withdrew on ",
                               FormatDate(a.withdrawn_on())));
            }
            if (ToCivilDay(on) < ToCivilDay(a.joined_on())) {
              return InvalidField("withdrawn_on",
                                  absl::StrCat("is before ", *id, " joined (",
                                               FormatDate(a.joined_on()), ")"));
            }
            a.set_status(v1::AUTHORITY_STATUS_WITHDRAWN);
            *a.mutable_withdrawn_on() = on;
            RETURN_IF_ERROR(registry_rows::UpdateAuthority(tx, a));
            return registry_rows::GetAuthority(tx, *id);
          }));
  return written.value;
}

// ---------------- children ----------------

absl::StatusOr<v1::Child> Registry::CreateChild(
    const Caller& caller, const v1::CreateChildRequest& request) {
  ASSIGN_OR_RETURN(std::string authority_id,
                   ParseAuthorityName(request.parent(), "parent"));
  RETURN_IF_ERROR(RequireRegistrarOf(caller, authority_id));
  FieldErrors errors;
  if (!request.validate_only()) ValidateRequestId(request.request_id(), errors);
  v1::Child child = request.child();
  NormalizeChild(child);
  child.clear_name();  // output only: given when it is stored
  FieldErrors child_errors("child");
  ChildRecord::CheckNewStatus(request.child(), child_errors);
  ChildRecord::ValidateFields(clock_.Today(), regions_, nullptr, child,
                              child_errors);
  errors.Merge(child_errors);
  RETURN_IF_ERROR(errors.ToStatus());
  // On a snapshot for validate_only (which stores nothing), else under the
  // lock: the same checks, and the profile it would store.
  auto create = [&](StoreTx& tx) -> absl::StatusOr<v1::Child> {
    ASSIGN_OR_RETURN(v1::Authority parent,
                     ActiveParent(tx, authority_id, "parent"));
    FieldErrors refs("child");
    ResolveChildReferences(tx, parent, child, refs);
    RETURN_IF_ERROR(refs.ToStatus());
    if (request.validate_only()) return child;
    RETURN_IF_ERROR(registry_rows::InsertChild(
        tx, authority_id, child, {caller.authority_id, caller.key_id, ""}));
    return child;
  };
  v1::Child stored;
  if (request.validate_only()) {
    ASSIGN_OR_RETURN(stored, store_.Check<v1::Child>(create));
  } else {
    ASSIGN_OR_RETURN(auto written,
                     store_.Write<v1::Child>(
                         MakeRequestKey(caller.authority_id, request), create));
    stored = std::move(written.value);
  }
  SetAgesToday(stored, clock_.Today());
  return stored;
}

absl::StatusOr<v1::BatchCreateChildrenResponse> Registry::BatchCreateChildren(
    const Caller& caller, const v1::BatchCreateChildrenRequest& request) {
  ASSIGN_OR_RETURN(v1::BatchCreateChildrenResponse response,
                   (BatchCreate<ChildRecord, v1::BatchCreateChildrenRequest,
                                v1::BatchCreateChildrenResponse>(
                       store_, clock_.Today(), regions_, caller, request)));
  for (v1::Child& child : *response.mutable_children()) {
    SetAgesToday(child, clock_.Today());
  }
  return response;
}

absl::StatusOr<v1::Child> Registry::GetChild(
    const Caller& caller, const v1::GetChildRequest& request) {
  ASSIGN_OR_RETURN(RecordName name,
                   ParseRecordName(request.name(), "children", 'c', "name"));
  absl::StatusOr<v1::Child> child =
      registry_rows::GetChild(store_, name.authority_id, name.row_id);
  if (child.ok() && !IsVisibleTo(caller, name.authority_id, *child)) {
    return absl::NotFoundError("no such child");  // hidden: do not reveal it
  }
  if (!child.ok()) return child;
  SetAgesToday(*child, clock_.Today());
  RETURN_IF_ERROR(
      FillStatusHistory(store_, RecordKind::kChild, "children", 'c', *child));
  return child;
}

absl::StatusOr<v1::ListChildrenResponse> Registry::ListChildren(
    const Caller& caller, const v1::ListChildrenRequest& request) {
  FieldErrors errors;
  ChildFilter filter;
  if (request.parent() != "authorities/-") {
    absl::StatusOr<std::string> id =
        ParseAuthorityName(request.parent(), "parent");
    if (id.ok()) {
      filter.authority_id = *id;
    } else {
      errors.Add("parent", "must be authorities/{id} or authorities/-");
    }
  }
  absl::StatusOr<PageCursor> cursor =
      ReadPageRequest(request.page_size(), request.page_token());
  errors.AddAll(cursor.status());
  if (!v1::ChildStatus_IsValid(request.status())) {
    errors.Add("status", "is not a child status");
  }
  filter.status = request.status();
  if (request.has_min_age_months()) {
    if (request.min_age_months() < 0 ||
        request.min_age_months() > kMaxAgeMonths)
      errors.Add("min_age_months", "is outside 0-216");
    filter.min_age_months = request.min_age_months();
  }
  if (request.has_max_age_months()) {
    if (request.max_age_months() < 0 ||
        request.max_age_months() > kMaxAgeMonths)
      errors.Add("max_age_months", "is outside 0-216");
    filter.max_age_months = request.max_age_months();
  }
  if (request.group_size() < 0 || request.group_size() > kMaxGroupSize) {
    errors.Add("group_size", absl::StrCat("is outside 0-", kMaxGroupSize));
  }
  filter.group_size = request.group_size();
  if (!v1::NeedCategory_IsValid(request.need())) {
    errors.Add("need", "is not a need category");
  }
  filter.need = request.need();
  filter.ages_on = FormatDate(ToDate(clock_.Today()));  // ages today
  RETURN_IF_ERROR(errors.ToStatus());
  ASSIGN_OR_RETURN(Page<v1::Child> page,
                   registry_rows::ListChildren(
                       store_, filter, {cursor->page_size, cursor->after}));
  v1::ListChildrenResponse response;
  for (v1::Child& child : page.items) {
    ASSIGN_OR_RETURN(RecordName name,
                     ParseRecordName(child.name(), "children", 'c', "name"));
    if (IsVisibleTo(caller, name.authority_id, child)) {
      SetAgesToday(child, clock_.Today());
      *response.add_children() = std::move(child);
    }
  }
  response.set_next_page_token(NextPageToken(page.next_after));
  return response;
}

// ---------------- adopters ----------------

absl::StatusOr<v1::Adopter> Registry::CreateAdopter(
    const Caller& caller, const v1::CreateAdopterRequest& request) {
  ASSIGN_OR_RETURN(std::string authority_id,
                   ParseAuthorityName(request.parent(), "parent"));
  RETURN_IF_ERROR(RequireRegistrarOf(caller, authority_id));
  FieldErrors errors;
  if (!request.validate_only()) ValidateRequestId(request.request_id(), errors);
  v1::Adopter adopter = request.adopter();
  NormalizeAdopter(adopter);
  adopter.clear_name();  // output only: given when it is stored
  FieldErrors adopter_errors("adopter");
  AdopterRecord::CheckNewStatus(adopter, adopter_errors);
  ValidateAdopter(adopter, clock_.Today(), regions_, adopter_errors);
  errors.Merge(adopter_errors);
  RETURN_IF_ERROR(errors.ToStatus());
  // On a snapshot for validate_only (which stores nothing), else under the
  // lock.
  auto create = [&](StoreTx& tx) -> absl::StatusOr<v1::Adopter> {
    RETURN_IF_ERROR(ActiveParent(tx, authority_id, "parent").status());
    if (request.validate_only()) return adopter;
    RETURN_IF_ERROR(registry_rows::InsertAdopter(
        tx, authority_id, adopter, {caller.authority_id, caller.key_id, ""}));
    return adopter;
  };
  if (request.validate_only()) return store_.Check<v1::Adopter>(create);
  ASSIGN_OR_RETURN(auto written,
                   store_.Write<v1::Adopter>(
                       MakeRequestKey(caller.authority_id, request), create));
  return written.value;
}

absl::StatusOr<v1::BatchCreateAdoptersResponse> Registry::BatchCreateAdopters(
    const Caller& caller, const v1::BatchCreateAdoptersRequest& request) {
  return BatchCreate<AdopterRecord, v1::BatchCreateAdoptersRequest,
                     v1::BatchCreateAdoptersResponse>(
      store_, clock_.Today(), regions_, caller, request);
}

absl::StatusOr<v1::Adopter> Registry::GetAdopter(
    const Caller& caller, const v1::GetAdopterRequest& request) {
  ASSIGN_OR_RETURN(RecordName name,
                   ParseRecordName(request.name(), "adopters", 'h', "name"));
  ASSIGN_OR_RETURN(
      v1::Adopter adopter,
      registry_rows::GetAdopter(store_, name.authority_id, name.row_id));
  RETURN_IF_ERROR(FillStatusHistory(store_, RecordKind::kAdopter, "adopters",
                                    'h', adopter));
  RETURN_IF_ERROR(HideUnseenLinks(links_, caller, adopter));
  return adopter;
}

absl::StatusOr<v1::ListAdoptersResponse> Registry::ListAdopters(
    const Caller&, const v1::ListAdoptersRequest& request) {
  FieldErrors errors;
  AdopterFilter filter;
  if (request.parent() != "authorities/-") {
    absl::StatusOr<std::string> id =
        ParseAuthorityName(request.parent(), "parent");
    if (id.ok()) {
      filter.authority_id = *id;
    } else {
      errors.Add("parent", "must be authorities/{id} or authorities/-");
    }
  }
  absl::StatusOr<PageCursor> cursor =
      ReadPageRequest(request.page_size(), request.page_token());
  errors.AddAll(cursor.status());
  if (!v1::AdopterStatus_IsValid(request.status())) {
    errors.Add("status", "is not an adopter status");
  }
  filter.status = request.status();
  if (request.has_age_months()) {
    if (request.age_months() < 0 || request.age_months() > kMaxAgeMonths)
      errors.Add("age_months", "is outside 0-216");
    filter.age_months = request.age_months();
  }
  if (request.group_size() < 0 || request.group_size() > kMaxApprovedFor) {
    errors.Add("group_size", absl::StrCat("is outside 0-", kMaxApprovedFor));
  }
  filter.group_size = request.group_size();
  if (!v1::NeedCategory_IsValid(request.need())) {
    errors.Add("need", "is not a need category");
  }
  filter.need = request.need();
  RETURN_IF_ERROR(errors.ToStatus());
  ASSIGN_OR_RETURN(Page<v1::Adopter> page,
                   registry_rows::ListAdopters(
                       store_, filter, {cursor->page_size, cursor->after}));
  v1::ListAdoptersResponse response;
  for (v1::Adopter& a : page.items) *response.add_adopters() = std::move(a);
  response.set_next_page_token(NextPageToken(page.next_after));
  return response;
}

absl::StatusOr<v1::Child> Registry::UpdateChild(
    const Caller& caller, const v1::UpdateChildRequest& request) {
  ASSIGN_OR_RETURN(v1::Child child,
                   UpdateRecord<ChildRecord>(store_, clock_, regions_, links_,
                                             caller, request, request.child()));
  SetAgesToday(child, clock_.Today());
  RETURN_IF_ERROR(
      FillStatusHistory(store_, RecordKind::kChild, "children", 'c', child));
  return child;
}

absl::StatusOr<v1::Child> Registry::WithdrawChild(
    const Caller& caller, const v1::WithdrawChildRequest& request) {
  ASSIGN_OR_RETURN(v1::Child child, WithdrawRecord<ChildRecord>(
                                        store_, links_, caller, request));
  SetAgesToday(child, clock_.Today());
  RETURN_IF_ERROR(
      FillStatusHistory(store_, RecordKind::kChild, "children", 'c', child));
  return child;
}

absl::StatusOr<v1::Adopter> Registry::UpdateAdopter(
    const Caller& caller, const v1::UpdateAdopterRequest& request) {
  ASSIGN_OR_RETURN(
      v1::Adopter adopter,
      UpdateRecord<AdopterRecord>(store_, clock_, regions_, links_, caller,
                                  request, request.adopter()));
  RETURN_IF_ERROR(FillStatusHistory(store_, RecordKind::kAdopter, "adopters",
                                    'h', adopter));
  RETURN_IF_ERROR(HideUnseenLinks(links_, caller, adopter));
  return adopter;
}

absl::StatusOr<v1::Adopter> Registry::WithdrawAdopter(
    const Caller& caller, const v1::WithdrawAdopterRequest& request) {
  ASSIGN_OR_RETURN(v1::Adopter adopter, WithdrawRecord<AdopterRecord>(
                                            store_, links_, caller, request));
  RETURN_IF_ERROR(FillStatusHistory(store_, RecordKind::kAdopter, "adopters",
                                    'h', adopter));
  RETURN_IF_ERROR(HideUnseenLinks(links_, caller, adopter));
  return adopter;
}

// ---------------- regions ----------------

absl::StatusOr<v1::ListRegionsResponse> Registry::ListRegions(
    const Caller&, const v1::ListRegionsRequest& request) {
  FieldErrors errors;
  if (request.page_size() < 0 || request.page_size() > kMaxPageSize) {
    errors.Add("page_size", absl::StrCat("must be 0-", kMaxPageSize));
  }
  // The token is the last slug of the previous page.
  if (!request.page_token().empty() && !IsSlug(request.page_token())) {
    errors.Add("page_token", "is not a token from ListRegions");
  }
  if (!v1::RegionKind_IsValid(request.kind())) {
    errors.Add("kind", "is not a region kind");
  }
  if (!request.parent().empty()) {
    if (std::optional<std::string> why = regions_.WhyUnknown(request.parent()))
      errors.Add("parent", *why);
  }
  RETURN_IF_ERROR(errors.ToStatus());
  const int page_size =
      request.page_size() == 0 ? kDefaultPageSize : request.page_size();
  std::vector<v1::Region> page = regions_.List(
      request.page_token(), request.kind(), request.parent(), page_size + 1);
  v1::ListRegionsResponse response;
  for (size_t i = 0; i < page.size() && static_cast<int>(i) < page_size; ++i) {
    *response.add_regions() = std::move(page[i]);
  }
  if (static_cast<int>(page.size()) > page_size) {
    absl::string_view last = response.regions(page_size - 1).name();
    absl::ConsumePrefix(&last, "regions/");
    response.set_next_page_token(std::string(last));
  }
  return response;
}

absl::StatusOr<v1::Region> Registry::CreateRegion(
    const Caller& caller, const v1::CreateRegionRequest& request) {
  RETURN_IF_ERROR(RequireAnyRole(caller, {v1::ROLE_MANAGER}));
  FieldErrors errors;
  if (!IsSlug(request.region_id())) {
    errors.Add("region_id",
               "must be 2-40 of a-z, 0-9 and '-', starting with a letter");
  }
  v1::Region region = request.region();
  // Shown to every member, as a member's name is: the same rule (no
  // control, bidi or invisible-only text).
  CheckFreeText(region.display_name(), "region.display_name", kDisplayNameText,
                errors);
  if (region.kind() == v1::REGION_KIND_UNSPECIFIED) {
    region.set_kind(v1::REGION_KIND_CONSORTIUM_AREA);
  } else if (region.kind() != v1::REGION_KIND_COUNTY &&
             region.kind() != v1::REGION_KIND_LOCAL_AUTHORITY_AREA &&
             region.kind() != v1::REGION_KIND_CONSORTIUM_AREA) {
    errors.Add("region.kind",
               "must be COUNTY, LOCAL_AUTHORITY_AREA or CONSORTIUM_AREA");
  }
  if (!region.parent().empty()) {
    if (std::optional<std::string> why = regions_.WhyUnknown(region.parent()))
      errors.Add("region.parent", *why);
  }
  ValidateRequestId(request.request_id(), errors);
  RETURN_IF_ERROR(errors.ToStatus());
  region.set_name(RegionName(request.region_id()));
  region.set_shipped(false);
  region.clear_create_time();
  ASSIGN_OR_RETURN(
      auto written,
      store_.Write<v1::Region>(
          MakeRequestKey(caller.authority_id, request),
          [&](StoreTx& tx) -> absl::StatusOr<v1::Region> {
            // Counted from the table, under the write lock: exact even when
            // two creates race.
            ASSIGN_OR_RETURN(std::vector<v1::Region> added,
                             registry_rows::ListRegions(tx));
            std::optional<v1::Region> listed =
                regions_.Find(request.region_id());
            for (const v1::Region& r : added) {
              if (r.name() == region.name()) listed = r;
            }
            if (listed.has_value()) {
              return absl::AlreadyExistsError(absl::StrCat(
                  "region \"", request.region_id(), "\" is already listed (",
                  listed->display_name(), ")"));
            }
            if (regions_.shipped_count() + static_cast<int>(added.size()) >=
                RegionList::kCapacity) {
              return absl::FailedPreconditionError(
                  absl::StrCat("the consortium's region list holds ",
                               RegionList::kCapacity, " regions, its limit"));
            }
            RETURN_IF_ERROR(registry_rows::InsertRegion(tx, region));
            return region;
          }));
  // Listed once stored (and again, harmlessly, on a replay).
  RETURN_IF_ERROR(regions_.Add(written.value));
  return written.value;
}

absl::StatusOr<v1::CheckRegionsResponse> Registry::CheckRegions(
    const Caller& caller, const v1::CheckRegionsRequest&) {
  ASSIGN_OR_RETURN(
      std::vector<v1::UnknownValue> unknown,
      FindUnknownValues(
          store_, regions_,
          caller.Has(v1::ROLE_MANAGER) ? "" : caller.authority_id));
  v1::CheckRegionsResponse response;
  for (v1::UnknownValue& u : unknown) *response.add_unknown() = std::move(u);
  return response;
}

}  // namespace raa
