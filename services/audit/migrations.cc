#include "services/audit/migrations.h"

#include "absl/types/span.h"
#include "libs/db/migration.h"

namespace helpdesk::audit {
namespace {

// Append-only. Snapshots are serialized google.protobuf.Struct bytes, kept
// exactly as recorded (and hashed as stored). Times are unix microseconds.
// Every list filter has an index ending in create_time (SQLite appends the
// rowid), so each filter is an ordered index range read with LIMIT.
constexpr char kAuditEventsSql[] = R"sql(
CREATE TABLE audit_events (
  id INTEGER PRIMARY KEY,
  event_key TEXT NOT NULL UNIQUE,
  actor_id INTEGER NOT NULL,
  action TEXT NOT NULL,
  entity_type TEXT NOT NULL,
  entity_id INTEGER NOT NULL,
  before_snapshot BLOB NOT NULL,
  after_snapshot BLOB NOT NULL,
  create_time INTEGER NOT NULL,
  record_time INTEGER NOT NULL,
  content_hash BLOB NOT NULL,
  chain_hash BLOB NOT NULL
);
CREATE INDEX audit_by_time ON audit_events (create_time);
CREATE INDEX audit_by_actor ON audit_events (actor_id, create_time);
CREATE INDEX audit_by_action ON audit_events (action, create_time);
CREATE INDEX audit_by_entity_type ON audit_events (entity_type, create_time);
CREATE INDEX audit_by_entity ON audit_events (entity_type, entity_id, create_time);
)sql";

constexpr db::Migration kMigrations[] = {
    {1, "append-only audit events with a hash chain", kAuditEventsSql},
};

// The same table on PostgreSQL. Indexes end in (create_time, id): the
// list order, so each filter is an ordered index range read with LIMIT.
constexpr char kPostgresAuditEventsSql[] = R"sql(
CREATE TABLE audit_events (
  id BIGINT PRIMARY KEY,
  event_key TEXT NOT NULL UNIQUE,
  actor_id BIGINT NOT NULL,
  action TEXT NOT NULL,
  entity_type TEXT NOT NULL,
  entity_id BIGINT NOT NULL,
  before_snapshot BYTEA NOT NULL,
  after_snapshot BYTEA NOT NULL,
  create_time BIGINT NOT NULL,
  record_time BIGINT NOT NULL,
  content_hash BYTEA NOT NULL,
  chain_hash BYTEA NOT NULL
);
CREATE INDEX audit_by_time ON audit_events (create_time, id);
CREATE INDEX audit_by_actor ON audit_events (actor_id, create_time, id);
CREATE INDEX audit_by_action ON audit_events (action, create_time, id);
CREATE INDEX audit_by_entity_type ON audit_events (entity_type, create_time, id);
CREATE INDEX audit_by_entity ON audit_events (entity_type, entity_id, create_time, id);
)sql";

constexpr db::Migration kPostgresMigrations[] = {
    {1, "append-only audit events with a hash chain", kPostgresAuditEventsSql},
};

}  // namespace

absl::Span<const db::Migration> AuditMigrations() { return kMigrations; }
absl::Span<const db::Migration> AuditPostgresMigrations() {
  return kPostgresMigrations;
}

}  // namespace helpdesk::audit
