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
  // The session token the stream was opened with, re-checked on heartbeats.
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
};

// The in-process fan-out from notification changes to the open
// WatchNotifications streams of each user.
//
// Handlers publish after their store change commits; the hub hands the event
// to every watcher of that user. One worker thread, owned by the hub, does
// all blocking work for watchers, so that gRPC callback threads never wait
// on SQLite or on the auth service: it reads the opening unread count of
// each new watcher, and every `heartbeat_interval` (real time) it
// re-resolves each watcher's session token through `resolver` — ending the
// stream with UNAUTHENTICATED once the session is gone — and sends a
// heartbeat with the current count. Tests call SendHeartbeats() directly.
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

  // Registers a new watcher; the worker soon sends its opening count. After
  // Close(), ends it at once with the close status instead.
  void Add(std::shared_ptr<Watcher> watcher);
  // Forgets a watcher (when its call is done). Unknown ones are ignored.
  void Remove(const Watcher* watcher);

  void PublishNotification(
      const ::helpdesk::notifications::v1::Notification& notification,
      UnreadCount unread);
  // The user's unread count changed for another reason (read marks).
  void PublishUnreadCount(int64_t user_id, UnreadCount unread);

  // One heartbeat round on the calling thread: session check and count for
  // every watcher. The worker runs it every heartbeat_interval.
  void SendHeartbeats();

  // Ends every stream with `status` and refuses new ones with it (server
  // shutdown). Idempotent; the first status wins.
  void Close(const absl::Status& status);

  int watcher_count() const;

 private:
  std::vector<std::shared_ptr<Watcher>> WatchersOf(int64_t user_id) const;
  void RunWorker();
  void SendOpeningCounts(const std::vector<std::weak_ptr<Watcher>>& watchers);

  const CountReader read_count_;
  auth::TokenResolver* const resolver_;
  const WatchHubOptions options_;

  mutable absl::Mutex mu_;
  absl::flat_hash_map<int64_t, std::vector<std::shared_ptr<Watcher>>> by_user_
      ABSL_GUARDED_BY(mu_);
  int watcher_count_ ABSL_GUARDED_BY(mu_) = 0;
  // Added but not yet sent their opening count (the worker's queue).
  std::vector<std::weak_ptr<Watcher>> opening_ ABSL_GUARDED_BY(mu_);
  absl::Status close_status_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread worker_;
};

}  // namespace helpdesk::notification

#endif  // HELPDESK_SERVICES_NOTIFICATION_WATCH_HUB_H_
