#include "services/notification/notification_store.h"

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "libs/db/postgres_store.h"
#include "libs/db/sql.h"
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

// A change for the other replicas (ListenForChanges), delivered at the
// commit of the statement's transaction.
constexpr char kAnnounceSql[] = "SELECT pg_notify(?, ?)";

constexpr char kInsertNotificationSql[] =
    "INSERT INTO notifications (user_id, ticket_id, subject, message, "
    "create_time, read_time, source_job_id) VALUES (?, ?, ?, ?, ?, NULL, ?) "
    "ON CONFLICT (source_job_id, user_id) DO NOTHING RETURNING id";
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

NotificationRecord ReadNotification(const db::Rows& rows, int row) {
  NotificationRecord record;
  record.id = rows.Int64(row, 0);
  record.user_id = rows.Int64(row, 1);
  record.ticket_id = rows.Int64(row, 2);
  record.subject = rows.Text(row, 3);
  record.message = rows.Text(row, 4);
  record.create_time = absl::FromUnixMicros(rows.Int64(row, 5));
  if (!rows.IsNull(row, 6)) {
    record.read_time = absl::FromUnixMicros(rows.Int64(row, 6));
  }
  record.source_job_id = rows.Int64(row, 7);
  return record;
}

absl::Status NotFound() { return absl::NotFoundError("no such notification"); }

// The user's unread count, read on `db` (the writer inside a transaction, or
// a reader).
absl::StatusOr<int64_t> SelectUnreadCount(db::Connection& db, int64_t user_id) {
  ASSIGN_OR_RETURN(db::Rows rows, db.Query(kSelectUnreadCountSql, {user_id}));
  return rows.empty() ? 0 : rows.Int64(0, 0);
}

absl::StatusOr<NotificationRecord> SelectOwned(db::Connection& db,
                                               int64_t user_id, int64_t id) {
  ASSIGN_OR_RETURN(db::Rows rows, db.Query(kSelectOwnedSql, {id, user_id}));
  if (rows.empty()) return NotFound();
  return ReadNotification(rows, 0);
}

}  // namespace

absl::StatusOr<std::unique_ptr<NotificationStore>> NotificationStore::Open(
    const db::Location& location) {
  db::StoreOptions options;
  options.location = location;
  options.migrations = NotificationMigrations();
  options.postgres_migrations = NotificationPostgresMigrations();
  ASSIGN_OR_RETURN(std::unique_ptr<db::Store> store, db::Store::Open(options));
  std::string conninfo;
  std::string channel;
  if (auto* postgres = dynamic_cast<db::PostgresStore*>(store.get())) {
    conninfo = postgres->conninfo();
    channel = postgres->schema() + "_changes";
  }
  return std::unique_ptr<NotificationStore>(new NotificationStore(
      std::move(store), std::move(conninfo), std::move(channel)));
}

NotificationStore::NotificationStore(std::unique_ptr<db::Store> store,
                                     std::string conninfo, std::string channel)
    : store_(std::move(store)),
      conninfo_(std::move(conninfo)),
      channel_(std::move(channel)),
      replica_(absl::StrCat(absl::Hex(absl::Uniform<uint64_t>(absl::BitGen()),
                                      absl::kZeroPad16))) {}

absl::Status NotificationStore::Announce(db::Connection& writer,
                                         int64_t user_id,
                                         int64_t notification_id) {
  if (channel_.empty()) return absl::OkStatus();
  return writer
      .Query(kAnnounceSql, {channel_, absl::StrCat(replica_, " ", user_id, " ",
                                                   notification_id)})
      .status();
}

absl::StatusOr<std::unique_ptr<db::pg::Listener>>
NotificationStore::ListenForChanges(
    std::function<void(int64_t user_id, int64_t notification_id)> on_change) {
  if (channel_.empty()) return std::unique_ptr<db::pg::Listener>();
  db::pg::ListenerOptions options;
  options.conninfo = conninfo_;
  options.channel = channel_;
  options.on_notify = [this, on_change](absl::string_view payload) {
    // "<replica> <user_id> <notification_id>"; our own changes were
    // published where they were made.
    std::vector<absl::string_view> parts = absl::StrSplit(payload, ' ');
    int64_t user_id = 0;
    int64_t notification_id = 0;
    if (parts.size() != 3 || parts[0] == replica_ ||
        !absl::SimpleAtoi(parts[1], &user_id) ||
        !absl::SimpleAtoi(parts[2], &notification_id)) {
      return;
    }
    on_change(user_id, notification_id);
  };
  return db::pg::Listener::Start(std::move(options));
}

absl::StatusOr<RemoteChange> NotificationStore::LoadRemoteChange(
    int64_t user_id, int64_t notification_id) {
  RemoteChange change;
  // A new version before the read: the count read is at least this new.
  change.unread.version = ++version_;
  RETURN_IF_ERROR(store_->Read([&](db::Connection& reader) -> absl::Status {
    if (notification_id != 0) {
      ASSIGN_OR_RETURN(change.notification,
                       SelectOwned(reader, user_id, notification_id));
    }
    ASSIGN_OR_RETURN(change.unread.count, SelectUnreadCount(reader, user_id));
    return absl::OkStatus();
  }));
  return change;
}

absl::StatusOr<CreateResult> NotificationStore::CreateNotification(
    const NotificationRecord& notification) {
  CreateResult result;
  auto insert_or_find = [&](db::Connection& writer) -> absl::Status {
    ASSIGN_OR_RETURN(db::Rows inserted,
                     writer.Query(kInsertNotificationSql,
                                  {notification.user_id, notification.ticket_id,
                                   notification.subject, notification.message,
                                   absl::ToUnixMicros(notification.create_time),
                                   notification.source_job_id}));
    result.created = !inserted.empty();
    if (result.created) {
      result.notification = notification;
      result.notification.id = inserted.Int64(0, 0);
      result.notification.read_time.reset();
      RETURN_IF_ERROR(
          Announce(writer, notification.user_id, result.notification.id));
    } else {
      ASSIGN_OR_RETURN(
          db::Rows existing,
          writer.Query(kSelectBySourceSql,
                       {notification.source_job_id, notification.user_id}));
      if (existing.empty()) {
        return absl::InternalError("idempotency key without a row");
      }
      result.notification = ReadNotification(existing, 0);
    }
    ASSIGN_OR_RETURN(result.unread.count,
                     SelectUnreadCount(writer, notification.user_id));
    return absl::OkStatus();
  };
  // Creates of concurrent callers (job workers) share transactions.
  RETURN_IF_ERROR(store_->WriteBatched(insert_or_find, [&] {
    if (result.created) ++version_;
    result.unread.version = version_.load();
  }));
  return result;
}

absl::StatusOr<UnreadCount> NotificationStore::GetUnreadCount(int64_t user_id) {
  UnreadCount unread;
  RETURN_IF_ERROR(store_->Read([&](db::Connection& reader) -> absl::Status {
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
      store_->ReadSnapshot([&](db::Connection& reader) -> absl::Status {
        // Before the snapshot's first read: see GetUnreadCount.
        page.unread.version = version_.load();
        ASSIGN_OR_RETURN(
            db::Rows rows,
            reader.Query(unread_only ? kListUnreadNotificationsSql
                                     : kListNotificationsSql,
                         {user_id,
                          before_id > 0 ? before_id
                                        : std::numeric_limits<int64_t>::max(),
                          limit}));
        page.notifications.clear();
        for (int r = 0; r < rows.size(); ++r) {
          page.notifications.push_back(ReadNotification(rows, r));
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
  auto change = [&](db::Connection& writer) -> absl::Status {
    std::vector<db::Value> params;
    if (now) params.push_back(absl::ToUnixMicros(*now));
    params.push_back(id);
    params.push_back(user_id);
    ASSIGN_OR_RETURN(const int64_t updated, writer.Execute(update_sql, params));
    result.changed = updated > 0;
    if (result.changed) RETURN_IF_ERROR(Announce(writer, user_id, 0));
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
  auto mark_all = [&](db::Connection& writer) -> absl::Status {
    ASSIGN_OR_RETURN(
        const int64_t updated,
        writer.Execute(kMarkAllReadSql, {absl::ToUnixMicros(now), user_id}));
    result.updated = static_cast<int>(updated);
    if (updated > 0) RETURN_IF_ERROR(Announce(writer, user_id, 0));
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
