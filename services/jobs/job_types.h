#ifndef HELPDESK_SERVICES_JOBS_JOB_TYPES_H_
#define HELPDESK_SERVICES_JOBS_JOB_TYPES_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/any.pb.h"

namespace helpdesk::jobs {

// The job types of jobs.proto and their payload messages.
inline constexpr char kTicketAssigned[] = "ticket.assigned";
inline constexpr char kTicketUnassigned[] = "ticket.unassigned";
inline constexpr char kTicketStatusChanged[] = "ticket.status_changed";
inline constexpr char kTicketEscalated[] = "ticket.escalated";
inline constexpr char kTicketCommented[] = "ticket.commented";

// Whether `type` is one of the types above.
bool IsKnownJobType(absl::string_view type);

// OK when `payload` holds the payload message of the known `type` and
// parses; INVALID_ARGUMENT otherwise (also for an unknown type).
absl::Status CheckPayload(absl::string_view type,
                          const google::protobuf::Any& payload);

}  // namespace helpdesk::jobs

#endif  // HELPDESK_SERVICES_JOBS_JOB_TYPES_H_
