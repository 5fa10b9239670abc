#ifndef HELPDESK_LIBS_CLIENTS_NOTIFICATION_CLIENT_H_
#define HELPDESK_LIBS_CLIENTS_NOTIFICATION_CLIENT_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "helpdesk/notifications/v1/notifications.grpc.pb.h"
#include "libs/clients/call_context.h"

namespace helpdesk::clients {

// A notification another service asks for.
struct NotificationDraft {
  int64_t user_id = 0;
  int64_t ticket_id = 0;  // 0: none
  std::string subject;    // 1-200 characters
  std::string message;    // 1-2000 characters
  int64_t source_job_id = 0;
};

// The one way other services call NotificationService: internal
// CreateNotification with the service credential and a deadline on every
// call. Thread-safe.
class NotificationClient final {
 public:
  explicit NotificationClient(PeerOptions peer);

  // NotificationService.CreateNotification, idempotent on
  // (source_job_id, user_id): a retried job never notifies twice. The call
  // ends by `deadline` (real time) at the latest.
  absl::Status CreateNotification(const NotificationDraft& draft,
                                  absl::Time deadline);

 private:
  PeerOptions peer_;
  std::unique_ptr<::helpdesk::notifications::v1::NotificationService::Stub>
      stub_;
};

}  // namespace helpdesk::clients

#endif  // HELPDESK_LIBS_CLIENTS_NOTIFICATION_CLIENT_H_
