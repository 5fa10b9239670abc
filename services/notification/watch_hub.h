#ifndef HELPDESK_SERVICES_NOTIFICATION_WATCH_HUB_H_
#define HELPDESK_SERVICES_NOTIFICATION_WATCH_HUB_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "helpdesk/notifications/v1/notifications.pb.h"
#include "libs/auth/token_resolver.h"
#include "services/notification/notification_store.h"

namespace helpdesk::notification {

// One open WatchNotifications stream as the hub sees it. Every method
// returns without blocking (it queues); implementations are thread-safe.
class Watcher {
 public:
  virtual ~Watcher() = default;

  virtual int64_t user_id() const = 0;
  // The session token the stream was opened with: checked when the stream
  // opens and on every session round, and matched by EndSessionWatchers().
  virtual const std::string& session_token() const = 0;

  // A notification created for the user, and the count after it.
  virtual void OnNotification(
      const ::helpdesk::notifications::v1::Notification& notification,
      UnreadCount unread) = 0;
  // The user's unread count: sent as a heartbeat. The first call opens the
  // stream; nothing is written before it.
  virtual void OnUnreadCount(UnreadCount unread) = 0;
  // Ends the stream with `status` (dropping what is still queued). Later
  // calls are ignored.
  virtual void End(const absl::Status& status) = 0;
};

struct WatchHubOptions {
  absl::Duration heartbeat_interval = absl::Seconds(30);
  // How often every open stream's session is re-checked between heartbeat
  // rounds (a heartbeat round checks too). It bounds how long a stream
  // outlives a session that ended in another process (split mode): this
  // interval plus the resolver's cache ttl.
  absl::Duration session_check_interval = absl::Seconds(10);
  // Open streams one user may hold at once; 0 means no cap. Enough for many
  // tabs on several devices; one account cannot pin thousands.
  int max_watchers_per_user = 16;
  // The RetryInfo delay of a stream refused for the cap (the gateway turns
  // it into 429 with Retry-After).
  absl::Duration cap_retry_after = absl::Seconds(30);
};

// The in-process fan-out from notification changes to the open
// WatchNotifications streams of each user.
//
// Handlers publish after their store change commits; the hub hands the event
// to every watcher of that user. It admits at most `max_watchers_per_user`
// open streams per user. One worker thread, owned by the hub, does all
// blocking work for watchers, so that gRPC callback threads never wait on
// SQLite or on the auth service: for each new watcher it checks the session
// and reads the opening unread count; every `session_check_interval` (real
// time) it re-resolves each watcher's session token through `resolver`,
// ending the stream with UNAUTHENTICATED once the session is gone; and
// every `heartbeat_interval` it does the same and sends a heartbeat with the
// current count. When the session ends in this process (helpdeskd's logout),
// EndSessionWatchers() ends its streams at once. Both rounds are public, so
// tests can run them by hand.
//
// `read_count` and `resolver` must outlive the hub; so must every watcher's
// gRPC server (stop it first). Thread-safe.
class WatchHub final {
 public:
  using CountReader = std::function<absl::StatusOr<UnreadCount>(int64_t)>;

  WatchHub(CountReader read_count, auth::TokenResolver* resolver,
           WatchHubOptions options);
  ~WatchHub();
  WatchHub(const WatchHub&) = delete;
  WatchHub& operator=(const WatchHub&) = delete;

  // Registers a new watcher; the worker soon checks its session and sends
  // its opening count. Refuses it (and keeps nothing) with the close status
  // after Close(), and with RESOURCE_EXHAUSTED plus a RetryInfo when its
  // user already holds max_watchers_per_user streams. A watcher holds its
  // slot until Remove(), however its stream ends.
  absl::Status Add(std::shared_ptr<Watcher> watcher);
  // Forgets a watcher (when its call is done). Unknown ones are ignored.
  void Remove(const Watcher* watcher);

  void PublishNotification(
      const ::helpdesk::notifications::v1::Notification& notification,
      UnreadCount unread);
  // The user's unread count changed for another reason (read marks).
  void PublishUnreadCount(int64_t user_id, UnreadCount unread);

  // Ends, with UNAUTHENTICATED, every stream opened with `session_token`
  // (its session ended in this process); other sessions' streams, the same
  // user's included, stay open. Returns how many it ended.
  int EndSessionWatchers(absl::string_view session_token);

  // One session round on the calling thread: re-resolves every watcher's
  // session (once per token) and ends the streams whose session is gone.
  // The worker runs it every session_check_interval.
  void CheckSessions();

  // One heartbeat round on the calling thread: session check and count for
  // every watcher. The worker runs it every heartbeat_interval.
  void SendHeartbeats();

  // Ends every stream with `status` and refuses new ones with it (server
  // shutdown). Idempotent; the first status wins.
  void Close(const absl::Status& status);

  int watcher_count() const;

 private:
  std::vector<std::shared_ptr<Watcher>> WatchersOf(int64_t user_id) const;
  std::vector<std::shared_ptr<Watcher>> AllWatchers() const;
  // Ends the watchers whose session is gone; returns the others. When auth
  // cannot answer, the rest are kept unchecked.
  std::vector<std::shared_ptr<Watcher>> EndEndedSessions(
      std::vector<std::shared_ptr<Watcher>> watchers);
  void RunWorker();
  void OpenWatchers(const std::vector<std::weak_ptr<Watcher>>& watchers);

  const CountReader read_count_;
  auth::TokenResolver* const resolver_;
  const WatchHubOptions options_;

  mutable absl::Mutex mu_;
  absl::flat_hash_map<int64_t, std::vector<std::shared_ptr<Watcher>>> by_user_
      ABSL_GUARDED_BY(mu_);
  int watcher_count_ ABSL_GUARDED_BY(mu_) = 0;
  // Added but not yet checked and sent their opening count (the worker's
  // queue).
  std::vector<std::weak_ptr<Watcher>> opening_ ABSL_GUARDED_BY(mu_);
  absl::Status close_status_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread worker_;
};

}  // namespace helpdesk::notification

#endif  // HELPDESK_SERVICES_NOTIFICATION_WATCH_HUB_H_
