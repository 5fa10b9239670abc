#ifndef HELPDESK_SERVICES_JOBS_FAN_OUT_HANDLER_H_
#define HELPDESK_SERVICES_JOBS_FAN_OUT_HANDLER_H_

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "libs/clients/auth_client.h"
#include "libs/clients/notification_client.h"
#include "services/jobs/job_handler.h"
#include "services/jobs/job_store.h"

namespace helpdesk::jobs {

// The handlers of Helpdesk's job types: each turns a ticket event into
// notifications, with the job's id as source_job_id so that a job that
// runs again never notifies anyone twice.
//
//   ticket.assigned        → the new assignee
//   ticket.unassigned      → the previous assignee
//   ticket.status_changed  → the ticket's owner (requester)
//   ticket.escalated       → the assignee, or every admin when unassigned
//   ticket.commented       → the requester's reply: the assignee, or every
//                            admin when unassigned; an admin's reply: the
//                            requester
//
// Nobody is notified of what they did themselves (the payload's actor or
// author): an admin who assigns a ticket to herself hears nothing.
//
// Another type is UNIMPLEMENTED, a payload that is not its type's message
// or lacks an id INVALID_ARGUMENT (both permanent, see JobHandler); peer
// errors pass through (retried). The clients are not owned and must
// outlive the handler. Thread-safe.
class FanOutHandler final : public JobHandler {
 public:
  FanOutHandler(clients::NotificationClient* notifications,
                clients::AuthClient* admins)
      : notifications_(notifications), admins_(admins) {}

  absl::Status Run(const JobRecord& job, absl::Time deadline) override;

 private:
  clients::NotificationClient* const notifications_;
  clients::AuthClient* const admins_;
};

}  // namespace helpdesk::jobs

#endif  // HELPDESK_SERVICES_JOBS_FAN_OUT_HANDLER_H_
