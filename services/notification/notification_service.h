#ifndef HELPDESK_SERVICES_NOTIFICATION_NOTIFICATION_SERVICE_H_
#define HELPDESK_SERVICES_NOTIFICATION_NOTIFICATION_SERVICE_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "helpdesk/notifications/v1/notifications.grpc.pb.h"
#include "libs/clock/clock.h"
#include "libs/paging/page_token.h"
#include "services/notification/notification_store.h"
#include "services/notification/watch_hub.h"

namespace helpdesk::notification {

struct NotificationServiceOptions {
  // Key for page tokens (NotificationComponent derives one from the service
  // credential when empty).
  std::string page_token_key;
  // Events a WatchNotifications stream may hold for a slow client before
  // they collapse into one heartbeat.
  size_t max_queued_events = 64;
};

// helpdesk.notifications.v1.NotificationService: per-user inboxes, read
// state, unread counts, and the live WatchNotifications stream.
//
// The unary RPCs use the synchronous API: each is one short SQLite
// transaction, which blocks and so belongs on the sync thread pool.
// WatchNotifications uses the callback API (a WatchReactor per call, no
// thread per open stream) and never touches SQLite on a callback thread:
// the hub's worker reads its opening count. Changes are published to the
// hub after they commit.
//
// The store, hub and clock must outlive the service. Thread-safe.
class NotificationServiceImpl final
    : public ::helpdesk::notifications::v1::NotificationService::
          WithCallbackMethod_WatchNotifications<
              ::helpdesk::notifications::v1::NotificationService::Service> {
 public:
  NotificationServiceImpl(NotificationStore* store, WatchHub* hub,
                          const Clock* clock,
                          NotificationServiceOptions options);

  // Publishes to this replica's watchers a change another replica made
  // (NotificationStore::ListenForChanges); failures are logged.
  void PublishRemoteChange(int64_t user_id, int64_t notification_id);

  grpc::Status ListNotifications(
      grpc::ServerContext* context,
      const notifications::v1::ListNotificationsRequest* request,
      notifications::v1::ListNotificationsResponse* response) override;
  grpc::Status GetUnreadCount(
      grpc::ServerContext* context,
      const notifications::v1::GetUnreadCountRequest* request,
      notifications::v1::GetUnreadCountResponse* response) override;
  grpc::Status MarkNotificationRead(
      grpc::ServerContext* context,
      const notifications::v1::MarkNotificationReadRequest* request,
      notifications::v1::Notification* response) override;
  grpc::Status MarkNotificationUnread(
      grpc::ServerContext* context,
      const notifications::v1::MarkNotificationUnreadRequest* request,
      notifications::v1::Notification* response) override;
  grpc::Status MarkAllNotificationsRead(
      grpc::ServerContext* context,
      const notifications::v1::MarkAllNotificationsReadRequest* request,
      notifications::v1::MarkAllNotificationsReadResponse* response) override;
  grpc::Status CreateNotification(
      grpc::ServerContext* context,
      const notifications::v1::CreateNotificationRequest* request,
      notifications::v1::Notification* response) override;
  grpc::ServerWriteReactor<notifications::v1::WatchNotificationsResponse>*
  WatchNotifications(
      grpc::CallbackServerContext* context,
      const notifications::v1::WatchNotificationsRequest* request) override;

 private:
  absl::StatusOr<notifications::v1::ListNotificationsResponse> DoList(
      grpc::ServerContext& context,
      const notifications::v1::ListNotificationsRequest& request);
  absl::StatusOr<notifications::v1::Notification> DoCreate(
      grpc::ServerContext& context,
      const notifications::v1::CreateNotificationRequest& request);
  absl::StatusOr<notifications::v1::Notification> DoMark(
      grpc::ServerContext& context, int64_t id, bool read);
  absl::StatusOr<notifications::v1::MarkAllNotificationsReadResponse> DoMarkAll(
      grpc::ServerContext& context);

  NotificationStore* const store_;
  WatchHub* const hub_;
  const Clock* const clock_;
  const NotificationServiceOptions options_;
  const paging::PageTokenCodec page_tokens_;
};

}  // namespace helpdesk::notification

#endif  // HELPDESK_SERVICES_NOTIFICATION_NOTIFICATION_SERVICE_H_
