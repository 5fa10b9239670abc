#ifndef HELPDESK_SERVICES_NOTIFICATION_NOTIFICATION_STORE_H_
#define HELPDESK_SERVICES_NOTIFICATION_NOTIFICATION_STORE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/db/pg/listener.h"
#include "libs/db/reader_pool.h"
#include "libs/db/store.h"

namespace helpdesk::notification {

struct NotificationRecord {
  int64_t id = 0;
  int64_t user_id = 0;
  int64_t ticket_id = 0;  // 0: none
  std::string subject;
  std::string message;
  absl::Time create_time;
  std::optional<absl::Time> read_time;  // unset while unread
  int64_t source_job_id = 0;
};

// A user's number of unread notifications as of one state of the store.
// `version` orders states: of two counts of the same user, the one with the
// larger version is newer (versions are process-local and restart at 0).
// A count read by GetUnreadCount or ListNotifications may be newer than its
// version says, never older, so a consumer that keeps the count with the
// highest version (ties: the later one) ends on the newest count.
struct UnreadCount {
  int64_t count = 0;
  uint64_t version = 0;
};

// What another replica changed (see NotificationStore::ListenForChanges):
// the new notification, if it was one, and the user's unread count now.
struct RemoteChange {
  std::optional<NotificationRecord> notification;
  UnreadCount unread;
};

struct CreateResult {
  NotificationRecord notification;
  bool created = false;  // false: (source_job_id, user_id) existed already
  UnreadCount unread;
};

struct ReadStateResult {
  NotificationRecord notification;
  bool changed = false;  // false: it already had the requested state
  UnreadCount unread;
};

struct MarkAllResult {
  int updated = 0;
  UnreadCount unread;
};

struct NotificationPage {
  std::vector<NotificationRecord> notifications;  // newest (highest id) first
  UnreadCount unread;
};

// Every SQL statement of the notification service. Unread counts come from
// the `unread_counts` table, which triggers keep exact in the same
// transaction as each change (see migrations.cc), so reading one is a
// primary-key lookup. Errors are absl::Status (no exception leaves the
// store); a notification of another user is NOT_FOUND, like a missing one.
//
// Thread-safe. Changes are serialised writes on a db::Store;
// GetUnreadCount and ListNotifications are reads, in parallel on the
// store's readers, and see every change committed before they start.
class NotificationStore final {
 public:
  // Opens (creating and migrating) the service's database at `location`.
  static absl::StatusOr<std::unique_ptr<NotificationStore>> Open(
      const db::Location& location);

  // The store underneath (tests read the tables through it).
  db::Store& db() { return *store_; }

  // Inserts `notification` (its id and read_time are ignored) unless a row
  // with the same (source_job_id, user_id) exists; then returns that row
  // unchanged with created = false.
  absl::StatusOr<CreateResult> CreateNotification(
      const NotificationRecord& notification);

  absl::StatusOr<UnreadCount> GetUnreadCount(int64_t user_id);

  // Up to `limit` of the user's notifications with id < `before_id` (0: no
  // bound), newest first, with the user's unread count.
  absl::StatusOr<NotificationPage> ListNotifications(int64_t user_id,
                                                     bool unread_only,
                                                     int64_t before_id,
                                                     int limit);

  // Marks the user's notification `id` read at `now` (a read one keeps its
  // read_time) or unread (clears read_time).
  absl::StatusOr<ReadStateResult> MarkRead(int64_t user_id, int64_t id,
                                           absl::Time now);
  absl::StatusOr<ReadStateResult> MarkUnread(int64_t user_id, int64_t id);

  // Marks every unread notification of the user read at `now`.
  absl::StatusOr<MarkAllResult> MarkAllRead(int64_t user_id, absl::Time now);

  // Several replicas on PostgreSQL: every change a store commits is
  // announced on the schema's channel (pg_notify in its transaction);
  // `on_change(user_id, notification_id)` runs on the listener's thread for
  // the changes of other stores (notification_id 0: read marks). Changes
  // announced while the listener reconnects are not replayed (a watcher
  // then catches up at its next change or reconnect). Null on SQLite.
  absl::StatusOr<std::unique_ptr<db::pg::Listener>> ListenForChanges(
      std::function<void(int64_t user_id, int64_t notification_id)> on_change);

  // What another replica announced: the notification (when
  // notification_id is not 0) and the user's unread count, read after the
  // other's commit, at a new version of this store.
  absl::StatusOr<RemoteChange> LoadRemoteChange(int64_t user_id,
                                                int64_t notification_id);

 private:
  NotificationStore(std::unique_ptr<db::Store> store, std::string conninfo,
                    std::string channel);

  // pg_notify of a committed change, in the writer's transaction
  // (PostgreSQL; a no-op on SQLite).
  absl::Status Announce(db::Connection& writer, int64_t user_id,
                        int64_t notification_id);

  absl::StatusOr<ReadStateResult> ChangeReadState(
      const char* update_sql, int64_t user_id, int64_t id,
      std::optional<absl::Time> now);

  // The writer, its checkpointer and the readers of the file.
  const std::unique_ptr<db::Store> store_;
  // Bumped after every committed change, only in the write's `committed`
  // step (still the only writer), so the writer's results carry exact
  // versions. Readers load it before their read begins: every change up to
  // the version they load is committed and in their snapshot (see
  // UnreadCount::version).
  std::atomic<uint64_t> version_{0};
  // PostgreSQL: the listener's connection string and channel, and this
  // store's name in announcements; empty on SQLite.
  const std::string conninfo_;
  const std::string channel_;
  const std::string replica_;
};

// The statements behind GetUnreadCount and ListNotifications, exposed so a
// test can pin their query plans (an index or primary-key search, never a
// scan of the notifications table).
extern const char kSelectUnreadCountSql[];
extern const char kListNotificationsSql[];
extern const char kListUnreadNotificationsSql[];

}  // namespace helpdesk::notification

#endif  // HELPDESK_SERVICES_NOTIFICATION_NOTIFICATION_STORE_H_
