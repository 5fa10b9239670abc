#include "gateway/helpdesk_protos.h"

#include <string>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "helpdesk/audit/v1/audit.pb.h"
#include "helpdesk/auth/v1/auth.pb.h"
#include "helpdesk/jobs/v1/jobs.pb.h"
#include "helpdesk/notifications/v1/notifications.pb.h"
#include "helpdesk/tickets/v1/tickets.pb.h"

namespace helpdesk::gateway {

const google::protobuf::DescriptorPool* HelpdeskGeneratedPool() {
  static const bool linked =
      helpdesk::auth::v1::User::descriptor() != nullptr &&
      helpdesk::tickets::v1::Ticket::descriptor() != nullptr &&
      helpdesk::audit::v1::AuditEvent::descriptor() != nullptr &&
      helpdesk::notifications::v1::Notification::descriptor() != nullptr &&
      helpdesk::jobs::v1::Job::descriptor() != nullptr;
  (void)linked;
  return google::protobuf::DescriptorPool::generated_pool();
}

std::vector<std::string> HelpdeskServices() {
  return {
      "helpdesk.auth.v1.AuthService",
      "helpdesk.tickets.v1.TicketService",
      "helpdesk.audit.v1.AuditService",
      "helpdesk.notifications.v1.NotificationService",
      "helpdesk.jobs.v1.JobService",
  };
}

}  // namespace helpdesk::gateway
