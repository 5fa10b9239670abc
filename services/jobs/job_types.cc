#include "services/jobs/job_types.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/any.pb.h"
#include "helpdesk/jobs/v1/jobs.pb.h"

namespace helpdesk::jobs {
namespace {

template <typename Payload>
absl::Status Check(absl::string_view type,
                   const google::protobuf::Any& payload) {
  Payload message;
  if (!payload.Is<Payload>()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a ", type, " job's payload must be a ",
        Payload::descriptor()->full_name(), ", not ",
        payload.type_url().empty() ? "empty" : payload.type_url()));
  }
  if (!payload.UnpackTo(&message)) {
    return absl::InvalidArgumentError(
        absl::StrCat("the ", type, " job's payload does not parse"));
  }
  return absl::OkStatus();
}

}  // namespace

bool IsKnownJobType(absl::string_view type) {
  return type == kTicketAssigned || type == kTicketUnassigned ||
         type == kTicketStatusChanged || type == kTicketEscalated ||
         type == kTicketCommented;
}

absl::Status CheckPayload(absl::string_view type,
                          const google::protobuf::Any& payload) {
  if (type == kTicketAssigned) {
    return Check<v1::TicketAssignedPayload>(type, payload);
  }
  if (type == kTicketUnassigned) {
    return Check<v1::TicketUnassignedPayload>(type, payload);
  }
  if (type == kTicketStatusChanged) {
    return Check<v1::TicketStatusChangedPayload>(type, payload);
  }
  if (type == kTicketEscalated) {
    return Check<v1::TicketEscalatedPayload>(type, payload);
  }
  if (type == kTicketCommented) {
    return Check<v1::TicketCommentedPayload>(type, payload);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown job type \"", type, "\""));
}

}  // namespace helpdesk::jobs
