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

}  // namespace

absl::StatusOr<std::unique_ptr<NotificationStore>> NotificationStore::Open(
    const std::string& path) {
  ASSIGN_OR_RETURN(auto db, db::Database::Open(path, NotificationMigrations()));
  return std::unique_ptr<NotificationStore>(
      new NotificationStore(std::move(db)));
}

absl::StatusOr<int64_t> NotificationStore::SelectUnreadCount(int64_t user_id) {
  ASSIGN_OR_RETURN(SQLite::Statement * query,
                   db_->Prepare(kSelectUnreadCountSql));
  query->bind(1, user_id);
  int64_t count = 0;
  if (query->executeStep()) count = query->getColumn(0).getInt64();
  query->reset();
  return count;
}

absl::StatusOr<NotificationRecord> NotificationStore::SelectOwned(
    int64_t user_id, int64_t id) {
  ASSIGN_OR_RETURN(SQLite::Statement * query, db_->Prepare(kSelectOwnedSql));
  query->bind(1, id);
  query->bind(2, user_id);
  if (!query->executeStep()) return NotFound();
  NotificationRecord record = ReadNotification(*query);
  query->reset();
  return record;
}

absl::StatusOr<CreateResult> NotificationStore::CreateNotification(
    const NotificationRecord& notification) {
  absl::MutexLock lock(&mu_);
  CreateResult result;
  RETURN_IF_ERROR(db_->InTransaction([&]() -> absl::Status {
    ASSIGN_OR_RETURN(SQLite::Statement * insert,
                     db_->Prepare(kInsertNotificationSql));
    insert->bind(1, notification.user_id);
    insert->bind(2, notification.ticket_id);
    insert->bind(3, notification.subject);
    insert->bind(4, notification.message);
    insert->bind(5, absl::ToUnixMicros(notification.create_time));
    insert->bind(6, notification.source_job_id);
    result.created = insert->exec() == 1;
    if (result.created) {
      result.notification = notification;
      result.notification.id = db_->connection().getLastInsertRowid();
      result.notification.read_time.reset();
    } else {
      ASSIGN_OR_RETURN(SQLite::Statement * existing,
                       db_->Prepare(kSelectBySourceSql));
      existing->bind(1, notification.source_job_id);
      existing->bind(2, notification.user_id);
      if (!existing->executeStep()) {
        return absl::InternalError("idempotency key without a row");
      }
      result.notification = ReadNotification(*existing);
      existing->reset();
    }
    ASSIGN_OR_RETURN(result.unread.count,
                     SelectUnreadCount(notification.user_id));
    return absl::OkStatus();
  }));
  if (result.created) ++version_;
  result.unread.version = version_;
  return result;
}

absl::StatusOr<UnreadCount> NotificationStore::GetUnreadCount(int64_t user_id) {
  absl::MutexLock lock(&mu_);
  UnreadCount unread;
  ASSIGN_OR_RETURN(unread.count,
                   db::Guard([&] { return SelectUnreadCount(user_id); }));
  unread.version = version_;
  return unread;
}

absl::StatusOr<NotificationPage> NotificationStore::ListNotifications(
    int64_t user_id, bool unread_only, int64_t before_id, int limit) {
  absl::MutexLock lock(&mu_);
  NotificationPage page;
  RETURN_IF_ERROR(db::Guard([&]() -> absl::Status {
    ASSIGN_OR_RETURN(SQLite::Statement * query,
                     db_->Prepare(unread_only ? kListUnreadNotificationsSql
                                              : kListNotificationsSql));
    query->bind(1, user_id);
    query->bind(
        2, before_id > 0 ? before_id : std::numeric_limits<int64_t>::max());
    query->bind(3, limit);
    while (query->executeStep()) {
      page.notifications.push_back(ReadNotification(*query));
    }
    ASSIGN_OR_RETURN(page.unread.count, SelectUnreadCount(user_id));
    return absl::OkStatus();
  }));
  page.unread.version = version_;
  return page;
}

absl::StatusOr<ReadStateResult> NotificationStore::ChangeReadState(
    const char* update_sql, int64_t user_id, int64_t id,
    std::optional<absl::Time> now) {
  ReadStateResult result;
  RETURN_IF_ERROR(db_->InTransaction([&]() -> absl::Status {
    ASSIGN_OR_RETURN(SQLite::Statement * update, db_->Prepare(update_sql));
    int index = 1;
    if (now) update->bind(index++, absl::ToUnixMicros(*now));
    update->bind(index++, id);
    update->bind(index++, user_id);
    result.changed = update->exec() > 0;
    ASSIGN_OR_RETURN(result.notification, SelectOwned(user_id, id));
    ASSIGN_OR_RETURN(result.unread.count, SelectUnreadCount(user_id));
    return absl::OkStatus();
  }));
  if (result.changed) ++version_;
  result.unread.version = version_;
  return result;
}

absl::StatusOr<ReadStateResult> NotificationStore::MarkRead(int64_t user_id,
                                                            int64_t id,
                                                            absl::Time now) {
  absl::MutexLock lock(&mu_);
  return ChangeReadState(kMarkReadSql, user_id, id, now);
}

absl::StatusOr<ReadStateResult> NotificationStore::MarkUnread(int64_t user_id,
                                                              int64_t id) {
  absl::MutexLock lock(&mu_);
  return ChangeReadState(kMarkUnreadSql, user_id, id, std::nullopt);
}

absl::StatusOr<MarkAllResult> NotificationStore::MarkAllRead(int64_t user_id,
                                                             absl::Time now) {
  absl::MutexLock lock(&mu_);
  MarkAllResult result;
  RETURN_IF_ERROR(db_->InTransaction([&]() -> absl::Status {
    ASSIGN_OR_RETURN(SQLite::Statement * update, db_->Prepare(kMarkAllReadSql));
    update->bind(1, absl::ToUnixMicros(now));
    update->bind(2, user_id);
    result.updated = update->exec();
    ASSIGN_OR_RETURN(result.unread.count, SelectUnreadCount(user_id));
    return absl::OkStatus();
  }));
  if (result.updated > 0) ++version_;
  result.unread.version = version_;
  return result;
}

}  // namespace helpdesk::notification
