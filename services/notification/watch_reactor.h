#ifndef HELPDESK_SERVICES_NOTIFICATION_WATCH_REACTOR_H_
#define HELPDESK_SERVICES_NOTIFICATION_WATCH_REACTOR_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "helpdesk/notifications/v1/notifications.pb.h"
#include "services/notification/notification_store.h"
#include "services/notification/watch_hub.h"
#include "services/notification/watch_queue.h"

namespace helpdesk::notification {

// One WatchNotifications call on the gRPC callback API: no thread waits for
// it between events. Events from the hub go into a bounded WatchQueue (see
// there for the policy) and are written one at a time, as gRPC allows one
// write in flight; the next starts from OnWriteDone.
//
// Start() registers the reactor with the hub and hands it to gRPC; it frees
// itself once the call is done and the hub has let go of it. Thread-safe.
class WatchReactor final
    : public grpc::ServerWriteReactor<
          ::helpdesk::notifications::v1::WatchNotificationsResponse>,
      public Watcher {
 public:
  // The reactor for a new call, or the hub's refusal (see WatchHub::Add),
  // for which the caller finishes the call itself.
  static absl::StatusOr<grpc::ServerWriteReactor<
      ::helpdesk::notifications::v1::WatchNotificationsResponse>*>
  Start(WatchHub* hub, int64_t user_id, std::string session_token,
        size_t max_queued_events);

  // Watcher
  int64_t user_id() const override { return user_id_; }
  const std::string& session_token() const override { return session_token_; }
  void OnNotification(
      const ::helpdesk::notifications::v1::Notification& notification,
      UnreadCount unread) override;
  void OnUnreadCount(UnreadCount unread) override;
  void End(const absl::Status& status) override;

  // grpc::ServerWriteReactor
  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  WatchReactor(WatchHub* hub, int64_t user_id, std::string session_token,
               size_t max_queued_events);

  void LogOverflow(int64_t overflows_before) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Moves the next event into in_flight_ if a write may start now.
  bool TakeNextWrite() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Starts the write or Finish decided under the lock (called without it:
  // gRPC may run reactions inline).
  void Act(bool start_write, std::optional<grpc::Status> finish);

  WatchHub* const hub_;
  const int64_t user_id_;
  const std::string session_token_;
  // Keeps the reactor alive until OnDone.
  std::shared_ptr<WatchReactor> self_;

  absl::Mutex mu_;
  WatchQueue queue_ ABSL_GUARDED_BY(mu_);
  // Written only while writing_ is true, by the thread that set it.
  ::helpdesk::notifications::v1::WatchNotificationsResponse in_flight_;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<absl::Status> end_status_ ABSL_GUARDED_BY(mu_);
  bool finished_ ABSL_GUARDED_BY(mu_) = false;  // Finish called
};

}  // namespace helpdesk::notification

#endif  // HELPDESK_SERVICES_NOTIFICATION_WATCH_REACTOR_H_
