#ifndef HELPDESK_SERVICES_TICKET_MIGRATIONS_H_
#define HELPDESK_SERVICES_TICKET_MIGRATIONS_H_

#include "absl/types/span.h"
#include "libs/db/migration.h"

namespace helpdesk::ticket {

// The schema history of tickets.db, oldest first.
absl::Span<const db::Migration> TicketMigrations();
// The same schema on PostgreSQL.
absl::Span<const db::Migration> TicketPostgresMigrations();

}  // namespace helpdesk::ticket

#endif  // HELPDESK_SERVICES_TICKET_MIGRATIONS_H_
