#include "services/store/store.h"

#include <SQLiteCpp/Backup.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <openssl/sha.h>

#include <algorithm>
#include <limits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/time_util.h"
#include "services/common/call_scope.h"
#include "services/common/dates.h"
#include "services/common/status_macros.h"
#include "services/store/internal/sql.h"
#include "services/store/migrations.h"

namespace raa {
namespace {

using google::protobuf::util::TimeUtil;

using store_internal::BindBlob;
using store_internal::ColumnBytes;
using store_internal::Guard;
using store_internal::Micros;
using store_internal::ParseProfile;
using store_internal::ToTimestamp;

std::string JsonArray(
    const google::protobuf::RepeatedPtrField<std::string>& s) {
  // Only slugs and language codes go here ([a-z0-9-]): nothing to escape.
  return absl::StrCat("[",
                      absl::StrJoin(s, ",",
                                    [](std::string* out, const std::string& v) {
                                      absl::StrAppend(out, "\"", v, "\"");
                                    }),
                      "]");
}

constexpr const char* kNeedColumns[] = {
    "max_physical_disability",        "max_learning_disability",
    "max_global_developmental_delay", "max_medical_condition",
    "max_emotional_and_behavioural",  "max_foetal_alcohol_spectrum",
    "max_sexualised_behaviour",       "max_uncertain_developmental_prognosis",
    "max_attachment_difficulties",
};

std::string AuthorityName(absl::string_view id) {
  return absl::StrCat("authorities/", id);
}

// Rows stored before the ages_as_of column (migration 6) get it from their
// profiles, once. Throws on a database error, like the migrations.
void FillAgesAsOf(SQLite::Database& db) {
  SQLite::Statement rows(
      db, "SELECT id, profile FROM children WHERE ages_as_of IS NULL");
  std::vector<std::pair<int64_t, std::string>> filled;
  while (rows.executeStep()) {
    v1::Child child;
    if (!child.ParseFromString(ColumnBytes(rows, 1))) continue;
    filled.emplace_back(rows.getColumn(0).getInt64(),
                        FormatDate(child.ages_as_of()));
  }
  if (filled.empty()) return;
  SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
  SQLite::Statement set(db, "UPDATE children SET ages_as_of = ? WHERE id = ?");
  for (const auto& [id, as_of] : filled) {
    set.bind(1, as_of);
    set.bind(2, id);
    set.exec();
    set.reset();
  }
  tx.commit();
}

// The whole months from a row's ages_as_of to ?8 ('YYYY-MM-DD'), 0 if not
// later: the SQL twin of matcher::WholeMonthsBetween, for list filters.
constexpr char kMonthsSinceAgesAsOf[] =
    "MAX(0, (CAST(substr(?8, 1, 4) AS INTEGER) - "
    "CAST(substr(ages_as_of, 1, 4) AS INTEGER)) * 12 + "
    "CAST(substr(?8, 6, 2) AS INTEGER) - "
    "CAST(substr(ages_as_of, 6, 2) AS INTEGER) - "
    "(CAST(substr(?8, 9, 2) AS INTEGER) < "
    "CAST(substr(ages_as_of, 9, 2) AS INTEGER)))";

// ---- projections: the columns derived from a profile ----

struct ChildColumns {
  int group_size = 0;
  int min_age = 0;
  int max_age = 0;
  int64_t need_mask = 0;
};

ChildColumns ProjectChild(const v1::Child& child) {
  ChildColumns c;
  c.group_size = child.members_size();
  c.min_age = std::numeric_limits<int>::max();
  for (const v1::ChildMember& m : child.members()) {
    c.min_age = std::min(c.min_age, m.age_months());
    c.max_age = std::max(c.max_age, m.age_months());
    for (const v1::Need& n : m.needs())
      c.need_mask |= int64_t{1} << n.category();
  }
  if (child.members().empty()) c.min_age = 0;
  return c;
}

void BindAuthority(SQLite::Statement& q, const v1::Authority& a,
                   absl::string_view id, int64_t create, int64_t update) {
  q.bind(1, std::string(id));
  q.bind(2, a.display_name());
  q.bind(3, a.kind());
  q.bind(4, a.region());
  q.bind(5, a.london_weighting() ? 1 : 0);
  q.bind(6, a.status());
  q.bind(7, FormatDate(a.joined_on()));
  if (IsUnset(a.withdrawn_on())) {
    q.bind(8);
  } else {
    q.bind(8, FormatDate(a.withdrawn_on()));
  }
  BindBlob(q, 9, a.SerializeAsString());
  q.bind(10, create);
  q.bind(11, update);
}

absl::string_view IdOf(absl::string_view name) {
  size_t slash = name.rfind('/');
  return slash == absl::string_view::npos ? name : name.substr(slash + 1);
}

uint32_t RolesMask(const v1::ApiKey& key) {
  uint32_t mask = 0;
  for (int r : key.roles()) mask |= 1u << r;
  return mask;
}

void SetRoles(uint32_t mask, v1::ApiKey& key) {
  for (int r = v1::Role_MIN; r <= v1::Role_MAX; ++r) {
    if (mask & (1u << r)) key.add_roles(static_cast<v1::Role>(r));
  }
}

absl::StatusOr<StoredApiKey> ReadApiKey(SQLite::Database& db,
                                        absl::string_view key_id) {
  SQLite::Statement q(db,
                      "SELECT id, authority_id, roles, display_name, "
                      "secret_sha256, create_time, revoke_time FROM api_keys "
                      "WHERE id = ?");
  q.bind(1, std::string(key_id));
  if (!q.executeStep()) return absl::NotFoundError("no such API key");
  StoredApiKey out;
  out.key.set_name(absl::StrCat("apiKeys/", q.getColumn(0).getString()));
  out.key.set_authority(AuthorityName(q.getColumn(1).getString()));
  SetRoles(static_cast<uint32_t>(q.getColumn(2).getInt64()), out.key);
  out.key.set_display_name(q.getColumn(3).getString());
  out.secret_sha256 = ColumnBytes(q, 4);
  *out.key.mutable_create_time() = ToTimestamp(q.getColumn(5).getInt64());
  if (!q.getColumn(6).isNull()) {
    out.revoked = true;
    *out.key.mutable_revoke_time() = ToTimestamp(q.getColumn(6).getInt64());
  }
  return out;
}

template <typename T>
absl::StatusOr<T> ReadProfileRow(SQLite::Database& db, const char* table,
                                 absl::string_view authority_id, int64_t row_id,
                                 const char* what) {
  SQLite::Statement q(db, absl::StrCat("SELECT profile FROM ", table,
                                       " WHERE id = ? AND authority_id = ?"));
  q.bind(1, row_id);
  q.bind(2, std::string(authority_id));
  if (!q.executeStep()) {
    return absl::NotFoundError(absl::StrCat("no such ", what));
  }
  return ParseProfile<T>(q, 0);
}

absl::StatusOr<v1::Authority> ReadAuthority(SQLite::Database& db,
                                            absl::string_view id) {
  SQLite::Statement q(db, "SELECT profile FROM authorities WHERE id = ?");
  q.bind(1, std::string(id));
  if (!q.executeStep()) {
    return absl::NotFoundError(absl::StrCat("no authority \"", id, "\""));
  }
  return ParseProfile<v1::Authority>(q, 0);
}

// Runs a paged SELECT of `profile, id` rows: `sql` ends with its WHERE
// conditions; binds are applied by `bind`.
template <typename T>
absl::StatusOr<Page<T>> ReadPage(
    SQLite::Database& db, const std::string& select_where,
    const std::function<void(SQLite::Statement&)>& bind,
    const PageRequest& page) {
  SQLite::Statement q(
      db, absl::StrCat(select_where, " ORDER BY 2 LIMIT ", page.page_size + 1));
  bind(q);
  Page<T> out;
  int64_t last = 0;
  while (q.executeStep()) {
    if (static_cast<int>(out.items.size()) == page.page_size) {
      out.next_after = last;
      break;
    }
    ASSIGN_OR_RETURN(T item, ParseProfile<T>(q, 0));
    last = q.getColumn(1).getInt64();
    out.items.push_back(std::move(item));
  }
  return out;
}

}  // namespace

RequestKey MakeRequestKey(std::string scope, absl::string_view method,
                          const google::protobuf::Message& request) {
  std::unique_ptr<google::protobuf::Message> copy(request.New());
  copy->CopyFrom(request);
  const auto* field = copy->GetDescriptor()->FindFieldByName("request_id");
  std::string request_id;
  if (field != nullptr) {
    request_id = copy->GetReflection()->GetString(*copy, field);
    copy->GetReflection()->ClearField(copy.get(), field);
  }
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream out(&stream);
    out.SetSerializationDeterministic(true);
    copy->SerializeToCodedStream(&out);
  }
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
         digest);
  return RequestKey{
      std::move(scope), std::move(request_id), std::string(method),
      std::string(reinterpret_cast<char*>(digest), SHA256_DIGEST_LENGTH)};
}

std::string ChildId(int64_t row_id) { return absl::StrCat("c", row_id); }
std::string AdopterId(int64_t row_id) { return absl::StrCat("h", row_id); }
std::string FollowId(int64_t row_id) { return absl::StrCat("f", row_id); }

std::optional<int64_t> ParseRowId(absl::string_view id, char prefix) {
  int64_t row = 0;
  if (id.size() < 2 || id[0] != prefix ||
      !absl::SimpleAtoi(id.substr(1), &row) || row <= 0 ||
      id.substr(1) != absl::StrCat(row)) {
    return std::nullopt;
  }
  return row;
}

// ---------------- StoreTx ----------------

absl::StatusOr<std::optional<StoredRequest>> StoreTx::FindRequest(
    absl::string_view scope, absl::string_view request_id) {
  SQLite::Statement q(db_,
                      "SELECT method, body_sha256, response FROM requests "
                      "WHERE scope = ? AND request_id = ?");
  q.bind(1, std::string(scope));
  q.bind(2, std::string(request_id));
  if (!q.executeStep()) return std::nullopt;
  return StoredRequest{q.getColumn(0).getString(), ColumnBytes(q, 1),
                       ColumnBytes(q, 2)};
}

absl::Status StoreTx::RecordRequest(const RequestKey& key,
                                    const std::string& response) {
  SQLite::Statement q(db_, "INSERT INTO requests VALUES (?,?,?,?,?,?)");
  q.bind(1, key.scope);
  q.bind(2, key.request_id);
  q.bind(3, key.method);
  BindBlob(q, 4, key.body_hash);
  BindBlob(q, 5, response);
  q.bind(6, Micros(clock_));
  q.exec();
  return absl::OkStatus();
}

absl::StatusOr<v1::Authority> StoreTx::GetAuthority(absl::string_view id) {
  return ReadAuthority(db_, id);
}

absl::Status StoreTx::InsertAuthority(const v1::Authority& authority) {
  int64_t now = Micros(clock_);
  v1::Authority a = authority;
  *a.mutable_create_time() = ToTimestamp(now);
  *a.mutable_update_time() = ToTimestamp(now);
  SQLite::Statement q(
      db_,
      "INSERT INTO authorities (id, display_name, kind, region, "
      "london_weighting, status, joined_on, withdrawn_on, profile, "
      "create_time, update_time) VALUES (?,?,?,?,?,?,?,?,?,?,?)");
  BindAuthority(q, a, IdOf(a.name()), now, now);
  q.exec();
  changed_authorities_.push_back(std::move(a));
  return absl::OkStatus();
}

absl::Status StoreTx::UpdateAuthority(const v1::Authority& authority) {
  int64_t now = Micros(clock_);
  v1::Authority a = authority;
  *a.mutable_update_time() = ToTimestamp(now);
  SQLite::Statement q(
      db_,
      "UPDATE authorities SET id = ?1, display_name = ?2, kind = ?3, "
      "region = ?4, london_weighting = ?5, status = ?6, joined_on = ?7, "
      "withdrawn_on = ?8, profile = ?9, update_time = ?11 WHERE id = ?1");
  BindAuthority(q, a, IdOf(a.name()), 0, now);
  if (q.exec() != 1) return absl::NotFoundError("no such authority");
  changed_authorities_.push_back(std::move(a));
  return absl::OkStatus();
}

absl::StatusOr<v1::Child> StoreTx::GetChild(absl::string_view authority_id,
                                            int64_t row_id) {
  return ReadProfileRow<v1::Child>(db_, "children", authority_id, row_id,
                                   "child");
}

absl::Status StoreTx::InsertChild(absl::string_view authority_id,
                                  v1::Child& child) {
  int64_t now = Micros(clock_);
  *child.mutable_create_time() = ToTimestamp(now);
  *child.mutable_update_time() = ToTimestamp(now);
  ChildColumns c = ProjectChild(child);
  SQLite::Statement q(
      db_,
      "INSERT INTO children (authority_id, status, group_size, "
      "min_age_months, max_age_months, need_mask, region, profile, "
      "create_time, update_time) VALUES (?,?,?,?,?,?,?, x'', ?, ?)");
  q.bind(1, std::string(authority_id));
  q.bind(2, child.status());
  q.bind(3, c.group_size);
  q.bind(4, c.min_age);
  q.bind(5, c.max_age);
  q.bind(6, c.need_mask);
  q.bind(7, child.region());
  q.bind(8, now);
  q.bind(9, now);
  q.exec();
  int64_t row = db_.getLastInsertRowid();
  child.set_name(
      absl::StrCat(AuthorityName(authority_id), "/children/", ChildId(row)));
  SQLite::Statement set(
      db_, "UPDATE children SET profile = ?, ages_as_of = ? WHERE id = ?");
  BindBlob(set, 1, child.SerializeAsString());
  set.bind(2, FormatDate(child.ages_as_of()));
  set.bind(3, row);
  set.exec();
  changed_children_.push_back({row, child});
  return absl::OkStatus();
}

absl::Status StoreTx::UpdateChild(v1::Child& child) {
  absl::string_view name = child.name();
  std::optional<int64_t> row = ParseRowId(IdOf(name), 'c');
  if (!row.has_value()) return absl::NotFoundError("no such child");
  *child.mutable_update_time() = ToTimestamp(Micros(clock_));
  ChildColumns c = ProjectChild(child);
  SQLite::Statement q(db_,
                      "UPDATE children SET status = ?, group_size = ?, "
                      "min_age_months = ?, max_age_months = ?, need_mask = ?, "
                      "region = ?, profile = ?, update_time = ? WHERE id = ?");
  q.bind(1, child.status());
  q.bind(2, c.group_size);
  q.bind(3, c.min_age);
  q.bind(4, c.max_age);
  q.bind(5, c.need_mask);
  q.bind(6, child.region());
  BindBlob(q, 7, child.SerializeAsString());
  q.bind(8, Micros(clock_));
  q.bind(9, *row);
  if (q.exec() != 1) return absl::NotFoundError("no such child");
  SQLite::Statement as_of(db_,
                          "UPDATE children SET ages_as_of = ? WHERE id = ?");
  as_of.bind(1, FormatDate(child.ages_as_of()));
  as_of.bind(2, *row);
  as_of.exec();
  changed_children_.push_back({*row, child});
  return absl::OkStatus();
}

namespace {

const char* KindName(RecordKind kind) {
  return kind == RecordKind::kChild ? "child" : "adopter";
}

}  // namespace

absl::Status StoreTx::InsertStatusChange(
    RecordKind kind, absl::string_view authority_id, int64_t row_id,
    int from_status, int to_status, absl::string_view reason,
    absl::string_view key_id, absl::string_view changed_by) {
  SQLite::Statement q(
      db_,
      "INSERT INTO status_changes (record_kind, authority_id, record_id, "
      "from_status, to_status, reason, key_id, changed_by, change_time) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  q.bind(1, KindName(kind));
  q.bind(2, std::string(authority_id));
  q.bind(3, row_id);
  q.bind(4, from_status);
  q.bind(5, to_status);
  q.bind(6, std::string(reason));
  q.bind(7, std::string(key_id));
  q.bind(8, std::string(changed_by));
  q.bind(9, Micros(clock_));
  q.exec();
  return absl::OkStatus();
}

absl::StatusOr<v1::Adopter> StoreTx::GetAdopter(absl::string_view authority_id,
                                                int64_t row_id) {
  return ReadProfileRow<v1::Adopter>(db_, "adopters", authority_id, row_id,
                                     "adopter");
}

namespace {

// Binds every projected adopter column; returns the next free index.
int BindAdopterColumns(SQLite::Statement& q, const v1::Adopter& a) {
  int i = 1;
  q.bind(i++, a.status());
  if (IsUnset(a.approved_on())) {
    q.bind(i++);
  } else {
    q.bind(i++, FormatDate(a.approved_on()));
  }
  q.bind(i++, a.approved_for());
  q.bind(i++, a.min_age_months());
  q.bind(i++, a.max_age_months());
  q.bind(i++, a.sex_preference());
  q.bind(i++, a.region());
  q.bind(i++, JsonArray(a.excluded_regions()));
  q.bind(i++, a.dual_approved() ? 1 : 0);
  q.bind(i++, a.max_contact());
  int64_t heritage = 0;
  for (int h : a.heritage()) heritage |= int64_t{1} << h;
  q.bind(i++, heritage);
  q.bind(i++, a.religion());
  q.bind(i++, JsonArray(a.languages()));
  int levels[9];
  std::fill(std::begin(levels), std::end(levels), v1::NEED_LEVEL_NONE);
  for (const v1::NeedLimit& l : a.need_limits()) {
    levels[l.category() - 1] = l.max_level();
  }
  for (int level : levels) q.bind(i++, level);
  BindBlob(q, i++, a.SerializeAsString());
  return i;
}

constexpr char kAdopterColumns[] =
    "status, approved_on, approved_for, min_age_months, max_age_months, "
    "sex_preference, region, excluded_regions, dual_approved, max_contact, "
    "heritage_mask, religion, languages, max_physical_disability, "
    "max_learning_disability, max_global_developmental_delay, "
    "max_medical_condition, max_emotional_and_behavioural, "
    "max_foetal_alcohol_spectrum, max_sexualised_behaviour, "
    "max_uncertain_developmental_prognosis, max_attachment_difficulties, "
    "profile";

}  // namespace

absl::Status StoreTx::InsertAdopter(absl::string_view authority_id,
                                    v1::Adopter& adopter) {
  int64_t now = Micros(clock_);
  *adopter.mutable_create_time() = ToTimestamp(now);
  *adopter.mutable_update_time() = ToTimestamp(now);
  // The name holds the row id, which exists only after the insert: insert,
  // then store the named profile.
  std::string placeholders;
  for (int k = 0; k < 23; ++k) absl::StrAppend(&placeholders, k ? ",?" : "?");
  SQLite::Statement insert(
      db_, absl::StrCat("INSERT INTO adopters (", kAdopterColumns,
                        ", authority_id, create_time, update_time) VALUES (",
                        placeholders, ",?,?,?)"));
  int i = BindAdopterColumns(insert, adopter);
  insert.bind(i++, std::string(authority_id));
  insert.bind(i++, now);
  insert.bind(i++, now);
  insert.exec();
  int64_t row = db_.getLastInsertRowid();
  adopter.set_name(
      absl::StrCat(AuthorityName(authority_id), "/adopters/", AdopterId(row)));
  SQLite::Statement set(db_, "UPDATE adopters SET profile = ? WHERE id = ?");
  BindBlob(set, 1, adopter.SerializeAsString());
  set.bind(2, row);
  set.exec();
  changed_adopters_.push_back({row, adopter});
  return absl::OkStatus();
}

absl::Status StoreTx::UpdateAdopter(v1::Adopter& adopter) {
  std::optional<int64_t> row = ParseRowId(IdOf(adopter.name()), 'h');
  if (!row.has_value()) return absl::NotFoundError("no such adopter");
  int64_t now = Micros(clock_);
  *adopter.mutable_update_time() = ToTimestamp(now);
  std::string sets;
  std::string columns = kAdopterColumns;
  for (absl::string_view col : absl::StrSplit(columns, ", ")) {
    absl::StrAppend(&sets, sets.empty() ? "" : ", ", col, " = ?");
  }
  SQLite::Statement q(db_, absl::StrCat("UPDATE adopters SET ", sets,
                                        ", update_time = ? WHERE id = ?"));
  int i = BindAdopterColumns(q, adopter);
  q.bind(i++, now);
  q.bind(i++, *row);
  if (q.exec() != 1) return absl::NotFoundError("no such adopter");
  changed_adopters_.push_back({*row, adopter});
  return absl::OkStatus();
}

absl::Status StoreTx::InsertApiKey(const v1::ApiKey& key,
                                   absl::string_view secret_sha256) {
  SQLite::Statement q(db_,
                      "INSERT INTO api_keys (id, authority_id, roles, "
                      "display_name, secret_sha256, create_time) "
                      "VALUES (?,?,?,?,?,?)");
  q.bind(1, std::string(IdOf(key.name())));
  q.bind(2, std::string(IdOf(key.authority())));
  q.bind(3, static_cast<int64_t>(RolesMask(key)));
  q.bind(4, key.display_name());
  BindBlob(q, 5, std::string(secret_sha256));
  q.bind(6, TimeUtil::TimestampToMicroseconds(key.create_time()));
  q.exec();
  return absl::OkStatus();
}

absl::StatusOr<StoredApiKey> StoreTx::GetApiKey(absl::string_view key_id) {
  return ReadApiKey(db_, key_id);
}

absl::Status StoreTx::RevokeApiKey(absl::string_view key_id) {
  SQLite::Statement q(db_,
                      "UPDATE api_keys SET revoke_time = ? WHERE id = ? AND "
                      "revoke_time IS NULL");
  q.bind(1, Micros(clock_));
  q.bind(2, std::string(key_id));
  q.exec();
  return absl::OkStatus();
}

namespace {

absl::StatusOr<v1::MatchingPolicy> ReadLatestPolicy(SQLite::Database& db) {
  SQLite::Statement q(db,
                      "SELECT policy FROM matching_policies ORDER BY version "
                      "DESC LIMIT 1");
  if (!q.executeStep()) return absl::NotFoundError("no matching policy");
  return ParseProfile<v1::MatchingPolicy>(q, 0);
}

absl::StatusOr<std::vector<v1::Region>> ReadRegions(SQLite::Database& db) {
  std::vector<v1::Region> out;
  SQLite::Statement q(db, "SELECT profile FROM regions ORDER BY slug");
  while (q.executeStep()) {
    ASSIGN_OR_RETURN(v1::Region region, ParseProfile<v1::Region>(q, 0));
    out.push_back(std::move(region));
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<v1::Region>> StoreTx::ListRegions() {
  return ReadRegions(db_);
}

absl::Status StoreTx::InsertRegion(v1::Region& region) {
  int64_t now = Micros(clock_);
  *region.mutable_create_time() = ToTimestamp(now);
  SQLite::Statement q(db_, "INSERT INTO regions VALUES (?,?,?,?,?,?)");
  q.bind(1, std::string(IdOf(region.name())));
  q.bind(2, region.display_name());
  q.bind(3, static_cast<int>(region.kind()));
  q.bind(4, region.parent());
  BindBlob(q, 5, region.SerializeAsString());
  q.bind(6, now);
  q.exec();
  return absl::OkStatus();
}

absl::StatusOr<v1::MatchingPolicy> StoreTx::LatestMatchingPolicy() {
  return ReadLatestPolicy(db_);
}

absl::Status StoreTx::InsertMatchingPolicy(v1::MatchingPolicy& policy) {
  int64_t next = db_.execAndGet(
                        "SELECT COALESCE(MAX(version), 0) + 1 FROM "
                        "matching_policies")
                     .getInt64();
  int64_t now = Micros(clock_);
  policy.set_name("matchingPolicy");
  policy.set_version(next);
  *policy.mutable_update_time() = ToTimestamp(now);
  SQLite::Statement q(db_, "INSERT INTO matching_policies VALUES (?,?,?,?)");
  q.bind(1, next);
  BindBlob(q, 2, policy.SerializeAsString());
  q.bind(3, policy.updated_by());
  q.bind(4, now);
  q.exec();
  return absl::OkStatus();
}

// ---------------- Store ----------------

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const std::string& path,
                                                   const Clock& clock) {
  absl::StatusOr<std::unique_ptr<Store>> store = OpenUnguarded(path, clock);
  if (!store.ok() && absl::IsInternal(store.status())) {
    return absl::Status(store.status().code(),
                        absl::StrCat(path, ": ", store.status().message()));
  }
  return store;
}

absl::StatusOr<std::unique_ptr<Store>> Store::OpenUnguarded(
    const std::string& path, const Clock& clock) {
  return Guard([&]() -> absl::StatusOr<std::unique_ptr<Store>> {
    auto db = std::make_unique<SQLite::Database>(
        path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db->exec("PRAGMA journal_mode = WAL");
    db->exec("PRAGMA synchronous = FULL");
    db->exec("PRAGMA foreign_keys = ON");
    db->setBusyTimeout(5000);
    db->exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER "
        "PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
    int64_t current = db->execAndGet(
                            "SELECT COALESCE(MAX(version), 0) FROM "
                            "schema_migrations")
                          .getInt64();
    if (current > kSchemaVersion) {
      return absl::FailedPreconditionError(absl::StrCat(
          path, " was written by a newer raamatch (schema version ", current,
          "; this build knows up to ", kSchemaVersion,
          "). Upgrade raamatchd, or restore a backup made by this version."));
    }
    for (const Migration& m : Migrations()) {
      if (m.version <= current) continue;
      SQLite::Transaction tx(*db, SQLite::TransactionBehavior::IMMEDIATE);
      db->exec(m.sql);
      SQLite::Statement q(*db,
                          "INSERT INTO schema_migrations VALUES (?, ?, "
                          "strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))");
      q.bind(1, m.version);
      q.bind(2, m.name);
      q.exec();
      tx.commit();
    }
    FillAgesAsOf(*db);
    auto read = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READONLY);
    read->setBusyTimeout(5000);
    return std::unique_ptr<Store>(
        new Store(path, clock, std::move(db), std::move(read)));
  });
}

Store::Store(std::string path, const Clock& clock,
             std::unique_ptr<SQLite::Database> write_db,
             std::unique_ptr<SQLite::Database> read_db)
    : path_(std::move(path)),
      clock_(clock),
      write_db_(std::move(write_db)),
      read_db_(std::move(read_db)) {}

Store::~Store() = default;

void Store::SetListener(StoreListener* listener) {
  absl::MutexLock lock(&write_mu_);
  listener_ = listener;
}

absl::StatusOr<std::string> Store::WriteSerialized(
    const RequestKey& key,
    absl::FunctionRef<absl::StatusOr<std::string>(StoreTx&)> body,
    bool& replayed) {
  // A call nobody waits for any more neither queues for the lock nor, once
  // it has it, makes the others wait longer.
  RETURN_IF_ERROR(CurrentCallWanted());
  absl::MutexLock lock(&write_mu_);
  RETURN_IF_ERROR(CurrentCallWanted());
  // Taken under write_mu_, which is held to the end: the lambda below uses
  // these, not the guarded fields (the thread-safety analysis cannot see
  // into a lambda).
  SQLite::Database& db = *write_db_;
  StoreListener* const listener = listener_;
  StoreTx tx(db, clock_);
  bool told = false;  // the listener has taken changes in
  absl::StatusOr<std::string> result =
      Guard([&]() -> absl::StatusOr<std::string> {
        SQLite::Transaction transaction(db,
                                        SQLite::TransactionBehavior::IMMEDIATE);
        if (!key.request_id.empty()) {
          ASSIGN_OR_RETURN(std::optional<StoredRequest> seen,
                           tx.FindRequest(key.scope, key.request_id));
          if (seen.has_value()) {
            if (seen->method != key.method ||
                seen->body_hash != key.body_hash) {
              return absl::AlreadyExistsError(
                  absl::StrCat("request_id \"", key.request_id,
                               "\" was already used for a different request"));
            }
            replayed = true;
            return seen->response;
          }
        }
        absl::StatusOr<std::string> response = body(tx);
        if (!response.ok()) return response;  // rolled back
        if (listener != nullptr) {
          RETURN_IF_ERROR(
              listener->Admit(tx.changed_children_, tx.changed_adopters_));
          told = true;
          for (const v1::Authority& a : tx.changed_authorities_) {
            listener->OnAuthorityChanged(a);
          }
          for (const Row<v1::Child>& c : tx.changed_children_) {
            listener->OnChildChanged(c.row_id, c.value);
          }
          for (const Row<v1::Adopter>& a : tx.changed_adopters_) {
            listener->OnAdopterChanged(a.row_id, a.value);
          }
          for (const Row<v1::Follow>& f : tx.changed_follows_) {
            listener->OnFollowChanged(f.row_id, f.value);
          }
          RETURN_IF_ERROR(listener->WriteDerived(tx));
        }
        if (!key.request_id.empty()) {
          RETURN_IF_ERROR(tx.RecordRequest(key, *response));
        }
        transaction.commit();
        return response;
      });
  if (told) {
    if (result.ok()) {
      listener->Committed();
    } else {
      listener->RolledBack();
    }
  }
  return result;
}

absl::StatusOr<v1::Authority> Store::GetAuthority(absl::string_view id) {
  absl::MutexLock lock(&read_mu_);
  SQLite::Database& db = *read_db_;
  return Guard([&] { return ReadAuthority(db, id); });
}

absl::StatusOr<Page<v1::Authority>> Store::ListAuthorities(
    v1::AuthorityStatus status, const PageRequest& page) {
  absl::MutexLock lock(&read_mu_);
  SQLite::Database& db = *read_db_;
  return Guard([&] {
    std::string sql = "SELECT profile, rowid FROM authorities WHERE rowid > ?";
    if (status != v1::AUTHORITY_STATUS_UNSPECIFIED) sql += " AND status = ?";
    return ReadPage<v1::Authority>(
        db, sql,
        [&](SQLite::Statement& q) {
          q.bind(1, page.after);
          if (status != v1::AUTHORITY_STATUS_UNSPECIFIED) q.bind(2, status);
        },
        page);
  });
}

absl::StatusOr<v1::Child> Store::GetChild(absl::string_view authority_id,
                                          int64_t row_id) {
  absl::MutexLock lock(&read_mu_);
  SQLite::Database& db = *read_db_;
  return Guard([&] {
    return ReadProfileRow<v1::Child>(db, "children", authority_id, row_id,
                                     "child");
  });
}

absl::StatusOr<Page<v1::Child>> Store::ListChildren(const ChildFilter& f,
                                                    const PageRequest& page) {
  absl::MutexLock lock(&read_mu_);
  SQLite::Database& db = *read_db_;
  return Guard([&] {
    std::string sql = "SELECT profile, id FROM children WHERE id > ?1";
    if (!f.authority_id.empty()) sql += " AND authority_id = ?2";
    if (f.status != v1::CHILD_STATUS_UNSPECIFIED) sql += " AND status = ?3";
    // Ages on f.ages_on: the stored ones plus the months since ages_as_of.
    const std::string moved =
        f.ages_on.empty() || !(f.min_age_months || f.max_age_months)
            ? std::string()
            : absl::StrCat(" + COALESCE(", kMonthsSinceAgesAsOf, ", 0)");
    if (f.min_age_months) {
      absl::StrAppend(&sql, " AND max_age_months", moved, " >= ?4");
    }
    if (f.max_age_months) {
      absl::StrAppend(&sql, " AND min_age_months", moved, " <= ?5");
    }
    if (f.group_size > 0) sql += " AND group_size = ?6";
    if (f.need != v1::NEED_CATEGORY_UNSPECIFIED) {
      sql += " AND (need_mask & ?7) != 0";
    }
    return ReadPage<v1::Child>(
        db, sql,
        [&](SQLite::Statement& q) {
          q.bind(1, page.after);
          if (!f.authority_id.empty()) q.bind(2, f.authority_id);
          if (f.status != v1::CHILD_STATUS_UNSPECIFIED) q.bind(3, f.status);
          if (f.min_age_months) q.bind(4, *f.min_age_months);
          if (f.max_age_months) q.bind(5, *f.max_age_months);
          if (f.group_size > 0) q.bind(6, f.group_size);
          if (f.need != v1::NEED_CATEGORY_UNSPECIFIED) {
            q.bind(7, int64_t{1} << f.need);
          }
          if (!moved.empty()) q.bind(8, f.ages_on);
        },
        page);
  });
}

absl::StatusOr<v1::Adopter> Store::GetAdopter(absl::string_view authority_id,
                                              int64_t row_id) {
  absl::MutexLock lock(&read_mu_);
  SQLite::Database& db = *read_db_;
  return Guard([&] {
    return ReadProfileRow<v1::Adopter>(db, "adopters", authority_id, row_id,
                                       "adopter");
  });
}

absl::StatusOr<Page<v1::Adopter>> Store::ListAdopters(const AdopterFilter& f,
                                                      const PageRequest& page) {
  absl::MutexLock lock(&read_mu_);
  SQLite::Database& db = *read_db_;
  return Guard([&] {
    std::string sql = "SELECT profile, id FROM adopters WHERE id > ?1";
    if (!f.authority_id.empty()) sql += " AND authority_id = ?2";
    if (f.status != v1::ADOPTER_STATUS_UNSPECIFIED) sql += " AND status = ?3";
    if (f.age_months) {
      sql += " AND min_age_months <= ?4 AND max_age_months >= ?4";
    }
    if (f.group_size > 0) sql += " AND approved_for >= ?5";
    if (f.need != v1::NEED_CATEGORY_UNSPECIFIED) {
      absl::StrAppend(&sql, " AND ", kNeedColumns[f.need - 1],
                      " >= ", static_cast<int>(v1::NEED_LEVEL_MILD));
    }
    return ReadPage<v1::Adopter>(
        db, sql,
        [&](SQLite::Statement& q) {
          q.bind(1, page.after);
          if (!f.authority_id.empty()) q.bind(2, f.authority_id);
          if (f.status != v1::ADOPTER_STATUS_UNSPECIFIED) q.bind(3, f.status);
          if (f.age_months) q.bind(4, *f.age_months);
          if (f.group_size > 0) q.bind(5, f.group_size);
        },
        page);
  });
}

absl::StatusOr<StoredApiKey> Store::GetApiKey(absl::string_view key_id) {
  absl::MutexLock lock(&read_mu_);
  SQLite::Database& db = *read_db_;
  return Guard([&] { return ReadApiKey(db, key_id); });
}

absl::StatusOr<std::vector<v1::StatusChange>> Store::ListStatusChanges(
    RecordKind kind, absl::string_view authority_id, int64_t row_id) {
  absl::MutexLock lock(&read_mu_);
  SQLite::Database& db = *read_db_;
  return Guard([&]() -> absl::StatusOr<std::vector<v1::StatusChange>> {
    SQLite::Statement q(
        db,
        "SELECT from_status, to_status, reason, key_id, changed_by, "
        "change_time FROM status_changes WHERE record_kind = ? AND "
        "authority_id = ? AND record_id = ? ORDER BY id");
    q.bind(1, KindName(kind));
    q.bind(2, std::string(authority_id));
    q.bind(3, row_id);
    std::vector<v1::StatusChange> out;
    while (q.executeStep()) {
      v1::StatusChange& c = out.emplace_back();
      const int from = q.getColumn(0).getInt();
      const int to = q.getColumn(1).getInt();
      if (kind == RecordKind::kChild) {
        c.set_from_status(
            v1::ChildStatus_Name(static_cast<v1::ChildStatus>(from)));
        c.set_to_status(v1::ChildStatus_Name(static_cast<v1::ChildStatus>(to)));
      } else {
        c.set_from_status(
            v1::AdopterStatus_Name(static_cast<v1::AdopterStatus>(from)));
        c.set_to_status(
            v1::AdopterStatus_Name(static_cast<v1::AdopterStatus>(to)));
      }
      c.set_reason(q.getColumn(2).getString());
      c.set_key_id(q.getColumn(3).getString());
      c.set_authority(AuthorityName(q.getColumn(4).getString()));
      *c.mutable_change_time() = ToTimestamp(q.getColumn(5).getInt64());
    }
    return out;
  });
}

absl::StatusOr<Page<v1::ApiKey>> Store::ListApiKeys(
    absl::string_view authority_id, const PageRequest& page) {
  absl::MutexLock lock(&read_mu_);
  SQLite::Database& db = *read_db_;
  return Guard([&]() -> absl::StatusOr<Page<v1::ApiKey>> {
    std::string sql = "SELECT id, rowid FROM api_keys WHERE rowid > ?";
    if (!authority_id.empty()) sql += " AND authority_id = ?";
    SQLite::Statement q(
        db, absl::StrCat(sql, " ORDER BY rowid LIMIT ", page.page_size + 1));
    q.bind(1, page.after);
    if (!authority_id.empty()) q.bind(2, std::string(authority_id));
    Page<v1::ApiKey> out;
    int64_t last = 0;
    while (q.executeStep()) {
      if (static_cast<int>(out.items.size()) == page.page_size) {
        out.next_after = last;
        break;
      }
      ASSIGN_OR_RETURN(StoredApiKey key,
                       ReadApiKey(db, q.getColumn(0).getString()));
      last = q.getColumn(1).getInt64();
      out.items.push_back(std::move(key.key));
    }
    return out;
  });
}

absl::StatusOr<int64_t> Store::CountApiKeys() {
  absl::MutexLock lock(&read_mu_);
  SQLite::Database& db = *read_db_;
  return Guard([&]() -> absl::StatusOr<int64_t> {
    return db.execAndGet("SELECT COUNT(*) FROM api_keys").getInt64();
  });
}

absl::StatusOr<MemberRecordCounts> Store::CountMemberRecords(
    absl::string_view authority_id) {
  absl::MutexLock lock(&read_mu_);
  SQLite::Database& db = *read_db_;
  return Guard([&]() -> absl::StatusOr<MemberRecordCounts> {
    MemberRecordCounts counts;
    const std::string id(authority_id);
    SQLite::Statement children(db,
                               "SELECT status, COUNT(*), SUM(group_size) "
                               "FROM children WHERE authority_id = ? "
                               "GROUP BY status");
    children.bind(1, id);
    while (children.executeStep()) {
      counts.children[static_cast<v1::ChildStatus>(
          children.getColumn(0).getInt())] = {children.getColumn(1).getInt(),
                                              children.getColumn(2).getInt()};
    }
    SQLite::Statement households(db,
                                 "SELECT status, COUNT(*) FROM adopters "
                                 "WHERE authority_id = ? GROUP BY status");
    households.bind(1, id);
    while (households.executeStep()) {
      counts.households[static_cast<v1::AdopterStatus>(
          households.getColumn(0).getInt())] = households.getColumn(1).getInt();
    }
    SQLite::Statement keys(db,
                           "SELECT COUNT(*) FROM api_keys WHERE authority_id "
                           "= ? AND revoke_time IS NULL");
    keys.bind(1, id);
    keys.executeStep();
    counts.active_keys = keys.getColumn(0).getInt();
    return counts;
  });
}

absl::StatusOr<v1::MatchingPolicy> Store::LatestMatchingPolicy() {
  absl::MutexLock lock(&read_mu_);
  SQLite::Database& db = *read_db_;
  return Guard([&] { return ReadLatestPolicy(db); });
}

absl::StatusOr<std::vector<v1::Region>> Store::ListRegions() {
  absl::MutexLock lock(&read_mu_);
  SQLite::Database& db = *read_db_;
  return Guard([&] { return ReadRegions(db); });
}

absl::Status Store::ScanChildren(
    absl::FunctionRef<void(int64_t, const v1::Child&)> fn) {
  absl::MutexLock lock(&read_mu_);
  SQLite::Database& db = *read_db_;
  return Guard([&]() -> absl::Status {
    SQLite::Statement q(db, "SELECT id, profile FROM children ORDER BY id");
    while (q.executeStep()) {
      ASSIGN_OR_RETURN(v1::Child child, ParseProfile<v1::Child>(q, 1));
      fn(q.getColumn(0).getInt64(), child);
    }
    return absl::OkStatus();
  });
}

absl::Status Store::ScanAdopters(
    absl::FunctionRef<void(int64_t, const v1::Adopter&)> fn) {
  absl::MutexLock lock(&read_mu_);
  SQLite::Database& db = *read_db_;
  return Guard([&]() -> absl::Status {
    SQLite::Statement q(db, "SELECT id, profile FROM adopters ORDER BY id");
    while (q.executeStep()) {
      ASSIGN_OR_RETURN(v1::Adopter adopter, ParseProfile<v1::Adopter>(q, 1));
      fn(q.getColumn(0).getInt64(), adopter);
    }
    return absl::OkStatus();
  });
}

absl::Status Store::Backup(const std::string& path) {
  absl::MutexLock lock(&write_mu_);
  SQLite::Database& db = *write_db_;
  return Guard([&]() -> absl::Status {
    SQLite::Database target(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    SQLite::Backup backup(target, db);
    backup.executeStep();  // all pages at once
    return absl::OkStatus();
  });
}

}  // namespace raa
