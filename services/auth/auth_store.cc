#include "services/auth/auth_store.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "SQLiteCpp/Statement.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "libs/clients/audit_client.h"
#include "libs/db/database.h"
#include "libs/db/store.h"
#include "libs/outbox/outbox.h"
#include "libs/status/status_macros.h"
#include "services/auth/migrations.h"

namespace helpdesk::auth {
namespace {

constexpr char kInsertUserSql[] =
    "INSERT INTO users (email, name, role, password_hash, create_time) "
    "VALUES (?, ?, ?, ?, ?)";
constexpr char kSelectUserByEmailSql[] =
    "SELECT id, email, name, role, password_hash, create_time FROM users "
    "WHERE email = ?";
constexpr char kSelectUserByIdSql[] =
    "SELECT id, email, name, role, password_hash, create_time FROM users "
    "WHERE id = ?";
constexpr char kListUsersSql[] =
    "SELECT id, email, name, role, password_hash, create_time FROM users "
    "WHERE id > ? ORDER BY id LIMIT ?";
constexpr char kListUsersByRoleSql[] =
    "SELECT id, email, name, role, password_hash, create_time FROM users "
    "WHERE role = ? AND id > ? ORDER BY id LIMIT ?";
constexpr char kUpdatePasswordHashSql[] =
    "UPDATE users SET password_hash = ? WHERE id = ?";
constexpr char kInsertSessionSql[] =
    "INSERT INTO sessions (token_digest, user_id, create_time, "
    "last_seen_time, absolute_expire_time) VALUES (?, ?, ?, ?, ?)";
constexpr char kSelectSessionSql[] =
    "SELECT s.user_id, u.role, s.last_seen_time, s.absolute_expire_time "
    "FROM sessions s JOIN users u ON u.id = s.user_id "
    "WHERE s.token_digest = ?";
constexpr char kTouchSessionSql[] =
    "UPDATE sessions SET last_seen_time = ? WHERE token_digest = ?";
constexpr char kSelectSessionUserSql[] =
    "SELECT user_id FROM sessions WHERE token_digest = ?";
constexpr char kDeleteSessionSql[] =
    "DELETE FROM sessions WHERE token_digest = ?";
constexpr char kPurgeSessionsSql[] =
    "DELETE FROM sessions WHERE absolute_expire_time <= ? OR "
    "last_seen_time <= ?";

constexpr size_t kMaxBatch = 1000;

UserRecord ReadUser(SQLite::Statement& row) {
  UserRecord user;
  user.id = row.getColumn(0).getInt64();
  user.email = row.getColumn(1).getString();
  user.name = row.getColumn(2).getString();
  user.role = static_cast<Role>(row.getColumn(3).getInt());
  user.password_hash = row.getColumn(4).getString();
  user.create_time = absl::FromUnixMicros(row.getColumn(5).getInt64());
  return user;
}

void BindBlob(SQLite::Statement& statement, int index,
              absl::string_view bytes) {
  statement.bind(index, bytes.data(), static_cast<int>(bytes.size()));
}

absl::Status Unauthenticated() {
  return absl::UnauthenticatedError("the session is invalid or has expired");
}

// The one user `sql` selects by `id`, or by `email` when it is not empty,
// read on `db` (the writer inside a transaction, or a reader).
absl::StatusOr<UserRecord> QueryOneUser(db::Database& db, const char* sql,
                                        int64_t id, absl::string_view email) {
  return db::Guard([&]() -> absl::StatusOr<UserRecord> {
    ASSIGN_OR_RETURN(SQLite::Statement * query, db.Prepare(sql));
    if (email.empty()) {
      query->bind(1, id);
    } else {
      query->bind(1, std::string(email));
    }
    if (!query->executeStep()) return absl::NotFoundError("no such user");
    UserRecord user = ReadUser(*query);
    query->reset();
    return user;
  });
}

// Inserts `user` on `writer` (id assigned); ALREADY_EXISTS (thrown, see
// db::Guard) when the email is taken.
absl::StatusOr<UserRecord> InsertUser(db::Database& writer,
                                      const UserRecord& user) {
  ASSIGN_OR_RETURN(SQLite::Statement * insert, writer.Prepare(kInsertUserSql));
  insert->bind(1, user.email);
  insert->bind(2, user.name);
  insert->bind(3, static_cast<int>(user.role));
  insert->bind(4, user.password_hash);
  insert->bind(5, absl::ToUnixMicros(user.create_time));
  insert->exec();
  UserRecord stored = user;
  stored.id = writer.connection().getLastInsertRowid();
  return stored;
}

}  // namespace

absl::StatusOr<std::unique_ptr<AuthStore>> AuthStore::Open(
    const std::string& path, int readers) {
  db::StoreOptions options;
  options.path = path;
  options.migrations = AuthMigrations();
  options.readers = readers;
  ASSIGN_OR_RETURN(std::unique_ptr<db::Store> store, db::Store::Open(options));
  return std::unique_ptr<AuthStore>(new AuthStore(std::move(store)));
}

absl::StatusOr<UserRecord> AuthStore::CreateUser(const UserRecord& user,
                                                 AuditPayloadFn audit) {
  UserRecord stored;
  absl::Status status =
      store_->Write([&](db::Database& writer) -> absl::Status {
        ASSIGN_OR_RETURN(stored, InsertUser(writer, user));
        return outbox::Enqueue(writer, clients::kAuditDestination,
                               audit(stored), user.create_time)
            .status();
      });
  if (absl::IsAlreadyExists(status)) {
    return absl::AlreadyExistsError("that email is already registered");
  }
  RETURN_IF_ERROR(status);
  return stored;
}

absl::StatusOr<bool> AuthStore::CreateUserIfMissing(const UserRecord& user) {
  absl::Status status = store_->WriteAutocommit(
      [&](db::Database& writer) { return InsertUser(writer, user).status(); });
  if (absl::IsAlreadyExists(status)) return false;
  RETURN_IF_ERROR(status);
  return true;
}

absl::StatusOr<UserRecord> AuthStore::FindUserByEmail(absl::string_view email) {
  if (email.empty()) return absl::NotFoundError("no such user");
  UserRecord user;
  RETURN_IF_ERROR(store_->Read([&](db::Database& reader) -> absl::Status {
    ASSIGN_OR_RETURN(user,
                     QueryOneUser(reader, kSelectUserByEmailSql, 0, email));
    return absl::OkStatus();
  }));
  return user;
}

absl::StatusOr<UserRecord> AuthStore::GetUser(int64_t id) {
  UserRecord user;
  RETURN_IF_ERROR(store_->Read([&](db::Database& reader) -> absl::Status {
    ASSIGN_OR_RETURN(user, QueryOneUser(reader, kSelectUserByIdSql, id, ""));
    return absl::OkStatus();
  }));
  return user;
}

absl::StatusOr<std::vector<UserRecord>> AuthStore::GetUsers(
    absl::Span<const int64_t> ids) {
  if (ids.size() > kMaxBatch) {
    return absl::InvalidArgumentError(
        absl::StrCat("at most ", kMaxBatch, " ids per call"));
  }
  if (ids.empty()) return std::vector<UserRecord>{};
  // One statement per batch size, cached like any other.
  std::string placeholders(ids.size() * 2 - 1, ',');
  for (size_t i = 0; i < placeholders.size(); i += 2) placeholders[i] = '?';
  const std::string sql = absl::StrCat(
      "SELECT id, email, name, role, password_hash, create_time FROM users "
      "WHERE id IN (",
      placeholders, ") ORDER BY id");
  std::vector<UserRecord> users;
  RETURN_IF_ERROR(store_->Read([&](db::Database& reader) -> absl::Status {
    ASSIGN_OR_RETURN(SQLite::Statement * query, reader.Prepare(sql));
    for (size_t i = 0; i < ids.size(); ++i) {
      query->bind(static_cast<int>(i) + 1, ids[i]);
    }
    while (query->executeStep()) users.push_back(ReadUser(*query));
    return absl::OkStatus();
  }));
  return users;
}

absl::StatusOr<std::vector<UserRecord>> AuthStore::ListUsers(Role role,
                                                             int64_t after_id,
                                                             int limit) {
  std::vector<UserRecord> users;
  RETURN_IF_ERROR(store_->Read([&](db::Database& reader) -> absl::Status {
    const bool by_role = role != ::helpdesk::auth::v1::User::ROLE_UNSPECIFIED;
    ASSIGN_OR_RETURN(
        SQLite::Statement * query,
        reader.Prepare(by_role ? kListUsersByRoleSql : kListUsersSql));
    int index = 1;
    if (by_role) query->bind(index++, static_cast<int>(role));
    query->bind(index++, after_id);
    query->bind(index++, limit);
    while (query->executeStep()) users.push_back(ReadUser(*query));
    return absl::OkStatus();
  }));
  return users;
}

absl::Status AuthStore::StartSession(
    const NewSession& session,
    const std::optional<std::string>& new_password_hash,
    const std::optional<std::string>& revoke_digest,
    const std::string& audit_payload) {
  return store_->Write([&](db::Database& writer) -> absl::Status {
    if (revoke_digest) {
      ASSIGN_OR_RETURN(SQLite::Statement * revoke,
                       writer.Prepare(kDeleteSessionSql));
      BindBlob(*revoke, 1, *revoke_digest);
      revoke->exec();
    }
    if (new_password_hash) {
      ASSIGN_OR_RETURN(SQLite::Statement * rehash,
                       writer.Prepare(kUpdatePasswordHashSql));
      rehash->bind(1, *new_password_hash);
      rehash->bind(2, session.user_id);
      rehash->exec();
    }
    ASSIGN_OR_RETURN(SQLite::Statement * insert,
                     writer.Prepare(kInsertSessionSql));
    BindBlob(*insert, 1, session.token_digest);
    insert->bind(2, session.user_id);
    insert->bind(3, absl::ToUnixMicros(session.now));
    insert->bind(4, absl::ToUnixMicros(session.now));
    insert->bind(5, absl::ToUnixMicros(session.absolute_expire_time));
    insert->exec();
    return outbox::Enqueue(writer, clients::kAuditDestination, audit_payload,
                           session.now)
        .status();
  });
}

absl::StatusOr<ResolvedSession> AuthStore::ResolveSession(
    absl::string_view token_digest, absl::Time now,
    const SessionPolicy& policy) {
  ResolvedSession session;
  absl::Time last_seen;
  absl::Time absolute_expire;
  RETURN_IF_ERROR(store_->Read([&](db::Database& reader) -> absl::Status {
    ASSIGN_OR_RETURN(SQLite::Statement * query,
                     reader.Prepare(kSelectSessionSql));
    BindBlob(*query, 1, token_digest);
    if (!query->executeStep()) return Unauthenticated();
    session.principal.user_id = query->getColumn(0).getInt64();
    session.principal.role = static_cast<Role>(query->getColumn(1).getInt());
    last_seen = absl::FromUnixMicros(query->getColumn(2).getInt64());
    absolute_expire = absl::FromUnixMicros(query->getColumn(3).getInt64());
    query->reset();
    return absl::OkStatus();
  }));
  if (now >= absolute_expire || now >= last_seen + policy.idle_timeout) {
    return Unauthenticated();
  }
  absl::Time seen = last_seen;
  if (now - last_seen >= policy.touch_interval) {
    // A session ended since the read above is touched in vain (no row):
    // this resolve then counts as having come just before the end.
    RETURN_IF_ERROR(
        store_->WriteAutocommit([&](db::Database& writer) -> absl::Status {
          ASSIGN_OR_RETURN(SQLite::Statement * touch,
                           writer.Prepare(kTouchSessionSql));
          touch->bind(1, absl::ToUnixMicros(now));
          BindBlob(*touch, 2, token_digest);
          touch->exec();
          return absl::OkStatus();
        }));
    seen = now;
  }
  session.expire_time = std::min(absolute_expire, seen + policy.idle_timeout);
  return session;
}

absl::StatusOr<UserRecord> AuthStore::EndSession(absl::string_view token_digest,
                                                 absl::Time now,
                                                 AuditPayloadFn audit) {
  UserRecord user;
  absl::Status status =
      store_->Write([&](db::Database& writer) -> absl::Status {
        ASSIGN_OR_RETURN(SQLite::Statement * find,
                         writer.Prepare(kSelectSessionUserSql));
        BindBlob(*find, 1, token_digest);
        if (!find->executeStep()) return Unauthenticated();
        const int64_t user_id = find->getColumn(0).getInt64();
        find->reset();
        ASSIGN_OR_RETURN(user,
                         QueryOneUser(writer, kSelectUserByIdSql, user_id, ""));
        ASSIGN_OR_RETURN(SQLite::Statement * remove,
                         writer.Prepare(kDeleteSessionSql));
        BindBlob(*remove, 1, token_digest);
        remove->exec();
        return outbox::Enqueue(writer, clients::kAuditDestination, audit(user),
                               now)
            .status();
      });
  RETURN_IF_ERROR(status);
  return user;
}

absl::StatusOr<int> AuthStore::PurgeExpiredSessions(
    absl::Time now, const SessionPolicy& policy) {
  int purged = 0;
  RETURN_IF_ERROR(
      store_->WriteAutocommit([&](db::Database& writer) -> absl::Status {
        ASSIGN_OR_RETURN(SQLite::Statement * purge,
                         writer.Prepare(kPurgeSessionsSql));
        purge->bind(1, absl::ToUnixMicros(now));
        purge->bind(2, absl::ToUnixMicros(now - policy.idle_timeout));
        purged = purge->exec();
        return absl::OkStatus();
      }));
  return purged;
}

}  // namespace helpdesk::auth
