// The consortium's list of regions: every region a record may name.
//
// The list is the shipped regions of England (data/regions/england.csv, built
// into raamatchd: England, its 9 regions, 6 metropolitan counties and 153
// upper-tier local authority areas) plus the areas the consortium's manager
// adds (CreateRegion, stored in the `regions` table and added here after
// they commit). It is loaded at start, read on every write that names a
// region, and only grows.
//
//   std::unique_ptr<RegionList> regions = RegionList::Shipped();
//   for (const v1::Region& r : *store.ListRegions()) regions->Add(r);
//   if (!regions->Contains("west-yorks")) {
//     regions->Closest("west-yorks");  // {"west-yorkshire"}
//   }
//
// Limit: at most kCapacity regions in all, so the matching index (which
// holds as many) can never run out of room for a listed region.
//
// Thread-safe: reads take a reader lock on an in-memory map (no I/O), so
// request validation uses it before any store lock.
#ifndef RAAMATCH_SERVICES_REGISTRY_REGIONS_H_
#define RAAMATCH_SERVICES_REGISTRY_REGIONS_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/btree_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/names.h"
#include "raa/v1/registry.pb.h"

namespace raa {

class Store;

class RegionList {
 public:
  static constexpr int kCapacity = 256;

  // The shipped list. Aborts if the built-in data is malformed (a build
  // error, caught by the tests).
  static std::unique_ptr<RegionList> Shipped();
  // A list from CSV text in the shipped format (slug, display_name, kind,
  // parent); INVALID_ARGUMENT naming the line on a bad row.
  static absl::StatusOr<std::unique_ptr<RegionList>> FromCsv(
      absl::string_view csv);

  bool Contains(absl::string_view slug) const;
  std::optional<v1::Region> Find(absl::string_view slug) const;
  // The listed slugs closest to `typed` (see ClosestNames), best first;
  // "West Yorkshire" is compared as "west-yorkshire".
  std::vector<std::string> Closest(absl::string_view typed) const;
  // Why `value` is not a listed region, with suggestions, or nullopt if it
  // is listed. Echoes at most 64 bytes of `value`.
  std::optional<std::string> WhyUnknown(absl::string_view value) const;
  // Regions after slug `after` (exclusive; "" for the first), sorted by
  // slug, of `kind` and under `parent` when those are set, at most `limit`.
  std::vector<v1::Region> List(absl::string_view after, v1::RegionKind kind,
                               absl::string_view parent, int limit) const;
  int size() const;
  int shipped_count() const { return shipped_count_; }

  // Adds a consortium region (regions/{slug}) that is stored. OK if the same
  // slug is listed already (a replayed create); FAILED_PRECONDITION when
  // the list holds kCapacity regions.
  absl::Status Add(const v1::Region& region);

 private:
  RegionList() = default;

  int shipped_count_ = 0;
  mutable absl::Mutex mu_;
  absl::btree_map<std::string, v1::Region> regions_ ABSL_GUARDED_BY(mu_);
  // The slugs in `regions_` order, for suggestions.
  std::vector<std::string> slugs_ ABSL_GUARDED_BY(mu_);
};

// "regions/{slug}" for a slug.
std::string RegionName(absl::string_view slug);

// Every stored value naming a region or a language that is not in the lists,
// for the records of `authority_id` (every record if empty): authorities,
// then children, then adopters. Reads only: the profiles on a read
// connection of their own (Store::ReadAside), a member's through the
// tables' indexes by authority, never the other members' rows.
absl::StatusOr<std::vector<v1::UnknownValue>> FindUnknownValues(
    Store& store, const RegionList& regions, absl::string_view authority_id);

}  // namespace raa

#endif  // RAAMATCH_SERVICES_REGISTRY_REGIONS_H_
