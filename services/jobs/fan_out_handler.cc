#include "services/jobs/fan_out_handler.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/any.pb.h"
#include "helpdesk/jobs/v1/jobs.pb.h"
#include "helpdesk/tickets/v1/tickets.pb.h"
#include "libs/clients/notification_client.h"
#include "libs/status/status_macros.h"
#include "libs/text/utf8.h"
#include "services/jobs/job_types.h"

namespace helpdesk::jobs {
namespace {

using ::helpdesk::tickets::v1::Ticket;

// NotificationService's limits, in code points.
constexpr size_t kMaxSubject = 200;
constexpr size_t kMaxMessage = 2000;

// `text` cut to at most `max` code points, ending in "..." when cut. Text
// that is not valid UTF-8 is left as it is (NotificationService refuses it).
std::string Ellipsize(absl::string_view text, size_t max) {
  const std::optional<size_t> length = text::CodePointCount(text);
  if (!length.has_value() || *length <= max) return std::string(text);
  // The first max - 3 code points: each is the shortest run of bytes that
  // counts as one (a shorter one is a cut sequence, not UTF-8).
  size_t end = 0;
  for (size_t kept = 0; kept < max - 3; ++kept) {
    size_t bytes = 1;
    while (text::CodePointCount(text.substr(end, bytes)) != 1) ++bytes;
    end += bytes;
  }
  return absl::StrCat(text.substr(0, end), "...");
}

const char* StatusWords(Ticket::Status status) {
  switch (status) {
    case Ticket::OPEN:
      return "open";
    case Ticket::IN_PROGRESS:
      return "in progress";
    case Ticket::RESOLVED:
      return "resolved";
    default:
      return "of unknown status";
  }
}

template <typename Payload>
absl::StatusOr<Payload> Unpack(const JobRecord& job) {
  google::protobuf::Any any;
  if (!any.ParseFromString(job.payload)) {
    return absl::InvalidArgumentError("the job's payload does not parse");
  }
  RETURN_IF_ERROR(CheckPayload(job.type, any));
  Payload payload;
  any.UnpackTo(&payload);
  if (payload.ticket_id() <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("the ", job.type, " payload has no ticket_id"));
  }
  return payload;
}

absl::Status RequireUser(int64_t user_id, absl::string_view field,
                         absl::string_view type) {
  if (user_id > 0) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("the ", type, " payload has no ", field));
}

clients::NotificationDraft Draft(const JobRecord& job, int64_t user_id,
                                 int64_t ticket_id, absl::string_view subject,
                                 absl::string_view message) {
  clients::NotificationDraft draft;
  draft.user_id = user_id;
  draft.ticket_id = ticket_id;
  draft.subject = Ellipsize(subject, kMaxSubject);
  draft.message = Ellipsize(message, kMaxMessage);
  draft.source_job_id = job.id;
  return draft;
}

// Sends `draft` unless its recipient is `actor_id`, who did what it tells.
absl::Status NotifyUnlessActor(clients::NotificationClient& notifications,
                               const clients::NotificationDraft& draft,
                               int64_t actor_id, absl::Time deadline) {
  if (draft.user_id == actor_id) return absl::OkStatus();
  return notifications.CreateNotification(draft, deadline);
}

// "Ticket #12 "Printer on fire"".
std::string TicketName(int64_t id, absl::string_view title) {
  return absl::StrCat("ticket #", id, " \"", title, "\"");
}

}  // namespace

absl::Status FanOutHandler::Run(const JobRecord& job, absl::Time deadline) {
  if (job.type == kTicketAssigned) {
    ASSIGN_OR_RETURN(auto payload, Unpack<v1::TicketAssignedPayload>(job));
    RETURN_IF_ERROR(
        RequireUser(payload.assignee_id(), "assignee_id", job.type));
    return NotifyUnlessActor(
        *notifications_,
        Draft(
            job, payload.assignee_id(), payload.ticket_id(),
            absl::StrCat("Assigned to you: ", payload.ticket_title()),
            absl::StrCat(
                "You were assigned ",
                TicketName(payload.ticket_id(), payload.ticket_title()), ".")),
        payload.actor_id(), deadline);
  }
  if (job.type == kTicketUnassigned) {
    ASSIGN_OR_RETURN(auto payload, Unpack<v1::TicketUnassignedPayload>(job));
    RETURN_IF_ERROR(RequireUser(payload.previous_assignee_id(),
                                "previous_assignee_id", job.type));
    return NotifyUnlessActor(
        *notifications_,
        Draft(
            job, payload.previous_assignee_id(), payload.ticket_id(),
            absl::StrCat("No longer assigned to you: ", payload.ticket_title()),
            absl::StrCat(
                "You are no longer assigned to ",
                TicketName(payload.ticket_id(), payload.ticket_title()), ".")),
        payload.actor_id(), deadline);
  }
  if (job.type == kTicketStatusChanged) {
    ASSIGN_OR_RETURN(auto payload, Unpack<v1::TicketStatusChangedPayload>(job));
    RETURN_IF_ERROR(
        RequireUser(payload.requester_id(), "requester_id", job.type));
    return NotifyUnlessActor(
        *notifications_,
        Draft(job, payload.requester_id(), payload.ticket_id(),
              absl::StrCat("Your ticket is ", StatusWords(payload.new_status()),
                           ": ", payload.ticket_title()),
              absl::StrCat(
                  "Your ",
                  TicketName(payload.ticket_id(), payload.ticket_title()),
                  " changed from ", StatusWords(payload.old_status()), " to ",
                  StatusWords(payload.new_status()), ".")),
        payload.actor_id(), deadline);
  }
  if (job.type == kTicketEscalated) {
    ASSIGN_OR_RETURN(auto payload, Unpack<v1::TicketEscalatedPayload>(job));
    const std::string subject =
        absl::StrCat("Overdue ticket escalated: ", payload.ticket_title());
    const std::string escalated =
        absl::StrCat("Open for too long, ",
                     TicketName(payload.ticket_id(), payload.ticket_title()),
                     " was escalated.");
    if (payload.assignee_id() > 0) {
      return notifications_->CreateNotification(
          Draft(job, payload.assignee_id(), payload.ticket_id(), subject,
                absl::StrCat(escalated, " It is assigned to you.")),
          deadline);
    }
    // Every admin. Those a failed attempt already notified are skipped by
    // CreateNotification's idempotency when the job runs again.
    ASSIGN_OR_RETURN(std::vector<int64_t> admins, admins_->AdminIds(deadline));
    const std::string message =
        absl::StrCat(escalated, " Nobody is assigned to it yet.");
    for (int64_t admin : admins) {
      RETURN_IF_ERROR(notifications_->CreateNotification(
          Draft(job, admin, payload.ticket_id(), subject, message), deadline));
    }
    return absl::OkStatus();
  }
  if (job.type == kTicketCommented) {
    ASSIGN_OR_RETURN(auto payload, Unpack<v1::TicketCommentedPayload>(job));
    RETURN_IF_ERROR(RequireUser(payload.author_id(), "author_id", job.type));
    const std::string name =
        TicketName(payload.ticket_id(), payload.ticket_title());
    if (!payload.by_requester()) {
      RETURN_IF_ERROR(
          RequireUser(payload.requester_id(), "requester_id", job.type));
      return NotifyUnlessActor(
          *notifications_,
          Draft(job, payload.requester_id(), payload.ticket_id(),
                absl::StrCat("New reply on your ticket: ",
                             payload.ticket_title()),
                absl::StrCat("An agent replied on your ", name, ".")),
          payload.author_id(), deadline);
    }
    const std::string subject = absl::StrCat(
        payload.reopened() ? "Reopened by a reply: " : "Requester replied: ",
        payload.ticket_title());
    const std::string message =
        absl::StrCat("The requester replied on ", name,
                     payload.reopened() ? ", which reopened it." : ".");
    std::vector<int64_t> recipients;
    if (payload.assignee_id() > 0) {
      recipients.push_back(payload.assignee_id());
    } else {
      ASSIGN_OR_RETURN(recipients, admins_->AdminIds(deadline));
    }
    for (int64_t recipient : recipients) {
      RETURN_IF_ERROR(NotifyUnlessActor(
          *notifications_,
          Draft(job, recipient, payload.ticket_id(), subject, message),
          payload.author_id(), deadline));
    }
    return absl::OkStatus();
  }
  return absl::UnimplementedError(absl::StrCat(
      "no handler for job type \"", job.type,
      "\"; the job stays DEAD until a release handles the type and an admin "
      "retries it"));
}

}  // namespace helpdesk::jobs
