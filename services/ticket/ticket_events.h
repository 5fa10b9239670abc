#ifndef HELPDESK_SERVICES_TICKET_TICKET_EVENTS_H_
#define HELPDESK_SERVICES_TICKET_TICKET_EVENTS_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/time/time.h"
#include "services/ticket/ticket_store.h"

namespace helpdesk::ticket {

// What each ticket mutation tells other services: the audit event (with
// before/after snapshots of the values that changed) and, where someone
// must be notified, the job. The store writes them to the outbox in the
// mutation's transaction. `actor_id` 0 is the system.
//
// A body longer than kMaxSnapshotTextBytes appears in a snapshot cut to that
// size (ending in "…") with `bodyLength` (characters) and `bodySha256` (hex
// digest of the whole body) beside it, so that an audit event stays small
// however long and however often edited the text is.
inline constexpr size_t kMaxSnapshotTextBytes = 1000;

std::vector<OutboxItem> TicketCreatedEvents(const TicketRecord& ticket,
                                            absl::Time now);
std::vector<OutboxItem> TicketEditedEvents(const TicketRecord& before,
                                           const TicketRecord& after,
                                           int64_t actor_id, absl::Time now);
std::vector<OutboxItem> StatusChangedEvents(const TicketRecord& before,
                                            const TicketRecord& after,
                                            int64_t actor_id, absl::Time now);
// Assignment to someone (ticket.assigned) or to nobody (ticket.unassigned).
std::vector<OutboxItem> AssignmentEvents(const TicketRecord& before,
                                         const TicketRecord& after,
                                         int64_t actor_id, absl::Time now);
std::vector<OutboxItem> NoteCreatedEvents(const NoteRecord& note,
                                          absl::Time now);
// A public reply (comment.created) and the job that tells the other side;
// a reply that reopened the ticket also records that status change.
std::vector<OutboxItem> CommentCreatedEvents(const CommentRecord& comment,
                                             const TicketRecord& before,
                                             const TicketRecord& after,
                                             absl::Time now);
std::vector<OutboxItem> EscalatedEvents(const TicketRecord& ticket,
                                        absl::Time now);

}  // namespace helpdesk::ticket

#endif  // HELPDESK_SERVICES_TICKET_TICKET_EVENTS_H_
