#ifndef HELPDESK_SERVICES_TICKET_TICKET_EVENTS_H_
#define HELPDESK_SERVICES_TICKET_TICKET_EVENTS_H_

#include <cstdint>
#include <vector>

#include "absl/time/time.h"
#include "services/ticket/ticket_store.h"

namespace helpdesk::ticket {

// What each ticket mutation tells other services: the audit event (with
// before/after snapshots of the values that changed) and, where someone
// must be notified, the job. The store writes them to the outbox in the
// mutation's transaction. `actor_id` 0 is the system.

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
std::vector<OutboxItem> EscalatedEvents(const TicketRecord& ticket,
                                        absl::Time now);

}  // namespace helpdesk::ticket

#endif  // HELPDESK_SERVICES_TICKET_TICKET_EVENTS_H_
