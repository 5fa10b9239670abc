#include "services/notification/migrations.h"

#include "absl/types/span.h"
#include "libs/db/migration.h"

namespace helpdesk::notification {
namespace {

// Times are unix microseconds; read_time is NULL while a notification is
// unread. Rows are never moved between users (user_id is immutable).
//
// unread_counts holds each user's number of unread notifications, so that
// GetUnreadCount (the hottest call: every open browser polls it) is one
// primary-key lookup however many notifications a user has. The triggers
// keep it exact in the same transaction as every insert, read-state change
// and delete, whichever statement makes the change.
//
// The indexes' last column is the rowid (id), so each serves
// "user_id = ? [AND read_time IS NULL] AND id < ? ORDER BY id DESC" for
// keyset paging newest first.
constexpr char kNotificationsSql[] = R"sql(
CREATE TABLE notifications (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL CHECK (user_id > 0),
  ticket_id INTEGER NOT NULL CHECK (ticket_id >= 0),
  subject TEXT NOT NULL,
  message TEXT NOT NULL,
  create_time INTEGER NOT NULL,
  read_time INTEGER,
  source_job_id INTEGER NOT NULL CHECK (source_job_id > 0)
);
CREATE UNIQUE INDEX notifications_by_source
  ON notifications (source_job_id, user_id);
CREATE INDEX notifications_by_user ON notifications (user_id);
CREATE INDEX notifications_unread_by_user ON notifications (user_id)
  WHERE read_time IS NULL;

CREATE TABLE unread_counts (
  user_id INTEGER PRIMARY KEY,
  count INTEGER NOT NULL CHECK (count >= 0)
);

CREATE TRIGGER notifications_insert_counts AFTER INSERT ON notifications
WHEN NEW.read_time IS NULL
BEGIN
  INSERT INTO unread_counts (user_id, count) VALUES (NEW.user_id, 1)
    ON CONFLICT (user_id) DO UPDATE SET count = count + 1;
END;

CREATE TRIGGER notifications_read_counts AFTER UPDATE OF read_time
ON notifications
WHEN OLD.read_time IS NULL AND NEW.read_time IS NOT NULL
BEGIN
  UPDATE unread_counts SET count = count - 1 WHERE user_id = NEW.user_id;
END;

CREATE TRIGGER notifications_unread_counts AFTER UPDATE OF read_time
ON notifications
WHEN OLD.read_time IS NOT NULL AND NEW.read_time IS NULL
BEGIN
  INSERT INTO unread_counts (user_id, count) VALUES (NEW.user_id, 1)
    ON CONFLICT (user_id) DO UPDATE SET count = count + 1;
END;

CREATE TRIGGER notifications_delete_counts AFTER DELETE ON notifications
WHEN OLD.read_time IS NULL
BEGIN
  UPDATE unread_counts SET count = count - 1 WHERE user_id = OLD.user_id;
END;
)sql";

constexpr db::Migration kMigrations[] = {
    {1, "notifications and unread counts", kNotificationsSql},
};

}  // namespace

absl::Span<const db::Migration> NotificationMigrations() { return kMigrations; }

}  // namespace helpdesk::notification
