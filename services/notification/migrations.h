#ifndef HELPDESK_SERVICES_NOTIFICATION_MIGRATIONS_H_
#define HELPDESK_SERVICES_NOTIFICATION_MIGRATIONS_H_

#include "absl/types/span.h"
#include "libs/db/migration.h"

namespace helpdesk::notification {

// The schema history of notifications.db, oldest first.
absl::Span<const db::Migration> NotificationMigrations();
// The same schema on PostgreSQL.
absl::Span<const db::Migration> NotificationPostgresMigrations();

}  // namespace helpdesk::notification

#endif  // HELPDESK_SERVICES_NOTIFICATION_MIGRATIONS_H_
