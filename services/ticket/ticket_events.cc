#include "services/ticket/ticket_events.h"

#include <openssl/sha.h>

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/struct.pb.h"
#include "helpdesk/jobs/v1/jobs.pb.h"
#include "libs/clients/audit_client.h"
#include "libs/clients/jobs_client.h"
#include "libs/text/utf8.h"

namespace helpdesk::ticket {
namespace {

using ::helpdesk::tickets::v1::Ticket;

OutboxItem Audit(int64_t actor_id, const char* action, int64_t ticket_id,
                 google::protobuf::Struct before,
                 google::protobuf::Struct after, absl::Time now) {
  clients::AuditRecord record;
  record.actor_id = actor_id;
  record.action = action;
  record.entity_type = "ticket";
  record.entity_id = ticket_id;
  record.before = std::move(before);
  record.after = std::move(after);
  record.time = now;
  return {clients::kAuditDestination, clients::AuditPayload(record)};
}

OutboxItem Job(const char* type, const google::protobuf::Message& payload,
               const std::string& dedupe_key = "") {
  return {clients::kJobsDestination,
          clients::JobPayload(type, payload, dedupe_key)};
}

void Set(google::protobuf::Struct& snapshot, const char* key,
         const std::string& value) {
  (*snapshot.mutable_fields())[key].set_string_value(value);
}

std::string Sha256Hex(absl::string_view text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(),
         digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

// A body in a snapshot: as it is up to kMaxSnapshotTextBytes; a longer one
// is cut there (on a character boundary, marked with "…"), with its full
// length in characters and its SHA-256 beside it. Every audit event stays
// small however often a long body is edited, and the digest still proves
// which text it was.
void SetBody(google::protobuf::Struct& snapshot, const std::string& body) {
  if (body.size() <= kMaxSnapshotTextBytes) {
    Set(snapshot, "body", body);
    return;
  }
  size_t cut = kMaxSnapshotTextBytes;
  while (cut > 0 && (static_cast<unsigned char>(body[cut]) & 0xc0) == 0x80) {
    --cut;
  }
  Set(snapshot, "body", absl::StrCat(body.substr(0, cut), "\u2026"));
  (*snapshot.mutable_fields())["bodyLength"].set_number_value(
      static_cast<double>(text::CodePointCount(body).value_or(body.size())));
  Set(snapshot, "bodySha256", Sha256Hex(body));
}

google::protobuf::Struct Snapshot(const TicketRecord& ticket) {
  google::protobuf::Struct snapshot;
  Set(snapshot, "id", absl::StrCat(ticket.id));
  Set(snapshot, "requesterId", absl::StrCat(ticket.requester_id));
  Set(snapshot, "title", ticket.title);
  SetBody(snapshot, ticket.body);
  Set(snapshot, "status", Ticket::Status_Name(ticket.status));
  Set(snapshot, "assigneeId", absl::StrCat(ticket.assignee_id));
  return snapshot;
}

}  // namespace

std::vector<OutboxItem> TicketCreatedEvents(const TicketRecord& ticket,
                                            absl::Time now) {
  return {Audit(ticket.requester_id, "ticket.created", ticket.id, {},
                Snapshot(ticket), now)};
}

std::vector<OutboxItem> TicketEditedEvents(const TicketRecord& before,
                                           const TicketRecord& after,
                                           int64_t actor_id, absl::Time now) {
  google::protobuf::Struct old_values;
  google::protobuf::Struct new_values;
  if (before.title != after.title) {
    Set(old_values, "title", before.title);
    Set(new_values, "title", after.title);
  }
  if (before.body != after.body) {
    SetBody(old_values, before.body);
    SetBody(new_values, after.body);
  }
  return {Audit(actor_id, "ticket.edited", after.id, std::move(old_values),
                std::move(new_values), now)};
}

std::vector<OutboxItem> StatusChangedEvents(const TicketRecord& before,
                                            const TicketRecord& after,
                                            int64_t actor_id, absl::Time now) {
  google::protobuf::Struct old_values;
  google::protobuf::Struct new_values;
  Set(old_values, "status", Ticket::Status_Name(before.status));
  Set(new_values, "status", Ticket::Status_Name(after.status));
  jobs::v1::TicketStatusChangedPayload payload;
  payload.set_ticket_id(after.id);
  payload.set_ticket_title(after.title);
  payload.set_requester_id(after.requester_id);
  payload.set_old_status(before.status);
  payload.set_new_status(after.status);
  payload.set_actor_id(actor_id);
  return {Audit(actor_id, "ticket.status_changed", after.id,
                std::move(old_values), std::move(new_values), now),
          Job("ticket.status_changed", payload)};
}

std::vector<OutboxItem> AssignmentEvents(const TicketRecord& before,
                                         const TicketRecord& after,
                                         int64_t actor_id, absl::Time now) {
  google::protobuf::Struct old_values;
  google::protobuf::Struct new_values;
  Set(old_values, "assigneeId", absl::StrCat(before.assignee_id));
  Set(new_values, "assigneeId", absl::StrCat(after.assignee_id));
  if (after.assignee_id == 0) {
    jobs::v1::TicketUnassignedPayload payload;
    payload.set_ticket_id(after.id);
    payload.set_ticket_title(after.title);
    payload.set_previous_assignee_id(before.assignee_id);
    payload.set_actor_id(actor_id);
    return {Audit(actor_id, "ticket.unassigned", after.id,
                  std::move(old_values), std::move(new_values), now),
            Job("ticket.unassigned", payload)};
  }
  jobs::v1::TicketAssignedPayload payload;
  payload.set_ticket_id(after.id);
  payload.set_ticket_title(after.title);
  payload.set_assignee_id(after.assignee_id);
  payload.set_actor_id(actor_id);
  return {Audit(actor_id, "ticket.assigned", after.id, std::move(old_values),
                std::move(new_values), now),
          Job("ticket.assigned", payload)};
}

std::vector<OutboxItem> NoteCreatedEvents(const NoteRecord& note,
                                          absl::Time now) {
  google::protobuf::Struct values;
  Set(values, "noteId", absl::StrCat(note.id));
  Set(values, "body", note.body);
  return {Audit(note.author_id, "note.created", note.ticket_id, {},
                std::move(values), now)};
}

std::vector<OutboxItem> CommentCreatedEvents(const CommentRecord& comment,
                                             const TicketRecord& before,
                                             const TicketRecord& after,
                                             absl::Time now) {
  google::protobuf::Struct values;
  Set(values, "commentId", absl::StrCat(comment.id));
  SetBody(values, comment.body);
  std::vector<OutboxItem> items = {Audit(comment.author_id, "comment.created",
                                         comment.ticket_id, {},
                                         std::move(values), now)};
  const bool reopened = before.status != after.status;
  if (reopened) {
    google::protobuf::Struct old_values;
    google::protobuf::Struct new_values;
    Set(old_values, "status", Ticket::Status_Name(before.status));
    Set(new_values, "status", Ticket::Status_Name(after.status));
    items.push_back(Audit(comment.author_id, "ticket.status_changed", after.id,
                          std::move(old_values), std::move(new_values), now));
  }
  jobs::v1::TicketCommentedPayload payload;
  payload.set_ticket_id(after.id);
  payload.set_ticket_title(after.title);
  payload.set_comment_id(comment.id);
  payload.set_author_id(comment.author_id);
  payload.set_by_requester(comment.author_id == after.requester_id);
  payload.set_requester_id(after.requester_id);
  payload.set_assignee_id(after.assignee_id);
  payload.set_reopened(reopened);
  items.push_back(Job("ticket.commented", payload));
  return items;
}

std::vector<OutboxItem> EscalatedEvents(const TicketRecord& ticket,
                                        absl::Time now) {
  google::protobuf::Struct old_values;
  google::protobuf::Struct new_values;
  Set(new_values, "escalateTime",
      absl::FormatTime(absl::RFC3339_full, now, absl::UTCTimeZone()));
  jobs::v1::TicketEscalatedPayload payload;
  payload.set_ticket_id(ticket.id);
  payload.set_ticket_title(ticket.title);
  payload.set_assignee_id(ticket.assignee_id);
  // A ticket escalates once: its id is the natural dedupe key.
  return {Audit(0, "ticket.escalated", ticket.id, std::move(old_values),
                std::move(new_values), now),
          Job("ticket.escalated", payload,
              absl::StrCat("ticket.escalated/", ticket.id))};
}

}  // namespace helpdesk::ticket
