#include "services/auth/key_rows.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "google/protobuf/util/time_util.h"
#include "services/store/sql.h"

namespace raa {
namespace {

using google::protobuf::util::TimeUtil;

using store_internal::BindBlob;
using store_internal::ColumnBytes;
using store_internal::ToTimestamp;

std::string AuthorityName(absl::string_view id) {
  return absl::StrCat("authorities/", id);
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

}  // namespace

namespace key_rows {

// ---------------- Inside a write ----------------

absl::Status InsertApiKey(StoreTx& tx, const v1::ApiKey& key,
                          absl::string_view secret_sha256) {
  SQLite::Statement q(tx.db(),
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

absl::StatusOr<StoredApiKey> GetApiKey(StoreTx& tx, absl::string_view key_id) {
  return ReadApiKey(tx.db(), key_id);
}

absl::Status RevokeApiKey(StoreTx& tx, absl::string_view key_id) {
  SQLite::Statement q(tx.db(),
                      "UPDATE api_keys SET revoke_time = ? WHERE id = ? AND "
                      "revoke_time IS NULL");
  q.bind(1, tx.NowMicros());
  q.bind(2, std::string(key_id));
  q.exec();
  return absl::OkStatus();
}

// ---------------- Reads ----------------

absl::StatusOr<StoredApiKey> GetApiKey(Store& store, absl::string_view key_id) {
  return store.Read(
      [&](SQLite::Database& db) { return ReadApiKey(db, key_id); });
}

absl::StatusOr<Page<v1::ApiKey>> ListApiKeys(Store& store,
                                             absl::string_view authority_id,
                                             const PageRequest& page) {
  return store.Read(
      [&](SQLite::Database& db) -> absl::StatusOr<Page<v1::ApiKey>> {
        std::string sql = "SELECT id, rowid FROM api_keys WHERE rowid > ?";
        if (!authority_id.empty()) sql += " AND authority_id = ?";
        SQLite::Statement q(db, absl::StrCat(sql, " ORDER BY rowid LIMIT ",
                                             page.page_size + 1));
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

absl::StatusOr<int64_t> CountApiKeys(Store& store) {
  return store.Read([&](SQLite::Database& db) -> absl::StatusOr<int64_t> {
    return db.execAndGet("SELECT COUNT(*) FROM api_keys").getInt64();
  });
}

}  // namespace key_rows
}  // namespace raa
