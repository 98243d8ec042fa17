#include "services/registry/regions.h"

#include <cstdlib>
#include <iostream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "services/registry/languages.h"
#include "services/registry/registry_rows.h"
#include "services/registry/shipped_lists.h"
#include "services/registry/spelling.h"
#include "services/store/store.h"

namespace raa {
namespace {

constexpr size_t kMaxEcho = 64;

std::optional<v1::RegionKind> KindOf(absl::string_view word) {
  if (word == "country") return v1::REGION_KIND_COUNTRY;
  if (word == "region") return v1::REGION_KIND_ENGLISH_REGION;
  if (word == "county") return v1::REGION_KIND_COUNTY;
  if (word == "local-authority") return v1::REGION_KIND_LOCAL_AUTHORITY_AREA;
  if (word == "consortium") return v1::REGION_KIND_CONSORTIUM_AREA;
  return std::nullopt;
}

// "West Yorkshire" -> "west-yorkshire": how a person might mean a slug.
std::string Slugish(absl::string_view typed) {
  std::string out;
  for (char c : typed.substr(0, kMaxEcho)) {
    if (absl::ascii_isalnum(c)) {
      out += absl::ascii_tolower(c);
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

std::string Echo(absl::string_view value) {
  if (value.size() <= kMaxEcho) return std::string(value);
  return absl::StrCat(value.substr(0, kMaxEcho), "...");
}

void AddUnknown(std::vector<v1::UnknownValue>& out, const std::string& record,
                std::string field, const std::string& value,
                std::vector<std::string> suggestions) {
  v1::UnknownValue* added = &out.emplace_back();
  added->set_record(record);
  added->set_field(std::move(field));
  added->set_value(Echo(value));
  for (std::string& s : suggestions) added->add_suggestions(std::move(s));
}

void CheckRegionValue(const RegionList& regions, const std::string& record,
                      const std::string& field, const std::string& value,
                      std::vector<v1::UnknownValue>& out) {
  if (!regions.Contains(value)) {
    AddUnknown(out, record, field, value, regions.Closest(value));
  }
}

void CheckRegionValues(
    const RegionList& regions, const std::string& record,
    const std::string& field,
    const google::protobuf::RepeatedPtrField<std::string>& values,
    std::vector<v1::UnknownValue>& out) {
  for (int i = 0; i < values.size(); ++i) {
    CheckRegionValue(regions, record, absl::StrCat(field, "[", i, "]"),
                     values[i], out);
  }
}

void CheckLanguageValue(const std::string& record, const std::string& field,
                        const std::string& value,
                        std::vector<v1::UnknownValue>& out) {
  if (value.empty() || IsKnownLanguage(value)) return;
  AddUnknown(out, record, field, value, ClosestLanguages(value));
}

}  // namespace

std::unique_ptr<RegionList> RegionList::Shipped() {
  absl::StatusOr<std::unique_ptr<RegionList>> list =
      FromCsv(kEnglandRegionsCsv);
  if (!list.ok()) {
    std::cerr << "raamatch: the built-in region list is malformed: "
              << list.status() << "\n";
    std::abort();
  }
  return *std::move(list);
}

absl::StatusOr<std::unique_ptr<RegionList>> RegionList::FromCsv(
    absl::string_view csv) {
  ASSIGN_OR_RETURN(auto rows, CsvRows(csv, 4));
  std::unique_ptr<RegionList> list(new RegionList());
  absl::MutexLock lock(&list->mu_);
  for (const std::vector<std::string>& row : rows) {
    std::optional<v1::RegionKind> kind = KindOf(row[2]);
    if (!kind.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat(row[0], ": unknown kind \"", row[2], "\""));
    }
    v1::Region region;
    region.set_name(RegionName(row[0]));
    region.set_display_name(row[1]);
    region.set_kind(*kind);
    region.set_parent(row[3]);
    region.set_shipped(true);
    if (!list->regions_.emplace(row[0], std::move(region)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(row[0], " is listed twice"));
    }
  }
  for (const auto& [slug, region] : list->regions_) {
    if (!region.parent().empty() && !list->regions_.contains(region.parent())) {
      return absl::InvalidArgumentError(
          absl::StrCat(slug, ": parent \"", region.parent(), "\" is unknown"));
    }
    list->slugs_.push_back(slug);
  }
  if (list->regions_.size() > static_cast<size_t>(kCapacity)) {
    return absl::InvalidArgumentError(
        absl::StrCat("more than ", kCapacity, " regions"));
  }
  list->shipped_count_ = static_cast<int>(list->regions_.size());
  return list;
}

bool RegionList::Contains(absl::string_view slug) const {
  absl::ReaderMutexLock lock(&mu_);
  return regions_.contains(slug);
}

std::optional<v1::Region> RegionList::Find(absl::string_view slug) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = regions_.find(slug);
  if (it == regions_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> RegionList::Closest(absl::string_view typed) const {
  absl::ReaderMutexLock lock(&mu_);
  // "West Yorkshire" means west-yorkshire, and nothing else.
  const std::string slugish = Slugish(typed);
  if (slugish != typed && regions_.contains(slugish)) return {slugish};
  std::vector<std::string> out = ClosestNames(typed, slugs_);
  if (out.empty()) out = ClosestNames(slugish, slugs_);
  return out;
}

std::optional<std::string> RegionList::WhyUnknown(
    absl::string_view value) const {
  if (Contains(value)) return std::nullopt;
  std::string why = absl::StrCat("\"", Echo(value),
                                 "\" is not in the consortium's list "
                                 "of regions");
  std::vector<std::string> closest = Closest(value);
  if (!closest.empty())
    absl::StrAppend(&why, "; did you mean ", OneOf(closest), "?");
  absl::StrAppend(&why, " (raa region list shows the list)");
  return why;
}

std::vector<v1::Region> RegionList::List(absl::string_view after,
                                         v1::RegionKind kind,
                                         absl::string_view parent,
                                         int limit) const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<v1::Region> out;
  for (auto it = regions_.upper_bound(after);
       it != regions_.end() && static_cast<int>(out.size()) < limit; ++it) {
    if (kind != v1::REGION_KIND_UNSPECIFIED && it->second.kind() != kind) {
      continue;
    }
    if (!parent.empty() && it->second.parent() != parent) continue;
    out.push_back(it->second);
  }
  return out;
}

int RegionList::size() const {
  absl::ReaderMutexLock lock(&mu_);
  return static_cast<int>(regions_.size());
}

absl::Status RegionList::Add(const v1::Region& region) {
  absl::string_view slug = region.name();
  absl::ConsumePrefix(&slug, "regions/");
  absl::MutexLock lock(&mu_);
  if (regions_.contains(slug)) return absl::OkStatus();
  if (regions_.size() >= static_cast<size_t>(kCapacity)) {
    return absl::FailedPreconditionError(
        absl::StrCat("the region list holds ", kCapacity,
                     " regions, its limit; ", slug, " is not added"));
  }
  regions_.emplace(std::string(slug), region);
  slugs_.clear();
  for (const auto& entry : regions_) slugs_.push_back(entry.first);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::UnknownValue>> FindUnknownValues(
    Store& store, const RegionList& regions, absl::string_view authority_id) {
  std::vector<v1::UnknownValue> out;
  if (authority_id.empty()) {
    RETURN_IF_ERROR(registry_rows::ForEachAuthority(
        store, v1::AUTHORITY_STATUS_UNSPECIFIED, [&](const v1::Authority& a) {
          CheckRegionValue(regions, a.name(), "region", a.region(), out);
          return absl::OkStatus();
        }));
  } else {
    absl::StatusOr<v1::Authority> a =
        registry_rows::GetAuthority(store, authority_id);
    if (a.ok()) {
      CheckRegionValue(regions, a->name(), "region", a->region(), out);
    } else if (!absl::IsNotFound(a.status())) {
      return a.status();
    }
  }
  RETURN_IF_ERROR(registry_rows::ScanChildProfilesOf(
      store, authority_id, [&](int64_t, const v1::Child& c) {
        CheckRegionValue(regions, c.name(), "region", c.region(), out);
        CheckRegionValues(regions, c.name(), "excluded_regions",
                          c.excluded_regions(), out);
        for (int i = 0; i < c.members_size(); ++i) {
          CheckLanguageValue(c.name(),
                             absl::StrCat("members[", i, "].first_language"),
                             c.members(i).first_language(), out);
        }
      }));
  RETURN_IF_ERROR(registry_rows::ScanAdopterProfilesOf(
      store, authority_id, [&](int64_t, const v1::Adopter& a) {
        CheckRegionValue(regions, a.name(), "region", a.region(), out);
        CheckRegionValues(regions, a.name(), "excluded_regions",
                          a.excluded_regions(), out);
        for (int i = 0; i < a.languages_size(); ++i) {
          CheckLanguageValue(a.name(), absl::StrCat("languages[", i, "]"),
                             a.languages(i), out);
        }
      }));
  return out;
}

}  // namespace raa
