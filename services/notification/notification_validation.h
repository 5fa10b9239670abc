#ifndef HELPDESK_SERVICES_NOTIFICATION_NOTIFICATION_VALIDATION_H_
#define HELPDESK_SERVICES_NOTIFICATION_NOTIFICATION_VALIDATION_H_

#include "absl/status/statusor.h"
#include "helpdesk/notifications/v1/notifications.pb.h"
#include "services/notification/notification_store.h"

namespace helpdesk::notification {

// Checks the notification of a CreateNotificationRequest and returns the
// row to store: user_id and source_job_id positive, ticket_id not negative,
// subject 1-200 and message 1-2000 characters (code points, after trimming
// surrounding whitespace), no control characters (the message may hold line
// breaks). INVALID_ARGUMENT with a google.rpc.BadRequest listing every
// violation (fields as "notification.subject"). create_time is left unset.
absl::StatusOr<NotificationRecord> ValidateNewNotification(
    const ::helpdesk::notifications::v1::Notification& notification);

}  // namespace helpdesk::notification

#endif  // HELPDESK_SERVICES_NOTIFICATION_NOTIFICATION_VALIDATION_H_
