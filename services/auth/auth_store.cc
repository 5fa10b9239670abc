#include "services/auth/auth_store.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "libs/clients/audit_client.h"
#include "libs/db/sql.h"
#include "libs/db/store.h"
#include "libs/outbox/outbox.h"
#include "libs/status/status_macros.h"
#include "services/auth/migrations.h"

namespace helpdesk::auth {
namespace {

constexpr char kInsertUserSql[] =
    "INSERT INTO users (email, name, role, password_hash, create_time) "
    "VALUES (?, ?, ?, ?, ?) RETURNING id";
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

UserRecord ReadUser(const db::Rows& rows, int row) {
  UserRecord user;
  user.id = rows.Int64(row, 0);
  user.email = rows.Text(row, 1);
  user.name = rows.Text(row, 2);
  user.role = static_cast<Role>(rows.Int64(row, 3));
  user.password_hash = rows.Text(row, 4);
  user.create_time = absl::FromUnixMicros(rows.Int64(row, 5));
  return user;
}

std::vector<UserRecord> ReadUsers(const db::Rows& rows) {
  std::vector<UserRecord> users;
  users.reserve(rows.size());
  for (int r = 0; r < rows.size(); ++r) users.push_back(ReadUser(rows, r));
  return users;
}

absl::Status Unauthenticated() {
  return absl::UnauthenticatedError("the session is invalid or has expired");
}

// The one user `sql` selects by `key` (an id or an email), read on `db`
// (the writer inside a transaction, or a reader).
absl::StatusOr<UserRecord> QueryOneUser(db::Connection& db, const char* sql,
                                        const db::Value& key) {
  ASSIGN_OR_RETURN(db::Rows rows, db.Query(sql, {key}));
  if (rows.empty()) return absl::NotFoundError("no such user");
  return ReadUser(rows, 0);
}

// Inserts `user` on `writer` (id assigned); ALREADY_EXISTS when the email
// is taken.
absl::StatusOr<UserRecord> InsertUser(db::Connection& writer,
                                      const UserRecord& user) {
  ASSIGN_OR_RETURN(
      db::Rows inserted,
      writer.Query(kInsertUserSql,
                   {user.email, user.name, static_cast<int>(user.role),
                    user.password_hash, absl::ToUnixMicros(user.create_time)}));
  UserRecord stored = user;
  stored.id = inserted.Int64(0, 0);
  return stored;
}

}  // namespace

absl::StatusOr<std::unique_ptr<AuthStore>> AuthStore::Open(
    const db::Location& location) {
  db::StoreOptions options;
  options.location = location;
  options.migrations = AuthMigrations();
  options.postgres_migrations = AuthPostgresMigrations();
  ASSIGN_OR_RETURN(std::unique_ptr<db::Store> store, db::Store::Open(options));
  return std::unique_ptr<AuthStore>(new AuthStore(std::move(store)));
}

absl::StatusOr<UserRecord> AuthStore::CreateUser(const UserRecord& user,
                                                 AuditPayloadFn audit) {
  UserRecord stored;
  absl::Status status =
      store_->Write([&](db::Connection& writer) -> absl::Status {
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
  absl::Status status = store_->WriteAutocommit([&](db::Connection& writer) {
    return InsertUser(writer, user).status();
  });
  if (absl::IsAlreadyExists(status)) return false;
  RETURN_IF_ERROR(status);
  return true;
}

absl::StatusOr<UserRecord> AuthStore::FindUserByEmail(absl::string_view email) {
  if (email.empty()) return absl::NotFoundError("no such user");
  UserRecord user;
  RETURN_IF_ERROR(store_->Read([&](db::Connection& reader) -> absl::Status {
    ASSIGN_OR_RETURN(user, QueryOneUser(reader, kSelectUserByEmailSql, email));
    return absl::OkStatus();
  }));
  return user;
}

absl::StatusOr<UserRecord> AuthStore::GetUser(int64_t id) {
  UserRecord user;
  RETURN_IF_ERROR(store_->Read([&](db::Connection& reader) -> absl::Status {
    ASSIGN_OR_RETURN(user, QueryOneUser(reader, kSelectUserByIdSql, id));
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
  RETURN_IF_ERROR(store_->Read([&](db::Connection& reader) -> absl::Status {
    const std::vector<db::Value> params(ids.begin(), ids.end());
    ASSIGN_OR_RETURN(db::Rows rows, reader.Query(sql, params));
    users = ReadUsers(rows);
    return absl::OkStatus();
  }));
  return users;
}

absl::StatusOr<std::vector<UserRecord>> AuthStore::ListUsers(Role role,
                                                             int64_t after_id,
                                                             int limit) {
  std::vector<UserRecord> users;
  RETURN_IF_ERROR(store_->Read([&](db::Connection& reader) -> absl::Status {
    const bool by_role = role != ::helpdesk::auth::v1::User::ROLE_UNSPECIFIED;
    std::vector<db::Value> params;
    if (by_role) params.push_back(static_cast<int>(role));
    params.push_back(after_id);
    params.push_back(limit);
    ASSIGN_OR_RETURN(
        db::Rows rows,
        reader.Query(by_role ? kListUsersByRoleSql : kListUsersSql, params));
    users = ReadUsers(rows);
    return absl::OkStatus();
  }));
  return users;
}

absl::Status AuthStore::StartSession(
    const NewSession& session,
    const std::optional<std::string>& new_password_hash,
    const std::optional<std::string>& revoke_digest,
    const std::string& audit_payload) {
  return store_->Write([&](db::Connection& writer) -> absl::Status {
    if (revoke_digest) {
      RETURN_IF_ERROR(
          writer.Execute(kDeleteSessionSql, {db::Value::Bytes(*revoke_digest)})
              .status());
    }
    if (new_password_hash) {
      RETURN_IF_ERROR(writer
                          .Execute(kUpdatePasswordHashSql,
                                   {*new_password_hash, session.user_id})
                          .status());
    }
    RETURN_IF_ERROR(
        writer
            .Execute(kInsertSessionSql,
                     {db::Value::Bytes(session.token_digest), session.user_id,
                      absl::ToUnixMicros(session.now),
                      absl::ToUnixMicros(session.now),
                      absl::ToUnixMicros(session.absolute_expire_time)})
            .status());
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
  RETURN_IF_ERROR(store_->Read([&](db::Connection& reader) -> absl::Status {
    ASSIGN_OR_RETURN(
        db::Rows rows,
        reader.Query(kSelectSessionSql, {db::Value::Bytes(token_digest)}));
    if (rows.empty()) return Unauthenticated();
    session.principal.user_id = rows.Int64(0, 0);
    session.principal.role = static_cast<Role>(rows.Int64(0, 1));
    last_seen = absl::FromUnixMicros(rows.Int64(0, 2));
    absolute_expire = absl::FromUnixMicros(rows.Int64(0, 3));
    return absl::OkStatus();
  }));
  if (now >= absolute_expire || now >= last_seen + policy.idle_timeout) {
    return Unauthenticated();
  }
  absl::Time seen = last_seen;
  if (now - last_seen >= policy.touch_interval) {
    // A session ended since the read above is touched in vain (no row):
    // this resolve then counts as having come just before the end.
    RETURN_IF_ERROR(store_->WriteAutocommit([&](db::Connection& writer) {
      return writer
          .Execute(kTouchSessionSql,
                   {absl::ToUnixMicros(now), db::Value::Bytes(token_digest)})
          .status();
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
      store_->Write([&](db::Connection& writer) -> absl::Status {
        const db::Value digest = db::Value::Bytes(token_digest);
        ASSIGN_OR_RETURN(db::Rows found,
                         writer.Query(kSelectSessionUserSql, {digest}));
        if (found.empty()) return Unauthenticated();
        ASSIGN_OR_RETURN(
            user, QueryOneUser(writer, kSelectUserByIdSql, found.Int64(0, 0)));
        RETURN_IF_ERROR(writer.Execute(kDeleteSessionSql, {digest}).status());
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
      store_->WriteAutocommit([&](db::Connection& writer) -> absl::Status {
        ASSIGN_OR_RETURN(
            const int64_t deleted,
            writer.Execute(kPurgeSessionsSql,
                           {absl::ToUnixMicros(now),
                            absl::ToUnixMicros(now - policy.idle_timeout)}));
        purged = static_cast<int>(deleted);
        return absl::OkStatus();
      }));
  return purged;
}

}  // namespace helpdesk::auth
