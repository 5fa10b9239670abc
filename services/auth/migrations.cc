#include "services/auth/migrations.h"

#include "absl/types/span.h"
#include "libs/db/migration.h"
#include "libs/outbox/outbox.h"

namespace helpdesk::auth {
namespace {

// Times are unix microseconds. Sessions are stored by the SHA-256 of their
// token only.
constexpr char kUsersAndSessionsSql[] = R"sql(
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  role INTEGER NOT NULL,
  password_hash TEXT NOT NULL,
  create_time INTEGER NOT NULL
);
CREATE INDEX users_by_role ON users (role, id);
CREATE TABLE sessions (
  token_digest BLOB PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users (id),
  create_time INTEGER NOT NULL,
  last_seen_time INTEGER NOT NULL,
  absolute_expire_time INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_by_user ON sessions (user_id);
)sql";

constexpr db::Migration kMigrations[] = {
    {1, "users and sessions", kUsersAndSessionsSql},
    outbox::OutboxMigration(2),
    outbox::OutboxParkedMigration(3),
};

}  // namespace

absl::Span<const db::Migration> AuthMigrations() { return kMigrations; }

}  // namespace helpdesk::auth
