#ifndef HELPDESK_SERVICES_TICKET_DEMO_TICKETS_H_
#define HELPDESK_SERVICES_TICKET_DEMO_TICKETS_H_

#include <cstdint>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/ticket/ticket_store.h"

namespace helpdesk::ticket {

// Seeds the demo tickets of the original app into an empty store: two dozen
// tickets of the four demo users in every status, some assigned to the demo
// admins, a few with notes, and exactly two OPEN ones older than a day
// (overdue, not yet escalated). `user_id` maps a demo email to its id. Does
// nothing when the store has tickets.
absl::Status SeedDemoTickets(
    TicketStore& store, absl::Time now,
    absl::FunctionRef<absl::StatusOr<int64_t>(absl::string_view email)>
        user_id);

}  // namespace helpdesk::ticket

#endif  // HELPDESK_SERVICES_TICKET_DEMO_TICKETS_H_
