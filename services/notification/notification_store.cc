#include "services/notification/notification_store.h"

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "SQLiteCpp/Statement.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/db/database.h"
#include "libs/db/store.h"
#include "libs/status/status_macros.h"
#include "services/notification/migrations.h"

namespace helpdesk::notification {

const char kSelectUnreadCountSql[] =
    "SELECT count FROM unread_counts WHERE user_id = ?";
const char kListNotificationsSql[] =
    "SELECT id, user_id, ticket_id, subject, message, create_time, read_time, "
    "source_job_id FROM notifications WHERE user_id = ? AND id < ? "
    "ORDER BY id DESC LIMIT ?";
const char kListUnreadNotificationsSql[] =
    "SELECT id, user_id, ticket_id, subject, message, create_time, read_time, "
    "source_job_id FROM notifications "
    "WHERE user_id = ? AND read_time IS NULL AND id < ? "
    "ORDER BY id DESC LIMIT ?";

namespace {

constexpr char kInsertNotificationSql[] =
    "INSERT INTO notifications (user_id, ticket_id, subject, message, "
    "create_time, read_time, source_job_id) VALUES (?, ?, ?, ?, ?, NULL, ?) "
    "ON CONFLICT (source_job_id, user_id) DO NOTHING";
constexpr char kSelectBySourceSql[] =
    "SELECT id, user_id, ticket_id, subject, message, create_time, read_time, "
    "source_job_id FROM notifications WHERE source_job_id = ? AND user_id = ?";
constexpr char kSelectOwnedSql[] =
    "SELECT id, user_id, ticket_id, subject, message, create_time, read_time, "
    "source_job_id FROM notifications WHERE id = ? AND user_id = ?";
// Each touches the row only when its state changes, so read_time survives a
// repeated MarkRead and `changes()` tells whether anything happened.
constexpr char kMarkReadSql[] =
    "UPDATE notifications SET read_time = ? "
    "WHERE id = ? AND user_id = ? AND read_time IS NULL";
constexpr char kMarkUnreadSql[] =
    "UPDATE notifications SET read_time = NULL "
    "WHERE id = ? AND user_id = ? AND read_time IS NOT NULL";
constexpr char kMarkAllReadSql[] =
    "UPDATE notifications SET read_time = ? "
    "WHERE user_id = ? AND read_time IS NULL";

NotificationRecord ReadNotification(SQLite::Statement& row) {
  NotificationRecord record;
  record.id = row.getColumn(0).getInt64();
  record.user_id = row.getColumn(1).getInt64();
  record.ticket_id = row.getColumn(2).getInt64();
  record.subject = row.getColumn(3).getString();
  record.message = row.getColumn(4).getString();
  record.create_time = absl::FromUnixMicros(row.getColumn(5).getInt64());
  if (!row.getColumn(6).isNull()) {
    record.read_time = absl::FromUnixMicros(row.getColumn(6).getInt64());
  }
  record.source_job_id = row.getColumn(7).getInt64();
  return record;
}

absl::Status NotFound() { return absl::NotFoundError("no such notification"); }

// The user's unread count, read on `db` (the writer inside a transaction, or
// a reader).
absl::StatusOr<int64_t> SelectUnreadCount(db::Database& db, int64_t user_id) {
  ASSIGN_OR_RETURN(SQLite::Statement * query,
                   db.Prepare(kSelectUnreadCountSql));
  query->bind(1, user_id);
  int64_t count = 0;
  if (query->executeStep()) count = query->getColumn(0).getInt64();
  query->reset();
  return count;
}

absl::StatusOr<NotificationRecord> SelectOwned(db::Database& db,
                                               int64_t user_id, int64_t id) {
  ASSIGN_OR_RETURN(SQLite::Statement * query, db.Prepare(kSelectOwnedSql));
  query->bind(1, id);
  query->bind(2, user_id);
  if (!query->executeStep()) return NotFound();
  NotificationRecord record = ReadNotification(*query);
  query->reset();
  return record;
}

}  // namespace

absl::StatusOr<std::unique_ptr<NotificationStore>> NotificationStore::Open(
    const std::string& path, int readers) {
  db::StoreOptions options;
  options.path = path;
  options.migrations = NotificationMigrations();
  options.readers = readers;
  ASSIGN_OR_RETURN(std::unique_ptr<db::Store> store, db::Store::Open(options));
  return std::unique_ptr<NotificationStore>(
      new NotificationStore(std::move(store)));
}

absl::StatusOr<CreateResult> NotificationStore::CreateNotification(
    const NotificationRecord& notification) {
  CreateResult result;
  auto insert_or_find = [&](db::Database& writer) -> absl::Status {
    ASSIGN_OR_RETURN(SQLite::Statement * insert,
                     writer.Prepare(kInsertNotificationSql));
    insert->bind(1, notification.user_id);
    insert->bind(2, notification.ticket_id);
    insert->bind(3, notification.subject);
    insert->bind(4, notification.message);
    insert->bind(5, absl::ToUnixMicros(notification.create_time));
    insert->bind(6, notification.source_job_id);
    result.created = insert->exec() == 1;
    if (result.created) {
      result.notification = notification;
      result.notification.id = writer.connection().getLastInsertRowid();
      result.notification.read_time.reset();
    } else {
      ASSIGN_OR_RETURN(SQLite::Statement * existing,
                       writer.Prepare(kSelectBySourceSql));
      existing->bind(1, notification.source_job_id);
      existing->bind(2, notification.user_id);
      if (!existing->executeStep()) {
        return absl::InternalError("idempotency key without a row");
      }
      result.notification = ReadNotification(*existing);
      existing->reset();
    }
    ASSIGN_OR_RETURN(result.unread.count,
                     SelectUnreadCount(writer, notification.user_id));
    return absl::OkStatus();
  };
  RETURN_IF_ERROR(store_->Write(insert_or_find, [&] {
    if (result.created) ++version_;
    result.unread.version = version_.load();
  }));
  return result;
}

absl::StatusOr<UnreadCount> NotificationStore::GetUnreadCount(int64_t user_id) {
  UnreadCount unread;
  RETURN_IF_ERROR(store_->Read([&](db::Database& reader) -> absl::Status {
    // Loaded before the read begins: the count is at least this new.
    unread.version = version_.load();
    ASSIGN_OR_RETURN(unread.count, SelectUnreadCount(reader, user_id));
    return absl::OkStatus();
  }));
  return unread;
}

absl::StatusOr<NotificationPage> NotificationStore::ListNotifications(
    int64_t user_id, bool unread_only, int64_t before_id, int limit) {
  NotificationPage page;
  // One snapshot, so that the page and the count agree.
  RETURN_IF_ERROR(
      store_->ReadSnapshot([&](db::Database& reader) -> absl::Status {
        // Before the snapshot's first read: see GetUnreadCount.
        page.unread.version = version_.load();
        ASSIGN_OR_RETURN(
            SQLite::Statement * query,
            reader.Prepare(unread_only ? kListUnreadNotificationsSql
                                       : kListNotificationsSql));
        query->bind(1, user_id);
        query->bind(
            2, before_id > 0 ? before_id : std::numeric_limits<int64_t>::max());
        query->bind(3, limit);
        while (query->executeStep()) {
          page.notifications.push_back(ReadNotification(*query));
        }
        ASSIGN_OR_RETURN(page.unread.count, SelectUnreadCount(reader, user_id));
        return absl::OkStatus();
      }));
  return page;
}

absl::StatusOr<ReadStateResult> NotificationStore::ChangeReadState(
    const char* update_sql, int64_t user_id, int64_t id,
    std::optional<absl::Time> now) {
  ReadStateResult result;
  auto change = [&](db::Database& writer) -> absl::Status {
    ASSIGN_OR_RETURN(SQLite::Statement * update, writer.Prepare(update_sql));
    int index = 1;
    if (now) update->bind(index++, absl::ToUnixMicros(*now));
    update->bind(index++, id);
    update->bind(index++, user_id);
    result.changed = update->exec() > 0;
    ASSIGN_OR_RETURN(result.notification, SelectOwned(writer, user_id, id));
    ASSIGN_OR_RETURN(result.unread.count, SelectUnreadCount(writer, user_id));
    return absl::OkStatus();
  };
  RETURN_IF_ERROR(store_->Write(change, [&] {
    if (result.changed) ++version_;
    result.unread.version = version_.load();
  }));
  return result;
}

absl::StatusOr<ReadStateResult> NotificationStore::MarkRead(int64_t user_id,
                                                            int64_t id,
                                                            absl::Time now) {
  return ChangeReadState(kMarkReadSql, user_id, id, now);
}

absl::StatusOr<ReadStateResult> NotificationStore::MarkUnread(int64_t user_id,
                                                              int64_t id) {
  return ChangeReadState(kMarkUnreadSql, user_id, id, std::nullopt);
}

absl::StatusOr<MarkAllResult> NotificationStore::MarkAllRead(int64_t user_id,
                                                             absl::Time now) {
  MarkAllResult result;
  auto mark_all = [&](db::Database& writer) -> absl::Status {
    ASSIGN_OR_RETURN(SQLite::Statement * update,
                     writer.Prepare(kMarkAllReadSql));
    update->bind(1, absl::ToUnixMicros(now));
    update->bind(2, user_id);
    result.updated = update->exec();
    ASSIGN_OR_RETURN(result.unread.count, SelectUnreadCount(writer, user_id));
    return absl::OkStatus();
  };
  RETURN_IF_ERROR(store_->Write(mark_all, [&] {
    if (result.updated > 0) ++version_;
    result.unread.version = version_.load();
  }));
  return result;
}

}  // namespace helpdesk::notification
