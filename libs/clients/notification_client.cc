#include "libs/clients/notification_client.h"

#include <utility>

#include "absl/status/status.h"
#include "libs/rpc/status_conversion.h"

namespace helpdesk::clients {

using ::helpdesk::notifications::v1::CreateNotificationRequest;
using ::helpdesk::notifications::v1::Notification;
using ::helpdesk::notifications::v1::NotificationService;

NotificationClient::NotificationClient(PeerOptions peer)
    : peer_(std::move(peer)),
      stub_(NotificationService::NewStub(peer_.channel)) {}

absl::Status NotificationClient::CreateNotification(
    const NotificationDraft& draft, absl::Time deadline) {
  CreateNotificationRequest request;
  Notification* notification = request.mutable_notification();
  notification->set_user_id(draft.user_id);
  notification->set_ticket_id(draft.ticket_id);
  notification->set_subject(draft.subject);
  notification->set_message(draft.message);
  notification->set_source_job_id(draft.source_job_id);
  grpc::ClientContext context;
  PrepareContext(peer_, &context, deadline);
  Notification response;
  return rpc::FromGrpcStatus(
      stub_->CreateNotification(&context, request, &response));
}

}  // namespace helpdesk::clients
